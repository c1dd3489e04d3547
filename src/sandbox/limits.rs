//! Discourse's request limits (reference §1.4), each a sliding window of [`SlidingWindow`]:
//!
//! - the admin API bucket: one window shared by every admin ("all users") key request;
//! - each user API key: a minute window and a day window, per key (codes
//!   `user_api_key_limiter_60_secs` and `user_api_key_limiter_1_day`);
//! - requests without a key, per IP: a 10-second and a minute window (`ip_10_secs_limit`,
//!   `ip_60_secs_limit`). Discourse applies the IP limits to everyone but rolls them back for
//!   admin keys and skips them for trust level 1 and up; the sandbox applies them to keyless
//!   requests only, which is where they bite.
//!
//! Every "minute" is `rate_window` (tests shorten it to run an hour of traffic in seconds);
//! the day is 1,440 windows and the 10 seconds a sixth of one, so the ratios stay Discourse's.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::ratelimit::{RateBucket, SlidingWindow};

/// How many per-key or per-IP entries to keep before idle ones are forgotten.
const PRUNE_ABOVE: usize = 10_000;

/// A refused request: how long to wait (whole seconds, at least 1) and Discourse's error code
/// (the `Discourse-Rate-Limit-Error-Code` header).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refusal {
    pub wait: u64,
    pub code: &'static str,
}

/// The limits in force (`None` = that limit is off).
#[derive(Debug, Clone, Copy)]
pub(crate) struct LimitSettings {
    pub window: Duration,
    pub admin_per_window: Option<u32>,
    pub user_key_per_window: Option<u32>,
    pub user_key_per_day: Option<u32>,
    pub ip_per_window: Option<u32>,
    pub ip_per_sixth: Option<u32>,
}

impl LimitSettings {
    fn day(&self) -> Duration {
        self.window.saturating_mul(1440)
    }
    fn sixth(&self) -> Duration {
        self.window / 6
    }
}

/// A pair of windows charged together (a user key's minute and day, an IP's 10 s and minute).
#[derive(Debug)]
struct Pair {
    first: Option<SlidingWindow>,
    second: Option<SlidingWindow>,
}

impl Pair {
    /// Charges the first window, then the second, as Discourse's `performed!` calls do in
    /// turn: a request refused by the second still counts in the first.
    fn hit(&mut self, now: Instant, codes: (&'static str, &'static str)) -> Result<(), Refusal> {
        if let Some(w) = self.first.as_mut() {
            w.hit(now).map_err(|wait| Refusal {
                wait,
                code: codes.0,
            })?;
        }
        if let Some(w) = self.second.as_mut() {
            w.hit(now).map_err(|wait| Refusal {
                wait,
                code: codes.1,
            })?;
        }
        Ok(())
    }

    fn is_idle(&mut self, now: Instant) -> bool {
        self.first.as_mut().is_none_or(|w| w.is_idle(now))
            && self.second.as_mut().is_none_or(|w| w.is_idle(now))
    }
}

#[derive(Debug)]
pub(crate) struct Limits {
    settings: LimitSettings,
    admin: Option<RateBucket>,
    user_keys: Mutex<HashMap<String, Pair>>,
    ips: Mutex<HashMap<IpAddr, Pair>>,
}

impl Limits {
    pub(crate) fn new(settings: LimitSettings) -> Limits {
        Limits {
            settings,
            admin: settings
                .admin_per_window
                .map(|n| RateBucket::new(n, settings.window)),
            user_keys: Mutex::new(HashMap::new()),
            ips: Mutex::new(HashMap::new()),
        }
    }

    /// An admin API key request (the shared bucket).
    pub(crate) fn admin(&self, now: Instant) -> Result<(), Refusal> {
        match &self.admin {
            Some(b) => b.hit(now).map_err(|wait| Refusal {
                wait,
                code: "admin_api_key_rate_limit",
            }),
            None => Ok(()),
        }
    }

