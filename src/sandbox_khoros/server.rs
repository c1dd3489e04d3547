//! The HTTP side of the Khoros sandbox: one axum fallback handler that injects faults,
//! rate-limits, signs the caller in (session key or bearer token), and routes to the sign-in,
//! LiQL, the v2 writes or Care, each answered in Khoros's envelopes (reference §1.2, §2.2,
//! §10).
//!
//! Errors: v2 answers `{"status":"error","message":…,"data":{"type":"error_data","code":…},
//! "http_code":…}` with that HTTP status, or with HTTP 200 when the request has
//! `api.always_ok=true` or the sandbox is set to always-ok (reference §2.1, §10). The codes
//! are the sandbox's own ([I]: Khoros's table is not in the reference): 601 a LiQL query it
//! cannot parse or run, 301 an unknown or expired session key (as v1 reports it), 303 a
//! refused sign-in, otherwise the HTTP status. 429s carry `Retry-After: 0`, as Khoros's do.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::Response;
use axum::Router;
use rusqlite::Connection;
use serde_json::{json, Value};

use super::store::{self, Ctx, Viewer};
use super::{care, liql, query, writes};

const MAX_BODY: usize = 1024 * 1024;
/// Requests remembered for the tests' counts.
const LOG_CAPACITY: usize = 20_000;
/// Session keys kept at once.
const MAX_SESSIONS: usize = 10_000;

/// Faults to inject, set from tests (or the embedding program) through [`FaultHandle`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Faults {
    /// Answer the next N requests with 429 (`Retry-After` below).
    pub rate_limit: u32,
    pub retry_after_secs: u64,
    /// Answer the next N requests with HTTP 200 and an error envelope (`http_code` 503).
    pub error_200: u32,
    /// Every error comes with HTTP 200, as with `api.always_ok` (reference §2.1).
    pub always_ok: bool,
}

#[derive(Clone, Default)]
pub struct FaultHandle(Arc<Mutex<Faults>>);

impl FaultHandle {
    pub fn set(&self, faults: Faults) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = faults;
    }
    pub fn get(&self) -> Faults {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
    fn take(&self) -> Option<Response> {
        let mut f = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if f.rate_limit > 0 {
            f.rate_limit -= 1;
            let wait = f.retry_after_secs;
            drop(f);
            return Some(too_many(wait));
        }
        if f.error_200 > 0 {
            f.error_200 -= 1;
            return Some(envelope_error(
                StatusCode::SERVICE_UNAVAILABLE,
                503,
                "An unexpected error occurred. Please try again.",
                "injected by the modterm sandbox",
                true,
            ));
        }
        None
    }
}

/// One request, as the log keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Logged {
    pub method: String,
    pub path: String,
    pub status: u16,
}

struct Session {
    user: i64,
    last_used: Instant,
}

pub(super) struct AppState {
    pub db: Mutex<Connection>,
    pub password: String,
    pub care_user: String,
    sessions: Mutex<HashMap<String, Session>>,
    pub session_idle: Mutex<Duration>,
    pub faults: FaultHandle,
    limiter: Option<Mutex<(u32, VecDeque<Instant>)>>,
    pub log: Mutex<VecDeque<Logged>>,
    key_seq: AtomicU64,
    seed: u64,
}

impl AppState {
    pub fn new(
        conn: Connection,
        password: String,
        care_user: String,
        rate_limit: Option<u32>,
        session_idle: Duration,
        seed: u64,
    ) -> AppState {
        AppState {
            db: Mutex::new(conn),
            password,
            care_user,
            sessions: Mutex::new(HashMap::new()),
            session_idle: Mutex::new(session_idle),
            faults: FaultHandle::default(),
            limiter: rate_limit.map(|n| Mutex::new((n.max(1), VecDeque::new()))),
            log: Mutex::new(VecDeque::new()),
            key_seq: AtomicU64::new(0),
            seed,
        }
    }

    /// Every session key stops working, as after 30 idle minutes.
    pub fn expire_sessions(&self) {
        self.sessions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }

