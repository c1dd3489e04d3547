//! The two currencies of the console loop: `Msg` (everything that can change state: terminal
//! events, timer ticks, backend results) and `Effect` (everything update asks the loop to do:
//! backend calls, clipboard writes, the external editor, quitting).

use crossterm::event::Event;

use crate::backend::Result;
use crate::config::Command;
use crate::domain::*;

/// Identifies one background operation shown in the status bar.
pub type OpId = u64;

#[derive(Debug)]
pub enum Msg {
    Term(Event),
    /// Run a named action (from a test, a toast, or the palette).
    Run(Command),
    /// Time passed: spinners, toasts and wait clocks.
    Tick,
    Account(Result<Account>),
    Categories(Result<Vec<Category>>),
    Topics {
        view: usize,
        page: u32,
        /// Which load this answers; stale answers (after a refresh or filter change) are dropped.
        generation: u64,
        result: Result<TopicPage>,
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
    OpDone {
        op: OpId,
        outcome: OpOutcome,
    },
    /// The external editor returned the text (or failed to start).
    EditorDone(std::result::Result<String, String>),
    /// Changes on the site from the live feed.
    Live(Vec<LiveEvent>),
    /// The live feed is unavailable; the queue refreshes every `every` instead.
    LiveFallback {
        reason: String,
        every: std::time::Duration,
    },
    /// Time for a periodic refresh (only while the live feed is unavailable).
    PeriodicRefresh,
    /// The topic as it is now, and who is replying, just before a reply is sent.
    SendCheck {
        topic_id: TopicId,
        result: Result<(Topic, Vec<String>)>,
    },
}

/// What a finished moderation action reports.
#[derive(Debug)]
pub enum OpOutcome {
    Replied {
        topic_id: TopicId,
        result: Result<Post>,
    },
    SolutionChanged {
        topic_id: TopicId,
        post_id: PostId,
        accepted: bool,
        result: Result<()>,
    },
    PostsMoved {
        topic_id: TopicId,
        result: Result<MoveResult>,
    },
    TopicMoved {
        topic_id: TopicId,
        category_id: CategoryId,
        result: Result<()>,
    },
    BadgeAwarded {
        username: String,
        result: Result<GrantedBadge>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    LoadAccount,
    LoadCategories,
    LoadTopics {
        view: usize,
        query: QueueQuery,
        generation: u64,
    },
    LoadTopic(TopicId),
    LoadBoard(String),
    LoadBadges,
    /// Look at the topic once more before sending (the stale-reply guard).
    CheckBeforeSend {
        topic_id: TopicId,
    },
    SendReply {
        op: OpId,
        reply: NewReply,
    },
    SetSolution {
        op: OpId,
        topic_id: TopicId,
        post_id: PostId,
        accept: bool,
    },
    MovePosts {
        op: OpId,
        topic_id: TopicId,
        posts: Vec<PostId>,
        to: MoveDestination,
    },
    MoveTopic {
        op: OpId,
        topic_id: TopicId,
        category_id: CategoryId,
    },
    AwardBadge {
        op: OpId,
        award: BadgeAward,
    },
    /// Put text on the clipboard through OSC 52 (works over SSH and tmux).
    Copy(String),
    /// Suspend the console and edit this text in `$EDITOR`.
    Editor(String),
    Quit,
}
