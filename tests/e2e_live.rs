//! End to end, live triage: the real binary in a pseudo-terminal (and `modterm watch`) against
//! a sandbox on 127.0.0.1 whose message bus and presence change under it.

mod pty;

use std::time::Duration;

use modterm::config::Mode;
use pty::{keys_for, Site, Watch, API_KEY};
use serde_json::{json, Value};

async fn post_as(site: &Site, user: &str, path: &str, body: Value) -> Value {
    let response = site
        .http
        .post(format!("{}{path}", site.sandbox.url()))
        .header("Api-Key", API_KEY)
        .header("Api-Username", user)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(
        response.status().is_success(),
        "{path}: {}",
        response.status()
    );
    response.json().await.unwrap_or(Value::Null)
}

/// The id of a category new topics may go to.
async fn category_id(site: &Site) -> u64 {
    let categories = site.get("member_mia", "/categories.json").await;
    categories["category_list"]["categories"][0]["id"]
        .as_u64()
        .expect("a category")
}

async fn new_topic(site: &Site, user: &str, title: &str) -> u64 {
    let created = post_as(
        site,
        user,
        "/posts.json",
        json!({
            "title": title,
            "raw": "My router has been dropping the connection every night since Monday.",
            "category": category_id(site).await,
        }),
    )
    .await;
    created["topic_id"].as_u64().expect("topic id")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_topic_appears_without_a_key_press() {
    let site = Site::start().await;
    let mut console = site.console("mod_anna", 120, 40);
    console.wait_for("● live");
    // The latest view lists the most recent activity first.
    console.send("3");
    console.wait_for("latest (");
    console.wait_for("WAITING");
    let title = "Brand new: modem lights blinking orange";
    new_topic(&site, "member_mia", title).await;
    // No key pressed since: the bus brought it.
    console.wait_for(&title[..30]);
    site.sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn presence_shows_and_the_stale_guard_keeps_a_draft() {
    let site = Site::start().await;
    let (id, _) = site.oldest_unanswered().await;
    let mut console = site.console("mod_anna", 120, 40);
    console.wait_for("● live");
    console.send(":");
    console.wait_for("Command");
    console.send(&format!("open_topic {id}\r"));
    console.wait_for("#1 ");
    // Another moderator starts replying in the web UI.
    post_as(
        &site,
        "leader_luca",
        "/presence/update",
        json!({
            "client_id": "web-luca",
            "present_channels": [format!("/discourse-presence/reply/{id}")],
        }),
    )
    .await;
    console.wait_for("leader_luca replying");
    // mod_anna writes; meanwhile leader_luca answers.
    console.send(&keys_for(Mode::Thread, "reply"));
    console.wait_for("C-x C-y send");
    console.paste("Could you tell us which router model you have?");
    console.wait_for("router model");
    post_as(
        &site,
        "leader_luca",
        "/posts.json",
        json!({"topic_id": id, "raw": "Please try a factory reset of the router first, it usually helps."}),
    )
    .await;
    assert_eq!(site.posts_count(id).await, 2);
    // The guard is local while the feed is live: it knows what the feed has brought, so wait
    // for the new post to arrive (the console counts it in the thread's title bar).
    console.wait_until("the new post known", |s| {
        s.contains("2 posts") || s.contains("#2 ")
    });
    console.send(&keys_for(Mode::Composer, "send_reply"));
    console.wait_for("The topic moved on while you wrote");
    console.wait_for("by leader_luca");
    console.send("d");
    console.wait_for("draft kept");
    // Nothing new on the server, and the draft is on disk.
    assert_eq!(site.posts_count(id).await, 2);
    let drafts = site.home.path().join("data").join("drafts");
    let saved: Vec<String> = std::fs::read_dir(&drafts)
        .unwrap()
        .filter_map(|e| std::fs::read_to_string(e.unwrap().path()).ok())
        .collect();
    assert!(
        saved.iter().any(|d| d.contains("router model")),
        "{saved:?}"
    );
    // While composing, mod_anna was announced on the reply channel; closing left it.
    let presence = site
        .get(
            "leader_luca",
            &format!("/presence/get?channels[]=/discourse-presence/reply/{id}"),
        )
        .await;
    let users: Vec<String> = presence[format!("/discourse-presence/reply/{id}")]["users"]
        .as_array()
        .map(|u| {
            u.iter()
                .filter_map(|u| u["username"].as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    assert!(!users.contains(&"mod_anna".to_string()), "{users:?}");
    site.sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_prints_a_line_for_a_new_topic() {
    let site = Site::start().await;
    let watch = Watch::start(&site.sandbox.url(), site.home.path());
    // Watch's first snapshot may or may not include a topic created while it starts; keep
    // creating topics (bounded) until it reports one of them as entered.
    let title = "Watch me: TV box stuck on boot logo";
    let mut created = Vec::new();
    let mut seen = None;
    for n in 0..40 {
        if seen.is_some() {
            break;
        }
        if n % 4 == 0 {
            created.push(new_topic(&site, "member_mia", &format!("{title} #{n}")).await);
        }
        while let Some(event) = watch.next_event(Duration::from_millis(150)) {
            if event["event"] == "entered"
                && event["topic_id"]
                    .as_str()
                    .and_then(|id| id.parse::<u64>().ok())
                    .is_some_and(|id| created.contains(&id))
            {
                seen = Some(event);
                break;
            }
        }
    }
    assert_eq!(
        watch.interrupt(),
        Some(130),
        "Ctrl-C ends watch as SIGINT ends a program: 128 + 2"
    );
    let event = seen.expect("watch printed the new topic");
    assert!(event["title"].as_str().unwrap().starts_with(title));
    assert_eq!(event["view"], "unanswered");
    site.sandbox.shutdown().await;
}
