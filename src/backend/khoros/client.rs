//! HTTP for the Khoros adapter: sign-in (a session key, renewed when it expires, or an OAuth
//! bearer token), the envelopes every answer comes in, and what a failure means.
//!
//! Khoros wraps every answer in an envelope and may report an error with HTTP 200 (always with
//! `api.always_ok`, and on some tenants anyway: reference §10), so an answer is judged by its
//! envelope's `status`, then by the `http_code` it carries, then by the transport status.
//! Every request, the sign-in included, waits in the [`Governor`]. A 429 pauses the governor:
//! Khoros sends `Retry-After: 0`, so the header is a floor under an exponential backoff, not
//! the wait itself (reference §10).

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{HeaderValue, ACCEPT, AUTHORIZATION, RETRY_AFTER, USER_AGENT};
use reqwest::{Method, Url};
use serde_json::Value;

use super::wire::{Envelope, ErrorData, V1Envelope};
use crate::backend::governor::Governor;
use crate::backend::{BackendError, Result};

/// The largest answer read.
const MAX_BODY_BYTES: usize = 32 * 1024 * 1024;
const MAX_MESSAGE_CHARS: usize = 300;
/// A 429 is waited out at most this long per attempt; longer and it is reported.
const RATE_LIMIT_WAIT_CAP: Duration = Duration::from_secs(60);
/// Writes are sent again only after a 429 (the server did nothing), at most this often.
const MAX_WRITE_RATE_LIMIT_RETRIES: u32 = 2;

/// How the adapter signs in. `Debug` never shows a secret.
#[derive(Clone, PartialEq, Eq)]
pub enum Credentials {
    /// A session key from `POST /restapi/vc/authentication/sessions/login` (reference §1.2),
    /// sent as `li-api-session-key`; signed in again when the key expires.
    Password { username: String, password: String },
    /// An OAuth 2.0 access token (`Authorization: Bearer`, reference §1.3), with the API app's
    /// client id when known. It cannot be renewed here: an expired token is reported.
    Bearer {
        token: String,
        client_id: Option<String>,
    },
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credentials::Password { username, .. } => f
                .debug_struct("Password")
                .field("username", username)
                .field("password", &"<redacted>")
                .finish(),
            Credentials::Bearer { client_id, .. } => f
                .debug_struct("Bearer")
                .field("token", &"<redacted>")
                .field("client_id", client_id)
                .finish(),
        }
    }
}

/// What the client was built with.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    pub base_url: String,
    pub credentials: Credentials,
    pub allow_insecure_http: bool,
    pub timeout: Duration,
    pub max_read_retries: u32,
    /// The first backoff step after a 429 or a transient failure (doubled each time).
    pub backoff_base: Duration,
}

/// One failed attempt: the error, and whether it says the session key is no longer valid.
struct Failure {
    error: BackendError,
    session_invalid: bool,
}

impl From<BackendError> for Failure {
    fn from(error: BackendError) -> Failure {
        Failure {
            error,
            session_invalid: false,
        }
    }
}

/// The body of a request.
#[derive(Clone)]
pub enum Body {
    None,
    Json(Value),
    Form(Vec<(String, String)>),
}

pub struct Client {
    http: reqwest::Client,
    base: String,
    credentials: Credentials,
    /// The session key in use, with the sign-in it came from (one sign-in renews for all).
    session: tokio::sync::Mutex<Option<(String, u64)>>,
    sign_ins: AtomicU64,
    governor: Arc<Governor>,
    max_read_retries: u32,
    backoff_base: Duration,
}

fn sensitive(value: &str, what: &str) -> Result<HeaderValue> {
    let mut v = HeaderValue::from_str(value).map_err(|_| {
        BackendError::Refused(format!(
            "the {what} contains characters that cannot be sent in an HTTP header"
        ))
    })?;
    v.set_sensitive(true);
    Ok(v)
}

