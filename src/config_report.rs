//! `modterm config`: the effective configuration, each value with where it came from.
//!
//! The precedence is the one the program uses: a flag, then its environment variable, then
//! `config.toml` (the profile in force, then the top level), then the built-in default.

use serde::Serialize;

use crate::config::{Paths, Settings};
use crate::connect::{describe_key_source, SANDBOX_DEFAULT_USER};

/// Where a value came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "name", rename_all = "lowercase")]
pub enum Source {
    Default,
    /// `config.toml`, with the key's path in it (`theme`, `profiles.work.url`).
    ConfigFile(String),
    /// The environment variable's name.
    Environment(String),
    /// The flag as typed.
    Flag(String),
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Default => f.write_str("default"),
            Source::ConfigFile(key) => write!(f, "config file ({key})"),
            Source::Environment(var) => write!(f, "environment ({var})"),
            Source::Flag(flag) => write!(f, "flag ({flag})"),
        }
    }
}

/// A top-level option as the command line resolved it: its value and, when it was given, the
/// flag or variable it came from (`None`: neither, so the config or default applies).
#[derive(Debug, Clone, Default)]
pub struct Given {
    pub value: Option<String>,
    pub source: Option<Source>,
}

/// The top-level options `config` reports on.
#[derive(Debug, Clone, Default)]
pub struct GivenOptions {
    pub theme: Given,
    pub keymap: Given,
    pub log_level: Given,
    pub profile: Given,
    pub url: Given,
    pub username: Given,
    pub api_key: Given,
}

#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    pub key: &'static str,
    pub value: String,
    pub source: Source,
}

/// The effective configuration. `raw` is `config.toml` as a table (empty without the file),
/// to tell a value written there from a default.
pub fn effective(
    paths: &Paths,
    settings: &Settings,
    raw: &toml::Table,
    given: &GivenOptions,
    env: impl Fn(&str) -> Option<String>,
) -> Vec<Entry> {
    let mut out = Vec::new();
    let mut push =
        |key: &'static str, value: String, source: Source| out.push(Entry { key, value, source });
    let dir_source = |var: &str| match env(var) {
        Some(_) => Source::Environment(var.to_string()),
        None => Source::Default,
    };
    push(
        "config_dir",
        paths.config_dir.display().to_string(),
        dir_source("MODTERM_CONFIG_DIR"),
    );
    push(
        "data_dir",
        paths.data_dir.display().to_string(),
        dir_source("MODTERM_DATA_DIR"),
    );
    push(
        "state_dir",
        paths.state_dir.display().to_string(),
        if env("MODTERM_STATE_DIR").is_some() {
            Source::Environment("MODTERM_STATE_DIR".into())
        } else {
            dir_source("MODTERM_DATA_DIR")
        },
    );
    let file = |key: &str| {
        raw.contains_key(key)
            .then(|| Source::ConfigFile(key.to_string()))
    };
    let layered = |given: &Given, key: &str, configured: &str| match (&given.value, &given.source) {
        (Some(v), Some(s)) => (v.clone(), s.clone()),
        _ => (configured.to_string(), file(key).unwrap_or(Source::Default)),
    };
    let (v, s) = layered(&given.theme, "theme", &settings.theme);
    push("theme", v, s);
    let (v, s) = layered(&given.keymap, "keymap", &settings.keymap);
    push("keymap", v, s);
    let (v, s) = match (&given.log_level.value, &given.log_level.source) {
        (Some(v), Some(s)) => (v.clone(), s.clone()),
        _ => ("info".to_string(), Source::Default),
    };
    push("log_level", v, s);
    push(
        "log_file",
        paths.log_file().display().to_string(),
        Source::Default,
    );
    push(
        "refresh_secs",
        settings.refresh_secs.to_string(),
        file("refresh_secs").unwrap_or(Source::Default),
    );
    push(
        "live_updates",
        settings.live_updates.to_string(),
        file("live_updates").unwrap_or(Source::Default),
    );

    // The site: --url beats a profile; a profile comes from the flag or the config default.
    if let (Some(url), Some(source)) = (&given.url.value, &given.url.source) {
        push("site", url.clone(), source.clone());
        push_user(&mut push, given, None);
        let key = match &given.api_key.source {
            Some(s) => ("given (not shown)".to_string(), s.clone()),
            None => ("none".to_string(), Source::Default),
        };
        push("api_key", key.0, key.1);
        return out;
    }
    let profile = match (&given.profile.value, &given.profile.source) {
        (Some(name), Some(source)) => Some((name.clone(), source.clone())),
        _ => settings
            .default_profile
            .clone()
            .map(|n| (n, Source::ConfigFile("default_profile".into()))),
    };
    match profile {
        None => {
            push("profile", "none".into(), Source::Default);
            push(
                "site",
                "the embedded demo community".into(),
                Source::Default,
            );
            push_user(&mut push, given, Some(SANDBOX_DEFAULT_USER));
        }
        Some((name, source)) => {
            push("profile", name.clone(), source);
            let Some(p) = settings.profiles.get(&name) else {
                push(
                    "site",
                    format!(
                        "(no profile named {name:?} in {})",
                        paths.config_file().display()
                    ),
                    Source::Default,
                );
                return out;
            };
            let at = |key: &str| Source::ConfigFile(format!("profiles.{name}.{key}"));
            push("site", p.url.clone(), at("url"));
            match (&given.username.value, &given.username.source) {
                (Some(u), Some(s)) => push("username", u.clone(), s.clone()),
                _ => push("username", p.username.clone(), at("username")),
            }
            match &given.api_key.source {
                Some(s) => push("api_key", "given (not shown)".into(), s.clone()),
                None => push("api_key", describe_key_source(&p.key), at("api_key_*")),
            }
            push(
                "key_kind",
                if p.user_api_key {
                    "user API key"
                } else {
                    "admin API key"
                }
                .into(),
                if p.user_api_key {
                    at("user_api_key")
                } else {
                    Source::Default
                },
            );
            if let Some(n) = p.requests_per_minute {
                push(
                    "requests_per_minute",
                    n.to_string(),
                    at("requests_per_minute"),
                );
            }
            if let Some(n) = p.requests_per_day {
                push("requests_per_day", n.to_string(), at("requests_per_day"));
            }
        }
    }
    out
}

