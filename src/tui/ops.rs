//! Moderation from the console: the composer and its drafts, and the ask → confirm → run →
//! report flow of every action (reply, accept, move, award). Rights are checked before a
//! dialog opens; the server's answer is still what counts.

use tui_textarea::TextArea;

use crate::domain::*;
use crate::drafts::Draft;
use crate::text::sanitize_line;

use super::app::*;
use super::msg::{Effect, OpId, OpOutcome};

impl App {
    // ---- composer -----------------------------------------------------------------------

    pub(super) fn open_composer(&mut self, quote: bool) -> Vec<Effect> {
        if let Some(composer) = &self.composer {
            if composer.sending.is_none() {
                self.focus = Pane::Composer;
                self.rerender_thread();
            }
            return Vec::new();
        }
        // From the queue: open the topic first, and reply to it as a whole.
        let mut effects = Vec::new();
        if self.focus == Pane::Queue {
            if let Some(t) = self.selected_topic() {
                let (id, title) = (t.id, t.title.clone());
                if self.thread.as_ref().map(|t| t.topic_id) != Some(id) {
                    effects = self.open_thread(id, title);
                }
            }
        }
        let Some(thread) = self.thread.as_ref() else {
            self.set_status("select a topic to reply to", Level::Info);
            return effects;
        };
        if let Some(topic) = &thread.topic {
            if !topic.rights.can_create_post {
                self.set_status(
                    "this account cannot reply in this topic (closed, or no rights)",
                    Level::Warning,
                );
                return effects;
            }
        }
        let from_thread = self.focus == Pane::Thread;
        let post = from_thread.then(|| self.selected_post()).flatten();
        let reply_to = post.map(|p| p.post_number).filter(|n| *n > 1);
        let quoted = match (quote, post) {
            (true, Some(p)) => Some(quote_block(p)),
            _ => None,
        };
        let topic_id = thread.topic_id;
        let topic_title = thread.title.clone();
        let seen = thread
            .topic
            .as_ref()
            .and_then(|t| t.posts.iter().map(|p| p.post_number).max())
            .unwrap_or(1);
        let draft = self.config.drafts.load(&self.config.site, topic_id);
        let restored = draft.is_some();
        let mut text = draft.as_ref().map(|d| d.text.clone()).unwrap_or_default();
        if let Some(q) = quoted {
            text = if text.is_empty() {
                q
            } else {
                format!("{text}\n\n{q}")
            };
        }
        let mut textarea = TextArea::new(text.lines().map(String::from).collect());
        textarea.move_cursor(tui_textarea::CursorMove::Bottom);
        textarea.move_cursor(tui_textarea::CursorMove::End);
        self.composer = Some(Composer {
            topic_id,
            topic_title,
            reply_to: draft
                .as_ref()
                .and_then(|d| d.reply_to_post_number)
                .or(reply_to),
            textarea,
            seen_post_number: draft.map(|d| d.seen_post_number).unwrap_or(seen).max(1),
            sending: None,
        });
        self.focus = Pane::Composer;
        if restored {
            self.set_status("draft restored", Level::Info);
        }
        self.rerender_thread();
        effects
    }

    /// Writes the composer's text to its draft file (removes it when empty).
    pub(super) fn save_draft(&mut self) {
        let Some(composer) = self.composer.as_ref() else {
            return;
        };
        if let Err(e) = persist_draft(&self.config.drafts, &self.config.site, composer) {
            self.set_status(format!("draft NOT saved: {e}"), Level::Error);
        }
    }

    /// Closes the composer; the draft stays on disk unless the reply was accepted.
    pub(super) fn close_composer(&mut self, keep_draft: bool) {
        if let Some(composer) = self.composer.take() {
            if keep_draft {
                if let Err(e) = persist_draft(&self.config.drafts, &self.config.site, &composer) {
                    self.set_status(format!("draft NOT saved: {e}"), Level::Error);
                } else if !composer.text().trim().is_empty() {
                    self.set_status("composer closed; draft kept (:drafts)", Level::Info);
                }
            } else if let Err(e) = self
                .config
                .drafts
                .delete(&self.config.site, composer.topic_id)
            {
                self.set_status(format!("could not remove the draft: {e}"), Level::Warning);
            }
        }
        self.focus = if self.thread.is_some() {
            Pane::Thread
        } else {
            Pane::Queue
        };
        self.rerender_thread();
    }

