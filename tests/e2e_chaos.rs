//! The chaos drill: the real console in a pseudo-terminal works a sandbox that is slow and
//! unreliable in every way a real network is (500 ms latency, 30% answered 503, 10% rate
//! limited, 5% of connections dropped, 5% malformed JSON, 5% of writes applied with their
//! answer lost) through 100 scripted actions: open, reply, accept, move posts, move a topic,
//! award a badge, open a profile, refresh. Then the faults stop and the drill checks what
//! matters: the console is still running and quits cleanly; no reply is on the server twice;
//! every reply that is not on the server is still a draft; every write the audit log recorded
//! ended done or failed with its reason.
//!
//! Ignored in `cargo test` (it takes a few minutes); `.ci/run` runs it.

#![cfg(unix)]

mod pty;

use std::time::{Duration, Instant};

use modterm::sandbox::Faults;
use pty::{key_bytes, Console, Site};
use serde_json::Value;

/// Waits until the output has not changed for `quiet`, or `max` passed (a spinner may keep
/// drawing while a request waits out a fault). Never fails: the drill checks outcomes later.
fn settle(console: &Console, quiet: Duration, max: Duration) {
    let deadline = Instant::now() + max;
    let mut last = console.bytes_written();
    let mut since = Instant::now();
    while Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
        let now = console.bytes_written();
        if now != last {
            last = now;
            since = Instant::now();
        } else if since.elapsed() >= quiet {
            return;
        }
    }
}

fn press(console: &mut Console, keys: &[&str]) {
    for k in keys {
        console.send(&key_bytes(k));
        // Keys apart, so an Esc is never read together with the next key as Alt-key.
        settle(
            console,
            Duration::from_millis(60),
            Duration::from_millis(800),
        );
    }
}

fn draft_texts(site: &Site) -> Vec<String> {
    let dir = site.home.path().join("data").join("drafts");
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| std::fs::read_to_string(e.ok()?.path()).ok())
                .collect()
        })
        .unwrap_or_default()
}

