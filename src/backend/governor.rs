//! The request governor: every request an adapter sends waits here for room in the site's
//! budget, so modterm paces itself before the server refuses it.
//!
//! Discourse gives all admin keys of a site **one** bucket of 60 requests a minute, and each
//! user API key 20 a minute and 2,880 a day (reference §1.4). The governor keeps a sliding
//! window of what this process sent. Two priorities share it: the moderator's own actions
//! (foreground) go first, and background reads (live updates, refreshes, prefetches) leave a
//! reserve free for them. A 429 pauses everything for the server's `Retry-After`; the pause is
//! part of the published [`Budget`], so the status bar can count it down.
//!
//! The server counts a request when it arrives, which is some time after the governor let it
//! go: a request held up on its way (a busy machine, a slow link) can arrive after the next one
//! was admitted and so still be in the server's window when the governor thinks it has left.
//! So each request's place in the window is taken again when its answer comes (the request
//! had arrived by then): [`Governor::admit`] hands out an [`Admission`] that does it when
//! dropped, and the window the governor keeps always ends no earlier than the server's.
//!
//! The priority travels with the task (a task-local), so callers mark a whole piece of work as
//! background with [`in_background`] and the backend trait stays free of it.

use std::collections::VecDeque;
use std::future::Future;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio::sync::{watch, Notify};

/// Whose request it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Priority {
    /// Something the user is waiting on.
    Foreground,
    /// Live updates, refreshes, prefetching: may wait, and never takes the last requests.
    Background,
}

tokio::task_local! {
    static PRIORITY: Priority;
}

/// Runs `work` with background priority for every request it makes.
pub async fn in_background<F: Future>(work: F) -> F::Output {
    PRIORITY.scope(Priority::Background, work).await
}

fn current_priority() -> Priority {
    PRIORITY.try_with(|p| *p).unwrap_or(Priority::Foreground)
}

/// A site's request limits as they apply to one kind of key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// What the limits apply to, for the status bar and `doctor`.
    pub scope: String,
    pub per_minute: u32,
    pub per_day: Option<u32>,
    /// The length of a "minute". Only tests shorten it (with the sandbox's limits scaled the
    /// same way), to run an hour of triage in seconds.
    pub window: Duration,
}

pub const MINUTE: Duration = Duration::from_secs(60);
const DAY_IN_MINUTES: u32 = 24 * 60;

impl Limits {
    /// Discourse admin (all users) keys: 60 a minute, shared by every admin key of the site.
    pub fn admin_key() -> Limits {
        Limits {
            scope: "admin keys of the site (shared)".into(),
            per_minute: 60,
            per_day: None,
            window: MINUTE,
        }
    }

    /// A Discourse user API key: 20 a minute and 2,880 a day, for this key alone.
    pub fn user_key() -> Limits {
        Limits {
            scope: "this user API key".into(),
            per_minute: 20,
            per_day: Some(2880),
            window: MINUTE,
        }
    }

    /// No limit (the embedded demo, or a profile that turns it off with 0).
    pub fn unlimited() -> Limits {
        Limits {
            scope: "no limit".into(),
            per_minute: 0,
            per_day: None,
            window: MINUTE,
        }
    }

    fn day(&self) -> Duration {
        self.window * DAY_IN_MINUTES
    }

    /// Requests background work leaves free for the user's own actions.
    fn reserve(&self) -> usize {
        (self.per_minute as usize / 5).max(1)
    }
}

/// The budget as it stands, published after every change.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Budget {
    pub scope: String,
    /// 0: no limit.
    pub per_minute: u32,
    pub used_minute: u32,
    pub per_day: Option<u32>,
    pub used_day: u32,
    /// A 429 asked for a pause: this much of it is left (as of the snapshot).
    pub paused_for: Option<Duration>,
    /// Requests waiting for room.
    pub waiting: u32,
    /// 429 answers seen since start.
    pub refused: u64,
}

impl Default for Budget {
    fn default() -> Self {
        Budget {
            scope: "no limit".into(),
            per_minute: 0,
            used_minute: 0,
            per_day: None,
            used_day: 0,
            paused_for: None,
            waiting: 0,
            refused: 0,
        }
    }
}

