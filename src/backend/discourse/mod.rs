//! The Discourse adapter: HTTP client ([`client`]), wire types (`wire`), their mapping to domain
//! types (`map`), the public decoders ([`decode`]) the client uses, and the live feed and reply
//! presence (`live`, reference §14).
//!
//! Queue views, as Discourse is asked for them (all `/latest.json`, filtered again on this side
//! in case the server ignores a parameter):
//! - unanswered: `max_posts=1&status=open`, kept if `posts_count <= 1` and open;
//! - unsolved: `solved=no&status=open`, kept if it has no accepted answer and is open;
//! - latest: `order=activity`, nothing dropped;
//! - needs-reply: `status=open&order=activity`, kept if unanswered or the last poster is the
//!   author (`TopicSummary::awaits_follow_up`). A page may therefore hold fewer topics than
//!   `per_page`; paging still follows the server's `more_topics_url`.
//!
//! `QueueQuery::order` applies to unanswered and unsolved; latest and needs-reply are ordered by
//! activity unless a non-default order is asked for.

pub mod client;
pub mod decode;
mod live;
mod map;
mod wire;

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::AtomicU64;
use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use reqwest::Method;
use serde_json::json;

use self::client::{seg, Client};
use crate::backend::{Backend, BackendError, Result};
use crate::domain::*;

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
}

impl DiscourseOptions {
    pub fn new(base_url: impl Into<String>, credentials: Credentials) -> Self {
        DiscourseOptions {
            base_url: base_url.into(),
            credentials,
            allow_insecure_http: false,
            timeout: Duration::from_secs(20),
            max_read_retries: 3,
        }
    }
}

/// Posts fetched per `/t/{id}/posts.json` request.
const POST_BATCH: usize = 20;
/// Chat channels scanned for a member's messages (one request each).
const MAX_CHAT_CHANNELS: usize = 25;
/// Recent posts inspected when checking whether a timed-out reply was created after all.
const REPLY_CHECK_POSTS: usize = 10;

