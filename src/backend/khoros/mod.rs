//! The Khoros Community adapter (formerly Lithium), with Khoros Care for a member's social
//! channels: HTTP and sign-in ([`client`]), LiQL ([`liql`]), wire types (`wire`) and their
//! mapping to domain types (`map`), and Care ([`care`]). Written from
//! `reference/khoros-api.md`; where a call is inferred there, the comment says so.
//!
//! Queue views are LiQL over `messages` (`GET /api/2.0/search?q=`, reference §2.3), filtered
//! again on this side in case the server ignores a constraint:
//! - unanswered: `depth = 0 AND replies.count(*) = 0`;
//! - unsolved: `depth = 0 AND conversation.solved = false`;
//! - latest: `depth = 0`, newest activity first;
//! - needs-reply: unsolved, oldest activity first, plus one query for the latest reply of
//!   the page's threads, to tell whose turn it is.
//!
//! Page tokens are Khoros's cursors (`data.next_cursor`, sent back as `CURSOR '…'`): only a
//! missing cursor ends a list (reference §2.5).
//!
//! What Khoros has no documented API for is declared in [`site_info`] and answered with
//! [`BackendError::Unsupported`]: awarding a badge (badges are granted by their rules),
//! moving messages (only a GraphQL `moveMessage` is documented, not the REST API this adapter
//! speaks), taking back a solution, the live feed and presence, the review queue.

pub mod care;
pub mod client;
pub mod liql;
mod map;
mod wire;

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use reqwest::Method;
use serde_json::json;

use self::care::Care;
use self::client::{Client, ClientOptions};
use self::liql::{Dir, Liql, Lit, Op};
use crate::backend::governor::{Governor, Limits, MINUTE};
use crate::backend::{unsupported, Backend, BackendError, Result, SearchQuery, SearchResults};
use crate::domain::*;

pub use self::care::CareOptions;
pub use self::client::Credentials;
pub use self::map::{capabilities, compose_html};

/// Messages asked for per queue page.
pub const PAGE: u32 = 50;
/// Why a member's moderation record has no counts on Khoros.
const NO_MODERATION_COUNTS: &str =
    "Khoros's API gives no moderation record (flags, warnings, suspensions) for a member";
/// Messages asked for per page of a thread, and the most pages read (a bounded thread).
const THREAD_PAGE: u32 = 200;
const MAX_THREAD_PAGES: usize = 25;
/// Threads asked for per `id IN (…)` query.
const ID_BATCH: usize = 50;
/// Search results per page.
const SEARCH_PAGE: u32 = 25;
/// Timeline items read per kind (messages, kudos given).
const TIMELINE_ITEMS: u32 = 30;

/// The fields of a queue row (each confirmed in an official SDK's list query, reference §2.3).
const SUMMARY_FIELDS: &[&str] = &[
    "id",
    "subject",
    "post_time",
    "view_href",
    "author.login",
    "board.id",
    "conversation.solved",
    "conversation.last_post_time",
    "replies.count(*)",
    "kudos.sum(weight)",
    "metrics.views",
    "read_only",
];

/// The fields of a message in a thread.
const THREAD_FIELDS: &[&str] = &[
    "id",
    "subject",
    "body",
    "post_time",
    "view_href",
    "author",
    "board.id",
    "parent.id",
    "topic.id",
    "depth",
    "is_solution",
    "can_accept_solution",
    "read_only",
    "conversation.solved",
    "conversation.last_post_time",
    "kudos.sum(weight)",
    "metrics.views",
    "user_context.can_reply",
];

/// How the console talks to a Khoros community.
#[derive(Debug, Clone)]
pub struct KhorosOptions {
    /// Community URL, e.g. `https://community.example.com`.
    pub base_url: String,
    pub credentials: Credentials,
    /// Who the account is when the credentials do not say (a bearer token): its login.
    pub username: Option<String>,
    pub allow_insecure_http: bool,
    pub timeout: Duration,
    pub max_read_retries: u32,
    /// First step of the backoff after a 429 or a transient failure.
    pub backoff_base: Duration,
    pub limits: Limits,
    pub title: Option<String>,
    /// Khoros Care, for the board's social channels.
    pub care: Option<CareOptions>,
}

