//! The kill drill: a reply is sent from the console under 300 ms of latency and the process is
//! killed with SIGKILL at a different moment around the send, ten times. After each kill the
//! console starts again on the same data directory. Every reply must end up exactly once: on
//! the server (and then no draft offers it again) or still a draft (and then not on the
//! server) — never both, never neither, never twice.

#![cfg(unix)]

mod pty;

use std::time::{Duration, Instant};

use modterm::config::Mode;
use modterm::sandbox::Faults;
use pty::{keys_for, Console, Site};

const DRILLS: usize = 10;

/// How many posts of `topic` hold `text`.
async fn copies_on_server(site: &Site, topic: u64, text: &str) -> usize {
    let t = site
        .get("mod_anna", &format!("/t/{topic}.json?print=true"))
        .await;
    t["post_stream"]["posts"]
        .as_array()
        .map(|posts| {
            posts
                .iter()
                .filter(|p| p["cooked"].as_str().is_some_and(|c| c.contains(text)))
                .count()
        })
        .unwrap_or(0)
}

/// Whether a draft on disk holds `text`.
fn draft_holds(site: &Site, text: &str) -> bool {
    let dir = site.home.path().join("data").join("drafts");
    std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .filter_map(|e| std::fs::read_to_string(e.ok()?.path()).ok())
                .any(|d| d.contains(text))
        })
        .unwrap_or(false)
}

fn open(site: &Site, topic: u64) -> Console {
    let mut console = site.console("mod_anna", 120, 40);
    console.wait_for("mod_anna (moderator)");
    console.wait_for("WAITING");
    console.send(":");
    console.wait_for("Command");
    console.send(&format!("open_topic {topic}\r"));
    console.wait_for(&format!("#{topic} "));
    console.wait_for("#1 ");
    console
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_kills_around_a_send_never_lose_or_double_a_reply() {
    let site = Site::start_with_topics(300).await;
    let list = site
        .get(
            "mod_anna",
            "/latest.json?max_posts=1&status=open&order=created&ascending=true",
        )
        .await;
    let topics: Vec<u64> = list["topic_list"]["topics"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["id"].as_u64())
        .take(DRILLS)
        .collect();
    assert_eq!(topics.len(), DRILLS, "enough unanswered topics");
    site.sandbox.faults().set(Faults {
        latency_ms: 300,
        ..Faults::default()
    });

    let mut outcomes = Vec::new();
    for (i, &topic) in topics.iter().enumerate() {
        let text = format!("Kill drill reply number {i}: please check the cable first");
        let mut console = open(&site, topic);
        console.send(&keys_for(Mode::Thread, "reply"));
        console.wait_for("C-x C-y send");
        console.paste(&text);
        console.wait_for(&format!("number {i}"));
        // What was typed is on disk within the draft's debounce (a kill while typing loses at
        // most that much); the drill is about the send.
        let typed = Instant::now();
        while !draft_holds(&site, &text) {
            assert!(
                typed.elapsed() < Duration::from_secs(10),
                "drill {i}: no draft saved"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        console.send(&keys_for(Mode::Composer, "send_reply"));
        console.wait_for("y / Enter: yes");
        console.send("y");
        // Spread the kills over the send: before the request leaves, while it is on the wire
        // (300 ms each way), and after the answer.
        let delay = Duration::from_millis((i as u64 * 137) % 1100);
        std::thread::sleep(delay);
        console.kill();
        drop(console);

        // Start again: the journal is checked against the server before anything else.
        let console = open(&site, topic);
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut stable_since: Option<Instant> = None;
        let (copies, draft) = loop {
            let copies = copies_on_server(&site, topic, &text).await;
            let draft = draft_holds(&site, &text);
            assert!(
                copies <= 1,
                "drill {i}: the reply was posted {copies} times"
            );
            let settled = (copies == 1) != draft;
            match (settled, stable_since) {
                (true, Some(since)) if since.elapsed() >= Duration::from_millis(1500) => {
                    break (copies, draft)
                }
                (true, None) => stable_since = Some(Instant::now()),
                (false, _) => stable_since = None,
                _ => {}
            }
            assert!(
                Instant::now() < deadline,
                "drill {i} (kill after {delay:?}): {copies} on the server, draft {draft}; screen:\n{}",
                console.screen()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        outcomes.push(if copies == 1 && !draft {
            "posted"
        } else {
            "draft"
        });
        drop(console);
    }
    eprintln!("kill drill outcomes: {outcomes:?}");
    site.sandbox.shutdown().await;
}
