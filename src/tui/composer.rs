//! The reply composer's state: the editor (soft-wrapped), what it replies to, the site's
//! minimum length, and when its draft is next due on disk.

use std::time::{Duration, Instant};

use tui_textarea::{CursorMove, TextArea, WrapMode};

use crate::domain::TopicId;
use crate::drafts::{Draft, PendingSend};

use super::msg::OpId;

/// A draft is written this long after the last change (and at once on close, send and exit).
pub const DRAFT_DEBOUNCE: Duration = Duration::from_millis(300);

pub struct Composer {
    pub topic_id: TopicId,
    pub topic_title: String,
    pub reply_to: Option<u32>,
    pub textarea: TextArea<'static>,
    /// Highest post number seen when the composer opened (stale-reply guard).
    pub seen_post_number: u32,
    /// The send in flight, if any.
    pub sending: Option<OpId>,
    /// A restored draft whose last send may have reached the server: read-only until the
    /// server says whether it did.
    pub checking_sent: bool,
    /// The draft changed and is due on disk at this moment.
    pub draft_due: Option<Instant>,
    /// The shortest reply the site accepts, in characters.
    pub min_chars: usize,
    /// Set when the composer edits a post instead of writing a reply: the text replaces the
    /// post's, and it is never saved as a reply draft.
    pub editing: Option<EditTarget>,
}

/// The post an editing composer changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditTarget {
    pub post: crate::domain::Post,
    /// The text as it was when the edit began.
    pub before: String,
    /// Esc was pressed once on a changed edit: the next Esc discards it.
    pub discard_asked: bool,
}

impl EditTarget {
    pub fn new(post: crate::domain::Post, before: String) -> EditTarget {
        EditTarget {
            post,
            before,
            discard_asked: false,
        }
    }
}

impl std::fmt::Debug for Composer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Composer")
            .field("topic_id", &self.topic_id)
            .field("reply_to", &self.reply_to)
            .field("chars", &self.char_count())
            .field("sending", &self.sending)
            .finish_non_exhaustive()
    }
}

/// A soft-wrapping editor holding `text`, the cursor at its end.
pub fn editor(text: &str) -> TextArea<'static> {
    let mut textarea = TextArea::new(text.lines().map(String::from).collect());
    textarea.set_wrap_mode(WrapMode::WordOrGlyph);
    textarea.move_cursor(CursorMove::Bottom);
    textarea.move_cursor(CursorMove::End);
    textarea
}

impl Composer {
    pub fn new(
        topic_id: TopicId,
        topic_title: String,
        reply_to: Option<u32>,
        text: &str,
        seen_post_number: u32,
        min_chars: usize,
    ) -> Composer {
        Composer {
            topic_id,
            topic_title,
            reply_to,
            textarea: editor(text),
            seen_post_number,
            sending: None,
            checking_sent: false,
            draft_due: None,
            min_chars,
            editing: None,
        }
    }

    pub fn text(&self) -> String {
        self.textarea.lines().join("\n")
    }

    /// Characters as the server counts them (surrounding space stripped).
    pub fn char_count(&self) -> usize {
        self.text().trim().chars().count()
    }

    /// Why the reply cannot be sent yet, if it cannot.
    pub fn too_short(&self) -> Option<String> {
        let n = self.char_count();
        (n < self.min_chars).then(|| {
            format!(
                "the reply is too short: {n} of at least {} characters",
                self.min_chars
            )
        })
    }

    /// Whether keys may change the text now.
    pub fn editable(&self) -> bool {
        self.sending.is_none() && !self.checking_sent
    }

    /// The text changed: the draft is due on disk shortly.
    pub fn touched(&mut self) {
        if let Some(edit) = self.editing.as_mut() {
            // An edit is not a reply: no draft of it goes to disk. A change after the first
            // Esc asks again before the edit is discarded.
            edit.discard_asked = false;
            return;
        }
        self.draft_due = Some(Instant::now() + DRAFT_DEBOUNCE);
    }

    /// An edit whose text differs from the post's.
    pub fn edit_changed(&self) -> bool {
        self.editing
            .as_ref()
            .is_some_and(|e| e.before.trim_end() != self.text().trim_end())
    }

    pub fn replace_text(&mut self, text: &str) {
        self.textarea = editor(text);
        self.touched();
    }

    /// The draft as it should be on disk now.
    pub fn draft(&self, site: &str, pending_send: Option<PendingSend>) -> Draft {
        Draft {
            site: site.to_string(),
            topic_id: self.topic_id.clone(),
            topic_title: self.topic_title.clone(),
            reply_to_post_number: self.reply_to,
            text: self.text(),
            seen_post_number: self.seen_post_number,
            saved_at: chrono::Utc::now().to_rfc3339(),
            pending_send,
        }
    }
}