/// Khoros publishes no numeric limit; at 4 a second one request in seven was refused
/// (reference §10). modterm keeps to 2 a second unless the profile says otherwise.
pub fn default_limits() -> Limits {
    Limits {
        scope: "Khoros (no published limit; modterm keeps to 2 a second)".into(),
        per_minute: 120,
        per_day: None,
        window: MINUTE,
    }
}

impl KhorosOptions {
    pub fn new(base_url: impl Into<String>, credentials: Credentials) -> KhorosOptions {
        KhorosOptions {
            base_url: base_url.into(),
            credentials,
            username: None,
            allow_insecure_http: false,
            timeout: Duration::from_secs(20),
            max_read_retries: 3,
            backoff_base: Duration::from_millis(250),
            limits: default_limits(),
            title: None,
            care: None,
        }
    }
}

/// What a Khoros community is, for the console.
pub fn site_info(base_url: &str, title: String) -> SiteInfo {
    // Short: the status bar shows it whole.
    let no_move = "Khoros moves messages only via GraphQL moveMessage, not its REST API";
    SiteInfo {
        platform: "khoros".into(),
        title,
        base_url: base_url.to_string(),
        // Khoros resolves threads by id; the board and slug segments only read well.
        topic_link: "{base}/t5/{category}/{slug}/td-p/{id}".into(),
        post_link: "{base}/t5/{category}/{slug}/m-p/{post_id}#M{post_id}".into(),
        // [I] the login form of the profile page; a member's own view_href is exact.
        member_link: "{base}/t5/user/viewprofilepage/user-login/{username}".into(),
        markup: Markup::Html,
        quote: "<blockquote>\n<strong>{username} wrote:</strong>\n{text}\n</blockquote>\n\n".into(),
        // Khoros documents no minimum; an empty body is refused by the server.
        min_reply_chars: 1,
        min_title_chars: 1,
        features: Features {
            live_feed: Feature::missing(
                "Khoros has no live feed modterm can follow; the queue is re-read periodically",
            ),
            presence: Feature::missing("Khoros does not tell who is writing a reply"),
            accept_solution: Feature::Available,
            unaccept_solution: Feature::missing(
                "Khoros documents a call to accept a solution but none to take one back; do it \
                 in the community's web UI",
            ),
            move_posts: Feature::missing(no_move),
            move_topics: Feature::missing(no_move),
            award_badges: Feature::missing(
                "Khoros grants badges by rules, not by hand: its API has no call to award one",
            ),
            search: Feature::Available,
            review_queue: Feature::missing(
                "the Khoros moderation queue has no REST API modterm uses",
            ),
            flag: Feature::missing("reporting a message (abuse reports) is not built in yet"),
            edit_posts: Feature::missing("editing messages is not built in yet"),
            like: Feature::Available,
        },
    }
}

/// The LiQL of one queue page. Public so tests can ask the server the same question.
pub fn queue_query(q: &QueueQuery) -> Liql {
    let mut liql = Liql::select(SUMMARY_FIELDS, "messages").eq("depth", 0);
    liql = match q.view {
        QueueView::Unanswered => liql.eq("replies.count(*)", 0),
        QueueView::Unsolved | QueueView::NeedsReply => liql.eq("conversation.solved", false),
        QueueView::Latest => liql,
    };
    match q.status {
        Some(TopicStatus::Solved) => liql = liql.eq("conversation.solved", true),
        Some(TopicStatus::Unsolved) if q.view != QueueView::Unsolved => {
            liql = liql.eq("conversation.solved", false)
        }
        _ => {}
    }
    if let Some(board) = q
        .category
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        liql = liql.eq("board.id", board);
    }
    let (field, dir) = match (&q.view, q.order) {
        // The member's last post is the thread's last activity: the oldest waits longest.
        (QueueView::NeedsReply, TopicOrder::OldestFirst) => {
            ("conversation.last_post_time", Dir::Asc)
        }
        (QueueView::Latest, TopicOrder::OldestFirst) | (_, TopicOrder::Activity) => {
            ("conversation.last_post_time", Dir::Desc)
        }
        (_, TopicOrder::OldestFirst) => ("post_time", Dir::Asc),
        (_, TopicOrder::NewestFirst) => ("post_time", Dir::Desc),
        (_, TopicOrder::Replies) => ("replies.count(*)", Dir::Desc),
        (_, TopicOrder::Likes) => ("kudos.sum(weight)", Dir::Desc),
    };
    liql.order_by(field, dir)
        .limit(PAGE)
        .cursor(q.page.as_ref().map(PageToken::as_str))
}

