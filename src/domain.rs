//! Plain types the whole program shares: what a community *is*, independent of any platform's
//! wire format. No I/O and no serde wire details live here; adapters map their own wire types
//! into these in one place each, and the sandbox builds them from its store.
//!
//! Nothing here knows a platform: ids and page positions are opaque text the adapter gave,
//! post bodies are HTML, roles are neutral and ranks are the platform's own words, and what
//! a site links to, how it quotes and which operations it has come from the adapter's
//! [`SiteInfo`].
//!
//! Types derive `Serialize` only so the headless commands can print them with `--json`.

use chrono::{DateTime, Utc};
use serde::Serialize;

/// Declares an opaque id: text the platform gave, compared and hashed as text, printed as is.
macro_rules! opaque_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(
            Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, serde::Deserialize, Default,
        )]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub fn new(id: impl Into<String>) -> Self {
                $name(id.into())
            }
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<u64> for $name {
            fn from(n: u64) -> Self {
                $name(n.to_string())
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                $name(s.to_string())
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                $name(s)
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }

        /// Platforms with numeric ids (Discourse) compare them with numbers.
        impl PartialEq<u64> for $name {
            fn eq(&self, other: &u64) -> bool {
                self.0.parse::<u64>().ok() == Some(*other)
            }
        }
    };
}

opaque_id!(
    /// A topic (Discourse) or thread (Khoros).
    TopicId
);
opaque_id!(
    /// A post (Discourse) or message (Khoros).
    PostId
);
opaque_id!(
    /// A member account.
    UserId
);
opaque_id!(
    /// A category (Discourse) or board (Khoros).
    CategoryId
);
opaque_id!(
    /// A badge of the site's catalogue.
    BadgeId
);
opaque_id!(
    /// An item of the review queue.
    ReviewId
);
opaque_id!(
    /// Where the next page of a list starts: a page number on Discourse, a cursor on Khoros.
    PageToken
);

/// A moment reported by the server. Always UTC.
pub type Timestamp = DateTime<Utc>;

/// What an account is, in the order of its rights (highest first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Moderator,
    /// Elevated rights without being staff: Discourse's trust level 4 "leaders", Khoros's
    /// community guides and super users.
    Leader,
    Member,
}

impl Role {
    /// Role from the flags every platform reports in some form.
    pub fn from_flags(admin: bool, moderator: bool, leader: bool) -> Role {
        if admin {
            Role::Admin
        } else if moderator {
            Role::Moderator
        } else if leader {
            Role::Leader
        } else {
            Role::Member
        }
    }

    pub fn is_staff(self) -> bool {
        matches!(self, Role::Admin | Role::Moderator)
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Moderator => "moderator",
            Role::Leader => "leader",
            Role::Member => "member",
        }
    }
}

/// What the signed-in account may do, site-wide, as its adapter reads the platform's rules.
/// Per-topic and per-post rights (for example `can_accept_answer`) travel on [`Topic`] and
/// [`Post`], because the server decides them there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
pub struct Capabilities {
    pub reply: bool,
    pub move_posts: bool,
    pub move_topics: bool,
    pub award_badges: bool,
    /// Accept a solution in any topic (not only one's own).
    pub accept_any_solution: bool,
    /// Read other members' private messages.
    pub read_private_messages: bool,
    /// Staff-only profile details: linked accounts, penalties, flags.
    pub see_admin_details: bool,
    pub review_queue: bool,
}

/// The account the console is signed in as.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Account {
    pub id: UserId,
    pub username: String,
    pub name: Option<String>,
    pub role: Role,
    /// The platform's own word for the account's standing ("regular", "Super User").
    pub rank: Option<String>,
    pub capabilities: Capabilities,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Category {
    pub id: CategoryId,
    pub name: String,
    pub slug: String,
    /// Hex colour without `#`, as the platform reports it.
    pub color: Option<String>,
    pub parent_id: Option<CategoryId>,
    pub topic_count: u64,
    pub description: Option<String>,
}

/// Which list of topics the queue shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum QueueView {
    /// Open topics nobody has replied to (`posts_count <= 1`).
    #[default]
    Unanswered,
    /// Topics without an accepted solution.
    Unsolved,
    /// Everything, most recently active first.
    Latest,
    /// Unanswered topics plus those whose last post is by the member who asked.
    NeedsReply,
}

impl QueueView {
    pub const BUILT_IN: [QueueView; 4] = [
        QueueView::Unanswered,
        QueueView::Unsolved,
        QueueView::Latest,
        QueueView::NeedsReply,
    ];