pub struct Discourse {
    client: Client,
    /// `Api-Username` of an admin key; user API keys learn it from `whoami`.
    api_username: Option<String>,
    account: Mutex<Option<Account>>,
    user_ids: Mutex<HashMap<String, UserId>>,
    /// `__seq` of the message-bus polls.
    bus_seq: AtomicU64,
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

fn order_params(order: TopicOrder, out: &mut Vec<(&'static str, String)>) {
    match order {
        TopicOrder::OldestFirst => {
            out.push(("order", "created".into()));
            out.push(("ascending", "true".into()));
        }
        TopicOrder::NewestFirst => out.push(("order", "created".into())),
        TopicOrder::Activity => out.push(("order", "activity".into())),
        TopicOrder::Likes => out.push(("order", "likes".into())),
    }
}

/// Query parameters of `/latest.json` for a queue request.
pub fn list_params(q: &QueueQuery) -> Vec<(&'static str, String)> {
    let mut p: Vec<(&'static str, String)> = Vec::new();
    let mut status: Option<&'static str> = Some("open");
    let mut solved: Option<&'static str> = None;
    let by_activity = |o: TopicOrder| {
        if o == TopicOrder::default() {
            TopicOrder::Activity
        } else {
            o
        }
    };
    match q.view {
        QueueView::Unanswered => {
            p.push(("max_posts", "1".into()));
            order_params(q.order, &mut p);
        }
        QueueView::Unsolved => {
            solved = Some("no");
            order_params(q.order, &mut p);
        }
        QueueView::Latest => {
            status = None;
            order_params(by_activity(q.order), &mut p);
        }
        QueueView::NeedsReply => order_params(by_activity(q.order), &mut p),
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
    if q.page > 0 {
        p.push(("page", q.page.to_string()));
    }
    p
}

/// The client-side half of a queue view (the server may ignore a parameter).
pub fn keep_in_view(q: &QueueQuery, t: &TopicSummary) -> bool {
    let open_ok = match q.status {
        None | Some(TopicStatus::Open) => !t.closed && !t.archived,
        Some(TopicStatus::Closed) => t.closed,
        Some(TopicStatus::Archived) => t.archived,
        Some(TopicStatus::Solved) => t.has_accepted_answer,
        Some(TopicStatus::Unsolved) => !t.has_accepted_answer,
    };
    match q.view {
        QueueView::Latest => true,
        QueueView::Unanswered => t.is_unanswered() && open_ok,
        QueueView::Unsolved => !t.has_accepted_answer && open_ok,
        QueueView::NeedsReply => (t.is_unanswered() || t.awaits_follow_up()) && open_ok,
    }
}

impl Discourse {
    pub fn new(opts: DiscourseOptions) -> Result<Discourse> {
        let client = Client::new(&opts)?;
        let api_username = match &opts.credentials {
            Credentials::ApiKey { username, .. } => Some(username.clone()),
            Credentials::UserApiKey { .. } => None,
        };
        Ok(Discourse {
            client,
            api_username,
            account: Mutex::new(None),
            user_ids: Mutex::new(HashMap::new()),
            bus_seq: AtomicU64::new(0),
        })
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
        if let Some(id) = lock(&self.user_ids).get(&key).copied() {
            return Ok(id);
        }
        Ok(self.member(username).await?.id)
    }

    async fn member(&self, username: &str) -> Result<Member> {
        let body = self
            .client
            .get(&format!("/u/{}.json", seg(username)), &[])
            .await?;
        let m = decode::member(&body, self.client.base())?;
        lock(&self.user_ids).insert(username.to_lowercase(), m.id);
        Ok(m)
    }

    async fn fetch_posts(&self, topic: TopicId, ids: &[PostId], raw: bool) -> Result<Vec<Post>> {
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
                .get(&format!("/t/{topic}/posts.json"), &q)
                .await?;
            let mut posts = decode::posts(&body)?;
            for p in &mut posts {
                if p.topic_id == 0 {
                    p.topic_id = topic;
                }
            }
            out.extend(posts);
        }
        Ok(out)
    }

    /// After a reply whose fate is unknown: is it there now, by us, with the same text?
    async fn find_sent_reply(&self, reply: &NewReply) -> Option<Post> {
        let me = match &self.api_username {
            Some(u) => u.clone(),
            None => self.account().await.ok()?.username,
        };
        let body = self
            .client
            .get(&format!("/t/{}.json", reply.topic_id), &[])
            .await
            .ok()?;
        let (topic, _, stream) = decode::topic_with_rest(&body, self.client.base()).ok()?;
        let ids: Vec<PostId> = if stream.is_empty() {
            topic.posts.iter().map(|p| p.id).collect()
        } else {
            stream.clone()
        };
        let start = ids.len().saturating_sub(REPLY_CHECK_POSTS);
        let recent = ids.get(start..).unwrap_or_default();
        let posts = self.fetch_posts(reply.topic_id, recent, true).await.ok()?;
        let want = reply.raw.trim();
        posts.into_iter().rev().find(|p| {
            p.author.username.eq_ignore_ascii_case(&me)
                && p.raw.as_deref().map(str::trim) == Some(want)
        })
    }

    async fn forum_activity(&self, username: &str) -> Result<Vec<Activity>> {
        let body = self
            .client
            .get(
                "/user_actions.json",
                &[
                    ("username", username.to_owned()),
                    ("filter", "4,5,1,15".into()),
                ],
            )
            .await?;
        let items = decode::user_actions(&body)?;
        // Solutions are a plugin; when it is missing or refuses, the forum items still stand.
        let solutions = match self
            .client
            .get(
                "/solution/by_user.json",
                &[("username", username.to_owned())],
            )
            .await
        {
            Ok(body) => decode::solved_posts(&body).unwrap_or_default(),
            Err(_) => Vec::new(),
        };
        Ok(map::merge_activity(items, solutions))
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

    async fn moderation(&self, username: &str) -> Result<MemberModeration> {
        let me = self.account().await?;
        if !me.role.is_staff() {
            return Err(BackendError::Forbidden(
                "the moderation record is visible to staff (admins and moderators) only".into(),
            ));
        }
        let id = self.user_id(username).await?;
        let body = self
            .client
            .get(&format!("/admin/users/{id}.json"), &[])
            .await?;
        let mut record = decode::admin_moderation(&body)?;
        // Pending reviews are a bonus: the record stands without them.
        if let Ok(body) = self
            .client
            .get("/review.json", &[("username", username.to_owned())])
            .await
        {
            record.pending_reviews = decode::reviews(&body).unwrap_or_default();
        }
        Ok(record)
    }
}

#[async_trait]
impl Backend for Discourse {
    fn platform(&self) -> &'static str {
        "discourse"
    }

    fn site_url(&self) -> &str {
        self.client.base()
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
        lock(&self.user_ids).insert(account.username.to_lowercase(), account.id);
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
        page.next_page = list
            .more_topics_url
            .is_some()
            .then(|| query.page.saturating_add(1));
        Ok(page)
    }

    async fn topic(&self, id: TopicId) -> Result<Topic> {
        let body = self.client.get(&format!("/t/{id}.json"), &[]).await?;
        let (mut topic, missing, stream) = decode::topic_with_rest(&body, self.client.base())?;
        if !missing.is_empty() {
            let rest = self.fetch_posts(id, &missing, false).await?;
            topic.posts.extend(rest);
            map::order_posts(&mut topic.posts, &stream);
        }
        Ok(topic)
    }

    async fn reply(&self, reply: &NewReply) -> Result<Post> {
        let mut body = json!({ "topic_id": reply.topic_id, "raw": reply.raw });
        if let Some(n) = reply.reply_to_post_number {
            body["reply_to_post_number"] = json!(n);
        }
        match self.client.send(Method::POST, "/posts.json", &body).await {
            Ok(resp) => decode::created_post(&resp),
            // The fate of the post is unknown: look before anyone sends it again.
            Err(
                e @ (BackendError::Network(_)
                | BackendError::Server {
                    status: 502 | 504, ..
                }),
            ) => match self.find_sent_reply(reply).await {
                Some(post) => Ok(post),
                None => Err(e),
            },
            Err(e) => Err(e),
        }
    }

    async fn accept_solution(&self, post: PostId) -> Result<()> {
        let body = self
            .client
            .send(
                Method::POST,
                "/solution/accept.json",
                &json!({ "id": post }),
            )
            .await?;
        decode::write_ack(&body, "accept the solution")
    }

    async fn unaccept_solution(&self, post: PostId) -> Result<()> {
        let body = self
            .client
            .send(
                Method::POST,
                "/solution/unaccept.json",
                &json!({ "id": post }),
            )
            .await?;
        decode::write_ack(&body, "unaccept the solution")
    }

    async fn move_posts(
        &self,
        topic: TopicId,
        posts: &[PostId],
        to: &MoveDestination,
    ) -> Result<MoveResult> {
        if posts.is_empty() {
            return Err(BackendError::Invalid(vec![
                "no posts selected to move".into()
            ]));
        }
        let mut body = json!({ "post_ids": posts });
        match to {
            MoveDestination::ExistingTopic(dest) => body["destination_topic_id"] = json!(dest),
            MoveDestination::NewTopic { title, category_id } => {
                body["title"] = json!(title);
                if let Some(c) = category_id {
                    body["category_id"] = json!(c);
                }
            }
        }
        let resp = self
            .client
            .send(Method::POST, &format!("/t/{topic}/move-posts.json"), &body)
            .await?;
        decode::move_result(&resp, self.client.base())
    }

    async fn move_topic(&self, topic: TopicId, category: CategoryId) -> Result<()> {
        let body = self
            .client
            .send(
                Method::PUT,
                &format!("/t/-/{topic}.json"),
                &json!({ "category_id": category }),
            )
            .await?;
        decode::write_ack(&body, "move the topic")
    }

    async fn badges(&self) -> Result<Vec<Badge>> {
        let body = self.client.get("/badges.json", &[]).await?;
        decode::badges(&body)
    }

    async fn award_badge(&self, award: &BadgeAward) -> Result<GrantedBadge> {
        let mut body = json!({ "username": award.username, "badge_id": award.badge_id });
        if let Some(r) = award.reason.as_deref().filter(|r| !r.trim().is_empty()) {
            body["reason"] = json!(r);
        }
        let resp = self
            .client
            .send(Method::POST, "/user_badges.json", &body)
            .await?;
        decode::granted_badge(&resp)
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
                let body = self
                    .client
                    .get(&format!("/user-badges/{}.json", seg(username)), &[])
                    .await?;
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
        }
    }

    async fn live_poll(
        &self,
        cursor: &mut LiveCursor,
        watch: &[TopicId],
    ) -> Result<Vec<LiveEvent>> {
        self.poll_live(cursor, watch).await
    }

    async fn replying(&self, topic: TopicId) -> Result<Vec<String>> {
        self.replying_in(topic).await
    }

    async fn set_replying(&self, topic: TopicId, replying: bool, client_id: &str) -> Result<()> {
        self.announce_replying(topic, replying, client_id).await
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
        assert!(matches!(err, BackendError::Invalid(_)));
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
            page: 2,
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
    }
}
