//! Replying: the composer and its draft, the checks before a send (the site's minimum length,
//! the stale-reply guard), the one confirmation, the send itself with its journal, and what the
//! answer changes (the new post joins the thread, selected, so accepting it is one key).
//!
//! Drafts are written as effects: a change makes the draft due on disk a moment later (see
//! `DRAFT_DEBOUNCE`), and closing, sending or quitting writes it at once.

use std::sync::Arc;
use std::time::Instant;

use async_trait::async_trait;
use crossterm::event::{KeyCode, KeyEvent};
use serde::Serialize;

use super::write::{excerpt, Lands, Preview, Write};
use crate::backend::{Backend, BackendError, Result};
use crate::domain::*;
use crate::drafts::{text_hash, PendingSend};
use crate::text::sanitize_line;
use crate::tui::composer::Composer;
use crate::tui::overlay::{ConfirmNext, Overlay};
use crate::tui::{App, Effect, Level, Pane};

type Effects = Vec<Effect>;

// ---- what is sent ---------------------------------------------------------------------------

/// A reply to a topic.
#[derive(Debug, Clone, Serialize)]
pub struct SendReply {
    pub topic_id: TopicId,
    pub reply_to_post_number: Option<u32>,
    pub raw: String,
    /// For the preview only.
    #[serde(skip)]
    pub topic_title: String,
}

#[async_trait]
impl Write for SendReply {
    type Answer = Sent;

    fn kind(&self) -> &'static str {
        "reply"
    }

    fn target(&self) -> String {
        format!("topic {}", self.topic_id)
    }

    fn preview(&self) -> Preview {
        let target = match self.reply_to_post_number {
            Some(n) => format!("in reply to post #{n}"),
            None => "to the topic".to_string(),
        };
        let title = if self.topic_title.is_empty() {
            format!("topic {}", self.topic_id)
        } else {
            format!("«{}»", sanitize_line(&self.topic_title))
        };
        Preview {
            title: "Send reply".into(),
            lines: vec![
                format!("Post to {title} {target}, visible to everyone who can read it:"),
                format!(
                    "{} characters: {}",
                    self.raw.trim().chars().count(),
                    excerpt(&self.raw, 60)
                ),
            ],
        }
    }

    async fn send(&self, backend: &dyn Backend) -> Result<Sent> {
        let min = backend.site().min_reply_chars;
        let n = self.raw.trim().chars().count();
        if n < min {
            return Err(BackendError::Refused(format!(
                "the reply is too short: {n} of at least {min} characters"
            )));
        }
        backend
            .reply(&NewReply {
                topic_id: self.topic_id.clone(),
                reply_to_post_number: self.reply_to_post_number,
                raw: self.raw.clone(),
            })
            .await
    }

    fn done(&self, answer: &Sent) -> String {
        match answer {
            Sent::Posted(post) => format!(
                "posted #{} (post id {}) in topic {}",
                post.post_number, post.id, post.topic_id
            ),
            Sent::Queued => format!(
                "the reply to topic {} waits for a moderator's approval",
                self.topic_id
            ),
        }
    }
}

impl Lands for SendReply {
    fn echoes(&self) -> Vec<TopicId> {
        vec![self.topic_id.clone()]
    }

    fn pending(&self) -> String {
        format!("sending reply to #{}", self.topic_id)
    }

    fn landed(&self, app: &mut App, answer: Sent) -> Effects {
        let effects = vec![Effect::DeleteDraft {
            site: app.draft_site.clone(),
            topic_id: self.topic_id.clone(),
        }];
        if app
            .composer
            .as_ref()
            .is_some_and(|c| c.topic_id == self.topic_id)
        {
            app.composer = None;
        }
        match answer {
            Sent::Posted(post) => {
                let number = post.post_number;
                app.take_in_own_post(post);
                if app
                    .thread
                    .as_ref()
                    .is_some_and(|t| t.topic_id == self.topic_id)
                {
                    app.focus = Pane::Thread;
                }
                app.toast(
                    format!("reply posted as #{number} in topic {}", self.topic_id),
                    Level::Success,
                );
            }
            Sent::Queued => {
                app.focus = if app.thread.is_some() {
                    Pane::Thread
                } else {
                    Pane::Queue
                };
                app.toast(
                    "the reply waits for a moderator's approval (it appears once approved)",
                    Level::Info,
                );
            }
        }
        app.rerender_thread();
        effects
    }

