//! The Discourse adapter: HTTP client ([`client`]), wire types (`wire`), their mapping to domain
//! types (`map`), the public decoders ([`decode`]) the client uses, and the live feed and reply
//! presence (`live`, reference §14).
//!
//! Queue views, as Discourse is asked for them (all `/latest.json`, filtered again on this side
//! in case the server ignores a parameter):
//! - unanswered: `max_posts=1&status=open`, kept if `posts_count <= 1` and open;
//! - unsolved: `solved=no&status=open`, kept if it has no accepted answer and is open;
//! - latest: `order=activity`, nothing dropped;
//! - needs-reply: `status=open&order=activity&ascending=true`, kept if unanswered or the last
//!   poster is the author (`TopicSummary::awaits_follow_up`): its last post is the member's,
//!   so the oldest activity is the longest wait. A page may hold fewer topics than `per_page`;
//!   paging still follows the server's `more_topics_url`.
//!
//! Page tokens are Discourse's 0-based `page` numbers as text. Lookups by id use
//! `/latest.json?topic_ids=…` (one request for a batch of topics, reference §2.1).

pub mod client;
pub mod decode;
mod edits;
mod flags;
mod live;
mod map;
pub mod review;
mod user_api_key;
mod wire;

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use reqwest::Method;
use serde_json::json;

use self::client::{seg, Client};
use crate::backend::governor::{Governor, Limits};
use crate::backend::{Backend, BackendError, LiveFeed, Result, SearchQuery, SearchResults};
use crate::domain::*;

pub use map::{capabilities as capabilities_for_role, rank_of};

/// How the console signs in. `Debug` never shows a key.
#[derive(Clone, PartialEq, Eq)]
pub enum Credentials {
    /// An admin-created (global or single-user) key, acting as `username`.
    ApiKey { key: String, username: String },
    /// A user API key (the member's own rights), optionally with its client id.
    UserApiKey {
        key: String,
        client_id: Option<String>,
    },
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credentials::ApiKey { username, .. } => f
                .debug_struct("ApiKey")
                .field("key", &"<redacted>")
                .field("username", username)
                .finish(),
            Credentials::UserApiKey { client_id, .. } => f
                .debug_struct("UserApiKey")
                .field("key", &"<redacted>")
                .field("client_id", client_id)
                .finish(),
        }
    }
}

