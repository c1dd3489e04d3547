//! Fault injection: latency, error statuses, rate limits, dropped connections, lost replies
//! and malformed JSON, optionally limited to a path prefix and to the next N matching requests.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// The faults in force. Everything is off by default.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Faults {
    /// Delay every matching request by this many milliseconds.
    pub latency_ms: u64,
    /// Share (0..1) of matching requests answered with `error_status`.
    pub error_rate: f64,
    /// 500, 502 or 503 (anything else is treated as 500).
    pub error_status: u16,
    /// Answer every matching request with 429 and `Retry-After`.
    pub rate_limit: bool,
    /// Share (0..1) of matching requests answered 429 with `Retry-After` (as `rate_limit`,
    /// but only some of them).
    pub rate_limit_rate: f64,
    /// Seconds announced in `Retry-After` for `rate_limit` and `rate_limit_rate` (default 60
    /// when 0).
    pub retry_after_seconds: u64,
    /// Share (0..1) of matching requests whose connection is closed without a reply (before
    /// anything is done).
    pub drop_rate: f64,
    /// Share (0..1) of matching writes (POST, PUT, PATCH, DELETE; not message-bus polls) that
    /// are carried out and committed, then their connection is closed without a reply: the
    /// client cannot tell whether the write happened.
    pub lose_reply_rate: f64,
    /// Share (0..1) of matching requests answered 200 with invalid JSON.
    pub malformed_rate: f64,
    /// Only requests whose path starts with this are faulted.
    pub path_prefix: Option<String>,
    /// Apply to the next N matching requests only, then stop (`None` = until changed).
    pub count: Option<u64>,
}

impl Faults {
    /// Could any fault apply to a request (a write or not)? A request no fault can touch does
    /// not use up `count`.
    fn any(&self, write: bool) -> bool {
        self.latency_ms > 0
            || self.error_rate > 0.0
            || self.rate_limit
            || self.rate_limit_rate > 0.0
            || self.drop_rate > 0.0
            || (write && self.lose_reply_rate > 0.0)
            || self.malformed_rate > 0.0
    }

    /// Clamp rates to 0..1 and the status to a 5xx the reference lists.
    pub(crate) fn normalized(mut self) -> Faults {
        let clamp = |v: f64| {
            if v.is_finite() {
                v.clamp(0.0, 1.0)
            } else {
                0.0
            }
        };
        self.error_rate = clamp(self.error_rate);
        self.drop_rate = clamp(self.drop_rate);
        self.malformed_rate = clamp(self.malformed_rate);
        self.rate_limit_rate = clamp(self.rate_limit_rate);
        self.lose_reply_rate = clamp(self.lose_reply_rate);
        if !(500..=599).contains(&self.error_status) {
            self.error_status = 500;
        }
        self
    }
}

/// What to do to one request.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Outcome {
    Pass,
    RateLimit(u64),
    Drop,
    /// Run the request and commit, then close the connection without answering.
    LoseReply,
    Error(u16),
    Malformed,
}

#[derive(Debug)]
struct Inner {
    faults: Faults,
    rng: u64,
}

/// Shared, cheaply cloned handle on the faults in force.
#[derive(Debug, Clone)]
pub struct FaultHandle(Arc<Mutex<Inner>>);

impl Default for FaultHandle {
    fn default() -> Self {
        FaultHandle(Arc::new(Mutex::new(Inner {
            faults: Faults::default(),
            rng: 0x9E37_79B9_7F4A_7C15,
        })))
    }
}

impl FaultHandle {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Replace the faults in force.
    pub fn set(&self, faults: Faults) {
        self.lock().faults = faults.normalized();
    }

    /// Turn every fault off.
    pub fn clear(&self) {
        self.lock().faults = Faults::default();
    }

    /// The faults in force (with `count` showing what is left).
    pub fn get(&self) -> Faults {
        self.lock().faults.clone()
    }

