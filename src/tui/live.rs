//! Keeping the console live without a key press: a task that long-polls the site's live feed
//! (Discourse's message bus) and reports changes as messages, falling back to a periodic
//! refresh when the feed is unavailable; and a keeper that announces "replying" presence while
//! the composer is open. Neither ever blocks a key or a frame: both are tasks that only send
//! messages to the loop.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc::UnboundedSender, watch};
use tokio::task::JoinHandle;

use crate::backend::{Backend, BackendError};
use crate::domain::{LiveCursor, TopicId};

use super::msg::Msg;

/// Presence lasts 60 s on Discourse; renew well within it.
const PRESENCE_RENEW: Duration = Duration::from_secs(30);
/// Longest pause between failed polls.
const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// A client id for the message bus and presence: stable for this process.
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
        let mut cursor = LiveCursor {
            client_id,
            ..LiveCursor::default()
        };
        let mut failures: u32 = 0;
        let mut connected = false;
        if enabled {
            loop {
                let topics = watched.borrow_and_update().clone();
                let result = tokio::select! {
                    r = backend.live_poll(&mut cursor, &topics) => r,
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
                        let first = !connected;
                        connected = true;
                        if (first || !events.is_empty()) && tx.send(Msg::Live(events)).is_err() {
                            return;
                        }
                    }
                    Err(BackendError::RateLimited { wait, .. }) => {
                        tokio::time::sleep(wait.clamp(Duration::from_secs(1), MAX_BACKOFF)).await;
                    }
                    Err(
                        e @ (BackendError::Unsupported(_)
                        | BackendError::NotFound(_)
                        | BackendError::Forbidden(_)
                        | BackendError::NotSignedIn(_)),
                    ) => {
                        crate::logging::warn(&format!("live feed unavailable: {e}"));
                        let _ = tx.send(Msg::LiveFallback {
                            reason: e.to_string(),
                            every: refresh_every,
                        });
                        break;
                    }
                    Err(e) => {
                        // Transient (network, 5xx, malformed): back off, then try again.
                        failures += 1;
                        crate::logging::warn(&format!("live poll failed ({failures}): {e}"));
                        let pause = Duration::from_secs(1u64 << failures.min(6)).min(MAX_BACKOFF);
                        tokio::time::sleep(pause).await;
                    }
                }
            }
        } else {
            let _ = tx.send(Msg::LiveFallback {
                reason: "live updates are off in config".into(),
                every: refresh_every,
            });
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
        if self.current.as_ref().map(|(t, _)| *t) == want {
            return;
        }
        self.leave_current();
        if let Some(topic) = want {
            let backend = self.backend.clone();
            let client_id = self.client_id.clone();
            let renew = tokio::spawn(async move {
                loop {
                    if let Err(e) = backend.set_replying(topic, true, &client_id).await {
                        if matches!(e, BackendError::Unsupported(_)) {
                            return;
                        }
                        crate::logging::warn(&format!("presence for topic {topic}: {e}"));
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
            self.leaving.insert(
                topic,
                tokio::spawn(async move {
                    let _ = backend.set_replying(topic, false, &client_id).await;
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