const SPINNER: [char; 4] = ['⠋', '⠙', '⠸', '⠴'];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "the chaos drill takes minutes; .ci/run runs it"]
async fn a_hundred_actions_under_chaos_end_nothing_double_nothing_lose() {
    let site = Site::start_with_topics(300).await;
    let mut console = site.console("mod_anna", 120, 40);
    console.wait_for("mod_anna (moderator)");
    console.wait_for("WAITING");
    site.sandbox.faults().set(Faults {
        latency_ms: 500,
        error_rate: 0.30,
        error_status: 503,
        rate_limit_rate: 0.10,
        retry_after_seconds: 1,
        drop_rate: 0.05,
        malformed_rate: 0.05,
        lose_reply_rate: 0.05,
        ..Faults::default()
    });

    let mut typed: Vec<String> = Vec::new();
    let mut opened = 0;
    let actions = [
        "reply",
        "accept",
        "move_posts",
        "move_topic",
        "award",
        "profile",
        "refresh",
    ];
    for i in 0..100 {
        let action = actions[i % actions.len()];
        // Every action starts from the queue: anything left open is closed first (a composer
        // keeps its draft).
        press(&mut console, &["Esc", "Esc"]);
        if action == "refresh" {
            press(&mut console, &["R"]);
            settle(&console, Duration::from_millis(400), Duration::from_secs(6));
            continue;
        }
        // Open a topic: an unanswered one to reply to, one with replies for the rest.
        let view = if action == "reply" { "1" } else { "2" };
        press(&mut console, &[view]);
        settle(&console, Duration::from_millis(300), Duration::from_secs(4));
        for _ in 0..(i % 7) {
            press(&mut console, &["j"]);
        }
        press(&mut console, &["Enter"]);
        let loaded = Instant::now();
        while !console.screen().contains("#1 ") && loaded.elapsed() < Duration::from_secs(8) {
            std::thread::sleep(Duration::from_millis(50));
        }
        if !console.screen().contains("#1 ") {
            continue; // the thread did not load through the faults: reported, nothing to do
        }
        opened += 1;
        match action {
            "reply" => {
                press(&mut console, &["r"]);
                settle(&console, Duration::from_millis(300), Duration::from_secs(4));
                if console.screen().contains("C-x C-y send") {
                    let text = format!("Chaos drill reply r{i}x: please restart the hub once");
                    console.paste(&text);
                    settle(&console, Duration::from_millis(200), Duration::from_secs(2));
                    typed.push(text);
                    press(&mut console, &["C-x", "C-y"]);
                    settle(&console, Duration::from_millis(300), Duration::from_secs(6));
                    // The confirmation, or the stale-reply guard's "send anyway".
                    press(&mut console, &["y"]);
                }
            }
            // The second post: a reply by someone else, which may be accepted or moved.
            "accept" => press(&mut console, &["j", "a"]),
            "move_posts" => {
                press(&mut console, &["j", "Space", "m"]);
                settle(&console, Duration::from_millis(300), Duration::from_secs(4));
                console.send(&format!("Chaos split {i}"));
                press(&mut console, &["Enter"]);
                settle(&console, Duration::from_millis(300), Duration::from_secs(4));
                press(&mut console, &["y"]);
            }
            "move_topic" => {
                press(&mut console, &["M"]);
                settle(&console, Duration::from_millis(300), Duration::from_secs(4));
                press(&mut console, &["Down", "Enter"]);
            }
            "award" => {
                press(&mut console, &["b"]);
                settle(&console, Duration::from_millis(300), Duration::from_secs(4));
                press(&mut console, &["Down", "Enter"]);
                settle(&console, Duration::from_millis(300), Duration::from_secs(4));
                press(&mut console, &["y"]);
            }
            _ => press(&mut console, &["p"]),
        }
        settle(&console, Duration::from_millis(400), Duration::from_secs(8));
        assert!(
            console.exit_code().is_none(),
            "the console ended at action {i} ({action})"
        );
    }

    // The network heals: everything in flight ends, done or failed.
    site.sandbox.faults().clear();
    press(&mut console, &["Esc", "Esc"]);
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        settle(&console, Duration::from_millis(500), Duration::from_secs(5));
        let screen = console.screen();
        if !screen.chars().any(|c| SPINNER.contains(&c)) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "operations still pending two minutes after the faults ended:\n{screen}"
        );
    }
    console.send("q");
    assert!(console.wait_exit(), "q quits after the drill");
    assert_eq!(console.exit_code(), Some(0), "a clean exit");

    // Nothing twice, nothing lost.
    let drafts = draft_texts(&site);
    let mut on_server = 0;
    for text in &typed {
        // Read from the sandbox's own database: a search index could hide a second copy.
        let db = rusqlite::Connection::open(site.home.path().join("sandbox.db")).unwrap();
        let copies: i64 = db
            .query_row(
                "SELECT COUNT(*) FROM posts WHERE raw LIKE ?1",
                [format!("%{text}%")],
                |r| r.get(0),
            )
            .unwrap();
        assert!(copies <= 1, "{text:?} is on the server {copies} times");
        let drafted = drafts.iter().find(|d| d.contains(text.as_str()));
        if copies == 1 {
            on_server += 1;
            // A draft may remain only with its send journalled: it is checked against the
            // server before it is ever offered again (the kill drill proves that part).
            if let Some(d) = drafted {
                assert!(
                    d.contains("pending_send"),
                    "{text:?} is posted and still offered as a plain draft"
                );
            }
        } else {
            assert!(
                drafted.is_some(),
                "{text:?} is neither on the server nor a draft"
            );
        }
    }
    // Every write the console sent is in the audit log, done or failed with its reason.
    let audit = std::fs::read_to_string(site.home.path().join("data").join("audit.log"))
        .unwrap_or_default();
    let entries: Vec<Value> = audit
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    assert!(
        entries.len() >= typed.len() + 10,
        "the drill's writes reached the runner: {} audited",
        entries.len()
    );
    for e in &entries {
        let result = e["result"].as_str().unwrap_or("");
        assert!(
            !result.trim().is_empty(),
            "an audit entry without its outcome: {e}"
        );
    }
    let log = std::fs::read_to_string(site.home.path().join("data").join("modterm.log"))
        .unwrap_or_default();
    assert!(!log.contains("panicked"), "a panic was logged:\n{log}");
    eprintln!(
        "chaos drill: {opened} of 100 actions reached their thread, {} replies typed, \
         {on_server} on the server, {} writes audited ({} ok)",
        typed.len(),
        entries.len(),
        entries.iter().filter(|e| e["result"] == "ok").count()
    );
    site.sandbox.shutdown().await;
}