    pub fn name(&self) -> &'static str {
        match self {
            QueueView::Unanswered => "unanswered",
            QueueView::Unsolved => "unsolved",
            QueueView::Latest => "latest",
            QueueView::NeedsReply => "needs-reply",
        }
    }

    pub fn parse(name: &str) -> Option<QueueView> {
        QueueView::BUILT_IN
            .into_iter()
            .find(|v| v.name() == name || v.name().replace('-', "_") == name)
    }

    /// Whether a topic belongs in this view by what it is (open/closed is the query's
    /// status, checked by the adapter).
    pub fn holds(&self, t: &TopicSummary) -> bool {
        match self {
            QueueView::Unanswered => t.is_unanswered(),
            QueueView::Unsolved => !t.has_accepted_answer,
            QueueView::Latest => true,
            QueueView::NeedsReply => t.is_unanswered() || t.awaits_follow_up(),
        }
    }
}

/// Sort order of a topic list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum TopicOrder {
    /// The longest-waiting member first (by the view's wait clock).
    #[default]
    OldestFirst,
    NewestFirst,
    /// Most recently active first.
    Activity,
    /// Most replies first.
    Replies,
    /// Most likes first.
    Likes,
}

impl TopicOrder {
    /// The orders `o` cycles through, in that order.
    pub const CYCLE: [TopicOrder; 4] = [
        TopicOrder::OldestFirst,
        TopicOrder::NewestFirst,
        TopicOrder::Replies,
        TopicOrder::Likes,
    ];

    pub fn label(self) -> &'static str {
        match self {
            TopicOrder::OldestFirst => "waiting longest",
            TopicOrder::NewestFirst => "newest",
            TopicOrder::Activity => "latest activity",
            TopicOrder::Replies => "most replies",
            TopicOrder::Likes => "most likes",
        }
    }

    pub fn parse(s: &str) -> Option<TopicOrder> {
        match s {
            "waiting" | "oldest" | "created" => Some(TopicOrder::OldestFirst),
            "newest" | "created-desc" => Some(TopicOrder::NewestFirst),
            "activity" => Some(TopicOrder::Activity),
            "replies" => Some(TopicOrder::Replies),
            "likes" => Some(TopicOrder::Likes),
            _ => None,
        }
    }
}

/// Topic status filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TopicStatus {
    Open,
    Closed,
    Archived,
    Solved,
    Unsolved,
}

/// A request for one page of a topic list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct QueueQuery {
    pub view: QueueView,
    /// Category slug (or id as text).
    pub category: Option<String>,
    pub tags: Vec<String>,
    pub status: Option<TopicStatus>,
    pub order: TopicOrder,
    /// Where to start: `None` for the first page, else what the previous page gave.
    pub page: Option<PageToken>,
}

impl QueueQuery {
    /// Whether a topic belongs in the list this query asks for, by what the topic is now: the
    /// view's rule and the status (the category is the caller's to check, by its id).
    pub fn admits(&self, t: &TopicSummary) -> bool {
        let status_ok = match self.status {
            None | Some(TopicStatus::Open) => {
                self.view == QueueView::Latest || (!t.closed && !t.archived)
            }
            Some(TopicStatus::Closed) => t.closed,
            Some(TopicStatus::Archived) => t.archived,
            Some(TopicStatus::Solved) => t.has_accepted_answer,
            Some(TopicStatus::Unsolved) => !t.has_accepted_answer,
        };
        self.view.holds(t) && status_ok && self.tags.iter().all(|tag| t.tags.contains(tag))
    }
}

/// One row of a topic list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TopicSummary {
    pub id: TopicId,
    pub title: String,
    pub slug: String,
    pub category_id: Option<CategoryId>,
    pub created_at: Timestamp,
    pub last_posted_at: Option<Timestamp>,
    /// Username of the member who opened the topic, when the server told us.
    pub author: Option<String>,
    pub last_poster: Option<String>,
    pub posts_count: u32,
    pub reply_count: u32,
    pub like_count: u32,
    pub views: u32,
    pub has_accepted_answer: bool,
    pub closed: bool,
    pub archived: bool,
    pub pinned: bool,
    pub tags: Vec<String>,
}

impl TopicSummary {
    /// Nobody has answered: Discourse counts the opening post in `posts_count`.
    pub fn is_unanswered(&self) -> bool {
        self.posts_count <= 1
    }

    /// A follow-up is waiting on the team: the last post is by the member who asked.
    pub fn awaits_follow_up(&self) -> bool {
        self.posts_count > 1
            && self.author.is_some()
            && self.author == self.last_poster
            && !self.closed
    }
}

