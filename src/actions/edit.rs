//! Editing a post as staff (or as its author): the new text replaces the old, and the reason
//! shows in the post's revision history. The old text stays in that history, but everyone
//! sees the new one at once, so the edit is confirmed with how much changes.

use async_trait::async_trait;
use serde::Serialize;

use super::write::{excerpt, Preview, Write};
use crate::backend::{Backend, BackendError, Result};
use crate::domain::*;
use crate::text::sanitize_line;

/// Replaces one post's text.
#[derive(Debug, Clone, Serialize)]
pub struct EditPost {
    pub post_id: PostId,
    pub raw: String,
    pub reason: Option<String>,
    /// The text before, when known (the console has it): the preview says what changes.
    #[serde(skip)]
    pub before: Option<String>,
    #[serde(skip)]
    pub post_number: u32,
    #[serde(skip)]
    pub author: String,
    #[serde(skip)]
    pub topic_title: String,
    /// The post's topic, when known (its feed echo is the console's own edit).
    #[serde(skip)]
    pub topic_id: Option<TopicId>,
}

impl EditPost {
    /// An edit of a post known only by id (the CLI).
    pub fn new(post_id: PostId, raw: String, reason: Option<String>) -> EditPost {
        EditPost {
            post_id,
            raw,
            reason: reason
                .map(|r| r.trim().to_string())
                .filter(|r| !r.is_empty()),
            before: None,
            post_number: 0,
            author: String::new(),
            topic_title: String::new(),
            topic_id: None,
        }
    }

    /// An edit of a post the console shows (its `raw` is the text before, when loaded).
    pub fn of(post: &Post, topic_title: &str, raw: String, reason: Option<String>) -> EditPost {
        EditPost {
            before: post.raw.clone(),
            post_number: post.post_number,
            author: post.author.username.clone(),
            topic_title: topic_title.to_string(),
            topic_id: Some(post.topic_id.clone()),
            ..EditPost::new(post.id.clone(), raw, reason)
        }
    }

    /// Lines removed and added, by a plain comparison of the two texts' lines.
    fn changed_lines(&self) -> Option<(usize, usize)> {
        let before = self.before.as_deref()?;
        let old: Vec<&str> = before.lines().collect();
        let new: Vec<&str> = self.raw.lines().collect();
        let removed = old.iter().filter(|l| !new.contains(l)).count();
        let added = new.iter().filter(|l| !old.contains(l)).count();
        Some((removed, added))
    }
}

#[async_trait]
impl Write for EditPost {
    type Answer = Post;

    fn kind(&self) -> &'static str {
        "edit_post"
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
            format!(" in «{}»", excerpt(&self.topic_title, 60))
        };
        let mut lines = vec![format!(
            "Replace the text of {post}{by}{topic}; everyone sees the new text, the old one \
             stays in its history."
        )];
        let n = self.raw.trim().chars().count();
        match (&self.before, self.changed_lines()) {
            (Some(b), Some((removed, added))) => lines.push(format!(
                "{} → {n} characters, {removed} line{} removed, {added} added: {}",
                b.trim().chars().count(),
                if removed == 1 { "" } else { "s" },
                excerpt(&self.raw, 60)
            )),
            _ => lines.push(format!("{n} characters: {}", excerpt(&self.raw, 60))),
        }
        lines.push(match &self.reason {
            Some(r) => format!("Reason: {}", excerpt(r, 80)),
            None => "Reason: none given".into(),
        });
        Preview {
            title: "Edit post".into(),
            lines,
        }
    }

    async fn send(&self, backend: &dyn Backend) -> Result<Post> {
        let feature = &backend.site().features.edit_posts;
        if !feature.is_available() {
            return Err(crate::backend::unsupported(feature));
        }
        if self.raw.trim().is_empty() {
            return Err(BackendError::Refused(
                "the new text of the post is empty".into(),
            ));
        }
        if self.before.as_deref() == Some(self.raw.as_str()) {
            return Err(BackendError::Refused(
                "the text is unchanged: nothing to edit".into(),
            ));
        }
        backend
            .edit_post(&self.post_id, &self.raw, self.reason.as_deref())
            .await
    }

    fn done(&self, post: &Post) -> String {
        format!(
            "edited post {} (#{} in topic {})",
            post.id, post.post_number, post.topic_id
        )
    }
}

