//! Runs the backend effects `update` asks for as tokio tasks; each reports back as a `Msg`.
//! The render loop never waits on any of them.

use std::sync::Arc;

use tokio::sync::mpsc::UnboundedSender;

use crate::audit::AuditLog;
use crate::backend::{Backend, Result};
use crate::domain::BoardPart;

use super::msg::{Effect, Msg, OpOutcome};

#[derive(Clone)]
pub struct Runner {
    pub backend: Arc<dyn Backend>,
    pub tx: UnboundedSender<Msg>,
    pub audit: AuditLog,
    pub username: String,
}

impl Runner {
    /// Starts the backend work of an effect. Returns the effects this runner does not handle
    /// (terminal work: copy, editor, quit).
    pub fn run(&self, effect: Effect) -> Option<Effect> {
        let backend = self.backend.clone();
        let tx = self.tx.clone();
        match effect {
            Effect::LoadAccount => self.spawn(async move { Msg::Account(backend.whoami().await) }),
            Effect::LoadCategories => {
                self.spawn(async move { Msg::Categories(backend.categories().await) })
            }
            Effect::LoadTopics {
                view,
                query,
                generation,
            } => self.spawn(async move {
                let result = backend.topics(&query).await;
                Msg::Topics {
                    view,
                    page: query.page,
                    generation,
                    result,
                }
            }),
            Effect::LoadTopic(id) => self.spawn(async move {
                Msg::Topic {
                    id,
                    result: backend.topic(id).await,
                }
            }),
            Effect::LoadBoard(username) => {
                // Every part at once, each reporting as soon as it lands.
                for part in BoardPart::ALL {
                    let backend = backend.clone();
                    let tx = tx.clone();
                    let username = username.clone();
                    tokio::spawn(async move {
                        let result = backend.board_part(&username, part).await;
                        let _ = tx.send(Msg::BoardPart {
                            username,
                            part,
                            result,
                        });
                    });
                }
            }
            Effect::LoadBadges => self.spawn(async move { Msg::Badges(backend.badges().await) }),
            Effect::CheckBeforeSend { topic_id } => self.spawn(async move {
                let (topic, replying) =
                    tokio::join!(backend.topic(topic_id), backend.replying(topic_id));
                // A site without presence simply has nobody replying.
                let replying = match replying {
                    Ok(users) => Ok(users),
                    Err(crate::backend::BackendError::Unsupported(_))
                    | Err(crate::backend::BackendError::NotFound(_)) => Ok(Vec::new()),
                    Err(e) => Err(e),
                };
                Msg::SendCheck {
                    topic_id,
                    result: topic.and_then(|t| replying.map(|r| (t, r))),
                }
            }),
            Effect::SendReply { op, reply } => {
                let target = format!("topic {}", reply.topic_id);
                let this = self.clone();
                self.spawn(async move {
                    let result = backend.reply(&reply).await;
                    this.audit("reply", &target, &result);
                    Msg::OpDone {
                        op,
                        outcome: OpOutcome::Replied {
                            topic_id: reply.topic_id,
                            result,
                        },
                    }
                })
            }
            Effect::SetSolution {
                op,
                topic_id,
                post_id,
                accept,
            } => {
                let this = self.clone();
                self.spawn(async move {
                    let (action, result) = if accept {
                        ("accept_solution", backend.accept_solution(post_id).await)
                    } else {
                        (
                            "unaccept_solution",
                            backend.unaccept_solution(post_id).await,
                        )
                    };
                    this.audit(action, &format!("post {post_id}"), &result);
                    Msg::OpDone {
                        op,
                        outcome: OpOutcome::SolutionChanged {
                            topic_id,
                            post_id,
                            accepted: accept,
                            result,
                        },
                    }
                })
            }
            Effect::MovePosts {
                op,
                topic_id,
                posts,
                to,
            } => {
                let this = self.clone();
                self.spawn(async move {
                    let result = backend.move_posts(topic_id, &posts, &to).await;
                    let ids: Vec<String> = posts.iter().map(|p| p.to_string()).collect();
                    this.audit(
                        "move_posts",
                        &format!("topic {topic_id} posts {}", ids.join(",")),
                        &result,
                    );
                    Msg::OpDone {
                        op,
                        outcome: OpOutcome::PostsMoved { topic_id, result },
                    }
                })
            }
            Effect::MoveTopic {
                op,
                topic_id,
                category_id,
            } => {
                let this = self.clone();
                self.spawn(async move {
                    let result = backend.move_topic(topic_id, category_id).await;
                    this.audit(
                        "move_topic",
                        &format!("topic {topic_id} to category {category_id}"),
                        &result,
                    );
                    Msg::OpDone {
                        op,
                        outcome: OpOutcome::TopicMoved {
                            topic_id,
                            category_id,
                            result,
                        },
                    }
                })
            }
            Effect::AwardBadge { op, award } => {
                let this = self.clone();
                self.spawn(async move {
                    let result = backend.award_badge(&award).await;
                    this.audit(
                        "award_badge",
                        &format!("{} badge {}", award.username, award.badge_id),
                        &result,
                    );
                    Msg::OpDone {
                        op,
                        outcome: OpOutcome::BadgeAwarded {
                            username: award.username.clone(),
                            result,
                        },
                    }
                })
            }
            other @ (Effect::Copy(_) | Effect::Editor(_) | Effect::Quit) => return Some(other),
        }
        None
    }

    fn spawn<F>(&self, task: F)
    where
        F: std::future::Future<Output = Msg> + Send + 'static,
    {
        let tx = self.tx.clone();
        tokio::spawn(async move {
            let _ = tx.send(task.await);
        });
    }

    fn audit<T>(&self, action: &str, target: &str, result: &Result<T>) {
        let outcome = match result {
            Ok(_) => "ok".to_string(),
            Err(e) => e.to_string(),
        };
        if let Err(e) = self.audit.record(
            self.backend.site_url(),
            &self.username,
            action,
            target,
            &outcome,
        ) {
            crate::logging::warn(&format!("audit log write failed: {e}"));
        }
    }
}