/// One page of a topic list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TopicPage {
    pub topics: Vec<TopicSummary>,
    /// Where the next page starts, if the server says there is one.
    pub next: Option<PageToken>,
    pub per_page: u32,
}

/// Who wrote a post, as shown beside it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PostAuthor {
    pub id: Option<UserId>,
    pub username: String,
    pub name: Option<String>,
    pub role: Role,
    /// The platform's own word for the author's standing.
    pub rank: Option<String>,
    pub title: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PostKind {
    Regular,
    ModeratorAction,
    SmallAction,
    Whisper,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Post {
    pub id: PostId,
    pub topic_id: TopicId,
    pub post_number: u32,
    pub author: PostAuthor,
    pub created_at: Timestamp,
    /// The post as HTML, as the server renders it. Hostile until the text renderer has
    /// cleaned it.
    pub body_html: String,
    pub raw: Option<String>,
    pub kind: PostKind,
    pub like_count: u32,
    pub reply_to_post_number: Option<u32>,
    pub accepted_answer: bool,
    pub can_accept_answer: bool,
    pub can_unaccept_answer: bool,
}

/// What the server says this account may do in one topic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
pub struct TopicRights {
    pub can_create_post: bool,
    pub can_move_posts: bool,
    pub can_edit: bool,
}

/// A topic with all its posts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Topic {
    pub summary: TopicSummary,
    pub posts: Vec<Post>,
    pub rights: TopicRights,
    /// Post number of the accepted solution, if any.
    pub accepted_answer: Option<u32>,
    /// The topic's web address on its site.
    pub url: String,
}

/// A reply to send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewReply {
    pub topic_id: TopicId,
    pub reply_to_post_number: Option<u32>,
    pub raw: String,
}

/// What became of a reply the server accepted. In JSON: the post with `"state":"posted"`, or
/// `{"state":"queued"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "state")]
// One per send: boxing the post would only add an allocation.
#[allow(clippy::large_enum_variant)]
pub enum Sent {
    /// Posted: the new post.
    Posted(Post),
    /// Held for a moderator's approval (the site's rules for new members); it appears once
    /// approved. Sending it again would post it twice.
    Queued,
}

impl Sent {
    /// The new post, when it was posted (not held for approval).
    pub fn post(&self) -> Option<&Post> {
        match self {
            Sent::Posted(p) => Some(p),
            Sent::Queued => None,
        }
    }
}

/// Where moved posts go.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MoveDestination {
    ExistingTopic(TopicId),
    NewTopic {
        title: String,
        category_id: Option<CategoryId>,
    },
}

/// Result of a move: where the posts are now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MoveResult {
    pub topic_id: Option<TopicId>,
    pub url: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BadgeType {
    Gold,
    Silver,
    Bronze,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Badge {
    pub id: BadgeId,
    pub name: String,
    pub description: String,
    pub badge_type: BadgeType,
    pub grant_count: u64,
    /// Staff may grant it by hand (system badges are granted automatically).
    pub manually_grantable: bool,
    /// A member may hold it more than once.
    pub multiple_grant: bool,
    pub enabled: bool,
}

/// A badge as one member holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GrantedBadge {
    pub badge: Badge,
    pub granted_at: Timestamp,
    pub granted_by: Option<String>,
    /// The post or topic the grant was for (its "reason").
    pub topic_id: Option<TopicId>,
    pub post_number: Option<u32>,
    /// How many times it was granted (multiple-grant badges).
    pub count: u32,
}

/// A badge award to send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BadgeAward {
    pub username: String,
    pub badge_id: BadgeId,
    /// URL of a post or topic on the same site.
    pub reason: Option<String>,
}

/// What a badge award did, as the server's answer tells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GrantOutcome {
    /// The server made a new grant.
    Granted,
    /// The server granted nothing: its answer is a grant the member already had (a badge that
    /// can be held once, or one already granted for the same post).
    AlreadyHeld,
    /// The server answered with a grant, but whether it is a new one could not be told.
    Unconfirmed,
}

/// A badge award's answer: the grant the server answered with, and whether it made it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BadgeGrant {
    #[serde(flatten)]
    pub grant: GrantedBadge,
    pub outcome: GrantOutcome,
}

/// Who a member is in the community.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Member {
    pub id: UserId,
    pub username: String,
    pub name: Option<String>,
    pub title: Option<String>,
    pub role: Role,
    /// The platform's own word for the member's standing ("regular", "Super User").
    pub rank: Option<String>,
    pub created_at: Option<Timestamp>,
    pub last_seen_at: Option<Timestamp>,
    pub last_posted_at: Option<Timestamp>,
    pub primary_group: Option<String>,
    pub badge_count: u32,
    pub suspended_till: Option<Timestamp>,
    pub silenced_till: Option<Timestamp>,
    pub profile_url: String,
}

