//! The one way the console and the headless commands talk to a community: an async trait in
//! domain terms, and one error type whose cases a UI must tell apart.
//!
//! Adapters (one per platform) own their wire types and map them to domain types in one place.
//! What a platform lacks it declares in its [`SiteInfo`] (`features`) and answers with
//! [`BackendError::Unsupported`] and the reason, so the console can say why an action is
//! missing. Every adapter sends its requests through a [`governor::Governor`], which keeps
//! them within the site's rate limits.

pub mod discourse;
pub mod governor;
pub mod khoros;

use std::time::Duration;

use async_trait::async_trait;

use crate::domain::*;

pub use governor::{Budget, Priority};

/// Everything that can go wrong talking to a community, as a UI needs to tell it apart.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BackendError {
    /// No valid credentials (wrong key, unknown user, logged out, a revoked key).
    #[error("not signed in: {0}")]
    NotSignedIn(String),
    /// Signed in, but this account may not do that.
    #[error("forbidden: {0}")]
    Forbidden(String),
    #[error("not found: {0}")]
    NotFound(String),
    /// The server rejected the input; its own messages, verbatim (sanitize before display).
    #[error("rejected by the server: {}", .0.join("; "))]
    Invalid(Vec<String>),
    /// modterm itself refused the input before sending anything (a reply shorter than the
    /// site's minimum, a URL it will not send a key to).
    #[error("{0}")]
    Refused(String),
    /// Too many requests; try again after `wait`.
    #[error("rate limited, retry in {}s: {message}", .wait.as_secs())]
    RateLimited { wait: Duration, message: String },
    /// Could not reach the server, the connection dropped, or it took too long.
    #[error("network error: {0}")]
    Network(String),
    /// The server failed (5xx).
    #[error("server error {status}: {message}")]
    Server { status: u16, message: String },
    /// The server answered with something we cannot read.
    #[error("malformed reply from the server: {0}")]
    Malformed(String),
    /// This platform has no such operation; the reason says why.
    #[error("not available on this platform: {0}")]
    Unsupported(String),
}

impl BackendError {
    /// Exit code of the headless commands (documented in the README).
    pub fn exit_code(&self) -> i32 {
        match self {
            BackendError::NotSignedIn(_) | BackendError::Forbidden(_) => 3,
            BackendError::NotFound(_) => 4,
            BackendError::Invalid(_) | BackendError::Unsupported(_) | BackendError::Refused(_) => 5,
            BackendError::RateLimited { .. } => 6,
            BackendError::Network(_) | BackendError::Server { .. } | BackendError::Malformed(_) => {
                7
            }
        }
    }

    /// A short machine-readable name of the case, for `--json` errors.
    pub fn kind(&self) -> &'static str {
        match self {
            BackendError::NotSignedIn(_) => "not_signed_in",
            BackendError::Forbidden(_) => "forbidden",
            BackendError::NotFound(_) => "not_found",
            BackendError::Invalid(_) => "invalid",
            BackendError::Refused(_) => "refused",
            BackendError::RateLimited { .. } => "rate_limited",
            BackendError::Network(_) => "network",
            BackendError::Server { .. } => "server",
            BackendError::Malformed(_) => "malformed",
            BackendError::Unsupported(_) => "unsupported",
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

pub type Result<T> = std::result::Result<T, BackendError>;

/// A search, in the platform-neutral words moderators use; each adapter writes it in its own
/// query language (Discourse's `/search.json?q=`, Khoros's LiQL).
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct SearchQuery {
    /// Words and `"phrases"`, plus the site's own operators where the user typed them.
    pub text: String,
    /// Only topics a queue view would hold (unanswered, unsolved...).
    pub view: Option<QueueView>,
    pub category: Option<String>,
    /// 1-based page of results.
    pub page: u32,
}

/// What a search found: topics (with the matching post's excerpt where there is one).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SearchResults {
    pub topics: Vec<TopicSummary>,
    /// Excerpts of matching posts, by topic.
    pub excerpts: Vec<(TopicId, String)>,
    pub more: bool,
}

/// A site's feed of changes, as one long-polling subscription. The adapter keeps its own
/// position between polls.
#[async_trait]
pub trait LiveFeed: Send {
    /// Waits for changes (a long poll) and returns them. `watch` names the topics whose inside
    /// (posts, who is replying) matters now.
    async fn poll(&mut self, watch: &[TopicId]) -> Result<Vec<LiveEvent>>;
}

/// A community platform, in domain terms. Implementations must be cheap to share (`Arc`) and
/// safe to call from many tasks at once.
#[async_trait]
pub trait Backend: Send + Sync {
    /// Names, links, limits and features of the site.
    fn site(&self) -> &SiteInfo;

    /// The request governor every request of this backend goes through: the budget in force,
    /// how much of it is used, and its changes.
    fn governor(&self) -> &governor::Governor;

    /// Who the account is, with its role and capabilities.
    async fn whoami(&self) -> Result<Account>;
    async fn categories(&self) -> Result<Vec<Category>>;

