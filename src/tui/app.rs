//! The console's whole state. It changes only in `update` (update.rs and the flows it calls:
//! `nav`, `queue`, `thread`, `composer` and the action files); views read it and never change
//! it.

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::time::{Duration, Instant};

use crossterm::event::KeyEvent;
use ratatui::text::Line;

use crate::backend::Budget;
use crate::board::Board;
use crate::clock::Targets;
use crate::config::{Keymap, Mode, SavedView, Theme};
use crate::domain::*;
use crate::drafts::DraftStore;

use super::composer::Composer;
use super::msg::OpId;
use super::overlay::Overlay;
use super::views::ViewTab;

/// What the console needs to start, whatever it connects to.
pub struct AppConfig {
    /// The account name asked for (the real one arrives with `whoami`).
    pub username: String,
    pub theme: Theme,
    pub keymap: Keymap,
    pub targets: Targets,
    pub saved_views: Vec<SavedView>,
    pub drafts: DraftStore,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pane {
    Queue,
    Thread,
    Profile,
    Composer,
}

/// A thread rendered for one width: styled lines, and where each post starts.
#[derive(Debug, Clone, Default)]
pub struct RenderedThread {
    pub width: u16,
    pub lines: Vec<Line<'static>>,
    pub post_starts: Vec<usize>,
    /// Links of each post, resolved against the site, in order of appearance.
    pub post_links: Vec<Vec<String>>,
    /// Footnote lines that show a URL: (line index, column where the URL starts, URL). The
    /// loop makes these OSC 8 hyperlinks after each frame.
    pub link_lines: Vec<(usize, u16, String)>,
}

#[derive(Debug, Clone)]
pub struct ThreadState {
    pub topic_id: TopicId,
    pub title: String,
    pub topic: Option<Topic>,
    pub loading: bool,
    pub error: Option<String>,
    /// Index of the selected post.
    pub selected: usize,
    /// First line shown.
    pub scroll: usize,
    /// Posts marked with Space for a move.
    pub marked: BTreeSet<PostId>,
    pub rendered: RenderedThread,
    /// Which link of the selected post `next_link` showed last.
    pub link_cursor: usize,
    /// The post to select once the topic has loaded (opened from a review item).
    pub focus_post: Option<PostId>,
}

#[derive(Debug, Clone)]
pub struct ProfileState {
    pub board: Board,
    pub selected: usize,
    pub full_screen: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Success,
    Warning,
    Error,
}

#[derive(Debug, Clone)]
pub struct Toast {
    pub text: String,
    pub level: Level,
    pub until: Instant,
}

/// One line of the message log (`:messages`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub at: Timestamp,
    pub level: Level,
    pub text: String,
}

/// The message log keeps this many lines.
pub const MESSAGE_LOG: usize = 200;

/// How the queue stays current.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LiveState {
    /// Not connected yet.
    Connecting,
    /// The live feed answers.
    Live,
    /// The feed is waiting (a pause after a 429, a network error): not live right now.
    Waiting(String),
    /// No live feed: refreshing every so often instead.
    Periodic { every: Duration, reason: String },
}

/// A reversible action just done, and how to take it back.
#[derive(Debug)]
pub struct Undo {
    pub label: String,
    pub until: Instant,
    pub write: std::sync::Arc<dyn crate::actions::write::AnyWrite>,
}

/// How long an undo is offered.
pub const UNDO_FOR: Duration = Duration::from_secs(8);

/// The `/` filter's look at the server, for what the loaded topics do not hold.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum RemoteFilter {
    /// Nothing to ask (no filter, or everything is loaded).
    #[default]
    Idle,
    /// Typing: ask once it pauses.
    Due {
        text: String,
        at: Instant,
    },
    Asking {
        text: String,
    },
    /// Topics of the view the server found that the loaded ones do not hold.
    Found {
        text: String,
        topics: Vec<TopicSummary>,
    },
    Failed {
        text: String,
        error: String,
    },
}

/// Pane sizes and visibility, changed from the keyboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LayoutPrefs {
    /// Width of the queue, in percent, when the thread is beside it.
    pub queue_percent: u16,
    pub thread_hidden: bool,
    pub profile_hidden: bool,
    pub maximized: bool,
}

