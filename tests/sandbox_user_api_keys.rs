//! The user API key flow against the sandbox over real HTTP: the approval page, approval
//! (the page's form, and `POST /user-api-key.json` as a signed-in account), the payload opened
//! by the client's own code, one key per account and client, scopes (a read-only key cannot
//! write), revocation, how the adapter reports a refused key, and the per-key rate limit.

mod common;

use std::time::{Duration, Instant};

use common::{assert_invalid_access, Body, TestSandbox, KEY};
use modterm::backend::discourse::{Credentials, Discourse, DiscourseOptions};
use modterm::backend::governor::Limits;
use modterm::backend::{Backend, BackendError};
use modterm::domain::{NewReply, Role, TopicId};
use modterm::login::request::LoginRequest;
use reqwest::{Method, StatusCode};
use serde_json::Value;

const SIGN_IN_AGAIN: &str = "sign in again with modterm login";

/// The fields of the approval form for `req`.
fn fields<'a>(req: &'a LoginRequest, scopes: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("application_name", "modterm"),
        ("client_id", req.client_id()),
        ("scopes", scopes),
        ("public_key", req.public_key_pem()),
        ("nonce", req.nonce()),
    ]
}

/// Approves `req` as `user` over HTTP; returns the key, opened with the request's private key.
async fn approve(sb: &TestSandbox, req: &LoginRequest, user: &str, scopes: &str) -> String {
    let (s, v) = sb
        .post_form("/user-api-key.json", user, &fields(req, scopes))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(v["instructions"].is_string(), "{v}");
    req.open(v["payload"].as_str().expect("a payload"))
        .expect("the payload opens")
        .key
}

/// A request signed in with a user API key.
async fn as_key(
    sb: &TestSandbox,
    method: Method,
    path: &str,
    key: &str,
    json: Option<Value>,
) -> (StatusCode, Value) {
    let mut r = sb
        .client
        .request(method, format!("{}{path}", sb.url))
        .header("User-Api-Key", key);
    if let Some(j) = json {
        r = r.json(&j);
    }
    let resp = r.send().await.unwrap();
    let status = resp.status();
    let text = resp.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

fn adapter(sb: &TestSandbox, key: &str, limits: Option<Limits>) -> Discourse {
    let mut o = DiscourseOptions::new(
        sb.url.clone(),
        Credentials::UserApiKey {
            key: key.to_string(),
            client_id: Some("test-client".into()),
        },
    );
    if let Some(l) = limits {
        o.limits = l;
    }
    Discourse::new(o).unwrap()
}

fn request() -> LoginRequest {
    LoginRequest::new(None).unwrap()
}

#[tokio::test]
async fn the_approval_page_shows_the_request_and_a_form_to_approve_it() {
    let sb = common::start().await;
    let req = request();
    let url = {
        let mut u = reqwest::Url::parse(&format!("{}/user-api-key/new", sb.url)).unwrap();
        u.query_pairs_mut()
            .append_pair("application_name", "<b>modterm</b> & co")
            .append_pair("client_id", req.client_id())
            .append_pair("scopes", "read,write")
            .append_pair("public_key", req.public_key_pem())
            .append_pair("nonce", req.nonce());
        u
    };
    let resp = sb.client.get(url.clone()).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["auth-api-version"], "4");
    assert!(resp.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let html = resp.text().await.unwrap();
    assert!(
        html.contains("&lt;b&gt;modterm&lt;/b&gt; &amp; co"),
        "{html}"
    );
    assert!(!html.contains("<b>modterm"), "the name is escaped: {html}");
    assert!(
        html.contains("<form method=\"post\" action=\"/user-api-key\">"),
        "{html}"
    );
    for value in [req.nonce(), req.client_id(), "read,write"] {
        assert!(
            html.contains(&format!("value=\"{value}\"")),
            "{value}: {html}"
        );
    }
    assert!(html.contains("name=\"username\""), "{html}");

    // HEAD says which version of the flow the site speaks (`Auth-Api-Version: 4`).
    let head = sb
        .client
        .head(format!("{}/user-api-key/new", sb.url))
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), StatusCode::OK);
    assert_eq!(head.headers()["auth-api-version"], "4");
    // Without its fields the page is refused, as an HTML page.
    let bad = sb
        .client
        .get(format!("{}/user-api-key/new?scopes=read", sb.url))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    assert!(bad.text().await.unwrap().contains("nonce"));
}

