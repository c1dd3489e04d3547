//! The embedded community server: a Discourse-speaking sandbox over SQLite.
//!
//! It serves the subset of the Discourse REST API the console uses (see
//! `reference/discourse-api.md`), applies Discourse's permission rules for admins, moderators,
//! trust-level-4 leaders and members, seeds a deterministic demo community, and can inject
//! faults (latency, errors, rate limits, dropped connections, lost replies, malformed JSON) on
//! request. Every request is recorded (`request_log`), so tests can count what a flow cost.
//!
//! Layout: `server` (listener, dispatch, auth, routing), `params` (query/body decoding),
//! `store` (SQLite schema and row loaders), `schema` (its version and migrations), `seed`
//! (demo community), `rebase` (moving the demo's times to now), `guardian` (who may do what),
//! `chaos` (fault injection), `ratelimit` (a sliding window) with `limits` (Discourse's admin,
//! user-key and per-IP limits), `request_log` (every request, for tests and the log file),
//! `cook` with `sanitize` (markdown to safe HTML), `counts` (per-category counts kept by
//! triggers) and one module per area of the API (`lists`, `topics`, `writes`, `users`,
//! `badges`, `misc`), plus `fts` (the FTS5 search index) with `search` (`/search.json`),
//! `review` and `review_actions` (the review queue), `flags` (likes and flags), `edits` (post
//! edits and revisions) and `about` (`/about.json`).
//!
//! Nothing here shares wire types with the client adapter: the JSON is written from the
//! reference on its own.
//!
//! Sandbox-only endpoints (admin API key acting as an admin; never faulted, never
//! rate-limited, recorded in the request log flagged `sandbox_admin`):
//! - `GET /sandbox/faults.json` → `{"faults":{…}}`
//! - `PUT /sandbox/faults.json` with a JSON object (or form) of [`Faults`] fields, replacing the
//!   faults in force: `{"latency_ms":0,"error_rate":0.0,"error_status":503,"rate_limit":false,
//!   "rate_limit_rate":0.0,"retry_after_seconds":60,"drop_rate":0.0,"lose_reply_rate":0.0,
//!   "malformed_rate":0.0,"path_prefix":"/latest","count":3}` (every field optional; `{}` turns
//!   everything off) → `{"faults":{…}}`
//! - `POST /sandbox/user-api-keys.json` with `username` → `{"key":"…","user_id":N,"username":"…"}`
//! - `GET /sandbox/live.json` → `{"live":{"long_poll_ms":25000,"presence_timeout_ms":60000}}`;
//!   `PUT` the same fields (each optional) to change this sandbox's long-poll hold time and
//!   presence timeout at run time. The start values come from the environment variables
//!   `MODTERM_SANDBOX_LONG_POLL_MS` and `MODTERM_SANDBOX_PRESENCE_TIMEOUT_MS` (defaults 25 s,
//!   60 s), or [`Sandbox::set_long_poll`] / [`Sandbox::set_presence_timeout`].
//! - `POST /sandbox/activity.json` with `{"event":"new_topic"|"follow_up"|"reply"|"presence",
//!   "username":…,"topic_id":…}` → what it did: `{"event","username","user_id","topic_id",
//!   "post_id","post_number"}` (presence: `"channel","client_id"` instead of the post fields).
//!
//! The user API key flow (`user_api_keys`): the approval page `GET /user-api-key/new`, approval
//! with `POST /user-api-key` (the page's form) or `POST /user-api-key.json` (signed in as the
//! approving account) answering the encrypted payload, `POST /user-api-key/revoke`, and each
//! key's scopes (a `read` key cannot write: 403).
//!
//! Live updates (`bus`, `presence`, `live`, `activity`): `POST /message-bus/{client_id}/poll`,
//! `GET /presence/get`, `POST /presence/update`; writes publish on `/new`, `/latest`,
//! `/unread`, `/unread/{user_id}` and `/topic/{id}` after their transaction commits.

mod about;
mod activity;
mod badges;
mod bus;
mod chaos;
mod cook;
mod counts;
pub(crate) mod db_version;
mod edits;
mod flags;
mod fts;
mod guardian;
mod limits;
mod lists;
mod live;
mod misc;
mod params;
mod presence;
mod ratelimit;
mod rebase;
mod request_log;
mod review;
mod review_actions;
mod sanitize;
mod schema;
mod search;
mod seed;
mod server;
mod store;
mod topics;
mod user_api_keys;
mod users;
mod writes;

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub use chaos::{FaultHandle, Faults};
pub use request_log::{KeyKind, RequestRecord, RING_CAPACITY};
/// The database schema version this build writes (`PRAGMA user_version`).
pub use schema::VERSION as SCHEMA_VERSION;

