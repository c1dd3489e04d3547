//! The console's whole state. It changes only in `update` (see update.rs, commands.rs and
//! ops.rs, which add `impl App` blocks); views read it and never change it.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Instant;

use crossterm::event::KeyEvent;
use ratatui::text::Line;
use tui_textarea::TextArea;

use crate::board::Board;
use crate::clock::Targets;
use crate::config::{Keymap, Mode, SavedView, Theme};
use crate::domain::*;
use crate::drafts::DraftStore;

use super::msg::OpId;

/// What the console needs to start, whatever it connects to.
pub struct AppConfig {
    pub site: String,
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

/// One tab of the queue: a built-in view or a saved filter from config.
#[derive(Debug, Clone)]
pub struct ViewTab {
    pub name: String,
    pub query: QueueQuery,
    pub topics: Vec<TopicSummary>,
    pub next_page: Option<u32>,
    pub loading: bool,
    pub loaded: bool,
    pub error: Option<String>,
    pub generation: u64,
}

impl ViewTab {
    pub fn new(name: &str, query: QueueQuery) -> ViewTab {
        ViewTab {
            name: name.to_string(),
            query,
            topics: Vec::new(),
            next_page: None,
            loading: false,
            loaded: false,
            error: None,
            generation: 0,
        }
    }
}

/// A thread rendered for one width: styled lines, and where each post starts.
#[derive(Debug, Clone, Default)]
pub struct RenderedThread {
    pub width: u16,
    pub lines: Vec<Line<'static>>,
    pub post_starts: Vec<usize>,
    /// Links of each post, in order of appearance.
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
}

#[derive(Debug, Clone)]
pub struct ProfileState {
    pub board: Board,
    pub selected: usize,
    pub full_screen: bool,
}

pub struct Composer {
    pub topic_id: TopicId,
    pub topic_title: String,
    pub reply_to: Option<u32>,
    pub textarea: TextArea<'static>,
    /// Highest post number seen when the composer opened (stale-reply guard).
    pub seen_post_number: u32,
    /// The send in flight, if any.
    pub sending: Option<OpId>,
}

impl Composer {
    pub fn text(&self) -> String {
        self.textarea.lines().join("\n")
    }
}

/// One entry of a fuzzy picker.
#[derive(Debug, Clone, PartialEq)]
pub struct PickItem {
    pub label: String,
    pub detail: String,
    pub value: PickValue,
}

#[derive(Debug, Clone, PartialEq)]
pub enum PickValue {
    Category(CategoryId),
    Topic(TopicId),
    NewTopic,
    Badge(BadgeId),
    Draft(TopicId),
    Command(String),
}

/// What a picker's choice is for.
#[derive(Debug, Clone, PartialEq)]
pub enum PickPurpose {
    MoveTopic {
        topic_id: TopicId,
    },
    MovePostsTo {
        topic_id: TopicId,
        posts: Vec<PostId>,
    },
    NewTopicCategory {
        topic_id: TopicId,
        posts: Vec<PostId>,
        title: String,
    },
    AwardBadge {
        username: String,
        reason: Option<String>,
    },
    Drafts,
}

/// What a free-text prompt's answer is for.
#[derive(Debug, Clone, PartialEq)]
pub enum PromptPurpose {
    NewTopicTitle {
        topic_id: TopicId,
        posts: Vec<PostId>,
    },
}

/// An action that waits for the user's confirmation.
#[derive(Debug, Clone, PartialEq)]
pub enum Confirmable {
    SendReply,
    SetSolution {
        topic_id: TopicId,
        post_id: PostId,
        accept: bool,
    },
    MoveTopic {
        topic_id: TopicId,
        category_id: CategoryId,
    },
    MovePosts {
        topic_id: TopicId,
        posts: Vec<PostId>,
        to: MoveDestination,
    },
    AwardBadge(BadgeAward),
}

pub enum Overlay {
    Help {
        mode: Mode,
        scroll: usize,
    },
    Palette {
        input: String,
        selected: usize,
    },
    Picker {
        title: String,
        items: Vec<PickItem>,
        input: String,
        selected: usize,
        purpose: PickPurpose,
    },
    Prompt {
        title: String,
        input: String,
        purpose: PromptPurpose,
    },
    Confirm {
        title: String,
        lines: Vec<String>,
        action: Confirmable,
    },
    /// The stale-reply guard: posts arrived or someone else is replying since the composer
    /// opened. Send anyway, edit, or keep as a draft.
    Stale {
        lines: Vec<String>,
    },
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

pub struct App {
    pub config: AppConfig,
    pub account: Option<Account>,
    pub categories: HashMap<CategoryId, Category>,
    pub badges: Option<Vec<Badge>>,
    pub views: Vec<ViewTab>,
    pub active_view: usize,
    pub selected: usize,
    pub offset: usize,
    /// The `/` filter text, and whether keys go into it.
    pub filter: String,
    pub filter_active: bool,
    pub thread: Option<ThreadState>,
    pub profile: Option<ProfileState>,
    /// Cached boards by username, kept while the console runs (refreshed on `R`).
    pub board_cache: HashMap<String, Board>,
    pub composer: Option<Composer>,
    pub overlay: Option<Overlay>,
    pub focus: Pane,
    pub layout: LayoutPrefs,
    pub size: (u16, u16),
    pub pending_keys: Vec<KeyEvent>,
    pub pending_ops: BTreeMap<OpId, String>,
    pub next_op: OpId,
    pub spinner: usize,
    pub status: Option<(String, Level)>,
    pub toasts: Vec<Toast>,
    pub now: Timestamp,
    pub dirty: bool,
    pub quit: bool,
    /// An award waiting for the badge catalogue to load: (username, reason).
    pub award_after_badges: Option<(String, Option<String>)>,
    /// How the queue stays current: "live", or why it refreshes periodically instead.
    pub live_status: Option<String>,
    /// The pre-send check in flight, shown as a pending operation.
    pub send_check_op: Option<OpId>,
    /// Who else is writing a reply, by topic (from presence).
    pub replying: HashMap<TopicId, Vec<String>>,
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
                        order: default_order(v),
                        ..QueueQuery::default()
                    },
                )
            })
            .collect();
        // Built-in views are always there; config adds its own (one named like a built-in
        // view is that view, already present).
        let builtin_names: Vec<&str> = QueueView::BUILT_IN.iter().map(|v| v.name()).collect();
        for saved in config
            .saved_views
            .iter()
            .filter(|v| !builtin_names.contains(&v.name.as_str()))
        {
            let base = QueueView::parse(&saved.base).unwrap_or_default();
            let order = match saved.order.as_deref() {
                Some("newest") | Some("created-desc") => TopicOrder::NewestFirst,
                Some("activity") => TopicOrder::Activity,
                Some("likes") => TopicOrder::Likes,
                Some(_) => TopicOrder::OldestFirst,
                None => default_order(&base),
            };
            let status = match saved.status.as_deref() {
                Some("open") => Some(TopicStatus::Open),
                Some("closed") => Some(TopicStatus::Closed),
                Some("archived") => Some(TopicStatus::Archived),
                Some("solved") => Some(TopicStatus::Solved),
                Some("unsolved") => Some(TopicStatus::Unsolved),
                _ => None,
            };
            views.push(ViewTab::new(
                &saved.name,
                QueueQuery {
                    view: base,
                    category: saved.category.clone(),
                    tags: saved.tags.clone(),
                    status,
                    order,
                    page: 0,
                },
            ));
        }
        App {
            config,
            account: None,
            categories: HashMap::new(),
            badges: None,
            views,
            active_view: 0,
            selected: 0,
            offset: 0,
            filter: String::new(),
            filter_active: false,
            thread: None,
            profile: None,
            board_cache: HashMap::new(),
            composer: None,
            overlay: None,
            focus: Pane::Queue,
            layout: LayoutPrefs::default(),
            size: (80, 24),
            pending_keys: Vec::new(),
            pending_ops: BTreeMap::new(),
            next_op: 1,
            spinner: 0,
            status: None,
            toasts: Vec::new(),
            now: chrono::Utc::now(),
            dirty: true,
            quit: false,
            award_after_badges: None,
            live_status: None,
            send_check_op: None,
            replying: HashMap::new(),
        }
    }

    pub fn view(&self) -> &ViewTab {
        &self.views[self.active_view]
    }

    /// The topics of the active view that pass the `/` filter, in display order.
    pub fn visible_topics(&self) -> Vec<&TopicSummary> {
        let needle = self.filter.to_lowercase();
        self.view()
            .topics
            .iter()
            .filter(|t| {
                needle.is_empty()
                    || t.title.to_lowercase().contains(&needle)
                    || t.id.to_string() == needle
                    || t.author
                        .as_deref()
                        .is_some_and(|a| a.to_lowercase().contains(&needle))
                    || self
                        .category_name(t.category_id)
                        .to_lowercase()
                        .contains(&needle)
            })
            .collect()
    }

    pub fn selected_topic(&self) -> Option<&TopicSummary> {
        // Without a filter the visible list is the view itself: no need to build it per key.
        if self.filter.is_empty() {
            return self.view().topics.get(self.selected);
        }
        self.visible_topics().get(self.selected).copied()
    }

    pub fn category_name(&self, id: Option<CategoryId>) -> String {
        id.and_then(|id| self.categories.get(&id))
            .map(|c| c.name.clone())
            .unwrap_or_default()
    }

    pub fn selected_post(&self) -> Option<&Post> {
        let thread = self.thread.as_ref()?;
        thread.topic.as_ref()?.posts.get(thread.selected)
    }

    /// The keymap mode of whatever has the keys now.
    pub fn mode(&self) -> Mode {
        if self.overlay.is_some() {
            return Mode::Dialog;
        }
        match self.focus {
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

    /// Whether something moves on screen, so the loop needs a fast timer.
    pub fn animating(&self) -> bool {
        !self.pending_ops.is_empty()
            || !self.toasts.is_empty()
            || self.views.iter().any(|v| v.loading)
            || self.thread.as_ref().is_some_and(|t| t.loading)
            || self.profile.as_ref().is_some_and(|p| p.board.is_loading())
    }

    /// Topics whose inside matters now: the open thread and the composer's topic.
    pub fn watched_topics(&self) -> Vec<TopicId> {
        let mut topics: Vec<TopicId> = self
            .thread
            .iter()
            .map(|t| t.topic_id)
            .chain(self.composer.iter().map(|c| c.topic_id))
            .collect();
        topics.sort_unstable();
        topics.dedup();
        topics
    }

    /// The topic this account announces itself as replying in.
    pub fn replying_in(&self) -> Option<TopicId> {
        self.composer.as_ref().map(|c| c.topic_id)
    }

    /// Others replying in a topic (never this account).
    pub fn others_replying(&self, topic: TopicId) -> Vec<String> {
        let me = self
            .account
            .as_ref()
            .map(|a| a.username.as_str())
            .unwrap_or(self.config.username.as_str());
        self.replying
            .get(&topic)
            .map(|users| users.iter().filter(|u| u.as_str() != me).cloned().collect())
            .unwrap_or_default()
    }

    pub fn set_status(&mut self, text: impl Into<String>, level: Level) {
        self.status = Some((crate::text::sanitize_line(&text.into()), level));
        self.dirty = true;
    }

    pub fn toast(&mut self, text: impl Into<String>, level: Level) {
        let text = crate::text::sanitize_line(&text.into());
        self.status = Some((text.clone(), level));
        self.toasts.push(Toast {
            text,
            level,
            until: Instant::now() + std::time::Duration::from_secs(4),
        });
        self.dirty = true;
    }

    pub fn start_op(&mut self, label: impl Into<String>) -> OpId {
        let op = self.next_op;
        self.next_op += 1;
        self.pending_ops.insert(op, label.into());
        self.dirty = true;
        op
    }
}

fn default_order(view: &QueueView) -> TopicOrder {
    match view {
        QueueView::Latest => TopicOrder::Activity,
        _ => TopicOrder::OldestFirst,
    }
}
