//! Runs the backend effects `update` asks for as tokio tasks; each reports back as a `Msg`.
//! The render loop never waits on any of them. Reads nobody waits on (live updates, quiet
//! refreshes, checks) run with background priority, so the request governor serves the
//! moderator's own actions first. Every operation has an upper bound: past it, it reports
//! failure with the reason instead of spinning forever.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc::UnboundedSender;

use crate::audit::AuditLog;
use crate::backend::governor::in_background;
use crate::backend::{Backend, BackendError, Result};

use super::msg::{Effect, Msg};

/// The longest any one operation may take in the console.
pub const OP_DEADLINE: Duration = Duration::from_secs(90);

#[derive(Clone)]
pub struct Runner {
    pub backend: Arc<dyn Backend>,
    pub tx: UnboundedSender<Msg>,
    pub audit: AuditLog,
    pub username: String,
}

/// Bounds an operation: past the deadline it is a network error that says so.
async fn bounded<T>(work: impl std::future::Future<Output = Result<T>>) -> Result<T> {
    match tokio::time::timeout(OP_DEADLINE, work).await {
        Ok(r) => r,
        Err(_) => Err(BackendError::Network(format!(
            "no answer within {} s",
            OP_DEADLINE.as_secs()
        ))),
    }
}

impl Runner {
    /// Starts the backend work of an effect. Returns the effects this runner does not handle
    /// (terminal and file work: drafts, copy, editor, quit).
    pub fn run(&self, effect: Effect) -> Option<Effect> {
        let backend = self.backend.clone();
        match effect {
            Effect::LoadAccount => self.spawn(false, async move {
                Msg::Account(bounded(backend.whoami()).await)
            }),
            Effect::LoadCategories => self.spawn(false, async move {
                Msg::Categories(bounded(backend.categories()).await)
            }),
            Effect::LoadTopics {
                view,
                query,
                generation,
                background,
            } => self.spawn(background, async move {
                let first_page = query.page.is_none();
                let result = bounded(backend.topics(&query)).await;
                Msg::Topics {
                    view,
                    generation,
                    first_page,
                    result,
                }
            }),
            Effect::LoadTopicsById(ids) => self.spawn(true, async move {
                let result = bounded(backend.topics_by_id(&ids)).await;
                Msg::TopicsById { asked: ids, result }
            }),
            Effect::LoadTopic { id, background } => self.spawn(background, async move {
                let result = bounded(backend.topic(&id)).await;
                Msg::Topic { id, result }
            }),
            Effect::LoadBoard { username, parts } => {
                // Every part at once, each reporting as soon as it lands.
                for part in parts {
                    let backend = backend.clone();
                    let username = username.clone();
                    self.spawn(false, async move {
                        let result = bounded(backend.board_part(&username, part)).await;
                        Msg::BoardPart {
                            username,
                            part,
                            result,
                        }
                    });
                }
            }
            Effect::LoadBadges => self.spawn(false, async move {
                Msg::Badges(bounded(backend.badges()).await)
            }),
            Effect::FilterSearch { text, query } => self.spawn(false, async move {
                let result = bounded(backend.search(&query)).await;
                Msg::FilterFound { text, result }
            }),
            Effect::Search {
                view,
                generation,
                query,
            } => self.spawn(false, async move {
                let result = bounded(backend.search(&query)).await;
                Msg::Searched {
                    view,
                    generation,
                    result,
                }
            }),
            Effect::LoadReview {
                view,
                generation,
                query,
            } => self.spawn(false, async move {
                let result = bounded(backend.review_queue(&query)).await;
                Msg::ReviewPage {
                    view,
                    generation,
                    result,
                }
            }),
            Effect::LoadFlagTypes => self.spawn(false, async move {
                Msg::FlagTypes(bounded(backend.flag_types()).await)
            }),
            Effect::LoadPostSource(post_id) => self.spawn(false, async move {
                let result = bounded(backend.post_source(&post_id)).await;
                Msg::PostSource { post_id, result }
            }),
            Effect::CheckBeforeSend(topic_id) => self.spawn(false, async move {
                let (topic, replying) = tokio::join!(
                    bounded(backend.topic(&topic_id)),
                    bounded(backend.replying(&topic_id))
                );
                // A site without presence simply has nobody replying.
                let replying = match replying {
                    Ok(users) => Ok(users),
                    Err(BackendError::Unsupported(_)) | Err(BackendError::NotFound(_)) => {
                        Ok(Vec::new())
                    }
                    Err(e) => Err(e),
                };
                Msg::SendCheck {
                    topic_id,
                    result: topic.and_then(|t| replying.map(|r| (t, r))),
                }
            }),
            Effect::CheckSent { topic_id, raw } => self.spawn(true, async move {
                let result = bounded(backend.find_own_reply(&topic_id, &raw)).await;
                Msg::SentCheck { topic_id, result }
            }),
            Effect::Write { op, write } => {
                let this = self.clone();
                self.spawn(false, async move {
                    let kind = write.kind();
                    let target = write.target();
                    // The write bounds itself (its failure must reach its own flow).
                    let landing = write.run(backend).await;
                    let audit_error = this.audit(kind, &target, &landing.outcome);
                    Msg::Landed {
                        op,
                        landing,
                        audit_error,
                    }
                })
            }
            other @ (Effect::SaveDraft(_)
            | Effect::DeleteDraft { .. }
            | Effect::Copy(_)
            | Effect::Editor(_)
            | Effect::Quit) => return Some(other),
        }
        None
    }

    fn spawn<F>(&self, background: bool, task: F)
    where
        F: std::future::Future<Output = Msg> + Send + 'static,
    {
        let tx = self.tx.clone();
        tokio::spawn(async move {
            let msg = if background {
                in_background(task).await
            } else {
                task.await
            };
            let _ = tx.send(msg);
        });
    }

    /// Records a write in the audit log; the error, if the log could not be written.
    fn audit(
        &self,
        action: &str,
        target: &str,
        outcome: &std::result::Result<(), String>,
    ) -> Option<String> {
        let outcome = match outcome {
            Ok(()) => "ok".to_string(),
            Err(e) => e.clone(),
        };
        self.audit
            .record(
                self.backend.site().base_url.as_str(),
                &self.username,
                action,
                target,
                &outcome,
            )
            .err()
            .map(|e| {
                crate::logging::warn(&format!("audit log write failed: {e}"));
                e.to_string()
            })
    }
}
