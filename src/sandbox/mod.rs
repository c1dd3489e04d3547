//! The embedded community server: a Discourse-speaking sandbox over SQLite.
//!
//! It serves the subset of the Discourse REST API the console uses (see
//! `reference/discourse-api.md`), applies Discourse's permission rules for admins, moderators,
//! trust-level-4 leaders and members, seeds a deterministic demo community, and can inject
//! faults (latency, errors, rate limits, dropped connections, malformed JSON) on request.
//!
//! Layout: `server` (listener, dispatch, auth, routing), `params` (query/body decoding),
//! `store` (SQLite schema and row loaders), `seed` (demo community), `guardian` (who may do
//! what), `chaos` (fault injection), `ratelimit` (the admin API bucket) and one module per area
//! of the API (`lists`, `topics`, `writes`, `users`, `badges`, `misc`).
//!
//! Nothing here shares wire types with the client adapter: the JSON is written from the
//! reference on its own.
//!
//! Sandbox-only endpoints (admin API key acting as an admin; never faulted, not counted in the
//! admin rate bucket):
//! - `GET /sandbox/faults.json` → `{"faults":{…}}`
//! - `PUT /sandbox/faults.json` with a JSON object (or form) of [`Faults`] fields, replacing the
//!   faults in force: `{"latency_ms":0,"error_rate":0.0,"error_status":503,"rate_limit":false,
//!   "retry_after_seconds":60,"drop_rate":0.0,"malformed_rate":0.0,"path_prefix":"/latest",
//!   "count":3}` (every field optional; `{}` turns everything off) → `{"faults":{…}}`
//! - `POST /sandbox/user-api-keys.json` with `username` → `{"key":"…","user_id":N,"username":"…"}`

mod badges;
mod chaos;
mod guardian;
mod lists;
mod misc;
mod params;
mod ratelimit;
mod seed;
mod server;
mod store;
mod topics;
mod users;
mod writes;

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

pub use chaos::{FaultHandle, Faults};

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
}

impl Sandbox {
    /// Binds, opens (and seeds if needed) the database, and serves in the background.
    pub async fn start(opts: SandboxOptions) -> Result<Sandbox, SandboxError> {
        if opts.api_key.trim().is_empty() {
            return Err(SandboxError::Config("the API key must not be empty".into()));
        }
        let listener = tokio::net::TcpListener::bind(opts.addr).await?;
        let addr = listener.local_addr()?;
        let db_path = opts.db_path.clone();
        let topics = opts.topics;
        let seed_value = opts.seed;
        let conn =
            tokio::task::spawn_blocking(move || store::open_and_seed(&db_path, topics, seed_value))
                .await
                .map_err(|e| SandboxError::Db(format!("seeding task failed: {e}")))??;
        let state = Arc::new(server::AppState::new(
            conn,
            opts.api_key.clone(),
            opts.admin_rate_limit_per_minute,
        ));
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let join = tokio::spawn(server::serve(listener, state.clone(), rx));
        Ok(Sandbox {
            addr,
            state,
            shutdown: Some(tx),
            join: Some(join),
        })
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

    async fn stop(&mut self) {
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
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Starts a sandbox, prints its URL, the demo accounts and the API key hint, then waits for
/// Ctrl-C or SIGTERM and shuts down cleanly.
pub async fn run_cli(opts: SandboxOptions) -> Result<(), SandboxError> {
    let seed_value = opts.seed;
    let sandbox = Sandbox::start(opts).await?;
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
