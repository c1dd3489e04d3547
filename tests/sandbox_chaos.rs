//! The faults added for retry and idempotency tests: lost replies (the write happens, the
//! answer never arrives) and a share of requests rate-limited.

mod common;

use common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

const REPLY: &str = "This reply was written but its answer was lost on the way back.";

#[tokio::test]
async fn a_lost_reply_is_still_on_the_server() {
    let sb = start().await;
    let topic = sb.open_unsolved_topic_with_replies().await;
    let id = topic["id"].as_i64().unwrap();
    let before = sb.topic(id, Some("mod_anna")).await["posts_count"]
        .as_i64()
        .unwrap();
    let (s, v) = sb
        .put_json(
            "/sandbox/faults.json",
            "admin",
            json!({"lose_reply_rate": 1.0, "count": 1}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["faults"]["lose_reply_rate"], 1.0);
    // Reads are not writes: they pass and do not use up the count.
    let (s, _) = sb.get("/latest.json", Some("mod_anna")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(sb.sandbox.faults().get().count, Some(1));
    sb.sandbox.clear_requests();

    let fresh = client();
    let sent = fresh
        .post(format!("{}/posts.json", sb.url))
        .header("Api-Key", KEY)
        .header("Api-Username", "mod_anna")
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(form_encode(&[
            ("topic_id", &id.to_string()),
            ("raw", REPLY),
        ]))
        .send()
        .await;
    match sent {
        Err(e) => assert!(!e.is_timeout(), "{e}"),
        Ok(r) => {
            let body = r.text().await;
            assert!(body.is_err(), "a reply arrived: {body:?}");
        }
    }
    assert_eq!(sb.sandbox.faults().get().count, Some(0));
    // The write was committed.
    let after = sb.topic(id, Some("mod_anna")).await;
    assert_eq!(after["posts_count"].as_i64().unwrap(), before + 1);
    let last_id = after["post_stream"]["stream"]
        .as_array()
        .and_then(|s| s.last())
        .and_then(Value::as_i64)
        .expect("post ids");
    let (s, last) = sb
        .get(&format!("/posts/{last_id}.json"), Some("mod_anna"))
        .await;
    assert_eq!(s, StatusCode::OK, "{last}");
    assert_eq!(last["username"], "mod_anna");
    assert_eq!(last["raw"], REPLY);
    // The log says the request was made and nothing was answered.
    let log = sb.sandbox.requests();
    assert_eq!(log[0].path, "/posts.json");
    assert_eq!(log[0].status, 0);
    assert_eq!(log[0].fault.as_deref(), Some("lose_reply"));
}

#[tokio::test]
async fn rate_limit_rate_one_limits_everything() {
    let sb = start().await;
    let (s, v) = sb
        .put_json(
            "/sandbox/faults.json",
            "admin",
            json!({"rate_limit_rate": 1.0, "retry_after_seconds": 12, "path_prefix": "/latest"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    for _ in 0..5 {
        let resp = sb
            .client
            .get(format!("{}/latest.json", sb.url))
            .header("Api-Key", KEY)
            .header("Api-Username", "mod_anna")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(resp.headers()["retry-after"], "12");
        let v: Value = resp.json().await.unwrap();
        assert_eq!(v["error_type"], "rate_limit");
        assert_eq!(v["extras"]["wait_seconds"], 12);
    }
    // Other paths are untouched.
    assert_eq!(sb.get("/site.json", None).await.0, StatusCode::OK);
}

#[tokio::test]
async fn rate_limit_rate_half_limits_about_half() {
    let sb = start().await;
    let (s, _) = sb
        .put_json(
            "/sandbox/faults.json",
            "admin",
            json!({"rate_limit_rate": 0.5}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let mut limited = 0;
    for _ in 0..200 {
        let (s, _) = sb.get("/site.json", None).await;
        match s {
            StatusCode::TOO_MANY_REQUESTS => limited += 1,
            StatusCode::OK => {}
            other => panic!("unexpected {other}"),
        }
    }
    // Binomial(200, 0.5): 60..=140 is more than seven standard deviations either side.
    assert!((60..=140).contains(&limited), "{limited} of 200 limited");
}

#[tokio::test]
async fn the_new_rates_are_clamped_and_checked_like_the_others() {
    let sb = start().await;
    let (s, v) = sb
        .put_json(
            "/sandbox/faults.json",
            "admin",
            json!({"lose_reply_rate": 3.0, "rate_limit_rate": -1.0}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["faults"]["lose_reply_rate"], 1.0);
    assert_eq!(v["faults"]["rate_limit_rate"], 0.0);
    let (s, _) = sb
        .put_json(
            "/sandbox/faults.json",
            "admin",
            json!({"lose_reply_rate": "often"}),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    // Form bodies too.
    let (s, v) = sb
        .call(
            reqwest::Method::PUT,
            "/sandbox/faults.json",
            Some("admin"),
            Body::Form(&[("faults[rate_limit_rate]", "0.25")]),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["faults"]["rate_limit_rate"], 0.25);
    assert_eq!(v["faults"]["lose_reply_rate"], 0.0);
}
