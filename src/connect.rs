//! From command-line flags, environment and config.toml to a connected backend.
//!
//! Order: `--url` (with `--api-key`/`--username` or their `MODTERM_*` variables), then
//! `--profile`, then the config's `default_profile`, and with none of those the embedded
//! sandbox, started from the data directory and signed in as a demo account.
//!
//! The request budget follows the kind of key (Discourse: admin keys share 60 a minute for the
//! whole site; a user API key has 20 a minute and 2,880 a day), overridable per profile with
//! `requests_per_minute` and `requests_per_day`.

use std::hash::{BuildHasher, Hasher};
use std::sync::Arc;
use std::time::Duration;

use tracing_subscriber::filter::LevelFilter;

use crate::backend::discourse::{Credentials, Discourse, DiscourseOptions};
use crate::backend::governor::Limits;
use crate::backend::Backend;
use crate::config::{KeySource, Paths, Platform, Profile, Settings};
use crate::sandbox::{Sandbox, SandboxOptions};

/// The account the console uses on the embedded sandbox unless `--username` says otherwise.
pub const SANDBOX_DEFAULT_USER: &str = "mod_anna";
/// Topics seeded into a new embedded sandbox.
pub const SANDBOX_DEFAULT_TOPICS: usize = 2000;
/// What the status bar and the drafts call the embedded community.
pub const DEMO_TITLE: &str = "demo community";
/// Drafts of the embedded community are kept under this name (its port changes every run).
pub const DEMO_DRAFT_SITE: &str = "demo";

/// Test-only: the length of a rate-limit "minute" in milliseconds, so a test can run an hour
/// of triage against a sandbox whose limits are scaled the same way. Never set it otherwise.
pub const RATE_WINDOW_ENV: &str = "MODTERM_TEST_RATE_WINDOW_MS";

#[derive(Debug, Clone)]
pub struct ConnectArgs {
    pub profile: Option<String>,
    pub url: Option<String>,
    pub username: Option<String>,
    pub api_key: Option<String>,
    pub user_api_key: bool,
    pub insecure: bool,
    pub log_level: LevelFilter,
    /// `--platform`: the platform of `--url`, or with neither `--url` nor `--profile`, the
    /// embedded demo of that platform (unless the default profile is of it).
    pub platform: Option<Platform>,
}

impl Default for ConnectArgs {
    fn default() -> Self {
        ConnectArgs {
            profile: None,
            url: None,
            username: None,
            api_key: None,
            user_api_key: false,
            insecure: false,
            log_level: LevelFilter::INFO,
            platform: None,
        }
    }
}

/// A connected backend, and the sandbox behind it when modterm started one.
pub struct Session {
    pub backend: Arc<dyn Backend>,
    pub sandbox: Option<Sandbox>,
    /// The embedded Khoros demo, when modterm started that one instead.
    pub khoros_sandbox: Option<crate::sandbox_khoros::KhorosSandbox>,
    pub username: String,
    pub paths: Paths,
    pub settings: Settings,
    /// Where the key came from, for `doctor` (never the key itself).
    pub key_source: String,
    /// Warnings to show once (for example a key file readable by others).
    pub warnings: Vec<String>,
}

impl Session {
    pub fn site(&self) -> &str {
        &self.backend.site().base_url
    }

    /// The name drafts of this site are kept under.
    pub fn draft_site(&self) -> String {
        if self.sandbox.is_some() {
            DEMO_DRAFT_SITE.to_string()
        } else if self.khoros_sandbox.is_some() {
            crate::connect_khoros::DEMO_DRAFT_SITE.to_string()
        } else {
            self.site().to_string()
        }
    }