impl Client {
    pub fn new(opts: &ClientOptions, governor: Arc<Governor>) -> Result<Client> {
        let base = crate::backend::discourse::client::check_base_url(
            &opts.base_url,
            opts.allow_insecure_http,
        )?;
        // Check the secrets fit in a header now, not on the first request.
        match &opts.credentials {
            Credentials::Password { username, password } => {
                if username.trim().is_empty() {
                    return Err(BackendError::Refused(
                        "a Khoros sign-in needs a username".into(),
                    ));
                }
                if password.chars().any(char::is_control) {
                    return Err(BackendError::Refused(
                        "the password contains control characters".into(),
                    ));
                }
            }
            Credentials::Bearer { token, client_id } => {
                sensitive(token, "OAuth token")?;
                if let Some(id) = client_id {
                    sensitive(id, "client id")?;
                }
            }
        }
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        headers.insert(
            USER_AGENT,
            HeaderValue::from_static(concat!("modterm/", env!("CARGO_PKG_VERSION"))),
        );
        // Redirects only within the same origin: the session key must never go elsewhere.
        let policy = reqwest::redirect::Policy::custom(|attempt| {
            let same_origin = attempt.previous().first().is_some_and(|first| {
                first.scheme() == attempt.url().scheme()
                    && first.host_str() == attempt.url().host_str()
                    && first.port_or_known_default() == attempt.url().port_or_known_default()
            });
            if same_origin && attempt.previous().len() < 5 {
                attempt.follow()
            } else {
                attempt.stop()
            }
        });
        let http = reqwest::Client::builder()
            .default_headers(headers)
            .timeout(opts.timeout)
            .connect_timeout(opts.timeout.min(Duration::from_secs(10)))
            .redirect(policy)
            .build()
            .map_err(|e| BackendError::Network(format!("could not set up HTTP: {e}")))?;
        Ok(Client {
            http,
            base,
            credentials: opts.credentials.clone(),
            session: tokio::sync::Mutex::new(None),
            sign_ins: AtomicU64::new(0),
            governor,
            max_read_retries: opts.max_read_retries,
            backoff_base: opts.backoff_base,
        })
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    pub fn governor(&self) -> &Governor {
        &self.governor
    }

    /// How many times this client has signed in (tests watch renewals with it).
    pub fn sign_ins(&self) -> u64 {
        self.sign_ins.load(Ordering::Relaxed)
    }

    fn url(&self, path: &str, query: &[(&str, String)]) -> Result<Url> {
        let mut url = Url::parse(&format!("{}{}", self.base, path))
            .map_err(|e| BackendError::Refused(format!("bad request path: {e}")))?;
        if !query.is_empty() {
            let mut pairs = url.query_pairs_mut();
            for (k, v) in query {
                pairs.append_pair(k, v);
            }
        }
        Ok(url)
    }

    /// A LiQL query (`GET /api/2.0/search?q=`): the answer's `data`. Retried like any read.
    pub async fn liql(&self, query: &str) -> Result<Value> {
        tracing::debug!(target: "modterm::khoros", liql = query, "query");
        self.call(
            Method::GET,
            "/api/2.0/search",
            &[("q", query.to_string())],
            Body::None,
            true,
        )
        .await
    }

    /// A v2 write with a JSON body: the answer's `data`.
    pub async fn write(&self, method: Method, path: &str, body: Value) -> Result<Value> {
        self.call(method, path, &[], Body::Json(body), false).await
    }

    /// Sends a request with the credentials, renewing the session key once if it expired,
    /// and waiting out 429s (and, for reads, transient failures) within their caps.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Body,
        idempotent: bool,
    ) -> Result<Value> {
        let url = self.url(path, query)?;
        let mut renewed = false;
        let mut attempt: u32 = 0;
        loop {
            let (auth, sign_in) = self.auth_header().await?;
            let req = self.build(&method, &url, &body, Some(&auth));
            let failure = match self.send(req).await {
                Ok(data) => return Ok(data),
                Err(f) => f,
            };
            if failure.session_invalid && !renewed {
                if let Credentials::Password { .. } = self.credentials {
                    renewed = true;
                    self.renew(sign_in).await?;
                    continue;
                }
            }
            let err = failure.error;
            let retries = if idempotent {
                self.max_read_retries
            } else {
                MAX_WRITE_RATE_LIMIT_RETRIES
            };
            match err {
                BackendError::RateLimited { wait, message } => {
                    let pause = wait.max(self.backoff(attempt));
                    if attempt >= retries || pause > RATE_LIMIT_WAIT_CAP {
                        return Err(BackendError::RateLimited {
                            wait: pause,
                            message,
                        });
                    }
                    // The governor holds every request, this one's retry included.
                    self.governor.refused(pause);
                    attempt += 1;
                }
                e if idempotent && e.is_transient() && attempt < retries => {
                    tokio::time::sleep(self.backoff(attempt)).await;
                    attempt += 1;
                }
                e => return Err(e),
            }
        }
    }

