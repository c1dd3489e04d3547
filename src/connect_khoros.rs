//! Connecting to Khoros: a one-off `--platform khoros --url …`, a `platform = "khoros"`
//! profile (with its `[profiles.NAME.care]`), and the embedded Khoros demo that
//! `modterm --platform khoros` starts when no site is given. `connect` calls these; this file
//! only knows how a Khoros session is put together.
//!
//! The key: `--api-key` (or the profile's key) is the account's password, exchanged for a
//! session key at sign-in; with `--user-api-key` (or `user_api_key = true`) it is an OAuth
//! access token instead. Either way `--username` names the account. Care comes from the
//! profile's `[profiles.NAME.care]`, or for a one-off `--url` from `MODTERM_CARE_URL`,
//! `MODTERM_CARE_USERNAME` and `MODTERM_CARE_KEY`.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::backend::governor::Limits;
use crate::backend::khoros::{self, CareOptions, Credentials, Khoros, KhorosOptions};
use crate::backend::{Backend, BackendError};
use crate::config::{KeySource, Paths, Profile, Settings};
use crate::connect::{
    describe_key_source, ConnectArgs, ConnectError, Session, DEMO_TITLE, RATE_WINDOW_ENV,
    SANDBOX_DEFAULT_USER,
};
use crate::sandbox_khoros::{KhorosSandbox, KhorosSandboxOptions, CARE_USER};

/// Drafts of the embedded Khoros demo are kept under this name (its port changes every run).
pub const DEMO_DRAFT_SITE: &str = "demo-khoros";
/// Threads seeded into a new embedded Khoros demo.
pub const DEMO_TOPICS: usize = 600;

/// The Khoros demo's database, beside the Discourse demo's in the data directory.
pub fn demo_db(paths: &Paths) -> PathBuf {
    paths.sandbox_db().with_file_name("sandbox-khoros.db")
}

/// Khoros's default pace, then the profile's overrides (0 turns a limit off), and the
/// test-only window.
pub fn limits_for(profile: Option<&Profile>) -> Limits {
    let mut limits = khoros::default_limits();
    if let Some(p) = profile {
        if let Some(n) = p.requests_per_minute {
            limits.per_minute = n;
            limits.scope = format!("{} (profile)", limits.scope);
        }
        if let Some(n) = p.requests_per_day {
            limits.per_day = (n > 0).then_some(n);
        }
    }
    if let Some(ms) = std::env::var(RATE_WINDOW_ENV)
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|ms| *ms > 0)
    {
        limits.window = Duration::from_millis(ms);
    }
    limits
}

struct Spec<'a> {
    url: &'a str,
    username: &'a str,
    key: String,
    bearer: bool,
    insecure: bool,
    profile: Option<&'a Profile>,
    title: Option<String>,
    care: Option<CareOptions>,
}

fn backend(spec: Spec<'_>) -> Result<Arc<dyn Backend>, ConnectError> {
    if spec.username.trim().is_empty() {
        return Err(ConnectError::Usage(
            "a Khoros sign-in needs --username (or MODTERM_USERNAME): the account's login".into(),
        ));
    }
    let credentials = if spec.bearer {
        Credentials::Bearer {
            token: spec.key,
            client_id: None,
        }
    } else {
        Credentials::Password {
            username: spec.username.to_string(),
            password: spec.key,
        }
    };
    let mut options = KhorosOptions::new(spec.url.trim_end_matches('/'), credentials);
    options.username = Some(spec.username.to_string());
    options.limits = limits_for(spec.profile);
    options.allow_insecure_http = spec.insecure;
    options.title = spec.title;
    options.care = spec.care;
    let adapter = Khoros::new(options).map_err(|e| match e {
        BackendError::Refused(m) => ConnectError::Usage(m),
        other => ConnectError::Backend(other),
    })?;
    Ok(Arc::new(adapter))
}

/// `--platform khoros --url URL --username NAME --api-key KEY`.
pub fn one_off(
    args: &ConnectArgs,
    url: &str,
    paths: Paths,
    settings: Settings,
) -> Result<Session, ConnectError> {
    let key = args.api_key.clone().ok_or_else(|| {
        ConnectError::Usage(
            "--url needs a key: --api-key or MODTERM_API_KEY (the account's password, or an \
             OAuth token with --user-api-key)"
                .into(),
        )
    })?;
    let username = args.username.clone().unwrap_or_default();
    let backend = backend(Spec {
        url,
        username: &username,
        key,
        bearer: args.user_api_key,
        insecure: args.insecure,
        profile: None,
        title: None,
        care: care_from_env()?,
    })?;
    Ok(Session {
        backend,
        sandbox: None,
        khoros_sandbox: None,
        username,
        paths,
        settings,
        key_source: "--api-key / MODTERM_API_KEY".into(),
        warnings: Vec::new(),
    })
}