/// How much a member helps: the numbers a moderator weighs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct MemberStats {
    /// Likes received: the community's "stars".
    pub likes_received: u64,
    pub likes_given: u64,
    pub topic_count: u64,
    pub post_count: u64,
    pub solutions: u64,
    pub days_visited: u64,
    pub time_read_secs: u64,
    pub posts_read: u64,
    /// Position among members by likes received, where the platform reports it.
    pub likes_rank: Option<u64>,
}

/// Where an activity happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Forum,
    Solution,
    Like,
    Chat,
    PrivateMessage,
    LinkedAccount,
    /// Care conversations on social networks (Khoros Care).
    Twitter,
    Facebook,
    /// In-app and web messaging (Khoros Care).
    Messaging,
}

impl Channel {
    pub const ALL: [Channel; 9] = [
        Channel::Forum,
        Channel::Solution,
        Channel::Like,
        Channel::Chat,
        Channel::PrivateMessage,
        Channel::LinkedAccount,
        Channel::Twitter,
        Channel::Facebook,
        Channel::Messaging,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Channel::Forum => "forum",
            Channel::Solution => "solution",
            Channel::Like => "like",
            Channel::Chat => "chat",
            Channel::PrivateMessage => "pm",
            Channel::LinkedAccount => "linked",
            Channel::Twitter => "twitter",
            Channel::Facebook => "facebook",
            Channel::Messaging => "messaging",
        }
    }
}

/// One item of a member's cross-channel timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Activity {
    pub channel: Channel,
    pub at: Timestamp,
    /// What happened, in a few words ("replied", "opened", "accepted", "liked", "wrote in #general").
    pub action: String,
    /// Topic title, chat channel name or PM subject.
    pub title: String,
    pub excerpt: String,
    pub topic_id: Option<TopicId>,
    pub post_number: Option<u32>,
}

/// An account on another network linked to this member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LinkedAccount {
    pub provider: String,
    pub uid: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PenaltyKind {
    Suspension,
    Silence,
    Warning,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Penalty {
    pub kind: PenaltyKind,
    pub until: Option<Timestamp>,
    pub reason: Option<String>,
}

/// An item waiting in the review queue.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReviewItem {
    pub id: ReviewId,
    pub kind: String,
    pub topic_id: Option<TopicId>,
    pub post_id: Option<PostId>,
    pub created_at: Option<Timestamp>,
    pub score: f64,
    pub reason: Option<String>,
}

/// Staff-only view of a member's standing.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct MemberModeration {
    pub flags_given: u64,
    pub flags_received: u64,
    pub warnings_received: u64,
    pub suspensions: u64,
    pub silences: u64,
    pub current: Vec<Penalty>,
    pub linked_accounts: Vec<LinkedAccount>,
    /// Why the counts above (flags, warnings, suspensions, silences) are not known on this
    /// platform; they are then zero and not shown. `None` where the platform has them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub counts_unavailable: Option<String>,
}

/// The parts of a member's profile board. Each loads on its own, so one failing source never
/// blanks the board, and each platform fills the parts it has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BoardPart {
    Identity,
    Stats,
    Badges,
    /// Forum topics and replies, likes and solutions.
    ForumActivity,
    PrivateMessages,
    Chat,
    /// Staff only: penalties, flags, linked accounts.
    Moderation,
    /// Staff only: the member's items waiting in the review queue.
    PendingReviews,
    /// The member's accounts and conversations on social channels (Khoros Care).
    LinkedChannels,
}

impl BoardPart {
    pub const ALL: [BoardPart; 9] = [
        BoardPart::Identity,
        BoardPart::Stats,
        BoardPart::Badges,
        BoardPart::ForumActivity,
        BoardPart::PrivateMessages,
        BoardPart::Chat,
        BoardPart::Moderation,
        BoardPart::PendingReviews,
        BoardPart::LinkedChannels,
    ];

    pub fn label(self) -> &'static str {
        match self {
            BoardPart::Identity => "identity",
            BoardPart::Stats => "stats",
            BoardPart::Badges => "badges",
            BoardPart::ForumActivity => "forum activity",
            BoardPart::PrivateMessages => "private messages",
            BoardPart::Chat => "chat",
            BoardPart::Moderation => "moderation record",
            BoardPart::PendingReviews => "pending reviews",
            BoardPart::LinkedChannels => "social channels",
        }
    }

    /// Parts that cost many requests (chat reads every channel) or are rarely wanted load
    /// only when asked for in the console; `modterm profile` loads them all.
    pub fn on_demand(self) -> bool {
        matches!(self, BoardPart::Chat | BoardPart::PendingReviews)
    }
}

