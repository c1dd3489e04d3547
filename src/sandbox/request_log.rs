//! The request log: one record per HTTP request the sandbox answered (or did not answer),
//! kept in memory for tests and optionally appended to a file as JSON lines.
//!
//! Requests are a budget (design rule 11), so tests count them: a test that performs a flow
//! asserts how many requests it made with [`super::Sandbox::request_count`] or reads them with
//! [`super::Sandbox::requests`]. Every request is recorded, faulted ones included: the status
//! is what was answered, and 0 when the connection was closed without an answer (an injected
//! drop or lost reply, or a client that went away mid-request). The sandbox's own `/sandbox/*`
//! endpoints are recorded too, flagged `sandbox_admin`, so tests can leave them out.
//!
//! The record is pushed before the answer is handed to the connection, so once a client has
//! its reply (or its error), the request is already counted.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, Write};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use serde::{Deserialize, Serialize};

/// How many records the in-memory ring keeps (the counters never forget).
pub const RING_CAPACITY: usize = 100_000;

/// Query parameters never written to the log (credentials some clients send in the URL).
const SECRET_PARAMS: &[&str] = &["api_key", "api_username", "user_api_key"];

/// Which credential a request carried (as sent, valid or not).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyKind {
    /// `Api-Key` (the admin "all users" key).
    Admin,
    /// `User-Api-Key`.
    User,
    /// Neither.
    None,
}

/// One request, as written to the log file (one JSON object a line; it reads back with
/// serde too).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequestRecord {
    /// When it arrived, RFC 3339 UTC with milliseconds.
    pub ts: String,
    pub method: String,
    /// The path, without the query string.
    pub path: String,
    /// The query string without credential parameters (`api_key`, `api_username`), or "".
    pub query: String,
    /// `Api-Username` (or the user it resolved to), the user API key's user, or `None`.
    pub user: Option<String>,
    pub key: KeyKind,
    /// The status answered; 0 when the connection was closed without an answer.
    pub status: u16,
    /// Time from arrival to answer, in milliseconds.
    pub ms: f64,
    /// One of the sandbox's own `/sandbox/*` endpoints (not part of any API flow).
    pub sandbox_admin: bool,
    /// The injected fault that shaped the answer (`"latency"` is not listed): `"rate_limit"`,
    /// `"drop"`, `"lose_reply"`, `"error"`, `"malformed"`; `"client_closed"` when the client
    /// went away first; `None` otherwise.
    pub fault: Option<String>,
}

impl RequestRecord {
    /// Was the request answered (status not 0)?
    pub fn answered(&self) -> bool {
        self.status != 0
    }
}

/// The in-memory ring, the counters and the optional file.
#[derive(Debug)]
pub(crate) struct RequestLog {
    ring: Mutex<VecDeque<RequestRecord>>,
    total: AtomicU64,
    api_total: AtomicU64,
    file: Option<Mutex<File>>,
}

impl RequestLog {
    /// A log kept in memory, and appended to `path` when given (created 0600).
    pub(crate) fn open(path: Option<&Path>) -> io::Result<RequestLog> {
        let file = match path {
            Some(p) => Some(Mutex::new(open_private_append(p)?)),
            None => None,
        };
        Ok(RequestLog {
            ring: Mutex::new(VecDeque::new()),
            total: AtomicU64::new(0),
            api_total: AtomicU64::new(0),
            file,
        })
    }

    pub(crate) fn push(&self, rec: RequestRecord) {
        self.total.fetch_add(1, Ordering::SeqCst);
        if !rec.sandbox_admin {
            self.api_total.fetch_add(1, Ordering::SeqCst);
        }
        if let Some(file) = &self.file {
            if let Ok(mut line) = serde_json::to_vec(&rec) {
                line.push(b'\n');
                let mut f = file.lock().unwrap_or_else(|e| e.into_inner());
                // A full disk must not fail the request; the in-memory log still has it.
                let _ = f.write_all(&line);
            }
        }
        let mut ring = self.ring.lock().unwrap_or_else(|e| e.into_inner());
        if ring.len() >= RING_CAPACITY {
            ring.pop_front();
        }
        ring.push_back(rec);
    }

    /// The records still in the ring, oldest first.
    pub(crate) fn records(&self) -> Vec<RequestRecord> {
        self.ring
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .cloned()
            .collect()
    }

    /// Every request recorded since start (or the last [`RequestLog::clear`]).
    pub(crate) fn count(&self) -> u64 {
        self.total.load(Ordering::SeqCst)
    }

    /// The same, without the `/sandbox/*` endpoints.
    pub(crate) fn api_count(&self) -> u64 {
        self.api_total.load(Ordering::SeqCst)
    }