fn push_user(
    push: &mut impl FnMut(&'static str, String, Source),
    given: &GivenOptions,
    default: Option<&str>,
) {
    match (&given.username.value, &given.username.source, default) {
        (Some(u), Some(s), _) => push("username", u.clone(), s.clone()),
        (_, _, Some(d)) => push("username", d.to_string(), Source::Default),
        _ => push("username", "none".into(), Source::Default),
    }
}

/// `config.toml` as a table, or an empty one when there is no file. A file that does not
/// parse is reported by `Settings::load` first, so here it is only read.
pub fn raw_table(paths: &Paths) -> toml::Table {
    std::fs::read_to_string(paths.config_file())
        .ok()
        .and_then(|s| s.parse::<toml::Table>().ok())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn given(value: &str, source: Source) -> Given {
        Given {
            value: Some(value.into()),
            source: Some(source),
        }
    }

    #[test]
    fn each_value_says_where_it_came_from() {
        let paths = Paths::new("/c", "/d");
        let settings = Settings {
            keymap: "arrows".into(),
            ..Settings::default()
        };
        let raw: toml::Table = "keymap = \"arrows\"".parse().unwrap();
        let opts = GivenOptions {
            theme: given("light", Source::Environment("MODTERM_THEME".into())),
            ..GivenOptions::default()
        };
        let entries = effective(&paths, &settings, &raw, &opts, |_| None);
        let find = |k: &str| entries.iter().find(|e| e.key == k).unwrap().clone();
        assert_eq!(find("theme").value, "light");
        assert_eq!(
            find("theme").source,
            Source::Environment("MODTERM_THEME".into())
        );
        assert_eq!(find("keymap").source, Source::ConfigFile("keymap".into()));
        assert_eq!(find("refresh_secs").source, Source::Default);
        assert_eq!(find("site").value, "the embedded demo community");
        assert_eq!(find("username").value, SANDBOX_DEFAULT_USER);
    }

    #[test]
    fn a_url_flag_beats_the_profile_and_the_key_is_never_shown() {
        let paths = Paths::new("/c", "/d");
        let settings = Settings::default();
        let opts = GivenOptions {
            url: given("https://forum.example", Source::Flag("--url".into())),
            api_key: given(
                "sekrit-key-value",
                Source::Environment("MODTERM_API_KEY".into()),
            ),
            ..GivenOptions::default()
        };
        let entries = effective(&paths, &settings, &toml::Table::new(), &opts, |_| None);
        let text = format!("{entries:?}");
        assert!(!text.contains("sekrit"), "{text}");
        assert!(entries
            .iter()
            .any(|e| e.key == "site" && e.source == Source::Flag("--url".into())));
    }
}
