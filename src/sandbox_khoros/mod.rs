//! The embedded Khoros-speaking sandbox: a Khoros Community (v1 sign-in, LiQL, v2 writes) and
//! a Khoros Care (Author and Conversation APIs) over one SQLite store, seeded with the same
//! kind of demo community as the Discourse sandbox. `modterm sandbox serve --dialect khoros`
//! serves it; `modterm --platform khoros` with no URL starts it embedded.
//!
//! Layout: `server` (listener, envelopes, sign-in, sessions, faults, rate limit, routing),
//! `liql` (the query parser), `query` (running a query over a collection), `store` (schema and
//! each collection's rows), `writes` (messages, solutions, kudos), `care` (Care), `seed`.
//!
//! Endpoints:
//! - `POST /restapi/vc/authentication/sessions/login` (`user.login`, `user.password`, as a
//!   form or query; `restapi.response_format=json`) → the v1 envelope with the session key.
//!   Every demo account's password is the sandbox's `--api-key`; a key expires after 30 idle
//!   minutes (reference §1.2).
//! - `GET /api/2.0/search?q=<LiQL>` over `messages`, `users`, `boards`, `categories`, `kudos`,
//!   `badges`, `roles`; `POST /api/2.0/messages`, `POST /api/2.0/solutions_data`,
//!   `POST`/`DELETE /api/2.0/messages/{id}/kudos`. Callers send `li-api-session-key`, or
//!   `Authorization: Bearer <token>` with a demo account's OAuth token; without either they
//!   read as a guest (no users) and may not write.
//! - `/care/api/v2/authors/…` and `/care/api/v2/conversations/…` with HTTP Basic
//!   (`care_api` and the `--api-key`).
//!
//! Nothing here shares wire types with the Khoros adapter: the JSON is written from the
//! reference on its own.

mod care;
pub mod liql;
pub mod query;
mod seed;
mod server;
mod store;
mod writes;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

pub use server::{FaultHandle, Faults, Logged};
/// The database schema version this build writes (`PRAGMA user_version`).
pub use store::SCHEMA_VERSION;

/// The Care API user of every sandbox (its password is the sandbox's key).
pub const CARE_USER: &str = "care_api";

/// How to start a Khoros sandbox.
#[derive(Debug, Clone)]
pub struct KhorosSandboxOptions {
    /// Where to listen; `127.0.0.1:0` picks any free port.
    pub addr: SocketAddr,
    /// The SQLite file; reopened if it exists, seeded when new. One from a newer modterm is
    /// refused, one from an older modterm migrated (see `reseed_outdated`).
    pub db_path: PathBuf,
    /// The password of every demo account and of the Care API user.
    pub password: String,
    pub topics: usize,
    pub seed: u64,
    /// A leaky bucket of this many requests a minute (Khoros publishes no number; off by
    /// default).
    pub rate_limit_per_minute: Option<u32>,
    /// How long an unused session key stays valid (Khoros: 30 minutes).
    pub session_idle: Duration,
    /// Move every time in the demo by how long it has been since it was last opened.
    pub rebase_times: bool,
    /// The database is disposable (the embedded demo's): when it is from an older modterm and
    /// cannot be migrated, it is seeded afresh and [`KhorosSandbox::notice`] says so, instead
    /// of the start failing. A database from a newer modterm is refused either way.
    pub reseed_outdated: bool,
}

impl KhorosSandboxOptions {
    pub fn new(addr: SocketAddr, db_path: PathBuf, password: String) -> KhorosSandboxOptions {
        KhorosSandboxOptions {
            addr,
            db_path,
            password,
            topics: 600,
            seed: 7,
            rate_limit_per_minute: None,
            session_idle: Duration::from_secs(30 * 60),
            rebase_times: false,
            reseed_outdated: false,
        }
    }
}

/// The fixed-name demo accounts with their Khoros role (the same names as the Discourse demo).
pub fn demo_accounts() -> Vec<(&'static str, &'static str)> {
    seed::FIXED
        .iter()
        .map(|f| {
            (
                f.login,
                match f.role {
                    Some("t:Administrator") => "admin",
                    Some("t:Moderator") => "moderator",
                    Some(_) => "super user",
                    None => "member",
                },
            )
        })
        .collect()
}

