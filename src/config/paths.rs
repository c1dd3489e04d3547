//! Where modterm keeps its files.

use std::path::PathBuf;

use super::error::ConfigError;

/// The configuration, data and state directories.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    pub config_dir: PathBuf,
    pub data_dir: PathBuf,
    /// Logs (the XDG state directory where the platform has one).
    pub state_dir: PathBuf,
}

impl Paths {
    /// `MODTERM_CONFIG_DIR` / `MODTERM_DATA_DIR` / `MODTERM_STATE_DIR` when set (tests use
    /// these), else the platform's directories for "modterm" (XDG on Linux). With
    /// `MODTERM_DATA_DIR` and no `MODTERM_STATE_DIR`, logs go to the data directory.
    pub fn resolve() -> Result<Paths, ConfigError> {
        Paths::resolve_with(|k| std::env::var_os(k).map(PathBuf::from))
    }

    /// As [`Paths::resolve`], reading the environment through `env` (for tests).
    pub fn resolve_with(env: impl Fn(&str) -> Option<PathBuf>) -> Result<Paths, ConfigError> {
        let nonempty = |k: &str| env(k).filter(|p| !p.as_os_str().is_empty());
        let config = nonempty("MODTERM_CONFIG_DIR");
        let data = nonempty("MODTERM_DATA_DIR");
        let state = nonempty("MODTERM_STATE_DIR").or_else(|| data.clone());
        if let (Some(config_dir), Some(data_dir)) = (config.clone(), data.clone()) {
            return Ok(Paths {
                config_dir,
                state_dir: state.unwrap_or_else(|| data_dir.clone()),
                data_dir,
            });
        }
        let dirs = directories::ProjectDirs::from("", "", "modterm").ok_or_else(|| {
            ConfigError::new(
                "cannot find the home directory; set MODTERM_CONFIG_DIR and MODTERM_DATA_DIR",
            )
        })?;
        let data_dir = data.unwrap_or_else(|| dirs.data_dir().to_path_buf());
        Ok(Paths {
            config_dir: config.unwrap_or_else(|| dirs.config_dir().to_path_buf()),
            state_dir: state
                .or_else(|| dirs.state_dir().map(|d| d.to_path_buf()))
                .unwrap_or_else(|| data_dir.clone()),
            data_dir,
        })
    }

    /// Paths rooted at the given directories (logs in the data directory).
    pub fn new(config_dir: impl Into<PathBuf>, data_dir: impl Into<PathBuf>) -> Paths {
        let data_dir = data_dir.into();
        Paths {
            config_dir: config_dir.into(),
            state_dir: data_dir.clone(),
            data_dir,
        }
    }

    pub fn config_file(&self) -> PathBuf {
        self.config_dir.join("config.toml")
    }
    pub fn drafts_dir(&self) -> PathBuf {
        self.data_dir.join("drafts")
    }
    pub fn log_file(&self) -> PathBuf {
        self.state_dir.join("modterm.log")
    }
    pub fn audit_log(&self) -> PathBuf {
        self.data_dir.join("audit.log")
    }
    pub fn sandbox_db(&self) -> PathBuf {
        self.data_dir.join("sandbox.db")
    }
    /// `config_dir/keymaps/NAME.toml`
    pub fn user_keymap(&self, name: &str) -> PathBuf {
        self.config_dir.join("keymaps").join(format!("{name}.toml"))
    }
    /// `config_dir/keymaps/overrides.toml`: merged on top of whichever keymap is in use.
    pub fn keymap_overrides(&self) -> PathBuf {
        self.user_keymap("overrides")
    }
    /// `config_dir/themes/NAME.toml`
    pub fn user_theme(&self, name: &str) -> PathBuf {
        self.config_dir.join("themes").join(format!("{name}.toml"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_env_overrides() {
        let p = Paths::resolve_with(|k| match k {
            "MODTERM_CONFIG_DIR" => Some(PathBuf::from("/c")),
            "MODTERM_DATA_DIR" => Some(PathBuf::from("/d")),
            _ => None,
        })
        .expect("paths");
        assert_eq!(p.config_file(), PathBuf::from("/c/config.toml"));
        assert_eq!(p.user_keymap("vim"), PathBuf::from("/c/keymaps/vim.toml"));
        assert_eq!(p.user_theme("x"), PathBuf::from("/c/themes/x.toml"));
        assert_eq!(p.drafts_dir(), PathBuf::from("/d/drafts"));
        assert_eq!(p.log_file(), PathBuf::from("/d/modterm.log"));
        assert_eq!(p.audit_log(), PathBuf::from("/d/audit.log"));
        assert_eq!(p.sandbox_db(), PathBuf::from("/d/sandbox.db"));
    }
}