pub struct Khoros {
    client: Arc<Client>,
    care: Option<Care>,
    site: SiteInfo,
    username: Option<String>,
    account: Mutex<Option<Account>>,
    user_ids: Mutex<HashMap<String, UserId>>,
}

impl fmt::Debug for Khoros {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Khoros")
            .field("site_url", &self.client.base())
            .field("username", &self.username)
            .field("care", &self.care.is_some())
            .field("credentials", &"<redacted>")
            .finish()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn lits(ids: &[&str]) -> Vec<Lit> {
    ids.iter().map(|i| Lit::from(*i)).collect()
}

impl Khoros {
    pub fn new(opts: KhorosOptions) -> Result<Khoros> {
        let governor = Arc::new(Governor::new(opts.limits.clone()));
        let client = Client::new(
            &ClientOptions {
                base_url: opts.base_url.clone(),
                credentials: opts.credentials.clone(),
                allow_insecure_http: opts.allow_insecure_http,
                timeout: opts.timeout,
                max_read_retries: opts.max_read_retries,
                backoff_base: opts.backoff_base,
            },
            governor.clone(),
        )?;
        let base = client.base().to_string();
        let care = match &opts.care {
            Some(c) => Some(Care::new(
                c,
                &base,
                opts.allow_insecure_http,
                opts.timeout,
                governor,
            )?),
            None => None,
        };
        let username = match &opts.credentials {
            Credentials::Password { username, .. } => Some(username.clone()),
            Credentials::Bearer { .. } => opts.username.clone(),
        }
        .filter(|u| !u.trim().is_empty());
        let title = opts.title.clone().unwrap_or_else(|| {
            reqwest::Url::parse(&base)
                .ok()
                .and_then(|u| u.host_str().map(str::to_owned))
                .unwrap_or_else(|| base.clone())
        });
        Ok(Khoros {
            site: site_info(&base, title),
            client: Arc::new(client),
            care,
            username,
            account: Mutex::new(None),
            user_ids: Mutex::new(HashMap::new()),
        })
    }

    /// How many times the adapter has signed in (a renewed session key counts once more).
    pub fn sign_ins(&self) -> u64 {
        self.client.sign_ins()
    }

    async fn query<T: serde::de::DeserializeOwned>(
        &self,
        liql: &Liql,
        what: &str,
    ) -> Result<wire::ItemList<T>> {
        let data = self.client.liql(&liql.to_string()).await?;
        map::items(data, what)
    }

    /// The signed-in account, asked once and then remembered.
    async fn account(&self) -> Result<Account> {
        if let Some(a) = lock(&self.account).clone() {
            return Ok(a);
        }
        self.whoami().await
    }