    /// Forgets the ring and zeroes the counters (the file keeps its lines).
    pub(crate) fn clear(&self) {
        let mut ring = self.ring.lock().unwrap_or_else(|e| e.into_inner());
        ring.clear();
        self.total.store(0, Ordering::SeqCst);
        self.api_total.store(0, Ordering::SeqCst);
    }
}

#[cfg(unix)]
fn open_private_append(path: &Path) -> io::Result<File> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(path)?;
    // An existing file keeps its mode on open; the log names users, so narrow it.
    f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    Ok(f)
}

#[cfg(not(unix))]
fn open_private_append(path: &Path) -> io::Result<File> {
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
}

/// The query string without credential parameters, otherwise as sent.
pub(crate) fn public_query(query: &str) -> String {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .filter(|pair| {
            let name = pair.split('=').next().unwrap_or("");
            let name = super::params::decode_component(name);
            !SECRET_PARAMS.iter().any(|s| name.eq_ignore_ascii_case(s))
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// A request being answered. Finished with [`Entry::finish`]; dropped unfinished (the client
/// went away and the handler was cancelled) it is recorded with status 0.
pub(crate) struct Entry {
    log: Arc<RequestLog>,
    rec: Option<RequestRecord>,
    start: Instant,
}

impl Entry {
    pub(crate) fn begin(
        log: Arc<RequestLog>,
        method: &str,
        path: &str,
        query: &str,
        user: Option<String>,
        key: KeyKind,
    ) -> Entry {
        Entry {
            log,
            rec: Some(RequestRecord {
                ts: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                method: method.to_string(),
                path: path.to_string(),
                query: public_query(query),
                user,
                key,
                status: 0,
                ms: 0.0,
                sandbox_admin: path.starts_with("/sandbox/"),
                fault: None,
            }),
            start: Instant::now(),
        }
    }

    /// The user the request resolved to (replaces what the headers said).
    pub(crate) fn set_user(&mut self, user: Option<String>) {
        if let (Some(rec), Some(u)) = (self.rec.as_mut(), user) {
            rec.user = Some(u);
        }
    }

    pub(crate) fn set_fault(&mut self, fault: &str) {
        if let Some(rec) = self.rec.as_mut() {
            rec.fault = Some(fault.to_string());
        }
    }

    /// Records the request with the status answered (0 = closed without an answer).
    pub(crate) fn finish(mut self, status: u16) {
        self.record(status);
    }

    fn record(&mut self, status: u16) {
        if let Some(mut rec) = self.rec.take() {
            rec.status = status;
            let ms = self.start.elapsed().as_secs_f64() * 1000.0;
            rec.ms = (ms * 1000.0).round() / 1000.0;
            self.log.push(rec);
        }
    }
}

impl Drop for Entry {
    fn drop(&mut self) {
        if let Some(rec) = self.rec.as_mut() {
            if rec.fault.is_none() {
                rec.fault = Some("client_closed".into());
            }
            self.record(0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_leave_the_query() {
        assert_eq!(
            public_query("api_key=secret&page=2&Api_Username=bob&q=a%20b&user_api_key=x"),
            "page=2&q=a%20b"
        );
        assert_eq!(public_query("api%5Fkey=secret&x=1"), "x=1");
        assert_eq!(public_query(""), "");
    }

    #[test]
    fn ring_is_bounded_and_counters_count_everything() {
        let log = Arc::new(RequestLog::open(None).unwrap());
        for i in 0..(RING_CAPACITY + 5) {
            let path = if i % 2 == 0 {
                "/latest.json"
            } else {
                "/sandbox/faults.json"
            };
            Entry::begin(log.clone(), "GET", path, "", None, KeyKind::None).finish(200);
        }
        assert_eq!(log.records().len(), RING_CAPACITY);
        assert_eq!(log.count(), (RING_CAPACITY + 5) as u64);
        assert_eq!(log.api_count(), (RING_CAPACITY + 5).div_ceil(2) as u64);
        log.clear();
        assert_eq!((log.count(), log.records().len()), (0, 0));
    }

    #[test]
    fn an_abandoned_request_is_recorded_as_closed() {
        let log = Arc::new(RequestLog::open(None).unwrap());
        drop(Entry::begin(
            log.clone(),
            "POST",
            "/message-bus/c/poll",
            "",
            Some("mod_anna".into()),
            KeyKind::Admin,
        ));
        let r = &log.records()[0];
        assert_eq!((r.status, r.fault.as_deref()), (0, Some("client_closed")));
        assert!(!r.answered());
    }
}