    /// A request with a valid user API key (charged before the key's user is checked, as
    /// Discourse does).
    pub(crate) fn user_key(&self, key: &str, now: Instant) -> Result<(), Refusal> {
        let s = self.settings;
        if s.user_key_per_window.is_none() && s.user_key_per_day.is_none() {
            return Ok(());
        }
        let mut map = self.user_keys.lock().unwrap_or_else(|e| e.into_inner());
        if !map.contains_key(key) {
            prune(&mut map, now);
        }
        map.entry(key.to_string())
            .or_insert_with(|| Pair {
                first: s
                    .user_key_per_window
                    .map(|n| SlidingWindow::new(n, s.window)),
                second: s.user_key_per_day.map(|n| SlidingWindow::new(n, s.day())),
            })
            .hit(
                now,
                ("user_api_key_limiter_60_secs", "user_api_key_limiter_1_day"),
            )
    }

    /// A request without a key from `ip`.
    pub(crate) fn ip(&self, ip: IpAddr, now: Instant) -> Result<(), Refusal> {
        let s = self.settings;
        if s.ip_per_window.is_none() && s.ip_per_sixth.is_none() {
            return Ok(());
        }
        let mut map = self.ips.lock().unwrap_or_else(|e| e.into_inner());
        if !map.contains_key(&ip) {
            prune(&mut map, now);
        }
        map.entry(ip)
            .or_insert_with(|| Pair {
                first: s.ip_per_sixth.map(|n| SlidingWindow::new(n, s.sixth())),
                second: s.ip_per_window.map(|n| SlidingWindow::new(n, s.window)),
            })
            .hit(now, ("ip_10_secs_limit", "ip_60_secs_limit"))
    }
}

/// Keeps the maps bounded: above [`PRUNE_ABOVE`] entries, forget the idle ones.
fn prune<K>(map: &mut HashMap<K, Pair>, now: Instant) {
    if map.len() >= PRUNE_ABOVE {
        map.retain(|_, p| !p.is_idle(now));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(window_ms: u64) -> LimitSettings {
        LimitSettings {
            window: Duration::from_millis(window_ms),
            admin_per_window: Some(2),
            user_key_per_window: Some(3),
            user_key_per_day: Some(5),
            ip_per_window: Some(4),
            ip_per_sixth: Some(2),
        }
    }

    #[test]
    fn user_keys_have_their_own_minute_and_day() {
        let l = Limits::new(settings(60));
        let t = Instant::now();
        for _ in 0..3 {
            l.user_key("a", t).unwrap();
        }
        assert_eq!(
            l.user_key("a", t).unwrap_err().code,
            "user_api_key_limiter_60_secs"
        );
        // Another key is not affected.
        l.user_key("b", t).unwrap();
        // The next window: two more fill the day (3 + 2 = 5), the third is refused by it.
        let t2 = t + Duration::from_millis(61);
        l.user_key("a", t2).unwrap();
        l.user_key("a", t2).unwrap();
        assert_eq!(
            l.user_key("a", t2).unwrap_err().code,
            "user_api_key_limiter_1_day"
        );
    }

    #[test]
    fn ips_have_a_sixth_and_a_window() {
        let l = Limits::new(settings(600));
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        let t = Instant::now();
        l.ip(ip, t).unwrap();
        l.ip(ip, t).unwrap();
        assert_eq!(l.ip(ip, t).unwrap_err().code, "ip_10_secs_limit");
        let t2 = t + Duration::from_millis(101);
        l.ip(ip, t2).unwrap();
        l.ip(ip, t2).unwrap();
        let t3 = t + Duration::from_millis(202);
        assert_eq!(l.ip(ip, t3).unwrap_err().code, "ip_60_secs_limit");
    }

    #[test]
    fn off_means_off() {
        let l = Limits::new(LimitSettings {
            window: Duration::from_secs(60),
            admin_per_window: None,
            user_key_per_window: None,
            user_key_per_day: None,
            ip_per_window: None,
            ip_per_sixth: None,
        });
        let t = Instant::now();
        for _ in 0..1000 {
            l.admin(t).unwrap();
            l.user_key("k", t).unwrap();
            l.ip("::1".parse().unwrap(), t).unwrap();
        }
    }
}
