//! Shared helpers for the sandbox HTTP tests: a small seeded sandbox in a temp dir and a
//! client that speaks to it as any user.
#![allow(dead_code)]

use std::path::PathBuf;

use modterm::sandbox::{Sandbox, SandboxOptions};
use reqwest::{Method, StatusCode};
use serde_json::Value;

pub const KEY: &str = "test-admin-key";
pub const SEED: u64 = 42;
pub const TOPICS: usize = 300;

pub struct TestSandbox {
    pub sandbox: Sandbox,
    pub client: reqwest::Client,
    pub url: String,
    pub db_path: PathBuf,
    pub dir: tempfile::TempDir,
}

/// A small demo with every rate limit off (tests that measure limits turn them on).
pub fn options(dir: &tempfile::TempDir) -> SandboxOptions {
    SandboxOptions {
        topics: TOPICS,
        seed: SEED,
        admin_rate_limit_per_minute: None,
        user_key_rate_limit_per_minute: None,
        user_key_daily_limit: None,
        ip_rate_limit_per_minute: None,
        ip_rate_limit_per_10_secs: None,
        ..SandboxOptions::new(
            "127.0.0.1:0".parse().expect("addr"),
            dir.path().join("sandbox.db"),
            KEY.to_string(),
        )
    }
}

pub async fn start() -> TestSandbox {
    start_with(|_| {}).await
}

pub async fn start_with(tweak: impl FnOnce(&mut SandboxOptions)) -> TestSandbox {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut opts = options(&dir);
    tweak(&mut opts);
    let db_path = opts.db_path.clone();
    let sandbox = Sandbox::start(opts).await.expect("sandbox starts");
    let url = sandbox.url();
    TestSandbox {
        sandbox,
        client: client(),
        url,
        db_path,
        dir,
    }
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(20))
        .build()
        .expect("client")
}

/// The body of a request.
pub enum Body<'a> {
    None,
    Form(&'a [(&'a str, &'a str)]),
    Json(Value),
}

pub fn form_encode(pairs: &[(&str, &str)]) -> String {
    fn enc(s: &str) -> String {
        let mut out = String::new();
        for b in s.bytes() {
            match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    out.push(b as char)
                }
                b' ' => out.push('+'),
                _ => out.push_str(&format!("%{b:02X}")),
            }
        }
        out
    }
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

impl TestSandbox {
    /// A request as `user` (admin API key + Api-Username), or anonymous when `None`.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        user: Option<&str>,
        body: Body<'_>,
    ) -> (StatusCode, Value) {
        let mut req = self.client.request(method, format!("{}{}", self.url, path));
        if let Some(u) = user {
            req = req.header("Api-Key", KEY).header("Api-Username", u);
        }
        req = match body {
            Body::None => req,
            Body::Form(pairs) => req
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body(form_encode(pairs)),
            Body::Json(v) => req.json(&v),
        };
        let resp = req.send().await.expect("request sent");
        let status = resp.status();
        let text = resp.text().await.expect("body");
        let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, value)
    }

    pub async fn get(&self, path: &str, user: Option<&str>) -> (StatusCode, Value) {
        self.call(Method::GET, path, user, Body::None).await
    }

    pub async fn post_form(
        &self,
        path: &str,
        user: &str,
        pairs: &[(&str, &str)],
    ) -> (StatusCode, Value) {
        self.call(Method::POST, path, Some(user), Body::Form(pairs))
            .await
    }

    pub async fn post_json(&self, path: &str, user: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::POST, path, Some(user), Body::Json(body))
            .await
    }

    pub async fn put_json(&self, path: &str, user: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::PUT, path, Some(user), Body::Json(body))
            .await
    }

    /// All topic ids of a raw `/latest.json?<query>` list as admin, paging to the end (bounded).
    pub async fn raw_list_ids(&self, query: &str) -> Vec<i64> {
        let mut ids = Vec::new();
        for page in 0..100 {
            let (s, v) = self
                .get(&format!("/latest.json?{query}&page={page}"), Some("admin"))
                .await;
            assert_eq!(s, StatusCode::OK, "{v}");
            ids.extend(TestSandbox::topic_ids(&v));
            if v["topic_list"]["more_topics_url"].is_null() {
                return ids;
            }
        }
        panic!("list never ended");
    }

    /// Ids of the topics a list returned.
    pub fn topic_ids(list: &Value) -> Vec<i64> {
        list["topic_list"]["topics"]
            .as_array()
            .map(|a| a.iter().filter_map(|t| t["id"].as_i64()).collect())
            .unwrap_or_default()
    }

    /// The first topic of `/latest.json?<query>` as admin.
    pub async fn first_topic(&self, query: &str) -> Value {
        let (s, v) = self
            .get(&format!("/latest.json?{query}"), Some("admin"))
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        v["topic_list"]["topics"][0].clone()
    }

    /// A topic with at least one reply, open, in a category that accepts solutions, unsolved.
    pub async fn open_unsolved_topic_with_replies(&self) -> Value {
        let (s, v) = self
            .get(
                "/latest.json?min_posts=3&status=open&solved=no&per_page=100",
                Some("admin"),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        v["topic_list"]["topics"][0].clone()
    }

    pub async fn topic(&self, id: i64, user: Option<&str>) -> Value {
        let (s, v) = self.get(&format!("/t/{id}.json"), user).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        v
    }
}

pub fn assert_invalid_access(status: StatusCode, body: &Value) {
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error_type"], "invalid_access", "{body}");
    assert!(
        body["errors"][0]
            .as_str()
            .unwrap_or("")
            .starts_with("You are not permitted"),
        "{body}"
    );
}

pub fn assert_not_found(status: StatusCode, body: &Value) {
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(body["error_type"], "not_found", "{body}");
    assert_eq!(
        body["errors"][0],
        "The requested URL or resource could not be found."
    );
}
