//! The request log: every request counted and kept in memory (what tests use to assert how
//! many requests a flow made), and written as JSON lines to a private file when asked.

mod common;

use common::*;
use modterm::sandbox::{demo_user_api_key, Faults, KeyKind, RequestRecord};
use reqwest::StatusCode;
use serde_json::{json, Value};

const REPLY: &str = "Restarting the router fixed it for me, give it a try tonight.";

#[tokio::test]
async fn a_flow_is_counted_request_by_request() {
    let sb = start().await;
    // Whatever starting the sandbox took, count from here.
    sb.get("/site.json", None).await;
    sb.sandbox.clear_requests();
    assert_eq!(sb.sandbox.request_count(), 0);

    let topic = sb.open_unsolved_topic_with_replies().await;
    let id = topic["id"].as_i64().unwrap();
    sb.topic(id, Some("mod_anna")).await;
    let (s, v) = sb
        .post_form(
            "/posts.json",
            "mod_anna",
            &[("topic_id", &id.to_string()), ("raw", REPLY)],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    // A sandbox admin call in the middle is recorded but flagged.
    sb.get("/sandbox/faults.json", Some("admin")).await;

    assert_eq!(sb.sandbox.request_count(), 4);
    assert_eq!(sb.sandbox.api_request_count(), 3);
    let all = sb.sandbox.requests();
    assert_eq!(all.len(), 4);
    assert!(all[3].sandbox_admin);
    let api: Vec<RequestRecord> = sb.sandbox.requests_excluding_admin();
    let summary: Vec<(&str, &str, u16)> = api
        .iter()
        .map(|r| (r.method.as_str(), r.path.as_str(), r.status))
        .collect();
    let topic_path = format!("/t/{id}.json");
    assert_eq!(
        summary,
        vec![
            ("GET", "/latest.json", 200),
            ("GET", topic_path.as_str(), 200),
            ("POST", "/posts.json", 200),
        ]
    );
    assert_eq!(
        api[0].query,
        "min_posts=3&status=open&solved=no&per_page=100"
    );
    assert!(api
        .iter()
        .all(|r| r.key == KeyKind::Admin && !r.sandbox_admin));
    assert_eq!(api[0].user.as_deref(), Some("admin"));
    assert_eq!(api[2].user.as_deref(), Some("mod_anna"));
    assert!(api.iter().all(|r| r.ms >= 0.0 && r.fault.is_none()));
}

#[tokio::test]
async fn the_log_file_has_one_private_json_line_per_request() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("requests.jsonl");
    let log_for_opts = log.clone();
    let sb = start_with(move |o| o.request_log = Some(log_for_opts)).await;
    let mia = demo_user_api_key(SEED, "member_mia").unwrap();

    sb.get(
        "/latest.json?api_key=secret&page=1&api_username=admin",
        None,
    )
    .await;
    sb.client
        .get(format!("{}/session/current.json", sb.url))
        .header("User-Api-Key", &mia)
        .send()
        .await
        .unwrap();
    sb.get("/u/member_mia.json", Some("mod_anna")).await;
    let (s, _) = sb.get("/no/such/route.json", Some("mod_anna")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&log).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{mode:o}");
    }
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(!text.contains("secret"), "{text}");
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object a line"))
        .collect();
    assert_eq!(lines.len(), 4, "{text}");
    for l in &lines {
        for field in [
            "ts", "method", "path", "query", "user", "key", "status", "ms",
        ] {
            assert!(l.get(field).is_some(), "{field} missing: {l}");
        }
        let ts = l["ts"].as_str().unwrap();
        assert_eq!(ts.len(), "2016-10-29T14:14:20.321Z".len(), "{ts}");
        assert!(ts.ends_with('Z'));
        chrono::DateTime::parse_from_rfc3339(ts).expect("RFC 3339");
        assert_eq!(l["sandbox_admin"], false);
    }
    assert_eq!(lines[0]["path"], "/latest.json");
    assert_eq!(lines[0]["query"], "page=1");
    assert_eq!(lines[0]["key"], "none");
    assert_eq!(lines[0]["user"], Value::Null);
    assert_eq!(lines[1]["key"], "user");
    assert_eq!(lines[1]["user"], "member_mia");
    assert_eq!(lines[2]["key"], "admin");
    assert_eq!(lines[2]["user"], "mod_anna");
    assert_eq!(lines[2]["status"], 200);
    assert_eq!(lines[3]["status"], 404);

    // The file is appended to across runs, and the memory log matches it.
    assert_eq!(sb.sandbox.requests().len(), 4);
    let records: Vec<Value> = sb
        .sandbox
        .requests()
        .iter()
        .map(|r| serde_json::to_value(r).unwrap())
        .collect();
    assert_eq!(records, lines);
    let parsed: Vec<RequestRecord> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(parsed, sb.sandbox.requests());
}

#[tokio::test]
async fn faulted_requests_are_recorded_with_what_was_answered() {
    let sb = start().await;
    sb.sandbox.clear_requests();
    sb.sandbox.faults().set(Faults {
        error_rate: 1.0,
        error_status: 503,
        count: Some(1),
        ..Faults::default()
    });
    let (s, _) = sb.get("/latest.json", None).await;
    assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE);
    sb.sandbox.faults().set(Faults {
        drop_rate: 1.0,
        count: Some(1),
        ..Faults::default()
    });
    let fresh = client();
    let r = fresh.get(format!("{}/site.json", sb.url)).send().await;
    assert!(r.is_err() || r.unwrap().text().await.is_err());
    let (s, _) = sb
        .put_json(
            "/sandbox/faults.json",
            "admin",
            json!({"rate_limit": true, "count": 1}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = sb.get("/about.json", Some("mod_anna")).await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);

    let got: Vec<(String, u16, Option<String>, bool)> = sb
        .sandbox
        .requests()
        .into_iter()
        .map(|r| (r.path, r.status, r.fault, r.sandbox_admin))
        .collect();
    assert_eq!(
        got,
        vec![
            ("/latest.json".into(), 503, Some("error".into()), false),
            ("/site.json".into(), 0, Some("drop".into()), false),
            ("/sandbox/faults.json".into(), 200, None, true),
            ("/about.json".into(), 429, Some("rate_limit".into()), false),
        ]
    );
    assert_eq!(sb.sandbox.api_request_count(), 3);
}
