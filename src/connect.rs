//! From command-line flags, environment and config.toml to a connected backend.
//!
//! Order: `--url` (with `--api-key`/`--username` or their `MODTERM_*` variables), then
//! `--profile`, then the config's `default_profile`, and with none of those the embedded
//! sandbox, started from the data directory and signed in as a demo account.

use std::hash::{BuildHasher, Hasher};
use std::sync::Arc;
use std::time::Duration;

use crate::backend::discourse::{Credentials, Discourse, DiscourseOptions};
use crate::backend::Backend;
use crate::config::{KeySource, Paths, Platform, Profile, Settings};
use crate::sandbox::{Sandbox, SandboxOptions};

/// The account the console uses on the embedded sandbox unless `--username` says otherwise.
pub const SANDBOX_DEFAULT_USER: &str = "mod_anna";
/// Topics seeded into a new embedded sandbox.
pub const SANDBOX_DEFAULT_TOPICS: usize = 2000;

#[derive(Debug, Clone, Default)]
pub struct ConnectArgs {
    pub profile: Option<String>,
    pub url: Option<String>,
    pub username: Option<String>,
    pub api_key: Option<String>,
    pub user_api_key: bool,
    pub insecure: bool,
}

/// A connected backend, and the sandbox behind it when modterm started one.
pub struct Session {
    pub backend: Arc<dyn Backend>,
    pub sandbox: Option<Sandbox>,
    pub username: String,
    pub paths: Paths,
    pub settings: Settings,
    /// Warnings to show once (for example a key file readable by others).
    pub warnings: Vec<String>,
}

impl Session {
    pub fn site(&self) -> &str {
        self.backend.site_url()
    }

    /// Stops the embedded sandbox, if any, letting in-flight requests finish.
    pub async fn close(self) {
        if let Some(sandbox) = self.sandbox {
            sandbox.shutdown().await;
        }
    }
}

#[derive(Debug)]
pub enum ConnectError {
    /// The flags or config do not say enough (exit code 2).
    Usage(String),
    Config(crate::config::ConfigError),
    Backend(crate::backend::BackendError),
    Sandbox(String),
}

impl std::fmt::Display for ConnectError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConnectError::Usage(m) => f.write_str(m),
            ConnectError::Config(e) => write!(f, "{e}"),
            ConnectError::Backend(e) => write!(f, "{e}"),
            ConnectError::Sandbox(m) => write!(f, "embedded sandbox: {m}"),
        }
    }
}

impl std::error::Error for ConnectError {}

pub async fn connect(args: &ConnectArgs) -> Result<Session, ConnectError> {
    let paths = Paths::resolve().map_err(ConnectError::Config)?;
    let settings = Settings::load(&paths).map_err(ConnectError::Config)?;
    crate::logging::init(&paths.log_file());

    if let Some(url) = &args.url {
        let key = args.api_key.clone().ok_or_else(|| {
            ConnectError::Usage("--url needs an API key: --api-key or MODTERM_API_KEY".into())
        })?;
        let username = args.username.clone().unwrap_or_default();
        if username.is_empty() && !args.user_api_key {
            return Err(ConnectError::Usage(
                "an admin API key needs --username (or MODTERM_USERNAME)".into(),
            ));
        }
        let backend = discourse(url, &username, key, args.user_api_key, args.insecure)?;
        return Ok(Session {
            backend,
            sandbox: None,
            username,
            paths,
            settings,
            warnings: Vec::new(),
        });
    }

    let profile_name = args
        .profile
        .clone()
        .or_else(|| settings.default_profile.clone());
    if let Some(name) = profile_name {
        let profile = settings.profiles.get(&name).cloned().ok_or_else(|| {
            ConnectError::Usage(format!(
                "no profile named {name:?} in {}",
                paths.config_file().display()
            ))
        })?;
        return connect_profile(args, profile, paths, settings).await;
    }

    connect_sandbox(args, paths, settings).await
}

async fn connect_profile(
    args: &ConnectArgs,
    profile: Profile,
    paths: Paths,
    settings: Settings,
) -> Result<Session, ConnectError> {
    if profile.platform != Platform::Discourse {
        return Err(ConnectError::Usage(
            "only the discourse platform is supported in this version".into(),
        ));
    }
    let (key, warnings) = match (&args.api_key, &profile.key) {
        (Some(key), _) => (key.clone(), Vec::new()),
        (None, KeySource::None) => {
            return Err(ConnectError::Usage(
                "the profile names no key: add api_key_env, api_key_cmd or api_key_file".into(),
            ))
        }
        (None, _) => profile.resolve_key().map_err(ConnectError::Config)?,
    };
    let username = args
        .username
        .clone()
        .unwrap_or_else(|| profile.username.clone());
    let backend = discourse(
        &profile.url,
        &username,
        key,
        args.user_api_key,
        args.insecure || profile.insecure,
    )?;
    Ok(Session {
        backend,
        sandbox: None,
        username,
        paths,
        settings,
        warnings,
    })
}

async fn connect_sandbox(
    args: &ConnectArgs,
    paths: Paths,
    settings: Settings,
) -> Result<Session, ConnectError> {
    let db_path = paths.sandbox_db();
    if let Some(dir) = db_path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| ConnectError::Sandbox(format!("cannot create {}: {e}", dir.display())))?;
    }
    let api_key = random_key();
    let sandbox = Sandbox::start(SandboxOptions {
        addr: std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
        db_path,
        api_key: api_key.clone(),
        topics: SANDBOX_DEFAULT_TOPICS,
        seed: 7,
        admin_rate_limit_per_minute: None,
    })
    .await
    .map_err(|e| ConnectError::Sandbox(e.to_string()))?;
    let username = args
        .username
        .clone()
        .unwrap_or_else(|| SANDBOX_DEFAULT_USER.to_string());
    let backend = discourse(&sandbox.url(), &username, api_key, false, false)?;
    Ok(Session {
        backend,
        sandbox: Some(sandbox),
        username,
        paths,
        settings,
        warnings: Vec::new(),
    })
}

fn discourse(
    url: &str,
    username: &str,
    key: String,
    user_api_key: bool,
    insecure: bool,
) -> Result<Arc<dyn Backend>, ConnectError> {
    let credentials = if user_api_key {
        Credentials::UserApiKey {
            key,
            client_id: None,
        }
    } else {
        Credentials::ApiKey {
            key,
            username: username.to_string(),
        }
    };
    let mut options = DiscourseOptions::new(url.trim_end_matches('/').to_string(), credentials);
    options.allow_insecure_http = insecure;
    options.timeout = Duration::from_secs(20);
    let backend = Discourse::new(options).map_err(ConnectError::Backend)?;
    Ok(Arc::new(backend))
}

/// A throwaway key for the embedded sandbox: it lives as long as this process.
fn random_key() -> String {
    let mut out = String::with_capacity(64);
    for i in 0..4u64 {
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_u64(i);
        hasher.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or_default(),
        );
        out.push_str(&format!("{:016x}", hasher.finish()));
    }
    out
}