#[tokio::test]
async fn approving_with_the_form_shows_a_payload_that_opens_to_a_working_key() {
    let sb = common::start().await;
    let req = request();
    let mut form = fields(&req, "read,write");
    form.push(("username", "leader_luca"));
    let (s, page) = sb
        .call(Method::POST, "/user-api-key", None, Body::Form(&form))
        .await;
    assert_eq!(s, StatusCode::OK, "{page}");
    let html = page.as_str().expect("an HTML page");
    let start = html
        .find("<pre id=\"payload\">")
        .expect("the payload is shown")
        + 18;
    let end = start + html[start..].find("</pre>").unwrap();
    let key = req.open(&html[start..end]).expect("the payload opens").key;
    let (s, me) = as_key(&sb, Method::GET, "/session/current.json", &key, None).await;
    assert_eq!(s, StatusCode::OK, "{me}");
    assert_eq!(me["current_user"]["username"], "leader_luca");
    // A name that is no account approves nothing.
    let mut form = fields(&req, "read");
    form.push(("username", "nobody_at_all"));
    let (s, _) = sb
        .call(Method::POST, "/user-api-key", None, Body::Form(&form))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn approval_over_http_needs_an_account_and_the_flows_fields() {
    let sb = common::start().await;
    let req = request();
    let (s, v) = sb
        .call(
            Method::POST,
            "/user-api-key.json",
            None,
            Body::Form(&fields(&req, "read,write")),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    assert_eq!(v["error_type"], "not_logged_in");
    let without = |name: &str| -> Vec<(&str, &str)> {
        fields(&req, "read")
            .into_iter()
            .filter(|(k, _)| *k != name)
            .collect()
    };
    for missing in [
        "nonce",
        "public_key",
        "client_id",
        "scopes",
        "application_name",
    ] {
        let (s, v) = sb
            .post_form("/user-api-key.json", "leader_luca", &without(missing))
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{missing}: {v}");
        assert!(v["errors"][0].as_str().unwrap().contains(missing), "{v}");
    }
    let mut bad_key = without("public_key");
    bad_key.push((
        "public_key",
        "-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----",
    ));
    let (s, _) = sb
        .post_form("/user-api-key.json", "leader_luca", &bad_key)
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    // Scopes the site does not allow, and redirects, are refused.
    let (s, v) = sb
        .post_form(
            "/user-api-key.json",
            "leader_luca",
            &fields(&req, "read,one_time_password"),
        )
        .await;
    assert_invalid_access(s, &v);
    let mut redirect = fields(&req, "read");
    redirect.push(("auth_redirect", "https://evil.example/cb"));
    let (s, v) = sb
        .post_form("/user-api-key.json", "leader_luca", &redirect)
        .await;
    assert_invalid_access(s, &v);
}

#[tokio::test]
async fn a_new_approval_replaces_the_clients_old_key() {
    let sb = common::start().await;
    let first = request();
    let old = approve(&sb, &first, "leader_luca", "read,write").await;
    let again = LoginRequest::new(Some(first.client_id().to_string())).unwrap();
    let new = approve(&sb, &again, "leader_luca", "read,write").await;
    assert_ne!(old, new);
    let (s, v) = as_key(&sb, Method::GET, "/session/current.json", &old, None).await;
    assert_invalid_access(s, &v);
    let (s, _) = as_key(&sb, Method::GET, "/session/current.json", &new, None).await;
    assert_eq!(s, StatusCode::OK);
    // Another client of the same account keeps its own key.
    let other = approve(&sb, &request(), "leader_luca", "read,write").await;
    for key in [&new, &other] {
        let (s, _) = as_key(&sb, Method::GET, "/latest.json", key, None).await;
        assert_eq!(s, StatusCode::OK);
    }
}

#[tokio::test]
async fn a_read_only_key_reads_cannot_write_and_may_revoke_itself() {
    let sb = common::start().await;
    let key = approve(&sb, &request(), "mod_anna", "read").await;
    let (s, _) = as_key(&sb, Method::GET, "/latest.json", &key, None).await;
    assert_eq!(s, StatusCode::OK);
    let topic = sb.first_topic("status=open").await;
    let id = topic["id"].as_i64().unwrap();
    let before = sb.topic(id, Some("admin")).await["posts_count"].clone();
    let (s, v) = as_key(
        &sb,
        Method::POST,
        "/posts.json",
        &key,
        Some(serde_json::json!({"topic_id": id, "raw": "A reply a read-only key must not post."})),
    )
    .await;
    assert_invalid_access(s, &v);
    assert_eq!(sb.topic(id, Some("admin")).await["posts_count"], before);

    // The adapter: a right the key lacks is Forbidden, not a sign-in problem.
    let be = adapter(&sb, &key, None);
    assert_eq!(be.whoami().await.unwrap().role, Role::Moderator);
    let err = be
        .reply(&NewReply {
            topic_id: TopicId::new(id.to_string()),
            reply_to_post_number: None,
            raw: "A reply a read-only key must not post either.".into(),
        })
        .await
        .unwrap_err();
    assert!(matches!(err, BackendError::Forbidden(_)), "{err:?}");

    // Revoking another key is writing: refused to a read-only key.
    let (s, v) = as_key(
        &sb,
        Method::POST,
        "/user-api-key/revoke.json?id=1",
        &key,
        None,
    )
    .await;
    assert_invalid_access(s, &v);
    // Any key may revoke itself; then it is refused everywhere.
    let (s, v) = as_key(&sb, Method::POST, "/user-api-key/revoke.json", &key, None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["success"], "OK");
    let (s, v) = as_key(&sb, Method::GET, "/latest.json", &key, None).await;
    assert_invalid_access(s, &v);
}

#[tokio::test]
async fn a_revoked_key_is_not_signed_in_with_the_advice_to_sign_in_again() {
    let sb = common::start().await;
    let key = approve(&sb, &request(), "leader_luca", "read,write").await;
    let be = adapter(&sb, &key, None);
    assert_eq!(be.whoami().await.unwrap().username, "leader_luca");
    be.revoke_user_api_key().await.unwrap();
    // The site answers a revoked key with its generic 403; the adapter tells it apart.
    let err = be.whoami().await.unwrap_err();
    assert!(
        matches!(&err, BackendError::NotSignedIn(m) if m.contains(SIGN_IN_AGAIN)),
        "{err:?}"
    );
    assert_eq!(err.exit_code(), 3);
    let err = be.categories().await.unwrap_err();
    assert!(
        matches!(&err, BackendError::NotSignedIn(m) if m.contains(SIGN_IN_AGAIN)),
        "{err:?}"
    );
    let topic = sb.first_topic("status=open").await;
    let err = be
        .reply(&NewReply {
            topic_id: TopicId::new(topic["id"].to_string()),
            reply_to_post_number: None,
            raw: "A reply a revoked key must not post at all.".into(),
        })
        .await
        .unwrap_err();
    assert!(
        matches!(&err, BackendError::NotSignedIn(m) if m.contains(SIGN_IN_AGAIN)),
        "{err:?}"
    );
    // Revoking it again: the site no longer knows the key.
    assert!(matches!(
        be.revoke_user_api_key().await,
        Err(BackendError::NotSignedIn(_))
    ));
    // An admin key is never "revoked" this way.
    let admin = Discourse::new(DiscourseOptions::new(
        sb.url.clone(),
        Credentials::ApiKey {
            key: KEY.into(),
            username: "admin".into(),
        },
    ))
    .unwrap();
    assert!(matches!(
        admin.revoke_user_api_key().await,
        Err(BackendError::Refused(_))
    ));
}

/// The sandbox's "minute" in the rate-limit tests.
const WINDOW: Duration = Duration::from_millis(400);

#[tokio::test]
async fn a_user_key_over_its_limit_gets_429_and_the_client_waits() {
    let sb = common::start_with(|o| {
        o.user_key_rate_limit_per_minute = Some(3);
        o.rate_window = WINDOW;
    })
    .await;
    // Approving is done with the admin key: it is not charged to the new key.
    let key = approve(&sb, &request(), "leader_luca", "read,write").await;
    for _ in 0..3 {
        let (s, _) = as_key(&sb, Method::GET, "/categories.json", &key, None).await;
        assert_eq!(s, StatusCode::OK);
    }
    let resp = sb
        .client
        .get(format!("{}/categories.json", sb.url))
        .header("User-Api-Key", &key)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        resp.headers()["discourse-rate-limit-error-code"],
        "user_api_key_limiter_60_secs"
    );
    let wait: u64 = resp.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(wait >= 1);
    // Another key of the same account has a budget of its own.
    let other = approve(&sb, &request(), "leader_luca", "read").await;
    let (s, _) = as_key(&sb, Method::GET, "/categories.json", &other, None).await;
    assert_eq!(s, StatusCode::OK);

    // A client that does not pace itself is refused, waits the Retry-After out, and goes on.
    tokio::time::sleep(WINDOW).await;
    let be = adapter(&sb, &key, Some(Limits::unlimited()));
    let started = Instant::now();
    for _ in 0..4 {
        be.categories().await.expect("read after waiting");
    }
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "it waited the Retry-After (whole seconds): {:?}",
        started.elapsed()
    );
    assert!(be.governor().snapshot().refused >= 1);
}

#[tokio::test]
async fn the_governor_keeps_a_user_key_within_its_own_budget() {
    let sb = common::start_with(|o| {
        o.user_key_rate_limit_per_minute = Some(20);
        o.rate_window = WINDOW;
    })
    .await;
    let key = approve(&sb, &request(), "leader_luca", "read,write").await;
    let limits = Limits {
        window: WINDOW,
        ..Limits::user_key()
    };
    let be = adapter(&sb, &key, Some(limits));
    let started = Instant::now();
    for _ in 0..45 {
        be.categories().await.expect("every read succeeds");
    }
    // 20 a window: the 21st and the 41st wait for room.
    assert!(
        started.elapsed() >= WINDOW * 2,
        "paced: {:?}",
        started.elapsed()
    );
    let budget = be.governor().snapshot();
    assert_eq!(budget.per_minute, 20);
    assert_eq!(budget.scope, "this user API key");
    // Both ends keep a sliding window of the same length, the server's starting a little
    // later (when the request arrives): at a window's edge it may still count a request the
    // governor no longer does, and refuse one, which is then waited out. About one run in two
    // sees one such refusal; more would mean the governor does not pace.
    assert!(budget.refused <= 2, "refused {} times", budget.refused);
}
