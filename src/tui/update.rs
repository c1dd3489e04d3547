//! `App::update`: the only place state changes. Terminal events become named commands through
//! the keymap; backend results land in state; the returned effects are run by the loop.

use std::time::Instant;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use ratatui::layout::Rect;

use crate::backend::BackendError;
use crate::config::{Command, Lookup, Mode};
use crate::domain::*;

use super::app::*;
use super::layout;
use super::msg::{Effect, Msg};
use super::thread_render::render_thread;

/// Topics left below the selection before the next page is fetched.
const PREFETCH_MARGIN: usize = 10;

impl App {
    /// Effects to run at start-up: who we are, the categories, and the first view.
    pub fn init(&mut self) -> Vec<Effect> {
        let mut effects = vec![Effect::LoadAccount, Effect::LoadCategories];
        effects.extend(self.reload_view(self.active_view));
        effects
    }

    pub fn update(&mut self, msg: Msg) -> Vec<Effect> {
        self.dirty = true;
        match msg {
            Msg::Term(Event::Key(key)) if key.kind != KeyEventKind::Release => self.on_key(key),
            Msg::Term(Event::Key(_)) => {
                self.dirty = false;
                Vec::new()
            }
            Msg::Term(Event::Paste(text)) => self.on_paste(&text),
            Msg::Term(Event::Resize(w, h)) => {
                self.resize(w, h);
                Vec::new()
            }
            Msg::Term(_) => {
                self.dirty = false;
                Vec::new()
            }
            Msg::Run(command) => self.exec(command),
            Msg::Tick => {
                self.on_tick();
                Vec::new()
            }
            Msg::Account(result) => {
                match result {
                    Ok(account) => self.account = Some(account),
                    Err(e) => self.set_status(format!("who am I failed: {e}"), Level::Error),
                }
                Vec::new()
            }
            Msg::Categories(result) => {
                match result {
                    Ok(list) => self.categories = list.into_iter().map(|c| (c.id, c)).collect(),
                    Err(e) => self.set_status(format!("categories: {e}"), Level::Warning),
                }
                Vec::new()
            }
            Msg::Topics {
                view,
                page,
                generation,
                result,
            } => self.on_topics(view, page, generation, result),
            Msg::Topic { id, result } => {
                self.on_topic(id, result);
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
            Msg::Badges(result) => self.on_badges(result),
            Msg::OpDone { op, outcome } => self.on_op_done(op, outcome),
            Msg::EditorDone(result) => {
                match (result, self.composer.as_mut()) {
                    (Ok(text), Some(composer)) => {
                        composer.textarea =
                            tui_textarea::TextArea::new(text.lines().map(String::from).collect());
                        self.save_draft();
                        self.set_status("back from the editor; draft saved", Level::Info);
                    }
                    (Err(e), _) => self.set_status(format!("editor: {e}"), Level::Error),
                    (Ok(_), None) => {}
                }
                Vec::new()
            }
            Msg::Live(events) => self.on_live(events),
            Msg::LiveFallback { reason, every } => {
                self.live_status = Some(format!("every {}s", every.as_secs()));
                self.set_status(
                    format!(
                        "live updates unavailable ({reason}); refreshing every {}s",
                        every.as_secs()
                    ),
                    Level::Warning,
                );
                Vec::new()
            }
            Msg::PeriodicRefresh => self.reload_loaded_views(),
            Msg::SendCheck { topic_id, result } => self.on_send_check(topic_id, result),
        }
    }

    fn on_live(&mut self, events: Vec<LiveEvent>) -> Vec<Effect> {
        if self.live_status.is_none() {
            self.live_status = Some("live".into());
        }
        let mut lists_changed = false;
        let mut effects = Vec::new();
        for event in events {
            match event {
                LiveEvent::TopicListChanged { .. } => lists_changed = true,
                LiveEvent::TopicChanged { topic_id, .. } => {
                    lists_changed = true;
                    if let Some(thread) = self.thread.as_mut().filter(|t| t.topic_id == topic_id) {
                        if !thread.loading {
                            thread.loading = true;
                            effects.push(Effect::LoadTopic(topic_id));
                        }
                    }
                }
                LiveEvent::Replying {
                    topic_id,
                    usernames,
                } => {
                    if usernames.is_empty() {
                        self.replying.remove(&topic_id);
                    } else {
                        self.replying.insert(topic_id, usernames);
                    }
                }
            }
        }
        if lists_changed {
            effects.extend(self.reload_loaded_views());
        }
        effects
    }

    /// Quietly reloads every view already shown once (selection is kept by topic id).
    pub(super) fn reload_loaded_views(&mut self) -> Vec<Effect> {
        let mut effects = Vec::new();
        for i in 0..self.views.len() {
            if self.views[i].loaded || i == self.active_view {
                effects.extend(self.reload_view(i));
            }
        }
        effects
    }

    pub fn resize(&mut self, w: u16, h: u16) {
        self.size = (w, h);
        self.rerender_thread();
        self.scroll_queue_into_view();
    }

    pub fn areas(&self) -> layout::Areas {
        layout::compute(self, Rect::new(0, 0, self.size.0, self.size.1))
    }

    fn on_tick(&mut self) {
        self.spinner = self.spinner.wrapping_add(1);
        let now = Instant::now();
        self.toasts.retain(|t| t.until > now);
        let previous_minute = self.now.timestamp() / 60;
        self.now = chrono::Utc::now();
        // Without anything animating, only a new minute (the wait clocks) is worth a frame.
        self.dirty = self.animating() || self.now.timestamp() / 60 != previous_minute;
    }

    // ---- keys ---------------------------------------------------------------------------

    fn on_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        // Ctrl-C always gets out, whatever the keymap says (drafts are already on disk).
        if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
            return self.exec_name("quit");
        }
        if self.filter_active && self.overlay.is_none() {
            return self.filter_key(key);
        }
        if matches!(self.overlay, Some(Overlay::Stale { .. })) {
            return self.stale_key(key);
        }
        if self.text_overlay_open() {
            let plain = !key
                .modifiers
                .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
            match key.code {
                KeyCode::Char(_) | KeyCode::Backspace if plain => {
                    self.overlay_text_key(key);
                    return Vec::new();
                }
                KeyCode::Up => return self.exec_name("move_up"),
                KeyCode::Down | KeyCode::Tab => return self.exec_name("move_down"),
                KeyCode::Char('p') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                    return self.exec_name("move_up")
                }
                KeyCode::Char('n') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                    return self.exec_name("move_down")
                }
                KeyCode::Enter => return self.exec_name("confirm"),
                KeyCode::Esc => return self.exec_name("cancel"),
                _ => {}
            }
        }
        let mode = self.mode();
        self.pending_keys.push(key);
        match self.config.keymap.lookup(mode, &self.pending_keys) {
            Lookup::Command(command) => {
                self.pending_keys.clear();
                self.exec(command)
            }
            Lookup::Pending(_) => Vec::new(),
            Lookup::NoMatch => {
                let keys = std::mem::take(&mut self.pending_keys);
                // A key that did not continue a sequence may still be a binding on its own.
                if keys.len() > 1 {
                    if let Lookup::Command(command) = self.config.keymap.lookup(mode, &[key]) {
                        return self.exec(command);
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
                if let Some(composer) = self.composer.as_mut() {
                    if composer.sending.is_none() && composer.textarea.input(key) {
                        self.save_draft();
                    }
                }
                Vec::new()
            }
            Mode::Dialog => {
                self.overlay_text_key(key);
                Vec::new()
            }
            _ => {
                self.dirty = false;
                Vec::new()
            }
        }
    }

    fn on_paste(&mut self, text: &str) -> Vec<Effect> {
        if self.overlay.is_some() {
            // Single-line inputs: a pasted newline must never confirm anything.
            let flat: String = text.replace(['\r', '\n'], " ");
            for c in flat.chars() {
                self.overlay_text_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
            }
        } else if self.filter_active {
            self.filter.push_str(&text.replace(['\r', '\n'], " "));
            self.after_filter_change();
        } else if let (Pane::Composer, Some(composer)) = (self.focus, self.composer.as_mut()) {
            if composer.sending.is_none() {
                // Inserted whole: newlines are text here, never a send.
                composer.textarea.insert_str(text.replace("\r\n", "\n"));
                self.save_draft();
            }
        }
        Vec::new()
    }

    fn filter_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let mut effects = self.filter_edit(key);
        // The filter sees only loaded topics: keep loading pages while it finds few.
        effects.extend(self.maybe_load_more());
        effects
    }

    fn filter_edit(&mut self, key: KeyEvent) -> Vec<Effect> {
        match key.code {
            KeyCode::Esc => {
                self.filter_active = false;
                self.filter.clear();
                self.after_filter_change();
            }
            KeyCode::Enter => self.filter_active = false,
            KeyCode::Backspace => {
                self.filter.pop();
                self.after_filter_change();
            }
            KeyCode::Up | KeyCode::Down => {
                self.filter_active = false;
                let name = if key.code == KeyCode::Up {
                    "move_up"
                } else {
                    "move_down"
                };
                return self.exec_name(name);
            }
            KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
                self.filter.push(c);
                self.after_filter_change();
            }
            _ => {}
        }
        Vec::new()
    }

    fn after_filter_change(&mut self) {
        self.selected = 0;
        self.offset = 0;
    }

    /// Palette, picker and prompt take typed text; help and confirmations take commands.
    fn text_overlay_open(&self) -> bool {
        matches!(
            self.overlay,
            Some(Overlay::Palette { .. } | Overlay::Picker { .. } | Overlay::Prompt { .. })
        )
    }

    /// Typing into the palette, picker or prompt.
    fn overlay_text_key(&mut self, key: KeyEvent) {
        let input = match self.overlay.as_mut() {
            Some(Overlay::Palette { input, selected })
            | Some(Overlay::Picker {
                input, selected, ..
            }) => {
                *selected = 0;
                input
            }
            Some(Overlay::Prompt { input, .. }) => input,
            _ => return,
        };
        match key.code {
            KeyCode::Backspace => {
                input.pop();
            }
            KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => input.push(c),
            _ => {}
        }
    }

    pub(super) fn exec_name(&mut self, name: &str) -> Vec<Effect> {
        match Command::parse(name) {
            Ok(command) => self.exec(command),
            Err(e) => {
                self.set_status(e, Level::Error);
                Vec::new()
            }
        }
    }

    // ---- queue --------------------------------------------------------------------------

    pub(super) fn reload_view(&mut self, index: usize) -> Vec<Effect> {
        let Some(view) = self.views.get_mut(index) else {
            return Vec::new();
        };
        view.generation += 1;
        view.loading = true;
        view.error = None;
        let mut query = view.query.clone();
        query.page = 0;
        vec![Effect::LoadTopics {
            view: index,
            query,
            generation: view.generation,
        }]
    }

    fn on_topics(
        &mut self,
        index: usize,
        page: u32,
        generation: u64,
        result: crate::backend::Result<TopicPage>,
    ) -> Vec<Effect> {
        let Some(view) = self.views.get_mut(index) else {
            return Vec::new();
        };
        if view.generation != generation {
            return Vec::new();
        }
        view.loading = false;
        match result {
            Ok(list) => {
                let keep_id = (index == self.active_view)
                    .then(|| self.selected_topic().map(|t| t.id))
                    .flatten();
                let view = &mut self.views[index];
                if page == 0 {
                    view.topics = list.topics;
                } else {
                    let known: std::collections::HashSet<TopicId> =
                        view.topics.iter().map(|t| t.id).collect();
                    view.topics
                        .extend(list.topics.into_iter().filter(|t| !known.contains(&t.id)));
                }
                view.next_page = list.next_page.filter(|n| *n > page);
                view.loaded = true;
                if let Some(id) = keep_id {
                    if let Some(pos) = self.visible_topics().iter().position(|t| t.id == id) {
                        self.selected = pos;
                    }
                }
                self.clamp_selection();
                self.maybe_load_more()
            }
            Err(e) => {
                let view = &mut self.views[index];
                view.error = Some(e.to_string());
                self.set_status(format!("{}: {e}", self.views[index].name), Level::Error);
                Vec::new()
            }
        }
    }

    pub(super) fn clamp_selection(&mut self) {
        let len = self.visible_topics().len();
        if self.selected >= len {
            self.selected = len.saturating_sub(1);
        }
        self.scroll_queue_into_view();
    }

    pub(super) fn scroll_queue_into_view(&mut self) {
        // Table rows: the pane's inner height less the header row.
        let height = layout::inner_height(self.areas().queue)
            .saturating_sub(1)
            .max(1);
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + height {
            self.offset = self.selected + 1 - height;
        }
    }

    /// Loads the next page when the selection nears the end of what is loaded.
    pub(super) fn maybe_load_more(&mut self) -> Vec<Effect> {
        let index = self.active_view;
        let len = self.visible_topics().len();
        let view = &mut self.views[index];
        match view.next_page {
            Some(next) if !view.loading && self.selected + PREFETCH_MARGIN >= len => {
                view.loading = true;
                let mut query = view.query.clone();
                query.page = next;
                vec![Effect::LoadTopics {
                    view: index,
                    query,
                    generation: view.generation,
                }]
            }
            _ => Vec::new(),
        }
    }

    // ---- thread -------------------------------------------------------------------------

    pub(super) fn open_thread(&mut self, id: TopicId, title: String) -> Vec<Effect> {
        let same = self.thread.as_ref().is_some_and(|t| t.topic_id == id);
        if !same {
            self.thread = Some(ThreadState {
                topic_id: id,
                title,
                topic: None,
                loading: true,
                error: None,
                selected: 0,
                scroll: 0,
                marked: Default::default(),
                rendered: RenderedThread::default(),
                link_cursor: 0,
            });
        } else if let Some(thread) = self.thread.as_mut() {
            thread.loading = true;
        }
        self.layout.thread_hidden = false;
        vec![Effect::LoadTopic(id)]
    }

    fn on_topic(&mut self, id: TopicId, result: crate::backend::Result<Topic>) {
        let Some(thread) = self.thread.as_mut().filter(|t| t.topic_id == id) else {
            return;
        };
        thread.loading = false;
        match result {
            Ok(topic) => {
                thread.title = topic.summary.title.clone();
                let count = topic.posts.len();
                thread.topic = Some(topic);
                thread.error = None;
                if thread.selected >= count {
                    thread.selected = count.saturating_sub(1);
                }
                thread.marked.retain(|_| true);
                self.rerender_thread();
            }
            Err(e) => {
                thread.error = Some(e.to_string());
                self.set_status(format!("topic {id}: {e}"), Level::Error);
            }
        }
    }

    pub(super) fn rerender_thread(&mut self) {
        let width = layout::inner_width(self.areas().thread).max(20);
        let styles = self.config.theme.post_styles();
        let theme = &self.config.theme;
        if let Some(thread) = self.thread.as_mut() {
            if let Some(topic) = &thread.topic {
                thread.rendered = render_thread(topic, width, theme, &styles, &thread.marked);
            }
        }
        self.scroll_thread_into_view();
    }

    pub(super) fn scroll_thread_into_view(&mut self) {
        let height = layout::inner_height(self.areas().thread).max(1);
        let Some(thread) = self.thread.as_mut() else {
            return;
        };
        let Some(&start) = thread.rendered.post_starts.get(thread.selected) else {
            return;
        };
        let end = thread
            .rendered
            .post_starts
            .get(thread.selected + 1)
            .copied()
            .unwrap_or(thread.rendered.lines.len());
        if start < thread.scroll || end.saturating_sub(start) > height {
            thread.scroll = start;
        } else if end > thread.scroll + height {
            thread.scroll = end - height;
        }
    }

    // ---- profile ------------------------------------------------------------------------

    pub(super) fn open_profile(&mut self, username: &str, refresh: bool) -> Vec<Effect> {
        // Keep the board we are leaving in the cache.
        if let Some(previous) = self.profile.take() {
            self.board_cache
                .insert(previous.board.username.clone(), previous.board);
        }
        let cached = (!refresh)
            .then(|| self.board_cache.remove(username))
            .flatten();
        let (board, effects) = match cached {
            Some(board) => (board, Vec::new()),
            None => (
                crate::board::Board::new(username),
                vec![Effect::LoadBoard(username.to_string())],
            ),
        };
        self.profile = Some(ProfileState {
            board,
            selected: 0,
            full_screen: false,
        });
        self.layout.profile_hidden = false;
        self.focus = Pane::Profile;
        effects
    }

    fn on_board_part(
        &mut self,
        username: &str,
        part: BoardPart,
        result: crate::backend::Result<BoardData>,
    ) {
        if let Some(profile) = self
            .profile
            .as_mut()
            .filter(|p| p.board.username == username)
        {
            profile.board.apply(part, result);
        } else if let Some(board) = self.board_cache.get_mut(username) {
            board.apply(part, result);
        }
    }

    pub(super) fn describe_error(e: &BackendError) -> String {
        match e {
            BackendError::Forbidden(m) => format!("the server says no: {m}"),
            BackendError::RateLimited { wait, .. } => {
                format!("rate limited: try again in {}s", wait.as_secs())
            }
            other => other.to_string(),
        }
    }
}
