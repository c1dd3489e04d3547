//! Category moderators in the sandbox, as Discourse has them with
//! `enable_category_group_moderation`: the members of a group that moderates a category
//! review that category's items (list, see, perform) and nothing else; staff review
//! everything; plain leaders and members get 403 as before. The demo's one category moderator
//! is `leader_priya`, through the `mobile_moderators` group, for Mobile.
//!
//! Tests flag their own uniquely worded topics where an exact item is needed.

mod common;

use std::time::Duration;

use common::*;
use modterm::sandbox::{Sandbox, SCHEMA_VERSION};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

/// The demo's category moderator (a leader, not staff) and the category they moderate.
const CATMOD: &str = "leader_priya";
const CATMOD_CATEGORY: &str = "mobile";
const CATMOD_GROUP: &str = "mobile_moderators";

fn ids(list: &Value) -> Vec<i64> {
    list.as_array()
        .map(|a| a.iter().filter_map(|x| x["id"].as_i64()).collect())
        .unwrap_or_default()
}

fn names(list: &Value) -> Vec<String> {
    list.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x["name"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

async fn ok(sb: &TestSandbox, path: &str, user: Option<&str>) -> Value {
    let (s, v) = sb.get(path, user).await;
    assert_eq!(s, StatusCode::OK, "GET {path} as {user:?}: {v}");
    v
}

async fn category_id(sb: &TestSandbox, slug: &str) -> i64 {
    let v = ok(sb, "/categories.json", None).await;
    v["category_list"]["categories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["slug"] == slug)
        .unwrap_or_else(|| panic!("no category {slug}: {v}"))["id"]
        .as_i64()
        .unwrap()
}

async fn user_id(sb: &TestSandbox, username: &str) -> i64 {
    ok(sb, &format!("/u/{username}.json"), Some("admin")).await["user"]["id"]
        .as_i64()
        .unwrap()
}

/// A new topic by Mia in `category` (a slug), its first post flagged off-topic by Lena.
/// Returns `(topic, post, reviewable id, version)` as the staff's queue shows the item.
async fn flagged_topic(sb: &TestSandbox, category: &str, title: &str) -> (i64, i64, i64, i64) {
    let raw = format!("{title}: it started this morning and nothing I try makes it stop.");
    let (s, v) = sb
        .post_json(
            "/posts.json",
            "member_mia",
            json!({"title": title, "raw": raw, "category": category}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let topic = v["topic_id"].as_i64().unwrap();
    let post = v["id"].as_i64().unwrap();
    let (s, v) = sb
        .post_json(
            "/post_actions.json",
            "leader_lena",
            json!({"id": post, "post_action_type_id": 3}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let q = ok(sb, &format!("/review.json?topic_id={topic}"), Some("admin")).await;
    let item = &q["reviewables"][0];
    assert_eq!(item["post_id"], post, "{q}");
    (
        topic,
        post,
        item["id"].as_i64().unwrap(),
        item["version"].as_i64().unwrap(),
    )
}

async fn perform(
    sb: &TestSandbox,
    user: &str,
    id: i64,
    action: &str,
    version: i64,
) -> (StatusCode, Value) {
    sb.call(
        Method::PUT,
        &format!("/review/{id}/perform/{action}.json?version={version}"),
        Some(user),
        Body::None,
    )
    .await
}

async fn hidden(sb: &TestSandbox, post: i64) -> bool {
    ok(sb, &format!("/posts/{post}.json"), Some("admin")).await["hidden"]
        .as_bool()
        .unwrap()
}

fn total(v: &Value) -> i64 {
    v["meta"]["total_rows_reviewables"].as_i64().unwrap()
}

fn all_in(items: &Value, category: i64) -> bool {
    items
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["category_id"] == category)
}

/// One message-bus poll without long polling: messages after `last` on `channel`.
async fn poll(sb: &TestSandbox, user: &str, channel: &str, last: i64) -> Vec<Value> {
    let last = last.to_string();
    let body = form_encode(&[(channel, last.as_str()), ("__seq", "1")]);
    let resp = sb
        .client
        .post(format!("{}/message-bus/catmod-test/poll?dlp=t", sb.url))
        .header("Api-Key", KEY)
        .header("Api-Username", user)
        .header("Dont-Chunk", "true")
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .expect("poll");
    assert_eq!(resp.status(), StatusCode::OK);
    let v: Value = resp.json().await.expect("poll JSON");
    v.as_array().unwrap().clone()
}

async fn position(sb: &TestSandbox, user: &str, channel: &str) -> i64 {
    let out = poll(sb, user, channel, -1).await;
    out[0]["data"][channel].as_i64().expect("status id")
}

#[tokio::test]
async fn a_category_moderator_reviews_their_category_only() {
    let sb = start().await;
    let mobile = category_id(&sb, CATMOD_CATEGORY).await;
    let billing = category_id(&sb, "billing").await;
    let (m_topic, m_post, m_item, m_version) = flagged_topic(
        &sb,
        CATMOD_CATEGORY,
        "Quillfeather eSIM activation loops forever",
    )
    .await;
    let (b_topic, b_post, b_item, b_version) =
        flagged_topic(&sb, "billing", "Quillfeather invoice shows a double charge").await;

    // The list: exactly Mobile's items, whatever their status.
    let mine = ok(&sb, "/review.json?status=all", Some(CATMOD)).await;
    let staff_mobile = ok(
        &sb,
        &format!("/review.json?status=all&category_id={mobile}"),
        Some("admin"),
    )
    .await;
    assert_eq!(total(&mine), total(&staff_mobile), "{mine}");
    assert!(all_in(&mine["reviewables"], mobile), "{mine}");
    let pending = ok(&sb, "/review.json", Some(CATMOD)).await;
    assert!(all_in(&pending["reviewables"], mobile), "{pending}");
    let n = total(
        &ok(
            &sb,
            &format!("/review.json?category_id={mobile}"),
            Some("admin"),
        )
        .await,
    );
    assert_eq!(total(&pending), n);
    assert_eq!(pending["meta"]["reviewable_count"], n);
    assert_eq!(
        ok(&sb, "/review/count.json", Some(CATMOD)).await["count"],
        n
    );
    let everything = total(&ok(&sb, "/review.json", Some("admin")).await);
    assert!(everything > n, "staff see more: {everything} vs {n}");
    assert_eq!(
        ids(&ok(
            &sb,
            &format!("/review.json?topic_id={m_topic}"),
            Some(CATMOD)
        )
        .await["reviewables"]),
        vec![m_item]
    );
    assert!(ids(&ok(
        &sb,
        &format!("/review.json?topic_id={b_topic}"),
        Some(CATMOD)
    )
    .await["reviewables"])
    .is_empty());
    let other = ok(
        &sb,
        &format!("/review.json?status=all&category_id={billing}"),
        Some(CATMOD),
    )
    .await;
    assert_eq!(total(&other), 0, "{other}");
    // Sign-ups have no category: staff's alone.
    let signups = "/review.json?type=ReviewableUser";
    assert_eq!(total(&ok(&sb, signups, Some(CATMOD)).await), 0);
    assert!(total(&ok(&sb, signups, Some("admin")).await) >= 1);

    // The topics with pending items: Mobile's only.
    let topics = ids(&ok(&sb, "/review/topics.json", Some(CATMOD)).await["reviewable_topics"]);
    assert!(topics.contains(&m_topic), "{topics:?}");
    assert!(!topics.contains(&b_topic), "{topics:?}");
    for t in &topics {
        let v = ok(&sb, &format!("/t/{t}.json"), Some("admin")).await;
        assert_eq!(v["category_id"], mobile, "topic {t}");
    }
    let staff_topics =
        ids(&ok(&sb, "/review/topics.json", Some("admin")).await["reviewable_topics"]);
    assert!(staff_topics.contains(&m_topic) && staff_topics.contains(&b_topic));

    // One item: their category's is shown (without staff-only actions), another's is 404.
    let shown = ok(&sb, &format!("/review/{m_item}.json"), Some(CATMOD)).await;
    assert_eq!(shown["reviewable"]["id"], m_item);
    let offered: Vec<String> = shown["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_string())
        .collect();
    assert!(offered.iter().any(|a| a == "agree_and_hide"), "{offered:?}");
    let staff_view = ok(&sb, &format!("/review/{m_item}.json"), Some("admin")).await;
    let staff_offered: Vec<String> = staff_view["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_string())
        .collect();
    for staff_only in ["agree_and_suspend", "agree_and_silence", "delete_user"] {
        assert!(
            !offered.iter().any(|a| a == staff_only),
            "{staff_only}: {offered:?}"
        );
        assert!(
            staff_offered.iter().any(|a| a == staff_only),
            "{staff_only}: {staff_offered:?}"
        );
    }
    let (s, v) = sb
        .get(&format!("/review/{b_item}.json"), Some(CATMOD))
        .await;
    assert_not_found(s, &v);

    // Acting: another category's item is 404 and stays as it was.
    let (s, v) = perform(&sb, CATMOD, b_item, "agree_and_hide", b_version).await;
    assert_not_found(s, &v);
    assert!(!hidden(&sb, b_post).await);
    let b_after = ok(&sb, &format!("/review/{b_item}.json"), Some("admin")).await;
    assert_eq!(b_after["reviewable"]["status"], 0);
    assert_eq!(b_after["reviewable"]["version"], b_version);
    // A staff-only action on their own item is refused.
    let (s, v) = perform(&sb, CATMOD, m_item, "delete_user", m_version).await;
    assert_invalid_access(s, &v);
    // Their own item: performed, the post hidden, their count down by one.
    let counts_at = position(&sb, CATMOD, "/reviewable_counts").await;
    let (s, v) = perform(&sb, CATMOD, m_item, "agree_and_hide", m_version).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let res = &v["reviewable_perform_result"];
    assert_eq!(res["success"], true, "{v}");
    assert_eq!(res["transition_to"], "approved", "{v}");
    assert_eq!(res["reviewable_count"], n - 1, "{v}");
    assert!(hidden(&sb, m_post).await);
    let m_after = ok(&sb, &format!("/review/{m_item}.json"), Some("admin")).await;
    assert_eq!(m_after["reviewable"]["status"], 1);
    assert_eq!(
        m_after["reviewable"]["reviewed_by_id"],
        user_id(&sb, CATMOD).await
    );
    assert_eq!(
        ok(&sb, "/review/count.json", Some(CATMOD)).await["count"],
        n - 1
    );
    // The bus tells them their own count, not the staff's.
    let msgs = poll(&sb, CATMOD, "/reviewable_counts", counts_at).await;
    assert!(
        msgs.iter().any(|m| m["data"]["reviewable_count"] == n - 1),
        "{msgs:?}"
    );
    assert!(
        !msgs
            .iter()
            .any(|m| m["data"]["reviewable_count"] == everything - 1),
        "{msgs:?}"
    );

    // Staff still act on everything.
    let (s, v) = perform(&sb, "mod_anna", b_item, "agree_and_hide", b_version).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(hidden(&sb, b_post).await);
}

#[tokio::test]
async fn session_site_and_about_know_the_category_moderator() {
    let sb = start().await;
    let mobile = category_id(&sb, CATMOD_CATEGORY).await;
    // An item in Mobile, whatever the seed holds there.
    flagged_topic(
        &sb,
        CATMOD_CATEGORY,
        "Marblewick roaming data stops at the border",
    )
    .await;

    let me = ok(&sb, "/session/current.json", Some(CATMOD)).await["current_user"].clone();
    assert_eq!(me["staff"], false, "{me}");
    assert_eq!(me["moderator"], false, "{me}");
    assert_eq!(me["trust_level"], 4, "still a leader: {me}");
    assert_eq!(me["can_review"], true, "{me}");
    let count = ok(&sb, "/review/count.json", Some(CATMOD)).await["count"].clone();
    assert_eq!(me["reviewable_count"], count);
    assert!(
        names(&me["groups"]).contains(&CATMOD_GROUP.to_string()),
        "{me}"
    );
    let profile = ok(&sb, &format!("/u/{CATMOD}.json"), Some("admin")).await;
    assert!(names(&profile["user"]["groups"]).contains(&CATMOD_GROUP.to_string()));

    // Other leaders and members: as before.
    for user in ["leader_lena", "leader_luca", "member_mia"] {
        let me = ok(&sb, "/session/current.json", Some(user)).await["current_user"].clone();
        assert_eq!(me["can_review"], false, "{user}: {me}");
        assert_eq!(me["reviewable_count"], 0, "{user}: {me}");
        assert!(!names(&me["groups"]).contains(&CATMOD_GROUP.to_string()));
        for path in ["/review.json", "/review/count.json", "/review/topics.json"] {
            let (s, v) = sb.get(path, Some(user)).await;
            assert_invalid_access(s, &v);
        }
    }
    // Staff: every pending item.
    let admin = ok(&sb, "/session/current.json", Some("admin")).await["current_user"].clone();
    assert_eq!(admin["can_review"], true);
    assert_eq!(
        admin["reviewable_count"],
        ok(&sb, "/review/count.json", Some("admin")).await["count"]
    );

    // /site.json lists the group; /about.json the category's moderators.
    let site = ok(&sb, "/site.json", None).await;
    let group = site["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["name"] == CATMOD_GROUP)
        .cloned()
        .unwrap_or_else(|| panic!("{}", site["groups"]));
    assert!(group["id"].as_i64().unwrap() > 14, "{group}");
    let about = ok(&sb, "/about.json", None).await;
    let mods = about["about"]["category_moderators"].as_array().unwrap();
    assert_eq!(mods.len(), 1, "{about}");
    assert_eq!(mods[0]["category"]["id"], mobile);
    assert_eq!(mods[0]["category"]["slug"], CATMOD_CATEGORY);
    assert_eq!(
        ids(&mods[0]["moderators"]),
        vec![user_id(&sb, CATMOD).await]
    );
    assert_eq!(mods[0]["moderators"][0]["username"], CATMOD);
}

#[tokio::test]
async fn a_category_moderator_sees_the_queue_once_their_category_has_an_item() {
    let sb = start().await;
    let uncategorized = category_id(&sb, "uncategorized").await;
    let staff = ok(
        &sb,
        &format!("/review.json?status=all&category_id={uncategorized}"),
        Some("admin"),
    )
    .await;
    assert_eq!(total(&staff), 0, "the demo has no item there: {staff}");
    // Lena's group moderates Uncategorized (written to the store directly).
    let lena = user_id(&sb, "leader_lena").await;
    {
        let conn = rusqlite::Connection::open(&sb.db_path).expect("db");
        conn.busy_timeout(Duration::from_secs(5)).unwrap();
        conn.execute_batch(&format!(
            "INSERT INTO groups (id, name, full_name) VALUES (90, 'lobby_hosts', 'Lobby hosts');
             INSERT INTO category_moderation_groups (category_id, group_id) VALUES ({uncategorized}, 90);
             INSERT INTO group_users (group_id, user_id) VALUES (90, {lena});"
        ))
        .expect("group written");
    }
    // Nothing to review in their category: no queue (`can_see_review_queue?`).
    for path in ["/review.json", "/review/count.json", "/review/topics.json"] {
        let (s, v) = sb.get(path, Some("leader_lena")).await;
        assert_invalid_access(s, &v);
    }
    let me = ok(&sb, "/session/current.json", Some("leader_lena")).await["current_user"].clone();
    assert_eq!(me["can_review"], false, "{me}");
    assert!(
        names(&me["groups"]).contains(&"lobby_hosts".to_string()),
        "{me}"
    );

    // An item arrives there; Lena was its flagger, which changes nothing.
    let (topic, _, item, _) = flagged_topic(
        &sb,
        "uncategorized",
        "Brindlemoss welcome thread for new members",
    )
    .await;
    let v = ok(&sb, "/review.json", Some("leader_lena")).await;
    assert_eq!(ids(&v["reviewables"]), vec![item], "{v}");
    assert_eq!(
        ids(&ok(&sb, "/review/topics.json", Some("leader_lena")).await["reviewable_topics"]),
        vec![topic]
    );
    let me = ok(&sb, "/session/current.json", Some("leader_lena")).await["current_user"].clone();
    assert_eq!(me["can_review"], true, "{me}");
    assert_eq!(me["reviewable_count"], 1, "{me}");
    // Neither moderator sees the other's category.
    let (s, v) = sb.get(&format!("/review/{item}.json"), Some(CATMOD)).await;
    assert_not_found(s, &v);
    let theirs = ok(&sb, "/review.json", Some(CATMOD)).await;
    assert!(!ids(&theirs["reviewables"]).contains(&item));
}

#[tokio::test]
async fn a_version_1_database_gains_the_demo_category_moderator() {
    const { assert!(SCHEMA_VERSION >= 2) };
    let dir = tempfile::tempdir().unwrap();
    let opts = options(&dir);
    let sb = Sandbox::start(opts.clone()).await.expect("first start");
    sb.shutdown().await;
    // What a version-1 database looked like: no group tables.
    rusqlite::Connection::open(&opts.db_path)
        .unwrap()
        .execute_batch(
            "DROP TABLE category_moderation_groups; DROP TABLE group_users; DROP TABLE groups;
             PRAGMA user_version = 1;",
        )
        .unwrap();
    let sb = Sandbox::start(opts.clone()).await.expect("migrated");
    assert_eq!(sb.notice(), None, "migrated, not reseeded");
    let resp = client()
        .get(format!("{}/about.json", sb.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let about: Value = resp.json().await.unwrap();
    sb.shutdown().await;
    let mods = &about["about"]["category_moderators"];
    assert_eq!(mods[0]["category"]["slug"], CATMOD_CATEGORY, "{about}");
    assert_eq!(mods[0]["moderators"][0]["username"], CATMOD, "{about}");
    let conn = rusqlite::Connection::open(&opts.db_path).unwrap();
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, SCHEMA_VERSION);
    let members: i64 = conn
        .query_row("SELECT COUNT(*) FROM group_users", [], |r| r.get(0))
        .unwrap();
    assert_eq!(members, 1);
}
