//! Liking a post (a kudo on Khoros): `L` in the thread. A like is small and public but easy to
//! see and to take back in the web UI, so it runs at once, without a question; the post's
//! count changes from the server's yes, with no re-read.

use async_trait::async_trait;
use serde::Serialize;

use super::write::{Lands, Preview, Write};
use crate::backend::{Backend, BackendError, Result};
use crate::domain::*;
use crate::text::sanitize_line;
use crate::tui::{App, Effect, Level};

/// Likes one post.
#[derive(Debug, Clone, Serialize)]
pub struct LikePost {
    pub post_id: PostId,
    #[serde(skip)]
    pub topic_id: TopicId,
    #[serde(skip)]
    pub post_number: u32,
    #[serde(skip)]
    pub author: String,
}

#[async_trait]
impl Write for LikePost {
    type Answer = ();

    fn kind(&self) -> &'static str {
        "like"
    }

    fn target(&self) -> String {
        format!("post {}", self.post_id)
    }

    fn preview(&self) -> Preview {
        Preview {
            title: "Like".into(),
            lines: vec![format!(
                "Like post #{} by {}",
                self.post_number,
                sanitize_line(&self.author)
            )],
        }
    }

    async fn send(&self, backend: &dyn Backend) -> Result<()> {
        backend.like_post(&self.post_id).await
    }

    fn done(&self, _: &()) -> String {
        format!("liked post {}", self.post_id)
    }
}

impl Lands for LikePost {
    fn pending(&self) -> String {
        format!("liking post #{}", self.post_number)
    }

    fn echoes(&self) -> Vec<TopicId> {
        vec![self.topic_id.clone()]
    }

    fn landed(&self, app: &mut App, _: ()) -> Vec<Effect> {
        let post_id = self.post_id.clone();
        app.change_topic(&self.topic_id, |topic| {
            if let Some(p) = topic.posts.iter_mut().find(|p| p.id == post_id) {
                p.like_count = p.like_count.saturating_add(1);
            }
        });
        app.rerender_thread();
        app.toast(
            format!(
                "liked #{} by {}",
                self.post_number,
                sanitize_line(&self.author)
            ),
            Level::Success,
        );
        Vec::new()
    }

    fn failed(&self, app: &mut App, error: BackendError) -> Vec<Effect> {
        app.set_status(
            format!("not liked: {}", App::describe_error(&error)),
            Level::Error,
        );
        Vec::new()
    }
}

pub fn start(app: &mut App, _: Option<String>) -> Vec<Effect> {
    if let Some(why) = app.site.features.like.reason() {
        app.set_status(format!("likes: {why}"), Level::Warning);
        return Vec::new();
    }
    let Some(post) = app.selected_post().cloned() else {
        app.set_status("select a post in the thread to like it", Level::Info);
        return Vec::new();
    };
    if post.author.username.eq_ignore_ascii_case(app.me()) {
        app.set_status("this is your own post", Level::Info);
        return Vec::new();
    }
    let write = LikePost {
        post_id: post.id,
        topic_id: post.topic_id,
        post_number: post.post_number,
        author: post.author.username,
    };
    super::write::send(app, write)
}
