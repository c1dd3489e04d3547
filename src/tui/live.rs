//! Keeping the console live without a key press: a task that long-polls the site's live feed
//! and reports changes as messages (falling back to a periodic refresh when the platform has
//! none or it is unavailable), a task that reports the request budget as it changes, and a
//! keeper that announces "replying" presence while the composer is open. None of them ever
//! blocks a key or a frame: they only send messages to the loop.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc::UnboundedSender, watch};
use tokio::task::JoinHandle;

use crate::backend::governor::in_background;
use crate::backend::{Backend, BackendError};
use crate::domain::TopicId;

use super::app::LiveState;
use super::msg::Msg;

/// Presence lasts 60 s on Discourse; renew well within it.
const PRESENCE_RENEW: Duration = Duration::from_secs(30);
/// Longest pause between failed polls.
const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// A client id for the live feed and presence: stable for this process.
pub fn client_id() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u32(std::process::id());
    format!("modterm-{:016x}", h.finish())
}

/// Starts the live task. `watched` carries the topics whose inside matters now (the open
/// thread, the composer's topic); a change restarts the current poll with the new set.
pub fn spawn_feed(
    backend: Arc<dyn Backend>,
    tx: UnboundedSender<Msg>,
    mut watched: watch::Receiver<Vec<TopicId>>,
    client_id: String,
    enabled: bool,
    refresh_every: Duration,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let fallback = |reason: String| {
            Msg::LiveState(LiveState::Periodic {
                every: refresh_every,
                reason,
            })
        };
        let feed = if enabled {
            backend.live_feed(&client_id).ok_or_else(|| {
                backend
                    .site()
                    .features
                    .live_feed
                    .reason()
                    .unwrap_or("this platform has no live feed")
                    .to_string()
            })
        } else {
            Err("live updates are off in config".to_string())
        };
        match feed {
            Ok(mut feed) => {
                let mut failures: u32 = 0;
                let mut live = false;
                loop {
                    let topics = watched.borrow_and_update().clone();
                    let result = tokio::select! {
                        r = in_background(feed.poll(&topics)) => r,
                        changed = watched.changed() => {
                            if changed.is_err() {
                                return; // the console is gone
                            }
                            continue;
                        }
                    };
                    match result {
                        Ok(events) => {
                            failures = 0;
                            // The first answer says the feed works, even with nothing in it.
                            if !live {
                                live = true;
                                if tx.send(Msg::LiveState(LiveState::Live)).is_err() {
                                    return;
                                }
                            }
                            if !events.is_empty() && tx.send(Msg::Live(events)).is_err() {
                                return;
                            }
                        }
                        Err(BackendError::RateLimited { wait, .. }) => {
                            live = false;
                            let _ = tx.send(Msg::LiveState(LiveState::Waiting(format!(
                                "rate limited for {}s",
                                wait.as_secs().max(1)
                            ))));
                            tokio::time::sleep(wait.clamp(Duration::from_secs(1), MAX_BACKOFF))
                                .await;
                        }
                        Err(
                            e @ (BackendError::Unsupported(_)
                            | BackendError::NotFound(_)
                            | BackendError::Forbidden(_)
                            | BackendError::NotSignedIn(_)),
                        ) => {
                            crate::logging::warn(&format!("live feed unavailable: {e}"));
                            let _ = tx.send(fallback(e.to_string()));
                            break;
                        }
                        Err(e) => {
                            // Transient (network, 5xx, malformed): back off, then try again.
                            live = false;
                            failures += 1;
                            crate::logging::warn(&format!("live poll failed ({failures}): {e}"));
                            let _ = tx.send(Msg::LiveState(LiveState::Waiting(
                                "the live feed is not answering".into(),
                            )));
                            let pause =
                                Duration::from_secs(1u64 << failures.min(6)).min(MAX_BACKOFF);
                            tokio::time::sleep(pause).await;
                        }
                    }
                }
            }
            Err(reason) => {
                let _ = tx.send(fallback(reason));
            }
        }
        let mut ticker = tokio::time::interval(refresh_every);
        ticker.tick().await;
        loop {
            ticker.tick().await;
            if tx.send(Msg::PeriodicRefresh).is_err() {
                return;
            }
        }
    })
}

/// Reports the request budget as it changes, and once a second while it is tight (a pause
/// counts down, a full window drains).
pub fn spawn_budget(backend: Arc<dyn Backend>, tx: UnboundedSender<Msg>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut changes = backend.governor().subscribe();
        let mut last = backend.governor().snapshot();
        if tx.send(Msg::Budget(last.clone())).is_err() {
            return;
        }
        loop {
            let tight = last.is_tight();
            tokio::select! {
                changed = changes.changed() => if changed.is_err() { return },
                _ = tokio::time::sleep(Duration::from_secs(1)), if tight => {}
            }
            let now = backend.governor().snapshot();
            if now != last {
                if tx.send(Msg::Budget(now.clone())).is_err() {
                    return;
                }
                last = now;
            }
        }
    })
}

/// Announces this account as replying in one topic at a time, renewing until told to stop.
pub struct PresenceKeeper {
    backend: Arc<dyn Backend>,
    client_id: String,
    current: Option<(TopicId, JoinHandle<()>)>,
    leaving: HashMap<TopicId, JoinHandle<()>>,
}

impl PresenceKeeper {
    pub fn new(backend: Arc<dyn Backend>, client_id: String) -> PresenceKeeper {
        PresenceKeeper {
            backend,
            client_id,
            current: None,
            leaving: HashMap::new(),
        }
    }

    /// Makes the announced topic `want` (None: announce nothing).
    pub fn reconcile(&mut self, want: Option<TopicId>) {
        if self.current.as_ref().map(|(t, _)| t) == want.as_ref() {
            return;
        }
        self.leave_current();
        if !self.backend.site().features.presence.is_available() {
            return;
        }
        if let Some(topic) = want {
            let backend = self.backend.clone();
            let client_id = self.client_id.clone();
            let t = topic.clone();
            let renew = tokio::spawn(async move {
                loop {
                    let result = in_background(backend.set_replying(&t, true, &client_id)).await;
                    if let Err(e) = result {
                        if matches!(e, BackendError::Unsupported(_)) {
                            return;
                        }
                        crate::logging::warn(&format!("presence for topic {t}: {e}"));
                    }
                    tokio::time::sleep(PRESENCE_RENEW).await;
                }
            });
            self.current = Some((topic, renew));
        }
    }

    fn leave_current(&mut self) {
        if let Some((topic, renew)) = self.current.take() {
            renew.abort();
            let backend = self.backend.clone();
            let client_id = self.client_id.clone();
            self.leaving.retain(|_, h| !h.is_finished());
            let t = topic.clone();
            self.leaving.insert(
                topic,
                tokio::spawn(async move {
                    let _ = in_background(backend.set_replying(&t, false, &client_id)).await;
                }),
            );
        }
    }

    /// On exit: withdraw the presence and wait (briefly) for the server to hear it.
    pub async fn shutdown(mut self) {
        self.leave_current();
        for (_, handle) in self.leaving.drain() {
            let _ = tokio::time::timeout(Duration::from_secs(2), handle).await;
        }
    }
}