impl Credentials {
    /// Discourse's default limits for this kind of key (reference §1.4).
    pub fn default_limits(&self) -> Limits {
        match self {
            Credentials::ApiKey { .. } => Limits::admin_key(),
            Credentials::UserApiKey { .. } => Limits::user_key(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct DiscourseOptions {
    /// Site URL, e.g. `https://forum.example.com` (a trailing slash is fine).
    pub base_url: String,
    pub credentials: Credentials,
    /// Allow `http://` to hosts other than loopback. Off by default: keys would travel in clear.
    pub allow_insecure_http: bool,
    /// Per-request timeout.
    pub timeout: Duration,
    /// How often an idempotent read is retried after a transient failure or a 429.
    pub max_read_retries: u32,
    /// The request budget (by default from the kind of key).
    pub limits: Limits,
    /// What the status bar calls the site (by default its host).
    pub title: Option<String>,
}

impl DiscourseOptions {
    pub fn new(base_url: impl Into<String>, credentials: Credentials) -> Self {
        DiscourseOptions {
            base_url: base_url.into(),
            limits: credentials.default_limits(),
            credentials,
            allow_insecure_http: false,
            timeout: Duration::from_secs(20),
            max_read_retries: 3,
            title: None,
        }
    }
}

/// Posts fetched per `/t/{id}/posts.json` request.
const POST_BATCH: usize = 20;
/// Topics asked for per `/latest.json?topic_ids=` request (one page).
const TOPIC_BATCH: usize = 30;
/// Chat channels scanned for a member's messages (one request each).
const MAX_CHAT_CHANNELS: usize = 25;
/// Recent posts inspected when checking whether a reply was created after all.
const REPLY_CHECK_POSTS: usize = 10;

/// How long a read of a member's badges stands for what they hold, before an award (see
/// `grant_badge`): the board's read is this recent when its `b` is pressed, so the award costs
/// no read of its own.
const HELD_GRANTS_FRESH: Duration = Duration::from_secs(300);

/// The ids of a member's badge grants: those a read listed, and those awards added since.
#[derive(Debug)]
struct HeldGrants {
    /// When the latest read of them was sent.
    read_at: Instant,
    ids: BTreeSet<u64>,
}

pub struct Discourse {
    client: Arc<Client>,
    site: SiteInfo,
    /// `Api-Username` of an admin key; user API keys learn it from `whoami`.
    api_username: Option<String>,
    /// Shared with the live feed, which needs the account's id.
    account: Arc<Mutex<Option<Account>>>,
    user_ids: Mutex<HashMap<String, UserId>>,
    /// Member fetches in flight: the board's parts load together and several need the member
    /// (its id), so they share one `/u/{name}.json` instead of each asking.
    member_loads: Mutex<HashMap<String, Arc<tokio::sync::OnceCell<Result<Member>>>>>,
    /// `/site.json`'s flag types, read once (they change with the site's settings only).
    flag_types: Mutex<Option<Vec<FlagType>>>,
    /// Each member's badge grants as last read (by lowercased name), for telling an award's
    /// new grant from one they had.
    held_grants: Mutex<HashMap<String, HeldGrants>>,
}

impl fmt::Debug for Discourse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Discourse")
            .field("site_url", &self.client.base())
            .field("api_username", &self.api_username)
            .field("key", &"<redacted>")
            .finish()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// What a Discourse site is, for the console: its links, markup, limits and operations.
pub fn site_info(base_url: &str, title: String) -> SiteInfo {
    SiteInfo {
        platform: "discourse".into(),
        title,
        base_url: base_url.to_string(),
        topic_link: "{base}/t/{slug}/{id}".into(),
        post_link: "{base}/t/{slug}/{id}/{number}".into(),
        member_link: "{base}/u/{username}".into(),
        markup: Markup::Markdown,
        quote: "[quote=\"{username}, post:{number}, topic:{topic}\"]\n{text}\n[/quote]\n".into(),
        // `min_post_length` and `min_topic_title_length` defaults (reference §4).
        min_reply_chars: 20,
        min_title_chars: 15,
        features: Features::all(),
    }
}

fn order_params(order: TopicOrder, out: &mut Vec<(&'static str, String)>) {
    match order {
        TopicOrder::OldestFirst => {
            out.push(("order", "created".into()));
            out.push(("ascending", "true".into()));
        }
        TopicOrder::NewestFirst => out.push(("order", "created".into())),
        TopicOrder::Activity => out.push(("order", "activity".into())),
        TopicOrder::Likes => out.push(("order", "likes".into())),
        TopicOrder::Replies => out.push(("order", "posts".into())),
    }
}

/// An id as Discourse's JSON carries it: a number (Discourse ids are integers).
fn num(id: &str) -> serde_json::Value {
    id.parse::<u64>()
        .map(|n| json!(n))
        .unwrap_or_else(|_| json!(id))
}

/// The 0-based Discourse page a token names (a token that is not a number is page 0).
fn page_number(token: Option<&PageToken>) -> u32 {
    token
        .and_then(|t| t.as_str().parse::<u32>().ok())
        .unwrap_or(0)
}

/// Query parameters of `/latest.json` for a queue request.
pub fn list_params(q: &QueueQuery) -> Vec<(&'static str, String)> {
    let mut p: Vec<(&'static str, String)> = Vec::new();
    let mut status: Option<&'static str> = Some("open");
    let mut solved: Option<&'static str> = None;
    match q.view {
        QueueView::Unanswered => p.push(("max_posts", "1".into())),
        QueueView::Unsolved => solved = Some("no"),
        QueueView::Latest => status = None,
        QueueView::NeedsReply => {}
    }
    match (&q.view, q.order) {
        // The member's last post is the topic's last activity: oldest activity waits longest.
        (QueueView::NeedsReply, TopicOrder::OldestFirst) => {
            p.push(("order", "activity".into()));
            p.push(("ascending", "true".into()));
        }
        (QueueView::Latest, TopicOrder::OldestFirst) => order_params(TopicOrder::Activity, &mut p),
        (_, order) => order_params(order, &mut p),
    }
    match q.status {
        Some(TopicStatus::Open) => status = Some("open"),
        Some(TopicStatus::Closed) => status = Some("closed"),
        Some(TopicStatus::Archived) => status = Some("archived"),
        Some(TopicStatus::Solved) => solved = Some("yes"),
        Some(TopicStatus::Unsolved) => solved = Some("no"),
        None => {}
    }
    if let Some(s) = status {
        p.push(("status", s.into()));
    }
    if let Some(s) = solved {
        p.push(("solved", s.into()));
    }
    if let Some(c) = q
        .category
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        p.push(("category", c.into()));
    }
    for t in &q.tags {
        p.push(("tags[]", t.clone()));
    }
    let page = page_number(q.page.as_ref());
    if page > 0 {
        p.push(("page", page.to_string()));
    }
    p
}

/// The client-side half of a queue view (the server may ignore a parameter).
pub fn keep_in_view(q: &QueueQuery, t: &TopicSummary) -> bool {
    q.admits(t)
}

/// Discourse search syntax for a neutral search (reference §2.3).
pub fn search_terms(q: &SearchQuery) -> String {
    let mut terms = vec![q.text.trim().to_string()];
    match q.view {
        Some(QueueView::Unanswered) => {
            terms.push("status:open".into());
            terms.push("status:noreplies".into());
        }
        Some(QueueView::Unsolved) => {
            terms.push("status:open".into());
            terms.push("status:unsolved".into());
        }
        Some(QueueView::NeedsReply) => terms.push("status:open".into()),
        Some(QueueView::Latest) | None => {}
    }
    if let Some(c) = q.category.as_deref().filter(|c| !c.trim().is_empty()) {
        terms.push(format!("category:{}", c.trim()));
    }
    terms.retain(|t| !t.is_empty());
    terms.join(" ")
}

impl Discourse {
    pub fn new(opts: DiscourseOptions) -> Result<Discourse> {
        let governor = Arc::new(Governor::new(opts.limits.clone()));
        let client = Client::new(&opts, governor)?;
        let api_username = match &opts.credentials {
            Credentials::ApiKey { username, .. } => Some(username.clone()),
            Credentials::UserApiKey { .. } => None,
        };
        let base = client.base().to_string();
        let title = opts.title.clone().unwrap_or_else(|| {
            reqwest::Url::parse(&base)
                .ok()
                .and_then(|u| u.host_str().map(str::to_owned))
                .unwrap_or_else(|| base.clone())
        });
        Ok(Discourse {
            site: site_info(&base, title),
            client: Arc::new(client),
            api_username,
            account: Arc::new(Mutex::new(None)),
            user_ids: Mutex::new(HashMap::new()),
            member_loads: Mutex::new(HashMap::new()),
            flag_types: Mutex::new(None),
            held_grants: Mutex::new(HashMap::new()),
        })
    }

    /// Notes the ids of a member's grants that a read sent at `read_at` listed. Grant ids are
    /// never reused, so they are added to what is known rather than replacing it: a read
    /// answered late cannot hide a grant an award made meanwhile.
    fn note_held_grants(&self, username: &str, read_at: Instant, ids: Vec<u64>) {
        let mut held = lock(&self.held_grants);
        let entry = held
            .entry(username.to_lowercase())
            .or_insert_with(|| HeldGrants {
                read_at,
                ids: BTreeSet::new(),
            });
        entry.read_at = entry.read_at.max(read_at);
        entry.ids.extend(ids);
    }

    /// The ids of a member's grants, from a read sent within [`HELD_GRANTS_FRESH`].
    fn fresh_held_grants(&self, username: &str) -> Option<BTreeSet<u64>> {
        lock(&self.held_grants)
            .get(&username.to_lowercase())
            .filter(|h| h.read_at.elapsed() < HELD_GRANTS_FRESH)
            .map(|h| h.ids.clone())
    }

    /// An award's grant (its id): the member holds it now. Noted only beside a read of their
    /// grants, which says what else they hold.
    fn note_granted(&self, username: &str, id: u64) {
        if let Some(h) = lock(&self.held_grants).get_mut(&username.to_lowercase()) {
            h.ids.insert(id);
        }
    }

    /// `/user-badges/{u}.json`, its body; the ids of the grants it lists are noted.
    async fn read_user_badges(&self, username: &str) -> Result<Vec<u8>> {
        let read_at = Instant::now();
        let body = self
            .client
            .get(&format!("/user-badges/{}.json", seg(username)), &[])
            .await?;
        if let Ok(ids) = decode::user_badge_ids(&body) {
            self.note_held_grants(username, read_at, ids);
        }
        Ok(body)
    }

    /// `POST /user_badges.json`: the award itself, its answer's body.
    async fn post_grant(&self, award: &BadgeAward) -> Result<Vec<u8>> {
        let mut body =
            json!({ "username": award.username, "badge_id": num(award.badge_id.as_str()) });
        if let Some(r) = award.reason.as_deref().filter(|r| !r.trim().is_empty()) {
            body["reason"] = json!(r);
        }
        self.client
            .send(Method::POST, "/user_badges.json", &body)
            .await
    }

    /// The signed-in account, asked once and then remembered.
    async fn account(&self) -> Result<Account> {
        if let Some(a) = lock(&self.account).clone() {
            return Ok(a);
        }
        self.whoami().await
    }

    async fn user_id(&self, username: &str) -> Result<UserId> {
        let key = username.to_lowercase();
        if let Some(id) = lock(&self.user_ids).get(&key).cloned() {
            return Ok(id);
        }
        Ok(self.member(username).await?.id)
    }

    async fn member(&self, username: &str) -> Result<Member> {
        let key = username.to_lowercase();
        let cell = lock(&self.member_loads)
            .entry(key.clone())
            .or_default()
            .clone();
        // The answer, failure included: callers waiting on one read share its outcome
        // instead of each retrying a failing read in turn.
        let result = cell
            .get_or_init(|| self.fetch_member(username))
            .await
            .clone();
        // Done: whoever asks next (a refresh) asks the site again.
        let mut loads = lock(&self.member_loads);
        if loads.get(&key).is_some_and(|c| Arc::ptr_eq(c, &cell)) {
            loads.remove(&key);
        }
        result
    }

    async fn fetch_member(&self, username: &str) -> Result<Member> {
        let body = self
            .client
            .get(&format!("/u/{}.json", seg(username)), &[])
            .await?;
        let m = decode::member(&body, self.client.base())?;
        lock(&self.user_ids).insert(username.to_lowercase(), m.id.clone());
        Ok(m)
    }

    async fn fetch_posts(&self, topic: &TopicId, ids: &[PostId], raw: bool) -> Result<Vec<Post>> {
        let mut out = Vec::new();
        for chunk in ids.chunks(POST_BATCH) {
            let mut q: Vec<(&str, String)> = chunk
                .iter()
                .map(|id| ("post_ids[]", id.to_string()))
                .collect();
            if raw {
                q.push(("include_raw", "true".into()));
            }
            let body = self
                .client
                .get(&format!("/t/{}/posts.json", seg(topic.as_str())), &q)
                .await?;
            let mut posts = decode::posts(&body)?;
            for p in &mut posts {
                if p.topic_id.as_str().is_empty() {
                    p.topic_id = topic.clone();
                }
            }
            out.extend(posts);
        }
        Ok(out)
    }

    async fn forum_activity(&self, username: &str) -> Result<Vec<Activity>> {
        // Topics, replies, likes given and solutions (15) in one request.
        let body = self
            .client
            .get(
                "/user_actions.json",
                &[
                    ("username", username.to_owned()),
                    ("filter", "1,4,5,15".into()),
                ],
            )
            .await?;
        let mut items = decode::user_actions(&body)?;
        items.sort_by_key(|b| std::cmp::Reverse(b.at));
        Ok(items)
    }

    async fn private_messages(&self, username: &str) -> Result<Vec<Activity>> {
        const WHO: &str = "private messages are visible to admins only";
        let me = self.account().await?;
        if me.role != Role::Admin && !me.username.eq_ignore_ascii_case(username) {
            return Err(BackendError::Forbidden(WHO.into()));
        }
        let body = self
            .client
            .get(
                &format!("/topics/private-messages/{}.json", seg(username)),
                &[],
            )
            .await
            .map_err(|e| match e {
                BackendError::Forbidden(_) => BackendError::Forbidden(WHO.into()),
                other => other,
            })?;
        let mut items = decode::private_messages(&body)?;
        items.sort_by_key(|b| std::cmp::Reverse(b.at));
        Ok(items)
    }

    async fn chat(&self, username: &str) -> Result<Vec<Activity>> {
        let body = match self.client.get("/chat/api/channels.json", &[]).await {
            Ok(b) => b,
            Err(BackendError::NotFound(_)) => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        let channels = decode::chat_channels(&body)?;
        // Every channel at once: the board waits for the slowest, not for the sum.
        let reads = channels
            .into_iter()
            .take(MAX_CHAT_CHANNELS)
            .map(|(id, title)| async move {
                let result = self
                    .client
                    .get(
                        &format!("/chat/api/channels/{id}/messages.json"),
                        &[("page_size", "50".into()), ("direction", "past".into())],
                    )
                    .await;
                (title, result)
            });
        let mut items = Vec::new();
        for (title, result) in futures_util::future::join_all(reads).await {
            let body = match result {
                Ok(b) => b,
                // A channel this account may not read, or one that went away meanwhile.
                Err(BackendError::NotFound(_) | BackendError::Forbidden(_)) => continue,
                Err(e) => return Err(e),
            };
            items.extend(decode::chat_messages(&body, &title, username)?);
        }
        items.sort_by_key(|b| std::cmp::Reverse(b.at));
        Ok(items)
    }

    async fn require_staff(&self, what: &str) -> Result<()> {
        if !self.account().await?.role.is_staff() {
            return Err(BackendError::Forbidden(format!(
                "{what} is visible to staff (admins and moderators) only"
            )));
        }
        Ok(())
    }

    async fn moderation(&self, username: &str) -> Result<MemberModeration> {
        self.require_staff("the moderation record").await?;
        let id = self.user_id(username).await?;
        let body = self
            .client
            .get(&format!("/admin/users/{}.json", seg(id.as_str())), &[])
            .await?;
        decode::admin_moderation(&body)
    }

    async fn pending_reviews(&self, username: &str) -> Result<Vec<ReviewItem>> {
        self.require_staff("the review queue").await?;
        let body = self
            .client
            .get("/review.json", &[("username", username.to_owned())])
            .await?;
        decode::reviews(&body)
    }
}

#[async_trait]
impl Backend for Discourse {
    fn site(&self) -> &SiteInfo {
        &self.site
    }

    fn governor(&self) -> &Governor {
        self.client.governor()
    }

    async fn whoami(&self) -> Result<Account> {
        let account = match self.client.get("/session/current.json", &[]).await {
            Ok(body) => decode::current_user(&body),
            Err(e) => Err(e),
        };
        let account = match (account, &self.api_username) {
            (Ok(a), _) => a,
            (Err(e @ (BackendError::NotSignedIn(_) | BackendError::RateLimited { .. })), _) => {
                return Err(e)
            }
            (Err(_), Some(username)) => {
                let body = self
                    .client
                    .get(&format!("/u/{}.json", seg(username)), &[])
                    .await?;
                decode::account_from_user(&body)?
            }
            (Err(e), None) => return Err(e),
        };
        lock(&self.user_ids).insert(account.username.to_lowercase(), account.id.clone());
        *lock(&self.account) = Some(account.clone());
        Ok(account)
    }

    async fn categories(&self) -> Result<Vec<Category>> {
        let body = self
            .client
            .get(
                "/categories.json",
                &[("include_subcategories", "true".into())],
            )
            .await?;
        decode::categories(&body)
    }

    async fn topics(&self, query: &QueueQuery) -> Result<TopicPage> {
        let body = self.client.get("/latest.json", &list_params(query)).await?;
        let list = map::topic_list(map::parse(&body, "topic list")?)?;
        let mut page = list.page;
        page.topics.retain(|t| keep_in_view(query, t));
        let current = page_number(query.page.as_ref());
        page.next = list
            .more_topics_url
            .is_some()
            .then(|| PageToken::from(u64::from(current.saturating_add(1))));
        Ok(page)
    }

    async fn topics_by_id(&self, ids: &[TopicId]) -> Result<Vec<TopicSummary>> {
        let mut out = Vec::new();
        for chunk in ids.chunks(TOPIC_BATCH) {
            let list: Vec<&str> = chunk.iter().map(TopicId::as_str).collect();
            let body = self
                .client
                .get(
                    "/latest.json",
                    &[
                        ("topic_ids", list.join(",")),
                        ("per_page", TOPIC_BATCH.to_string()),
                    ],
                )
                .await?;
            let page = map::topic_list(map::parse(&body, "topic list")?)?.page;
            out.extend(page.topics.into_iter().filter(|t| chunk.contains(&t.id)));
        }
        Ok(out)
    }

    async fn topic(&self, id: &TopicId) -> Result<Topic> {
        let body = self
            .client
            .get(&format!("/t/{}.json", seg(id.as_str())), &[])
            .await?;
        let (mut topic, missing, stream) = decode::topic_with_rest(&body, self.client.base())?;
        if !missing.is_empty() {
            let rest = self.fetch_posts(id, &missing, false).await?;
            topic.posts.extend(rest);
            map::order_posts(&mut topic.posts, &stream);
        }
        // The authors' ids, so a board opened from this thread needs no lookup for them.
        let mut ids = lock(&self.user_ids);
        for p in &topic.posts {
            if let Some(id) = &p.author.id {
                ids.entry(p.author.username.to_lowercase())
                    .or_insert_with(|| id.clone());
            }
        }
        drop(ids);
        Ok(topic)
    }

    async fn search(&self, query: &SearchQuery) -> Result<SearchResults> {
        let mut params = vec![("q", search_terms(query))];
        if query.page > 1 {
            params.push(("page", query.page.min(10).to_string()));
        }
        let body = self.client.get("/search.json", &params).await?;
        decode::search(&body)
    }

    async fn reply(&self, reply: &NewReply) -> Result<Sent> {
        let topic_number: u64 = reply
            .topic_id
            .as_str()
            .parse()
            .map_err(|_| BackendError::Refused(format!("no topic {}", reply.topic_id)))?;
        let mut body = json!({ "topic_id": topic_number, "raw": reply.raw });
        if let Some(n) = reply.reply_to_post_number {
            body["reply_to_post_number"] = json!(n);
        }
        match self.client.send(Method::POST, "/posts.json", &body).await {
            Ok(resp) => decode::created_post(&resp),
            // The fate of the post is unknown: look before anyone sends it again.
            Err(
                e @ (BackendError::Network(_)
                | BackendError::Malformed(_)
                | BackendError::Server {
                    status: 502 | 504, ..
                }),
            ) => match self.find_own_reply(&reply.topic_id, &reply.raw).await {
                Ok(Some(post)) => Ok(Sent::Posted(post)),
                _ => Err(e),
            },
            Err(e) => Err(e),
        }
    }

    async fn find_own_reply(&self, topic: &TopicId, raw: &str) -> Result<Option<Post>> {
        let me = match &self.api_username {
            Some(u) => u.clone(),
            None => self.account().await?.username,
        };
        let body = self
            .client
            .get(&format!("/t/{}.json", seg(topic.as_str())), &[])
            .await?;
        let (topic_read, _, stream) = decode::topic_with_rest(&body, self.client.base())?;
        let ids: Vec<PostId> = if stream.is_empty() {
            topic_read.posts.iter().map(|p| p.id.clone()).collect()
        } else {
            stream
        };
        let start = ids.len().saturating_sub(REPLY_CHECK_POSTS);
        let recent = ids.get(start..).unwrap_or_default();
        let posts = self.fetch_posts(topic, recent, true).await?;
        let want = raw.trim();
        Ok(posts.into_iter().rev().find(|p| {
            p.author.username.eq_ignore_ascii_case(&me)
                && p.raw.as_deref().map(str::trim) == Some(want)
        }))
    }

    async fn accept_solution(&self, post: &PostId) -> Result<()> {
        let body = self
            .client
            .send(
                Method::POST,
                "/solution/accept.json",
                &json!({ "id": num(post.as_str()) }),
            )
            .await?;
        decode::write_ack(&body, "accept the solution")
    }

    async fn unaccept_solution(&self, post: &PostId) -> Result<()> {
        let body = self
            .client
            .send(
                Method::POST,
                "/solution/unaccept.json",
                &json!({ "id": num(post.as_str()) }),
            )
            .await?;
        decode::write_ack(&body, "unaccept the solution")
    }

    async fn move_posts(
        &self,
        topic: &TopicId,
        posts: &[PostId],
        to: &MoveDestination,
    ) -> Result<MoveResult> {
        if posts.is_empty() {
            return Err(BackendError::Refused("no posts selected to move".into()));
        }
        let ids: Vec<serde_json::Value> = posts.iter().map(|p| num(p.as_str())).collect();
        let mut body = json!({ "post_ids": ids });
        match to {
            MoveDestination::ExistingTopic(dest) => {
                body["destination_topic_id"] = num(dest.as_str())
            }
            MoveDestination::NewTopic { title, category_id } => {
                body["title"] = json!(title);
                if let Some(c) = category_id {
                    body["category_id"] = num(c.as_str());
                }
            }
        }
        let resp = self
            .client
            .send(
                Method::POST,
                &format!("/t/{}/move-posts.json", seg(topic.as_str())),
                &body,
            )
            .await?;
        decode::move_result(&resp, self.client.base())
    }

    async fn move_topic(&self, topic: &TopicId, category: &CategoryId) -> Result<()> {
        let body = self
            .client
            .send(
                Method::PUT,
                &format!("/t/-/{}.json", seg(topic.as_str())),
                &json!({ "category_id": num(category.as_str()) }),
            )
            .await?;
        decode::write_ack(&body, "move the topic")
    }

    async fn badges(&self) -> Result<Vec<Badge>> {
        let body = self.client.get("/badges.json", &[]).await?;
        decode::badges(&body)
    }

    async fn award_badge(&self, award: &BadgeAward) -> Result<GrantedBadge> {
        decode::granted_badge(&self.post_grant(award).await?)
    }

    /// Discourse answers an award it does not make (a badge that can be held once and is
    /// held, or a grant for a post that already has one) with the member's existing grant,
    /// unchanged and with its old time: the answer alone cannot tell. So its grant's id is
    /// looked up among the member's grants as the server listed them before the award: the
    /// board's read of them when it is recent (the usual case, `b` on a post or a board: no
    /// request more), else a read of its own first. A grant among them is nothing granted.
    /// When that read fails the award is still sent, and its outcome is `Unconfirmed`.
    async fn grant_badge(&self, award: &BadgeAward) -> Result<BadgeGrant> {
        let mut held_before = self.fresh_held_grants(&award.username);
        if held_before.is_none() {
            match self.read_user_badges(&award.username).await {
                Ok(_) => held_before = self.fresh_held_grants(&award.username),
                Err(e) => tracing::debug!("the member's badges before an award: {e}"),
            }
        }
        let resp = self.post_grant(award).await?;
        let (grant, id) =
            map::badge_grant(map::parse(&resp, "badge grant")?, held_before.as_ref())?;
        if let Some(id) = id {
            self.note_granted(&award.username, id);
        }
        Ok(grant)
    }

    async fn board_part(&self, username: &str, part: BoardPart) -> Result<BoardData> {
        match part {
            BoardPart::Identity => Ok(BoardData::Identity(self.member(username).await?)),
            BoardPart::Stats => {
                let body = self
                    .client
                    .get(&format!("/u/{}/summary.json", seg(username)), &[])
                    .await?;
                Ok(BoardData::Stats(decode::user_summary(&body)?))
            }
            BoardPart::Badges => {
                let body = self.read_user_badges(username).await?;
                Ok(BoardData::Badges(decode::user_badges(&body)?))
            }
            BoardPart::ForumActivity => {
                Ok(BoardData::Activity(self.forum_activity(username).await?))
            }
            BoardPart::PrivateMessages => {
                Ok(BoardData::Activity(self.private_messages(username).await?))
            }
            BoardPart::Chat => Ok(BoardData::Activity(self.chat(username).await?)),
            BoardPart::Moderation => Ok(BoardData::Moderation(self.moderation(username).await?)),
            BoardPart::PendingReviews => {
                Ok(BoardData::Reviews(self.pending_reviews(username).await?))
            }
            BoardPart::LinkedChannels => Err(BackendError::Unsupported(
                "Discourse has no social channels; linked logins are in the moderation record"
                    .into(),
            )),
        }
    }

    fn live_feed(&self, client_id: &str) -> Option<Box<dyn LiveFeed>> {
        Some(Box::new(live::Feed::new(
            self.client.clone(),
            client_id,
            self.api_username.clone(),
            self.account.clone(),
        )))
    }

    async fn replying(&self, topic: &TopicId) -> Result<Vec<String>> {
        live::replying_in(&self.client, topic).await
    }

    async fn set_replying(&self, topic: &TopicId, replying: bool, client_id: &str) -> Result<()> {
        live::announce_replying(&self.client, topic, replying, client_id).await
    }

    async fn review_queue(&self, query: &ReviewQuery) -> Result<ReviewPage> {
        review::queue(&self.client, query).await
    }

    async fn review_item(&self, id: &ReviewId) -> Result<Reviewable> {
        review::item(&self.client, id).await
    }

    async fn perform_review(
        &self,
        id: &ReviewId,
        action: &str,
        version: u64,
    ) -> Result<PerformResult> {
        review::perform(&self.client, id, action, version).await
    }

    async fn flag_types(&self) -> Result<Vec<FlagType>> {
        if let Some(types) = lock(&self.flag_types).clone() {
            return Ok(types);
        }
        let types = flags::flag_types(&self.client).await?;
        *lock(&self.flag_types) = Some(types.clone());
        Ok(types)
    }

    async fn flag_post(&self, post: &PostId, flag: &FlagType, message: Option<&str>) -> Result<()> {
        flags::flag(&self.client, post, flag, message).await
    }

    async fn like_post(&self, post: &PostId) -> Result<()> {
        flags::like(&self.client, post).await
    }

    async fn post_source(&self, post: &PostId) -> Result<String> {
        edits::source(&self.client, post).await
    }

    async fn edit_post(&self, post: &PostId, raw: &str, reason: Option<&str>) -> Result<Post> {
        edits::edit(&self.client, post, raw, reason).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(url: &str) -> DiscourseOptions {
        DiscourseOptions::new(
            url,
            Credentials::ApiKey {
                key: "s3cr3t-key-abcdef".into(),
                username: "mod".into(),
            },
        )
    }

    #[test]
    fn keys_never_show_in_debug() {
        let o = opts("https://forum.example.com");
        let d = Discourse::new(o.clone()).expect("client");
        for text in [
            format!("{o:?}"),
            format!("{d:?}"),
            format!("{:?}", o.credentials),
        ] {
            assert!(!text.contains("s3cr3t"), "{text}");
            assert!(text.contains("redacted"), "{text}");
        }
        let u = Credentials::UserApiKey {
            key: "userkey-999".into(),
            client_id: Some("cid".into()),
        };
        assert!(!format!("{u:?}").contains("userkey-999"));
    }

    #[test]
    fn refuses_plain_http_to_remote_hosts() {
        let err = Discourse::new(opts("http://forum.example.com")).expect_err("must refuse");
        assert!(matches!(err, BackendError::Refused(_)));
        assert!(!err.to_string().contains("s3cr3t"));
        assert!(Discourse::new(opts("http://127.0.0.1:9")).is_ok());
        assert!(Discourse::new(opts("http://localhost:9")).is_ok());
        assert!(Discourse::new(opts("http://[::1]:9")).is_ok());
        let mut o = opts("http://forum.example.com");
        o.allow_insecure_http = true;
        assert!(Discourse::new(o).is_ok());
    }

    #[test]
    fn bad_header_characters_do_not_echo_the_key() {
        let o = DiscourseOptions::new(
            "https://forum.example.com",
            Credentials::ApiKey {
                key: "s3cr3t\nkey".into(),
                username: "mod".into(),
            },
        );
        let err = Discourse::new(o).expect_err("newline in key");
        assert!(!err.to_string().contains("s3cr3t"));
    }

    #[test]
    fn the_key_kind_sets_the_budget() {
        let admin = opts("https://forum.example.com");
        assert_eq!(admin.limits.per_minute, 60);
        assert_eq!(admin.limits.per_day, None);
        let user = DiscourseOptions::new(
            "https://forum.example.com",
            Credentials::UserApiKey {
                key: "k".into(),
                client_id: None,
            },
        );
        assert_eq!(user.limits.per_minute, 20);
        assert_eq!(user.limits.per_day, Some(2880));
    }

    #[test]
    fn site_links_and_quotes() {
        let d = Discourse::new(opts("https://forum.example.com/")).expect("client");
        let site = d.site();
        assert_eq!(site.title, "forum.example.com");
        let topic = TopicSummary {
            id: TopicId::from(42),
            title: "t".into(),
            slug: "wi-fi drops".into(),
            category_id: None,
            created_at: chrono::Utc::now(),
            last_posted_at: None,
            author: None,
            last_poster: None,
            posts_count: 1,
            reply_count: 0,
            like_count: 0,
            views: 0,
            has_accepted_answer: false,
            closed: false,
            archived: false,
            pinned: false,
            tags: vec![],
        };
        assert_eq!(
            site.topic_link(&topic),
            "https://forum.example.com/t/wi-fi%20drops/42"
        );
        assert_eq!(
            site.member_link("bad\u{1b}]0;x"),
            "https://forum.example.com/u/bad%1B%5D0%3Bx"
        );
        assert_eq!(
            site.resolve_link("/t/x/1"),
            Some("https://forum.example.com/t/x/1".into())
        );
        for hostile in [
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            "file:///etc/passwd",
            "ssh://host",
            "vbscript:x",
            "data:text/html,x",
        ] {
            assert_eq!(site.resolve_link(hostile), None, "{hostile}");
        }
        assert_eq!(
            site.resolve_link("mailto:help@example.com"),
            Some("mailto:help@example.com".into())
        );
    }

    #[test]
    fn queue_params() {
        let q = QueueQuery::default();
        let p = list_params(&q);
        let has = |k: &str, v: &str| p.iter().any(|(pk, pv)| *pk == k && pv == v);
        assert!(has("max_posts", "1"));
        assert!(has("status", "open"));
        assert!(has("order", "created"));
        assert!(has("ascending", "true"));

        let q = QueueQuery {
            view: QueueView::Unsolved,
            category: Some("support".into()),
            tags: vec!["wifi".into()],
            page: Some(PageToken::from(2)),
            ..QueueQuery::default()
        };
        let p = list_params(&q);
        let has = |k: &str, v: &str| p.iter().any(|(pk, pv)| *pk == k && pv == v);
        assert!(has("solved", "no"));
        assert!(has("status", "open"));
        assert!(has("category", "support"));
        assert!(has("tags[]", "wifi"));
        assert!(has("page", "2"));

        let q = QueueQuery {
            view: QueueView::Latest,
            ..QueueQuery::default()
        };
        let p = list_params(&q);
        assert!(p.iter().any(|(k, v)| *k == "order" && v == "activity"));
        assert!(!p.iter().any(|(k, _)| *k == "status"));

        // Needs-reply: the longest wait (oldest activity) first.
        let q = QueueQuery {
            view: QueueView::NeedsReply,
            ..QueueQuery::default()
        };
        let p = list_params(&q);
        let has = |k: &str, v: &str| p.iter().any(|(pk, pv)| *pk == k && pv == v);
        assert!(
            has("order", "activity") && has("ascending", "true"),
            "{p:?}"
        );
    }

    #[test]
    fn search_terms_carry_the_view() {
        let q = SearchQuery {
            text: "router wifi".into(),
            view: Some(QueueView::Unanswered),
            category: Some("broadband".into()),
            page: 1,
        };
        assert_eq!(
            search_terms(&q),
            "router wifi status:open status:noreplies category:broadband"
        );
    }
}
