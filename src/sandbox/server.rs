//! The HTTP side: a listener whose connections can be cut (for the `drop` and `lose_reply`
//! faults), one axum fallback handler that records the request (`request_log`), applies
//! faults, authenticates, rate-limits (`limits`), and routes each request to a handler running
//! inside one SQLite transaction.

use std::collections::HashMap;
use std::io;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Instant;

use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::Response;
use axum::serve::{IncomingStream, Listener};
use axum::Router;
use rusqlite::{Connection, Transaction};
use serde_json::{json, Value};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

use super::bus::{Audience, Bus, Viewer};
use super::chaos::{FaultHandle, Faults, Outcome};
use super::guardian::Guardian;
use super::limits::{Limits, Refusal};
use super::params::{decode_path_segment, Params};
use super::presence::PresenceStore;
use super::request_log::{Entry, KeyKind, RequestLog};
use super::store;

const MAX_BODY: usize = 4 * 1024 * 1024;

pub(crate) struct AppState {
    db: Mutex<Connection>,
    api_key: String,
    /// The admin, user-key and per-IP limits.
    pub(crate) limits: Limits,
    /// Every request answered (see `request_log`).
    pub(crate) requests: Arc<RequestLog>,
    pub(crate) faults: FaultHandle,
    /// The 120-second memo of API post creates: key → (when, response).
    pub(crate) memo: Mutex<HashMap<String, (Instant, Value)>>,
    /// The message bus (memory only).
    pub(crate) bus: Bus,
    /// Who is present where (memory only).
    pub(crate) presence: PresenceStore,
    /// Counter of simulated activity events (titles, client ids).
    pub(crate) activity_seq: std::sync::atomic::AtomicU64,
    /// The demo community's seed (simulated activity derives its choices from it).
    pub(crate) seed: u64,
    /// Topics created per category in the last day/week/month/year (`counts.rs`).
    pub(crate) category_windows: super::counts::WindowCache,
}

impl AppState {
    /// The first live user API key of `username`, read from the database.
    pub(crate) fn user_api_key_of(&self, username: &str) -> Option<String> {
        use rusqlite::OptionalExtension;
        let conn = self.db.lock().unwrap_or_else(|e| e.into_inner());
        conn.query_row(
            "SELECT k.key FROM user_api_keys k JOIN users u ON u.id = k.user_id \
             WHERE u.username = ?1 COLLATE NOCASE AND k.revoked_at IS NULL ORDER BY k.created_at LIMIT 1",
            [username],
            |r| r.get(0),
        )
        .optional()
        .ok()
        .flatten()
    }

