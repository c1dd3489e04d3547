//! HTTP for the Discourse adapter: base URL policy, auth headers, retries of reads and the
//! mapping of HTTP failures to [`BackendError`].

use std::net::IpAddr;
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue, ACCEPT, RETRY_AFTER, USER_AGENT};
use reqwest::{Method, Url};

use super::wire::ErrorBody;
use super::{Credentials, DiscourseOptions};
use crate::backend::governor::Governor;
use crate::backend::{BackendError, Result};

/// The longest a read waits out a 429 before giving up and reporting it.
pub const RATE_LIMIT_WAIT_CAP: Duration = Duration::from_secs(60);
/// Used when a 429 says nothing about how long to wait.
const DEFAULT_RATE_LIMIT_WAIT: Duration = Duration::from_secs(5);
const MAX_MESSAGE_CHARS: usize = 300;
/// The largest answer read: a server that sends more is cut off with an error, not kept.
pub const MAX_BODY_BYTES: usize = 32 * 1024 * 1024;
/// A refused write is tried again at most this often (a 429 means the server did nothing).
const MAX_WRITE_RATE_LIMIT_RETRIES: u32 = 2;

pub struct Client {
    http: reqwest::Client,
    /// Site URL without a trailing slash.
    base: String,
    max_read_retries: u32,
    backoff_base: Duration,
    /// The per-request timeout the client was built with.
    timeout: Duration,
    /// Every request waits here for room in the site's budget.
    governor: std::sync::Arc<Governor>,
    /// It signs in with a user API key (whose refusal reads like any other, see
    /// [`Client::user_key_refusal`]).
    user_key: bool,
}

/// What a refused user API key means to the user.
pub const USER_KEY_REFUSED: &str =
    "user API key refused (revoked or expired): sign in again with modterm login";

/// Is this host a loopback address (127.0.0.0/8, ::1, localhost)?
pub fn is_loopback_host(url: &Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = host.parse::<IpAddr>() {
        return ip.is_loopback();
    }
    let d = host.trim_end_matches('.').to_ascii_lowercase();
    d == "localhost" || d.ends_with(".localhost")
}