/// How to start a sandbox.
#[derive(Debug, Clone)]
pub struct SandboxOptions {
    /// Where to listen; `127.0.0.1:0` picks any free port.
    pub addr: SocketAddr,
    /// The SQLite file; reopened if it exists, seeded when new or empty.
    pub db_path: PathBuf,
    /// The "all users" admin API key (`Api-Key` header).
    pub api_key: String,
    /// How many topics to seed (the CLI default is 2000).
    pub topics: usize,
    /// Seed of the deterministic demo community.
    pub seed: u64,
    /// The shared admin API bucket: `Some(60)` is Discourse's default; `None` turns it off.
    pub admin_rate_limit_per_minute: Option<u32>,
    /// Each user API key's limits: Discourse's defaults are 20 a minute and 2,880 a day;
    /// `None` turns one off.
    pub user_key_rate_limit_per_minute: Option<u32>,
    pub user_key_daily_limit: Option<u32>,
    /// Requests without a key, per IP: 200 a minute and 50 per 10 seconds.
    pub ip_rate_limit_per_minute: Option<u32>,
    pub ip_rate_limit_per_10_secs: Option<u32>,
    /// The length of a "minute" for every limit above (tests shorten it to run an hour of
    /// triage in seconds; the client's governor is shortened the same way).
    pub rate_window: std::time::Duration,
    /// On open, move every stored time forward by how long it has been since the data was
    /// last used (seeded, rebased, or its latest activity), so the demo looks live: the newest
    /// activity a minute or so ago and the unanswered topics with the seed's mix of waits.
    pub rebase_times: bool,
    /// Write one JSON line per request here (appended, file mode 0600): `ts`, `method`,
    /// `path`, `query` (without `api_key`/`api_username`), `user`, `key`
    /// (`"admin"|"user"|"none"`), `status` (0 = closed without an answer), `ms`,
    /// `sandbox_admin`, `fault` (see [`RequestRecord`]). The same records are kept in memory
    /// either way ([`Sandbox::requests`]).
    pub request_log: Option<PathBuf>,
    /// The database is disposable (the embedded demo's): when it is from an older modterm and
    /// cannot be migrated, it is seeded afresh and [`Sandbox::notice`] says so, instead of
    /// the start failing. A database from a newer modterm is refused either way.
    pub reseed_outdated: bool,
}

impl SandboxOptions {
    /// Discourse's defaults for everything, on `addr` with the database at `db_path`.
    pub fn new(addr: SocketAddr, db_path: PathBuf, api_key: String) -> SandboxOptions {
        SandboxOptions {
            addr,
            db_path,
            api_key,
            topics: 2000,
            seed: 7,
            admin_rate_limit_per_minute: Some(60),
            user_key_rate_limit_per_minute: Some(20),
            user_key_daily_limit: Some(2880),
            ip_rate_limit_per_minute: Some(200),
            ip_rate_limit_per_10_secs: Some(50),
            rate_window: std::time::Duration::from_secs(60),
            rebase_times: false,
            request_log: None,
            reseed_outdated: false,
        }
    }
}

/// Why a sandbox could not start.
#[derive(Debug)]
pub enum SandboxError {
    /// Binding or serving the socket failed.
    Io(std::io::Error),
    /// Opening, migrating or seeding the database failed.
    Db(String),
    /// The options make no sense (for example an empty API key).
    Config(String),
}

impl fmt::Display for SandboxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SandboxError::Io(e) => write!(f, "sandbox I/O error: {e}"),
            SandboxError::Db(e) => write!(f, "sandbox database error: {e}"),
            SandboxError::Config(e) => write!(f, "sandbox configuration error: {e}"),
        }
    }
}

impl std::error::Error for SandboxError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SandboxError::Io(e) => Some(e),
            _ => None,
        }
    }
}

impl From<std::io::Error> for SandboxError {
    fn from(e: std::io::Error) -> Self {
        SandboxError::Io(e)
    }
}

impl From<rusqlite::Error> for SandboxError {
    fn from(e: rusqlite::Error) -> Self {
        SandboxError::Db(e.to_string())
    }
}

/// A fixed-name demo account, for printing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoAccount {
    pub username: &'static str,
    pub role: &'static str,
}

/// The fixed-name accounts every seeded community has (the thousands of generated members
/// are not listed).
pub fn demo_accounts() -> Vec<DemoAccount> {
    seed::FIXED_ACCOUNTS
        .iter()
        .map(|a| DemoAccount {
            username: a.username,
            role: a.role_label(),
        })
        .collect()
}

/// The user API key (`User-Api-Key` header) the sandbox seeds for a fixed-name demo account,
/// derived from the seed. `None` for names that are not demo accounts.
pub fn demo_user_api_key(seed: u64, username: &str) -> Option<String> {
    seed::FIXED_ACCOUNTS
        .iter()
        .position(|a| a.username.eq_ignore_ascii_case(username))
        .map(|i| seed::user_api_key(seed, i as u64 + 1))
}

