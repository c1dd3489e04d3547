//! Plain types the whole program shares: what a community *is*, independent of any platform's
//! wire format. No I/O and no serde wire details live here; adapters map their own wire types
//! into these in one place each, and the sandbox builds them from its store.
//!
//! Types derive `Serialize` only so the headless commands can print them with `--json`.

use chrono::{DateTime, Utc};
use serde::Serialize;

pub type TopicId = u64;
pub type PostId = u64;
pub type UserId = u64;
pub type CategoryId = u64;
pub type BadgeId = u64;

/// A moment reported by the server. Always UTC.
pub type Timestamp = DateTime<Utc>;

/// What an account is, in the order of its rights (highest first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Moderator,
    /// Discourse trust level 4 ("leader"); a Khoros community guide.
    Leader,
    Member,
}

impl Role {
    /// Role from the flags every platform reports in some form.
    pub fn from_flags(admin: bool, moderator: bool, trust_level: u8) -> Role {
        if admin {
            Role::Admin
        } else if moderator {
            Role::Moderator
        } else if trust_level >= 4 {
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

/// What the signed-in account may do, site-wide. Per-topic and per-post rights (for example
/// `can_accept_answer`) travel on [`Topic`] and [`Post`], because the server decides them there.
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

impl Capabilities {
    /// Discourse's guardian rules for a role (reference §4–§10). The server remains the judge;
    /// this only decides what the console offers.
    pub fn for_role(role: Role) -> Capabilities {
        let staff = role.is_staff();
        let leader_or_staff = staff || role == Role::Leader;
        Capabilities {
            reply: true,
            move_posts: leader_or_staff,
            move_topics: leader_or_staff,
            award_badges: staff,
            accept_any_solution: leader_or_staff,
            read_private_messages: role == Role::Admin,
            see_admin_details: staff,
            review_queue: staff,
        }
    }
}

/// The account the console is signed in as.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Account {
    pub id: UserId,
    pub username: String,
    pub name: Option<String>,
    pub role: Role,
    pub trust_level: u8,
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
}

/// Sort order of a topic list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum TopicOrder {
    /// Oldest first by creation: the longest-waiting topic on top.
    #[default]
    OldestFirst,
    NewestFirst,
    Activity,
    Likes,
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
    /// Category slug (or numeric id as text).
    pub category: Option<String>,
    pub tags: Vec<String>,
    pub status: Option<TopicStatus>,
    pub order: TopicOrder,
    /// 0-based page.
    pub page: u32,
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
    /// The page to ask for next, if the server says there is one.
    pub next_page: Option<u32>,
    pub per_page: u32,
}

/// Who wrote a post, as shown beside it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PostAuthor {
    pub id: Option<UserId>,
    pub username: String,
    pub name: Option<String>,
    pub role: Role,
    pub trust_level: u8,
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
    /// Rendered HTML from the server. Hostile until the text renderer has cleaned it.
    pub cooked: String,
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

impl BadgeType {
    /// Discourse's `badge_type_id`: 1 gold, 2 silver, 3 bronze.
    pub fn from_id(id: u64) -> BadgeType {
        match id {
            1 => BadgeType::Gold,
            2 => BadgeType::Silver,
            _ => BadgeType::Bronze,
        }
    }
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

/// Who a member is in the community.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Member {
    pub id: UserId,
    pub username: String,
    pub name: Option<String>,
    pub title: Option<String>,
    pub role: Role,
    pub trust_level: u8,
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
    /// Rank among members by likes received, where the platform reports it.
    pub rank: Option<u64>,
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
}

impl Channel {
    pub const ALL: [Channel; 6] = [
        Channel::Forum,
        Channel::Solution,
        Channel::Like,
        Channel::Chat,
        Channel::PrivateMessage,
        Channel::LinkedAccount,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Channel::Forum => "forum",
            Channel::Solution => "solution",
            Channel::Like => "like",
            Channel::Chat => "chat",
            Channel::PrivateMessage => "pm",
            Channel::LinkedAccount => "linked",
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
    pub id: u64,
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
    pub pending_reviews: Vec<ReviewItem>,
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
    /// Staff only: penalties, flags, linked accounts, pending reviews.
    Moderation,
}

impl BoardPart {
    pub const ALL: [BoardPart; 7] = [
        BoardPart::Identity,
        BoardPart::Stats,
        BoardPart::Badges,
        BoardPart::ForumActivity,
        BoardPart::PrivateMessages,
        BoardPart::Chat,
        BoardPart::Moderation,
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
        }
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
}

/// How far the live feed has read, per channel. The channel names and positions belong to the
/// platform's adapter; the console only keeps the cursor between polls.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LiveCursor {
    /// Identifies this client to the server (Discourse: the message bus and presence client id).
    pub client_id: String,
    pub positions: std::collections::BTreeMap<String, i64>,
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
