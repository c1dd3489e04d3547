//! `config.toml`: profiles (sites and how to get their API keys), theme, keymap, SLA clocks and
//! saved views.
//!
//! ```toml
//! default_profile = "work"
//! theme = "dark"
//! keymap = "default"
//! refresh_secs = 60
//! live_updates = true
//!
//! [clocks]
//! first_warn_mins = 30
//! first_breach_mins = 35
//!
//! [profiles.work]
//! url = "https://forum.example.com"
//! platform = "discourse"          # or "khoros"
//! username = "alice"
//! api_key_cmd = "pass show forum"  # or api_key_env = "VAR", or api_key_file = "~/.forum-key"
//!
//! [profiles.mine]                  # what `modterm login` writes: the member's own key
//! url = "https://forum.example.com"
//! username = "alice"
//! user_api_key = true
//! user_api_client_id = "…"         # the client the site issued the key to
//! api_key_file = "…/user-api-keys/mine.key"
//! # api_key_store_cmd = "pass insert -m forum/mine"  # with api_key_cmd: where login stores it
//!
//! [[views]]
//! name = "billing"
//! base = "unanswered"              # unanswered | unsolved | latest | needs-reply
//! category = "billing"
//! tags = ["invoice"]
//!
//! [[views]]
//! name = "refunds"
//! base = "latest"
//! search = "refund status:open"    # a saved search: the tab lists what it finds
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use super::error::{line_of, read_file, ConfigError};
use super::paths::Paths;

/// The view bases the backend knows.
pub const VIEW_BASES: &[&str] = &["unanswered", "unsolved", "latest", "needs-reply"];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub default_profile: Option<String>,
    pub profiles: BTreeMap<String, Profile>,
    pub theme: String,
    pub keymap: String,
    pub clocks: Clocks,
    /// The view tabs. Defaults to one view per base, named like the base; a `[[views]]` list in
    /// the file replaces them.
    pub views: Vec<SavedView>,
    pub refresh_secs: u64,
    pub live_updates: bool,
}

/// Response-time targets (minutes) behind the SLA colours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Clocks {
    pub first_warn_mins: u64,
    pub first_breach_mins: u64,
    pub followup_warn_mins: u64,
    pub followup_breach_mins: u64,
}