/// The data of one board part.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "part", content = "data")]
pub enum BoardData {
    Identity(Member),
    Stats(MemberStats),
    Badges(Vec<GrantedBadge>),
    /// Timeline items of one or more channels (merged by time in the board).
    Activity(Vec<Activity>),
    Moderation(MemberModeration),
    Reviews(Vec<ReviewItem>),
}

/// A change on the site, as the live feed reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum LiveEvent {
    /// A topic list changed: a new topic, or activity in one (reply, solution, move).
    TopicListChanged {
        topic_id: Option<TopicId>,
        reason: String,
    },
    /// Something happened inside a watched topic (a post created, edited, deleted).
    TopicChanged {
        topic_id: TopicId,
        post_number: Option<u32>,
        reason: String,
    },
    /// Who is writing a reply in a watched topic right now.
    Replying {
        topic_id: TopicId,
        usernames: Vec<String>,
    },
}

// ---------------------------------------------------------------------------------------------
// What a site is: links, reply format, limits and which operations it has.

/// An operation a platform may or may not have. Where it has none, the reason is shown to the
/// user as is ("Khoros grants badges by rules, not by hand").
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "state", content = "reason")]
pub enum Feature {
    Available,
    Missing(String),
}

impl Feature {
    pub fn missing(reason: impl Into<String>) -> Feature {
        Feature::Missing(reason.into())
    }

    pub fn is_available(&self) -> bool {
        matches!(self, Feature::Available)
    }

    /// Why the operation is missing, if it is.
    pub fn reason(&self) -> Option<&str> {
        match self {
            Feature::Available => None,
            Feature::Missing(why) => Some(why),
        }
    }
}

/// The operations beyond reading and replying that a platform may offer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Features {
    /// Changes pushed by the server (Discourse's message bus).
    pub live_feed: Feature,
    /// Who is writing a reply right now.
    pub presence: Feature,
    pub accept_solution: Feature,
    /// Taking an accepted solution back (and so undoing an accept).
    pub unaccept_solution: Feature,
    pub move_posts: Feature,
    pub move_topics: Feature,
    pub award_badges: Feature,
    pub search: Feature,
    pub review_queue: Feature,
    pub flag: Feature,
    pub edit_posts: Feature,
    /// Liking a post (Discourse's like, Khoros's kudo).
    pub like: Feature,
}

impl Features {
    /// Everything available (a platform then says what it lacks).
    pub fn all() -> Features {
        Features {
            live_feed: Feature::Available,
            presence: Feature::Available,
            accept_solution: Feature::Available,
            unaccept_solution: Feature::Available,
            move_posts: Feature::Available,
            move_topics: Feature::Available,
            award_badges: Feature::Available,
            search: Feature::Available,
            review_queue: Feature::Available,
            flag: Feature::Available,
            edit_posts: Feature::Available,
            like: Feature::Available,
        }
    }
}

/// How replies are written on a site.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Markup {
    Markdown,
    Html,
}

/// What the console needs to know about a site, from its adapter: names, links, how to quote,
/// the minimum lengths the server enforces and the operations it has. Links and quotes are
/// templates with `{name}` fields (see [`SiteInfo::topic_link`] and friends) so that code
/// outside the adapter never builds a platform's URL or markup itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SiteInfo {
    /// `"discourse"`, `"khoros"`.
    pub platform: String,
    /// What the status bar calls the site: its host, or "demo community".
    pub title: String,
    /// Site URL without a trailing slash.
    pub base_url: String,
    /// `{base}`, `{id}`, `{slug}`, `{category}`.
    pub topic_link: String,
    /// As `topic_link`, plus `{number}` (post number) and `{post_id}`.
    pub post_link: String,
    /// `{base}`, `{username}`.
    pub member_link: String,
    pub markup: Markup,
    /// `{username}`, `{number}`, `{topic}`, `{post_id}`, `{text}`.
    pub quote: String,
    /// The shortest reply the server accepts, in characters.
    pub min_reply_chars: usize,
    /// The shortest topic title the server accepts (new topics made by a move).
    pub min_title_chars: usize,
    pub features: Features,
}

