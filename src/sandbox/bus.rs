//! The message bus: per-channel ids and a bounded in-memory backlog, audience filtering and the
//! long-polling `POST /message-bus/{client_id}/poll` endpoint (reference §14.1–14.3).
//!
//! Like Discourse's redis backlog the state is memory only: a restart starts every channel
//! again from 0. Replies are always plain JSON (the `Dont-Chunk` behaviour); the chunked
//! streaming mode is not implemented.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use serde_json::{json, Value};
use tokio::sync::Notify;

/// Discourse's `message_bus_max_backlog_size`.
pub(crate) const MAX_BACKLOG: usize = 100;
/// `GlobalSetting.long_polling_interval` default.
pub(crate) const DEFAULT_LONG_POLL_MS: u64 = 25_000;
/// The gem's `max_active_clients`: above this, polls are answered at once.
const MAX_ACTIVE_CLIENTS: usize = 1000;

/// Who may receive a message.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Audience {
    /// Everyone, anonymous included.
    Everyone,
    /// Any logged-in user (the `trust_level_0` group).
    LoggedIn,
    /// Admins and moderators.
    Staff,
    /// Admins only (a topic without a category).
    Admins,
    /// These users, plus staff when `staff` is set (a PM: its participants and staff).
    Users { ids: Vec<i64>, staff: bool },
}

/// The account a poll is made as.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Viewer {
    pub id: i64,
    pub admin: bool,
    pub staff: bool,
}

