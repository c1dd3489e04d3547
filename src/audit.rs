//! The audit log: one JSON line per moderation action taken from this machine (time, site,
//! account, action, target, result), appended to `audit.log` in the data directory.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub time: String,
    pub site: String,
    pub account: String,
    pub action: String,
    pub target: String,
    pub result: String,
}

#[derive(Debug, Clone)]
pub struct AuditLog {
    path: PathBuf,
}

impl AuditLog {
    pub fn new(path: PathBuf) -> AuditLog {
        AuditLog { path }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one entry. An audit write that fails is reported, not fatal to the action.
    pub fn record(
        &self,
        site: &str,
        account: &str,
        action: &str,
        target: &str,
        result: &str,
    ) -> std::io::Result<()> {
        let entry = AuditEntry {
            time: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            site: site.to_string(),
            account: account.to_string(),
            action: action.to_string(),
            target: target.to_string(),
            result: result.to_string(),
        };
        // The moderation trail is private: a 0600 file in a 0700 directory.
        let mut file = crate::files::append_private(&self.path)?;
        let line = serde_json::to_string(&entry).map_err(std::io::Error::other)?;
        writeln!(file, "{line}")
    }

    /// All entries, oldest first. Lines that do not parse (a torn last line) are skipped.
    pub fn entries(&self) -> std::io::Result<Vec<AuditEntry>> {
        let file = match std::fs::File::open(&self.path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        Ok(std::io::BufReader::new(file)
            .lines()
            .map_while(Result::ok)
            .filter_map(|line| serde_json::from_str(&line).ok())
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_and_reads_back_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let log = AuditLog::new(dir.path().join("audit.log"));
        assert!(log.entries().unwrap().is_empty());
        log.record("http://s", "mod_anna", "reply", "topic 4", "ok")
            .unwrap();
        log.record(
            "http://s",
            "mod_anna",
            "accept_solution",
            "post 9",
            "forbidden",
        )
        .unwrap();
        let entries = log.entries().unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].action, "reply");
        assert_eq!(entries[1].result, "forbidden");
    }
}