/// The OAuth token the sandbox seeded for a fixed-name account.
pub fn demo_oauth_token(seed: u64, login: &str) -> Option<String> {
    seed::FIXED
        .iter()
        .position(|f| f.login.eq_ignore_ascii_case(login))
        .map(|i| seed::oauth_token(seed, i as i64 + 1))
}

/// A running Khoros sandbox.
pub struct KhorosSandbox {
    addr: SocketAddr,
    state: Arc<server::AppState>,
    notice: Option<String>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    join: Option<tokio::task::JoinHandle<()>>,
}

impl KhorosSandbox {
    /// Binds, opens (and seeds if new) the database, and serves in the background.
    pub async fn start(opts: KhorosSandboxOptions) -> Result<KhorosSandbox, String> {
        if opts.password.trim().is_empty() {
            return Err("the sandbox's key (the demo password) must not be empty".into());
        }
        let listener = tokio::net::TcpListener::bind(opts.addr)
            .await
            .map_err(|e| format!("cannot listen on {}: {e}", opts.addr))?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        let path = opts.db_path.clone();
        let spec = store::OpenSpec {
            topics: opts.topics,
            seed: opts.seed,
            rebase: opts.rebase_times,
            reseed_outdated: opts.reseed_outdated,
        };
        let opened = tokio::task::spawn_blocking(move || store::open(&path, &spec))
            .await
            .map_err(|e| format!("seeding failed: {e}"))?
            .map_err(|e| format!("sandbox database: {e}"))?;
        let state = Arc::new(server::AppState::new(
            opened.conn,
            opts.password,
            CARE_USER.to_string(),
            opts.rate_limit_per_minute,
            opts.session_idle,
            opts.seed,
        ));
        let (tx, rx) = tokio::sync::oneshot::channel();
        let join = tokio::spawn(server::serve(listener, state.clone(), rx));
        Ok(KhorosSandbox {
            addr,
            state,
            notice: opened.notice,
            shutdown: Some(tx),
            join: Some(join),
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// What opening the database did that the user should hear about: `"the demo database
    /// was from an older modterm; it was reseeded"`.
    pub fn notice(&self) -> Option<&str> {
        self.notice.as_deref()
    }

    /// `http://127.0.0.1:PORT`, the community.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Where its Care answers (`{url}/care`, with `/api/v2/…` below).
    pub fn care_url(&self) -> String {
        format!("{}/care", self.url())
    }

    /// Faults to inject from now on.
    pub fn faults(&self) -> FaultHandle {
        self.state.faults.clone()
    }

    /// Every session key stops working now (as after 30 idle minutes).
    pub fn expire_sessions(&self) {
        self.state.expire_sessions();
    }

    /// The requests served so far (the last 20 000), oldest first.
    pub fn requests(&self) -> Vec<Logged> {
        self.state
            .log
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .cloned()
            .collect()
    }

    /// Stops accepting and lets in-flight requests finish.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(join) = self.join.take() {
            let _ = join.await;
        }
    }
}

impl Drop for KhorosSandbox {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Starts a sandbox, prints how to use it, and serves until Ctrl-C or SIGTERM.
pub async fn run_cli(opts: KhorosSandboxOptions) -> Result<(), String> {
    let seed_value = opts.seed;
    let sandbox = KhorosSandbox::start(opts).await?;
    println!("modterm Khoros sandbox listening on {}", sandbox.url());
    if let Some(notice) = sandbox.notice() {
        println!("Note: {notice}.");
    }
    println!();
    println!("Sign in: POST /restapi/vc/authentication/sessions/login with user.login and");
    println!("user.password (the --api-key, for every demo account), or send a demo account's");
    println!("OAuth token as Authorization: Bearer:");
    for (login, role) in demo_accounts() {
        println!(
            "  {login:<14} {role:<11} Bearer {}",
            demo_oauth_token(seed_value, login).unwrap_or_default()
        );
    }
    println!("  ...plus generated members.");
    println!();
    println!(
        "Care: {}/api/v2/… with Basic {CARE_USER}:<the --api-key>.",
        sandbox.care_url()
    );
    println!(
        "Console: modterm --platform khoros --url {} --username mod_anna --api-key <key>",
        sandbox.url()
    );
    println!("Press Ctrl-C to stop.");
    wait_for_signal().await;
    println!("Shutting down...");
    sandbox.shutdown().await;
    Ok(())
}

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