    /// One member by login, with the given fields.
    async fn user(&self, login: &str, fields: &[&'static str]) -> Result<wire::User> {
        let list: wire::ItemList<wire::User> = self
            .query(
                &Liql::select(fields, "users").eq("login", login).limit(1),
                "member",
            )
            .await?;
        let user = list
            .items
            .into_iter()
            .next()
            .ok_or_else(|| BackendError::NotFound(format!("no member {login:?}")))?;
        if let Some(id) = &user.id {
            lock(&self.user_ids).insert(login.to_lowercase(), UserId::new(id.clone()));
        }
        Ok(user)
    }

    async fn user_id(&self, login: &str) -> Result<UserId> {
        if let Some(id) = lock(&self.user_ids).get(&login.to_lowercase()).cloned() {
            return Ok(id);
        }
        let user = self.user(login, &["id", "login"]).await?;
        user.id
            .map(UserId::new)
            .ok_or_else(|| BackendError::Malformed(format!("member {login:?} has no id")))
    }

    async fn roles(&self, user: &UserId) -> Result<Vec<wire::Role>> {
        let list: wire::ItemList<wire::Role> = self
            .query(
                &Liql::select(&["id", "name"], "roles")
                    .eq("users.id", user.as_str())
                    .limit(100),
                "roles",
            )
            .await?;
        Ok(list.items)
    }

    /// Threads by id, in one query per batch.
    async fn summaries(&self, ids: &[&str]) -> Result<Vec<TopicSummary>> {
        let mut out = Vec::new();
        for chunk in ids.chunks(ID_BATCH) {
            let list: wire::ItemList<wire::Message> = self
                .query(
                    &Liql::select(SUMMARY_FIELDS, "messages")
                        .is_in("id", lits(chunk))
                        .eq("depth", 0)
                        .limit(ID_BATCH as u32),
                    "topic list",
                )
                .await?;
            out.extend(
                list.items
                    .iter()
                    .filter_map(|m| map::topic_summary(m, None))
                    .filter(|t| chunk.contains(&t.id.as_str())),
            );
        }
        Ok(out)
    }

    /// Who wrote the latest reply of each thread (one bounded query for a page of them).
    async fn latest_posters(&self, topics: &[&str]) -> Result<HashMap<String, String>> {
        let mut out = HashMap::new();
        if topics.is_empty() {
            return Ok(out);
        }
        let list: wire::ItemList<wire::Message> = self
            .query(
                &Liql::select(&["id", "author.login", "topic.id", "post_time"], "messages")
                    .is_in("topic.id", lits(topics))
                    .cmp("depth", Op::Gt, 0)
                    .order_by("post_time", Dir::Desc)
                    .limit(liql::MAX_LIMIT),
                "latest replies",
            )
            .await?;
        for m in list.items {
            if let (Some(t), Some(login)) =
                (m.topic.and_then(|t| t.id), m.author.and_then(|a| a.login))
            {
                out.entry(t).or_insert(login);
            }
        }
        Ok(out)
    }

    /// Every message of a thread, oldest first (bounded).
    async fn thread_messages(&self, id: &TopicId) -> Result<Vec<wire::Message>> {
        let mut messages: Vec<wire::Message> = Vec::new();
        let mut cursor: Option<String> = None;
        for _ in 0..MAX_THREAD_PAGES {
            let list: wire::ItemList<wire::Message> = self
                .query(
                    &Liql::select(THREAD_FIELDS, "messages")
                        .eq("topic.id", id.as_str())
                        .order_by("post_time", Dir::Asc)
                        .limit(THREAD_PAGE)
                        .cursor(cursor.as_deref()),
                    "thread",
                )
                .await?;
            let got = list.items.len();
            messages.extend(list.items);
            match list.next_cursor {
                Some(next) if got > 0 && Some(&next) != cursor.as_ref() => cursor = Some(next),
                _ => break,
            }
        }
        // A tenant whose topic.id leaves out the opening message: ask for it by id.
        if !messages
            .iter()
            .any(|m| m.id.as_deref() == Some(id.as_str()))
        {
            let list: wire::ItemList<wire::Message> = self
                .query(
                    &Liql::select(THREAD_FIELDS, "messages")
                        .eq("id", id.as_str())
                        .limit(1),
                    "thread",
                )
                .await?;
            match list.items.into_iter().next() {
                Some(root) if root.depth.unwrap_or(0) == 0 => messages.insert(0, root),
                Some(_) => {
                    return Err(BackendError::NotFound(format!(
                        "{id} is a reply, not a thread: open its thread instead"
                    )))
                }
                None => return Err(BackendError::NotFound(format!("no thread {id}"))),
            }
        }
        Ok(messages)
    }

    async fn forum_activity(&self, login: &str) -> Result<Vec<Activity>> {
        let id = self.user_id(login).await?;
        let messages_q = Liql::select(
            &[
                "id",
                "subject",
                "body",
                "post_time",
                "depth",
                "topic.id",
                "is_solution",
            ],
            "messages",
        )
        .eq("author.id", id.as_str())
        .order_by("post_time", Dir::Desc)
        .limit(TIMELINE_ITEMS);
        let kudos_q = Liql::select(
            &["time", "message.id", "message.subject", "message.topic.id"],
            "kudos",
        )
        .eq("user.id", id.as_str())
        .order_by("time", Dir::Desc)
        .limit(TIMELINE_ITEMS);
        let messages = self.query::<wire::Message>(&messages_q, "member's messages");
        let kudos = self.query::<wire::Kudo>(&kudos_q, "member's kudos");
        let (messages, kudos) = futures_util::future::join(messages, kudos).await;
        let mut items: Vec<Activity> = messages?
            .items
            .iter()
            .filter_map(map::message_activity)
            .collect();
        items.extend(kudos?.items.iter().filter_map(map::kudo_activity));
        items.sort_by_key(|a| std::cmp::Reverse(a.at));
        Ok(items)
    }

    /// Khoros Care, for a staff account: `Unsupported` when the profile sets up no Care,
    /// `Forbidden` for anyone but moderators and admins.
    async fn staff_care(&self) -> Result<&Care> {
        let Some(care) = &self.care else {
            return Err(BackendError::Unsupported(
                "Khoros Care is not set up for this profile (add [profiles.NAME.care] with its \
                 url, username and key)"
                    .into(),
            ));
        };
        let me = self.account().await?;
        if !me.role.is_staff() {
            return Err(BackendError::Forbidden(
                "a member's social channels (Khoros Care) are visible to moderators and admins"
                    .into(),
            ));
        }
        Ok(care)
    }

    async fn linked_channels(&self, login: &str) -> Result<Vec<Activity>> {
        let care = self.staff_care().await?;
        let id = self.user_id(login).await?;
        care.linked_channels(id.as_str()).await
    }

    /// The member's accounts on the social networks as Khoros Care knows them (one Care
    /// request), each with its channel as the provider (`twitter`, `facebook`, `messaging`):
    /// the data of the board's linked-accounts line. Staff only; `Unsupported` without Care.
    pub async fn linked_accounts(&self, login: &str) -> Result<Vec<LinkedAccount>> {
        let care = self.staff_care().await?;
        let id = self.user_id(login).await?;
        care.linked_accounts(id.as_str()).await
    }

    /// The board's moderation record. Khoros has no API for its counts (flags, warnings,
    /// suspensions, silences), so the record says so rather than show made-up zeros; what it
    /// has is the linked accounts, from Care (staff only). Without Care there is nothing to
    /// show: `Unsupported`.
    async fn moderation(&self, login: &str) -> Result<MemberModeration> {
        if self.care.is_none() {
            return Err(BackendError::Unsupported(NO_MODERATION_COUNTS.into()));
        }
        Ok(MemberModeration {
            linked_accounts: self.linked_accounts(login).await?,
            counts_unavailable: Some(NO_MODERATION_COUNTS.into()),
            ..MemberModeration::default()
        })
    }

    /// Gives a kudo to a message (`POST /api/2.0/messages/{id}/kudos`, reference §8).
    pub async fn give_kudo(&self, post: &PostId) -> Result<()> {
        self.client
            .write(
                Method::POST,
                &format!("/api/2.0/messages/{}/kudos", url_segment(post.as_str())),
                json!({"data": {"type": "kudo", "message": {"id": post.as_str()}}}),
            )
            .await
            .map(|_| ())
    }

    /// Takes one's kudo back (`DELETE /api/2.0/messages/{id}/kudos`).
    pub async fn remove_kudo(&self, post: &PostId) -> Result<()> {
        self.client
            .call(
                Method::DELETE,
                &format!("/api/2.0/messages/{}/kudos", url_segment(post.as_str())),
                &[],
                client::Body::None,
                false,
            )
            .await
            .map(|_| ())
    }
}

#[async_trait]
impl Backend for Khoros {
    fn site(&self) -> &SiteInfo {
        &self.site
    }

