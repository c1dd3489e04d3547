//! Discourse's request limits over real HTTP: each user API key's minute and day, requests
//! without a key per IP (10 seconds and a minute), the admin bucket, message-bus polls charged
//! to the key, and `rate_window` shortening every "minute" (the day and the 10 seconds scale
//! with it).

mod common;

use std::time::{Duration, Instant};

use common::*;
use modterm::sandbox::demo_user_api_key;
use reqwest::{Response, StatusCode};
use serde_json::Value;

async fn with_key(sb: &TestSandbox, key: &str, path: &str) -> Response {
    sb.client
        .get(format!("{}{path}", sb.url))
        .header("User-Api-Key", key)
        .send()
        .await
        .expect("request sent")
}

async fn anonymous(sb: &TestSandbox, path: &str) -> Response {
    sb.client
        .get(format!("{}{path}", sb.url))
        .send()
        .await
        .expect("request sent")
}

fn retry_after(resp: &Response) -> u64 {
    resp.headers()["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds")
}

fn code(resp: &Response) -> String {
    resp.headers()["discourse-rate-limit-error-code"]
        .to_str()
        .expect("ascii")
        .to_string()
}

/// The 429 body every Discourse limiter behind the current-user provider answers.
async fn assert_rate_limit_body(resp: Response, wait: u64) {
    let v: Value = resp.json().await.expect("JSON body");
    assert_eq!(v["error_type"], "rate_limit", "{v}");
    assert_eq!(v["extras"]["wait_seconds"], wait, "{v}");
    assert_eq!(v["extras"]["time_left"], format!("{wait} seconds"), "{v}");
    assert!(
        v["errors"][0]
            .as_str()
            .unwrap_or("")
            .contains("too many times"),
        "{v}"
    );
}