/// A running sandbox.
pub struct Sandbox {
    addr: SocketAddr,
    state: Arc<server::AppState>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    join: Option<tokio::task::JoinHandle<()>>,
    /// The presence sweep and any activity tasks; aborted on shutdown.
    tasks: Mutex<Vec<tokio::task::JoinHandle<()>>>,
    /// What opening the database did that the user should hear about (a reseed).
    notice: Option<String>,
}

fn env_ms(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .unwrap_or(default)
}

impl Sandbox {
    /// Binds, opens (and seeds if needed) the database, and serves in the background.
    pub async fn start(opts: SandboxOptions) -> Result<Sandbox, SandboxError> {
        if opts.api_key.trim().is_empty() {
            return Err(SandboxError::Config("the API key must not be empty".into()));
        }
        if opts.rate_window.is_zero() {
            return Err(SandboxError::Config(
                "the rate window must not be zero".into(),
            ));
        }
        let requests = Arc::new(request_log::RequestLog::open(opts.request_log.as_deref())?);
        let listener = tokio::net::TcpListener::bind(opts.addr).await?;
        let addr = listener.local_addr()?;
        let db_path = opts.db_path.clone();
        let seed_value = opts.seed;
        let spec = store::OpenSpec {
            topics: opts.topics,
            seed: seed_value,
            reseed_outdated: opts.reseed_outdated,
            rebase_times: opts.rebase_times,
        };
        let opened = tokio::task::spawn_blocking(move || store::open_and_seed(&db_path, &spec))
            .await
            .map_err(|e| SandboxError::Db(format!("seeding task failed: {e}")))??;
        let limits = limits::Limits::new(limits::LimitSettings {
            window: opts.rate_window,
            admin_per_window: opts.admin_rate_limit_per_minute,
            user_key_per_window: opts.user_key_rate_limit_per_minute,
            user_key_per_day: opts.user_key_daily_limit,
            ip_per_window: opts.ip_rate_limit_per_minute,
            ip_per_sixth: opts.ip_rate_limit_per_10_secs,
        });
        let state = Arc::new(server::AppState::new(
            opened.conn,
            opts.api_key.clone(),
            limits,
            requests,
            seed_value,
            env_ms("MODTERM_SANDBOX_LONG_POLL_MS", bus::DEFAULT_LONG_POLL_MS),
            env_ms(
                "MODTERM_SANDBOX_PRESENCE_TIMEOUT_MS",
                presence::DEFAULT_TIMEOUT_MS,
            )
            .max(1),
        ));
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let join = tokio::spawn(server::serve(listener, state.clone(), rx));
        let sweep = tokio::spawn(sweep_presence(state.clone()));
        Ok(Sandbox {
            addr,
            state,
            shutdown: Some(tx),
            join: Some(join),
            tasks: Mutex::new(vec![sweep]),
            notice: opened.notice,
        })
    }

    /// One line for the user about what opening the database did, when it did something
    /// they should know: `"the demo database was from an older modterm; it was reseeded"`.
    pub fn notice(&self) -> Option<&str> {
        self.notice.as_deref()
    }

