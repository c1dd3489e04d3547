//! The two currencies of the console loop: `Msg` (everything that can change state: terminal
//! events, timer ticks, backend results) and `Effect` (everything update asks the loop to do:
//! backend calls, writes, draft files, the clipboard, the external editor, quitting).

use std::sync::Arc;

use crossterm::event::Event;

use crate::actions::write::{AnyWrite, Landing};
use crate::actions::Action;
use crate::backend::{Budget, Result, SearchQuery, SearchResults};
use crate::domain::*;
use crate::drafts::Draft;

use super::app::LiveState;

/// Identifies one background operation shown in the status bar.
pub type OpId = u64;

#[derive(Debug)]
pub enum Msg {
    Term(Event),
    /// Run an action (from a test, a toast, or the palette).
    Run(Action),
    /// Time passed: spinners, toasts, wait clocks, debounced drafts and searches.
    Tick,
    Account(Result<Account>),
    Categories(Result<Vec<Category>>),
    Topics {
        view: usize,
        /// Which load this answers; stale answers (after a refresh or filter change) are dropped.
        generation: u64,
        first_page: bool,
        result: Result<TopicPage>,
    },
    /// The state of topics the live feed named (those missing from the answer are gone).
    TopicsById {
        asked: Vec<TopicId>,
        result: Result<Vec<TopicSummary>>,
    },
    Topic {
        id: TopicId,
        result: Result<Topic>,
    },
    BoardPart {
        username: String,
        part: BoardPart,
        result: Result<BoardData>,
    },
    Badges(Result<Vec<Badge>>),
    /// What the server found for the `/` filter.
    FilterFound {
        text: String,
        result: Result<SearchResults>,
    },
    /// Results of a search view.
    Searched {
        view: usize,
        generation: u64,
        result: Result<SearchResults>,
    },
    /// A page of the review queue.
    ReviewPage {
        view: usize,
        generation: u64,
        result: Result<ReviewPage>,
    },
    FlagTypes(Result<Vec<FlagType>>),
    /// A post's text as written, for an edit.
    PostSource {
        post_id: PostId,
        result: Result<String>,
    },
    /// A write came back.
    Landed {
        op: OpId,
        landing: Landing,
        /// The audit log could not record it (the write itself went through or failed as
        /// `landing` says).
        audit_error: Option<String>,
    },
    /// The external editor returned the text (or failed to start).
    EditorDone(std::result::Result<String, String>),
    /// Changes on the site from the live feed.
    Live(Vec<LiveEvent>),
    LiveState(LiveState),
    /// Time for a periodic refresh (only while the live feed is unavailable).
    PeriodicRefresh,
    /// The request budget changed.
    Budget(Budget),
    /// The topic as it is now, and who is replying, just before a reply is sent (only when
    /// the live feed is not answering: it tells the console of new posts itself).
    SendCheck {
        topic_id: TopicId,
        result: Result<(Topic, Vec<String>)>,
    },
    /// Whether a reply whose answer was lost (the process ended mid-send) is on the server.
    SentCheck {
        topic_id: TopicId,
        result: Result<Option<Post>>,
    },
    /// Writing a draft file failed.
    DraftError(String),
}

#[derive(Debug, Clone)]
pub enum Effect {
    LoadAccount,
    LoadCategories,
    LoadTopics {
        view: usize,
        query: QueueQuery,
        generation: u64,
        /// Background: a refresh nobody is waiting on.
        background: bool,
    },
    /// One request for the topics the live feed named.
    LoadTopicsById(Vec<TopicId>),
    LoadTopic {
        id: TopicId,
        background: bool,
    },
    LoadBoard {
        username: String,
        parts: Vec<BoardPart>,
    },
    LoadBadges,
    /// The server's half of the `/` filter.
    FilterSearch {
        text: String,
        query: SearchQuery,
    },
    /// A search view's results.
    Search {
        view: usize,
        generation: u64,
        query: SearchQuery,
    },
    /// A page of the review queue.
    LoadReview {
        view: usize,
        generation: u64,
        query: ReviewQuery,
    },
    LoadFlagTypes,
    /// A post's text as written (an edit starts from it).
    LoadPostSource(PostId),
    /// Look at the topic once more before sending (the stale-reply guard, without a feed).
    CheckBeforeSend(TopicId),
    /// Is this reply already on the server (the send journal)?
    CheckSent {
        topic_id: TopicId,
        raw: String,
    },
    Write {
        op: OpId,
        write: Arc<dyn AnyWrite>,
    },
    SaveDraft(Draft),
    DeleteDraft {
        site: String,
        topic_id: TopicId,
    },
    /// Put text on the clipboard through OSC 52 (works over SSH and tmux).
    Copy(String),
    /// Suspend the console and edit this text in `$EDITOR`.
    Editor(String),
    Quit,
}

impl PartialEq for Effect {
    fn eq(&self, other: &Self) -> bool {
        use Effect::*;
        match (self, other) {
            (LoadAccount, LoadAccount)
            | (LoadCategories, LoadCategories)
            | (LoadBadges, LoadBadges)
            | (LoadFlagTypes, LoadFlagTypes)
            | (Quit, Quit) => true,
            (
                LoadTopics {
                    view: a,
                    query: b,
                    generation: c,
                    background: d,
                },
                LoadTopics {
                    view: e,
                    query: f,
                    generation: g,
                    background: h,
                },
            ) => a == e && b == f && c == g && d == h,
            (LoadTopicsById(a), LoadTopicsById(b)) => a == b,
            (
                LoadTopic {
                    id: a,
                    background: b,
                },
                LoadTopic {
                    id: c,
                    background: d,
                },
            ) => a == c && b == d,
            (
                LoadBoard {
                    username: a,
                    parts: b,
                },
                LoadBoard {
                    username: c,
                    parts: d,
                },
            ) => a == c && b == d,
            (FilterSearch { text: a, query: b }, FilterSearch { text: c, query: d }) => {
                a == c && b == d
            }
            (
                Search {
                    view: a,
                    generation: b,
                    query: c,
                },
                Search {
                    view: d,
                    generation: e,
                    query: f,
                },
            ) => a == d && b == e && c == f,
            (
                LoadReview {
                    view: a,
                    generation: b,
                    query: c,
                },
                LoadReview {
                    view: d,
                    generation: e,
                    query: f,
                },
            ) => a == d && b == e && c == f,
            (LoadPostSource(a), LoadPostSource(b)) => a == b,
            (CheckBeforeSend(a), CheckBeforeSend(b)) => a == b,
            (
                CheckSent {
                    topic_id: a,
                    raw: b,
                },
                CheckSent {
                    topic_id: c,
                    raw: d,
                },
            ) => a == c && b == d,
            (Write { op: a, write: b }, Write { op: c, write: d }) => a == c && **b == **d,
            (SaveDraft(a), SaveDraft(b)) => a == b,
            (
                DeleteDraft {
                    site: a,
                    topic_id: b,
                },
                DeleteDraft {
                    site: c,
                    topic_id: d,
                },
            ) => a == c && b == d,
            (Copy(a), Copy(b)) | (Editor(a), Editor(b)) => a == b,
            _ => false,
        }
    }
}

impl Effect {
    /// The write this effect sends, if it is one.
    pub fn write(&self) -> Option<&dyn AnyWrite> {
        match self {
            Effect::Write { write, .. } => Some(&**write),
            _ => None,
        }
    }
}