    fn governor(&self) -> &Governor {
        self.client.governor()
    }

    async fn whoami(&self) -> Result<Account> {
        let login = self.username.clone().ok_or_else(|| {
            BackendError::Refused(
                "an OAuth token does not name its account: give the username too".into(),
            )
        })?;
        let user = self
            .user(&login, &["id", "login", "first_name", "last_name", "rank"])
            .await
            .map_err(|e| match e {
                BackendError::NotFound(_) => {
                    BackendError::NotSignedIn(format!("no member {login:?} on this community"))
                }
                other => other,
            })?;
        let id = user
            .id
            .clone()
            .map(UserId::new)
            .ok_or_else(|| BackendError::Malformed("the account has no id".into()))?;
        let roles = self.roles(&id).await?;
        let account = map::account(&user, &roles)?;
        *lock(&self.account) = Some(account.clone());
        Ok(account)
    }

    async fn categories(&self) -> Result<Vec<Category>> {
        let list: wire::ItemList<wire::Board> = self
            .query(
                &Liql::select(
                    &["id", "title", "description", "parent.id", "topics.count(*)"],
                    "boards",
                )
                .limit(liql::MAX_LIMIT),
                "boards",
            )
            .await?;
        Ok(list.items.iter().filter_map(map::category).collect())
    }