/// Checks the site URL: https anywhere, http only to loopback unless allowed.
pub fn check_base_url(base_url: &str, allow_insecure_http: bool) -> Result<String> {
    let trimmed = base_url.trim().trim_end_matches('/');
    let url = Url::parse(trimmed)
        .map_err(|e| BackendError::Refused(format!("the site URL is not valid: {e}")))?;
    match url.scheme() {
        "https" => {}
        "http" if allow_insecure_http || is_loopback_host(&url) => {}
        "http" => {
            return Err(BackendError::Refused(format!(
                "refusing plain http:// to {} (the API key would travel unencrypted); use https:// \
                 or allow insecure http explicitly (--insecure)",
                url.host_str().unwrap_or("?")
            )))
        }
        other => {
            return Err(BackendError::Refused(format!(
                "unsupported URL scheme {other}:// (use https://)"
            )))
        }
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(BackendError::Refused("the site URL has no host".into()));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(BackendError::Refused(
            "the site URL must not contain credentials".into(),
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(BackendError::Refused(
            "the site URL must not have a query or fragment".into(),
        ));
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

fn header(value: &str, what: &str) -> Result<HeaderValue> {
    let mut v = HeaderValue::from_str(value).map_err(|_| {
        BackendError::Refused(format!(
            "the {what} contains characters that cannot be sent in an HTTP header"
        ))
    })?;
    v.set_sensitive(true);
    Ok(v)
}

/// Percent-encodes one path segment (usernames may be non-ASCII).
pub fn seg(s: &str) -> String {
    crate::domain::url_segment(s)
}

impl Client {
    pub fn new(opts: &DiscourseOptions, governor: std::sync::Arc<Governor>) -> Result<Client> {
        let base = check_base_url(&opts.base_url, opts.allow_insecure_http)?;
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        headers.insert(
            USER_AGENT,
            HeaderValue::from_static(concat!("modterm/", env!("CARGO_PKG_VERSION"))),
        );
        match &opts.credentials {
            Credentials::ApiKey { key, username } => {
                headers.insert(HeaderName::from_static("api-key"), header(key, "API key")?);
                headers.insert(
                    HeaderName::from_static("api-username"),
                    header(username, "API username")?,
                );
            }
            Credentials::UserApiKey { key, client_id } => {
                headers.insert(
                    HeaderName::from_static("user-api-key"),
                    header(key, "user API key")?,
                );
                if let Some(id) = client_id {
                    headers.insert(
                        HeaderName::from_static("user-api-client-id"),
                        header(id, "user API client id")?,
                    );
                }
            }
        }
        // Follow redirects only within the same origin: the key headers must never go elsewhere.
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
            max_read_retries: opts.max_read_retries,
            backoff_base: Duration::from_millis(200),
            timeout: opts.timeout,
            governor,
            user_key: matches!(opts.credentials, Credentials::UserApiKey { .. }),
        })
    }

    pub fn governor(&self) -> &Governor {
        &self.governor
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    /// The default per-request timeout.
    pub fn timeout(&self) -> Duration {
        self.timeout
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

    /// Sends one request once it has room in the budget; a 429 pauses the whole budget.
    async fn execute(&self, req: reqwest::RequestBuilder) -> Result<Vec<u8>> {
        self.execute_with(req, true).await
    }

    /// As [`Client::execute`]; `pause_on_refusal` false for endpoints whose 429 is their own
    /// (the message bus queue, presence), which must not hold every other request.
    async fn execute_with(
        &self,
        req: reqwest::RequestBuilder,
        pause_on_refusal: bool,
    ) -> Result<Vec<u8>> {
        self.execute_remapped(req, pause_on_refusal, keep_error)
            .await
    }

    /// As [`Client::execute_with`]; `remap(status, error)` then gives the error of a failed
    /// answer (statuses that mean something of their own to one endpoint).
    async fn execute_remapped(
        &self,
        req: reqwest::RequestBuilder,
        pause_on_refusal: bool,
        remap: Remap,
    ) -> Result<Vec<u8>> {
        let _admission = self.governor.admit().await;
        let mut resp = req.send().await.map_err(network_error)?;
        let status = resp.status().as_u16();
        let refused_user_key =
            (self.user_key && status == 403).then(|| resp.url().path().to_owned());
        let retry_after = resp
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        if resp
            .content_length()
            .is_some_and(|n| n > MAX_BODY_BYTES as u64)
        {
            return Err(too_large());
        }
        let mut body = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(network_error)? {
            if body.len() + chunk.len() > MAX_BODY_BYTES {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        if (200..300).contains(&status) {
            Ok(body)
        } else {
            let mut err = map_error(status, retry_after.as_deref(), &body);
            if let Some(path) = refused_user_key {
                err = self.user_key_refusal(&path, err).await;
            }
            if let BackendError::RateLimited { wait, .. } = &err {
                if pause_on_refusal {
                    self.governor.refused(*wait);
                }
            }
            Err(remap(status, err))
        }
    }

    /// A 403 to a user API key, told apart: Discourse answers a key it no longer has (revoked,
    /// expired) with the same generic `invalid_access` as a right the account lacks. Its
    /// `/session/current.json` refuses no key that works (nobody gets a 404 there), so a 403
    /// there, or there again after a 403 elsewhere, is the key itself: not signed in.
    async fn user_key_refusal(&self, path: &str, err: BackendError) -> BackendError {
        let key_refused = match &err {
            BackendError::NotSignedIn(_) => true,
            BackendError::Forbidden(_)
                if path.trim_end_matches(".json").ends_with("/session/current") =>
            {
                true
            }
            BackendError::Forbidden(_) => self.session_refused().await,
            _ => false,
        };
        if key_refused {
            BackendError::NotSignedIn(USER_KEY_REFUSED.into())
        } else {
            err
        }
    }

    /// One look at `/session/current.json`: does the site refuse this key outright?
    async fn session_refused(&self) -> bool {
        let Ok(url) = self.url("/session/current.json", &[]) else {
            return false;
        };
        let _admission = self.governor.admit().await;
        matches!(self.http.get(url).send().await, Ok(r) if r.status().as_u16() == 403)
    }

    /// A write: sent again only after a 429 (the server did nothing), within the wait cap.
    async fn execute_write(&self, build: impl Fn() -> reqwest::RequestBuilder) -> Result<Vec<u8>> {
        self.execute_write_remapped(build, keep_error).await
    }

    /// As [`Client::execute_write`], with the failure's error from `remap(status, error)`.
    async fn execute_write_remapped(
        &self,
        build: impl Fn() -> reqwest::RequestBuilder,
        remap: Remap,
    ) -> Result<Vec<u8>> {
        let mut attempt = 0;
        loop {
            match self.execute_remapped(build(), true, remap).await {
                Err(BackendError::RateLimited { wait, .. })
                    if attempt < MAX_WRITE_RATE_LIMIT_RETRIES && wait <= RATE_LIMIT_WAIT_CAP =>
                {
                    // The governor holds the next attempt until the pause is over.
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    /// An idempotent read: retried on transient failures, 429s waited out (up to the cap).
    pub async fn get(&self, path: &str, query: &[(&str, String)]) -> Result<Vec<u8>> {
        let url = self.url(path, query)?;
        let mut attempt: u32 = 0;
        loop {
            let result = self.execute(self.http.get(url.clone())).await;
            let err = match result {
                Ok(body) => return Ok(body),
                Err(e) => e,
            };
            if attempt >= self.max_read_retries || !err.is_transient() {
                return Err(err);
            }
            let wait = match &err {
                BackendError::RateLimited { wait, .. } if *wait > RATE_LIMIT_WAIT_CAP => {
                    return Err(err)
                }
                // The governor holds the retry until the server's pause is over.
                BackendError::RateLimited { .. } => Duration::ZERO,
                _ => self
                    .backoff_base
                    .saturating_mul(1u32 << attempt.min(5))
                    .min(Duration::from_secs(5)),
            };
            attempt += 1;
            tokio::time::sleep(wait).await;
        }
    }

    /// A write with a JSON body. Never retried here: the caller decides what is safe.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        body: &serde_json::Value,
    ) -> Result<Vec<u8>> {
        let url = self.url(path, &[])?;
        self.execute_write(|| self.http.request(method.clone(), url.clone()).json(body))
            .await
    }

    /// A write with query parameters and a JSON body, sent as [`Client::send`] is (again only
    /// after a 429), where some statuses mean something of their own to the caller:
    /// `remap(status, error)` gives the error of a failed answer (a 409 on a review item is
    /// "someone else acted first", not bad input).
    pub async fn send_remapped(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: &serde_json::Value,
        remap: Remap,
    ) -> Result<Vec<u8>> {
        let url = self.url(path, query)?;
        self.execute_write_remapped(
            || self.http.request(method.clone(), url.clone()).json(body),
            remap,
        )
        .await
    }

    /// A form-encoded POST to the live endpoints (message bus, presence), sent once: never
    /// retried, and its 429 (the bus queue's, presence's own limit) is the caller's to wait
    /// out. `timeout` replaces the default per-request timeout (long polls); `headers` are
    /// added to the auth headers.
    pub async fn post_form(
        &self,
        path: &str,
        form: &[(String, String)],
        timeout: Option<Duration>,
        headers: &[(&'static str, &'static str)],
    ) -> Result<Vec<u8>> {
        let url = self.url(path, &[])?;
        let mut req = self.http.post(url).form(form);
        if let Some(t) = timeout {
            req = req.timeout(t);
        }
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        self.execute_with(req, false).await
    }
}

/// Turns a failed answer's error into one that says what its status means to the endpoint.
/// Must leave 429s as they are (the write loop waits those out).
pub type Remap = fn(u16, BackendError) -> BackendError;

/// The usual errors, unchanged.
fn keep_error(_status: u16, error: BackendError) -> BackendError {
    error
}

fn too_large() -> BackendError {
    BackendError::Malformed(format!(
        "the answer is larger than {} MB; not read",
        MAX_BODY_BYTES / (1024 * 1024)
    ))
}

/// Whether the failure was a TLS handshake with something that does not speak TLS (the usual
/// sign of `https://` to a plain-HTTP port).
fn is_tls_mismatch(e: &reqwest::Error) -> bool {
    let mut source: Option<&dyn std::error::Error> = Some(e);
    while let Some(err) = source {
        let text = format!("{err:?} {err}").to_ascii_lowercase();
        if text.contains("invalidcontenttype")
            || text.contains("corrupt message")
            || text.contains("corruptmessage")
            || text.contains("wrong version number")
            || text.contains("invalid content type")
        {
            return true;
        }
        source = err.source();
    }
    false
}

fn network_error(e: reqwest::Error) -> BackendError {
    let what = if is_tls_mismatch(&e) {
        "the server did not answer in TLS: it may speak plain http:// on that port"
    } else if e.is_timeout() {
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
    // The URL carries no secret, but the message stays short and generic on purpose.
    BackendError::Network(what.into())
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

/// `Please retry again in N seconds.` in the plain-text body of the per-IP limiter.
fn wait_in_text(text: &str) -> Option<Duration> {
    let lower = text.to_ascii_lowercase();
    let idx = lower.find("retry again in ")? + "retry again in ".len();
    let digits: String = lower[idx..]
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    digits.parse().ok().map(Duration::from_secs)
}

fn retry_after_header(v: &str) -> Option<Duration> {
    let v = v.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    // An HTTP date.
    chrono::DateTime::parse_from_rfc2822(v).ok().map(|t| {
        let secs = (t.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_seconds();
        Duration::from_secs(u64::try_from(secs).unwrap_or(0))
    })
}

/// Maps a non-success reply to the error a UI must tell apart.
pub fn map_error(status: u16, retry_after: Option<&str>, body: &[u8]) -> BackendError {
    let parsed: Option<ErrorBody> = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .filter(|v| v.is_object())
        .and_then(|v| serde_json::from_value(v).ok());
    let text = String::from_utf8_lossy(body);
    let (messages, error_type, json_wait) = match &parsed {
        Some(b) => {
            let mut msgs: Vec<String> = b
                .errors
                .iter()
                .map(|m| shorten(m))
                .filter(|m| !m.is_empty())
                .collect();
            if msgs.is_empty() {
                if let Some(m) = b.message.as_deref().or(b.error.as_deref()) {
                    msgs.push(shorten(m));
                }
            }
            (
                msgs,
                b.error_type.clone().unwrap_or_default(),
                b.extras
                    .as_ref()
                    .and_then(|x| x.wait_seconds)
                    .filter(|w| w.is_finite() && *w >= 0.0)
                    .map(|w| Duration::from_secs_f64(w.min(86_400.0))),
            )
        }
        None => {
            // Plain text (per-IP limiter, proxies). HTML error pages say nothing useful.
            let looks_html = text.trim_start().starts_with('<');
            let msgs = if looks_html || text.trim().is_empty() {
                vec![]
            } else {
                vec![shorten(
                    &text
                        .lines()
                        .filter(|l| !l.trim().is_empty())
                        .collect::<Vec<_>>()
                        .join(" "),
                )]
            };
            (msgs, String::new(), None)
        }
    };
    let joined = messages.join("; ");
    let or = |fallback: &str| {
        if joined.is_empty() {
            fallback.to_owned()
        } else {
            joined.clone()
        }
    };
    match status {
        401 | 403 => {
            let lower = joined.to_ascii_lowercase();
            let not_signed_in = status == 401
                || matches!(
                    error_type.as_str(),
                    "not_logged_in" | "invalid_api_credentials" | "invalid_credentials"
                )
                || lower.contains("api username or key is invalid")
                || lower.contains("need to be logged in");
            if not_signed_in {
                BackendError::NotSignedIn(or("the API key or username was not accepted"))
            } else {
                BackendError::Forbidden(or("you are not permitted to do that"))
            }
        }
        404 | 410 => BackendError::NotFound(or("the requested resource could not be found")),
        400 | 409 | 422 => BackendError::Invalid(if messages.is_empty() {
            vec![format!("the server rejected the request (HTTP {status})")]
        } else {
            messages
        }),
        429 => {
            let wait = retry_after
                .and_then(retry_after_header)
                .or(json_wait)
                .or_else(|| wait_in_text(&text))
                .unwrap_or(DEFAULT_RATE_LIMIT_WAIT);
            BackendError::RateLimited {
                wait,
                message: or("too many requests"),
            }
        }
        500..=599 => BackendError::Server {
            status,
            message: or("the server failed"),
        },
        300..=399 => BackendError::Server {
            status,
            message: "unexpected redirect (not followed to another site)".into(),
        },
        _ => BackendError::Invalid(vec![format!("HTTP {status}: {}", or("request refused"))]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_limit_json_uses_header_then_extras() {
        let body = br#"{"errors":["You've performed this action too many times. Please wait 60 seconds before trying again."],"error_type":"rate_limit","extras":{"wait_seconds":60,"time_left":"1 minute"}}"#;
        match map_error(429, Some("12"), body) {
            BackendError::RateLimited { wait, message } => {
                assert_eq!(wait, Duration::from_secs(12));
                assert!(message.contains("too many times"));
            }
            other => panic!("{other:?}"),
        }
        match map_error(429, None, body) {
            BackendError::RateLimited { wait, .. } => assert_eq!(wait, Duration::from_secs(60)),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn rate_limit_plain_text() {
        let body = b"Slow down, too many requests from this IP address.\nPlease retry again in 7 seconds.\nError code: ip_10_secs_limit.\n";
        match map_error(429, None, body) {
            BackendError::RateLimited { wait, message } => {
                assert_eq!(wait, Duration::from_secs(7));
                assert!(message.contains("Slow down"));
            }
            other => panic!("{other:?}"),
        }
        match map_error(429, None, b"") {
            BackendError::RateLimited { wait, .. } => assert_eq!(wait, DEFAULT_RATE_LIMIT_WAIT),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn forbidden_variants() {
        let bad_key = br#"{"errors":["You are not permitted to view the requested resource. The API username or key is invalid."],"error_type":"invalid_access"}"#;
        assert!(matches!(
            map_error(403, None, bad_key),
            BackendError::NotSignedIn(_)
        ));
        let not_logged_in =
            br#"{"errors":["You need to be logged in to do that."],"error_type":"not_logged_in"}"#;
        assert!(matches!(
            map_error(403, None, not_logged_in),
            BackendError::NotSignedIn(_)
        ));
        let access = br#"{"errors":["You are not permitted to view the requested resource."],"error_type":"invalid_access"}"#;
        assert_eq!(
            map_error(403, None, access),
            BackendError::Forbidden("You are not permitted to view the requested resource.".into())
        );
        assert!(matches!(
            map_error(403, None, br#"{"failed":"FAILED"}"#),
            BackendError::Forbidden(_)
        ));
        assert!(matches!(
            map_error(401, None, b""),
            BackendError::NotSignedIn(_)
        ));
    }

    #[test]
    fn invalid_keeps_server_messages() {
        let body = br#"{"action":"create_post","errors":["Body is too short (minimum is 20 characters)","Title is bad"]}"#;
        assert_eq!(
            map_error(422, None, body),
            BackendError::Invalid(vec![
                "Body is too short (minimum is 20 characters)".into(),
                "Title is bad".into()
            ])
        );
        let badge =
            br#"{"failed":"FAILED","message":"The reason must be a link to a post or topic"}"#;
        assert_eq!(
            map_error(400, None, badge),
            BackendError::Invalid(vec!["The reason must be a link to a post or topic".into()])
        );
        assert!(matches!(
            map_error(422, None, b"<html>oops</html>"),
            BackendError::Invalid(m) if m.len() == 1
        ));
    }

    #[test]
    fn other_statuses() {
        assert!(matches!(
            map_error(404, None, br#"{"errors":["gone"],"error_type":"not_found"}"#),
            BackendError::NotFound(m) if m == "gone"
        ));
        assert!(matches!(
            map_error(410, None, b""),
            BackendError::NotFound(_)
        ));
        assert!(matches!(
            map_error(503, None, br#"{"errors":["read only"],"error_type":"read_only"}"#),
            BackendError::Server { status: 503, message } if message == "read only"
        ));
        // A huge body never ends up whole in a message.
        let big = "x".repeat(10_000);
        match map_error(500, None, big.as_bytes()) {
            BackendError::Server { message, .. } => assert!(message.chars().count() <= 301),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn http_only_to_loopback() {
        assert!(check_base_url("https://forum.example.com/", false).is_ok());
        assert_eq!(
            check_base_url("https://forum.example.com/", false)
                .ok()
                .as_deref(),
            Some("https://forum.example.com")
        );
        assert!(check_base_url("http://127.0.0.1:4200", false).is_ok());
        assert!(check_base_url("http://127.3.4.5", false).is_ok());
        assert!(check_base_url("http://[::1]:8080", false).is_ok());
        assert!(check_base_url("http://localhost:3000", false).is_ok());
        assert!(matches!(
            check_base_url("http://forum.example.com", false),
            Err(BackendError::Refused(_))
        ));
        assert!(matches!(
            check_base_url("http://10.0.0.1", false),
            Err(BackendError::Refused(_))
        ));
        assert!(matches!(
            check_base_url("http://localhost.evil.com", false),
            Err(BackendError::Refused(_))
        ));
        // A local refusal never reads as the server's answer.
        let e = check_base_url("http://forum.example.com", false).unwrap_err();
        assert!(!e.to_string().contains("server"), "{e}");
        assert!(check_base_url("http://forum.example.com", true).is_ok());
        assert!(check_base_url("ftp://forum.example.com", true).is_err());
        assert!(check_base_url("not a url", false).is_err());
    }

    #[test]
    fn segments_are_encoded() {
        assert_eq!(seg("bob.smith_1-x"), "bob.smith_1-x");
        assert_eq!(seg("a/b?c"), "a%2Fb%3Fc");
        assert_eq!(seg("zoë"), "zo%C3%AB");
    }
}