    /// One page of a topic list.
    async fn topics(&self, query: &QueueQuery) -> Result<TopicPage>;
    /// The current state of some topics, in one request where the platform allows it. A topic
    /// missing from the answer is gone (deleted, or no longer visible to this account).
    async fn topics_by_id(&self, ids: &[TopicId]) -> Result<Vec<TopicSummary>>;
    /// A topic with all its posts.
    async fn topic(&self, id: &TopicId) -> Result<Topic>;
    async fn search(&self, query: &SearchQuery) -> Result<SearchResults>;

    /// Send a reply; returns the created post (or that it waits for approval).
    async fn reply(&self, reply: &NewReply) -> Result<Sent>;
    /// This account's post in the topic with exactly this text, if there is one (a reply whose
    /// answer was lost may have been posted after all).
    async fn find_own_reply(&self, topic: &TopicId, raw: &str) -> Result<Option<Post>>;
    async fn accept_solution(&self, post: &PostId) -> Result<()>;
    async fn unaccept_solution(&self, post: &PostId) -> Result<()>;
    async fn move_posts(
        &self,
        topic: &TopicId,
        posts: &[PostId],
        to: &MoveDestination,
    ) -> Result<MoveResult>;
    async fn move_topic(&self, topic: &TopicId, category: &CategoryId) -> Result<()>;

    /// The badge catalogue.
    async fn badges(&self) -> Result<Vec<Badge>>;
    async fn award_badge(&self, award: &BadgeAward) -> Result<GrantedBadge>;
    /// An award, with what the server did: a new grant, or nothing (the member already held
    /// it). Platforms whose answer cannot tell keep this default, which says so
    /// ([`GrantOutcome::Unconfirmed`]).
    async fn grant_badge(&self, award: &BadgeAward) -> Result<BadgeGrant> {
        Ok(BadgeGrant {
            grant: self.award_badge(award).await?,
            outcome: GrantOutcome::Unconfirmed,
        })
    }

    /// One part of a member's profile board. A part the account may not see is
    /// `Err(Forbidden(..))` with a message that says who may.
    async fn board_part(&self, username: &str, part: BoardPart) -> Result<BoardData>;

    /// A subscription to the site's changes, when the platform has a live feed.
    fn live_feed(&self, client_id: &str) -> Option<Box<dyn LiveFeed>> {
        let _ = client_id;
        None
    }

    /// Who is writing a reply in the topic right now.
    async fn replying(&self, topic: &TopicId) -> Result<Vec<String>> {
        let _ = topic;
        Err(BackendError::Unsupported(
            "this platform does not tell who is replying".into(),
        ))
    }

    /// Announces (or withdraws) that this account is writing a reply in the topic.
    async fn set_replying(&self, topic: &TopicId, replying: bool, client_id: &str) -> Result<()> {
        let _ = (topic, replying, client_id);
        Err(BackendError::Unsupported(
            "this platform does not tell who is replying".into(),
        ))
    }

    // The review queue, flags and edits. Platforms without them keep these defaults, which
    // answer with the reason their `SiteInfo` declares.

    /// One page of the review queue. An account that may not see it is `Forbidden`.
    async fn review_queue(&self, query: &ReviewQuery) -> Result<ReviewPage> {
        let _ = query;
        Err(unsupported(&self.site().features.review_queue))
    }

    /// One item of the review queue, as it is now (its current version and actions).
    async fn review_item(&self, id: &ReviewId) -> Result<Reviewable> {
        let _ = id;
        Err(unsupported(&self.site().features.review_queue))
    }

    /// Performs one of the actions an item offers (an [`ReviewAction::id`]), on the version
    /// of it that was read. Sent once, never retried blindly: a stale version is refused by
    /// the server and reported as `Invalid` with "someone else acted on this item; reload".
    async fn perform_review(
        &self,
        id: &ReviewId,
        action: &str,
        version: u64,
    ) -> Result<PerformResult> {
        let _ = (id, action, version);
        Err(unsupported(&self.site().features.review_queue))
    }

    /// The ways a post may be flagged on this site (likes and other non-flags left out).
    async fn flag_types(&self) -> Result<Vec<FlagType>> {
        Err(unsupported(&self.site().features.flag))
    }

    /// Flags a post for the staff's attention; `message` goes with it (some types need one).
    async fn flag_post(&self, post: &PostId, flag: &FlagType, message: Option<&str>) -> Result<()> {
        let _ = (post, flag, message);
        Err(unsupported(&self.site().features.flag))
    }

    /// Likes a post as this account (a kudo on Khoros).
    async fn like_post(&self, post: &PostId) -> Result<()> {
        let _ = post;
        Err(unsupported(&self.site().features.like))
    }

    /// A post's text as written (what an edit starts from; topic reads carry only HTML).
    async fn post_source(&self, post: &PostId) -> Result<String> {
        let _ = post;
        Err(unsupported(&self.site().features.edit_posts))
    }

    /// Replaces a post's text (staff, or the author where the site allows), with the reason
    /// shown in its revision history. Returns the post as it is now.
    async fn edit_post(&self, post: &PostId, raw: &str, reason: Option<&str>) -> Result<Post> {
        let _ = (post, raw, reason);
        Err(unsupported(&self.site().features.edit_posts))
    }
}

/// The error for an operation a site declares missing.
pub fn unsupported(feature: &Feature) -> BackendError {
    BackendError::Unsupported(
        feature
            .reason()
            .unwrap_or("this platform has no such operation")
            .to_string(),
    )
}