    fn failed(&self, app: &mut App, error: BackendError) -> Effects {
        let mut effects = Vec::new();
        // No answer, or one that cannot be read: the reply may be on the server. The journal's
        // mark stays and the server is asked before the draft is offered again.
        let ambiguous = matches!(
            error,
            BackendError::Network(_)
                | BackendError::Malformed(_)
                | BackendError::Server {
                    status: 502 | 504,
                    ..
                }
        );
        if let Some(c) = app
            .composer
            .as_mut()
            .filter(|c| c.topic_id == self.topic_id)
        {
            c.sending = None;
            if ambiguous {
                c.checking_sent = true;
                effects.push(Effect::CheckSent {
                    topic_id: self.topic_id.clone(),
                    raw: self.raw.clone(),
                });
                app.set_status(
                    format!(
                        "no answer to the send ({}); checking whether it was posted before \
                         offering it again",
                        App::describe_error(&error)
                    ),
                    Level::Warning,
                );
                return effects;
            }
            // The server said no: the journal's mark goes, the draft stays.
            effects.push(Effect::SaveDraft(c.draft(&app.draft_site, None)));
        }
        app.set_status(
            format!(
                "reply not sent, draft kept: {}",
                App::describe_error(&error)
            ),
            Level::Error,
        );
        effects
    }
}

// ---- the composer ---------------------------------------------------------------------------

pub fn reply(app: &mut App, _: Option<String>) -> Effects {
    open_composer(app, false)
}

pub fn quote_reply(app: &mut App, _: Option<String>) -> Effects {
    open_composer(app, true)
}

/// The text of a post to quote: its markup when the server gave it, else its rendered text.
fn quote_text(post: &Post) -> String {
    post.raw.clone().unwrap_or_else(|| {
        let rendered =
            crate::text::render_html(&post.body_html, 200, &crate::text::PostStyles::plain());
        rendered
            .lines
            .iter()
            .map(|l| {
                l.spans
                    .iter()
                    .map(|s| s.content.as_ref())
                    .collect::<String>()
            })
            .collect::<Vec<_>>()
            .join("\n")
    })
}

fn open_composer(app: &mut App, quote: bool) -> Effects {
    if let Some(composer) = &app.composer {
        if composer.sending.is_none() {
            app.focus = Pane::Composer;
            app.rerender_thread();
        }
        return Vec::new();
    }
    // From the queue: open the topic first, and reply to it as a whole.
    let mut effects = Vec::new();
    if app.focus == Pane::Queue {
        if let Some(t) = app.selected_topic() {
            let (id, title) = (t.id.clone(), t.title.clone());
            if app.thread.as_ref().map(|t| &t.topic_id) != Some(&id) {
                effects = app.open_thread(id, title);
            }
        }
    }
    let Some(thread) = app.thread.as_ref() else {
        app.set_status("select a topic to reply to", Level::Info);
        return effects;
    };
    if let Some(topic) = &thread.topic {
        if !topic.rights.can_create_post {
            app.set_status(
                "this account cannot reply in this topic (closed, or no rights)",
                Level::Warning,
            );
            return effects;
        }
    }
    let from_thread = app.focus == Pane::Thread;
    let post = from_thread.then(|| app.selected_post()).flatten();
    let reply_to = post.map(|p| p.post_number).filter(|n| *n > 1);
    let quoted = match (quote, post) {
        (true, Some(p)) => Some(app.site.quote(p, &quote_text(p))),
        _ => None,
    };
    let topic_id = thread.topic_id.clone();
    let topic_title = thread.title.clone();
    // What the moderator has seen of the topic; 0 while it is still loading (the thread's
    // arrival sets it: a post that was there before the thread showed is not "new").
    let seen = thread
        .topic
        .as_ref()
        .and_then(|t| t.posts.iter().map(|p| p.post_number).max())
        .unwrap_or(0);
    let draft = match app.config.drafts.load(&app.draft_site, &topic_id) {
        Ok(d) => d,
        Err(unreadable) => {
            app.set_status(unreadable.to_string(), Level::Error);
            None
        }
    };
    let mut text = draft.as_ref().map(|d| d.text.clone()).unwrap_or_default();
    if let Some(q) = quoted {
        text = if text.is_empty() {
            q
        } else {
            format!("{text}\n\n{q}")
        };
    }
    let mut composer = Composer::new(
        topic_id.clone(),
        topic_title,
        draft
            .as_ref()
            .and_then(|d| d.reply_to_post_number)
            .or(reply_to),
        &text,
        draft.as_ref().map(|d| d.seen_post_number).unwrap_or(seen),
        app.site.min_reply_chars,
    );
    match &draft {
        Some(d) if d.pending_send.is_some() => {
            // The last send of this draft never got its answer: look before offering it.
            composer.checking_sent = true;
            effects.push(Effect::CheckSent {
                topic_id: topic_id.clone(),
                raw: d.text.clone(),
            });
            app.set_status(
                "checking whether this reply was already posted…",
                Level::Info,
            );
        }
        Some(_) => app.set_status("draft restored", Level::Info),
        None if quote => composer.touched(),
        None => {}
    }
    app.composer = Some(composer);
    app.focus = Pane::Composer;
    app.rerender_thread();
    effects
}

