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

/// Parses a level name (`error`, `warn`, `info`, `debug`, `trace`, `off`).
pub fn parse_level(s: &str) -> Result<LevelFilter, String> {
    s.trim()
        .parse::<LevelFilter>()
        .map_err(|_| format!("unknown log level {s:?}: use error, warn, info, debug, trace or off"))
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
    fn levels_parse() {
        assert_eq!(parse_level("debug").unwrap(), LevelFilter::DEBUG);
        assert_eq!(parse_level(" WARN ").unwrap(), LevelFilter::WARN);
        assert!(parse_level("loud").is_err());
    }
}