impl Budget {
    /// Worth showing: a pause, requests waiting, or three quarters of a limit used.
    pub fn is_tight(&self) -> bool {
        let minute = self.per_minute > 0 && self.used_minute * 4 >= self.per_minute * 3;
        let day = self
            .per_day
            .is_some_and(|d| d > 0 && self.used_day * 10 >= d * 9);
        self.paused_for.is_some() || self.waiting > 0 || minute || day
    }

    /// `api 17/20 per min`, `api paused 23s`, `api 2700/2880 today`.
    pub fn label(&self) -> String {
        if let Some(p) = self.paused_for {
            let secs = p.as_secs() + u64::from(p.subsec_nanos() > 0);
            return format!("api paused {secs}s");
        }
        if let Some(d) = self.per_day.filter(|d| self.used_day * 10 >= d * 9) {
            return format!("api {}/{d} today", self.used_day);
        }
        format!("api {}/{} per min", self.used_minute, self.per_minute)
    }
}

#[derive(Debug, Default)]
struct State {
    minute: VecDeque<Instant>,
    day: VecDeque<Instant>,
    paused_until: Option<Instant>,
    waiting_foreground: u32,
    waiting_background: u32,
    refused: u64,
}

/// One per signed-in key (admin keys of one site would ideally share one per machine; the
/// server's 429 covers the rest).
#[derive(Debug)]
pub struct Governor {
    limits: Limits,
    state: Mutex<State>,
    wake: Notify,
    published: watch::Sender<Budget>,
}

/// A caller of [`Governor::admit`] counted among the waiting of its priority.
struct WaitingSlot<'a> {
    governor: &'a Governor,
    priority: Priority,
    counted: bool,
}

impl WaitingSlot<'_> {
    fn join(&mut self, s: &mut State) {
        if !self.counted {
            self.counted = true;
            *waiting_of(s, self.priority) += 1;
        }
    }

    fn leave(&mut self, s: &mut State) {
        if self.counted {
            self.counted = false;
            *waiting_of(s, self.priority) -= 1;
        }
    }
}

impl Drop for WaitingSlot<'_> {
    fn drop(&mut self) {
        if self.counted {
            let governor = self.governor;
            let mut s = governor.lock();
            self.leave(&mut s);
            governor.publish(&s, Instant::now());
        }
    }
}

fn waiting_of(s: &mut State, priority: Priority) -> &mut u32 {
    match priority {
        Priority::Foreground => &mut s.waiting_foreground,
        Priority::Background => &mut s.waiting_background,
    }
}

/// How long to wait before trying again, or `None` to go now.
fn room(limits: &Limits, s: &State, priority: Priority, now: Instant) -> Option<Duration> {
    if let Some(until) = s.paused_until.filter(|u| *u > now) {
        return Some(until - now);
    }
    if limits.per_minute == 0 {
        return None;
    }
    let per_minute = limits.per_minute as usize;
    let (minute_cap, day_cap) = match priority {
        Priority::Foreground => (per_minute, limits.per_day.map(|d| d as usize)),
        Priority::Background => {
            if s.waiting_foreground > 0 {
                // Someone is waiting on a key press: background work steps aside.
                return Some(Duration::from_millis(50));
            }
            (
                per_minute.saturating_sub(limits.reserve()),
                limits
                    .per_day
                    .map(|d| (d as usize).saturating_sub(d as usize / 20)),
            )
        }
    };
    let minute_wait = (s.minute.len() >= minute_cap).then(|| {
        // Wait until enough of the oldest requests leave the window.
        let excess = s.minute.len() + 1 - minute_cap.max(1);
        let oldest = s.minute.get(excess - 1).copied().unwrap_or(now);
        (oldest + limits.window).saturating_duration_since(now)
    });
    let day_wait = day_cap.filter(|cap| s.day.len() >= *cap).map(|cap| {
        let excess = s.day.len() + 1 - cap.max(1);
        let oldest = s.day.get(excess - 1).copied().unwrap_or(now);
        (oldest + limits.day()).saturating_duration_since(now)
    });
    match (minute_wait, day_wait) {
        (None, None) => None,
        (a, b) => Some(a.max(b).unwrap_or_default().max(Duration::from_millis(1))),
    }
}