    pub(crate) fn new(
        conn: Connection,
        api_key: String,
        limits: Limits,
        requests: Arc<RequestLog>,
        seed: u64,
        long_poll_ms: u64,
        presence_timeout_ms: u64,
    ) -> AppState {
        AppState {
            db: Mutex::new(conn),
            api_key,
            limits,
            requests,
            faults: FaultHandle::default(),
            memo: Mutex::new(HashMap::new()),
            bus: Bus::new(long_poll_ms),
            presence: PresenceStore::new(presence_timeout_ms),
            activity_seq: std::sync::atomic::AtomicU64::new(0),
            seed,
            category_windows: Default::default(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Listener with killable connections

pub(crate) struct KillListener(TcpListener);

pub(crate) struct KillableStream {
    inner: TcpStream,
    killed: Arc<AtomicBool>,
}

/// Per-connection handle, given to handlers through `ConnectInfo`: the kill switch and the
/// peer's address (for the per-IP limits).
#[derive(Clone)]
pub(crate) struct ConnHandle(Arc<AtomicBool>, IpAddr);

impl ConnHandle {
    fn kill(&self) {
        self.0.store(true, Ordering::SeqCst);
    }
    fn killed(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
    fn ip(&self) -> IpAddr {
        self.1
    }
}

impl Listener for KillListener {
    type Io = KillableStream;
    type Addr = std::net::SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            match self.0.accept().await {
                Ok((inner, addr)) => {
                    let _ = inner.set_nodelay(true);
                    return (
                        KillableStream {
                            inner,
                            killed: Arc::new(AtomicBool::new(false)),
                        },
                        addr,
                    );
                }
                Err(_) => tokio::time::sleep(std::time::Duration::from_millis(20)).await,
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.0.local_addr()
    }
}

impl axum::extract::connect_info::Connected<IncomingStream<'_, KillListener>> for ConnHandle {
    fn connect_info(stream: IncomingStream<'_, KillListener>) -> Self {
        ConnHandle(stream.io().killed.clone(), stream.remote_addr().ip())
    }
}

fn aborted() -> io::Error {
    io::Error::new(
        io::ErrorKind::ConnectionAborted,
        "connection dropped by fault injection",
    )
}

impl AsyncRead for KillableStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.killed.load(Ordering::SeqCst) {
            return Poll::Ready(Err(aborted()));
        }
        Pin::new(&mut this.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for KillableStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.killed.load(Ordering::SeqCst) {
            return Poll::Ready(Err(aborted()));
        }
        Pin::new(&mut this.inner).poll_write(cx, buf)
    }
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.killed.load(Ordering::SeqCst) {
            return Poll::Ready(Err(aborted()));
        }
        Pin::new(&mut this.inner).poll_flush(cx)
    }
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

pub(crate) async fn serve(
    listener: TcpListener,
    state: Arc<AppState>,
    stop: tokio::sync::oneshot::Receiver<()>,
) {
    let app = Router::new().fallback(dispatch).with_state(state);
    let _ = axum::serve(
        KillListener(listener),
        app.into_make_service_with_connect_info::<ConnHandle>(),
    )
    .with_graceful_shutdown(async move {
        let _ = stop.await;
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// Errors and replies

/// An error reply: status, JSON body, extra headers.
#[derive(Debug)]
pub(crate) struct ApiError {
    pub status: StatusCode,
    pub body: Value,
    pub headers: Vec<(&'static str, String)>,
}

pub(crate) const INVALID_ACCESS: &str = "You are not permitted to view the requested resource.";
pub(crate) const INVALID_API: &str =
    "You are not permitted to view the requested resource. The API username or key is invalid.";
pub(crate) const NOT_FOUND: &str = "The requested URL or resource could not be found.";

impl ApiError {
    pub(crate) fn new(status: StatusCode, body: Value) -> ApiError {
        ApiError {
            status,
            body,
            headers: Vec::new(),
        }
    }
    pub(crate) fn not_found() -> ApiError {
        ApiError::new(
            StatusCode::NOT_FOUND,
            json!({"errors": [NOT_FOUND], "error_type": "not_found"}),
        )
    }
    pub(crate) fn invalid_access() -> ApiError {
        ApiError::new(
            StatusCode::FORBIDDEN,
            json!({"errors": [INVALID_ACCESS], "error_type": "invalid_access"}),
        )
    }
    pub(crate) fn invalid_api_credentials() -> ApiError {
        ApiError::new(
            StatusCode::FORBIDDEN,
            json!({"errors": [INVALID_API], "error_type": "invalid_access"}),
        )
    }
    pub(crate) fn not_logged_in() -> ApiError {
        ApiError::new(
            StatusCode::FORBIDDEN,
            json!({"errors": ["You need to be logged in to do that."], "error_type": "not_logged_in"}),
        )
    }
    /// `ActionController::ParameterMissing`.
    pub(crate) fn param_missing(name: &str) -> ApiError {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            json!({"errors": [format!("param is missing or the value is empty or invalid: {name}")]}),
        )
    }
    /// `Discourse::InvalidParameters`.
    pub(crate) fn invalid_params(name: &str) -> ApiError {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            json!({"errors": [format!("You supplied invalid parameters to the request: {name}")],
                   "error_type": "invalid_parameters"}),
        )
    }
    pub(crate) fn unprocessable(errors: &[&str]) -> ApiError {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({ "errors": errors }),
        )
    }
    pub(crate) fn rate_limited(wait: u64, code: &str) -> ApiError {
        ApiError {
            status: StatusCode::TOO_MANY_REQUESTS,
            body: json!({
                "errors": [format!("You’ve performed this action too many times. Please wait {wait} seconds before trying again.")],
                "error_type": "rate_limit",
                "extras": {"wait_seconds": wait, "time_left": format!("{wait} seconds")}
            }),
            headers: vec![
                ("retry-after", wait.to_string()),
                ("discourse-rate-limit-error-code", code.to_string()),
            ],
        }
    }
    pub(crate) fn internal(msg: impl std::fmt::Display) -> ApiError {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            json!({"errors": [format!("Internal sandbox error: {msg}")], "error_type": "server_error"}),
        )
    }
}

impl From<rusqlite::Error> for ApiError {
    fn from(e: rusqlite::Error) -> Self {
        ApiError::internal(e)
    }
}

pub(crate) type ApiResult = Result<Value, ApiError>;

fn json_response(status: StatusCode, body: &Value, headers: &[(&'static str, String)]) -> Response {
    let bytes = serde_json::to_vec(body).unwrap_or_else(|_| b"{}".to_vec());
    let mut resp = Response::new(Body::from(bytes));
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    for (k, v) in headers {
        if let Ok(v) = HeaderValue::from_str(v) {
            resp.headers_mut().insert(*k, v);
        }
    }
    resp
}

fn error_response(e: ApiError) -> Response {
    json_response(e.status, &e.body, &e.headers)
}

fn text_response(status: StatusCode, text: String, headers: &[(&'static str, String)]) -> Response {
    let mut resp = Response::new(Body::from(text));
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    for (k, v) in headers {
        if let Ok(v) = HeaderValue::from_str(v) {
            resp.headers_mut().insert(*k, v);
        }
    }
    resp
}

/// The per-IP limiter's answer (`Middleware::RequestTracker`): plain text, not JSON.
fn ip_limited(r: &Refusal) -> Response {
    text_response(
        StatusCode::TOO_MANY_REQUESTS,
        format!(
            "Slow down, too many requests from this IP address.\nPlease retry again in {} seconds.\nError code: {}.\n",
            r.wait, r.code
        ),
        &[
            ("retry-after", r.wait.to_string()),
            ("discourse-rate-limit-error-code", r.code.to_string()),
        ],
    )
}

// ---------------------------------------------------------------------------------------------
// The request context handlers see

pub(crate) struct Ctx<'a> {
    pub tx: &'a Transaction<'a>,
    pub g: Guardian,
    pub params: Params,
    pub method: Method,
    /// Path segments, percent-decoded, with a trailing `.json` removed from the last one.
    pub segs: Vec<String>,
    /// The path as requested (for building URLs).
    pub path: String,
    /// `http://host:port` as the client addressed us.
    pub base_url: String,
    pub state: &'a AppState,
    /// The request came with the admin ("all users") API key.
    pub admin_key: bool,
    /// The `User-Api-Key` it came with (a key revokes itself with it).
    pub user_api_key: Option<String>,
    /// Bus messages to publish once the transaction has committed.
    pub outbox: std::cell::RefCell<Vec<(String, Value, Audience)>>,
}

impl Ctx<'_> {
    /// Queues a bus message; it is sent only if the request's transaction commits.
    pub(crate) fn publish(&self, channel: &str, data: Value, audience: Audience) {
        self.outbox
            .borrow_mut()
            .push((channel.to_string(), data, audience));
    }
    pub(crate) fn now(&self) -> i64 {
        self.g.now
    }
    pub(crate) fn require_user(&self) -> Result<&store::UserRow, ApiError> {
        self.g.user.as_ref().ok_or_else(ApiError::not_logged_in)
    }
    /// An integer parameter; `Err` (400 invalid_parameters) when present but not a number.
    pub(crate) fn int_param(&self, name: &str) -> Result<Option<i64>, ApiError> {
        match self.params.get_nonblank(name) {
            None => Ok(None),
            Some(v) => v
                .parse::<i64>()
                .map(Some)
                .map_err(|_| ApiError::invalid_params(name)),
        }
    }
    pub(crate) fn bool_param(&self, name: &str) -> bool {
        matches!(
            self.params.get(name).map(str::trim),
            Some("true" | "1" | "yes" | "t")
        )
    }
}

enum Auth {
    Anonymous,
    AdminKey,
    UserKey(String),
}

// ---------------------------------------------------------------------------------------------
// Dispatch

/// Records every request (see `request_log`) around [`answer`]. A connection cut by a fault
/// is recorded with status 0.
async fn dispatch(
    State(state): State<Arc<AppState>>,
    ConnectInfo(conn): ConnectInfo<ConnHandle>,
    req: Request,
) -> Response {
    let headers = req.headers();
    let key = if header_str(headers, "api-key").is_some() {
        KeyKind::Admin
    } else if header_str(headers, "user-api-key").is_some() {
        KeyKind::User
    } else {
        KeyKind::None
    };
    let user = match key {
        KeyKind::Admin => header_str(headers, "api-username"),
        _ => None,
    };
    let mut entry = Entry::begin(
        state.requests.clone(),
        req.method().as_str(),
        req.uri().path(),
        req.uri().query().unwrap_or(""),
        user,
        key,
    );
    let resp = answer(state, &conn, req, &mut entry).await;
    entry.finish(if conn.killed() {
        0
    } else {
        resp.status().as_u16()
    });
    resp
}

async fn answer(
    state: Arc<AppState>,
    conn: &ConnHandle,
    req: Request,
    entry: &mut Entry,
) -> Response {
    let (parts, body) = req.into_parts();
    let method = parts.method.clone();
    let path = parts.uri.path().to_string();
    let query = parts.uri.query().unwrap_or("").to_string();
    let headers = parts.headers;
    let is_sandbox_admin = path.starts_with("/sandbox/");
    let is_bus_poll = is_bus_poll_path(&path);
    // A poll changes nothing, so it cannot lose a write's reply (`drop_rate` covers it).
    let is_write = !is_bus_poll
        && matches!(
            method,
            Method::POST | Method::PUT | Method::PATCH | Method::DELETE
        );
    let mut lose_reply = false;

    // Faults first (never on the faults endpoint itself).
    if !is_sandbox_admin {
        let (delay, outcome) = state.faults.decide(&path, is_write);
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        match outcome {
            Outcome::Pass => {}
            Outcome::LoseReply => lose_reply = true,
            Outcome::RateLimit(wait) => {
                entry.set_fault("rate_limit");
                return error_response(ApiError::rate_limited(wait, "sandbox_fault"));
            }
            Outcome::Drop => {
                entry.set_fault("drop");
                conn.kill();
                return error_response(ApiError::internal("dropped"));
            }
            Outcome::Error(status) => {
                entry.set_fault("error");
                let status =
                    StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                let mut resp = Response::new(Body::from(format!(
                    "<html><body><h1>{} {}</h1><p>Injected by the modterm sandbox.</p></body></html>",
                    status.as_u16(),
                    status.canonical_reason().unwrap_or("Error")
                )));
                *resp.status_mut() = status;
                resp.headers_mut().insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/html; charset=utf-8"),
                );
                return resp;
            }
            Outcome::Malformed => {
                entry.set_fault("malformed");
                let mut resp = Response::new(Body::from(
                    "{\"topic_list\":{\"topics\":[{\"id\":1,\"title\":\"trunc",
                ));
                resp.headers_mut().insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json; charset=utf-8"),
                );
                return resp;
            }
        }
    }

    // Authentication header shape and the admin bucket.
    let auth = match authenticate_headers(&state, &headers) {
        Ok(a) => a,
        // A bad key does not fail a poll: it continues as anonymous.
        Err(_) if is_bus_poll => Auth::Anonymous,
        Err(e) => return error_response(e),
    };
    if !is_sandbox_admin {
        match auth {
            Auth::AdminKey => {
                if let Err(r) = state.limits.admin(Instant::now()) {
                    return error_response(ApiError::rate_limited(r.wait, r.code));
                }
            }
            Auth::Anonymous => {
                if let Err(r) = state.limits.ip(conn.ip(), Instant::now()) {
                    return ip_limited(&r);
                }
            }
            // Charged once the key is known to be valid (`handle_traced`, `bus_poll`).
            Auth::UserKey(_) => {}
        }
    }

    let body = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(b) => b,
        Err(_) => {
            return error_response(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                json!({"errors": ["The request body is too large."]}),
            ))
        }
    };
    let mut params = Params::default();
    params.add_urlencoded(&query);
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    if let Err(msg) = params.add_body(content_type.as_deref(), &body) {
        return error_response(ApiError::new(
            StatusCode::BAD_REQUEST,
            json!({ "errors": [msg] }),
        ));
    }

    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("127.0.0.1")
        .to_string();
    let req = Incoming {
        method,
        path,
        params,
        auth,
        api_username: header_str(&headers, "api-username"),
        api_user_id: header_str(&headers, "api-user-id"),
        base_url: format!("http://{host}"),
    };
    if is_bus_poll {
        return bus_poll(state, req, entry).await;
    }
    let page = super::user_api_keys::is_page(&req.method, &req.path);
    let st = state.clone();
    let result = tokio::task::spawn_blocking(move || {
        let mut who = None;
        let out = handle_traced(&st, req, &mut who);
        (out, who)
    })
    .await;
    let resp = match result {
        Ok((out, who)) => {
            entry.set_user(who);
            match out {
                // The approval pages answer in HTML.
                out if page => super::user_api_keys::page_response(out),
                Ok((status, value)) => json_response(status, &value, &[]),
                Err(e) => error_response(e),
            }
        }
        Err(e) => error_response(ApiError::internal(e)),
    };
    if lose_reply {
        // Done and committed; now the reply is lost with the connection.
        entry.set_fault("lose_reply");
        conn.kill();
    }
    resp
}

fn header_str(h: &HeaderMap, name: &str) -> Option<String> {
    h.get(name)
        .and_then(|v| v.to_str().ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

fn authenticate_headers(state: &AppState, h: &HeaderMap) -> Result<Auth, ApiError> {
    if let Some(key) = header_str(h, "api-key") {
        if key != state.api_key {
            return Err(ApiError::invalid_api_credentials());
        }
        return Ok(Auth::AdminKey);
    }
    if let Some(key) = header_str(h, "user-api-key") {
        return Ok(Auth::UserKey(key));
    }
    Ok(Auth::Anonymous)
}

fn is_bus_poll_path(path: &str) -> bool {
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    matches!(segs.as_slice(), ["message-bus", _, "poll"])
}

/// `POST /message-bus/{client_id}/poll`: users resolve as for REST, but a bad key or user
/// polls as anonymous. Always a plain JSON answer (no chunked streaming).
///
/// A poll with a valid user API key is charged to the key's limits: Discourse resolves the
/// poll's user through the same current-user provider as REST (`004-message_bus.rb`), whose
/// limiter raises `LimitExceeded`, which the bus middleware answers 429 with `Retry-After`
/// and the message as plain text (`on_middleware_error`).
async fn bus_poll(state: Arc<AppState>, req: Incoming, entry: &mut Entry) -> Response {
    let long_poll = !matches!(req.params.get("dlp"), Some("t" | "true"));
    let positions = super::bus::positions(req.params.pairs());
    let st = state.clone();
    let resolved = tokio::task::spawn_blocking(move || {
        let conn = st.db.lock().unwrap_or_else(|e| e.into_inner());
        let user = resolve_user(&conn, &req, store::now_ms()).ok().flatten();
        if let (Some(_), Auth::UserKey(key)) = (&user, &req.auth) {
            st.limits.user_key(key, Instant::now())?;
        }
        Ok::<_, Refusal>(user)
    })
    .await
    .unwrap_or(Ok(None));
    let user = match resolved {
        Ok(u) => u,
        Err(r) => {
            let e = ApiError::rate_limited(r.wait, r.code);
            let text = e.body["errors"][0].as_str().unwrap_or("").to_string();
            return text_response(
                StatusCode::TOO_MANY_REQUESTS,
                text,
                &[("retry-after", r.wait.to_string())],
            );
        }
    };
    entry.set_user(user.as_ref().map(|u| u.username.clone()));
    let viewer = user.map(|u| Viewer {
        id: u.id,
        admin: u.admin,
        staff: u.staff(),
    });
    let out = state.bus.poll(positions, viewer, long_poll).await;
    json_response(
        StatusCode::OK,
        &Value::Array(out),
        &[(
            "cache-control",
            "must-revalidate, private, max-age=0".into(),
        )],
    )
}

pub(crate) struct Incoming {
    method: Method,
    path: String,
    params: Params,
    auth: Auth,
    api_username: Option<String>,
    api_user_id: Option<String>,
    base_url: String,
}

impl Incoming {
    /// A request made by the sandbox itself (simulated activity) as `username` with the admin
    /// key.
    pub(crate) fn internal(method: Method, path: &str, username: &str, params: Params) -> Incoming {
        Incoming {
            method,
            path: path.to_string(),
            params,
            auth: Auth::AdminKey,
            api_username: Some(username.to_string()),
            api_user_id: None,
            base_url: "http://127.0.0.1".into(),
        }
    }
}

/// The account a request acts as; `Err` for a bad user or key.
fn resolve_user(
    tx: &Connection,
    req: &Incoming,
    now: i64,
) -> Result<Option<store::UserRow>, ApiError> {
    Ok(match &req.auth {
        Auth::Anonymous => None,
        Auth::AdminKey => {
            let u = if let Some(name) = &req.api_username {
                store::user_by_username(tx, name)?
            } else if let Some(id) = req
                .api_user_id
                .as_deref()
                .and_then(|s| s.parse::<i64>().ok())
            {
                store::user_by_id(tx, id)?
            } else {
                None
            };
            match u {
                Some(u) if u.active && !u.suspended(now) => Some(u),
                _ => return Err(ApiError::invalid_api_credentials()),
            }
        }
        // The key must be live and its scopes allow the request.
        Auth::UserKey(key) => Some(super::user_api_keys::user_of_key(
            tx,
            key,
            &req.method,
            &req.path,
            now,
        )?),
    })
}

pub(crate) fn handle_blocking(
    state: &AppState,
    req: Incoming,
) -> Result<(StatusCode, Value), ApiError> {
    handle_traced(state, req, &mut None)
}

/// [`handle_blocking`], telling `who` the username the request acted as (for the request log).
fn handle_traced(
    state: &AppState,
    req: Incoming,
    who: &mut Option<String>,
) -> Result<(StatusCode, Value), ApiError> {
    let mut conn = state.db.lock().unwrap_or_else(|e| e.into_inner());
    let tx = conn.transaction()?;
    let now = store::now_ms();
    let user = resolve_user(&tx, &req, now)?;
    *who = user.as_ref().map(|u| u.username.clone());
    // A valid user API key is charged to its own limits (an invalid one was refused above).
    if let (Some(_), Auth::UserKey(key)) = (&user, &req.auth) {
        state
            .limits
            .user_key(key, Instant::now())
            .map_err(|r| ApiError::rate_limited(r.wait, r.code))?;
    }
    let mut segs: Vec<String> = req
        .path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(decode_path_segment)
        .collect();
    if let Some(last) = segs.last_mut() {
        if let Some(stripped) = last.strip_suffix(".json") {
            *last = stripped.to_string();
        }
    }
    let admin_key = matches!(req.auth, Auth::AdminKey);
    let user_api_key = match &req.auth {
        Auth::UserKey(key) => Some(key.clone()),
        _ => None,
    };
    let ctx = Ctx {
        tx: &tx,
        g: Guardian { user, now },
        params: req.params,
        method: req.method,
        segs,
        path: req.path,
        base_url: req.base_url,
        state,
        admin_key,
        user_api_key,
        outbox: Default::default(),
    };
    let out = route(&ctx);
    let outbox = ctx.outbox.take();
    drop(ctx);
    match out {
        Ok(v) => {
            tx.commit()?;
            // Still under the database lock, so bus order follows commit order.
            for (channel, data, audience) in outbox {
                state.bus.publish(&channel, data, audience);
            }
            Ok((StatusCode::OK, v))
        }
        Err(e) => Err(e), // the transaction rolls back on drop
    }
}

fn route(ctx: &Ctx<'_>) -> ApiResult {
    use super::{
        about, activity, badges, edits, flags, lists, live, misc, presence, review, review_actions,
        search, topics, user_api_keys, users, writes,
    };
    let segs: Vec<&str> = ctx.segs.iter().map(String::as_str).collect();
    let get = ctx.method == Method::GET || ctx.method == Method::HEAD;
    let post = ctx.method == Method::POST;
    let put = ctx.method == Method::PUT;
    let delete = ctx.method == Method::DELETE;
    match segs.as_slice() {
        ["sandbox", "faults"] if get => faults_get(ctx),
        ["sandbox", "faults"] if put || post => faults_put(ctx),
        ["sandbox", "user-api-keys"] if post => issue_user_api_key(ctx),
        ["sandbox", "live"] if get => require_admin(ctx).and_then(|_| live::settings_get(ctx)),
        ["sandbox", "live"] if put || post => {
            require_admin(ctx).and_then(|_| live::settings_put(ctx))
        }
        ["sandbox", "activity"] if post => require_admin(ctx).and_then(|_| activity::trigger(ctx)),

        ["presence", "get"] if get => presence::get(ctx),
        ["presence", "update"] if post => presence::update(ctx),

        ["user-api-key", "new"] if get => user_api_keys::new_page(ctx),
        ["user-api-key"] if post => user_api_keys::create(ctx),
        ["user-api-key", "revoke"] if post => user_api_keys::revoke(ctx),

        ["session", "current"] if get => users::session_current(ctx),
        ["site"] if get => misc::site(ctx),
        ["categories"] if get => misc::categories(ctx),
        ["latest"] if get => lists::latest(ctx, None),
        ["c", rest @ ..] if get => lists::category_latest(ctx, rest),
        ["filter"] if get => lists::filter(ctx),
        ["topics", "private-messages", username] if get => {
            lists::private_messages(ctx, username, false)
        }
        ["topics", "private-messages-sent", username] if get => {
            lists::private_messages(ctx, username, true)
        }

        ["t", a, "posts"] if get => topics::topic_posts(ctx, a),
        ["t", a, "move-posts"] if post => writes::move_posts(ctx, a),
        ["t", a] if get => topics::show(ctx, None, a, None),
        ["t", a, b] if get => {
            if a.parse::<i64>().is_ok() && b.parse::<i64>().is_ok() {
                topics::show(ctx, None, a, Some(b))
            } else {
                topics::show(ctx, Some(a), b, None)
            }
        }
        ["t", slug, id, n] if get => topics::show(ctx, Some(slug), id, Some(n)),
        ["t", a, "status"] if put => writes::update_status(ctx, a),
        ["t", a] if put => writes::update_topic(ctx, a),
        ["t", _slug, id] if put => writes::update_topic(ctx, id),

        ["posts"] if post => writes::create_post(ctx),
        ["posts", id] if get => topics::single_post(ctx, id),
        ["posts", id] if put => edits::update(ctx, id),
        ["posts", id, "revisions", n] if get => edits::revision(ctx, id, n),
        ["post_actions"] if post => flags::create(ctx),
        ["post_actions", id] if delete => flags::destroy(ctx, id),
        ["post_action_users"] if get => flags::users(ctx),
        ["search"] if get => search::search(ctx),
        ["about"] if get => about::about(ctx),
        ["solution", "accept"] if post => writes::accept_solution(ctx),
        ["solution", "unaccept"] if post => writes::unaccept_solution(ctx),
        ["solution", "by_user"] if get => users::solved_by_user(ctx),

        ["badges"] if get => badges::catalogue(ctx),
        ["user-badges", username] if get => badges::user_badges(ctx, username),
        ["user_badges"] if post => badges::grant(ctx),

        ["u", username] if get => users::profile(ctx, username),
        ["users", username] if get => users::profile(ctx, username),
        ["u", username, "summary"] if get => users::summary(ctx, username),
        ["user_actions"] if get => users::user_actions(ctx),
        ["admin", "users", id] if get => users::admin_user(ctx, id),

        ["chat", "api", "channels"] if get => misc::chat_channels(ctx),
        ["chat", "api", "channels", id, "messages"] if get => misc::chat_messages(ctx, id),

        ["review"] if get => review::list(ctx),
        ["review", "count"] if get => review::count(ctx),
        ["review", "topics"] if get => review::topics(ctx),
        ["review", id] if get => review::show(ctx, id),
        ["review", id, "perform", action] if put => review_actions::perform(ctx, id, action),

        _ => Err(ApiError::not_found()),
    }
}

fn require_admin(ctx: &Ctx<'_>) -> Result<(), ApiError> {
    if !ctx.admin_key || !ctx.g.is_admin() {
        if ctx.g.user.is_none() {
            return Err(ApiError::not_logged_in());
        }
        return Err(ApiError::invalid_access());
    }
    Ok(())
}

/// `POST /sandbox/user-api-keys.json` (`username`): issues a `User-Api-Key` for any account,
/// so tests and demos can act as generated members without the browser flow.
fn issue_user_api_key(ctx: &Ctx<'_>) -> ApiResult {
    require_admin(ctx)?;
    let username = ctx
        .params
        .get_nonblank("username")
        .ok_or_else(|| ApiError::param_missing("username"))?;
    let user = store::user_by_username(ctx.tx, username)?.ok_or_else(ApiError::not_found)?;
    let issued: i64 = ctx
        .tx
        .query_row("SELECT COUNT(*) FROM user_api_keys", [], |r| r.get(0))?;
    let mut state =
        (ctx.now() as u64) ^ ((user.id as u64) << 32) ^ (issued as u64).wrapping_mul(0x9E37_79B9);
    let key = format!(
        "{:016x}{:016x}",
        super::seed::splitmix64(&mut state),
        super::seed::splitmix64(&mut state)
    );
    ctx.tx.execute(
        "INSERT INTO user_api_keys (key, user_id, application_name, created_at) VALUES (?1, ?2, ?3, ?4)",
        rusqlite::params![
            key,
            user.id,
            ctx.params.get_nonblank("application_name").unwrap_or("modterm sandbox"),
            ctx.now()
        ],
    )?;
    Ok(json!({"key": key, "user_id": user.id, "username": user.username}))
}

fn faults_get(ctx: &Ctx<'_>) -> ApiResult {
    require_admin(ctx)?;
    Ok(json!({ "faults": ctx.state.faults.get() }))
}

fn faults_put(ctx: &Ctx<'_>) -> ApiResult {
    require_admin(ctx)?;
    // Rebuild the JSON object from the flattened params so forms work too.
    let mut obj = serde_json::Map::new();
    for (k, v) in ctx.params.pairs() {
        let k = k
            .strip_prefix("faults[")
            .and_then(|k| k.strip_suffix(']'))
            .unwrap_or(k);
        let val = match k {
            "path_prefix" => {
                if v.is_empty() {
                    Value::Null
                } else {
                    Value::String(v.clone())
                }
            }
            "rate_limit" => Value::Bool(matches!(v.as_str(), "true" | "1")),
            "latency_ms" | "error_status" | "count" | "retry_after_seconds" => {
                match v.parse::<u64>() {
                    Ok(n) => json!(n),
                    Err(_) => return Err(ApiError::invalid_params(k)),
                }
            }
            "error_rate" | "drop_rate" | "malformed_rate" | "rate_limit_rate"
            | "lose_reply_rate" => match v.parse::<f64>() {
                Ok(n) if n.is_finite() => json!(n),
                _ => return Err(ApiError::invalid_params(k)),
            },
            _ => continue,
        };
        obj.insert(k.to_string(), val);
    }
    let faults: Faults = serde_json::from_value(Value::Object(obj))
        .map_err(|_| ApiError::invalid_params("faults"))?;
    ctx.state.faults.set(faults);
    Ok(json!({ "faults": ctx.state.faults.get() }))
}