/// Percent-encodes one URL path segment (names and slugs may hold anything).
pub fn url_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Fills `{name}` fields of a template; unknown fields are left as they are.
fn fill(template: &str, fields: &[(&str, &str)]) -> String {
    let mut out = template.to_string();
    for (name, value) in fields {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}

impl SiteInfo {
    /// The web address of a topic.
    pub fn topic_link(&self, topic: &TopicSummary) -> String {
        let category = topic
            .category_id
            .as_ref()
            .map(|c| url_segment(c.as_str()))
            .unwrap_or_default();
        fill(
            &self.topic_link,
            &[
                ("base", &self.base_url),
                ("id", &url_segment(topic.id.as_str())),
                ("slug", &url_segment(&topic.slug)),
                ("category", &category),
            ],
        )
    }

    /// The web address of one post of a topic.
    pub fn post_link(&self, topic: &TopicSummary, post: &Post) -> String {
        let category = topic
            .category_id
            .as_ref()
            .map(|c| url_segment(c.as_str()))
            .unwrap_or_default();
        fill(
            &self.post_link,
            &[
                ("base", &self.base_url),
                ("id", &url_segment(topic.id.as_str())),
                ("slug", &url_segment(&topic.slug)),
                ("category", &category),
                ("number", &post.post_number.to_string()),
                ("post_id", &url_segment(post.id.as_str())),
            ],
        )
    }

    /// The web address of a member's profile.
    pub fn member_link(&self, username: &str) -> String {
        fill(
            &self.member_link,
            &[
                ("base", &self.base_url),
                ("username", &url_segment(username)),
            ],
        )
    }

    /// A quote of `text` from `post`, in the site's reply markup.
    pub fn quote(&self, post: &Post, text: &str) -> String {
        fill(
            &self.quote,
            &[
                ("username", &post.author.username),
                ("number", &post.post_number.to_string()),
                ("topic", post.topic_id.as_str()),
                ("post_id", post.id.as_str()),
                ("text", text.trim()),
            ],
        )
    }

    /// Resolves a link found in a post against the site: absolute `http(s)` and `mailto`
    /// links are kept, site-relative ones (`/t/…`) are joined with the base URL, and every
    /// other scheme (`javascript:`, `file:`, `data:`, `ssh:`…) is refused with `None`.
    pub fn resolve_link(&self, href: &str) -> Option<String> {
        let href = href.trim();
        if href.is_empty() || href.chars().any(char::is_control) || href.len() > 2048 {
            return None;
        }
        if href.starts_with("//") {
            // Protocol-relative: the site's own scheme.
            let scheme = self.base_url.split("://").next().unwrap_or("https");
            return Some(format!("{scheme}:{href}"));
        }
        if href.starts_with('/') {
            return Some(format!("{}{href}", self.base_url));
        }
        let scheme = href
            .split_once(':')
            .map(|(s, _)| s.to_ascii_lowercase())
            .filter(|s| {
                s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
            });
        match scheme.as_deref() {
            Some("http" | "https" | "mailto") => Some(href.to_string()),
            Some(_) => None,
            // No scheme: relative to the site.
            None => Some(format!("{}/{href}", self.base_url)),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The review queue, flags and edits: the moderator's other daily job besides unanswered topics.
// A [`Reviewable`] is one item with everything needed to decide on it (why it is there, whose
// it is, the text, the actions its kind allows); [`ReviewItem`] above is the short form the
// profile board lists.

/// What kind of item waits in the review queue.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewKind {
    /// A post members flagged.
    FlaggedPost,
    /// A post held for approval before anyone sees it (a new member's first posts).
    QueuedPost,
    /// An account waiting for approval (a sign-up).
    User,
    /// Another kind the platform has, by its own name (plugins add their own).
    Other(String),
}

impl ReviewKind {
    /// The kinds every platform with a review queue is asked about by name.
    pub const KNOWN: [ReviewKind; 3] = [
        ReviewKind::FlaggedPost,
        ReviewKind::QueuedPost,
        ReviewKind::User,
    ];

    /// The name the CLI and config use (`flagged-post`); another kind's own name.
    pub fn name(&self) -> &str {
        match self {
            ReviewKind::FlaggedPost => "flagged-post",
            ReviewKind::QueuedPost => "queued-post",
            ReviewKind::User => "user",
            ReviewKind::Other(name) => name,
        }
    }

    /// In words, for tables and previews.
    pub fn label(&self) -> &str {
        match self {
            ReviewKind::FlaggedPost => "flagged post",
            ReviewKind::QueuedPost => "queued post",
            ReviewKind::User => "user",
            ReviewKind::Other(name) => name,
        }
    }

    /// A kind from what a user typed: the names above (`-` or `_`), short forms (`flagged`,
    /// `queued`, `users`); anything else is taken as the platform's own name for a kind.
    pub fn parse(s: &str) -> ReviewKind {
        match s.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "flagged-post" | "flagged-posts" | "flagged" | "flag" | "flags" => {
                ReviewKind::FlaggedPost
            }
            "queued-post" | "queued-posts" | "queued" | "held" => ReviewKind::QueuedPost,
            "user" | "users" | "sign-up" | "signup" => ReviewKind::User,
            _ => ReviewKind::Other(s.trim().to_string()),
        }
    }

    /// What `n` items of this kind are, in a count ("12 posts", "1 user").
    pub fn noun(&self, n: usize) -> &'static str {
        match (self, n == 1) {
            (ReviewKind::FlaggedPost | ReviewKind::QueuedPost, true) => "post",
            (ReviewKind::FlaggedPost | ReviewKind::QueuedPost, false) => "posts",
            (ReviewKind::User, true) => "user",
            (ReviewKind::User, false) => "users",
            (ReviewKind::Other(_), true) => "item",
            (ReviewKind::Other(_), false) => "items",
        }
    }
}

/// Where an item of the review queue stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ReviewStatus {
    /// Waiting for a moderator.
    #[default]
    Pending,
    /// Reviewed: the flags were agreed with, the post or account approved.
    Approved,
    /// Reviewed: the flags were disagreed with, the post or account rejected.
    Rejected,
    /// Reviewed: the flags were ignored.
    Ignored,
    /// Reviewed: its post or account was deleted.
    Deleted,
}