    /// The requests answered so far, oldest first (the last [`RING_CAPACITY`]), `/sandbox/*`
    /// calls included (flagged `sandbox_admin`).
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.state.requests.records()
    }

    /// [`Sandbox::requests`] without the sandbox's own `/sandbox/*` endpoints: the API traffic
    /// a client made.
    pub fn requests_excluding_admin(&self) -> Vec<RequestRecord> {
        let mut all = self.state.requests.records();
        all.retain(|r| !r.sandbox_admin);
        all
    }

    /// How many requests were answered (or cut) since start or [`Sandbox::clear_requests`],
    /// `/sandbox/*` calls included.
    pub fn request_count(&self) -> u64 {
        self.state.requests.count()
    }

    /// [`Sandbox::request_count`] without the `/sandbox/*` calls: what a flow cost in API
    /// requests.
    pub fn api_request_count(&self) -> u64 {
        self.state.requests.api_count()
    }

    /// Forgets the requests recorded so far (the log file keeps its lines), so a test can
    /// count one flow from zero.
    pub fn clear_requests(&self) {
        self.state.requests.clear();
    }

    /// How long a message-bus poll is held when nothing is new (Discourse: 25 s).
    pub fn set_long_poll(&self, d: Duration) {
        self.state
            .bus
            .long_poll_ms
            .store(d.as_millis().min(600_000) as u64, Ordering::Relaxed);
    }

    /// How long a presence lasts without renewal (Discourse: 60 s).
    pub fn set_presence_timeout(&self, d: Duration) {
        self.state
            .presence
            .timeout_ms
            .store((d.as_millis() as u64).max(1), Ordering::Relaxed);
    }

    /// Starts simulated activity: about `per_minute` events a minute (new topics and
    /// follow-ups by demo members, replies and presence by demo moderators), chosen
    /// deterministically from the seed. Does nothing for a rate that is not positive.
    pub fn start_activity(&self, per_minute: f64) {
        if !per_minute.is_finite() || per_minute <= 0.0 {
            return;
        }
        let every = Duration::from_secs_f64((60.0 / per_minute).clamp(0.05, 86_400.0));
        let state = self.state.clone();
        let task = tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            tick.tick().await;
            let mut s = state.seed ^ 0x5EED_AC71;
            loop {
                tick.tick().await;
                let event = activity::event_for(seed::splitmix64(&mut s));
                let st = state.clone();
                let _ = tokio::task::spawn_blocking(move || {
                    let mut p = params::Params::default();
                    p.push("event", event);
                    server::handle_blocking(
                        &st,
                        server::Incoming::internal(
                            axum::http::Method::POST,
                            "/sandbox/activity.json",
                            "admin",
                            p,
                        ),
                    )
                })
                .await;
            }
        });
        self.tasks
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(task);
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Set faults at run time (the same state `PUT /sandbox/faults.json` changes).
    pub fn faults(&self) -> FaultHandle {
        self.state.faults.clone()
    }

    /// Graceful shutdown: stops accepting, lets in-flight requests finish.
    pub async fn shutdown(mut self) {
        self.stop().await;
    }

    fn stop_tasks(&mut self) {
        self.state.bus.close();
        for t in self
            .tasks
            .get_mut()
            .unwrap_or_else(|e| e.into_inner())
            .drain(..)
        {
            t.abort();
        }
    }

    async fn stop(&mut self) {
        self.stop_tasks();
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(join) = self.join.take() {
            let _ = join.await;
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        self.stop_tasks();
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// The periodic auto-leave: drops expired presences every quarter timeout (50 ms – 5 s).
async fn sweep_presence(state: Arc<server::AppState>) {
    loop {
        let every =
            (state.presence.timeout() / 4).clamp(Duration::from_millis(50), Duration::from_secs(5));
        tokio::time::sleep(every).await;
        state.presence.sweep(&state.bus);
    }
}

/// Starts a sandbox, prints its URL, the demo accounts and the API key hint, then waits for
/// Ctrl-C or SIGTERM and shuts down cleanly.
pub async fn run_cli(opts: SandboxOptions) -> Result<(), SandboxError> {
    run_cli_with_activity(opts, 0.0).await
}

/// [`run_cli`] plus simulated activity at `per_minute` events a minute (0 = none), for
/// `modterm sandbox serve --activity RATE`.
pub async fn run_cli_with_activity(
    opts: SandboxOptions,
    per_minute: f64,
) -> Result<(), SandboxError> {
    let seed_value = opts.seed;
    let sandbox = Sandbox::start(opts).await?;
    sandbox.start_activity(per_minute);
    println!("modterm sandbox listening on {}", sandbox.url());
    println!();
    println!("Demo accounts (send `Api-Key: <your --api-key>` and `Api-Username: <name>`):");
    for a in demo_accounts() {
        let key = sandbox
            .state
            .user_api_key_of(a.username)
            .or_else(|| demo_user_api_key(seed_value, a.username))
            .unwrap_or_default();
        println!("  {:<14} {:<10} User-Api-Key: {}", a.username, a.role, key);
    }
    println!("  ...plus generated members of trust levels 0-3 (about 1.5 per seeded topic).");
    println!();
    println!("The admin API key is the one given with --api-key (an \"all users\" key).");
    println!(
        "Faults: GET/PUT {}/sandbox/faults.json as admin.",
        sandbox.url()
    );
    println!(
        "Live: message bus at POST {0}/message-bus/<client_id>/poll, presence at {0}/presence/get; \
         settings at GET/PUT {0}/sandbox/live.json.",
        sandbox.url()
    );
    if per_minute > 0.0 {
        println!("Simulated activity: about {per_minute} events a minute.");
    }
    println!(
        "Your own user API key: modterm login --url {} (the approval page asks which demo \
         account approves).",
        sandbox.url()
    );
    println!("Press Ctrl-C to stop.");
    wait_for_signal().await;
    println!("Shutting down...");
    sandbox.shutdown().await;
    Ok(())
}

#[cfg(unix)]
async fn wait_for_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    match signal(SignalKind::terminate()) {
        Ok(mut term) => {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
        }
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

#[cfg(not(unix))]
async fn wait_for_signal() {
    let _ = tokio::signal::ctrl_c().await;
}