/// Retries `f` until it answers 200 (bounded by `deadline`), for a window to pass.
async fn until_ok<F, Fut>(deadline: Duration, mut f: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Response>,
{
    let start = Instant::now();
    loop {
        let resp = f().await;
        if resp.status() == StatusCode::OK {
            return;
        }
        assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
        assert!(
            start.elapsed() < deadline,
            "still limited after {deadline:?}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

#[tokio::test]
async fn each_user_key_gets_20_a_minute() {
    // A real minute, so a slow machine still makes 21 requests within it.
    let sb = start_with(|o| o.user_key_rate_limit_per_minute = Some(20)).await;
    let mia = demo_user_api_key(SEED, "member_mia").unwrap();
    let luca = demo_user_api_key(SEED, "leader_luca").unwrap();
    for i in 0..20 {
        let resp = with_key(&sb, &mia, "/session/current.json").await;
        assert_eq!(resp.status(), StatusCode::OK, "request {i}");
    }
    let resp = with_key(&sb, &mia, "/latest.json").await;
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(code(&resp), "user_api_key_limiter_60_secs");
    let wait = retry_after(&resp);
    assert!((1..=60).contains(&wait), "{wait}");
    assert_rate_limit_body(resp, wait).await;
    // Another key has a bucket of its own; the admin key and anonymous requests are not in it.
    assert_eq!(
        with_key(&sb, &luca, "/latest.json").await.status(),
        StatusCode::OK
    );
    assert_eq!(
        sb.get("/latest.json", Some("admin")).await.0,
        StatusCode::OK
    );
    assert_eq!(
        anonymous(&sb, "/latest.json").await.status(),
        StatusCode::OK
    );
    // A bad key is refused as before.
    let bad = with_key(&sb, "not-a-key", "/latest.json").await;
    assert_eq!(bad.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_key_may_go_on_when_its_window_has_passed() {
    let sb = start_with(|o| {
        o.user_key_rate_limit_per_minute = Some(2);
        o.rate_window = Duration::from_secs(1);
    })
    .await;
    let mia = demo_user_api_key(SEED, "member_mia").unwrap();
    // Until refused (two requests within a second; bounded for a very slow machine) …
    let mut refused = false;
    for _ in 0..50 {
        let resp = with_key(&sb, &mia, "/session/current.json").await;
        if resp.status() == StatusCode::TOO_MANY_REQUESTS {
            assert_eq!(retry_after(&resp), 1, "a 1 s window waits 1 s");
            refused = true;
            break;
        }
        assert_eq!(resp.status(), StatusCode::OK);
    }
    assert!(refused, "never limited");
    // … then allowed again within a few windows.
    until_ok(Duration::from_secs(10), || {
        with_key(&sb, &mia, "/session/current.json")
    })
    .await;
}

#[tokio::test]
async fn the_day_limit_is_1440_windows() {
    // A 10 ms "minute" makes the day 14.4 s.
    let sb = start_with(|o| {
        o.user_key_rate_limit_per_minute = None;
        o.user_key_daily_limit = Some(5);
        o.rate_window = Duration::from_millis(10);
    })
    .await;
    let mia = demo_user_api_key(SEED, "member_mia").unwrap();
    for _ in 0..5 {
        assert_eq!(
            with_key(&sb, &mia, "/latest.json").await.status(),
            StatusCode::OK
        );
    }
    let resp = with_key(&sb, &mia, "/latest.json").await;
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(code(&resp), "user_api_key_limiter_1_day");
    // A day of 14.4 s, not 86,400 s.
    let wait = retry_after(&resp);
    assert!((1..=15).contains(&wait), "{wait}");
    assert_rate_limit_body(resp, wait).await;
}

#[tokio::test]
async fn writes_and_polls_count_for_the_key_too() {
    let sb = start_with(|o| {
        o.user_key_rate_limit_per_minute = Some(3);
        o.rate_window = Duration::from_secs(30);
    })
    .await;
    let mia = demo_user_api_key(SEED, "member_mia").unwrap();
    let poll = || {
        sb.client
            .post(format!("{}/message-bus/mia-client/poll?dlp=t", sb.url))
            .header("User-Api-Key", &mia)
            .header("Dont-Chunk", "true")
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body("/latest=-1")
            .send()
    };
    // Two polls and a read fill the bucket of 3 …
    assert_eq!(poll().await.unwrap().status(), StatusCode::OK);
    assert_eq!(poll().await.unwrap().status(), StatusCode::OK);
    assert_eq!(
        with_key(&sb, &mia, "/latest.json").await.status(),
        StatusCode::OK
    );
    // … so the next poll is refused as the bus middleware refuses it: 429, Retry-After,
    // the limiter's message as plain text.
    let resp = poll().await.unwrap();
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait = retry_after(&resp);
    assert!((1..=30).contains(&wait), "{wait}");
    let text = resp.text().await.unwrap();
    assert!(text.contains("too many times"), "{text}");
    // And a write.
    let resp = sb
        .client
        .post(format!("{}/posts.json", sb.url))
        .header("User-Api-Key", &mia)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("topic_id=1&raw=This+reply+is+long+enough+to+be+accepted+by+the+sandbox.")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(code(&resp), "user_api_key_limiter_60_secs");
}

/// A keyless 429 from the per-IP limiter: plain text, `Retry-After`, the error code.
async fn assert_ip_refusal(resp: Response, expected_code: &str, max_wait: u64) {
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(code(&resp), expected_code);
    let wait = retry_after(&resp);
    assert!((1..=max_wait).contains(&wait), "{wait}");
    assert!(resp.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    let text = resp.text().await.unwrap();
    assert!(
        text.starts_with("Slow down, too many requests from this IP address."),
        "{text}"
    );
    assert!(
        text.contains(&format!("Please retry again in {wait} seconds.")),
        "{text}"
    );
    assert!(
        text.contains(&format!("Error code: {expected_code}.")),
        "{text}"
    );
}

#[tokio::test]
async fn keyless_requests_get_200_a_minute_per_ip() {
    let sb = start_with(|o| {
        o.ip_rate_limit_per_minute = Some(200);
        o.ip_rate_limit_per_10_secs = None;
    })
    .await;
    for i in 0..200 {
        let resp = anonymous(&sb, "/no-such-page.json").await;
        assert_eq!(resp.status(), StatusCode::NOT_FOUND, "request {i}");
    }
    assert_ip_refusal(anonymous(&sb, "/latest.json").await, "ip_60_secs_limit", 60).await;
    // Keyed requests are not limited per IP.
    assert_eq!(
        sb.get("/latest.json", Some("admin")).await.0,
        StatusCode::OK
    );
    let mia = demo_user_api_key(SEED, "member_mia").unwrap();
    assert_eq!(
        with_key(&sb, &mia, "/latest.json").await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn the_10_second_limit_is_a_sixth_of_the_window() {
    // A 6 s "minute": 3 keyless requests per second.
    let sb = start_with(|o| {
        o.ip_rate_limit_per_10_secs = Some(3);
        o.ip_rate_limit_per_minute = None;
        o.rate_window = Duration::from_secs(6);
    })
    .await;
    let mut refusal = None;
    for _ in 0..50 {
        let resp = anonymous(&sb, "/no-such-page.json").await;
        if resp.status() == StatusCode::TOO_MANY_REQUESTS {
            refusal = Some(resp);
            break;
        }
    }
    let resp = refusal.expect("never limited");
    assert_ip_refusal(resp, "ip_10_secs_limit", 1).await;
    until_ok(Duration::from_secs(10), || anonymous(&sb, "/latest.json")).await;
}

#[tokio::test]
async fn the_admin_bucket_follows_the_window() {
    let sb = start_with(|o| {
        o.admin_rate_limit_per_minute = Some(2);
        o.rate_window = Duration::from_millis(300);
    })
    .await;
    let started = Instant::now();
    assert_eq!(
        sb.get("/latest.json", Some("admin")).await.0,
        StatusCode::OK
    );
    assert_eq!(
        sb.get("/latest.json", Some("mod_anna")).await.0,
        StatusCode::OK
    );
    let (s, v) = sb.get("/latest.json", Some("admin")).await;
    if started.elapsed() < Duration::from_millis(300) {
        assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{v}");
        assert_eq!(v["extras"]["wait_seconds"], 1, "{v}");
    }
    // An hour of this bucket takes a fraction of a second: it refills every 300 ms.
    let deadline = Duration::from_secs(5);
    let start = Instant::now();
    loop {
        let (s, _) = sb.get("/latest.json", Some("admin")).await;
        if s == StatusCode::OK {
            break;
        }
        assert!(start.elapsed() < deadline);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // The sandbox's own endpoints are never limited.
    for _ in 0..5 {
        assert_eq!(
            sb.get("/sandbox/faults.json", Some("admin")).await.0,
            StatusCode::OK
        );
    }
}

#[tokio::test]
async fn a_zero_window_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut opts = options(&dir);
    opts.rate_window = Duration::ZERO;
    match modterm::sandbox::Sandbox::start(opts).await {
        Err(modterm::sandbox::SandboxError::Config(msg)) => assert!(msg.contains("window")),
        Err(e) => panic!("unexpected error {e}"),
        Ok(_) => panic!("a zero window was accepted"),
    }
}