// ---------------------------------------------------------------------------------------------
// The console: `e` on a post of the thread opens its text in the composer; the send key asks
// for the edit reason, then confirms with how much changes.

use std::sync::Arc;

use super::write::Lands;
use crate::tui::composer::{Composer, EditTarget};
use crate::tui::overlay::{ConfirmNext, Overlay, Prompt, PromptNext};
use crate::tui::{App, Effect, Level, Pane};

type Effects = Vec<Effect>;

pub fn start(app: &mut App, _: Option<String>) -> Effects {
    if let Some(why) = app.site.features.edit_posts.reason() {
        app.set_status(format!("editing posts: {why}"), Level::Warning);
        return Vec::new();
    }
    if app.composer.is_some() {
        app.set_status(
            "the composer is open: send or close it first (a reply's draft is kept)",
            Level::Info,
        );
        return Vec::new();
    }
    let Some(post) = app.selected_post().cloned() else {
        app.set_status("select a post in the thread to edit it", Level::Info);
        return Vec::new();
    };
    let staff = app.account.as_ref().is_some_and(|a| a.role.is_staff());
    if !staff && post.author.username != app.me() {
        app.set_status(
            "editing others' posts needs staff rights on this site",
            Level::Warning,
        );
        return Vec::new();
    }
    app.set_status(
        format!("loading the text of post #{}…", post.post_number),
        Level::Info,
    );
    vec![Effect::LoadPostSource(post.id)]
}

/// The post's text arrived: the composer opens on it, in edit mode.
pub fn on_source(app: &mut App, post_id: PostId, result: Result<String>) -> Effects {
    let raw = match result {
        Ok(raw) => raw,
        Err(e) => {
            app.set_status(
                format!("cannot edit: {}", App::describe_error(&e)),
                Level::Error,
            );
            return Vec::new();
        }
    };
    if app.composer.is_some() {
        return Vec::new(); // a reply was opened meanwhile: it keeps the composer
    }
    let Some(thread) = app.thread.as_ref() else {
        return Vec::new();
    };
    let Some(post) = thread
        .topic
        .as_ref()
        .and_then(|t| t.posts.iter().find(|p| p.id == post_id))
        .cloned()
    else {
        return Vec::new(); // the thread changed meanwhile
    };
    let mut composer = Composer::new(
        thread.topic_id.clone(),
        thread.title.clone(),
        None,
        &raw,
        0,
        app.site.min_reply_chars,
    );
    composer.editing = Some(EditTarget::new(post, raw));
    app.composer = Some(composer);
    app.focus = Pane::Composer;
    let send = send_keys(app);
    app.set_status(
        format!("editing the post: {send} saves (asks for a reason), Esc twice discards"),
        Level::Info,
    );
    app.rerender_thread();
    Vec::new()
}

/// The keys that save an edit (the composer's send), for the hints.
fn send_keys(app: &App) -> String {
    app.config
        .keymap
        .keys_for(crate::config::Mode::Composer, "send_reply")
        .unwrap_or_else(|| ":send_reply".into())
}

/// An edit has no draft on disk: before a changed one is thrown away (by `again`, the key or
/// action that would do it), the first press asks. True when it asked, and the caller stops.
pub fn ask_before_discarding(app: &mut App, again: &str) -> bool {
    let Some(composer) = app.composer.as_mut() else {
        return false;
    };
    let changed = composer.edit_changed();
    let Some(edit) = composer
        .editing
        .as_mut()
        .filter(|e| changed && !e.discard_asked)
    else {
        return false;
    };
    edit.discard_asked = true;
    let send = send_keys(app);
    app.set_status(
        format!("the edit has changes: {again} again discards them, {send} saves"),
        Level::Warning,
    );
    true
}

