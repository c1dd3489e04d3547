//! The one way the console and the headless commands talk to a community: an async trait in
//! domain terms, and one error type whose cases a UI must tell apart.
//!
//! Adapters (one per platform) own their wire types and map them to domain types in one place.

pub mod discourse;

use std::time::Duration;

use async_trait::async_trait;

use crate::domain::*;

/// Everything that can go wrong talking to a community, as a UI needs to tell it apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BackendError {
    /// No valid credentials (wrong key, unknown user, logged out).
    NotSignedIn(String),
    /// Signed in, but this account may not do that.
    Forbidden(String),
    NotFound(String),
    /// The server rejected the input; its own messages, verbatim (sanitize before display).
    Invalid(Vec<String>),
    /// Too many requests; try again after `wait`.
    RateLimited {
        wait: Duration,
        message: String,
    },
    /// Could not reach the server, or the connection dropped.
    Network(String),
    /// The server failed (5xx).
    Server {
        status: u16,
        message: String,
    },
    /// The server answered with something we cannot read.
    Malformed(String),
    /// This platform has no such operation.
    Unsupported(&'static str),
}

impl BackendError {
    /// Exit code of the headless commands (documented in the README).
    pub fn exit_code(&self) -> i32 {
        match self {
            BackendError::NotSignedIn(_) | BackendError::Forbidden(_) => 3,
            BackendError::NotFound(_) => 4,
            BackendError::Invalid(_) | BackendError::Unsupported(_) => 5,
            BackendError::RateLimited { .. } => 6,
            BackendError::Network(_) | BackendError::Server { .. } | BackendError::Malformed(_) => {
                7
            }
        }
    }

    /// Worth retrying an idempotent read after a pause.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            BackendError::Network(_)
                | BackendError::Server {
                    status: 502..=504,
                    ..
                }
                | BackendError::RateLimited { .. }
        )
    }
}

impl std::fmt::Display for BackendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BackendError::NotSignedIn(m) => write!(f, "not signed in: {m}"),
            BackendError::Forbidden(m) => write!(f, "forbidden: {m}"),
            BackendError::NotFound(m) => write!(f, "not found: {m}"),
            BackendError::Invalid(msgs) => write!(f, "rejected by the server: {}", msgs.join("; ")),
            BackendError::RateLimited { wait, message } => {
                write!(f, "rate limited, retry in {}s: {message}", wait.as_secs())
            }
            BackendError::Network(m) => write!(f, "network error: {m}"),
            BackendError::Server { status, message } => {
                write!(f, "server error {status}: {message}")
            }
            BackendError::Malformed(m) => write!(f, "malformed reply from the server: {m}"),
            BackendError::Unsupported(what) => {
                write!(f, "this platform does not support {what}")
            }
        }
    }
}

impl std::error::Error for BackendError {}

pub type Result<T> = std::result::Result<T, BackendError>;

/// A community platform, in domain terms. Implementations must be cheap to share (`Arc`) and
/// safe to call from many tasks at once.
#[async_trait]
pub trait Backend: Send + Sync {
    /// Short platform name for the status bar ("discourse").
    fn platform(&self) -> &'static str;
    /// Base URL of the site, without a trailing slash.
    fn site_url(&self) -> &str;

    /// Who the account is, with its role and capabilities.
    async fn whoami(&self) -> Result<Account>;
    async fn categories(&self) -> Result<Vec<Category>>;

    /// One page of a topic list.
    async fn topics(&self, query: &QueueQuery) -> Result<TopicPage>;
    /// A topic with all its posts.
    async fn topic(&self, id: TopicId) -> Result<Topic>;

    /// Send a reply; returns the created post.
    async fn reply(&self, reply: &NewReply) -> Result<Post>;
    async fn accept_solution(&self, post: PostId) -> Result<()>;
    async fn unaccept_solution(&self, post: PostId) -> Result<()>;
    async fn move_posts(
        &self,
        topic: TopicId,
        posts: &[PostId],
        to: &MoveDestination,
    ) -> Result<MoveResult>;
    async fn move_topic(&self, topic: TopicId, category: CategoryId) -> Result<()>;

    /// The badge catalogue.
    async fn badges(&self) -> Result<Vec<Badge>>;
    async fn award_badge(&self, award: &BadgeAward) -> Result<GrantedBadge>;

    /// One part of a member's profile board. A part the account may not see is
    /// `Err(Forbidden(..))` with a message that says who may.
    async fn board_part(&self, username: &str, part: BoardPart) -> Result<BoardData>;

    /// Waits for changes on the site (a long poll) and returns them. `watch` names the topics
    /// whose inside (posts, who is replying) matters now. `Unsupported` or `NotFound` means the
    /// site has no live feed: the caller falls back to refreshing periodically.
    async fn live_poll(
        &self,
        cursor: &mut LiveCursor,
        watch: &[TopicId],
    ) -> Result<Vec<LiveEvent>> {
        let _ = (cursor, watch);
        Err(BackendError::Unsupported("live updates"))
    }

    /// Who is writing a reply in the topic right now.
    async fn replying(&self, topic: TopicId) -> Result<Vec<String>> {
        let _ = topic;
        Err(BackendError::Unsupported("presence"))
    }

    /// Announces (or withdraws) that this account is writing a reply in the topic.
    async fn set_replying(&self, topic: TopicId, replying: bool, client_id: &str) -> Result<()> {
        let _ = (topic, replying, client_id);
        Err(BackendError::Unsupported("presence"))
    }
}
