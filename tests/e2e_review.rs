//! Search and the review queue in the console, as a moderator works them, in a pseudo-terminal
//! against the sandbox: search for a word, open the first result and reply to it; open the
//! review view, agree with the flags on two posts and hide them in one bulk action, approve a
//! held post. Every effect is checked on the sandbox over HTTP, and the requests counted.

mod pty;

use std::time::Duration;

use pty::{key_bytes, Site};
use serde_json::Value;

fn ids_of_kind(queue: &Value, kind: &str) -> Vec<u64> {
    queue["reviewables"]
        .as_array()
        .expect("reviewables")
        .iter()
        .filter(|r| r["type"] == kind)
        .filter_map(|r| r["id"].as_u64())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_reply_and_a_bulk_review_from_the_console() {
    let site = Site::start().await;
    // What the console's search will list first, and what the review view will show, in the
    // server's order (read as the console's account, before it starts).
    let found = site.get("mod_anna", "/search.json?q=roaming").await;
    let first = &found["topics"][0];
    let topic = first["id"].as_u64().expect("a topic about roaming");
    let title: String = first["title"].as_str().unwrap().chars().take(24).collect();
    let posts_before = site.posts_count(topic).await;
    let queue = site.get("mod_anna", "/review.json").await;
    let all: Vec<&Value> = queue["reviewables"].as_array().unwrap().iter().collect();
    assert!(
        all.len() >= 3
            && all[0]["type"] == "ReviewableFlaggedPost"
            && all[1]["type"] == "ReviewableFlaggedPost",
        "the demo's queue starts with flagged posts: {queue}"
    );
    let flagged: Vec<u64> = all[..2].iter().map(|r| r["id"].as_u64().unwrap()).collect();
    let flagged_posts: Vec<u64> = all[..2]
        .iter()
        .map(|r| r["target_id"].as_u64().unwrap())
        .collect();
    let held = ids_of_kind(&queue, "ReviewableQueuedPost");
    let held_at = all
        .iter()
        .position(|r| r["type"] == "ReviewableQueuedPost")
        .expect("a held post in the demo queue");

    let mut console = site.console("mod_anna", 120, 40);
    console.wait_for("mod_anna (moderator)");
    console.wait_quiet(Duration::from_millis(300));
    site.sandbox.clear_requests();

    // Search: `s`, the words, Enter; the results are a view of their own.
    console.send("s");
    console.wait_for("Search");
    console.send("roaming");
    console.send(&key_bytes("Enter"));
    console.wait_for("found for roaming");
    console.wait_for(&title);
    console.send(&key_bytes("Enter"));
    console.wait_for(&format!("#{topic}"));
    console.send("r");
    console.wait_for("C-x C-y send");
    console.paste("Roaming charges are billed a day late; the next bill corrects them.");
    console.wait_for("billed a day late");
    console.send(&key_bytes("C-x"));
    console.send(&key_bytes("C-y"));
    console.wait_for("y / Enter: yes");
    console.send("y");
    site.wait_for_value("admin", &format!("/t/{topic}.json"), "the reply", |t| {
        t["posts_count"].as_u64() == Some(posts_before + 1)
    })
    .await;

    // The review view: the two most urgent items are flagged posts; mark both, hide both.
    console.send("5");
    console.wait_for("review (");
    console.send(" ");
    console.send(" ");
    console.wait_for("2 marked");
    console.send("H");
    console.wait_for("Agree with the flags and hide 2 posts");
    console.send("y");
    console.wait_for("2 of 2 done");
    for (id, post) in flagged.iter().zip(&flagged_posts) {
        let item = site.get("admin", &format!("/review/{id}.json")).await;
        assert_eq!(
            item["reviewable"]["status"], 1,
            "review item {id} approved (agreed with): {item}"
        );
        let post = site.get("admin", &format!("/posts/{post}.json")).await;
        assert_eq!(post["hidden"], true, "post hidden: {post}");
    }

    // The held post moved up by the two that left the list: select it and approve it.
    for _ in 0..held_at - 2 {
        console.send("j");
    }
    console.wait_for("queued post by");
    console.send("a");
    console.wait_for("Approve and publish 1 post");
    console.send("y");
    console.wait_for("1 of 1 done");
    let approved = site
        .wait_for_value(
            "admin",
            &format!("/review/{}.json", held[0]),
            "the approval",
            |v| v["reviewable"]["status"] == 1,
        )
        .await;
    assert_eq!(approved["reviewable"]["type"], "ReviewableQueuedPost");
    let total = |q: &Value| q["meta"]["total_rows_reviewables"].as_u64().expect("total");
    let still = site.get("admin", "/review.json").await;
    assert_eq!(
        total(&still),
        total(&queue) - 3,
        "three items decided, the rest still waiting"
    );

    // What it cost: the search, the thread, the reply, two pages of the review queue (the
    // pane holds more than one page), three decisions, and the feed's look at the topic the
    // approval published (asked once per bus message: two here); the feed's polls, the
    // presence pings and the test's own reads (as admin) aside.
    let requests: Vec<_> = site
        .sandbox
        .requests_excluding_admin()
        .into_iter()
        .filter(|r| r.user.as_deref() != Some("admin"))
        .filter(|r| !r.path.starts_with("/message-bus/") && !r.path.starts_with("/presence/"))
        .collect();
    let paths: Vec<String> = requests
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert!(
        requests.len() <= 10,
        "search, reply and three review decisions made {} requests: {paths:?}",
        requests.len()
    );
    assert_eq!(
        paths
            .iter()
            .filter(|p| p.starts_with("PUT /review/"))
            .count(),
        3,
        "one request per decided item: {paths:?}"
    );
    console.send("q");
    assert!(console.wait_exit(), "q quits");
}