impl Governor {
    pub fn new(limits: Limits) -> Governor {
        let (published, _) = watch::channel(Budget {
            scope: limits.scope.clone(),
            per_minute: limits.per_minute,
            per_day: limits.per_day,
            ..Budget::default()
        });
        Governor {
            limits,
            state: Mutex::new(State::default()),
            wake: Notify::new(),
            published,
        }
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Every change of the budget, as it happens.
    pub fn subscribe(&self) -> watch::Receiver<Budget> {
        self.published.subscribe()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn prune(&self, s: &mut State, now: Instant) {
        while s
            .minute
            .front()
            .is_some_and(|t| now.duration_since(*t) >= self.limits.window)
        {
            s.minute.pop_front();
        }
        let day = self.limits.day();
        while s.day.front().is_some_and(|t| now.duration_since(*t) >= day) {
            s.day.pop_front();
        }
        if s.paused_until.is_some_and(|u| u <= now) {
            s.paused_until = None;
        }
    }

    fn budget_of(&self, s: &State, now: Instant) -> Budget {
        Budget {
            scope: self.limits.scope.clone(),
            per_minute: self.limits.per_minute,
            used_minute: s.minute.len() as u32,
            per_day: self.limits.per_day,
            used_day: s.day.len() as u32,
            paused_for: s.paused_until.map(|u| u.saturating_duration_since(now)),
            waiting: s.waiting_foreground + s.waiting_background,
            refused: s.refused,
        }
    }

    /// The budget now (the window drained of what aged out).
    pub fn snapshot(&self) -> Budget {
        let now = Instant::now();
        let mut s = self.lock();
        self.prune(&mut s, now);
        self.budget_of(&s, now)
    }

    fn publish(&self, s: &State, now: Instant) {
        let budget = self.budget_of(s, now);
        self.published.send_if_modified(|b| {
            let changed = *b != budget;
            *b = budget;
            changed
        });
    }

    /// Waits for room for one request of the calling task's priority, then counts it. Keep
    /// the [`Admission`] until the answer has come (or the request failed).
    pub async fn admit(&self) -> Admission<'_> {
        let priority = current_priority();
        // Counted among the waiting while it waits; a caller that gives up (an operation's
        // deadline drops this future) is uncounted by the guard's Drop, or the budget would
        // look tight for ever and background work would keep stepping aside.
        let mut waiting = WaitingSlot {
            governor: self,
            priority,
            counted: false,
        };
        loop {
            let wait = {
                let now = Instant::now();
                let mut s = self.lock();
                self.prune(&mut s, now);
                match room(&self.limits, &s, priority, now) {
                    None => {
                        waiting.leave(&mut s);
                        if self.limits.per_minute > 0 || s.minute.len() < 1024 {
                            s.minute.push_back(now);
                        }
                        if self.limits.per_day.is_some() {
                            s.day.push_back(now);
                        }
                        self.publish(&s, now);
                        return Admission {
                            governor: self,
                            admitted: now,
                        };
                    }
                    Some(wait) => {
                        waiting.join(&mut s);
                        self.publish(&s, now);
                        wait
                    }
                }
            };
            // Also wake early when a pause is set or lifted.
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = self.wake.notified() => {}
            }
        }
    }

    /// The request admitted at `admitted` is answered: it counts from now.
    fn answered(&self, admitted: Instant) {
        if self.limits.per_minute == 0 && self.limits.per_day.is_none() {
            return;
        }
        let now = Instant::now();
        let mut s = self.lock();
        if self.limits.per_minute > 0 {
            restamp(&mut s.minute, admitted, now);
        }
        if self.limits.per_day.is_some() {
            restamp(&mut s.day, admitted, now);
        }
        self.publish(&s, now);
    }

    /// The server answered 429: nothing goes out until `wait` has passed.
    pub fn refused(&self, wait: Duration) {
        let now = Instant::now();
        let mut s = self.lock();
        let until = now + wait;
        s.paused_until = Some(s.paused_until.map_or(until, |u| u.max(until)));
        s.refused += 1;
        self.publish(&s, now);
        drop(s);
        self.wake.notify_waiters();
    }
}

