//! Scale check, run by hand: `cargo test --test sandbox_scale -- --ignored --nocapture`.
//! Seeds 100k topics and times seeding and a few list/topic requests.

mod common;

use std::time::Instant;

use common::*;
use reqwest::StatusCode;

#[tokio::test]
#[ignore = "slow: seeds 100k topics; run by hand"]
async fn seed_100k_topics_and_query() {
    let t = Instant::now();
    // Set SANDBOX_SCALE_DB=/path/file.db to keep the database for inspection.
    let keep = std::env::var_os("SANDBOX_SCALE_DB").map(std::path::PathBuf::from);
    let sb = start_with(|o| {
        o.topics = 100_000;
        if let Some(p) = keep {
            o.db_path = p;
        }
    })
    .await;
    let seeded = t.elapsed();
    println!("seeding 100k topics took {seeded:?}");
    for path in [
        "/latest.json?max_posts=1&order=created",
        "/latest.json?max_posts=1&status=open&order=created&page=50",
        "/latest.json",
        "/site.json",
        "/categories.json",
        "/review.json",
        "/latest.json?order=posts",
        "/filter.json?q=status:open%20posts-max:1%20order:created",
        "/t/54321.json",
        "/t/99999.json?page=1",
        "/u/member_mia/summary.json",
        "/user_actions.json?username=member_mia",
    ] {
        let t = Instant::now();
        let (s, v) = sb.get(path, Some("admin")).await;
        assert_eq!(s, StatusCode::OK, "{path}: {v}");
        println!("{path}: {:?}", t.elapsed());
    }
    assert!(seeded.as_secs() < 60, "seeding took {seeded:?}");
}
