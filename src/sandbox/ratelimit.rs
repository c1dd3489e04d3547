//! Discourse's admin API bucket: one sliding window of N requests per minute shared by every
//! admin ("all users") API key request.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};

const WINDOW: Duration = Duration::from_secs(60);

#[derive(Debug)]
pub(crate) struct RateBucket {
    max: u32,
    hits: Mutex<VecDeque<Instant>>,
}

impl RateBucket {
    pub(crate) fn new(max_per_minute: u32) -> RateBucket {
        RateBucket {
            max: max_per_minute,
            hits: Mutex::new(VecDeque::new()),
        }
    }

    /// Records a request; `Err(wait_seconds)` when the bucket is full.
    pub(crate) fn hit(&self, now: Instant) -> Result<(), u64> {
        let mut hits = self.hits.lock().unwrap_or_else(|e| e.into_inner());
        while let Some(first) = hits.front() {
            if now.duration_since(*first) >= WINDOW {
                hits.pop_front();
            } else {
                break;
            }
        }
        if hits.len() as u64 >= u64::from(self.max) {
            let oldest = hits.front().copied().unwrap_or(now);
            let left = WINDOW.saturating_sub(now.duration_since(oldest));
            let secs = left.as_secs() + u64::from(left.subsec_nanos() > 0);
            return Err(secs.max(1));
        }
        hits.push_back(now);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_then_refuses_then_recovers() {
        let b = RateBucket::new(2);
        let t = Instant::now();
        assert!(b.hit(t).is_ok());
        assert!(b.hit(t).is_ok());
        let wait = b.hit(t + Duration::from_secs(10)).unwrap_err();
        assert_eq!(wait, 50);
        assert!(b.hit(t + Duration::from_secs(61)).is_ok());
    }

    #[test]
    fn zero_limit_always_refuses() {
        let b = RateBucket::new(0);
        assert!(b.hit(Instant::now()).is_err());
    }
}