impl ReviewStatus {
    pub fn label(self) -> &'static str {
        match self {
            ReviewStatus::Pending => "pending",
            ReviewStatus::Approved => "approved",
            ReviewStatus::Rejected => "rejected",
            ReviewStatus::Ignored => "ignored",
            ReviewStatus::Deleted => "deleted",
        }
    }
}

/// Which items of the queue a list holds, by where they stand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ReviewStatusFilter {
    /// Waiting for a moderator (what the queue is).
    #[default]
    Pending,
    Approved,
    Rejected,
    Ignored,
    Deleted,
    /// Every item that has been reviewed, whatever the decision.
    Reviewed,
    All,
}

impl ReviewStatusFilter {
    pub const ALL: [ReviewStatusFilter; 7] = [
        ReviewStatusFilter::Pending,
        ReviewStatusFilter::Approved,
        ReviewStatusFilter::Rejected,
        ReviewStatusFilter::Ignored,
        ReviewStatusFilter::Deleted,
        ReviewStatusFilter::Reviewed,
        ReviewStatusFilter::All,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ReviewStatusFilter::Pending => "pending",
            ReviewStatusFilter::Approved => "approved",
            ReviewStatusFilter::Rejected => "rejected",
            ReviewStatusFilter::Ignored => "ignored",
            ReviewStatusFilter::Deleted => "deleted",
            ReviewStatusFilter::Reviewed => "reviewed",
            ReviewStatusFilter::All => "all",
        }
    }

    pub fn parse(s: &str) -> Option<ReviewStatusFilter> {
        let s = s.trim().to_ascii_lowercase();
        ReviewStatusFilter::ALL.into_iter().find(|f| f.name() == s)
    }
}

/// How urgent an item is by its score, as the platform grades it (at least this high).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewPriority {
    Low,
    Medium,
    High,
}

impl ReviewPriority {
    pub fn name(self) -> &'static str {
        match self {
            ReviewPriority::Low => "low",
            ReviewPriority::Medium => "medium",
            ReviewPriority::High => "high",
        }
    }

    pub fn parse(s: &str) -> Option<ReviewPriority> {
        match s.trim().to_ascii_lowercase().as_str() {
            "low" => Some(ReviewPriority::Low),
            "medium" => Some(ReviewPriority::Medium),
            "high" => Some(ReviewPriority::High),
            _ => None,
        }
    }
}

/// A request for one page of the review queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct ReviewQuery {
    /// Only items of this kind (all kinds when `None`).
    pub kind: Option<ReviewKind>,
    pub status: ReviewStatusFilter,
    /// Only items about posts or topics of this category.
    pub category: Option<CategoryId>,
    /// Only items at least this urgent.
    pub priority: Option<ReviewPriority>,
    /// Where to start: `None` for the first page, else what the previous page gave.
    pub page: Option<PageToken>,
}

/// One reason an item is in the queue: a flag type with how many flagged and who, or the rule
/// that held a post or account for approval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReviewReason {
    /// The flag type's name as the site lists it ([`FlagType::name`]: "spam", "off_topic");
    /// "needs_approval" for what the site held by rule.
    pub flag_type: String,
    /// What the site calls it ("Spam"). Remote text: sanitize before display.
    pub label: String,
    /// How many flags of this type the item has.
    pub count: u32,
    /// Who flagged, in the order they did (usernames; "system" for the site's own rules).
    pub by: Vec<String>,
    /// What was said: the flaggers' messages, the rule that held the post. HTML as the server
    /// sent it.
    pub notes_html: Vec<String>,
}