    async fn topics(&self, query: &QueueQuery) -> Result<TopicPage> {
        let list: wire::ItemList<wire::Message> =
            self.query(&queue_query(query), "topic list").await?;
        let mut topics: Vec<TopicSummary> = list
            .items
            .iter()
            .filter_map(|m| map::topic_summary(m, None))
            .collect();
        if query.view == QueueView::NeedsReply {
            let answered: Vec<&str> = topics
                .iter()
                .filter(|t| t.reply_count > 0)
                .map(|t| t.id.as_str())
                .collect();
            let posters = self.latest_posters(&answered).await?;
            for t in &mut topics {
                t.last_poster = posters.get(t.id.as_str()).cloned();
            }
        }
        topics.retain(|t| query.admits(t));
        Ok(TopicPage {
            topics,
            next: list
                .next_cursor
                .filter(|c| !c.is_empty())
                .map(PageToken::new),
            per_page: PAGE,
        })
    }

    async fn topics_by_id(&self, ids: &[TopicId]) -> Result<Vec<TopicSummary>> {
        let ids: Vec<&str> = ids.iter().map(TopicId::as_str).collect();
        self.summaries(&ids).await
    }

    async fn topic(&self, id: &TopicId) -> Result<Topic> {
        let messages = self.thread_messages(id).await?;
        map::topic(messages, id)
    }

    async fn search(&self, query: &SearchQuery) -> Result<SearchResults> {
        let text = query.text.trim();
        if text.is_empty() {
            return Err(BackendError::Refused(
                "type some words to search for".into(),
            ));
        }
        // The words in a body or a subject (AND binds tighter than OR: the board goes in both).
        let board = query
            .category
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty());
        let mut liql = Liql::select(&["id", "topic.id", "body"], "messages");
        for field in ["body", "subject"] {
            liql = liql.matches(field, text);
            if let Some(board) = board {
                liql = liql.eq("board.id", board);
            }
            liql = liql.or();
        }
        let page = query.page.clamp(1, 40);
        let list: wire::ItemList<wire::Message> = self
            .query(
                &liql
                    .order_by("post_time", Dir::Desc)
                    .limit(SEARCH_PAGE)
                    .offset((page - 1) * SEARCH_PAGE),
                "search",
            )
            .await?;
        let more = list.items.len() as u32 >= SEARCH_PAGE || list.next_cursor.is_some();
        let mut order: Vec<String> = Vec::new();
        let mut excerpts = Vec::new();
        for m in &list.items {
            let Some(topic) = m
                .topic
                .as_ref()
                .and_then(|t| t.id.clone())
                .or_else(|| m.id.clone())
            else {
                continue;
            };
            if !order.contains(&topic) {
                excerpts.push((
                    TopicId::new(topic.clone()),
                    map::excerpt(m.body.as_deref().unwrap_or("")),
                ));
                order.push(topic);
            }
        }
        let ids: Vec<&str> = order.iter().map(String::as_str).collect();
        let mut found = self.summaries(&ids).await?;
        found.sort_by_key(|t| order.iter().position(|o| o == t.id.as_str()));
        if let Some(view) = &query.view {
            found.retain(|t| view.holds(t) && (*view == QueueView::Latest || !t.closed));
        }
        excerpts.retain(|(id, _)| found.iter().any(|t| t.id == *id));
        Ok(SearchResults {
            topics: found,
            excerpts,
            more,
        })
    }