    fn new_key(&self, user: i64) -> String {
        let n = self.key_seq.fetch_add(1, Ordering::Relaxed);
        let mut r = super::seed::Rng::new(
            self.seed
                ^ n.wrapping_mul(0x9E37_79B9)
                ^ chrono::Utc::now().timestamp_nanos_opt().unwrap_or(0) as u64,
        );
        let key = format!("{:016x}{:016x}", r.next(), r.next());
        let idle = *self.session_idle.lock().unwrap_or_else(|e| e.into_inner());
        let mut sessions = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        // Bounded: expired keys go when there are many, then the oldest beyond the cap.
        if sessions.len() >= MAX_SESSIONS {
            sessions.retain(|_, s| s.last_used.elapsed() <= idle);
            while sessions.len() >= MAX_SESSIONS {
                let Some(oldest) = sessions
                    .iter()
                    .min_by_key(|(_, s)| s.last_used)
                    .map(|(k, _)| k.clone())
                else {
                    break;
                };
                sessions.remove(&oldest);
            }
        }
        sessions.insert(
            key.clone(),
            Session {
                user,
                last_used: Instant::now(),
            },
        );
        key
    }

    fn session_user(&self, key: &str) -> Option<i64> {
        let idle = *self.session_idle.lock().unwrap_or_else(|e| e.into_inner());
        let mut sessions = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        let s = sessions.get_mut(key)?;
        if s.last_used.elapsed() > idle {
            sessions.remove(key);
            return None;
        }
        s.last_used = Instant::now();
        Some(s.user)
    }

    /// Leaky bucket: `per_minute` requests, then 429 until enough have leaked out.
    fn admit(&self) -> bool {
        let Some(l) = &self.limiter else {
            return true;
        };
        let mut l = l.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        while l
            .1
            .front()
            .is_some_and(|t| now.duration_since(*t) >= Duration::from_secs(60))
        {
            l.1.pop_front();
        }
        if l.1.len() as u32 >= l.0 {
            return false;
        }
        l.1.push_back(now);
        true
    }

    fn record(&self, method: &Method, path: &str, status: u16) {
        let mut log = self.log.lock().unwrap_or_else(|e| e.into_inner());
        if log.len() >= LOG_CAPACITY {
            log.pop_front();
        }
        log.push_back(Logged {
            method: method.to_string(),
            path: path.to_string(),
            status,
        });
    }
}

pub(super) async fn serve(
    listener: tokio::net::TcpListener,
    state: Arc<AppState>,
    stop: tokio::sync::oneshot::Receiver<()>,
) {
    let app = Router::new().fallback(dispatch).with_state(state);
    let _ = axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            let _ = stop.await;
        })
        .await;
}

// ---------------------------------------------------------------------------------------------
// Replies

fn respond(status: StatusCode, body: &Value, headers: &[(&'static str, String)]) -> Response {
    let bytes = serde_json::to_vec(body).unwrap_or_else(|_| b"{}".to_vec());
    let mut resp = Response::new(Body::from(bytes));
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json;charset=UTF-8"),
    );
    for (k, v) in headers {
        if let Ok(v) = HeaderValue::from_str(v) {
            resp.headers_mut().insert(*k, v);
        }
    }
    resp
}

fn success(data: Value) -> Response {
    respond(
        StatusCode::OK,
        &json!({"status": "success", "message": "", "http_code": 200, "data": data, "metadata": {}}),
        &[],
    )
}

/// A v2 error envelope; with `always_ok` it comes with HTTP 200.
pub(super) fn envelope_error(
    status: StatusCode,
    code: u64,
    message: &str,
    developer: &str,
    always_ok: bool,
) -> Response {
    let body = json!({
        "status": "error",
        "message": message,
        "data": {"type": "error_data", "code": code, "developer_message": developer, "more_info": ""},
        "http_code": status.as_u16(),
        "metadata": {},
    });
    let headers: Vec<(&'static str, String)> = if status == StatusCode::TOO_MANY_REQUESTS {
        vec![("retry-after", "0".into())]
    } else {
        Vec::new()
    };
    respond(
        if always_ok { StatusCode::OK } else { status },
        &body,
        &headers,
    )
}

fn too_many(wait: u64) -> Response {
    let mut r = envelope_error(
        StatusCode::TOO_MANY_REQUESTS,
        429,
        "Too Many Requests",
        "the request rate of this client is over the limit",
        false,
    );
    if let Ok(v) = HeaderValue::from_str(&wait.to_string()) {
        r.headers_mut().insert(header::RETRY_AFTER, v);
    }
    r
}

/// An error a handler returns, before it is written as an envelope.
#[derive(Debug)]
pub(super) struct ApiError {
    pub status: StatusCode,
    pub code: u64,
    pub message: String,
    pub developer: String,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code: u64::from(status.as_u16()),
            message: message.into(),
            developer: String::new(),
        }
    }
    pub fn not_found(what: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, what)
    }
    pub fn forbidden(what: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, what)
    }
    pub fn invalid(what: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, what)
    }
    pub fn signed_out() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "You must be signed in to do that.",
        )
    }
}