/// An action an item offers, as the server lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReviewAction {
    /// What is sent to perform it (Discourse: `agree_and_hide`, `approve_post`...).
    pub id: String,
    /// The server's words for it ("Hide post"). Remote text: sanitize before display.
    pub label: String,
    /// The group the server puts it in ("Yes", "Delete"), where it groups them.
    pub group: Option<String>,
    /// What the server asks before it is done, where it asks anything.
    pub confirm: Option<String>,
}

/// An item of the review queue, with why it is there and what may be done about it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reviewable {
    pub id: ReviewId,
    pub kind: ReviewKind,
    pub status: ReviewStatus,
    pub topic_id: Option<TopicId>,
    pub post_id: Option<PostId>,
    pub category_id: Option<CategoryId>,
    pub created_at: Option<Timestamp>,
    /// How urgent the platform rates it (the sum of its flags' weights on Discourse).
    pub score: f64,
    /// The item's version: an action sends it back, so that acting on a stale copy (another
    /// moderator acted meanwhile) is refused instead of applied twice.
    pub version: u64,
    /// Why it is there: flag types with counts and who flagged.
    pub reasons: Vec<ReviewReason>,
    /// Whose post or account it is.
    pub target_author: Option<PostAuthor>,
    /// The topic's title (a held new topic's own title).
    pub topic_title: Option<String>,
    /// A flagged post's body as HTML. Hostile until the text renderer has cleaned it.
    pub body_html: Option<String>,
    /// The text as written: a held post's text (it has no HTML until approved), or a flagged
    /// post's source where the server gives it.
    pub raw: Option<String>,
    /// Where the post or account is on the site.
    pub url: Option<String>,
    /// What this item allows now (nothing once it has been reviewed).
    pub actions: Vec<ReviewAction>,
}

impl Reviewable {
    pub fn is_pending(&self) -> bool {
        self.status == ReviewStatus::Pending
    }

    /// The action with this id, or this label (any case), if the item offers it.
    pub fn action(&self, id_or_label: &str) -> Option<&ReviewAction> {
        let wanted = id_or_label.trim();
        self.actions.iter().find(|a| a.id == wanted).or_else(|| {
            self.actions
                .iter()
                .find(|a| a.label.eq_ignore_ascii_case(wanted))
        })
    }

    /// How many flags it has (held posts count the site's own entry).
    pub fn flag_count(&self) -> u32 {
        self.reasons.iter().map(|r| r.count).sum()
    }

    /// The short form the profile board lists.
    pub fn summary(&self) -> ReviewItem {
        ReviewItem {
            id: self.id.clone(),
            kind: self.kind.name().to_string(),
            topic_id: self.topic_id.clone(),
            post_id: self.post_id.clone(),
            created_at: self.created_at,
            score: self.score,
            reason: self.reasons.first().map(|r| r.flag_type.clone()),
        }
    }
}

/// One page of the review queue.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReviewPage {
    pub items: Vec<Reviewable>,
    /// Where the next page starts, if the server says there is one.
    pub next: Option<PageToken>,
    /// How many items the whole list holds, where the server says.
    pub total: Option<u64>,
}

/// What the server says an action on a review item did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PerformResult {
    pub review_id: ReviewId,
    /// The action performed.
    pub action: String,
    pub success: bool,
    /// The item's version now (an action on it after this one sends it).
    pub version: Option<u64>,
    /// Where the item stands now, where the server says.
    pub status: Option<ReviewStatus>,
    /// The post an approval published, and its topic.
    pub created_post_id: Option<PostId>,
    pub created_topic_id: Option<TopicId>,
    /// Items the action took out of the queue (this one, and others it closed: deleting a
    /// user closes every item about them).
    pub removed: Vec<ReviewId>,
    /// Items still waiting in the queue, where the server says.
    pub pending_count: Option<u64>,
}

/// A way to flag a post, as the site lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FlagType {
    /// What is sent to flag (Discourse's `post_action_type_id`).
    pub id: String,
    /// Its stable name ("spam", "off_topic", "inappropriate", "notify_moderators",
    /// "illegal"), which the CLI's `--type` takes.
    pub name: String,
    /// What the site calls it ("It's Spam"). Remote text: sanitize before display.
    pub label: String,
    pub description: Option<String>,
    /// The flag is refused without a message to the staff (or the member).
    pub needs_message: bool,
}