/// Closes the composer; the draft stays on disk unless `keep_draft` is false.
pub fn close_composer(app: &mut App, keep_draft: bool) -> Effects {
    if app.composer.as_ref().is_some_and(|c| c.sending.is_some()) {
        app.set_status("the reply is being sent; wait for the answer", Level::Info);
        return Vec::new();
    }
    let mut effects = Vec::new();
    if app.composer.as_ref().is_some_and(|c| c.editing.is_some()) {
        if crate::actions::edit::ask_before_discarding(app, "Esc") {
            return effects;
        }
        app.composer = None;
        app.set_status("edit discarded: the post is unchanged", Level::Info);
    }
    if let Some(composer) = app.composer.take() {
        let empty = composer.text().trim().is_empty();
        if keep_draft && !empty {
            effects.push(Effect::SaveDraft(composer.draft(&app.draft_site, None)));
            app.set_status("composer closed; draft kept (:drafts)", Level::Info);
        } else if !composer.checking_sent {
            effects.push(Effect::DeleteDraft {
                site: app.draft_site.clone(),
                topic_id: composer.topic_id.clone(),
            });
        }
    }
    app.focus = if app.thread.is_some() {
        Pane::Thread
    } else {
        Pane::Queue
    };
    app.rerender_thread();
    effects
}

/// The debounced draft: written once it is due.
pub fn save_due_draft(app: &mut App, now: Instant) -> Effects {
    match app.composer.as_ref().and_then(|c| c.draft_due) {
        Some(due) if due <= now => flush_draft(app),
        _ => Vec::new(),
    }
}

/// Writes the composer's draft now, if it changed (quit, close, signals).
pub fn flush_draft(app: &mut App) -> Effects {
    let site = app.draft_site.clone();
    let Some(composer) = app.composer.as_mut() else {
        return Vec::new();
    };
    if composer.draft_due.take().is_none() {
        return Vec::new();
    }
    if composer.text().trim().is_empty() {
        vec![Effect::DeleteDraft {
            site,
            topic_id: composer.topic_id.clone(),
        }]
    } else {
        vec![Effect::SaveDraft(composer.draft(&site, None))]
    }
}

pub fn open_in_editor(app: &mut App, _: Option<String>) -> Effects {
    match app.composer.as_ref() {
        Some(c) if c.editable() => vec![Effect::Editor(c.text())],
        Some(_) => {
            app.set_status("wait: the reply is being sent or checked", Level::Info);
            Vec::new()
        }
        None => {
            app.set_status("open the composer first (r)", Level::Info);
            Vec::new()
        }
    }
}

pub fn editor_done(app: &mut App, result: std::result::Result<String, String>) -> Effects {
    match (result, app.composer.as_mut()) {
        (Ok(text), Some(composer)) => {
            composer.replace_text(&text);
            app.set_status("back from the editor", Level::Info);
            flush_draft(app)
        }
        (Err(e), _) => {
            app.set_status(format!("editor: {e}"), Level::Error);
            Vec::new()
        }
        (Ok(_), None) => Vec::new(),
    }
}

// ---- sending --------------------------------------------------------------------------------

pub fn send(app: &mut App, _: Option<String>) -> Effects {
    if app.composer.as_ref().is_some_and(|c| c.editing.is_some()) {
        return super::edit::send(app);
    }
    let Some(composer) = app.composer.as_ref() else {
        app.set_status("nothing to send: open the composer with r", Level::Info);
        return Vec::new();
    };
    if composer.sending.is_some() {
        app.set_status("already sending…", Level::Info);
        return Vec::new();
    }
    if composer.checking_sent {
        app.set_status(
            "still checking whether this reply was already posted…",
            Level::Info,
        );
        return Vec::new();
    }
    if let Some(why) = composer.too_short() {
        app.set_status(why, Level::Warning);
        return Vec::new();
    }
    let topic_id = composer.topic_id.clone();
    // With the live feed answering, the console already knows of new posts and of who is
    // replying: the guard costs no request. Without it, one look at the topic.
    let local = app.is_live()
        && app
            .thread
            .as_ref()
            .is_some_and(|t| t.topic_id == topic_id && t.topic.is_some() && !t.loading);
    if local {
        let topic = app.thread.as_ref().and_then(|t| t.topic.clone());
        let replying = app.others_replying(&topic_id);
        if let Some(topic) = topic {
            return guard(app, &topic, replying, None);
        }
    }
    let op = app.start_op("checking the topic before sending");
    if let Some(c) = app.composer.as_mut() {
        c.sending = Some(op);
    }
    vec![Effect::CheckBeforeSend(topic_id)]
}