/// One admitted request's place in the window. Dropping it (once the answer has come, or the
/// request has failed or been given up) moves the place to that moment.
#[must_use = "keep the admission until the request is answered"]
#[derive(Debug)]
pub struct Admission<'a> {
    governor: &'a Governor,
    admitted: Instant,
}

impl Drop for Admission<'_> {
    fn drop(&mut self) {
        self.governor.answered(self.admitted);
    }
}

/// Moves one entry of a time-ordered window from `from` to `to` (`to` later); an entry already
/// aged out of the window is put back, since the server may still count the request.
fn restamp(window: &mut VecDeque<Instant>, from: Instant, to: Instant) {
    if let Some(i) = window.iter().rposition(|t| *t == from) {
        window.remove(i);
    }
    let at = window.partition_point(|t| *t <= to);
    window.insert(at, to);
}

impl Drop for Governor {
    fn drop(&mut self) {
        self.wake.notify_waiters();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(per_minute: u32, window_ms: u64) -> Limits {
        Limits {
            scope: "test".into(),
            per_minute,
            per_day: None,
            window: Duration::from_millis(window_ms),
        }
    }

    #[tokio::test]
    async fn paces_within_the_window() {
        let g = Governor::new(limits(3, 300));
        let start = Instant::now();
        for _ in 0..3 {
            drop(g.admit().await);
        }
        assert!(
            start.elapsed() < Duration::from_millis(100),
            "the first three go at once"
        );
        assert_eq!(g.snapshot().used_minute, 3);
        drop(g.admit().await);
        assert!(
            start.elapsed() >= Duration::from_millis(290),
            "the fourth waits for the first to leave the window"
        );
    }

    #[tokio::test]
    async fn a_request_counts_from_its_answer_not_from_its_admission() {
        let g = Governor::new(limits(1, 300));
        let start = Instant::now();
        let slow = g.admit().await;
        // The request takes 200 ms to be answered: the server may have counted it as late
        // as that, so the next one waits for 200 + 300 ms, not 300.
        tokio::time::sleep(Duration::from_millis(200)).await;
        drop(slow);
        drop(g.admit().await);
        assert!(
            start.elapsed() >= Duration::from_millis(490),
            "waited {:?}",
            start.elapsed()
        );
    }

    #[tokio::test]
    async fn a_request_given_up_while_it_waits_is_no_longer_counted_as_waiting() {
        let g = Governor::new(limits(1, 60_000));
        drop(g.admit().await);
        // An operation's deadline drops the waiting admission.
        let gave_up = tokio::time::timeout(Duration::from_millis(50), g.admit()).await;
        assert!(gave_up.is_err(), "the second waits for the window");
        let b = g.snapshot();
        assert_eq!(b.waiting, 0, "nobody waits any more");
    }

    #[test]
    fn restamping_keeps_the_window_in_order() {
        let t = Instant::now();
        let ms = |n| t + Duration::from_millis(n);
        let mut w: VecDeque<Instant> = [ms(0), ms(10), ms(20)].into();
        restamp(&mut w, ms(0), ms(15));
        assert_eq!(w, VecDeque::from([ms(10), ms(15), ms(20)]));
        // An entry that had aged out comes back at its answer.
        restamp(&mut w, ms(5), ms(30));
        assert_eq!(w, VecDeque::from([ms(10), ms(15), ms(20), ms(30)]));
    }

    #[tokio::test]
    async fn background_leaves_a_reserve_for_the_user() {
        let g = std::sync::Arc::new(Governor::new(limits(5, 400)));
        // Background may take 5 - 1 = 4.
        for _ in 0..4 {
            drop(in_background(g.admit()).await);
        }
        let g2 = g.clone();
        let background = tokio::spawn(async move {
            drop(in_background(g2.admit()).await);
            Instant::now()
        });
        tokio::time::sleep(Duration::from_millis(30)).await;
        let before = Instant::now();
        drop(g.admit().await);
        assert!(
            before.elapsed() < Duration::from_millis(50),
            "the user's request takes the reserve at once"
        );
        let background_went = background.await.unwrap();
        assert!(background_went > before, "background waited for the window");
    }

    #[tokio::test]
    async fn a_refusal_pauses_everything_and_shows_in_the_budget() {
        let g = Governor::new(limits(100, 1000));
        g.refused(Duration::from_millis(200));
        let b = g.snapshot();
        assert!(b
            .paused_for
            .is_some_and(|p| p <= Duration::from_millis(200)));
        assert!(b.is_tight());
        assert!(b.label().starts_with("api paused"), "{}", b.label());
        let start = Instant::now();
        drop(g.admit().await);
        assert!(start.elapsed() >= Duration::from_millis(190));
        assert_eq!(g.snapshot().paused_for, None);
        assert_eq!(g.snapshot().refused, 1);
    }

    #[tokio::test]
    async fn the_day_budget_runs_out_and_the_next_request_waits_for_the_day_to_move_on() {
        // A "minute" of 2 ms makes the day 2.88 s; 1000 a minute never binds here, so only the
        // day limit (20, as a user key's 2,880 scaled down) decides.
        let day = Duration::from_millis(2 * 1440);
        let g = std::sync::Arc::new(Governor::new(Limits {
            scope: "test".into(),
            per_minute: 1000,
            per_day: Some(20),
            window: Duration::from_millis(2),
        }));
        assert_eq!(g.limits().day(), day);
        let start = Instant::now();
        // Background work takes all but a twentieth of the day (here 1) ...
        for _ in 0..19 {
            drop(in_background(g.admit()).await);
        }
        let b = g.snapshot();
        assert_eq!((b.used_day, b.per_day), (19, Some(20)));
        assert_eq!(b.label(), "api 19/20 today");
        // ... and then waits.
        let g2 = g.clone();
        let background = tokio::spawn(async move {
            drop(in_background(g2.admit()).await);
            Instant::now()
        });
        let mut published = g.subscribe();
        let waits = tokio::time::timeout(
            Duration::from_secs(1),
            published.wait_for(|b| b.waiting == 1),
        )
        .await
        .map(|r| r.is_ok());
        assert!(
            matches!(waits, Ok(true)),
            "the 20th background request waits"
        );
        // The user's request takes the last one of the day at once.
        let mine = tokio::time::timeout(Duration::from_secs(1), g.admit()).await;
        assert!(mine.is_ok(), "the user's request takes the day's reserve");
        drop(mine);
        let b = g.snapshot();
        assert_eq!(b.used_day, 20);
        assert_eq!(
            b.per_day.map(|d| d.saturating_sub(b.used_day)),
            Some(0),
            "nothing left today"
        );
        assert_eq!(b.label(), "api 20/20 today");
        assert!(b.is_tight());
        assert_eq!(b.waiting, 1);
        // Spent: the user's next request waits too, until the day's first request has left
        // the day's window; the background one goes no earlier.
        drop(g.admit().await);
        let mine_went = start.elapsed();
        let background_went = background.await.unwrap().duration_since(start);
        assert!(mine_went >= day, "the 21st went after {mine_went:?}");
        assert!(
            background_went >= day,
            "the waiting background request went after {background_went:?}"
        );
        assert_eq!(g.snapshot().waiting, 0);
    }

    #[tokio::test]
    async fn unlimited_never_waits() {
        let g = Governor::new(Limits::unlimited());
        let start = Instant::now();
        for _ in 0..2000 {
            drop(g.admit().await);
        }
        assert!(start.elapsed() < Duration::from_millis(500));
        assert!(!g.snapshot().is_tight());
    }

    #[test]
    fn budget_labels() {
        let mut b = Budget {
            scope: "k".into(),
            per_minute: 20,
            used_minute: 17,
            per_day: Some(2880),
            used_day: 100,
            ..Budget::default()
        };
        assert!(b.is_tight());
        assert_eq!(b.label(), "api 17/20 per min");
        b.used_minute = 3;
        assert!(!b.is_tight());
        b.used_day = 2700;
        assert!(b.is_tight());
        assert_eq!(b.label(), "api 2700/2880 today");
    }
}