    async fn reply(&self, reply: &NewReply) -> Result<Sent> {
        let topic = &reply.topic_id;
        if reply.raw.trim().is_empty() {
            return Err(BackendError::Refused("the reply is empty".into()));
        }
        // The thread in order: the message to name as parent, the subject to echo and the
        // new message's number, in one bounded query.
        let list: wire::ItemList<wire::Message> = self
            .query(
                &Liql::select(&["id", "subject"], "messages")
                    .eq("topic.id", topic.as_str())
                    .order_by("post_time", Dir::Asc)
                    .limit(liql::MAX_LIMIT),
                "thread",
            )
            .await?;
        let ids: Vec<&wire::Message> = list.items.iter().filter(|m| m.id.is_some()).collect();
        if ids.is_empty() {
            return Err(BackendError::NotFound(format!("no thread {topic}")));
        }
        let parent = match reply.reply_to_post_number {
            Some(n) if n > 1 => ids
                .get(n as usize - 1)
                .and_then(|m| m.id.clone())
                .ok_or_else(|| BackendError::Refused(format!("thread {topic} has no post #{n}")))?,
            _ => topic.as_str().to_string(),
        };
        let root_subject = ids
            .iter()
            .find(|m| m.id.as_deref() == Some(topic.as_str()))
            .and_then(|m| m.subject.clone())
            .unwrap_or_default();
        let subject = format!("Re: {}", root_subject.trim_start_matches("Re: ").trim());
        let body = json!({"data": {
            "type": "message",
            "subject": subject,
            "body": compose_html(&reply.raw),
            "parent": {"id": parent},
        }});
        match self
            .client
            .write(Method::POST, "/api/2.0/messages", body)
            .await
        {
            Ok(data) => {
                let m: wire::Message = serde_json::from_value(data)
                    .map_err(|e| BackendError::Malformed(format!("the created message: {e}")))?;
                if matches!(
                    m.moderation_status.as_deref(),
                    Some("unmoderated" | "marked_undecided")
                ) {
                    return Ok(Sent::Queued);
                }
                let number = u32::try_from(ids.len() + 1).unwrap_or(u32::MAX);
                let mut post = map::created_post(&m, topic, number)?;
                post.reply_to_post_number = reply.reply_to_post_number.filter(|n| *n > 1);
                post.raw = Some(reply.raw.clone());
                Ok(Sent::Posted(post))
            }
            // The fate of the message is unknown: look before anyone sends it again.
            Err(
                e @ (BackendError::Network(_)
                | BackendError::Malformed(_)
                | BackendError::Server {
                    status: 502 | 504, ..
                }),
            ) => match self.find_own_reply(topic, &reply.raw).await {
                Ok(Some(post)) => Ok(Sent::Posted(post)),
                _ => Err(e),
            },
            Err(e) => Err(e),
        }
    }

    async fn find_own_reply(&self, topic: &TopicId, raw: &str) -> Result<Option<Post>> {
        let me = self.account().await?;
        let thread = self.topic(topic).await?;
        let want = map::plain_text(&compose_html(raw));
        Ok(thread.posts.into_iter().rev().find(|p| {
            p.author.username.eq_ignore_ascii_case(&me.username)
                && map::plain_text(&p.body_html) == want
        }))
    }

    async fn accept_solution(&self, post: &PostId) -> Result<()> {
        self.client
            .write(
                Method::POST,
                "/api/2.0/solutions_data",
                json!({"data": {"type": "solution_data", "message_id": post.as_str()}}),
            )
            .await
            .map(|_| ())
    }

    async fn like_post(&self, post: &PostId) -> Result<()> {
        self.give_kudo(post).await
    }

    async fn unaccept_solution(&self, _post: &PostId) -> Result<()> {
        Err(BackendError::Unsupported(
            "Khoros documents a call to accept a solution but none to take one back; do it in \
             the community's web UI"
                .into(),
        ))
    }

    async fn move_posts(
        &self,
        _topic: &TopicId,
        _posts: &[PostId],
        _to: &MoveDestination,
    ) -> Result<MoveResult> {
        Err(unsupported(&self.site.features.move_posts))
    }

    async fn move_topic(&self, _topic: &TopicId, _category: &CategoryId) -> Result<()> {
        Err(unsupported(&self.site.features.move_topics))
    }

    async fn badges(&self) -> Result<Vec<Badge>> {
        let list: wire::ItemList<wire::Badge> = self
            .query(
                &Liql::select(
                    &[
                        "id",
                        "title",
                        "description",
                        "icon_url",
                        "awarded",
                        "activation_date",
                    ],
                    "badges",
                )
                .limit(liql::MAX_LIMIT),
                "badges",
            )
            .await?;
        Ok(list.items.iter().filter_map(map::badge).collect())
    }

    async fn award_badge(&self, _award: &BadgeAward) -> Result<GrantedBadge> {
        Err(unsupported(&self.site.features.award_badges))
    }