/// The guard's verdict: new posts by others, or others replying, ask first; otherwise the
/// confirmation.
fn guard(app: &mut App, topic: &Topic, replying: Vec<String>, note: Option<String>) -> Effects {
    let me = app.me().to_string();
    let Some(composer) = app.composer.as_ref() else {
        return Vec::new();
    };
    let mut stale_lines = Vec::new();
    // A composer that never saw the thread load has no "before" to compare with.
    let seen = match composer.seen_post_number {
        0 => topic.posts.iter().map(|p| p.post_number).max().unwrap_or(0),
        n => n,
    };
    let arrived: Vec<&Post> = topic
        .posts
        .iter()
        .filter(|p| p.post_number > seen && p.author.username != me)
        .collect();
    for p in arrived.iter().take(5) {
        let rendered =
            crate::text::render_html(&p.body_html, 60, &crate::text::PostStyles::plain());
        let first: String = rendered
            .lines
            .first()
            .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect())
            .unwrap_or_default();
        stale_lines.push(format!(
            "#{} by {}: {}",
            p.post_number,
            sanitize_line(&p.author.username),
            first
        ));
    }
    let others: Vec<String> = replying.into_iter().filter(|u| *u != me).collect();
    if !others.is_empty() {
        stale_lines.push(format!(
            "replying now: {}",
            sanitize_line(&others.join(", "))
        ));
    }
    if !arrived.is_empty() {
        stale_lines.insert(
            0,
            format!("{} new post(s) since you started writing:", arrived.len()),
        );
    }
    if !stale_lines.is_empty() {
        stale_lines.push(String::new());
        stale_lines.push("y send anyway · e edit · d keep as draft".into());
        app.overlay = Some(Overlay::Stale { lines: stale_lines });
        return Vec::new();
    }
    let write = write_of(composer);
    let mut preview = write.preview();
    preview.lines.extend(note);
    app.overlay = Some(Overlay::Confirm {
        preview,
        next: Box::new(SendConfirmed),
    });
    Vec::new()
}

fn write_of(composer: &Composer) -> SendReply {
    SendReply {
        topic_id: composer.topic_id.clone(),
        reply_to_post_number: composer.reply_to,
        raw: composer.text(),
        topic_title: composer.topic_title.clone(),
    }
}

/// The topic as it is now, just before the send (only without a live feed).
pub fn on_send_check(
    app: &mut App,
    topic_id: TopicId,
    result: Result<(Topic, Vec<String>)>,
) -> Effects {
    let Some(composer) = app.composer.as_mut().filter(|c| c.topic_id == topic_id) else {
        return Vec::new();
    };
    if let Some(op) = composer.sending.take() {
        app.finish_op(op);
    }
    match result {
        Ok((topic, replying)) => {
            // Keep the thread current with what the guard saw.
            if let Some(thread) = app.thread.as_mut().filter(|t| t.topic_id == topic_id) {
                thread.topic = Some(topic.clone());
            }
            app.rerender_thread();
            guard(app, &topic, replying, None)
        }
        Err(e) => {
            let note = Some(format!("(could not check for new posts: {e})"));
            let write = app.composer.as_ref().map(write_of);
            if let Some(write) = write {
                let mut preview = write.preview();
                preview.lines.extend(note);
                app.overlay = Some(Overlay::Confirm {
                    preview,
                    next: Box::new(SendConfirmed),
                });
            }
            Vec::new()
        }
    }
}

/// The one confirmation said yes: record the send in the journal, then send.
#[derive(Debug)]
struct SendConfirmed;

impl ConfirmNext for SendConfirmed {
    fn confirmed(self: Box<Self>, app: &mut App) -> Effects {
        start_send(app)
    }
}

fn start_send(app: &mut App) -> Effects {
    let site = app.draft_site.clone();
    let Some(composer) = app.composer.as_ref() else {
        return Vec::new();
    };
    let write = write_of(composer);
    let pending = PendingSend {
        hash: text_hash(&write.raw),
        at: chrono::Utc::now().to_rfc3339(),
    };
    // The journal first: on disk before the request leaves.
    let journal = Effect::SaveDraft(composer.draft(&site, Some(pending)));
    let op = app.start_op(Lands::pending(&write));
    if let Some(c) = app.composer.as_mut() {
        c.sending = Some(op);
        c.draft_due = None;
    }
    vec![
        journal,
        Effect::Write {
            op,
            write: Arc::new(write),
        },
    ]
}

