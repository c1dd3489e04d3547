//! `App::update`: the only place state changes. Terminal events become actions through the
//! keymap; backend results land in state; the returned effects are run by the loop.

use std::time::Instant;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use ratatui::layout::Rect;

use crate::actions::{reply, Action, ActionKind};
use crate::config::{Lookup, Mode};

use super::app::*;
use super::layout;
use super::msg::{Effect, Msg};
use super::overlay::Overlay;

/// The longest text a paste may put anywhere (a larger paste is cut, with a message).
pub const MAX_PASTE_CHARS: usize = 256 * 1024;

impl App {
    /// Effects to run once connected: who we are, the categories, the first view, and the
    /// drafts whose last send may have reached the server (the send journal).
    pub fn init(&mut self) -> Vec<Effect> {
        let mut effects = vec![Effect::LoadAccount, Effect::LoadCategories];
        effects.extend(self.reload_view(self.active_view, false));
        effects.extend(reply::check_journal(self));
        effects
    }

    pub fn update(&mut self, msg: Msg) -> Vec<Effect> {
        let effects = self.handle(msg);
        // A write on its way: the feed's news of its topics waits for its answer.
        for effect in &effects {
            if let Effect::Write { write, .. } = effect {
                self.echoes.sending(&write.echoes(), write.creates_topic());
            }
        }
        effects
    }

    fn handle(&mut self, msg: Msg) -> Vec<Effect> {
        self.dirty = true;
        match msg {
            Msg::Term(Event::Key(key)) if key.kind != KeyEventKind::Release => self.on_key(key),
            Msg::Term(Event::Paste(text)) => self.on_paste(&text),
            Msg::Term(Event::Resize(w, h)) => {
                self.resize(w, h);
                Vec::new()
            }
            Msg::Term(_) => {
                self.dirty = false;
                Vec::new()
            }
            Msg::Run(action) => action.run(self),
            Msg::Tick => self.on_tick(),
            Msg::Account(result) => {
                match result {
                    Ok(account) => self.account = Some(account),
                    Err(e) => self.set_status(format!("who am I failed: {e}"), Level::Error),
                }
                Vec::new()
            }
            Msg::Categories(result) => {
                match result {
                    Ok(list) => {
                        self.categories = list.into_iter().map(|c| (c.id.clone(), c)).collect();
                        self.rebuild_search_text();
                    }
                    Err(e) => self.set_status(format!("categories: {e}"), Level::Warning),
                }
                Vec::new()
            }
            Msg::Topics {
                view,
                generation,
                first_page,
                result,
            } => self.on_topics(view, generation, first_page, result),
            Msg::TopicsById { asked, result } => self.on_topics_by_id(asked, result),
            Msg::Topic { id, result } => {
                self.on_topic(&id, result);
                Vec::new()
            }
            Msg::BoardPart {
                username,
                part,
                result,
            } => {
                self.on_board_part(&username, part, result);
                Vec::new()
            }
            Msg::Badges(result) => crate::actions::award::on_catalogue(self, result),
            Msg::FilterFound { text, result } => {
                self.on_filter_found(text, result);
                Vec::new()
            }
            Msg::Searched {
                view,
                generation,
                result,
            } => crate::actions::search::on_results(self, view, generation, result),
            Msg::ReviewPage {
                view,
                generation,
                result,
            } => self.on_review_page(view, generation, result),
            Msg::FlagTypes(result) => crate::actions::flag::on_types(self, result),
            Msg::PostSource { post_id, result } => {
                crate::actions::edit::on_source(self, post_id, result)
            }
            Msg::Landed {
                op,
                landing,
                audit_error,
            } => {
                self.finish_op(op);
                let (echoes, creates, ok) = (
                    landing.echoes.clone(),
                    landing.creates_topic,
                    landing.outcome.is_ok(),
                );
                // The answer first (it may name a topic it made), then the held news.
                let mut effects = landing.apply(self);
                let released = self.echoes.landed(&echoes, creates, ok, Instant::now());
                effects.extend(self.on_live(released));
                if let Some(e) = audit_error {
                    self.set_status(
                        format!("the audit log could not record this action: {e}"),
                        Level::Warning,
                    );
                }
                effects
            }
            Msg::EditorDone(result) => reply::editor_done(self, result),
            Msg::Live(events) => self.on_live(events),
            Msg::LiveState(state) => {
                if let LiveState::Periodic { every, reason } = &state {
                    if !matches!(self.live, LiveState::Periodic { .. }) {
                        self.set_status(
                            format!(
                                "live updates unavailable ({reason}); refreshing every {}s",
                                every.as_secs()
                            ),
                            Level::Warning,
                        );
                    }
                }
                self.live = state;
                Vec::new()
            }
            Msg::PeriodicRefresh => self.refresh_views_quietly(),
            Msg::Budget(budget) => {
                // A pause that ended leaves no stale "rate limited" message behind.
                if self.budget.paused_for.is_some() && budget.paused_for.is_none() {
                    if let Some((text, _)) = &self.status {
                        if text.contains("rate limited") {
                            self.status = None;
                        }
                    }
                }
                self.dirty = self.budget != budget;
                self.budget = budget;
                Vec::new()
            }
            Msg::SendCheck { topic_id, result } => reply::on_send_check(self, topic_id, result),
            Msg::SentCheck { topic_id, result } => reply::on_sent_check(self, topic_id, result),
            Msg::DraftError(e) => {
                self.set_status(format!("draft NOT saved: {e}"), Level::Error);
                Vec::new()
            }
        }
    }