    /// Stops the embedded sandbox, if any, letting in-flight requests finish.
    pub async fn close(self) {
        if let Some(sandbox) = self.sandbox {
            sandbox.shutdown().await;
        }
        if let Some(sandbox) = self.khoros_sandbox {
            sandbox.shutdown().await;
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// The flags or config do not say enough (exit code 2).
    #[error("{0}")]
    Usage(String),
    #[error("{0}")]
    Config(crate::config::ConfigError),
    #[error("{0}")]
    Backend(crate::backend::BackendError),
    #[error("embedded sandbox: {0}")]
    Sandbox(String),
}

/// The test-only window override (see [`RATE_WINDOW_ENV`]).
fn rate_window() -> Duration {
    std::env::var(RATE_WINDOW_ENV)
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|ms| *ms > 0)
        .map(Duration::from_millis)
        .unwrap_or(crate::backend::governor::MINUTE)
}

/// The budget for a key: the platform's default for its kind, then the profile's overrides
/// (0 turns a limit off).
pub fn limits_for(credentials: &Credentials, profile: Option<&Profile>) -> Limits {
    let mut limits = credentials.default_limits();
    if let Some(p) = profile {
        if let Some(n) = p.requests_per_minute {
            limits.per_minute = n;
            limits.scope = format!("{} (profile)", limits.scope);
        }
        if let Some(n) = p.requests_per_day {
            limits.per_day = (n > 0).then_some(n);
        }
    }
    limits.window = rate_window();
    limits
}

/// The platform [`connect`] will reach with these arguments, known before any request: the
/// console offers only what it can do from the first frame (a platform without a review queue
/// shows no review tab even while it connects). Follows `connect`'s own order.
pub fn expected_platform(args: &ConnectArgs, settings: &Settings) -> Platform {
    if args.url.is_some() {
        return args.platform.unwrap_or(Platform::Discourse);
    }
    let profile = args
        .profile
        .as_ref()
        .or(settings.default_profile.as_ref())
        .and_then(|name| settings.profiles.get(name));
    match (&args.profile, args.platform) {
        (None, Some(platform)) => platform,
        _ => profile.map_or(Platform::Discourse, |p| p.platform),
    }
}

/// What a platform can do before its site says more (Discourse: everything, until its site
/// says which plugins it runs).
pub fn expected_features(platform: Platform) -> crate::domain::Features {
    match platform {
        Platform::Discourse => crate::domain::Features::all(),
        Platform::Khoros => crate::backend::khoros::site_info("", String::new()).features,
    }
}

pub async fn connect(args: &ConnectArgs) -> Result<Session, ConnectError> {
    let paths = Paths::resolve().map_err(ConnectError::Config)?;
    let settings = Settings::load(&paths).map_err(ConnectError::Config)?;
    crate::logging::init(&paths.log_file(), args.log_level);

    if let Some(url) = &args.url {
        if args.platform == Some(Platform::Khoros) {
            return crate::connect_khoros::one_off(args, url, paths, settings);
        }
        let key = args.api_key.clone().ok_or_else(|| {
            ConnectError::Usage("--url needs an API key: --api-key or MODTERM_API_KEY".into())
        })?;
        let username = args.username.clone().unwrap_or_default();
        if username.is_empty() && !args.user_api_key {
            return Err(ConnectError::Usage(
                "an admin API key needs --username (or MODTERM_USERNAME)".into(),
            ));
        }
        let backend = discourse(
            url,
            &username,
            key,
            args.user_api_key,
            args.insecure,
            None,
            None,
        )?;
        return Ok(Session {
            backend,
            sandbox: None,
            khoros_sandbox: None,
            username,
            paths,
            settings,
            key_source: "--api-key / MODTERM_API_KEY".into(),
            warnings: Vec::new(),
        });
    }

    // `--platform` alone: that platform's embedded demo, unless the default profile is of it.
    if let (None, Some(platform)) = (&args.profile, args.platform) {
        let default_is_it = settings
            .default_profile
            .as_ref()
            .and_then(|n| settings.profiles.get(n))
            .is_some_and(|p| p.platform == platform);
        if !default_is_it {
            return match platform {
                Platform::Khoros => crate::connect_khoros::sandbox(args, paths, settings).await,
                Platform::Discourse => connect_sandbox(args, paths, settings).await,
            };
        }
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
        return connect_profile(args, &name, profile, paths, settings).await;
    }

    connect_sandbox(args, paths, settings).await
}

/// Where a profile's key comes from, in words (never the key).
pub fn describe_key_source(source: &KeySource) -> String {
    match source {
        KeySource::Env(var) => format!("environment variable {var}"),
        KeySource::Command(cmd) => format!("command `{cmd}`"),
        KeySource::File(path) => format!("file {}", path.display()),
        KeySource::None => "none".into(),
    }
}

async fn connect_profile(
    args: &ConnectArgs,
    name: &str,
    profile: Profile,
    paths: Paths,
    settings: Settings,
) -> Result<Session, ConnectError> {
    if profile.platform == Platform::Khoros {
        return crate::connect_khoros::profile(args, name, profile, paths, settings);
    }
    let (key, warnings, key_source) = match (&args.api_key, &profile.key) {
        (Some(key), _) => (
            key.clone(),
            Vec::new(),
            "--api-key / MODTERM_API_KEY".into(),
        ),
        (None, KeySource::None) => {
            return Err(ConnectError::Usage(format!(
                "profile {name:?} names no key: add api_key_env, api_key_cmd or api_key_file"
            )))
        }
        (None, KeySource::File(path)) if profile.user_api_key && !path.exists() => {
            return Err(ConnectError::Backend(signed_out(name)))
        }
        (None, source) => {
            let (key, warnings) = profile.resolve_key().map_err(ConnectError::Config)?;
            (key, warnings, describe_key_source(source))
        }
    };
    let username = args
        .username
        .clone()
        .unwrap_or_else(|| profile.username.clone());
    let backend = discourse(
        &profile.url,
        &username,
        key,
        args.user_api_key || profile.user_api_key,
        args.insecure || profile.insecure,
        Some(&profile),
        None,
    )?;
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

/// A user-key profile whose key file is gone (`modterm logout` deletes it). The advice comes
/// first: the console's status bar may cut the rest.
pub fn signed_out(name: &str) -> crate::backend::BackendError {
    crate::backend::BackendError::NotSignedIn(format!(
        "sign in again with modterm login --profile {name} (the profile has no key: signed out)"
    ))
}

async fn connect_sandbox(
    args: &ConnectArgs,
    paths: Paths,
    settings: Settings,
) -> Result<Session, ConnectError> {
    let db_path = paths.sandbox_db();
    if let Some(dir) = db_path.parent() {
        crate::files::private_dir(dir)
            .map_err(|e| ConnectError::Sandbox(format!("cannot create {}: {e}", dir.display())))?;
    }
    let api_key = random_key();
    let sandbox = Sandbox::start(SandboxOptions {
        // The demo keeps Discourse's limits, so the console is always used within them; its
        // clocks are moved to now, and a database from an older modterm is seeded afresh.
        rebase_times: true,
        reseed_outdated: true,
        rate_window: rate_window(),
        ..SandboxOptions::new(
            std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
            db_path,
            api_key.clone(),
        )
    })
    .await
    .map_err(|e| ConnectError::Sandbox(e.to_string()))?;
    let username = args
        .username
        .clone()
        .unwrap_or_else(|| SANDBOX_DEFAULT_USER.to_string());
    let backend = discourse(
        &sandbox.url(),
        &username,
        api_key,
        false,
        false,
        None,
        Some(DEMO_TITLE.to_string()),
    )?;
    let warnings = sandbox.notice().map(str::to_string).into_iter().collect();
    Ok(Session {
        backend,
        sandbox: Some(sandbox),
        khoros_sandbox: None,
        username,
        paths,
        settings,
        key_source: "the embedded demo's own key".into(),
        warnings,
    })
}

fn discourse(
    url: &str,
    username: &str,
    key: String,
    user_api_key: bool,
    insecure: bool,
    profile: Option<&Profile>,
    title: Option<String>,
) -> Result<Arc<dyn Backend>, ConnectError> {
    let credentials = if user_api_key {
        Credentials::UserApiKey {
            key,
            // The profile's, as `modterm login` recorded it.
            client_id: profile.and_then(|p| p.user_api_client_id.clone()),
        }
    } else {
        Credentials::ApiKey {
            key,
            username: username.to_string(),
        }
    };
    let mut options = DiscourseOptions::new(url.trim_end_matches('/').to_string(), credentials);
    options.limits = limits_for(&options.credentials, profile);
    options.allow_insecure_http = insecure;
    options.timeout = Duration::from_secs(20);
    options.title = title;
    // A URL modterm will not use (plain http:// to a remote host, a scheme it does not
    // speak) is the user's configuration to fix: a usage error.
    let backend = Discourse::new(options).map_err(|e| match e {
        crate::backend::BackendError::Refused(m) => ConnectError::Usage(m),
        other => ConnectError::Backend(other),
    })?;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(src: &str) -> Settings {
        Settings::parse(std::path::Path::new("config.toml"), src).expect("valid settings")
    }

    /// Per minute, per day.
    fn budget(limits: &Limits) -> (u32, Option<u32>) {
        (limits.per_minute, limits.per_day)
    }

    /// The window is a minute unless the test-only override is set.
    fn assert_real_minute(limits: &Limits) {
        if std::env::var_os(RATE_WINDOW_ENV).is_none() {
            assert_eq!(
                limits.window,
                crate::backend::governor::MINUTE,
                "{limits:?}"
            );
        }
    }

    const LIMITS_CONFIG: &str = r#"
[profiles.plain]
url = "https://forum.example.com"
username = "anna"
api_key_env = "K"
[profiles.tight]
url = "https://forum.example.com"
username = "anna"
api_key_env = "K"
requests_per_minute = 5
requests_per_day = 100
[profiles.minute_only]
url = "https://forum.example.com"
username = "anna"
api_key_env = "K"
requests_per_minute = 5
[profiles.off]
url = "https://forum.example.com"
username = "anna"
api_key_env = "K"
requests_per_minute = 0
requests_per_day = 0
[profiles.care]
url = "https://community.example.com"
platform = "khoros"
username = "anna"
api_key_env = "K"
[profiles.care_tight]
url = "https://community.example.com"
platform = "khoros"
username = "anna"
api_key_env = "K"
requests_per_minute = 5
requests_per_day = 100
"#;

    #[test]
    fn the_default_budget_follows_the_kind_of_key() {
        let s = settings(LIMITS_CONFIG);
        let plain = s.profiles.get("plain");
        assert!(plain.is_some());
        let admin = Credentials::ApiKey {
            key: "k".into(),
            username: "anna".into(),
        };
        let user = Credentials::UserApiKey {
            key: "k".into(),
            client_id: None,
        };
        // Admin keys: 60 a minute shared by the site's admin keys, no daily limit; a profile
        // without overrides changes nothing.
        for profile in [None, plain] {
            let l = limits_for(&admin, profile);
            assert_eq!(budget(&l), (60, None), "{l:?}");
            assert_eq!(l.scope, "admin keys of the site (shared)");
            assert_real_minute(&l);
        }
        // A user API key: 20 a minute and 2,880 a day, for that key alone.
        for profile in [None, plain] {
            let l = limits_for(&user, profile);
            assert_eq!(budget(&l), (20, Some(2880)), "{l:?}");
            assert_eq!(l.scope, "this user API key");
            assert_real_minute(&l);
        }
        // Khoros: 120 a minute, no daily limit.
        for profile in [None, s.profiles.get("care")] {
            let l = crate::connect_khoros::limits_for(profile);
            assert_eq!(budget(&l), (120, None), "{l:?}");
            assert!(!l.scope.contains("(profile)"), "{l:?}");
            assert_real_minute(&l);
        }
    }

    #[test]
    fn a_profile_overrides_the_budget() {
        let s = settings(LIMITS_CONFIG);
        let profile = |name: &str| {
            let p = s.profiles.get(name);
            assert!(p.is_some(), "no profile {name}");
            p
        };
        let tight = profile("tight");
        assert_eq!(
            tight.map(|p| (p.requests_per_minute, p.requests_per_day)),
            Some((Some(5), Some(100)))
        );
        let admin = Credentials::ApiKey {
            key: "k".into(),
            username: "anna".into(),
        };
        let user = Credentials::UserApiKey {
            key: "k".into(),
            client_id: Some("modterm-test".into()),
        };
        // Both limits replaced, whatever the key's own default.
        for credentials in [&admin, &user] {
            let l = limits_for(credentials, tight);
            assert_eq!(budget(&l), (5, Some(100)), "{credentials:?}: {l:?}");
            assert!(l.scope.ends_with(" (profile)"), "{l:?}");
            assert_real_minute(&l);
        }
        let l = crate::connect_khoros::limits_for(profile("care_tight"));
        assert_eq!(budget(&l), (5, Some(100)), "{l:?}");
        assert!(l.scope.ends_with(" (profile)"), "{l:?}");
        assert_real_minute(&l);

        // Only the minute given: the day stays the key's default.
        let minute_only = profile("minute_only");
        assert_eq!(budget(&limits_for(&admin, minute_only)), (5, None));
        assert_eq!(budget(&limits_for(&user, minute_only)), (5, Some(2880)));

        // 0 turns a limit off.
        let off = profile("off");
        assert_eq!(budget(&limits_for(&admin, off)), (0, None));
        assert_eq!(budget(&limits_for(&user, off)), (0, None));
    }

    #[test]
    fn the_platform_is_known_before_connecting_in_connects_own_order() {
        let two = settings(
            r#"
default_profile = "care"
[profiles.care]
url = "https://community.example.com"
platform = "khoros"
username = "anna"
api_key_env = "K"
[profiles.forum]
url = "https://forum.example.com"
username = "anna"
api_key_env = "K"
"#,
        );
        let args = |profile: Option<&str>, url: Option<&str>, platform| ConnectArgs {
            profile: profile.map(String::from),
            url: url.map(String::from),
            platform,
            ..ConnectArgs::default()
        };
        let url = Some("https://x.example");
        assert_eq!(
            expected_platform(&args(None, None, None), &two),
            Platform::Khoros,
            "the default profile"
        );
        assert_eq!(
            expected_platform(&args(Some("forum"), None, None), &two),
            Platform::Discourse
        );
        assert_eq!(
            expected_platform(&args(Some("care"), None, Some(Platform::Discourse)), &two),
            Platform::Khoros,
            "a named profile keeps its own platform"
        );
        assert_eq!(
            expected_platform(&args(None, None, Some(Platform::Discourse)), &two),
            Platform::Discourse,
            "--platform alone: that platform's demo"
        );
        assert_eq!(
            expected_platform(&args(None, url, Some(Platform::Khoros)), &two),
            Platform::Khoros
        );
        assert_eq!(
            expected_platform(&args(Some("care"), url, None), &two),
            Platform::Discourse,
            "--url without --platform is Discourse"
        );
        assert_eq!(
            expected_platform(&args(None, None, None), &Settings::default()),
            Platform::Discourse,
            "the embedded demo"
        );
        assert!(!expected_features(Platform::Khoros)
            .review_queue
            .is_available());
        assert!(expected_features(Platform::Discourse)
            .review_queue
            .is_available());
    }
}