/// The composer has now seen every post of the open thread.
fn mark_thread_seen(app: &mut App) {
    let highest = app
        .thread
        .as_ref()
        .and_then(|t| t.topic.as_ref())
        .and_then(|t| t.posts.iter().map(|p| p.post_number).max());
    if let (Some(c), Some(h)) = (app.composer.as_mut(), highest) {
        c.seen_post_number = c.seen_post_number.max(h);
    }
}

/// Keys of the stale-reply guard.
pub fn stale_key(app: &mut App, key: KeyEvent) -> Effects {
    match key.code {
        KeyCode::Char('y') => {
            app.overlay = None;
            // What arrived has been seen: the guard does not ask twice for the same posts.
            mark_thread_seen(app);
            start_send(app)
        }
        KeyCode::Char('d') => {
            app.overlay = None;
            close_composer(app, true)
        }
        KeyCode::Char('e') | KeyCode::Esc | KeyCode::Char('n') => {
            app.overlay = None;
            app.focus = Pane::Composer;
            mark_thread_seen(app);
            if let Some(c) = app.composer.as_mut() {
                c.touched();
            }
            Vec::new()
        }
        _ => {
            app.dirty = false;
            Vec::new()
        }
    }
}

// ---- the send journal -----------------------------------------------------------------------

/// `R` in a composer whose last send is unknown: ask the server again.
pub fn check_again(app: &mut App) -> Option<Effects> {
    let c = app.composer.as_ref().filter(|c| c.checking_sent)?;
    let effect = Effect::CheckSent {
        topic_id: c.topic_id.clone(),
        raw: c.text(),
    };
    app.set_status(
        "checking whether this reply was already posted…",
        Level::Info,
    );
    Some(vec![effect])
}

/// At start: every draft whose send never got its answer is checked against the server.
pub fn check_journal(app: &mut App) -> Effects {
    let (drafts, problems) = app.config.drafts.list(&app.draft_site);
    for p in &problems {
        app.set_status(p.to_string(), Level::Error);
    }
    drafts
        .into_iter()
        .filter(|d| d.pending_send.is_some())
        .map(|d| Effect::CheckSent {
            topic_id: d.topic_id,
            raw: d.text,
        })
        .collect()
}

/// The server's answer to "is this reply there?".
pub fn on_sent_check(app: &mut App, topic_id: TopicId, result: Result<Option<Post>>) -> Effects {
    let composer_here = app
        .composer
        .as_ref()
        .is_some_and(|c| c.topic_id == topic_id && c.checking_sent);
    match result {
        Ok(Some(post)) => {
            if composer_here {
                app.composer = None;
                app.focus = if app.thread.is_some() {
                    Pane::Thread
                } else {
                    Pane::Queue
                };
            }
            app.set_status(
                format!(
                    "this reply was already posted (#{} in topic {topic_id}); its draft is dropped",
                    post.post_number
                ),
                Level::Success,
            );
            app.take_in_own_post(post);
            vec![Effect::DeleteDraft {
                site: app.draft_site.clone(),
                topic_id,
            }]
        }
        Ok(None) => {
            // Not there: the draft is offered again, without the journal's mark.
            let site = app.draft_site.clone();
            if composer_here {
                if let Some(c) = app.composer.as_mut() {
                    c.checking_sent = false;
                }
                app.set_status("draft restored (it was not posted)", Level::Info);
            }
            match app.config.drafts.load(&site, &topic_id) {
                Ok(Some(mut d)) => {
                    d.pending_send = None;
                    vec![Effect::SaveDraft(d)]
                }
                _ => Vec::new(),
            }
        }
        Err(e) => {
            // Still unknown: the draft stays locked (and marked on disk) until the server
            // can tell, so it is never sent twice.
            let again = app
                .config
                .keymap
                .keys_for(crate::config::Mode::Composer, "refresh")
                .or_else(|| {
                    app.config
                        .keymap
                        .keys_for(crate::config::Mode::Global, "refresh")
                })
                .unwrap_or_else(|| ":refresh".into());
            app.set_status(
                format!(
                    "could not check whether the reply to topic {topic_id} was already posted \
                     ({}); {again} checks again",
                    App::describe_error(&e)
                ),
                Level::Warning,
            );
            Vec::new()
        }
    }
}