    fn backoff(&self, attempt: u32) -> Duration {
        self.backoff_base
            .saturating_mul(1u32 << attempt.min(6))
            .min(Duration::from_secs(30))
    }

    fn build(
        &self,
        method: &Method,
        url: &Url,
        body: &Body,
        auth: Option<&[(&'static str, HeaderValue)]>,
    ) -> reqwest::RequestBuilder {
        let mut req = self.http.request(method.clone(), url.clone());
        for (name, value) in auth.unwrap_or_default() {
            req = req.header(*name, value.clone());
        }
        match body {
            Body::None => req,
            Body::Json(v) => req.json(v),
            Body::Form(pairs) => req.form(pairs),
        }
    }

    /// The headers that carry the credentials, and which sign-in they came from.
    async fn auth_header(&self) -> Result<(Vec<(&'static str, HeaderValue)>, u64)> {
        match &self.credentials {
            Credentials::Bearer { token, client_id } => {
                let mut h = vec![(
                    AUTHORIZATION.as_str(),
                    sensitive(&format!("Bearer {token}"), "OAuth token")?,
                )];
                if let Some(id) = client_id {
                    h.push(("client-id", sensitive(id, "client id")?));
                }
                Ok((h, 0))
            }
            Credentials::Password { .. } => {
                let mut session = self.session.lock().await;
                if session.is_none() {
                    *session = Some(self.sign_in().await?);
                }
                let (key, n) = session.clone().unwrap_or_default();
                Ok((
                    vec![("li-api-session-key", sensitive(&key, "session key")?)],
                    n,
                ))
            }
        }
    }

    /// The key of sign-in `stale` was refused: sign in again, unless another task already did.
    async fn renew(&self, stale: u64) -> Result<()> {
        let mut session = self.session.lock().await;
        if session.as_ref().is_none_or(|(_, n)| *n == stale) {
            *session = None;
            *session = Some(self.sign_in().await?);
        }
        Ok(())
    }

    /// `POST /restapi/vc/authentication/sessions/login` with the login and password as a form
    /// (a long URI is refused with 414, and a password in a URL ends up in logs).
    async fn sign_in(&self) -> Result<(String, u64)> {
        let Credentials::Password { username, password } = &self.credentials else {
            return Err(BackendError::NotSignedIn(
                "no password to sign in with".into(),
            ));
        };
        let url = self.url(
            "/restapi/vc/authentication/sessions/login",
            &[("restapi.response_format", "json".to_string())],
        )?;
        let form = Body::Form(vec![
            ("user.login".to_string(), username.clone()),
            ("user.password".to_string(), password.clone()),
        ]);
        let mut attempt = 0;
        loop {
            let req = self.build(&Method::POST, &url, &form, None);
            match self.send(req).await {
                Ok(Value::String(key)) if !key.trim().is_empty() => {
                    let n = self.sign_ins.fetch_add(1, Ordering::Relaxed) + 1;
                    tracing::info!(target: "modterm::khoros", sign_in = n, "signed in");
                    return Ok((key.trim().to_string(), n));
                }
                Ok(_) => {
                    return Err(BackendError::Malformed(
                        "the sign-in answer holds no session key".into(),
                    ))
                }
                Err(Failure {
                    error: BackendError::RateLimited { wait, message },
                    ..
                }) => {
                    let pause = wait.max(self.backoff(attempt));
                    if attempt >= MAX_WRITE_RATE_LIMIT_RETRIES || pause > RATE_LIMIT_WAIT_CAP {
                        return Err(BackendError::RateLimited {
                            wait: pause,
                            message,
                        });
                    }
                    self.governor.refused(pause);
                    attempt += 1;
                }
                // A refused sign-in is a wrong login or password, whatever code it came with.
                Err(f) => {
                    return Err(match f.error {
                        BackendError::Forbidden(m)
                        | BackendError::NotFound(m)
                        | BackendError::NotSignedIn(m) => {
                            BackendError::NotSignedIn(format!("sign-in refused: {m}"))
                        }
                        BackendError::Invalid(m) => {
                            BackendError::NotSignedIn(format!("sign-in refused: {}", m.join("; ")))
                        }
                        other => other,
                    })
                }
            }
        }
    }

    /// One request, once it has room in the budget: the envelope's `data` (for v1, the
    /// `value`'s `$`), or what the failure means.
    async fn send(&self, req: reqwest::RequestBuilder) -> std::result::Result<Value, Failure> {
        let _admission = self.governor.admit().await;
        let mut resp = req.send().await.map_err(network_error)?;
        let status = resp.status().as_u16();
        let retry_after = resp
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        if resp
            .content_length()
            .is_some_and(|n| n > MAX_BODY_BYTES as u64)
        {
            return Err(too_large().into());
        }
        let mut body = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(network_error)? {
            if body.len() + chunk.len() > MAX_BODY_BYTES {
                return Err(too_large().into());
            }
            body.extend_from_slice(&chunk);
        }
        interpret(status, retry_after, &body)
    }
}

fn too_large() -> BackendError {
    BackendError::Malformed(format!(
        "the answer is larger than {} MB; not read",
        MAX_BODY_BYTES / (1024 * 1024)
    ))
}

fn network_error(e: reqwest::Error) -> Failure {
    let what = if e.is_timeout() {
        "the request timed out"
    } else if e.is_connect() {
        "could not connect to the server"
    } else if e.is_redirect() {
        "the server redirected too often or to another site"
    } else if e.is_body() || e.is_decode() {
        "the connection dropped while reading the reply"
    } else {
        "the connection failed or was dropped"
    };
    BackendError::Network(what.into()).into()
}

fn shorten(s: &str) -> String {
    let s = s.trim();
    if s.chars().count() <= MAX_MESSAGE_CHARS {
        s.to_owned()
    } else {
        let mut out: String = s.chars().take(MAX_MESSAGE_CHARS).collect();
        out.push('…');
        out
    }
}

fn is_success(status: &str) -> bool {
    matches!(
        status.to_ascii_lowercase().as_str(),
        "success" | "successful" | "ok"
    )
}

/// What an answer means: its envelope first (an error may come with HTTP 200), then the
/// `http_code` the envelope carries, then the transport status.
fn interpret(
    status: u16,
    retry_after: Option<Duration>,
    body: &[u8],
) -> std::result::Result<Value, Failure> {
    let json: Option<Value> = serde_json::from_slice::<Value>(body)
        .ok()
        .filter(Value::is_object);
    let Some(json) = json else {
        if (200..300).contains(&status) {
            return Err(BackendError::Malformed("the answer is not a JSON envelope".into()).into());
        }
        let text = String::from_utf8_lossy(body);
        let message = if text.trim_start().starts_with('<') || text.trim().is_empty() {
            String::new()
        } else {
            shorten(&text)
        };
        return Err(classify(Some(status), None, &message, retry_after, false));
    };
    // v1: {"response":{"status":…,"value":{"$":…},"error":{"code":…,"message":…}}}
    if json.get("response").is_some() {
        let v1: V1Envelope = serde_json::from_value(json).unwrap_or_default();
        let r = v1.response.unwrap_or_default();
        if r.status.as_deref().is_some_and(is_success) && (200..300).contains(&status) {
            return Ok(r
                .value
                .and_then(|v| v.value)
                .map(Value::String)
                .unwrap_or(Value::Null));
        }
        let e = r.error.unwrap_or_default();
        let message = shorten(e.message.as_deref().unwrap_or(""));
        let http = (status >= 400).then_some(status);
        return Err(classify(http, e.code, &message, retry_after, true));
    }
    let env: Envelope = serde_json::from_value(json).unwrap_or_default();
    let ok = env.status.as_deref().is_none_or(is_success);
    if ok && (200..300).contains(&status) {
        return Ok(env.data.unwrap_or(Value::Null));
    }
    let data: ErrorData = env
        .data
        .clone()
        .filter(Value::is_object)
        .and_then(|d| serde_json::from_value(d).ok())
        .unwrap_or_default();
    let message = shorten(
        env.message
            .as_deref()
            .filter(|m| !m.trim().is_empty())
            .or(data.developer_message.as_deref())
            .unwrap_or(""),
    );
    let http = env
        .http_code
        .and_then(|c| u16::try_from(c).ok())
        .filter(|c| *c >= 400)
        .or((status >= 400).then_some(status));
    Err(classify(http, data.code, &message, retry_after, false))
}

/// The error for an HTTP status (from the envelope or the transport; `None` when an error
/// came with HTTP 200 and no code of its own), a Khoros error code and message.
fn classify(
    http: Option<u16>,
    code: Option<u64>,
    message: &str,
    retry_after: Option<Duration>,
    v1: bool,
) -> Failure {
    let lower = message.to_ascii_lowercase();
    // An expired or unknown key: v1 code 301/302 "Invalid session key." (reference §1.2).
    let session_invalid = matches!(code, Some(301 | 302))
        || lower.contains("session key")
        || (http == Some(401) && !v1);
    let or = |fallback: &str| {
        if message.is_empty() {
            fallback.to_string()
        } else {
            message.to_string()
        }
    };
    let error = match http {
        Some(401) => BackendError::NotSignedIn(or("the credentials were not accepted")),
        Some(403) => BackendError::Forbidden(or("you are not permitted to do that")),
        Some(404 | 410) => BackendError::NotFound(or("the requested object could not be found")),
        Some(429) => BackendError::RateLimited {
            wait: retry_after.unwrap_or(Duration::ZERO),
            message: or("too many requests"),
        },
        Some(s @ 500..=599) => BackendError::Server {
            status: s,
            message: or("the server failed"),
        },
        Some(s @ 300..=399) => BackendError::Server {
            status: s,
            message: "unexpected redirect (not followed to another site)".into(),
        },
        Some(s) if s >= 400 => BackendError::Invalid(vec![or(&format!(
            "the server rejected the request (HTTP {s})"
        ))]),
        // An error with HTTP 200 and no http_code: read what it says.
        _ if session_invalid => BackendError::NotSignedIn(or("the session key is not valid")),
        _ if lower.contains("too many requests") || lower.contains("rate limit") => {
            BackendError::RateLimited {
                wait: retry_after.unwrap_or(Duration::ZERO),
                message: or("too many requests"),
            }
        }
        _ if lower.contains("not authorized") || lower.contains("permission") => {
            BackendError::Forbidden(or("you are not permitted to do that"))
        }
        _ if lower.contains("not found") || lower.contains("does not exist") => {
            BackendError::NotFound(or("the requested object could not be found"))
        }
        _ => BackendError::Invalid(vec![or("the server reported an error")]),
    };
    Failure {
        error,
        session_invalid,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(status: u16, body: &str) -> (BackendError, bool) {
        match interpret(status, None, body.as_bytes()) {
            Ok(v) => panic!("expected an error, got {v}"),
            Err(f) => (f.error, f.session_invalid),
        }
    }

    #[test]
    fn success_envelopes() {
        let v = interpret(
            200,
            None,
            br#"{"status":"success","message":"","http_code":200,"data":{"count":19},"metadata":{}}"#,
        )
        .ok()
        .unwrap();
        assert_eq!(v["count"], 19);
        let key = interpret(
            200,
            None,
            br#"{"response":{"status":"success","value":{"type":"string","$":"KEY"}}}"#,
        )
        .ok()
        .unwrap();
        assert_eq!(key, Value::String("KEY".into()));
    }

    #[test]
    fn errors_with_http_200_are_errors() {
        // The reference's own example, as a tenant with api.always_ok answers it.
        let (e, _) = err(
            200,
            r#"{"status":"error","message":"You are not authorized to make this request","data":{"type":"error_data","code":203,"developer_message":"","more_info":""},"metadata":{}}"#,
        );
        assert_eq!(
            e,
            BackendError::Forbidden("You are not authorized to make this request".into())
        );
        // The envelope's http_code decides when it has one.
        let (e, _) = err(
            200,
            r#"{"status":"error","message":"Invalid query syntax","http_code":400,"data":{"code":601}}"#,
        );
        assert_eq!(
            e,
            BackendError::Invalid(vec!["Invalid query syntax".into()])
        );
        let (e, _) = err(
            200,
            r#"{"status":"error","message":"Too Many Requests","http_code":429,"data":{"code":429}}"#,
        );
        assert!(matches!(e, BackendError::RateLimited { wait, .. } if wait == Duration::ZERO));
        let (e, _) = err(
            200,
            r#"{"status":"error","message":"Message 99 not found","http_code":404}"#,
        );
        assert!(matches!(e, BackendError::NotFound(_)));
    }

    #[test]
    fn expired_session_keys_are_told_apart() {
        let (e, invalid) = err(
            200,
            r#"{"response":{"status":"error","error":{"code":301,"message":"Invalid session key."}}}"#,
        );
        assert!(invalid);
        assert!(matches!(e, BackendError::NotSignedIn(_)));
        let (_, invalid) = err(
            401,
            r#"{"status":"error","message":"Invalid session key.","http_code":401,"data":{"code":301}}"#,
        );
        assert!(invalid);
        let (e, invalid) = err(
            403,
            r#"{"status":"error","message":"Not allowed","http_code":403}"#,
        );
        assert!(!invalid);
        assert!(matches!(e, BackendError::Forbidden(_)));
    }

    #[test]
    fn transport_failures_without_envelopes() {
        let (e, _) = err(503, "<html><h1>503</h1></html>");
        assert!(matches!(e, BackendError::Server { status: 503, .. }));
        let (e, _) = err(429, "");
        assert!(matches!(e, BackendError::RateLimited { .. }));
        match interpret(200, None, b"not json") {
            Err(f) => assert!(matches!(f.error, BackendError::Malformed(_))),
            Ok(_) => panic!("must fail"),
        }
        // A huge message never ends up whole in an error.
        let big = format!(r#"{{"status":"error","message":"{}"}}"#, "x".repeat(5000));
        let (e, _) = err(500, &big);
        assert!(e.to_string().chars().count() < 400);
    }

    #[test]
    fn secrets_never_show_in_debug() {
        let p = Credentials::Password {
            username: "mod".into(),
            password: "hunter2-secret".into(),
        };
        let b = Credentials::Bearer {
            token: "tok-secret".into(),
            client_id: None,
        };
        assert!(!format!("{p:?}").contains("hunter2"));
        assert!(!format!("{b:?}").contains("tok-secret"));
    }
}