impl Default for LayoutPrefs {
    fn default() -> Self {
        LayoutPrefs {
            queue_percent: 45,
            thread_hidden: false,
            profile_hidden: false,
            maximized: false,
        }
    }
}

/// Why the console ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// The user quit.
    Quit,
    /// A signal ended it: the exit status is 128 + the signal number.
    Signal(i32),
}

pub struct App {
    pub config: AppConfig,
    /// What the backend says the site is (a placeholder until connected).
    pub site: SiteInfo,
    /// The key drafts are saved under: the site URL, or "demo" for the embedded community.
    pub draft_site: String,
    pub account: Option<Account>,
    pub categories: HashMap<CategoryId, Category>,
    /// The badge catalogue, once loaded.
    pub badges: Option<Vec<Badge>>,
    /// When the live feed last read each topic (see `queue::JUST_READ`).
    pub just_read: HashMap<TopicId, Instant>,
    /// The badge catalogue has been asked for and its answer is on the way.
    pub badges_loading: bool,
    /// The site's flag types, read the first time a post is flagged.
    pub flag_types: Option<Vec<FlagType>>,
    /// The post `!` was pressed on while the flag types load.
    pub flag_for: Option<PostId>,
    /// Most recently used first.
    pub recent_badges: Vec<BadgeId>,
    pub recent_categories: Vec<CategoryId>,
    pub views: Vec<ViewTab>,
    pub active_view: usize,
    /// The `/` filter text, and whether keys go into it.
    pub filter: String,
    pub filter_active: bool,
    pub remote_filter: RemoteFilter,
    pub thread: Option<ThreadState>,
    pub profile: Option<ProfileState>,
    /// Boards by username, kept while the console runs (refreshed on `R`).
    pub board_cache: HashMap<String, Board>,
    pub composer: Option<Composer>,
    pub overlay: Option<Overlay>,
    pub focus: Pane,
    pub layout: LayoutPrefs,
    pub size: (u16, u16),
    pub pending_keys: Vec<KeyEvent>,
    pub pending_ops: std::collections::BTreeMap<OpId, String>,
    /// The feed's echo of the console's own writes (held, then not read again).
    pub echoes: super::echo::Echoes,
    pub next_op: OpId,
    pub spinner: usize,
    pub status: Option<(String, Level)>,
    pub messages: VecDeque<Message>,
    pub toasts: Vec<Toast>,
    pub undo: Option<Undo>,
    pub now: Timestamp,
    pub dirty: bool,
    pub exit: Option<Exit>,
    pub live: LiveState,
    pub budget: Budget,
    /// Who else is writing a reply, by topic (from presence).
    pub replying: HashMap<TopicId, Vec<String>>,
    /// The refresh in flight (`R` pressed again meanwhile sends nothing).
    pub refreshing: bool,
    /// An award waiting for the catalogue or the member's badges.
    pub award_pending: Option<crate::actions::award::Pending>,
}

/// What the status bar shows before the backend says what the site is.
pub fn placeholder_site() -> SiteInfo {
    SiteInfo {
        platform: String::new(),
        title: "connecting…".into(),
        base_url: String::new(),
        topic_link: "{base}".into(),
        post_link: "{base}".into(),
        member_link: "{base}".into(),
        markup: Markup::Markdown,
        quote: "> {text}\n".into(),
        min_reply_chars: 1,
        min_title_chars: 1,
        features: Features::all(),
    }
}