    pub(super) fn ask_send_reply(&mut self) -> Vec<Effect> {
        let Some(composer) = self.composer.as_ref() else {
            self.set_status("nothing to send: open the composer with r", Level::Info);
            return Vec::new();
        };
        if composer.sending.is_some() {
            self.set_status("already sending…", Level::Info);
            return Vec::new();
        }
        let text = composer.text();
        if text.trim().is_empty() {
            self.set_status("the reply is empty", Level::Warning);
            return Vec::new();
        }
        let topic_id = composer.topic_id;
        let op = self.start_op("checking the topic before sending");
        self.send_check_op = Some(op);
        vec![Effect::CheckBeforeSend { topic_id }]
    }

    /// The guard's verdict: new posts by others, or others replying, ask first.
    pub(super) fn on_send_check(
        &mut self,
        topic_id: TopicId,
        result: crate::backend::Result<(Topic, Vec<String>)>,
    ) -> Vec<Effect> {
        if let Some(op) = self.send_check_op.take() {
            self.pending_ops.remove(&op);
        }
        let Some(composer) = self.composer.as_ref().filter(|c| c.topic_id == topic_id) else {
            return Vec::new();
        };
        let me = self
            .account
            .as_ref()
            .map(|a| a.username.clone())
            .unwrap_or_else(|| self.config.username.clone());
        let mut note = None;
        let mut stale_lines = Vec::new();
        match result {
            Ok((topic, replying)) => {
                let arrived: Vec<&Post> = topic
                    .posts
                    .iter()
                    .filter(|p| {
                        p.post_number > composer.seen_post_number && p.author.username != me
                    })
                    .collect();
                for p in arrived.iter().take(5) {
                    let rendered =
                        crate::text::render_html(&p.cooked, 60, &crate::text::PostStyles::plain());
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
                // Keep the thread current with what the guard saw.
                if let Some(thread) = self.thread.as_mut().filter(|t| t.topic_id == topic_id) {
                    thread.topic = Some(topic);
                }
                self.rerender_thread();
            }
            Err(e) => note = Some(format!("(could not check for new posts: {e})")),
        }
        let Some(composer) = self.composer.as_ref() else {
            return Vec::new();
        };
        if !stale_lines.is_empty() {
            stale_lines.push(String::new());
            stale_lines.push("y send anyway · e edit · d keep as draft".into());
            self.overlay = Some(Overlay::Stale { lines: stale_lines });
            return Vec::new();
        }
        let text = composer.text();
        let target = match composer.reply_to {
            Some(n) => format!("in reply to post #{n}"),
            None => "to the topic".to_string(),
        };
        let first_line: String = text.lines().next().unwrap_or("").chars().take(60).collect();
        let mut lines = vec![
            format!(
                "Post to «{}» {target}?",
                sanitize_line(&composer.topic_title)
            ),
            format!("{} characters: {first_line}…", text.chars().count()),
        ];
        lines.extend(note);
        self.overlay = Some(Overlay::Confirm {
            title: "Send reply".into(),
            lines,
            action: Confirmable::SendReply,
        });
        Vec::new()
    }

    /// The composer has now seen every post of the open thread.
    fn mark_thread_seen(&mut self) {
        let highest = self
            .thread
            .as_ref()
            .and_then(|t| t.topic.as_ref())
            .and_then(|t| t.posts.iter().map(|p| p.post_number).max());
        if let (Some(c), Some(h)) = (self.composer.as_mut(), highest) {
            c.seen_post_number = c.seen_post_number.max(h);
        }
    }

    /// Keys of the stale-reply guard.
    pub(super) fn stale_key(&mut self, key: crossterm::event::KeyEvent) -> Vec<Effect> {
        use crossterm::event::KeyCode;
        match key.code {
            KeyCode::Char('y') => {
                self.overlay = None;
                // What arrived has been seen: the guard does not ask twice for the same posts.
                self.mark_thread_seen();
                self.confirmed(Confirmable::SendReply)
            }
            KeyCode::Char('d') => {
                self.overlay = None;
                self.close_composer(true);
                Vec::new()
            }
            KeyCode::Char('e') | KeyCode::Esc | KeyCode::Char('n') => {
                self.overlay = None;
                self.focus = Pane::Composer;
                self.mark_thread_seen();
                self.save_draft();
                Vec::new()
            }
            _ => {
                self.dirty = false;
                Vec::new()
            }
        }
    }

    // ---- accept / unaccept ---------------------------------------------------------------

    pub(super) fn ask_solution(&mut self, accept: bool) -> Vec<Effect> {
        let (Some(thread), Some(post)) = (self.thread.as_ref(), self.selected_post()) else {
            self.set_status("open a thread and select the post first", Level::Info);
            return Vec::new();
        };
        if self.focus != Pane::Thread {
            self.set_status("select the post in the thread pane first", Level::Info);
            return Vec::new();
        }
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
                "the server does not let this account mark solutions here (staff, leaders and the topic's author may)".to_string()
            };
            self.set_status(why, Level::Warning);
            return Vec::new();
        }
        let verb = if accept {
            "Accept"
        } else {
            "Remove the accepted mark from"
        };
        self.overlay = Some(Overlay::Confirm {
            title: if accept {
                "Accept solution"
            } else {
                "Unaccept solution"
            }
            .into(),
            lines: vec![format!(
                "{verb} post #{} by {} in «{}»?",
                post.post_number,
                sanitize_line(&post.author.username),
                sanitize_line(&thread.title)
            )],
            action: Confirmable::SetSolution {
                topic_id: thread.topic_id,
                post_id: post.id,
                accept,
            },
        });
        Vec::new()
    }

    // ---- move -----------------------------------------------------------------------------

    fn may_move(&self) -> bool {
        let caps = self.capabilities();
        let server_says = self
            .thread
            .as_ref()
            .and_then(|t| t.topic.as_ref())
            .map(|t| t.rights.can_move_posts);
        server_says.unwrap_or(caps.move_posts) || caps.move_posts
    }

    pub(super) fn ask_move_topic(&mut self) -> Vec<Effect> {
        if !self.capabilities().move_topics {
            self.set_status(
                "moving topics needs staff or leader (trust level 4) rights",
                Level::Warning,
            );
            return Vec::new();
        }
        let topic = match self.focus {
            Pane::Queue => self
                .selected_topic()
                .map(|t| (t.id, t.title.clone(), t.category_id)),
            _ => self.thread.as_ref().and_then(|t| {
                t.topic
                    .as_ref()
                    .map(|x| (x.summary.id, x.summary.title.clone(), x.summary.category_id))
            }),
        };
        let Some((topic_id, title, current)) = topic else {
            self.set_status("select a topic first", Level::Info);
            return Vec::new();
        };
        let items = self.category_items(current);
        self.open_picker(
            &format!("Move «{}» to category", sanitize_line(&title)),
            items,
            PickPurpose::MoveTopic { topic_id },
        );
        Vec::new()
    }

    pub(super) fn ask_move_posts(&mut self) -> Vec<Effect> {
        if !self.may_move() {
            self.set_status(
                "moving posts needs staff or leader (trust level 4) rights",
                Level::Warning,
            );
            return Vec::new();
        }
        let Some(thread) = self.thread.as_ref().filter(|t| t.topic.is_some()) else {
            self.set_status("open a thread and mark posts with Space", Level::Info);
            return Vec::new();
        };
        let mut posts: Vec<PostId> = thread.marked.iter().copied().collect();
        if posts.is_empty() {
            match self.selected_post() {
                Some(p) => posts.push(p.id),
                None => return Vec::new(),
            }
        }
        let topic_id = thread.topic_id;
        let mut items = vec![PickItem {
            label: "New topic…".into(),
            detail: "create a topic from these posts".into(),
            value: PickValue::NewTopic,
        }];
        let mut seen = std::collections::HashSet::new();
        for view in &self.views {
            for t in &view.topics {
                if t.id != topic_id && seen.insert(t.id) {
                    items.push(PickItem {
                        label: format!("#{} {}", t.id, sanitize_line(&t.title)),
                        detail: self.category_name(t.category_id),
                        value: PickValue::Topic(t.id),
                    });
                }
            }
        }
        self.open_picker(
            &format!(
                "Move {} post(s) to… (type a title or topic id)",
                posts.len()
            ),
            items,
            PickPurpose::MovePostsTo { topic_id, posts },
        );
        Vec::new()
    }

    // ---- badges ---------------------------------------------------------------------------

    pub(super) fn ask_award_badge(&mut self) -> Vec<Effect> {
        if !self.capabilities().award_badges {
            self.set_status(
                "only staff (admins and moderators) can award badges",
                Level::Warning,
            );
            return Vec::new();
        }
        let Some(username) = self.focused_username() else {
            self.set_status("select a post or open a profile first", Level::Info);
            return Vec::new();
        };
        let reason = match self.focus {
            Pane::Thread => self.thread.as_ref().and_then(|t| {
                let topic = t.topic.as_ref()?;
                let post = topic.posts.get(t.selected)?;
                Some(format!("{}/{}", topic.url, post.post_number))
            }),
            _ => None,
        };
        match self.badges.clone() {
            Some(badges) => {
                self.open_badge_picker(&badges, username, reason);
                Vec::new()
            }
            None => {
                self.award_after_badges = Some((username, reason));
                self.set_status("loading badges…", Level::Info);
                vec![Effect::LoadBadges]
            }
        }
    }

    fn open_badge_picker(&mut self, badges: &[Badge], username: String, reason: Option<String>) {
        let items = badges
            .iter()
            .filter(|b| b.manually_grantable && b.enabled)
            .map(|b| PickItem {
                label: sanitize_line(&b.name),
                detail: format!("{:?}: {}", b.badge_type, sanitize_line(&b.description)),
                value: PickValue::Badge(b.id),
            })
            .collect();
        self.open_picker(
            &format!("Award a badge to {}", sanitize_line(&username)),
            items,
            PickPurpose::AwardBadge { username, reason },
        );
    }

    pub(super) fn on_badges(&mut self, result: crate::backend::Result<Vec<Badge>>) -> Vec<Effect> {
        match result {
            Ok(badges) => {
                if let Some((username, reason)) = self.award_after_badges.take() {
                    self.open_badge_picker(&badges, username, reason);
                }
                self.badges = Some(badges);
            }
            Err(e) => {
                self.award_after_badges = None;
                self.set_status(format!("badges: {e}"), Level::Error);
            }
        }
        Vec::new()
    }

    // ---- dialog answers -----------------------------------------------------------------

    pub(super) fn picked(
        &mut self,
        purpose: PickPurpose,
        value: PickValue,
        input: &str,
    ) -> Vec<Effect> {
        match (purpose, value) {
            (PickPurpose::MoveTopic { topic_id }, PickValue::Category(category_id)) => {
                let name = self.category_name(Some(category_id));
                let title = self.topic_title(topic_id);
                self.overlay = Some(Overlay::Confirm {
                    title: "Move topic".into(),
                    lines: vec![format!(
                        "Move «{}» to the category {}?",
                        sanitize_line(&title),
                        sanitize_line(&name)
                    )],
                    action: Confirmable::MoveTopic {
                        topic_id,
                        category_id,
                    },
                });
            }
            (PickPurpose::MovePostsTo { topic_id, posts }, PickValue::NewTopic) => {
                self.overlay = Some(Overlay::Prompt {
                    title: "Title of the new topic".into(),
                    input: String::new(),
                    purpose: PromptPurpose::NewTopicTitle { topic_id, posts },
                });
            }
            (PickPurpose::MovePostsTo { topic_id, posts }, PickValue::Topic(dest)) => {
                let lines = vec![
                    format!(
                        "Move {} post(s) from «{}»",
                        posts.len(),
                        sanitize_line(&self.topic_title(topic_id))
                    ),
                    format!(
                        "to the existing topic #{dest} «{}»?",
                        sanitize_line(&self.topic_title(dest))
                    ),
                ];
                self.overlay = Some(Overlay::Confirm {
                    title: "Move posts".into(),
                    lines,
                    action: Confirmable::MovePosts {
                        topic_id,
                        posts,
                        to: MoveDestination::ExistingTopic(dest),
                    },
                });
            }
            (
                PickPurpose::NewTopicCategory {
                    topic_id,
                    posts,
                    title,
                },
                PickValue::Category(category_id),
            ) => {
                let lines = vec![
                    format!(
                        "Move {} post(s) from «{}»",
                        posts.len(),
                        sanitize_line(&self.topic_title(topic_id))
                    ),
                    format!(
                        "to a new topic «{}» in {}?",
                        sanitize_line(&title),
                        sanitize_line(&self.category_name(Some(category_id)))
                    ),
                ];
                self.overlay = Some(Overlay::Confirm {
                    title: "Move posts".into(),
                    lines,
                    action: Confirmable::MovePosts {
                        topic_id,
                        posts,
                        to: MoveDestination::NewTopic {
                            title,
                            category_id: Some(category_id),
                        },
                    },
                });
            }
            (PickPurpose::AwardBadge { username, reason }, PickValue::Badge(badge_id)) => {
                let name = self
                    .badges
                    .as_ref()
                    .and_then(|b| b.iter().find(|b| b.id == badge_id))
                    .map(|b| b.name.clone())
                    .unwrap_or_else(|| badge_id.to_string());
                let mut lines = vec![format!(
                    "Award «{}» to {}?",
                    sanitize_line(&name),
                    sanitize_line(&username)
                )];
                if let Some(r) = &reason {
                    lines.push(format!("Reason: {r}"));
                }
                self.overlay = Some(Overlay::Confirm {
                    title: "Award badge".into(),
                    lines,
                    action: Confirmable::AwardBadge(BadgeAward {
                        username,
                        badge_id,
                        reason,
                    }),
                });
            }
            (PickPurpose::Drafts, PickValue::Draft(topic_id)) => {
                let title = self
                    .config
                    .drafts
                    .load(&self.config.site, topic_id)
                    .map(|d| d.topic_title)
                    .unwrap_or_default();
                let mut effects = self.open_thread(topic_id, title);
                self.focus = Pane::Thread;
                effects.extend(self.open_composer(false));
                return effects;
            }
            (purpose, value) => {
                crate::logging::warn(&format!("picker mismatch: {purpose:?} {value:?} {input}"));
            }
        }
        Vec::new()
    }

    /// A picker whose typed text matched nothing may still name a topic by id.
    pub(super) fn picked_typed(&mut self, purpose: PickPurpose, input: &str) -> Vec<Effect> {
        match (
            &purpose,
            input.trim().trim_start_matches('#').parse::<TopicId>(),
        ) {
            (PickPurpose::MovePostsTo { .. }, Ok(id)) => {
                self.picked(purpose, PickValue::Topic(id), input)
            }
            _ => {
                self.set_status("nothing matches", Level::Info);
                Vec::new()
            }
        }
    }

    pub(super) fn prompted(&mut self, purpose: PromptPurpose, input: String) -> Vec<Effect> {
        match purpose {
            PromptPurpose::NewTopicTitle { topic_id, posts } => {
                let title = input.trim().to_string();
                if title.chars().count() < 15 {
                    self.overlay = Some(Overlay::Prompt {
                        title: "Title of the new topic (at least 15 characters)".into(),
                        input,
                        purpose: PromptPurpose::NewTopicTitle { topic_id, posts },
                    });
                    return Vec::new();
                }
                let items = self.category_items(None);
                self.open_picker(
                    "Category of the new topic",
                    items,
                    PickPurpose::NewTopicCategory {
                        topic_id,
                        posts,
                        title,
                    },
                );
            }
        }
        Vec::new()
    }

    pub(super) fn confirmed(&mut self, action: Confirmable) -> Vec<Effect> {
        match action {
            Confirmable::SendReply => {
                let Some(composer) = self.composer.as_ref() else {
                    return Vec::new();
                };
                let reply = NewReply {
                    topic_id: composer.topic_id,
                    reply_to_post_number: composer.reply_to,
                    raw: composer.text(),
                };
                let op = self.start_op(format!("sending reply to #{}", reply.topic_id));
                if let Some(c) = self.composer.as_mut() {
                    c.sending = Some(op);
                }
                vec![Effect::SendReply { op, reply }]
            }
            Confirmable::SetSolution {
                topic_id,
                post_id,
                accept,
            } => {
                let label = if accept { "accepting" } else { "unaccepting" };
                let op = self.start_op(format!("{label} post {post_id}"));
                vec![Effect::SetSolution {
                    op,
                    topic_id,
                    post_id,
                    accept,
                }]
            }
            Confirmable::MoveTopic {
                topic_id,
                category_id,
            } => {
                let op = self.start_op(format!("moving topic #{topic_id}"));
                vec![Effect::MoveTopic {
                    op,
                    topic_id,
                    category_id,
                }]
            }
            Confirmable::MovePosts {
                topic_id,
                posts,
                to,
            } => {
                let op = self.start_op(format!("moving {} post(s)", posts.len()));
                vec![Effect::MovePosts {
                    op,
                    topic_id,
                    posts,
                    to,
                }]
            }
            Confirmable::AwardBadge(award) => {
                let op = self.start_op(format!("awarding a badge to {}", award.username));
                vec![Effect::AwardBadge { op, award }]
            }
        }
    }

    /// Picker items for every category but `except`, by name.
    fn category_items(&self, except: Option<CategoryId>) -> Vec<PickItem> {
        let mut categories: Vec<&Category> = self
            .categories
            .values()
            .filter(|c| Some(c.id) != except)
            .collect();
        categories.sort_by(|a, b| a.name.cmp(&b.name));
        categories
            .into_iter()
            .map(|c| PickItem {
                label: sanitize_line(&c.name),
                detail: c.slug.clone(),
                value: PickValue::Category(c.id),
            })
            .collect()
    }

    fn topic_title(&self, id: TopicId) -> String {
        if let Some(t) = self.thread.as_ref().filter(|t| t.topic_id == id) {
            return t.title.clone();
        }
        self.views
            .iter()
            .flat_map(|v| v.topics.iter())
            .find(|t| t.id == id)
            .map(|t| t.title.clone())
            .unwrap_or_else(|| format!("topic {id}"))
    }

    // ---- results ---------------------------------------------------------------------------

    pub(super) fn on_op_done(&mut self, op: OpId, outcome: OpOutcome) -> Vec<Effect> {
        self.pending_ops.remove(&op);
        let mut effects = Vec::new();
        match outcome {
            OpOutcome::Replied { topic_id, result } => {
                if let Some(c) = self.composer.as_mut().filter(|c| c.sending == Some(op)) {
                    c.sending = None;
                }
                match result {
                    Ok(post) => {
                        if self
                            .composer
                            .as_ref()
                            .is_some_and(|c| c.topic_id == topic_id)
                        {
                            self.close_composer(false);
                        } else if let Err(e) =
                            self.config.drafts.delete(&self.config.site, topic_id)
                        {
                            self.set_status(
                                format!("could not remove the draft: {e}"),
                                Level::Warning,
                            );
                        }
                        self.toast(
                            format!("reply posted as #{} in topic {topic_id}", post.post_number),
                            Level::Success,
                        );
                        // An answered topic leaves the unanswered view at once.
                        for view in &mut self.views {
                            if view.query.view == QueueView::Unanswered {
                                view.topics.retain(|t| t.id != topic_id);
                            }
                        }
                        self.clamp_selection();
                        effects.extend(self.after_change(topic_id));
                    }
                    Err(e) => {
                        self.set_status(
                            format!("reply not sent, draft kept: {}", Self::describe_error(&e)),
                            Level::Error,
                        );
                    }
                }
            }
            OpOutcome::SolutionChanged {
                topic_id,
                post_id,
                accepted,
                result,
            } => match result {
                Ok(()) => {
                    if let Some(topic) = self
                        .thread
                        .as_mut()
                        .and_then(|t| t.topic.as_mut())
                        .filter(|t| t.summary.id == topic_id)
                    {
                        for post in &mut topic.posts {
                            if post.id == post_id {
                                post.accepted_answer = accepted;
                            } else if accepted {
                                post.accepted_answer = false;
                            }
                        }
                    }
                    self.rerender_thread();
                    let verb = if accepted { "accepted" } else { "unaccepted" };
                    self.toast(
                        format!("post {post_id} {verb} as the solution"),
                        Level::Success,
                    );
                    effects.extend(self.after_change(topic_id));
                }
                Err(e) => self.set_status(
                    format!("solution not changed: {}", Self::describe_error(&e)),
                    Level::Error,
                ),
            },
            OpOutcome::PostsMoved { topic_id, result } => match result {
                Ok(moved) => {
                    if let Some(t) = self.thread.as_mut() {
                        t.marked.clear();
                    }
                    let target = match moved.topic_id {
                        Some(id) => format!("topic #{id}"),
                        None => moved.url.clone(),
                    };
                    self.toast(format!("posts moved to {target}"), Level::Success);
                    effects.extend(self.after_change(topic_id));
                }
                Err(e) => self.set_status(
                    format!("posts not moved: {}", Self::describe_error(&e)),
                    Level::Error,
                ),
            },
            OpOutcome::TopicMoved {
                topic_id,
                category_id,
                result,
            } => match result {
                Ok(()) => {
                    for view in &mut self.views {
                        for t in view.topics.iter_mut().filter(|t| t.id == topic_id) {
                            t.category_id = Some(category_id);
                        }
                    }
                    let name = self.category_name(Some(category_id));
                    self.toast(format!("topic {topic_id} moved to {name}"), Level::Success);
                    effects.extend(self.after_change(topic_id));
                }
                Err(e) => self.set_status(
                    format!("topic not moved: {}", Self::describe_error(&e)),
                    Level::Error,
                ),
            },
            OpOutcome::BadgeAwarded { username, result } => match result {
                Ok(granted) => {
                    self.toast(
                        format!("awarded {} to {username}", granted.badge.name),
                        Level::Success,
                    );
                    self.board_cache.remove(&username);
                    if self
                        .profile
                        .as_ref()
                        .is_some_and(|p| p.board.username == username)
                    {
                        let focus = self.focus;
                        effects.extend(self.open_profile(&username, true));
                        self.focus = focus;
                    }
                }
                Err(e) => self.set_status(
                    format!("badge not awarded: {}", Self::describe_error(&e)),
                    Level::Error,
                ),
            },
        }
        effects
    }

    /// After a confirmed change: reload the open thread if it is the topic, and the views.
    fn after_change(&mut self, topic_id: TopicId) -> Vec<Effect> {
        let mut effects = Vec::new();
        if let Some(thread) = self.thread.as_mut().filter(|t| t.topic_id == topic_id) {
            thread.loading = true;
            effects.push(Effect::LoadTopic(topic_id));
        }
        for i in 0..self.views.len() {
            if self.views[i].loaded {
                effects.extend(self.reload_view(i));
            }
        }
        effects
    }
}

/// Writes a composer's text to its draft file, or removes the file when the text is empty.
fn persist_draft(
    store: &crate::drafts::DraftStore,
    site: &str,
    composer: &Composer,
) -> std::io::Result<()> {
    let text = composer.text();
    if text.trim().is_empty() {
        return store.delete(site, composer.topic_id);
    }
    store.save(&Draft {
        site: site.to_string(),
        topic_id: composer.topic_id,
        topic_title: composer.topic_title.clone(),
        reply_to_post_number: composer.reply_to,
        text,
        seen_post_number: composer.seen_post_number,
        saved_at: chrono::Utc::now().to_rfc3339(),
    })
}

/// Discourse's quote markup for a post.
fn quote_block(post: &Post) -> String {
    let body = post.raw.clone().unwrap_or_else(|| {
        let rendered =
            crate::text::render_html(&post.cooked, 200, &crate::text::PostStyles::plain());
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
    });
    format!(
        "[quote=\"{}, post:{}, topic:{}\"]\n{}\n[/quote]\n",
        post.author.username,
        post.post_number,
        post.topic_id,
        body.trim()
    )
}
