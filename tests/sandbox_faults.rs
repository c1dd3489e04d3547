//! Fault injection, the admin API rate bucket, and graceful shutdown.

mod common;

use std::time::{Duration, Instant};

use common::*;
use modterm::sandbox::Faults;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

#[tokio::test]
async fn injected_503_then_recovery() {
    let sb = start().await;
    sb.sandbox.faults().set(Faults {
        error_rate: 1.0,
        error_status: 503,
        count: Some(2),
        ..Faults::default()
    });
    let (s, _) = sb.get("/latest.json", None).await;
    assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE);
    let (s, _) = sb.get("/site.json", None).await;
    assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE);
    let (s, _) = sb.get("/latest.json", None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(sb.sandbox.faults().get().count, Some(0));
}

#[tokio::test]
async fn malformed_json_with_200() {
    let sb = start().await;
    sb.sandbox.faults().set(Faults {
        malformed_rate: 1.0,
        path_prefix: Some("/latest".into()),
        count: Some(1),
        ..Faults::default()
    });
    // other paths are untouched
    let (s, v) = sb.get("/site.json", None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(v.is_object());
    let resp = sb
        .client
        .get(format!("{}/latest.json", sb.url))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let text = resp.text().await.unwrap();
    assert!(serde_json::from_str::<Value>(&text).is_err(), "{text}");
    let (s, v) = sb.get("/latest.json", None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(v.is_object());
}

#[tokio::test]
async fn dropped_connection_gives_no_reply() {
    let sb = start().await;
    sb.sandbox.faults().set(Faults {
        drop_rate: 1.0,
        count: Some(1),
        ..Faults::default()
    });
    let fresh = client();
    let err = fresh.get(format!("{}/latest.json", sb.url)).send().await;
    match err {
        Err(e) => assert!(!e.is_timeout(), "{e}"),
        Ok(r) => {
            // The status line must never arrive; if it did, the body must fail.
            let body = r.text().await;
            assert!(body.is_err(), "got a reply: {body:?}");
        }
    }
    let (s, _) = sb.get("/latest.json", None).await;
    assert_eq!(s, StatusCode::OK);
}

#[tokio::test]
async fn latency_is_applied() {
    let sb = start().await;
    sb.sandbox.faults().set(Faults {
        latency_ms: 300,
        path_prefix: Some("/site".into()),
        ..Faults::default()
    });
    let t = Instant::now();
    let (s, _) = sb.get("/site.json", None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        t.elapsed() >= Duration::from_millis(300),
        "{:?}",
        t.elapsed()
    );
    sb.sandbox.faults().clear();
    let t = Instant::now();
    sb.get("/site.json", None).await;
    assert!(t.elapsed() < Duration::from_millis(300));
}

#[tokio::test]
async fn fault_rate_limit_sends_retry_after() {
    let sb = start().await;
    sb.sandbox.faults().set(Faults {
        rate_limit: true,
        retry_after_seconds: 7,
        count: Some(1),
        ..Faults::default()
    });
    let resp = sb
        .client
        .get(format!("{}/latest.json", sb.url))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(resp.headers()["retry-after"], "7");
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["error_type"], "rate_limit");
    assert_eq!(v["extras"]["wait_seconds"], 7);
}

#[tokio::test]
async fn faults_endpoint_admin_only_and_never_faulted() {
    let sb = start().await;
    let (s, v) = sb
        .put_json(
            "/sandbox/faults.json",
            "admin",
            json!({"error_rate": 1.0, "error_status": 502, "path_prefix": "/t/", "count": 1}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["faults"]["error_status"], 502);
    assert_eq!(v["faults"]["count"], 1);
    let (s, v) = sb.get("/sandbox/faults.json", Some("admin")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["faults"]["path_prefix"], "/t/");
    let (s, _) = sb.get("/t/1.json", None).await;
    assert_eq!(s, StatusCode::BAD_GATEWAY);
    let (s, _) = sb.get("/t/1.json", None).await;
    assert_eq!(s, StatusCode::OK);
    // a blanket fault does not hit the faults endpoint itself
    let (s, _) = sb
        .put_json(
            "/sandbox/faults.json",
            "admin",
            json!({"error_rate": 1.0, "error_status": 500}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = sb.get("/latest.json", None).await;
    assert_eq!(s, StatusCode::INTERNAL_SERVER_ERROR);
    let (s, _) = sb
        .put_json("/sandbox/faults.json", "admin", json!({}))
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = sb.get("/latest.json", None).await;
    assert_eq!(s, StatusCode::OK);
    // staff who are not admins, and anonymous users, may not
    let (s, v) = sb
        .put_json("/sandbox/faults.json", "mod_anna", json!({"latency_ms": 5}))
        .await;
    assert_invalid_access(s, &v);
    let (s, _) = sb.get("/sandbox/faults.json", None).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // bad values
    let (s, _) = sb
        .put_json(
            "/sandbox/faults.json",
            "admin",
            json!({"latency_ms": "soon"}),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn admin_api_bucket_answers_429() {
    let sb = start_with(|o| o.admin_rate_limit_per_minute = Some(3)).await;
    for _ in 0..3 {
        let (s, _) = sb.get("/site.json", Some("admin")).await;
        assert_eq!(s, StatusCode::OK);
    }
    let resp = sb
        .client
        .get(format!("{}/latest.json", sb.url))
        .header("Api-Key", KEY)
        .header("Api-Username", "mod_anna")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = resp.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry));
    assert_eq!(
        resp.headers()["discourse-rate-limit-error-code"],
        "admin_api_key_rate_limit"
    );
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["error_type"], "rate_limit");
    assert_eq!(v["extras"]["wait_seconds"], retry);
    assert_eq!(v["extras"]["time_left"], format!("{retry} seconds"));
    assert!(v["errors"][0].is_string());
    // anonymous and user-API-key requests are not in the admin bucket
    let (s, _) = sb.get("/latest.json", None).await;
    assert_eq!(s, StatusCode::OK);
    let key = modterm::sandbox::demo_user_api_key(SEED, "member_mia").unwrap();
    let resp = sb
        .client
        .get(format!("{}/latest.json", sb.url))
        .header("User-Api-Key", key)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
}

#[tokio::test]
async fn graceful_shutdown_finishes_in_flight_requests() {
    let sb = start().await;
    sb.sandbox.faults().set(Faults {
        latency_ms: 400,
        path_prefix: Some("/site".into()),
        count: Some(1),
        ..Faults::default()
    });
    let client = sb.client.clone();
    let url = format!("{}/site.json", sb.url);
    let in_flight = tokio::spawn(async move { client.get(url).send().await.map(|r| r.status()) });
    // wait until the request has reached the server: its fault budget is spent (bounded)
    for _ in 0..400 {
        if sb.sandbox.faults().get().count == Some(0) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(sb.sandbox.faults().get().count, Some(0));
    let base = sb.url.clone();
    sb.sandbox.shutdown().await;
    let status = in_flight
        .await
        .unwrap()
        .expect("in-flight request completed");
    assert_eq!(status, StatusCode::OK);
    // and nothing listens any more
    assert!(client_fails(&base).await);
}

async fn client_fails(base: &str) -> bool {
    client()
        .get(format!("{base}/site.json"))
        .send()
        .await
        .is_err()
}

#[tokio::test]
async fn unknown_routes_are_404_json() {
    let sb = start().await;
    let (s, v) = sb.get("/no/such/thing.json", None).await;
    assert_not_found(s, &v);
    let (s, v) = sb
        .call(Method::DELETE, "/latest.json", Some("admin"), Body::None)
        .await;
    assert_not_found(s, &v);
}
