//! Shared helpers for the Khoros tests: a small seeded Khoros sandbox in a temp dir, the
//! adapter signed in to it as any demo account, and raw HTTP to ask it LiQL directly.
#![allow(dead_code)]

use std::time::Duration;

use modterm::backend::governor::Limits;
use modterm::backend::khoros::{CareOptions, Credentials, Khoros, KhorosOptions};
use modterm::sandbox_khoros::{KhorosSandbox, KhorosSandboxOptions, CARE_USER};
use serde_json::Value;

pub const KEY: &str = "khoros-test-key";
pub const SEED: u64 = 42;
pub const TOPICS: usize = 200;

pub struct TestSandbox {
    pub sandbox: KhorosSandbox,
    pub url: String,
    pub dir: tempfile::TempDir,
}

pub async fn start() -> TestSandbox {
    let dir = tempfile::tempdir().expect("tempdir");
    let opts = KhorosSandboxOptions {
        topics: TOPICS,
        seed: SEED,
        ..KhorosSandboxOptions::new(
            "127.0.0.1:0".parse().expect("addr"),
            dir.path().join("khoros.db"),
            KEY.to_string(),
        )
    };
    let sandbox = KhorosSandbox::start(opts).await.expect("sandbox starts");
    let url = sandbox.url();
    TestSandbox { sandbox, url, dir }
}

impl TestSandbox {
    /// The adapter's options for `login`, with short backoffs and no request budget.
    pub fn options(&self, login: &str) -> KhorosOptions {
        let mut o = KhorosOptions::new(
            self.url.clone(),
            Credentials::Password {
                username: login.to_string(),
                password: KEY.to_string(),
            },
        );
        o.backoff_base = Duration::from_millis(20);
        o.limits = Limits::unlimited();
        o
    }

    pub fn care(&self) -> CareOptions {
        CareOptions {
            base_url: self.sandbox.care_url(),
            username: CARE_USER.to_string(),
            password: KEY.to_string(),
            community_instance: None,
        }
    }

    pub fn adapter(&self, login: &str) -> Khoros {
        Khoros::new(self.options(login)).expect("adapter")
    }

    pub fn adapter_with_care(&self, login: &str) -> Khoros {
        let mut o = self.options(login);
        o.care = Some(self.care());
        Khoros::new(o).expect("adapter")
    }

    /// A session key for `login`, straight from the sign-in endpoint.
    pub async fn session_key(&self, login: &str) -> String {
        let v: Value = client()
            .post(format!(
                "{}/restapi/vc/authentication/sessions/login?restapi.response_format=json",
                self.url
            ))
            .form(&[("user.login", login), ("user.password", KEY)])
            .send()
            .await
            .expect("sign-in")
            .json()
            .await
            .expect("json");
        v["response"]["value"]["$"]
            .as_str()
            .unwrap_or_else(|| panic!("no key: {v}"))
            .to_string()
    }

    /// A LiQL query as `login` (or a guest): the HTTP status and the envelope.
    pub async fn liql_raw(
        &self,
        login: Option<&str>,
        q: &str,
        extra: &[(&str, &str)],
    ) -> (u16, Value) {
        let mut req = client().get(format!("{}/api/2.0/search", self.url));
        let mut query = vec![("q", q)];
        query.extend_from_slice(extra);
        req = req.query(&query);
        if let Some(login) = login {
            req = req.header("li-api-session-key", self.session_key(login).await);
        }
        let resp = req.send().await.expect("search");
        let status = resp.status().as_u16();
        (status, resp.json().await.expect("json envelope"))
    }

    /// Every item of a LiQL query, page after page by cursor.
    pub async fn liql_all(&self, login: &str, q: &str) -> Vec<Value> {
        let key = self.session_key(login).await;
        let mut items = Vec::new();
        let mut cursor: Option<String> = None;
        for _ in 0..100 {
            let query = match &cursor {
                Some(c) => format!("{q} CURSOR '{c}'"),
                None => q.to_string(),
            };
            let v: Value = client()
                .get(format!("{}/api/2.0/search", self.url))
                .query(&[("q", query.as_str())])
                .header("li-api-session-key", &key)
                .send()
                .await
                .expect("search")
                .json()
                .await
                .expect("json");
            assert_eq!(v["status"], "success", "{v}");
            items.extend(v["data"]["items"].as_array().cloned().unwrap_or_default());
            match v["data"]["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_string()),
                None => break,
            }
        }
        items
    }

    /// How many requests went to paths starting with `prefix`.
    pub fn count(&self, prefix: &str) -> usize {
        self.sandbox
            .requests()
            .iter()
            .filter(|r| r.path.starts_with(prefix))
            .count()
    }
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .expect("client")
}

pub fn ids(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .map(|i| i["id"].as_str().expect("id").to_string())
        .collect()
}