impl Audience {
    pub(crate) fn allows(&self, v: Option<&Viewer>) -> bool {
        match self {
            Audience::Everyone => true,
            Audience::LoggedIn => v.is_some(),
            Audience::Staff => v.is_some_and(|v| v.staff),
            Audience::Admins => v.is_some_and(|v| v.admin),
            Audience::Users { ids, staff } => {
                v.is_some_and(|v| ids.contains(&v.id) || (*staff && v.staff))
            }
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Message {
    pub global_id: i64,
    pub message_id: i64,
    pub channel: String,
    pub data: Value,
    pub audience: Audience,
}

impl Message {
    fn to_json(&self) -> Value {
        json!({
            "global_id": self.global_id,
            "message_id": self.message_id,
            "channel": self.channel,
            "data": self.data,
        })
    }
}

#[derive(Default)]
struct ChannelLog {
    last_id: i64,
    backlog: VecDeque<Message>,
}

#[derive(Default)]
struct Inner {
    global_id: i64,
    channels: HashMap<String, ChannelLog>,
}

/// The bus of one sandbox.
pub(crate) struct Bus {
    inner: Mutex<Inner>,
    notify: Notify,
    closing: AtomicBool,
    active: AtomicUsize,
    pub(crate) long_poll_ms: AtomicU64,
}

impl Bus {
    pub(crate) fn new(long_poll_ms: u64) -> Bus {
        Bus {
            inner: Mutex::new(Inner::default()),
            notify: Notify::new(),
            closing: AtomicBool::new(false),
            active: AtomicUsize::new(0),
            long_poll_ms: AtomicU64::new(long_poll_ms),
        }
    }

    /// Appends a message and wakes the held polls. Returns its per-channel id.
    pub(crate) fn publish(&self, channel: &str, data: Value, audience: Audience) -> i64 {
        let id = {
            let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
            inner.global_id += 1;
            let global_id = inner.global_id;
            let log = inner.channels.entry(channel.to_string()).or_default();
            log.last_id += 1;
            let message_id = log.last_id;
            log.backlog.push_back(Message {
                global_id,
                message_id,
                channel: channel.to_string(),
                data,
                audience,
            });
            while log.backlog.len() > MAX_BACKLOG {
                log.backlog.pop_front();
            }
            message_id
        };
        self.notify.notify_waiters();
        id
    }

    /// The last id of a channel (0 when nothing was published).
    pub(crate) fn last_id(&self, channel: &str) -> i64 {
        let inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner.channels.get(channel).map_or(0, |l| l.last_id)
    }

    /// Ends every held poll (sandbox shutdown).
    pub(crate) fn close(&self) {
        self.closing.store(true, Ordering::SeqCst);
        self.notify.notify_waiters();
    }

    pub(crate) fn long_poll(&self) -> Duration {
        Duration::from_millis(self.long_poll_ms.load(Ordering::Relaxed))
    }

    /// One look at the backlog. `positions` are advanced past everything examined.
    /// `with_status`: also build the `/__status` message for -1 / unknown positions and for
    /// channels whose new messages were all addressed to others.
    fn collect(
        &self,
        positions: &mut [(String, i64)],
        viewer: Option<&Viewer>,
        with_status: bool,
    ) -> Vec<Value> {
        let inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let mut out = Vec::new();
        let mut status = serde_json::Map::new();
        for (channel, pos) in positions.iter_mut() {
            let log = inner.channels.get(channel.as_str());
            let current = log.map_or(0, |l| l.last_id);
            let from = match *pos {
                -1 => None,
                n if n > current => None,
                n if n < -1 => Some((current + n + 1).max(0)),
                n => Some(n),
            };
            let Some(from) = from else {
                if with_status {
                    status.insert(channel.clone(), json!(current));
                }
                *pos = current;
                continue;
            };
            let mut skipped = false;
            let mut delivered = false;
            if let Some(log) = log {
                for m in log.backlog.iter().filter(|m| m.message_id > from) {
                    if m.audience.allows(viewer) {
                        out.push(m.to_json());
                        delivered = true;
                    } else {
                        skipped = true;
                    }
                }
            }
            if skipped && !delivered && with_status {
                status.insert(channel.clone(), json!(current));
            }
            *pos = current;
        }
        if !status.is_empty() {
            out.push(json!({
                "global_id": -1,
                "message_id": -1,
                "channel": "/__status",
                "data": Value::Object(status),
            }));
        }
        out
    }

    /// Answers a poll: at once when something is there (or `dlp`), else holds up to the long
    /// poll interval, answering as soon as a message for this subscriber arrives, then `[]`.
    pub(crate) async fn poll(
        &self,
        mut positions: Vec<(String, i64)>,
        viewer: Option<Viewer>,
        long_poll: bool,
    ) -> Vec<Value> {
        let found = self.collect(&mut positions, viewer.as_ref(), true);
        if !found.is_empty() || !long_poll || self.closing.load(Ordering::SeqCst) {
            return found;
        }
        if self.active.fetch_add(1, Ordering::SeqCst) >= MAX_ACTIVE_CLIENTS {
            self.active.fetch_sub(1, Ordering::SeqCst);
            return found;
        }
        let deadline = tokio::time::Instant::now() + self.long_poll();
        let result = loop {
            let notified = self.notify.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            // Look again after arming, so a publish in between is not missed.
            let found = self.collect(&mut positions, viewer.as_ref(), false);
            if !found.is_empty() || self.closing.load(Ordering::SeqCst) {
                break found;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                break Vec::new();
            }
        };
        self.active.fetch_sub(1, Ordering::SeqCst);
        result
    }
}

/// Reads `channel=last_id` pairs from the poll parameters (`__seq`, `dlp` and other keys not
/// starting with `/` are ignored; a non-numeric id counts as -1).
pub(crate) fn positions(pairs: &[(String, String)]) -> Vec<(String, i64)> {
    let mut out: Vec<(String, i64)> = Vec::new();
    for (k, v) in pairs {
        if !k.starts_with('/') {
            continue;
        }
        let id = v.trim().parse::<i64>().unwrap_or(-1);
        match out.iter_mut().find(|(c, _)| c == k) {
            Some(slot) => slot.1 = id,
            None => out.push((k.clone(), id)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn staff() -> Viewer {
        Viewer {
            id: 2,
            admin: false,
            staff: true,
        }
    }

    #[test]
    fn status_then_newer_only_and_filtering() {
        let bus = Bus::new(10);
        bus.publish("/latest", json!({"n": 1}), Audience::Everyone);
        let mut pos = vec![("/latest".to_string(), -1)];
        let out = bus.collect(&mut pos, None, true);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0]["channel"], "/__status");
        assert_eq!(out[0]["data"]["/latest"], 1);
        assert_eq!(pos[0].1, 1);
        bus.publish("/latest", json!({"n": 2}), Audience::Everyone);
        bus.publish("/latest", json!({"n": 3}), Audience::Staff);
        let out = bus.collect(&mut pos, None, true);
        assert_eq!(out.len(), 1, "{out:?}");
        assert_eq!(out[0]["data"]["n"], 2);
        let mut pos = vec![("/latest".to_string(), 1)];
        let out = bus.collect(&mut pos, Some(&staff()), true);
        assert_eq!(out.len(), 2);
        // Only hidden messages: a status moves the client on.
        let mut pos = vec![("/latest".to_string(), 2)];
        let out = bus.collect(&mut pos, None, true);
        assert_eq!(out[0]["channel"], "/__status");
        assert_eq!(out[0]["data"]["/latest"], 3);
        // -2 = the last message; above the current id = -1.
        let mut pos = vec![("/latest".to_string(), -2)];
        assert_eq!(
            bus.collect(&mut pos, Some(&staff()), true)[0]["data"]["n"],
            3
        );
        let mut pos = vec![("/latest".to_string(), 99)];
        assert_eq!(bus.collect(&mut pos, None, true)[0]["channel"], "/__status");
    }

    #[test]
    fn backlog_is_bounded() {
        let bus = Bus::new(10);
        for i in 0..(MAX_BACKLOG + 20) {
            bus.publish("/x", json!(i), Audience::Everyone);
        }
        let mut pos = vec![("/x".to_string(), 0)];
        assert_eq!(bus.collect(&mut pos, None, true).len(), MAX_BACKLOG);
        assert_eq!(bus.last_id("/x"), (MAX_BACKLOG + 20) as i64);
    }

    #[test]
    fn positions_skip_meta_keys() {
        let pairs = vec![
            ("/latest".to_string(), "-1".to_string()),
            ("__seq".to_string(), "3".to_string()),
            ("dlp".to_string(), "t".to_string()),
            ("/topic/4".to_string(), "7".to_string()),
        ];
        assert_eq!(
            positions(&pairs),
            vec![("/latest".to_string(), -1), ("/topic/4".to_string(), 7)]
        );
    }
}