    pub fn resize(&mut self, w: u16, h: u16) {
        self.size = (w, h);
        self.rerender_thread();
        let rows = self.queue_rows();
        self.view_mut().scroll_into_view(rows);
        let review_rows = self.review_rows();
        if let Some(list) = self.review_mut() {
            list.move_selection(0, review_rows);
        }
    }

    pub fn areas(&self) -> layout::Areas {
        layout::compute(self, Rect::new(0, 0, self.size.0, self.size.1))
    }

    /// Table rows of the queue pane: its inner height less the header row.
    pub fn queue_rows(&self) -> usize {
        layout::inner_height(self.areas().queue)
            .saturating_sub(1)
            .max(1)
    }

    fn on_tick(&mut self) -> Vec<Effect> {
        self.spinner = self.spinner.wrapping_add(1);
        let now = Instant::now();
        let toasts = self.toasts.len();
        self.toasts.retain(|t| t.until > now);
        if self.undo.as_ref().is_some_and(|u| u.until <= now) {
            self.undo = None;
        }
        let previous_minute = self.now.timestamp() / 60;
        self.now = chrono::Utc::now();
        let mut effects = reply::save_due_draft(self, now);
        effects.extend(self.ask_server_for_filter(now));
        // Without anything animating, only a new minute (the wait clocks) is worth a frame.
        self.dirty = self.animating()
            || toasts != self.toasts.len()
            || self.now.timestamp() / 60 != previous_minute;
        effects
    }

    // ---- keys ---------------------------------------------------------------------------

