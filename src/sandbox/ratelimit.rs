//! One sliding-window request limit, as Discourse's `RateLimiter` keeps it: at most `max`
//! requests in any `window`; a refused request is not recorded, and the wait announced is how
//! long until the oldest recorded request leaves the window. [`super::limits`] decides which
//! windows a request is charged to.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The window itself, without a lock (the per-key and per-IP maps hold many under one lock).
#[derive(Debug)]
pub(crate) struct SlidingWindow {
    max: u32,
    window: Duration,
    hits: VecDeque<Instant>,
}

impl SlidingWindow {
    pub(crate) fn new(max: u32, window: Duration) -> SlidingWindow {
        SlidingWindow {
            max,
            window: window.max(Duration::from_millis(1)),
            hits: VecDeque::new(),
        }
    }

    fn expire(&mut self, now: Instant) {
        while let Some(first) = self.hits.front() {
            if now.saturating_duration_since(*first) >= self.window {
                self.hits.pop_front();
            } else {
                break;
            }
        }
    }

    /// Records a request; `Err(wait_seconds)` (at least 1) when the window is full.
    pub(crate) fn hit(&mut self, now: Instant) -> Result<(), u64> {
        self.expire(now);
        if self.hits.len() as u64 >= u64::from(self.max) {
            let oldest = self.hits.front().copied().unwrap_or(now);
            let left = self
                .window
                .saturating_sub(now.saturating_duration_since(oldest));
            let secs = left.as_secs() + u64::from(left.subsec_nanos() > 0);
            return Err(secs.max(1));
        }
        self.hits.push_back(now);
        Ok(())
    }

    /// Nothing recorded any more (the bucket can be forgotten).
    pub(crate) fn is_idle(&mut self, now: Instant) -> bool {
        self.expire(now);
        self.hits.is_empty()
    }
}

/// A window shared by every request of one kind (Discourse's admin API bucket).
#[derive(Debug)]
pub(crate) struct RateBucket(Mutex<SlidingWindow>);

impl RateBucket {
    pub(crate) fn new(max: u32, window: Duration) -> RateBucket {
        RateBucket(Mutex::new(SlidingWindow::new(max, window)))
    }

    /// Records a request; `Err(wait_seconds)` when the bucket is full.
    pub(crate) fn hit(&self, now: Instant) -> Result<(), u64> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).hit(now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: Duration = Duration::from_secs(60);

    #[test]
    fn fills_then_refuses_then_recovers() {
        let b = RateBucket::new(2, MINUTE);
        let t = Instant::now();
        assert!(b.hit(t).is_ok());
        assert!(b.hit(t).is_ok());
        let wait = b.hit(t + Duration::from_secs(10)).unwrap_err();
        assert_eq!(wait, 50);
        assert!(b.hit(t + Duration::from_secs(61)).is_ok());
    }

    #[test]
    fn zero_limit_always_refuses() {
        let b = RateBucket::new(0, MINUTE);
        assert!(b.hit(Instant::now()).is_err());
    }

    #[test]
    fn a_short_window_recovers_quickly_and_waits_at_least_a_second() {
        let mut w = SlidingWindow::new(1, Duration::from_millis(100));
        let t = Instant::now();
        assert!(w.hit(t).is_ok());
        assert_eq!(w.hit(t + Duration::from_millis(10)), Err(1));
        assert!(w.hit(t + Duration::from_millis(100)).is_ok());
        assert!(!w.is_idle(t + Duration::from_millis(150)));
        assert!(w.is_idle(t + Duration::from_millis(200)));
    }
}
