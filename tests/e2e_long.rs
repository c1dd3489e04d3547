//! Long runs of the request economy, ignored in `cargo test` and run by `.ci/run`:
//!
//! - an idle console with the live feed and one simulated event a minute, for ten real
//!   minutes, makes at most 40 requests (long polls included);
//! - an hour of scripted triage signed in with a user API key (20 a minute) gets not one 429,
//!   and shows the budget in the status bar when it runs low. The hour is compressed: the
//!   sandbox's and the console's minute are both scaled to 3 s (`rate_window`,
//!   `MODTERM_TEST_RATE_WINDOW_MS`), so 180 s hold 60 "minutes" at the same pace per minute.

#![cfg(unix)]

mod pty;

use std::time::{Duration, Instant};

use modterm::sandbox::{demo_user_api_key, Sandbox, SandboxOptions};
use pty::{key_bytes, Console, API_KEY};

fn sandbox_options(home: &std::path::Path) -> SandboxOptions {
    SandboxOptions {
        topics: 300,
        seed: 11,
        ..SandboxOptions::new(
            "127.0.0.1:0".parse().unwrap(),
            home.join("sandbox.db"),
            API_KEY.into(),
        )
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "ten real minutes; .ci/run runs it"]
async fn an_idle_console_makes_at_most_40_requests_in_ten_minutes() {
    let home = tempfile::tempdir().unwrap();
    // Discourse's own limits, as a real site has them.
    let sandbox = Sandbox::start(sandbox_options(home.path())).await.unwrap();
    let console = Console::start(&sandbox.url(), "mod_anna", home.path(), 120, 40);
    console.wait_for("● live");
    console.wait_for("WAITING");
    console.wait_quiet(Duration::from_millis(500));
    sandbox.clear_requests();
    sandbox.start_activity(1.0);
    let started = Instant::now();
    tokio::time::sleep(Duration::from_secs(600)).await;
    let made: Vec<_> = sandbox
        .requests()
        .into_iter()
        .filter(|r| r.user.as_deref() == Some("mod_anna"))
        .collect();
    let polls = made
        .iter()
        .filter(|r| r.path.starts_with("/message-bus/"))
        .count();
    eprintln!(
        "idle {} s: {} requests ({polls} long polls)",
        started.elapsed().as_secs(),
        made.len()
    );
    assert!(
        made.len() <= 40,
        "an idle console made {} requests in ten minutes: {:?}",
        made.len(),
        made.iter().map(|r| &r.path).collect::<Vec<_>>()
    );
    assert!(
        made.iter().all(|r| r.status != 429),
        "an idle console was rate limited"
    );
    assert!(console.screen().contains("● live"), "still live");
    sandbox.shutdown().await;
}

/// One scripted triage step: the kinds of keys a moderator presses all day.
fn step(console: &mut Console, i: usize) {
    let keys: &[&str] = match i % 12 {
        0 => &["1"],
        1..=3 => &["j"],
        4 => &["Enter"],
        5 => &["j"],
        6 => &["p"],
        7 => &["Esc"],
        8 => &["2"],
        9 => &["R"],
        10 => &["3"],
        _ => &["G"],
    };
    for k in keys {
        console.send(&key_bytes(k));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "three minutes (an hour compressed); .ci/run runs it"]
async fn an_hour_of_triage_with_a_user_api_key_is_never_rate_limited() {
    const WINDOW_MS: u64 = 3_000;
    const MINUTES: u64 = 60;
    let home = tempfile::tempdir().unwrap();
    let mut opts = sandbox_options(home.path());
    opts.rate_window = Duration::from_millis(WINDOW_MS);
    let sandbox = Sandbox::start(opts).await.unwrap();
    let key = demo_user_api_key(11, "leader_luca").expect("the demo's key for leader_luca");
    let window = WINDOW_MS.to_string();
    let mut console = Console::start_with(
        &sandbox.url(),
        "leader_luca",
        home.path(),
        120,
        40,
        &["--user-api-key"],
        &[
            ("MODTERM_API_KEY", &key),
            ("MODTERM_TEST_RATE_WINDOW_MS", &window),
        ],
    );
    console.wait_for("leader_luca");
    console.wait_for("WAITING");
    sandbox.clear_requests();
    // A moderator's pace, scaled like the minute: a key every 150 ms is 20 keys a "minute".
    let end = Instant::now() + Duration::from_millis(WINDOW_MS * MINUTES);
    let mut i = 0;
    let mut budget_seen = false;
    while Instant::now() < end {
        step(&mut console, i);
        i += 1;
        std::thread::sleep(Duration::from_millis(150));
        budget_seen |=
            console.screen().contains("per min") || console.screen().contains("api paused");
    }
    let made = sandbox.requests();
    let limited = made.iter().filter(|r| r.status == 429).count();
    eprintln!(
        "{i} keys in {MINUTES} compressed minutes: {} requests, {limited} answered 429, budget shown: {budget_seen}",
        made.len()
    );
    assert_eq!(limited, 0, "the governor kept the key within its limit");
    assert!(
        made.len() as u64 >= MINUTES,
        "the triage did use the key ({} requests)",
        made.len()
    );
    assert!(
        budget_seen,
        "the budget showed in the status bar when it ran low"
    );
    console.send("q");
    assert!(console.wait_exit());
    sandbox.shutdown().await;
}