    fn on_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        // Ctrl-C always gets out, whatever the keymap says (drafts are flushed on the way; a
        // changed edit, which has no draft, asks once first).
        if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
            return Action::new(ActionKind::Quit).run(self);
        }
        if self.filter_active && self.overlay.is_none() {
            return self.filter_key(key);
        }
        match &self.overlay {
            Some(Overlay::Stale { .. }) => return reply::stale_key(self, key),
            Some(Overlay::Help(h)) if h.searching => return self.help_search_key(key),
            Some(Overlay::Help(_)) if key.code == KeyCode::Char('/') => {
                if let Some(Overlay::Help(h)) = self.overlay.as_mut() {
                    h.searching = true;
                    h.search.clear();
                    h.scroll = 0;
                }
                return Vec::new();
            }
            Some(Overlay::Palette { .. } | Overlay::Picker(_) | Overlay::Prompt(_)) => {
                if let Some(effects) = self.text_overlay_key(key) {
                    return effects;
                }
            }
            _ => {}
        }
        let mode = self.mode();
        self.pending_keys.push(key);
        match self.config.keymap.lookup(mode, &self.pending_keys) {
            Lookup::Action(action) => {
                self.pending_keys.clear();
                action.run(self)
            }
            Lookup::Pending(_) => Vec::new(),
            Lookup::NoMatch => {
                let keys = std::mem::take(&mut self.pending_keys);
                // A key that did not continue a sequence may still be a binding on its own.
                if keys.len() > 1 {
                    if let Lookup::Action(action) = self.config.keymap.lookup(mode, &[key]) {
                        return action.run(self);
                    }
                }
                self.unbound_key(mode, key)
            }
        }
    }

    /// Keys with no binding: text for whatever has a text field, otherwise ignored.
    fn unbound_key(&mut self, mode: Mode, key: KeyEvent) -> Vec<Effect> {
        match mode {
            Mode::Composer => {
                if let Some(composer) = self.composer.as_mut().filter(|c| c.editable()) {
                    if composer.textarea.input(key) {
                        composer.touched();
                    }
                }
                Vec::new()
            }
            Mode::Dialog => {
                self.dirty = false;
                Vec::new()
            }
            _ => {
                self.dirty = false;
                Vec::new()
            }
        }
    }

    fn on_paste(&mut self, text: &str) -> Vec<Effect> {
        let cut = text.chars().nth(MAX_PASTE_CHARS).is_some();
        let text: String = text.chars().take(MAX_PASTE_CHARS).collect();
        if cut {
            self.set_status(
                format!("the paste was cut at {MAX_PASTE_CHARS} characters"),
                Level::Warning,
            );
        }
        // Single-line inputs: a pasted newline must never confirm anything.
        let flat = || text.replace(['\r', '\n'], " ");
        match self.overlay.as_mut() {
            Some(Overlay::Palette { input, selected }) => {
                input.push_str(&flat());
                *selected = 0;
            }
            Some(Overlay::Picker(p)) => {
                p.input.push_str(&flat());
                p.selected = 0;
            }
            Some(Overlay::Prompt(p)) => p.input.push_str(&flat()),
            Some(Overlay::Help(h)) if h.searching => h.search.push_str(&flat()),
            Some(_) => {}
            None if self.filter_active => {
                let mut filter = std::mem::take(&mut self.filter);
                filter.push_str(&flat());
                self.set_filter(filter);
            }
            None => {
                if let (Pane::Composer, Some(composer)) = (self.focus, self.composer.as_mut()) {
                    if composer.editable() {
                        // Inserted whole: newlines are text here, never a send. Terminals
                        // (xterm, VTE, tmux) send a pasted line break as a bare CR.
                        composer
                            .textarea
                            .insert_str(text.replace("\r\n", "\n").replace('\r', "\n"));
                        composer.touched();
                    }
                }
            }
        }
        Vec::new()
    }

    fn filter_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Esc => {
                self.filter_active = false;
                self.set_filter(String::new());
            }
            KeyCode::Enter => self.filter_active = false,
            KeyCode::Backspace => {
                let mut filter = std::mem::take(&mut self.filter);
                filter.pop();
                self.set_filter(filter);
            }
            KeyCode::Char('u') if ctrl => self.set_filter(String::new()),
            KeyCode::Up | KeyCode::Down => {
                self.filter_active = false;
                let kind = if key.code == KeyCode::Up {
                    ActionKind::MoveUp
                } else {
                    ActionKind::MoveDown
                };
                return Action::new(kind).run(self);
            }
            KeyCode::Char(c) if !ctrl => {
                let mut filter = std::mem::take(&mut self.filter);
                if filter.chars().count() < 200 {
                    filter.push(c);
                }
                self.set_filter(filter);
            }
            _ => self.dirty = false,
        }
        Vec::new()
    }

    /// Typing into the palette, picker or prompt. `None`: the key is not text, so it goes
    /// through the keymap's dialog layer (Enter, Esc, arrows...).
    fn text_overlay_key(&mut self, key: KeyEvent) -> Option<Vec<Effect>> {
        let plain = !key
            .modifiers
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
        let typing = match key.code {
            KeyCode::Char(_) if plain => true,
            KeyCode::Backspace => true,
            KeyCode::Char('u') if key.modifiers.contains(KeyModifiers::CONTROL) => true,
            KeyCode::Tab => return Some(Action::new(ActionKind::MoveDown).run(self)),
            _ => false,
        };
        if !typing {
            return None;
        }
        let (input, selected) = match self.overlay.as_mut()? {
            Overlay::Palette { input, selected } => (input, Some(selected)),
            Overlay::Picker(p) => {
                // Typing chooses: the best match is selected.
                p.armed = true;
                (&mut p.input, Some(&mut p.selected))
            }
            Overlay::Prompt(p) => (&mut p.input, None),
            _ => return None,
        };
        match key.code {
            KeyCode::Char(c) if plain => {
                if input.chars().count() < 500 {
                    input.push(c);
                }
            }
            KeyCode::Backspace => {
                input.pop();
            }
            _ => input.clear(),
        }
        if let Some(s) = selected {
            *s = 0;
        }
        self.clamp_overlay_selection();
        Some(Vec::new())
    }

    fn help_search_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let Some(Overlay::Help(h)) = self.overlay.as_mut() else {
            return Vec::new();
        };
        match key.code {
            KeyCode::Esc => {
                h.searching = false;
                h.search.clear();
            }
            KeyCode::Enter => h.searching = false,
            KeyCode::Backspace => {
                h.search.pop();
            }
            KeyCode::Char(c)
                if !key.modifiers.contains(KeyModifiers::CONTROL)
                    && h.search.chars().count() < 100 =>
            {
                h.search.push(c);
            }
            _ => {}
        }
        h.scroll = 0;
        Vec::new()
    }

    /// Keeps the selection of the palette or picker within its matches.
    pub(super) fn clamp_overlay_selection(&mut self) {
        let len = match self.overlay.as_ref() {
            Some(Overlay::Palette { input, .. }) => {
                super::overlay::palette_matches(self, input).len()
            }
            Some(Overlay::Picker(p)) => p.matches().len(),
            _ => return,
        };
        match self.overlay.as_mut() {
            Some(Overlay::Palette { selected, .. }) => {
                *selected = (*selected).min(len.saturating_sub(1))
            }
            Some(Overlay::Picker(p)) => p.selected = p.selected.min(len.saturating_sub(1)),
            _ => {}
        }
    }

    pub(crate) fn describe_error(e: &crate::backend::BackendError) -> String {
        use crate::backend::BackendError;
        match e {
            BackendError::Forbidden(m) => format!("the server says no: {m}"),
            BackendError::RateLimited { wait, .. } => {
                format!("rate limited: try again in {}s", wait.as_secs().max(1))
            }
            other => other.to_string(),
        }
    }
}
