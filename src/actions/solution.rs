//! Accepting (and unaccepting) a post as the topic's solution. Both are reversible, so they
//! run at once without a confirmation and offer an undo (`u`) for a few seconds.

use std::sync::Arc;

use async_trait::async_trait;
use serde::Serialize;

use super::write::{Lands, Preview, Write};
use crate::backend::{Backend, BackendError, Result};
use crate::domain::*;
use crate::text::sanitize_line;
use crate::tui::{App, Effect, Level, Pane, Undo, UNDO_FOR};

type Effects = Vec<Effect>;

/// Marks or unmarks one post as the solution.
#[derive(Debug, Clone, Serialize)]
pub struct SetSolution {
    pub topic_id: TopicId,
    pub post_id: PostId,
    pub accept: bool,
    #[serde(skip)]
    pub post_number: u32,
    #[serde(skip)]
    pub author: String,
    #[serde(skip)]
    pub topic_title: String,
    /// The post that was the solution before (accepting replaces it): the undo restores it.
    #[serde(skip)]
    pub previous: Option<(PostId, u32)>,
}

impl SetSolution {
    /// What takes this back.
    fn inverse(&self) -> SetSolution {
        match (&self.previous, self.accept) {
            (Some((id, number)), true) => SetSolution {
                post_id: id.clone(),
                post_number: *number,
                accept: true,
                previous: Some((self.post_id.clone(), self.post_number)),
                author: String::new(),
                ..self.clone()
            },
            _ => SetSolution {
                accept: !self.accept,
                previous: None,
                ..self.clone()
            },
        }
    }
}

/// What the server confirmed.
#[derive(Debug, Clone, Serialize)]
pub struct SolutionChanged {
    pub post_id: PostId,
    pub accepted: bool,
}

#[async_trait]
impl Write for SetSolution {
    type Answer = SolutionChanged;

    fn kind(&self) -> &'static str {
        if self.accept {
            "accept_solution"
        } else {
            "unaccept_solution"
        }
    }

    fn target(&self) -> String {
        format!("post {}", self.post_id)
    }

    fn preview(&self) -> Preview {
        let post = if self.post_number > 0 {
            format!("post #{}", self.post_number)
        } else {
            format!("post {}", self.post_id)
        };
        let by = if self.author.is_empty() {
            String::new()
        } else {
            format!(" by {}", sanitize_line(&self.author))
        };
        let topic = if self.topic_title.is_empty() {
            String::new()
        } else {
            format!(" of «{}»", sanitize_line(&self.topic_title))
        };
        let line = if self.accept {
            format!("Accept {post}{by} as the solution{topic}")
        } else {
            format!("Remove the solution mark from {post}{by}{topic}")
        };
        Preview {
            title: if self.accept {
                "Accept solution".into()
            } else {
                "Unaccept solution".into()
            },
            lines: vec![line],
        }
    }

    async fn send(&self, backend: &dyn Backend) -> Result<SolutionChanged> {
        let feature = &backend.site().features.accept_solution;
        if !feature.is_available() {
            return Err(crate::backend::unsupported(feature));
        }
        if self.accept {
            backend.accept_solution(&self.post_id).await?;
        } else {
            backend.unaccept_solution(&self.post_id).await?;
        }
        Ok(SolutionChanged {
            post_id: self.post_id.clone(),
            accepted: self.accept,
        })
    }

    fn done(&self, _: &SolutionChanged) -> String {
        if self.accept {
            format!("post {} is now the accepted solution", self.post_id)
        } else {
            format!("post {} is no longer the accepted solution", self.post_id)
        }
    }
}

impl Lands for SetSolution {
    fn echoes(&self) -> Vec<TopicId> {
        vec![self.topic_id.clone()]
    }

    fn pending(&self) -> String {
        let verb = if self.accept {
            "accepting"
        } else {
            "unaccepting"
        };
        format!("{verb} post #{}", self.post_number)
    }