/// Care for a one-off `--url`: `MODTERM_CARE_URL`, `MODTERM_CARE_USERNAME` and
/// `MODTERM_CARE_KEY` (the Care password), all three or none.
fn care_from_env() -> Result<Option<CareOptions>, ConnectError> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    match (
        var("MODTERM_CARE_URL"),
        var("MODTERM_CARE_USERNAME"),
        var("MODTERM_CARE_KEY"),
    ) {
        (None, None, None) => Ok(None),
        (Some(url), Some(username), Some(password)) => Ok(Some(CareOptions {
            base_url: url,
            username,
            password,
            community_instance: None,
        })),
        _ => Err(ConnectError::Usage(
            "Khoros Care needs MODTERM_CARE_URL, MODTERM_CARE_USERNAME and MODTERM_CARE_KEY \
             together"
                .into(),
        )),
    }
}

/// A `platform = "khoros"` profile.
pub fn profile(
    args: &ConnectArgs,
    name: &str,
    profile: Profile,
    paths: Paths,
    settings: Settings,
) -> Result<Session, ConnectError> {
    let (key, mut warnings, key_source) = match (&args.api_key, &profile.key) {
        (Some(key), _) => (
            key.clone(),
            Vec::new(),
            "--api-key / MODTERM_API_KEY".to_string(),
        ),
        (None, KeySource::None) => {
            return Err(ConnectError::Usage(format!(
                "profile {name:?} names no key: add api_key_env, api_key_cmd or api_key_file"
            )))
        }
        (None, source) => {
            let (key, warnings) = profile.resolve_key().map_err(ConnectError::Config)?;
            (key, warnings, describe_key_source(source))
        }
    };
    let care = match &profile.care {
        None => None,
        Some(c) => {
            // The Care password comes from its own source, read the same way as the key.
            let mut with_care_key = profile.clone();
            with_care_key.key = c.key.clone();
            let (password, more) = with_care_key.resolve_key().map_err(ConnectError::Config)?;
            warnings.extend(more);
            Some(CareOptions {
                base_url: c.url.clone(),
                username: c.username.clone(),
                password,
                community_instance: c.community_instance.clone(),
            })
        }
    };
    let username = args
        .username
        .clone()
        .unwrap_or_else(|| profile.username.clone());
    let backend = backend(Spec {
        url: &profile.url,
        username: &username,
        key,
        bearer: args.user_api_key || profile.user_api_key,
        insecure: args.insecure || profile.insecure,
        profile: Some(&profile),
        title: None,
        care,
    })?;
    Ok(Session {
        backend,
        sandbox: None,
        khoros_sandbox: None,
        username,
        paths,
        settings,
        key_source: format!("profile {name:?}: {key_source}"),
        warnings,
    })
}

/// The embedded Khoros demo, with its Care, signed in as a demo account.
pub async fn sandbox(
    args: &ConnectArgs,
    paths: Paths,
    settings: Settings,
) -> Result<Session, ConnectError> {
    let db_path = demo_db(&paths);
    if let Some(dir) = db_path.parent() {
        crate::files::private_dir(dir)
            .map_err(|e| ConnectError::Sandbox(format!("cannot create {}: {e}", dir.display())))?;
    }
    let password = random_key();
    // Its clocks are moved to now, and a database from an older modterm is seeded afresh.
    let sandbox = KhorosSandbox::start(KhorosSandboxOptions {
        topics: DEMO_TOPICS,
        rebase_times: true,
        reseed_outdated: true,
        ..KhorosSandboxOptions::new(
            std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
            db_path,
            password.clone(),
        )
    })
    .await
    .map_err(ConnectError::Sandbox)?;
    let username = args
        .username
        .clone()
        .unwrap_or_else(|| SANDBOX_DEFAULT_USER.to_string());
    let care = CareOptions {
        base_url: sandbox.care_url(),
        username: CARE_USER.to_string(),
        password: password.clone(),
        community_instance: None,
    };
    let backend = backend(Spec {
        url: &sandbox.url(),
        username: &username,
        key: password,
        bearer: false,
        insecure: false,
        profile: None,
        title: Some(DEMO_TITLE.to_string()),
        care: Some(care),
    })?;
    let warnings = sandbox.notice().map(str::to_string).into_iter().collect();
    Ok(Session {
        backend,
        sandbox: None,
        khoros_sandbox: Some(sandbox),
        username,
        paths,
        settings,
        key_source: "the embedded Khoros demo's own password".into(),
        warnings,
    })
}

/// A throwaway password for the embedded demo: it lives as long as this process.
fn random_key() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut out = String::with_capacity(48);
    for i in 0..3u64 {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u64(i);
        h.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or_default(),
        );
        out.push_str(&format!("{:016x}", h.finish()));
    }
    out
}
