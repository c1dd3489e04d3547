//! A small append-only log file in the data directory. Never the terminal (the console draws
//! there), never an API key (callers log only messages built from domain values and errors,
//! and errors never carry keys).

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::Path;
use std::sync::Mutex;

static LOG: Mutex<Option<File>> = Mutex::new(None);

/// Opens (or creates) the log file. Failing to open it is not fatal: logging is then off.
pub fn init(path: &Path) {
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let file = OpenOptions::new().create(true).append(true).open(path).ok();
    if let Ok(mut slot) = LOG.lock() {
        if slot.is_none() {
            *slot = file;
        }
    }
}

pub fn write(level: &str, message: &str) {
    let Ok(mut slot) = LOG.lock() else { return };
    if let Some(file) = slot.as_mut() {
        let now = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%.3fZ");
        let _ = writeln!(file, "{now} {level} {}", message.replace('\n', " "));
    }
}

pub fn info(message: &str) {
    write("INFO", message);
}

pub fn warn(message: &str) {
    write("WARN", message);
}