impl Default for Clocks {
    fn default() -> Self {
        Clocks {
            first_warn_mins: 30,
            first_breach_mins: 35,
            followup_warn_mins: 60,
            followup_breach_mins: 120,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SavedView {
    pub name: String,
    pub base: String,
    #[serde(default)]
    pub category: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub order: Option<String>,
    /// A saved search: the view lists what this search finds (search syntax of the site).
    #[serde(default)]
    pub search: Option<String>,
}

impl SavedView {
    fn base_view(base: &str) -> SavedView {
        SavedView {
            name: base.to_string(),
            base: base.to_string(),
            category: None,
            tags: Vec::new(),
            status: None,
            order: None,
            search: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    #[default]
    Discourse,
    Khoros,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    pub url: String,
    pub platform: Platform,
    /// May be empty (user API keys carry their user).
    pub username: String,
    pub key: KeySource,
    /// Accept invalid TLS certificates (test sites only).
    pub insecure: bool,
    /// The key is a user API key (`User-Api-Key`), not an admin key.
    pub user_api_key: bool,
    /// The client id the user API key was issued to (`User-Api-Client-Id`; `modterm login`
    /// asks with it again, so a new approval replaces the old key).
    pub user_api_client_id: Option<String>,
    /// With `api_key_cmd`: a command `modterm login` gives a new key to on standard input.
    pub api_key_store_cmd: Option<String>,
    /// The site's request budget, when it differs from the platform's default for the key.
    pub requests_per_minute: Option<u32>,
    pub requests_per_day: Option<u32>,
    /// Khoros Care for a `khoros` profile's members (`[profiles.NAME.care]`).
    pub care: Option<CareProfile>,
}

/// Where Khoros Care is and how to sign in to it (HTTP Basic: its API user and password).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CareProfile {
    /// `https://company.response.lithium.com`
    pub url: String,
    pub username: String,
    /// The Care password, from the same kinds of source as the profile's key.
    pub key: KeySource,
    /// The community as Care names it (`networkinstance`), when not its host.
    pub community_instance: Option<String>,
}

/// Where a profile's API key comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// `api_key_env = "VAR"`
    Env(String),
    /// `api_key_cmd = "pass show forum"`: run with `sh -c`, output trimmed.
    Command(String),
    /// `api_key_file = "~/.forum-key"` (`~/` is expanded).
    File(PathBuf),
    /// No key (the sandbox, or anonymous reading).
    None,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            default_profile: None,
            profiles: BTreeMap::new(),
            theme: "dark".to_string(),
            keymap: "default".to_string(),
            clocks: Clocks::default(),
            views: VIEW_BASES.iter().map(|b| SavedView::base_view(b)).collect(),
            refresh_secs: 60,
            live_updates: true,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSettings {
    default_profile: Option<Spanned<String>>,
    #[serde(default)]
    profiles: BTreeMap<String, Spanned<RawProfile>>,
    theme: Option<String>,
    keymap: Option<String>,
    clocks: Option<Spanned<Clocks>>,
    views: Option<Vec<Spanned<SavedView>>>,
    refresh_secs: Option<Spanned<u64>>,
    live_updates: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProfile {
    url: String,
    #[serde(default)]
    platform: Platform,
    #[serde(default)]
    username: String,
    api_key_env: Option<String>,
    api_key_cmd: Option<String>,
    api_key_file: Option<String>,
    #[serde(default)]
    insecure: bool,
    #[serde(default)]
    user_api_key: bool,
    user_api_client_id: Option<String>,
    api_key_store_cmd: Option<String>,
    requests_per_minute: Option<u32>,
    requests_per_day: Option<u32>,
    care: Option<RawCare>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCare {
    url: String,
    #[serde(default)]
    username: String,
    api_key_env: Option<String>,
    api_key_cmd: Option<String>,
    api_key_file: Option<String>,
    community_instance: Option<String>,
}

impl Settings {
    /// Reads `config.toml`; a missing file gives the defaults. Unknown keys and invalid values
    /// are errors naming the file and line.
    pub fn load(paths: &Paths) -> Result<Settings, ConfigError> {
        let file = paths.config_file();
        if !file.exists() {
            return Ok(Settings::default());
        }
        let src = read_file(&file)?;
        Settings::parse(&file, &src)
    }

    /// Parses the text of a config file (`file` names it in errors).
    pub fn parse(file: &Path, src: &str) -> Result<Settings, ConfigError> {
        let raw: RawSettings =
            toml::from_str(src).map_err(|e| ConfigError::from_toml(file, src, &e))?;
        let at = |span: std::ops::Range<usize>, m: String| {
            ConfigError::at(file, Some(line_of(src, span.start)), m)
        };
        let mut s = Settings::default();
        for (name, p) in raw.profiles {
            let span = p.span();
            let p = p.into_inner();
            if !(p.url.starts_with("https://") || p.url.starts_with("http://")) {
                return Err(at(
                    span,
                    format!(
                        "profile \"{name}\": url must start with https:// or http:// (got \"{}\")",
                        p.url
                    ),
                ));
            }
            if p.api_key_store_cmd.is_some() && p.api_key_cmd.is_none() {
                return Err(at(
                    span,
                    format!(
                        "profile \"{name}\": api_key_store_cmd goes with api_key_cmd (the \
                         command that reads back what it stored)"
                    ),
                ));
            }
            let sources = [
                p.api_key_env.map(KeySource::Env),
                p.api_key_cmd.map(KeySource::Command),
                p.api_key_file.map(|f| KeySource::File(expand_tilde(&f))),
            ];
            let mut given = sources.into_iter().flatten();
            let key = given.next().unwrap_or(KeySource::None);
            if given.next().is_some() {
                return Err(at(
                    span,
                    format!(
                        "profile \"{name}\": give only one of api_key_env, api_key_cmd, \
                         api_key_file"
                    ),
                ));
            }
            let care = match p.care {
                None => None,
                Some(c) => {
                    if !(c.url.starts_with("https://") || c.url.starts_with("http://")) {
                        return Err(at(
                            span,
                            format!(
                                "profile \"{name}\": care.url must start with https:// or http://"
                            ),
                        ));
                    }
                    let sources = [
                        c.api_key_env.map(KeySource::Env),
                        c.api_key_cmd.map(KeySource::Command),
                        c.api_key_file.map(|f| KeySource::File(expand_tilde(&f))),
                    ];
                    let mut given = sources.into_iter().flatten();
                    let key = given.next().unwrap_or(KeySource::None);
                    if given.next().is_some() {
                        return Err(at(
                            span,
                            format!(
                                "profile \"{name}\": care: give only one of api_key_env, \
                                 api_key_cmd, api_key_file"
                            ),
                        ));
                    }
                    Some(CareProfile {
                        url: c.url.trim_end_matches('/').to_string(),
                        username: c.username,
                        key,
                        community_instance: c.community_instance,
                    })
                }
            };
            s.profiles.insert(
                name,
                Profile {
                    url: p.url.trim_end_matches('/').to_string(),
                    platform: p.platform,
                    username: p.username,
                    key,
                    insecure: p.insecure,
                    user_api_key: p.user_api_key,
                    user_api_client_id: p.user_api_client_id,
                    api_key_store_cmd: p.api_key_store_cmd,
                    requests_per_minute: p.requests_per_minute,
                    requests_per_day: p.requests_per_day,
                    care,
                },
            );
        }
        if let Some(d) = raw.default_profile {
            if !s.profiles.contains_key(d.get_ref()) {
                return Err(at(
                    d.span(),
                    format!(
                        "default_profile \"{}\" is not a profile (profiles: {})",
                        d.get_ref(),
                        s.profiles.keys().cloned().collect::<Vec<_>>().join(", ")
                    ),
                ));
            }
            s.default_profile = Some(d.into_inner());
        }
        if let Some(t) = raw.theme {
            s.theme = t;
        }
        if let Some(k) = raw.keymap {
            s.keymap = k;
        }
        if let Some(c) = raw.clocks {
            let span = c.span();
            let c = c.into_inner();
            if c.first_warn_mins > c.first_breach_mins
                || c.followup_warn_mins > c.followup_breach_mins
            {
                return Err(at(
                    span,
                    "clocks: a warn time is later than its breach time".to_string(),
                ));
            }
            s.clocks = c;
        }
        if let Some(views) = raw.views {
            s.views.clear();
            for v in views {
                let span = v.span();
                let v = v.into_inner();
                if !VIEW_BASES.contains(&v.base.as_str()) {
                    return Err(at(
                        span,
                        format!(
                            "view \"{}\": unknown base \"{}\" (one of {})",
                            v.name,
                            v.base,
                            VIEW_BASES.join(", ")
                        ),
                    ));
                }
                if v.name.trim().is_empty() || s.views.iter().any(|o| o.name == v.name) {
                    return Err(at(
                        span,
                        format!("view \"{}\": names must be non-empty and unique", v.name),
                    ));
                }
                s.views.push(v);
            }
        }
        if let Some(r) = raw.refresh_secs {
            if *r.get_ref() == 0 {
                return Err(at(r.span(), "refresh_secs must be at least 1".to_string()));
            }
            s.refresh_secs = r.into_inner();
        }
        if let Some(l) = raw.live_updates {
            s.live_updates = l;
        }
        Ok(s)
    }

    /// The profile to use: `name` if given, else `default_profile`, else the only profile.
    pub fn profile(&self, name: Option<&str>) -> Option<(&str, &Profile)> {
        let name = name.or(self.default_profile.as_deref());
        match name {
            Some(n) => self.profiles.get_key_value(n).map(|(k, p)| (k.as_str(), p)),
            None if self.profiles.len() == 1 => {
                self.profiles.iter().next().map(|(k, p)| (k.as_str(), p))
            }
            None => None,
        }
    }
}

/// Words that look like secrets (long runs of letters, digits, `-` and `_`) replaced.
pub fn redact(line: &str) -> String {
    line.split(' ')
        .map(|w| {
            let secretish = w.len() >= 12
                && w.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '=' | '+' | '/'));
            if secretish {
                "[redacted]"
            } else {
                w
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The warning for a key file that others can read, if it is one.
pub fn key_file_warning(path: &Path) -> Option<String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).ok()?.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Some(format!(
                "{}: the API key file is readable by others (mode {mode:o}); run: chmod 600 {}",
                path.display(),
                path.display()
            ));
        }
    }
    let _ = path;
    None
}

fn expand_tilde(p: &str) -> PathBuf {
    if let Some(rest) = p.strip_prefix("~/") {
        let home = directories::BaseDirs::new()
            .map(|b| b.home_dir().to_path_buf())
            .or_else(|| std::env::var_os("HOME").map(PathBuf::from));
        if let Some(h) = home {
            return h.join(rest);
        }
    }
    PathBuf::from(p)
}

impl Profile {
    /// Gets the API key. Returns it with warnings (e.g. a key file others can read). The key
    /// itself never appears in an error. `KeySource::None` gives an empty key.
    pub fn resolve_key(&self) -> Result<(String, Vec<String>), ConfigError> {
        let mut warnings = Vec::new();
        let key = match &self.key {
            KeySource::None => String::new(),
            KeySource::Env(var) => match std::env::var(var) {
                Ok(v) if !v.trim().is_empty() => v.trim().to_string(),
                _ => {
                    return Err(ConfigError::new(format!(
                        "api_key_env: the environment variable {var} is not set or empty"
                    )))
                }
            },
            KeySource::Command(cmd) => {
                let out = std::process::Command::new("sh")
                    .arg("-c")
                    .arg(cmd)
                    .stdin(std::process::Stdio::null())
                    .output()
                    .map_err(|e| ConfigError::new(format!("api_key_cmd: cannot run sh: {e}")))?;
                if !out.status.success() {
                    // Its stderr may hold the key: only a redacted first line is shown.
                    let err = String::from_utf8_lossy(&out.stderr);
                    let first = redact(&crate::text::sanitize_line(
                        err.lines().next().unwrap_or(""),
                    ));
                    let first: String = first.chars().take(200).collect();
                    return Err(ConfigError::new(format!(
                        "api_key_cmd `{cmd}` failed ({}){}",
                        out.status,
                        if first.is_empty() {
                            String::new()
                        } else {
                            format!(": {first}")
                        }
                    )));
                }
                let key = String::from_utf8(out.stdout).map_err(|_| {
                    ConfigError::new(format!("api_key_cmd `{cmd}` printed invalid UTF-8"))
                })?;
                let key = key.trim().to_string();
                if key.is_empty() {
                    return Err(ConfigError::new(format!(
                        "api_key_cmd `{cmd}` printed nothing"
                    )));
                }
                key
            }
            KeySource::File(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| {
                    ConfigError::at(path, None, format!("api_key_file: cannot read: {e}"))
                })?;
                if let Some(w) = key_file_warning(path) {
                    warnings.push(w);
                }
                let key = text.trim().to_string();
                if key.is_empty() {
                    return Err(ConfigError::at(path, None, "api_key_file is empty"));
                }
                key
            }
        };
        Ok((key, warnings))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file() -> PathBuf {
        PathBuf::from("/cfg/config.toml")
    }

    fn profile(key: KeySource) -> Profile {
        Profile {
            url: "https://x.example".into(),
            platform: Platform::Discourse,
            username: "u".into(),
            key,
            insecure: false,
            user_api_key: false,
            user_api_client_id: None,
            api_key_store_cmd: None,
            requests_per_minute: None,
            requests_per_day: None,
            care: None,
        }
    }

    #[test]
    fn settings_defaults_when_file_missing() {
        let dir = tempfile::tempdir().expect("tempdir");
        let paths = Paths::new(dir.path().join("c"), dir.path().join("d"));
        let s = Settings::load(&paths).expect("defaults");
        assert_eq!(s, Settings::default());
        assert_eq!(s.theme, "dark");
        assert_eq!(s.keymap, "default");
        assert_eq!(s.refresh_secs, 60);
        assert!(s.live_updates);
        assert_eq!(s.clocks.first_breach_mins, 35);
        let names: Vec<_> = s.views.iter().map(|v| v.name.as_str()).collect();
        assert_eq!(names, VIEW_BASES);
    }

    #[test]
    fn settings_profiles_with_each_key_source() {
        let src = r#"
default_profile = "env"
theme = "mono"

[clocks]
first_warn_mins = 10

[profiles.env]
url = "https://a.example/"
username = "alice"
api_key_env = "A_KEY"

[profiles.cmd]
url = "https://b.example"
platform = "khoros"
username = "bob"
api_key_cmd = "pass show b"

[profiles.file]
url = "http://localhost:4200"
username = "carol"
api_key_file = "/k/key"
insecure = true

[profiles.none]
url = "http://127.0.0.1:9"

[[views]]
name = "billing"
base = "unanswered"
category = "billing"
tags = ["invoice"]
"#;
        let s = Settings::parse(&file(), src).expect("parse");
        assert_eq!(s.default_profile.as_deref(), Some("env"));
        assert_eq!(s.theme, "mono");
        assert_eq!(s.clocks.first_warn_mins, 10);
        assert_eq!(s.clocks.first_breach_mins, 35);
        assert_eq!(s.profiles["env"].key, KeySource::Env("A_KEY".into()));
        assert_eq!(s.profiles["env"].url, "https://a.example");
        assert_eq!(
            s.profiles["cmd"].key,
            KeySource::Command("pass show b".into())
        );
        assert_eq!(s.profiles["cmd"].platform, Platform::Khoros);
        assert_eq!(s.profiles["file"].key, KeySource::File("/k/key".into()));
        assert!(s.profiles["file"].insecure);
        assert_eq!(s.profiles["none"].key, KeySource::None);
        assert_eq!(s.views.len(), 1);
        assert_eq!(s.views[0].tags, ["invoice"]);
        assert_eq!(s.profile(None).map(|p| p.0), Some("env"));
    }

    #[test]
    fn settings_unknown_field_error_has_file_and_line() {
        let e = Settings::parse(
            &file(),
            "theme = \"dark\"\n\n[profiles.a]\nurl = \"https://a\"\napi_kye_env = \"X\"\n",
        )
        .unwrap_err();
        assert_eq!(e.file, Some(file()));
        assert_eq!(e.line, Some(5), "{e}");
        assert!(e.message.contains("api_kye_env"), "{e}");
        let e = Settings::parse(&file(), "them = \"dark\"\n").unwrap_err();
        assert_eq!(e.line, Some(1), "{e}");
        assert!(e.to_string().starts_with("/cfg/config.toml:1: "), "{e}");
    }

    #[test]
    fn settings_invalid_values_rejected() {
        let two = "[profiles.a]\nurl = \"https://a\"\napi_key_env = \"X\"\napi_key_cmd = \"y\"\n";
        let e = Settings::parse(&file(), two).unwrap_err();
        assert!(e.message.contains("only one of"), "{e}");
        let e = Settings::parse(&file(), "default_profile = \"nope\"\n").unwrap_err();
        assert!(e.message.contains("not a profile"), "{e}");
        let e = Settings::parse(&file(), "[[views]]\nname = \"x\"\nbase = \"hot\"\n").unwrap_err();
        assert!(e.message.contains("unknown base"), "{e}");
        let e = Settings::parse(&file(), "[clocks]\nfirst_warn_mins = 50\n").unwrap_err();
        assert!(e.message.contains("warn time"), "{e}");
        let e = Settings::parse(&file(), "[profiles.a]\nurl = \"ftp://a\"\n").unwrap_err();
        assert!(e.message.contains("https://"), "{e}");
        assert!(Settings::parse(&file(), "refresh_secs = 0\n").is_err());
    }

    #[test]
    fn settings_resolve_key_from_command_and_file() {
        let (k, w) = profile(KeySource::Command("printf '  s3cret\\n'".into()))
            .resolve_key()
            .expect("cmd");
        assert_eq!(k, "s3cret");
        assert!(w.is_empty());
        let e = profile(KeySource::Command("echo s3cret; exit 3".into()))
            .resolve_key()
            .unwrap_err();
        assert!(!e.to_string().contains("s3cret") || e.to_string().contains("echo s3cret"));
        assert!(e.message.contains("failed"), "{e}");
        // A failing command's stderr may hold the key: it is shown redacted.
        let e = profile(KeySource::Command(
            "k=a1b2c3d4; echo \"error: key ${k}e5f6a7b8c9d0 rejected\" >&2; exit 4".into(),
        ))
        .resolve_key()
        .unwrap_err();
        assert!(!e.to_string().contains("a1b2c3d4e5f6a7b8c9d0"), "{e}");
        assert!(
            e.to_string().contains("[redacted]") && e.to_string().contains("exit status: 4"),
            "{e}"
        );
        let e = profile(KeySource::Env("MODTERM_TEST_SURELY_UNSET_VAR".into()))
            .resolve_key()
            .unwrap_err();
        assert!(e.message.contains("MODTERM_TEST_SURELY_UNSET_VAR"), "{e}");
        let (k, _) = profile(KeySource::None).resolve_key().expect("none");
        assert_eq!(k, "");
    }

    #[cfg(unix)]
    #[test]
    fn settings_key_file_readable_by_others_warns() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("key");
        std::fs::write(&path, "abc123\n").expect("write");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        let (k, w) = profile(KeySource::File(path.clone()))
            .resolve_key()
            .expect("file");
        assert_eq!(k, "abc123");
        assert_eq!(w.len(), 1);
        assert!(w[0].contains("readable by others"), "{w:?}");
        assert!(!w[0].contains("abc123"));
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
        let (_, w) = profile(KeySource::File(path)).resolve_key().expect("file");
        assert!(w.is_empty());
    }
}