    /// Decide the fate of one request to `path` (`write`: a POST/PUT/PATCH/DELETE that is not
    /// a message-bus poll): a delay and an outcome.
    pub(crate) fn decide(&self, path: &str, write: bool) -> (Duration, Outcome) {
        let mut inner = self.lock();
        let f = &inner.faults;
        if !f.any(write) || f.count == Some(0) {
            return (Duration::ZERO, Outcome::Pass);
        }
        if let Some(prefix) = &f.path_prefix {
            if !path.starts_with(prefix.as_str()) {
                return (Duration::ZERO, Outcome::Pass);
            }
        }
        if let Some(n) = inner.faults.count.as_mut() {
            *n -= 1;
        }
        let f = inner.faults.clone();
        let delay = Duration::from_millis(f.latency_ms);
        let retry_after = if f.retry_after_seconds == 0 {
            60
        } else {
            f.retry_after_seconds
        };
        let outcome = if f.rate_limit || roll(&mut inner.rng, f.rate_limit_rate) {
            Outcome::RateLimit(retry_after)
        } else if roll(&mut inner.rng, f.drop_rate) {
            Outcome::Drop
        } else if write && roll(&mut inner.rng, f.lose_reply_rate) {
            Outcome::LoseReply
        } else if roll(&mut inner.rng, f.error_rate) {
            Outcome::Error(f.error_status)
        } else if roll(&mut inner.rng, f.malformed_rate) {
            Outcome::Malformed
        } else {
            Outcome::Pass
        };
        (delay, outcome)
    }
}

/// True with probability `p` (exactly always for 1.0, never for 0.0).
fn roll(state: &mut u64, p: f64) -> bool {
    if p <= 0.0 {
        return false;
    }
    if p >= 1.0 {
        return true;
    }
    let v = crate::sandbox::seed::splitmix64(state);
    ((v >> 11) as f64 / (1u64 << 53) as f64) < p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn count_limits_faults_and_prefix_filters() {
        let h = FaultHandle::default();
        h.set(Faults {
            error_rate: 1.0,
            error_status: 503,
            path_prefix: Some("/latest".into()),
            count: Some(2),
            ..Faults::default()
        });
        assert_eq!(h.decide("/site.json", false).1, Outcome::Pass);
        assert_eq!(h.decide("/latest.json", false).1, Outcome::Error(503));
        assert_eq!(h.decide("/latest.json", false).1, Outcome::Error(503));
        assert_eq!(h.decide("/latest.json", false).1, Outcome::Pass);
        assert_eq!(h.get().count, Some(0));
    }

    #[test]
    fn normalizes_odd_values() {
        let f = Faults {
            error_rate: 7.0,
            drop_rate: f64::NAN,
            error_status: 200,
            ..Faults::default()
        }
        .normalized();
        assert_eq!(f.error_rate, 1.0);
        assert_eq!(f.drop_rate, 0.0);
        assert_eq!(f.error_status, 500);
        let f = Faults {
            lose_reply_rate: -1.0,
            rate_limit_rate: f64::INFINITY,
            ..Faults::default()
        }
        .normalized();
        assert_eq!((f.lose_reply_rate, f.rate_limit_rate), (0.0, 0.0));
    }

    #[test]
    fn lost_replies_are_for_writes_only_and_spare_the_count_of_reads() {
        let h = FaultHandle::default();
        h.set(Faults {
            lose_reply_rate: 1.0,
            count: Some(1),
            ..Faults::default()
        });
        assert_eq!(h.decide("/latest.json", false).1, Outcome::Pass);
        assert_eq!(h.get().count, Some(1));
        assert_eq!(h.decide("/posts.json", true).1, Outcome::LoseReply);
        assert_eq!(h.decide("/posts.json", true).1, Outcome::Pass);
    }

    #[test]
    fn rate_limit_rate_limits_a_share() {
        let h = FaultHandle::default();
        h.set(Faults {
            rate_limit_rate: 0.5,
            retry_after_seconds: 9,
            ..Faults::default()
        });
        let limited = (0..1000)
            .filter(|_| h.decide("/latest.json", false).1 == Outcome::RateLimit(9))
            .count();
        assert!((400..=600).contains(&limited), "{limited}");
    }
}