    fn landed(&self, app: &mut App, _: SolutionChanged) -> Effects {
        let (post_id, accept) = (self.post_id.clone(), self.accept);
        let number = self.post_number;
        app.change_topic(&self.topic_id, |topic| {
            for post in &mut topic.posts {
                if post.id == post_id {
                    post.accepted_answer = accept;
                    post.can_accept_answer = !accept;
                    post.can_unaccept_answer = accept;
                } else if accept && post.accepted_answer {
                    post.accepted_answer = false;
                    post.can_accept_answer = true;
                    post.can_unaccept_answer = false;
                }
            }
            topic.accepted_answer = accept.then_some(number);
            topic.summary.has_accepted_answer = accept;
        });
        // Views that only hold the thread's summary learn it too (unsolved drops it).
        if app
            .thread
            .as_ref()
            .is_none_or(|t| t.topic_id != self.topic_id)
        {
            if let Some(mut summary) = app.topic_summary(&self.topic_id).cloned() {
                summary.has_accepted_answer = accept;
                app.place_everywhere(&summary);
            }
        }
        let undo_key = app
            .config
            .keymap
            .keys_for(crate::config::Mode::Global, "undo")
            .unwrap_or_else(|| ":undo".into());
        let label = if self.accept {
            format!("accepted #{} as the solution", self.post_number)
        } else {
            format!("removed the solution mark from #{}", self.post_number)
        };
        // An accept is undone by taking it back, where the platform can.
        let undoable = !self.accept || app.site.features.unaccept_solution.is_available();
        if undoable {
            app.toast(format!("{label} · {undo_key} undoes"), Level::Success);
            app.undo = Some(Undo {
                label,
                until: std::time::Instant::now() + UNDO_FOR,
                write: Arc::new(self.inverse()),
            });
        } else {
            app.toast(label, Level::Success);
        }
        Vec::new()
    }

    fn failed(&self, app: &mut App, error: BackendError) -> Effects {
        app.set_status(
            format!("solution not changed: {}", App::describe_error(&error)),
            Level::Error,
        );
        Vec::new()
    }
}

pub fn accept(app: &mut App, _: Option<String>) -> Effects {
    set(app, true)
}

pub fn unaccept(app: &mut App, _: Option<String>) -> Effects {
    set(app, false)
}

fn set(app: &mut App, accept: bool) -> Effects {
    if let Some(why) = app.site.features.accept_solution.reason() {
        app.set_status(format!("solutions: {why}"), Level::Warning);
        return Vec::new();
    }
    if let (false, Some(why)) = (accept, app.site.features.unaccept_solution.reason()) {
        app.set_status(format!("removing a solution: {why}"), Level::Warning);
        return Vec::new();
    }
    if app.focus != Pane::Thread {
        app.set_status("select the post in the thread pane first", Level::Info);
        return Vec::new();
    }
    let (Some(thread), Some(post)) = (app.thread.as_ref(), app.selected_post()) else {
        app.set_status("open a thread and select the post first", Level::Info);
        return Vec::new();
    };
    let allowed = if accept {
        post.can_accept_answer
    } else {
        post.can_unaccept_answer
    };
    if !allowed {
        let why = if !accept && !post.accepted_answer {
            "this post is not the accepted solution".to_string()
        } else if accept && post.accepted_answer {
            "this post is already the accepted solution".to_string()
        } else if post.post_number == 1 {
            "the opening post cannot be its own solution".to_string()
        } else {
            "the server does not let this account mark solutions here (staff, leaders and the \
             topic's author may)"
                .to_string()
        };
        app.set_status(why, Level::Warning);
        return Vec::new();
    }
    let previous = thread.topic.as_ref().and_then(|t| {
        t.posts
            .iter()
            .find(|p| p.accepted_answer && p.id != post.id)
            .map(|p| (p.id.clone(), p.post_number))
    });
    let write = SetSolution {
        topic_id: thread.topic_id.clone(),
        post_id: post.id.clone(),
        accept,
        post_number: post.post_number,
        author: post.author.username.clone(),
        topic_title: thread.title.clone(),
        previous: previous.filter(|_| accept),
    };
    let op = app.start_op(Lands::pending(&write));
    vec![Effect::Write {
        op,
        write: Arc::new(write),
    }]
}
