//! Request economy, measured on the sandbox's request log with the real binary: a burst of
//! `R` is one refresh, a filter matching nothing asks the server once instead of crawling,
//! the unanswered count only ever goes up when a topic is created, and `modterm watch` with
//! Discourse's default limits reports a new topic within seconds for one or two requests.

mod pty;

use std::time::{Duration, Instant};

use modterm::sandbox::{RequestRecord, Sandbox, SandboxOptions};
use pty::{key_bytes, Site, Watch, API_KEY};
use serde_json::{json, Value};

/// The console's own requests: its account's, without the feed's long polls and presence.
fn console_requests(sandbox: &Sandbox, user: &str) -> Vec<RequestRecord> {
    sandbox
        .requests()
        .into_iter()
        .filter(|r| r.user.as_deref() == Some(user))
        .filter(|r| !r.path.starts_with("/message-bus/") && !r.path.starts_with("/presence/"))
        .collect()
}

fn paths(requests: &[RequestRecord]) -> Vec<String> {
    requests
        .iter()
        .map(|r| format!("{} {}?{}", r.method, r.path, r.query))
        .collect()
}

async fn new_topic(url: &str, http: &reqwest::Client, title: &str) -> u64 {
    let categories: Value = http
        .get(format!("{url}/categories.json"))
        .header("Api-Key", API_KEY)
        .header("Api-Username", "member_mia")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let category = categories["category_list"]["categories"][0]["id"].clone();
    let created: Value = http
        .post(format!("{url}/posts.json"))
        .header("Api-Key", API_KEY)
        .header("Api-Username", "member_mia")
        .json(&json!({
            "title": title,
            "raw": "The set-top box restarts itself every evening at nine, since the update.",
            "category": category,
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    created["topic_id"].as_u64().expect("topic created")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forty_presses_of_r_are_one_refresh() {
    let site = Site::start().await;
    let mut console = site.console("mod_anna", 120, 40);
    console.wait_for("mod_anna (moderator)");
    console.wait_for("WAITING");
    console.wait_quiet(Duration::from_millis(300));
    site.sandbox.clear_requests();
    console.send(&"R".repeat(40));
    console.wait_quiet(Duration::from_millis(500));
    let made = console_requests(&site.sandbox, "mod_anna");
    eprintln!("40 presses of R: {:?}", paths(&made));
    assert!(
        !made.is_empty() && made.len() <= 4,
        "40 presses of R made {} requests: {:?}",
        made.len(),
        paths(&made)
    );
    console.send("q");
    assert!(console.wait_exit());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_filter_that_matches_nothing_asks_the_server_once() {
    // More topics than one page: a crawling filter would walk dozens of pages.
    let site = Site::start_with_topics(2000).await;
    let mut console = site.console("mod_anna", 120, 40);
    console.wait_for("mod_anna (moderator)");
    console.wait_for("WAITING");
    console.wait_quiet(Duration::from_millis(300));
    site.sandbox.clear_requests();
    console.send("/");
    console.send("zqxjvw");
    console.wait_for("no topic matches the filter");
    console.wait_quiet(Duration::from_millis(600));
    let made = console_requests(&site.sandbox, "mod_anna");
    eprintln!("a filter matching nothing: {:?}", paths(&made));
    assert!(
        !made.is_empty() && made.len() <= 3,
        "a filter matching nothing made {} requests: {:?}",
        made.len(),
        paths(&made)
    );
    assert!(
        made.iter().any(|r| r.path == "/search.json"),
        "the server was asked: {:?}",
        paths(&made)
    );
    console.send(&key_bytes("Esc"));
    // Apart from the Esc, or the terminal reads the two as Alt-q.
    console.wait_quiet(Duration::from_millis(200));
    console.send("q");
    assert!(console.wait_exit());
}

/// The count in the unanswered tab ("1 unanswered 60+"), read from the screen.
fn unanswered_count(screen: &str) -> Option<u64> {
    let rest = screen.split("1 unanswered ").nth(1)?;
    let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
    digits.parse().ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_unanswered_count_goes_up_by_one_never_down() {
    let site = Site::start().await;
    let console = site.console("mod_anna", 120, 40);
    console.wait_for("● live");
    console.wait_for("WAITING");
    console.wait_quiet(Duration::from_millis(300));
    let before = unanswered_count(&console.screen()).expect("the unanswered tab's count");
    new_topic(
        &site.sandbox.url(),
        &site.http,
        "Set-top box restarts every evening at nine",
    )
    .await;
    // Every screen until the new count shows: never below the count before.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let now = unanswered_count(&console.screen()).expect("the count stays on screen");
        assert!(now >= before, "the count fell from {before} to {now}");
        assert!(now <= before + 1, "the count jumped from {before} to {now}");
        if now == before + 1 {
            break;
        }
        assert!(Instant::now() < deadline, "the count stayed at {before}");
        std::thread::sleep(Duration::from_millis(20));
    }
    console.wait_for("+1 unanswered: Set-top box");
    site.sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_reports_a_new_topic_on_the_demo_within_its_limits() {
    // The demo as `modterm` starts it: 2,000 topics and Discourse's default limits.
    let home = tempfile::tempdir().unwrap();
    let sandbox = Sandbox::start(SandboxOptions::new(
        "127.0.0.1:0".parse().unwrap(),
        home.path().join("sandbox.db"),
        API_KEY.into(),
    ))
    .await
    .expect("sandbox starts");
    let url = sandbox.url();
    let watch = Watch::start(&url, home.path());
    // Started: its first read is done and it waits on the feed.
    let deadline = Instant::now() + Duration::from_secs(20);
    while !sandbox
        .requests()
        .iter()
        .any(|r| r.path.starts_with("/message-bus/"))
    {
        assert!(Instant::now() < deadline, "watch never reached the feed");
        std::thread::sleep(Duration::from_millis(20));
    }
    sandbox.clear_requests();
    let http = reqwest::Client::new();
    let title = "Wombat set-top box stuck on the boot logo";
    let started = Instant::now();
    let id = new_topic(&url, &http, title).await;
    let mut seen = None;
    while started.elapsed() < Duration::from_secs(5) {
        let Some(event) = watch.next_event(Duration::from_millis(100)) else {
            continue;
        };
        if event["event"] == "entered"
            && event["topic_id"].as_str() == Some(id.to_string().as_str())
        {
            seen = Some(event);
            break;
        }
    }
    let took = started.elapsed();
    drop(watch);
    let event = seen.unwrap_or_else(|| panic!("watch did not report topic {id} within 5 s"));
    assert_eq!(event["title"], title);
    let made = console_requests(&sandbox, "mod_anna");
    assert!(
        (1..=2).contains(&made.len()),
        "watch spent {} requests on one new topic: {:?}",
        made.len(),
        paths(&made)
    );
    assert!(
        sandbox.requests().iter().all(|r| r.status != 429),
        "nothing was rate limited"
    );
    eprintln!(
        "watch reported the new topic after {} ms, {} request(s)",
        took.as_millis(),
        made.len()
    );
    sandbox.shutdown().await;
}
