//! Per-category counts of `/site.json` and `/categories.json`, kept by triggers on every
//! write instead of counted per request: they follow creates, moves and deletes, and (run by
//! hand: `cargo test --release --test sandbox_counts -- --ignored --nocapture`) both
//! endpoints answer in well under 10 ms at 100k topics.

mod common;

use std::time::{Duration, Instant};

use common::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

/// `(topic_count, post_count, topics_day)` of category `slug` in `/categories.json`.
async fn category(sb: &TestSandbox, slug: &str) -> (i64, i64, i64) {
    let (s, v) = sb.get("/categories.json", Some("mod_anna")).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let c = v["category_list"]["categories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["slug"] == slug)
        .cloned()
        .unwrap_or_else(|| panic!("no category {slug}"));
    (
        c["topic_count"].as_i64().unwrap(),
        c["post_count"].as_i64().unwrap(),
        c["topics_day"].as_i64().unwrap(),
    )
}

/// The same counted from the database.
fn counted(sb: &TestSandbox, slug: &str) -> (i64, i64) {
    let conn = rusqlite::Connection::open(&sb.db_path).expect("db");
    conn.query_row(
        "SELECT COUNT(*), COALESCE(SUM(t.posts_count), 0) FROM topics t JOIN categories c ON c.id = t.category_id \
         WHERE c.slug = ?1 AND t.archetype = 'regular' AND t.deleted_at IS NULL",
        [slug],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .expect("count")
}

#[tokio::test]
async fn counts_follow_creates_replies_moves_and_deletes() {
    let sb = start().await;
    let (topics0, posts0, day0) = category(&sb, "devices").await;
    assert_eq!((topics0, posts0), counted(&sb, "devices"));
    let other0 = category(&sb, "billing").await;

    // A new topic.
    let (s, v) = sb
        .post_json(
            "/posts.json",
            "member_mia",
            json!({"title": "Counting topics in the devices category", "category": "devices",
                   "raw": "This topic exists to be counted by the category statistics."}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let topic = v["topic_id"].as_i64().unwrap();
    let first_post = v["id"].as_i64().unwrap();
    assert_eq!(
        category(&sb, "devices").await,
        (topics0 + 1, posts0 + 1, day0 + 1)
    );

    // A reply counts as a post.
    let (s, v) = sb
        .post_form(
            "/posts.json",
            "mod_anna",
            &[
                ("topic_id", &topic.to_string()),
                ("raw", "A reply that the post count should include."),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        category(&sb, "devices").await,
        (topics0 + 1, posts0 + 2, day0 + 1)
    );
    assert_eq!(counted(&sb, "devices"), (topics0 + 1, posts0 + 2));

    // Moved to another category: out of one, into the other.
    let (s, v) = sb
        .put_json(
            &format!("/t/-/{topic}.json"),
            "mod_anna",
            json!({"category_id": billing_id(&sb).await}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(category(&sb, "devices").await, (topics0, posts0, day0));
    assert_eq!(
        category(&sb, "billing").await,
        (other0.0 + 1, other0.1 + 2, other0.2 + 1)
    );

    // Deleted (its first post deleted through the review queue): out of the counts.
    let (s, v) = sb
        .post_json(
            "/post_actions.json",
            "mod_ben",
            json!({"id": first_post, "post_action_type_id": 8}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (reviewable, version): (i64, i64) = rusqlite::Connection::open(&sb.db_path)
        .unwrap()
        .query_row(
            "SELECT id, version FROM reviewables WHERE post_id = ?1",
            [first_post],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let (s, v) = sb
        .call(
            Method::PUT,
            &format!("/review/{reviewable}/perform/delete_and_agree.json?version={version}"),
            Some("mod_anna"),
            Body::None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(category(&sb, "billing").await, other0);
    assert_eq!(counted(&sb, "billing"), (other0.0, other0.1));
}

async fn billing_id(sb: &TestSandbox) -> i64 {
    let (_, v) = sb.get("/categories.json", None).await;
    v["category_list"]["categories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["slug"] == "billing")
        .and_then(|c| c["id"].as_i64())
        .expect("billing")
}

async fn median(sb: &TestSandbox, path: &str, runs: usize) -> Duration {
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        let (s, v) = sb.get(path, Some("admin")).await;
        assert_eq!(s, StatusCode::OK, "{path}: {v}");
        times.push(t.elapsed());
    }
    times.sort();
    times[runs / 2]
}

fn counts(v: &Value, key: &str) -> Vec<(i64, i64, i64)> {
    v[key]
        .as_array()
        .expect("categories")
        .iter()
        .map(|c| {
            (
                c["id"].as_i64().unwrap_or(0),
                c["topic_count"].as_i64().unwrap_or(-1),
                c["post_count"].as_i64().unwrap_or(-1),
            )
        })
        .collect()
}

#[tokio::test]
#[ignore = "slow: seeds 100k topics; run by hand"]
async fn site_and_categories_are_fast_at_100k_topics() {
    // Set SANDBOX_SCALE_DB=/path/file.db to keep (and reuse) the database.
    let keep = std::env::var_os("SANDBOX_SCALE_DB").map(std::path::PathBuf::from);
    let sb = start_with(|o| {
        o.topics = 100_000;
        if let Some(p) = keep {
            o.db_path = p;
        }
    })
    .await;
    // Warm up (statement cache, page cache).
    for _ in 0..3 {
        sb.get("/site.json", Some("admin")).await;
        sb.get("/categories.json", Some("admin")).await;
    }
    let site = median(&sb, "/site.json", 41).await;
    let cats = median(&sb, "/categories.json", 41).await;
    println!("/site.json p50 {site:?}, /categories.json p50 {cats:?}");
    // The first request after a topic change recounts the day/week/month/year windows.
    let (s, v) = sb
        .post_json(
            "/posts.json",
            "mod_anna",
            json!({"title": "A new topic makes the windows recount", "category": "devices",
                   "raw": "This topic exists so the next categories request recounts."}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let t = Instant::now();
    sb.get("/categories.json", Some("admin")).await;
    println!(
        "/categories.json after a new topic (recount): {:?}",
        t.elapsed()
    );

    // The kept counts equal a fresh count of the topics.
    let (_, v) = sb.get("/site.json", Some("admin")).await;
    let kept = counts(&v, "categories");
    let conn = rusqlite::Connection::open(&sb.db_path).expect("db");
    for (id, topics, posts) in &kept {
        let (t, p): (i64, i64) = conn
            .query_row(
                "SELECT COUNT(*), COALESCE(SUM(posts_count), 0) FROM topics \
                 WHERE category_id = ?1 AND archetype = 'regular' AND deleted_at IS NULL",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .expect("count");
        assert_eq!((*topics, *posts), (t, p), "category {id}");
    }
    assert!(kept.iter().map(|c| c.1).sum::<i64>() > 90_000, "{kept:?}");
    assert!(site < Duration::from_millis(10), "/site.json p50 {site:?}");
    assert!(
        cats < Duration::from_millis(10),
        "/categories.json p50 {cats:?}"
    );
}