    async fn board_part(&self, username: &str, part: BoardPart) -> Result<BoardData> {
        match part {
            BoardPart::Identity => {
                let user = self
                    .user(
                        username,
                        &[
                            "id",
                            "login",
                            "first_name",
                            "last_name",
                            "view_href",
                            "rank",
                            "registration_data",
                            "last_visit_time",
                            "user_badges",
                        ],
                    )
                    .await?;
                let id = user
                    .id
                    .clone()
                    .map(UserId::new)
                    .ok_or_else(|| BackendError::Malformed("the member has no id".into()))?;
                let role = map::role_of_roles(&self.roles(&id).await?);
                Ok(BoardData::Identity(map::member(&user, role)?))
            }
            BoardPart::Stats => {
                let user = self
                    .user(
                        username,
                        &[
                            "id",
                            "messages.count(*)",
                            "topics.count(*)",
                            "solutions_authored.count(*)",
                            "kudos_received.sum(weight)",
                            "kudos_given.sum(weight)",
                        ],
                    )
                    .await?;
                Ok(BoardData::Stats(map::stats(&user)))
            }
            BoardPart::Badges => {
                let user = self.user(username, &["id", "user_badges"]).await?;
                Ok(BoardData::Badges(map::granted_badges(&user)))
            }
            BoardPart::ForumActivity => {
                Ok(BoardData::Activity(self.forum_activity(username).await?))
            }
            BoardPart::LinkedChannels => {
                Ok(BoardData::Activity(self.linked_channels(username).await?))
            }
            BoardPart::PrivateMessages => Err(BackendError::Unsupported(
                "Khoros private messages (notes) are readable only by their owner".into(),
            )),
            BoardPart::Chat => Err(BackendError::Unsupported(
                "Khoros Community has no chat".into(),
            )),
            BoardPart::Moderation => Ok(BoardData::Moderation(self.moderation(username).await?)),
            BoardPart::PendingReviews => Err(unsupported(&self.site.features.review_queue)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(url: &str) -> KhorosOptions {
        KhorosOptions::new(
            url,
            Credentials::Password {
                username: "mod".into(),
                password: "s3cr3t-pass".into(),
            },
        )
    }

    #[test]
    fn secrets_never_show_in_debug() {
        let o = opts("https://community.example.com");
        let k = Khoros::new(o.clone()).expect("adapter");
        for text in [format!("{o:?}"), format!("{k:?}")] {
            assert!(!text.contains("s3cr3t"), "{text}");
        }
    }

    #[test]
    fn refuses_plain_http_to_remote_hosts() {
        assert!(matches!(
            Khoros::new(opts("http://community.example.com")),
            Err(BackendError::Refused(_))
        ));
        assert!(Khoros::new(opts("http://127.0.0.1:9")).is_ok());
    }

    #[test]
    fn queue_queries_per_view() {
        let q = |view: QueueView| {
            queue_query(&QueueQuery {
                view,
                ..QueueQuery::default()
            })
            .to_string()
        };
        let unanswered = q(QueueView::Unanswered);
        assert!(
            unanswered.contains(
                "WHERE depth = 0 AND replies.count(*) = 0 ORDER BY post_time ASC LIMIT 50"
            ),
            "{unanswered}"
        );
        assert!(
            q(QueueView::Unsolved).contains("conversation.solved = false ORDER BY post_time ASC")
        );
        assert!(q(QueueView::Latest)
            .contains("WHERE depth = 0 ORDER BY conversation.last_post_time DESC"));
        assert!(q(QueueView::NeedsReply).contains("ORDER BY conversation.last_post_time ASC"));
        let paged = queue_query(&QueueQuery {
            category: Some("o'brien".into()),
            page: Some(PageToken::new("abc")),
            ..QueueQuery::default()
        })
        .to_string();
        assert!(paged.contains(r"board.id = 'o\'brien'"), "{paged}");
        assert!(paged.ends_with("LIMIT 50 CURSOR 'abc'"), "{paged}");
    }

    #[test]
    fn missing_features_say_why() {
        let site = site_info("https://c.example.com", "c".into());
        assert!(site
            .features
            .award_badges
            .reason()
            .is_some_and(|r| r.contains("by rules")));
        assert!(site
            .features
            .move_posts
            .reason()
            .is_some_and(|r| r.contains("moveMessage")));
        assert!(site.features.accept_solution.is_available());
    }
}