impl From<rusqlite::Error> for ApiError {
    fn from(e: rusqlite::Error) -> ApiError {
        ApiError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            code: 500,
            message: "An unexpected error occurred.".into(),
            developer: format!("sandbox database: {e}"),
        }
    }
}

impl From<liql::LiqlError> for ApiError {
    fn from(e: liql::LiqlError) -> ApiError {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            code: 601,
            message: "Invalid query syntax".into(),
            developer: e.message,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Requests

/// `a=1&b=two+words` → pairs, percent-decoded.
pub(super) fn form_pairs(s: &str) -> Vec<(String, String)> {
    s.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(&k.replace('+', " ")), decode(&v.replace('+', " ")))
        })
        .collect()
}

/// Percent-decoding; a malformed escape stays as it is.
pub(super) fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
            if let Ok(b) = u8::from_str_radix(hex, 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

struct Incoming {
    method: Method,
    path: String,
    query: Vec<(String, String)>,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Incoming {
    fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

async fn dispatch(State(state): State<Arc<AppState>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let method = parts.method.clone();
    let path = parts.uri.path().to_string();
    if let Some(resp) = state.faults.take() {
        state.record(&method, &path, resp.status().as_u16());
        return resp;
    }
    if !state.admit() {
        state.record(&method, &path, 429);
        return too_many(0);
    }
    let body = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(b) => b.to_vec(),
        Err(_) => {
            return envelope_error(
                StatusCode::PAYLOAD_TOO_LARGE,
                413,
                "The request is too large.",
                "",
                false,
            )
        }
    };
    let incoming = Incoming {
        method: method.clone(),
        path: path.clone(),
        query: form_pairs(parts.uri.query().unwrap_or("")),
        headers: parts.headers,
        body,
    };
    let st = state.clone();
    let resp = tokio::task::spawn_blocking(move || handle(&st, incoming))
        .await
        .unwrap_or_else(|_| {
            envelope_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                500,
                "An unexpected error occurred.",
                "handler failed",
                false,
            )
        });
    state.record(&method, &path, resp.status().as_u16());
    resp
}

/// `http://host:port` as the client addressed us.
fn base_of(req: &Incoming) -> String {
    format!("http://{}", req.header("host").unwrap_or("127.0.0.1"))
}

fn handle(state: &AppState, req: Incoming) -> Response {
    let always_ok = state.faults.get().always_ok || req.param("api.always_ok") == Some("true");
    let path = req.path.trim_end_matches('/').to_string();
    if path.starts_with("/care/") || path == "/care" {
        return care::handle(
            state,
            &req.method,
            &path,
            req.header("authorization"),
            &base_of(&req),
        );
    }
    if path == "/restapi/vc/authentication/sessions/login" {
        return sign_in(state, &req);
    }
    if !path.starts_with("/api/2.0/") {
        return envelope_error(
            StatusCode::NOT_FOUND,
            404,
            "The requested resource was not found.",
            &path,
            always_ok,
        );
    }
    let db = state.db.lock().unwrap_or_else(|e| e.into_inner());
    let result = (|| -> Result<Value, ApiError> {
        let viewer = authenticate(state, &db, &req)?;
        let base = base_of(&req);
        let ctx = Ctx {
            conn: &db,
            base: &base,
            viewer,
        };
        let segs: Vec<&str> = path["/api/2.0/".len()..].split('/').collect();
        match (req.method.clone(), segs.as_slice()) {
            (Method::GET, ["search"]) => {
                let q = req.param("q").ok_or_else(|| {
                    ApiError::invalid("The q parameter (a LiQL query) is required.")
                })?;
                let parsed = liql::parse(q)?;
                let schema = query::validate(&parsed)?;
                let rows = store::rows(&ctx, &parsed)?;
                Ok(query::run(schema, &parsed, rows)?)
            }
            (Method::POST, ["messages"]) => writes::create_message(
                &ctx,
                viewer.ok_or_else(ApiError::signed_out)?,
                &json_body(&req)?,
            ),
            (Method::POST, ["solutions_data"]) => writes::accept_solution(
                &ctx,
                viewer.ok_or_else(ApiError::signed_out)?,
                &json_body(&req)?,
            ),
            (Method::POST, ["messages", id, "kudos"]) => {
                writes::give_kudo(&ctx, viewer.ok_or_else(ApiError::signed_out)?, id)
            }
            (Method::DELETE, ["messages", id, "kudos"]) => {
                writes::remove_kudo(&ctx, viewer.ok_or_else(ApiError::signed_out)?, id)
            }
            _ => Err(ApiError::not_found(format!(
                "The requested resource was not found: {} {path}",
                req.method
            ))),
        }
    })();
    match result {
        Ok(data) => success(data),
        Err(e) => envelope_error(e.status, e.code, &e.message, &e.developer, always_ok),
    }
}

fn json_body(req: &Incoming) -> Result<Value, ApiError> {
    serde_json::from_slice::<Value>(&req.body)
        .ok()
        .filter(Value::is_object)
        .ok_or_else(|| {
            ApiError::invalid("The request body must be a JSON object with a data member.")
        })
}

/// Who is asking: a session key, a bearer token, or nobody (anonymous reads).
fn authenticate(
    state: &AppState,
    db: &Connection,
    req: &Incoming,
) -> Result<Option<Viewer>, ApiError> {
    if let Some(key) = req.header("li-api-session-key") {
        let user = state.session_user(key.trim()).ok_or_else(|| ApiError {
            status: StatusCode::UNAUTHORIZED,
            code: 301,
            message: "Invalid session key.".into(),
            developer: "the session key is unknown or expired (30 minutes idle)".into(),
        })?;
        return Ok(store::viewer(db, user)?);
    }
    if let Some(auth) = req.header("authorization") {
        let token = auth
            .strip_prefix("Bearer ")
            .map(str::trim)
            .ok_or_else(|| ApiError::new(StatusCode::UNAUTHORIZED, "Unsupported authorization."))?;
        let user: Option<i64> = db
            .query_row(
                "SELECT user_id FROM oauth_tokens WHERE token = ?1",
                [token],
                |r| r.get(0),
            )
            .ok();
        let user = user.ok_or_else(|| {
            ApiError::new(StatusCode::UNAUTHORIZED, "The access token is not valid.")
        })?;
        return Ok(store::viewer(db, user)?);
    }
    Ok(None)
}

/// `POST /restapi/vc/authentication/sessions/login` (reference §1.2): the v1 envelope, in
/// JSON when `restapi.response_format=json`, else XML.
fn sign_in(state: &AppState, req: &Incoming) -> Response {
    let mut params = req.query.clone();
    params.extend(form_pairs(&String::from_utf8_lossy(&req.body)));
    let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let json_format = get("restapi.response_format").as_deref() == Some("json");
    let v1 = |ok: bool, text: &str, code: u64| -> Response {
        if json_format {
            let body = if ok {
                json!({"response": {"status": "success", "value": {"type": "string", "$": text}}})
            } else {
                json!({"response": {"status": "error", "error": {"code": code, "message": text}}})
            };
            respond(StatusCode::OK, &body, &[])
        } else {
            let xml = if ok {
                format!(
                    "<response status=\"success\"><value type=\"string\">{text}</value></response>"
                )
            } else {
                format!(
                    "<response status=\"error\"><error code=\"{code}\"><message>{text}</message></error></response>"
                )
            };
            let mut resp = Response::new(Body::from(xml));
            resp.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/xml;charset=UTF-8"),
            );
            resp
        }
    };
    if req.method != Method::POST {
        return v1(false, "The sign-in takes a POST.", 100);
    }
    let (Some(login), Some(password)) = (get("user.login"), get("user.password")) else {
        return v1(false, "user.login and user.password are required.", 303);
    };
    let db = state.db.lock().unwrap_or_else(|e| e.into_inner());
    let user = store::user_by_login(&db, login.trim()).ok().flatten();
    drop(db);
    match user {
        Some(id) if password == state.password => v1(true, &state.new_key(id), 0),
        _ => v1(false, "User authentication failed.", 303),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_decoding() {
        assert_eq!(
            form_pairs("q=SELECT+id+FROM+users&x=%27a%27&empty=&bad=%zz&end=%4"),
            vec![
                ("q".into(), "SELECT id FROM users".into()),
                ("x".into(), "'a'".into()),
                ("empty".into(), "".into()),
                ("bad".into(), "%zz".into()),
                ("end".into(), "%4".into()),
            ]
        );
        assert_eq!(decode("%E2%9C%93"), "✓");
    }
}