impl App {
    pub fn new(config: AppConfig) -> App {
        let mut views: Vec<ViewTab> = QueueView::BUILT_IN
            .iter()
            .map(|v| {
                ViewTab::new(
                    v.name(),
                    QueueQuery {
                        view: v.clone(),
                        order: TopicOrder::OldestFirst,
                        ..QueueQuery::default()
                    },
                )
            })
            .collect();
        // The review queue is the fifth built-in view (`5`).
        views.push(ViewTab::for_review(super::review::REVIEW_TAB));
        // Built-in views are always there; config adds its own (one named like a built-in
        // view is that view, already present).
        let builtin_names: Vec<&str> = QueueView::BUILT_IN
            .iter()
            .map(|v| v.name())
            .chain([super::review::REVIEW_TAB])
            .collect();
        for saved in config
            .saved_views
            .iter()
            .filter(|v| !builtin_names.contains(&v.name.as_str()))
        {
            let base = QueueView::parse(&saved.base).unwrap_or_default();
            let order = saved
                .order
                .as_deref()
                .and_then(TopicOrder::parse)
                .unwrap_or_default();
            let status = match saved.status.as_deref() {
                Some("open") => Some(TopicStatus::Open),
                Some("closed") => Some(TopicStatus::Closed),
                Some("archived") => Some(TopicStatus::Archived),
                Some("solved") => Some(TopicStatus::Solved),
                Some("unsolved") => Some(TopicStatus::Unsolved),
                _ => None,
            };
            if let Some(words) = saved.search.as_deref().filter(|w| !w.trim().is_empty()) {
                // A saved search is a view of what the search finds.
                views.push(ViewTab::for_search(
                    &saved.name,
                    crate::backend::SearchQuery {
                        text: words.trim().to_string(),
                        view: None,
                        category: None,
                        page: 1,
                    },
                ));
                continue;
            }
            views.push(ViewTab::new(
                &saved.name,
                QueueQuery {
                    view: base,
                    category: saved.category.clone(),
                    tags: saved.tags.clone(),
                    status,
                    order,
                    page: None,
                },
            ));
        }
        App {
            config,
            site: placeholder_site(),
            draft_site: String::new(),
            account: None,
            categories: HashMap::new(),
            badges: None,
            badges_loading: false,
            just_read: HashMap::new(),
            flag_types: None,
            flag_for: None,
            recent_badges: Vec::new(),
            recent_categories: Vec::new(),
            views,
            active_view: 0,
            filter: String::new(),
            filter_active: false,
            remote_filter: RemoteFilter::Idle,
            thread: None,
            profile: None,
            board_cache: HashMap::new(),
            composer: None,
            overlay: None,
            focus: Pane::Queue,
            layout: LayoutPrefs::default(),
            size: (80, 24),
            pending_keys: Vec::new(),
            pending_ops: Default::default(),
            echoes: Default::default(),
            next_op: 1,
            spinner: 0,
            status: None,
            messages: VecDeque::new(),
            toasts: Vec::new(),
            undo: None,
            now: chrono::Utc::now(),
            dirty: true,
            exit: None,
            live: LiveState::Connecting,
            budget: Budget::default(),
            replying: HashMap::new(),
            refreshing: false,
            award_pending: None,
        }
    }

    pub fn view(&self) -> &ViewTab {
        // `active_view` is only ever set to an index of `views`, which always has the four
        // built-in views.
        &self.views[self.active_view.min(self.views.len().saturating_sub(1))]
    }

    pub fn view_mut(&mut self) -> &mut ViewTab {
        let i = self.active_view.min(self.views.len().saturating_sub(1));
        &mut self.views[i]
    }

    pub fn selected_topic(&self) -> Option<&TopicSummary> {
        self.view().selected_topic()
    }

    pub fn category_name(&self, id: Option<&CategoryId>) -> String {
        id.and_then(|id| self.categories.get(id))
            .map(|c| c.name.clone())
            .unwrap_or_default()
    }

    pub fn selected_post(&self) -> Option<&Post> {
        let thread = self.thread.as_ref()?;
        thread.topic.as_ref()?.posts.get(thread.selected)
    }

    /// The latest known summary of a topic: the open thread's, else any view's.
    pub fn topic_summary(&self, id: &TopicId) -> Option<&TopicSummary> {
        self.thread
            .as_ref()
            .and_then(|t| t.topic.as_ref())
            .map(|t| &t.summary)
            .filter(|s| s.id == *id)
            .or_else(|| self.views.iter().find_map(|v| v.get(id)))
    }

    pub fn topic_title(&self, id: &TopicId) -> String {
        if let Some(t) = self.thread.as_ref().filter(|t| t.topic_id == *id) {
            return t.title.clone();
        }
        self.topic_summary(id)
            .map(|t| t.title.clone())
            .unwrap_or_else(|| format!("topic {id}"))
    }

