//! The one configuration error type: which file, which line, what is wrong.

use std::fmt;
use std::path::{Path, PathBuf};

/// A configuration problem, naming the file (and line where known).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub file: Option<PathBuf>,
    pub line: Option<usize>,
    pub message: String,
}

impl ConfigError {
    /// An error not tied to a file.
    pub fn new(message: impl Into<String>) -> ConfigError {
        ConfigError {
            file: None,
            line: None,
            message: message.into(),
        }
    }

    /// An error in `file`, at `line` when known.
    pub fn at(file: &Path, line: Option<usize>, message: impl Into<String>) -> ConfigError {
        ConfigError {
            file: Some(file.to_path_buf()),
            line,
            message: message.into(),
        }
    }

    /// A TOML or schema error from the `toml` crate, with the line computed from its span.
    pub(crate) fn from_toml(file: &Path, src: &str, e: &toml::de::Error) -> ConfigError {
        let line = e.span().map(|s| line_of(src, s.start));
        ConfigError::at(file, line, e.message().trim().to_string())
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.file, self.line) {
            (Some(file), Some(line)) => write!(f, "{}:{}: {}", file.display(), line, self.message),
            (Some(file), None) => write!(f, "{}: {}", file.display(), self.message),
            (None, _) => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for ConfigError {}

/// The 1-based line of a byte offset in `src`.
pub(crate) fn line_of(src: &str, offset: usize) -> usize {
    let end = offset.min(src.len());
    src.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// Reads a config file, naming it in the error.
pub(crate) fn read_file(path: &Path) -> Result<String, ConfigError> {
    std::fs::read_to_string(path)
        .map_err(|e| ConfigError::at(path, None, format!("cannot read the file: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_error_display_names_file_and_line() {
        let e = ConfigError::at(Path::new("/x/k.toml"), Some(3), "bad");
        assert_eq!(e.to_string(), "/x/k.toml:3: bad");
        let e = ConfigError::at(Path::new("/x/k.toml"), None, "bad");
        assert_eq!(e.to_string(), "/x/k.toml: bad");
        assert_eq!(ConfigError::new("bad").to_string(), "bad");
        assert_eq!(line_of("a\nb\nc", 4), 3);
    }
}
