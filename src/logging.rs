//! Logs through `tracing`, to a file in the state directory (never the terminal the console
//! draws on), at the level `--log-level` or `MODTERM_LOG` asks for (default `info`).
//!
//! The file is written by [`CappedFile`] rather than `tracing-appender`: the log may hold
//! topic titles and member names, so it must be created 0600 like every other modterm file,
//! which the appender cannot do; and a size cap with one rotated file (`modterm.log.1`) keeps
//! it bounded without a background thread. Nothing logs an API key: errors never carry one.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::prelude::*;

/// The log file is rotated (to `.1`) past this size.
pub const MAX_LOG_BYTES: u64 = 5 * 1024 * 1024;

static INSTALLED: OnceLock<PathBuf> = OnceLock::new();

/// An append-only, 0600, size-capped log file.
pub struct CappedFile {
    path: PathBuf,
    file: Option<File>,
    written: u64,
}

impl CappedFile {
    pub fn open(path: &Path) -> std::io::Result<CappedFile> {
        let file = crate::files::append_private(path)?;
        let written = file.metadata().map(|m| m.len()).unwrap_or(0);
        Ok(CappedFile {
            path: path.to_path_buf(),
            file: Some(file),
            written,
        })
    }

    fn rotate(&mut self) -> std::io::Result<()> {
        self.file = None;
        let old = self.path.with_extension("log.1");
        let _ = std::fs::rename(&self.path, old);
        self.file = Some(crate::files::append_private(&self.path)?);
        self.written = 0;
        Ok(())
    }
}

impl Write for CappedFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.written + buf.len() as u64 > MAX_LOG_BYTES {
            self.rotate()?;
        }
        let file = self
            .file
            .as_mut()
            .ok_or_else(|| std::io::Error::other("log file closed"))?;
        let n = file.write(buf)?;
        self.written += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self.file.as_mut() {
            Some(f) => f.flush(),
            None => Ok(()),
        }
    }
}

struct SharedFile(Mutex<CappedFile>);

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for SharedFile {
    type Writer = SharedWriter<'a>;
    fn make_writer(&'a self) -> Self::Writer {
        SharedWriter(&self.0)
    }
}

struct SharedWriter<'a>(&'a Mutex<CappedFile>);

impl Write for SharedWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).flush()
    }
}

/// The levels `--log-level` and `MODTERM_LOG` take (a clap value enum, so a wrong one is a
/// usage error and the completions offer them). No doc comments on the variants: clap would
/// turn them into a long "Possible values" list in `--help`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogLevel {
    Error,
    Warn,
    Info,
    Debug,
    Trace,
    Off,
}

impl LogLevel {
    /// The name as typed on the command line (`info`).
    pub fn name(self) -> &'static str {
        match self {
            LogLevel::Error => "error",
            LogLevel::Warn => "warn",
            LogLevel::Info => "info",
            LogLevel::Debug => "debug",
            LogLevel::Trace => "trace",
            LogLevel::Off => "off",
        }
    }
}

impl From<LogLevel> for LevelFilter {
    fn from(level: LogLevel) -> LevelFilter {
        match level {
            LogLevel::Error => LevelFilter::ERROR,
            LogLevel::Warn => LevelFilter::WARN,
            LogLevel::Info => LevelFilter::INFO,
            LogLevel::Debug => LevelFilter::DEBUG,
            LogLevel::Trace => LevelFilter::TRACE,
            LogLevel::Off => LevelFilter::OFF,
        }
    }
}

/// Sends logs to `path` from now on. Only the first call in a process installs the logger
/// (tests and the embedded sandbox may ask again); failing to open the file leaves logging off.
pub fn init(path: &Path, level: LevelFilter) {
    if INSTALLED.get().is_some() {
        return;
    }
    let Ok(file) = CappedFile::open(path) else {
        return;
    };
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(SharedFile(Mutex::new(file)))
        .with_ansi(false)
        .with_target(false);
    let filter = Targets::new().with_target("modterm", level);
    if tracing_subscriber::registry()
        .with(layer.with_filter(filter))
        .try_init()
        .is_ok()
    {
        let _ = INSTALLED.set(path.to_path_buf());
    }
}

/// The log file in use, once logging is on.
pub fn file() -> Option<&'static Path> {
    INSTALLED.get().map(PathBuf::as_path)
}

pub fn info(message: &str) {
    tracing::info!("{}", message.replace('\n', " "));
}

pub fn warn(message: &str) {
    tracing::warn!("{}", message.replace('\n', " "));
}

/// A panic's message, for the log (the screen it happened on is gone).
pub fn panicked(message: &str) {
    tracing::error!("panic: {}", message.replace('\n', " "));
}

/// Every panic, in any command, is also written to the log file (standard error is unseen
/// under a full-screen program, and often discarded by a script). Installed once.
pub fn log_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            panicked(&info.to_string());
            previous(info);
        }));
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_is_capped_and_rotated() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("modterm.log");
        let mut f = CappedFile::open(&path).unwrap();
        let line = vec![b'x'; 1024 * 1024];
        for _ in 0..7 {
            f.write_all(&line).unwrap();
        }
        let size = std::fs::metadata(&path).unwrap().len();
        assert!(size <= MAX_LOG_BYTES, "{size}");
        assert!(path.with_extension("log.1").exists());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
    }

    #[test]
    fn levels_are_named_as_clap_takes_them_and_convert() {
        use clap::ValueEnum;
        assert_eq!(LevelFilter::from(LogLevel::Debug), LevelFilter::DEBUG);
        assert_eq!(LevelFilter::from(LogLevel::Off), LevelFilter::OFF);
        assert_eq!(LogLevel::from_str("WARN", true), Ok(LogLevel::Warn));
        assert!(LogLevel::from_str("loud", true).is_err());
        for level in LogLevel::value_variants() {
            let value = level.to_possible_value().unwrap();
            assert_eq!(value.get_name(), level.name());
            let filter = LevelFilter::from(*level).to_string().to_lowercase();
            assert_eq!(filter, level.name());
        }
    }
}