    /// The keymap mode of whatever has the keys now.
    pub fn mode(&self) -> Mode {
        if self.overlay.is_some() {
            return Mode::Dialog;
        }
        self.pane_mode()
    }

    /// The keymap mode of the focused pane (ignoring overlays).
    pub fn pane_mode(&self) -> Mode {
        match self.focus {
            Pane::Queue if self.view().review.is_some() => Mode::Review,
            Pane::Queue => Mode::Queue,
            Pane::Thread => Mode::Thread,
            Pane::Profile => Mode::Profile,
            Pane::Composer => Mode::Composer,
        }
    }

    pub fn capabilities(&self) -> Capabilities {
        self.account
            .as_ref()
            .map(|a| a.capabilities)
            .unwrap_or_default()
    }

    /// This account's name (the one asked for until `whoami` answers).
    pub fn me(&self) -> &str {
        self.account
            .as_ref()
            .map(|a| a.username.as_str())
            .unwrap_or(self.config.username.as_str())
    }

    /// Whether something moves on screen or waits on a timer, so the loop needs a fast tick.
    pub fn animating(&self) -> bool {
        !self.pending_ops.is_empty()
            || !self.toasts.is_empty()
            || self.undo.is_some()
            || self.views.iter().any(|v| v.loading.is_some())
            || self.thread.as_ref().is_some_and(|t| t.loading)
            || self.profile.as_ref().is_some_and(|p| p.board.is_loading())
            || self
                .composer
                .as_ref()
                .is_some_and(|c| c.draft_due.is_some())
            || matches!(self.remote_filter, RemoteFilter::Due { .. })
            || self.budget.paused_for.is_some()
    }

    /// Topics whose inside matters now: the open thread and the composer's topic.
    pub fn watched_topics(&self) -> Vec<TopicId> {
        let mut topics: Vec<TopicId> = self
            .thread
            .iter()
            .map(|t| t.topic_id.clone())
            .chain(self.composer.iter().map(|c| c.topic_id.clone()))
            .collect();
        topics.sort_unstable();
        topics.dedup();
        topics
    }

    /// The topic this account announces itself as replying in.
    pub fn replying_in(&self) -> Option<TopicId> {
        // Editing a post is not replying: nobody is told "is replying" for it.
        self.composer
            .as_ref()
            .filter(|c| c.editing.is_none())
            .map(|c| c.topic_id.clone())
    }

    /// Others replying in a topic (never this account).
    pub fn others_replying(&self, topic: &TopicId) -> Vec<String> {
        let me = self.me();
        self.replying
            .get(topic)
            .map(|users| users.iter().filter(|u| u.as_str() != me).cloned().collect())
            .unwrap_or_default()
    }

    fn log(&mut self, text: &str, level: Level) {
        if self
            .messages
            .back()
            .is_some_and(|m| m.text == text && m.level == level)
        {
            return;
        }
        if self.messages.len() >= MESSAGE_LOG {
            self.messages.pop_front();
        }
        // The console's clock (tests fix it), not the wall clock.
        self.messages.push_back(Message {
            at: self.now,
            level,
            text: text.to_string(),
        });
    }

    pub fn set_status(&mut self, text: impl Into<String>, level: Level) {
        let text = crate::text::sanitize_line(&text.into());
        self.log(&text, level);
        self.status = Some((text, level));
        self.dirty = true;
    }

    pub fn toast(&mut self, text: impl Into<String>, level: Level) {
        let text = crate::text::sanitize_line(&text.into());
        self.log(&text, level);
        self.status = Some((text.clone(), level));
        self.toasts.push(Toast {
            text,
            level,
            until: Instant::now() + Duration::from_secs(4),
        });
        self.dirty = true;
    }

    pub fn start_op(&mut self, label: impl Into<String>) -> OpId {
        let op = self.next_op;
        self.next_op += 1;
        self.pending_ops
            .insert(op, crate::text::sanitize_line(&label.into()));
        self.dirty = true;
        op
    }

    pub fn finish_op(&mut self, op: OpId) {
        self.pending_ops.remove(&op);
    }

    /// Whether the live feed is answering now (so the console knows of new posts itself).
    pub fn is_live(&self) -> bool {
        self.live == LiveState::Live
    }
}
