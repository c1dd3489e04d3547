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
        }
    }

    /// An edit of a post the console shows (its `raw` is the text before, when loaded).
    pub fn of(post: &Post, topic_title: &str, raw: String, reason: Option<String>) -> EditPost {
        EditPost {
            before: post.raw.clone(),
            post_number: post.post_number,
            author: post.author.username.clone(),
            topic_title: topic_title.to_string(),
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