/// The send key in an editing composer: the reason first.
pub fn send(app: &mut App) -> Effects {
    let Some(composer) = app.composer.as_ref() else {
        return Vec::new();
    };
    if composer.sending.is_some() {
        app.set_status("already saving…", Level::Info);
        return Vec::new();
    }
    if composer.text().trim().is_empty() {
        app.set_status("the post cannot be empty", Level::Warning);
        return Vec::new();
    }
    app.overlay = Some(Overlay::Prompt(Prompt {
        title: "Edit reason".into(),
        input: String::new(),
        hint: "shown in the post's revision history (may be empty)".into(),
        next: Box::new(AskReason),
    }));
    Vec::new()
}

#[derive(Debug)]
struct AskReason;

impl PromptNext for AskReason {
    fn answered(self: Box<Self>, app: &mut App, reason: String) -> Effects {
        let Some(composer) = app.composer.as_ref() else {
            return Vec::new();
        };
        let Some(target) = composer.editing.as_ref() else {
            return Vec::new();
        };
        let mut write = EditPost::of(
            &target.post,
            &composer.topic_title,
            composer.text(),
            Some(reason),
        );
        write.before = Some(target.before.clone());
        app.overlay = Some(Overlay::Confirm {
            preview: write.preview(),
            next: Box::new(Confirmed(write)),
        });
        Vec::new()
    }
}

#[derive(Debug)]
struct Confirmed(EditPost);

impl ConfirmNext for Confirmed {
    fn confirmed(self: Box<Self>, app: &mut App) -> Effects {
        let op = app.start_op(Lands::pending(&self.0));
        if let Some(c) = app.composer.as_mut() {
            c.sending = Some(op);
        }
        vec![Effect::Write {
            op,
            write: Arc::new(self.0),
        }]
    }
}

impl Lands for EditPost {
    fn pending(&self) -> String {
        format!("saving the edit of post #{}", self.post_number)
    }

    fn echoes(&self) -> Vec<TopicId> {
        self.topic_id.clone().into_iter().collect()
    }

    fn landed(&self, app: &mut App, post: Post) -> Effects {
        // The answer is the post as it is now: it takes the old one's place.
        if let Some(thread) = app.thread.as_mut() {
            if let Some(topic) = thread.topic.as_mut() {
                if let Some(old) = topic.posts.iter_mut().find(|p| p.id == post.id) {
                    *old = post;
                }
            }
        }
        if app
            .composer
            .as_ref()
            .and_then(|c| c.editing.as_ref())
            .is_some_and(|t| t.post.id == self.post_id)
        {
            app.composer = None;
            app.focus = Pane::Thread;
        }
        app.toast(format!("edited post #{}", self.post_number), Level::Success);
        app.rerender_thread();
        Vec::new()
    }

    fn failed(&self, app: &mut App, error: BackendError) -> Effects {
        if let Some(c) = app.composer.as_mut() {
            c.sending = None;
        }
        app.set_status(
            format!(
                "post not edited, the text stays in the composer: {}",
                App::describe_error(&error)
            ),
            Level::Error,
        );
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preview_counts_what_changes() {
        let mut w = EditPost::new(
            PostId::from(9),
            "line one\nline three\n".into(),
            Some("  typo  ".into()),
        );
        assert_eq!(w.reason.as_deref(), Some("typo"));
        assert_eq!(w.preview().lines[1], "19 characters: line one line three");
        w.before = Some("line one\nline two\n".into());
        let p = w.preview();
        assert_eq!(
            p.lines[1],
            "17 → 19 characters, 1 line removed, 1 added: line one line three"
        );
        assert_eq!(p.lines[2], "Reason: typo");
        assert!(EditPost::new(PostId::from(9), "x".into(), Some(" ".into()))
            .reason
            .is_none());
    }
}
