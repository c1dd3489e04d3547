//! The review queue on Discourse (reference §10): `GET /review.json`, `GET /review/{id}.json`
//! and `PUT /review/{id}/perform/{action}.json?version=N`.
//!
//! Answers use Discourse's REST-serializer layout: each item carries `*_id(s)` and the users,
//! topics, scores, bundles and actions they point at are sideloaded at the top level, so an
//! item is put together from an index of those. Field sets differ between Discourse versions
//! (older ones send `status` as a name, newer as a number; older sideload `reviewable_actions`,
//! newer `bundled_actions` plus `actions`); every field is read leniently and an item without
//! an id is dropped, never the page.
//!
//! Acting is a write: sent once (again only after a 429, as every write), through the
//! governor. A 409 means the item changed since it was read (another moderator acted): it is
//! reported as such, and the caller reloads rather than retries.

use std::collections::HashMap;

use reqwest::Method;
use serde::Deserialize;
use serde_json::{json, Value};

use super::client::{seg, Client};
use super::map::{absolute, parse, rank_of, role_from, time};
use super::wire::lenient;
use crate::backend::{BackendError, Result};
use crate::domain::*;

/// Discourse's `ReviewablesController::PER_PAGE`: the page size is fixed.
const PER_PAGE: u64 = 10;
/// Bounds on what one item keeps from a server (a pile-on of thousands of flags is still one
/// line in the console).
const MAX_FLAGGERS: usize = 50;
const MAX_NOTES: usize = 20;
const MAX_ACTIONS: usize = 50;

/// What a 409 on an action means.
pub const STALE: &str =
    "someone else acted on this item since it was loaded; reload it and try again";

// ---------------------------------------------------------------------------------------------
// Wire types (private to this module; what the server may send, all optional)

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Payload {
    #[serde(deserialize_with = "lenient::string")]
    raw: Option<String>,
    #[serde(deserialize_with = "lenient::string")]
    title: Option<String>,
    #[serde(deserialize_with = "lenient::string")]
    username: Option<String>,
    #[serde(deserialize_with = "lenient::string")]
    name: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Item {
    #[serde(deserialize_with = "lenient::u64")]
    id: Option<u64>,
    #[serde(rename = "type", deserialize_with = "lenient::string")]
    kind: Option<String>,
    /// A number (newer) or a name (older).
    #[serde(deserialize_with = "lenient::opt")]
    status: Option<Value>,
    #[serde(deserialize_with = "lenient::u64")]
    topic_id: Option<u64>,
    #[serde(deserialize_with = "lenient::u64")]
    post_id: Option<u64>,
    #[serde(deserialize_with = "lenient::string")]
    target_type: Option<String>,
    #[serde(deserialize_with = "lenient::u64")]
    target_id: Option<u64>,
    #[serde(deserialize_with = "lenient::string")]
    target_url: Option<String>,
    #[serde(deserialize_with = "lenient::u64")]
    category_id: Option<u64>,
    #[serde(deserialize_with = "lenient::string")]
    created_at: Option<String>,
    #[serde(deserialize_with = "lenient::f64")]
    score: Option<f64>,
    #[serde(deserialize_with = "lenient::u64")]
    version: Option<u64>,
    #[serde(deserialize_with = "lenient::i64")]
    target_created_by_id: Option<i64>,
    #[serde(deserialize_with = "lenient::ids")]
    reviewable_score_ids: Vec<u64>,
    #[serde(deserialize_with = "lenient::strings")]
    bundled_action_ids: Vec<String>,
    /// Older servers list the item's actions directly.
    #[serde(deserialize_with = "lenient::strings")]
    reviewable_action_ids: Vec<String>,
    #[serde(deserialize_with = "lenient::opt")]
    payload: Option<Payload>,
    #[serde(deserialize_with = "lenient::string")]
    cooked: Option<String>,
    #[serde(deserialize_with = "lenient::string")]
    raw: Option<String>,
    #[serde(deserialize_with = "lenient::string")]
    topic_title: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct WireUser {
    #[serde(deserialize_with = "lenient::i64")]
    id: Option<i64>,
    #[serde(deserialize_with = "lenient::string")]
    username: Option<String>,
    #[serde(deserialize_with = "lenient::string")]
    name: Option<String>,
    #[serde(deserialize_with = "lenient::u64")]
    trust_level: Option<u64>,
    #[serde(deserialize_with = "lenient::bool")]
    admin: Option<bool>,
    #[serde(deserialize_with = "lenient::bool")]
    moderator: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct WireTopic {
    #[serde(deserialize_with = "lenient::u64")]
    id: Option<u64>,
    #[serde(deserialize_with = "lenient::string")]
    title: Option<String>,
    #[serde(deserialize_with = "lenient::string")]
    fancy_title: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ScoreType {
    #[serde(deserialize_with = "lenient::u64")]
    id: Option<u64>,
    #[serde(deserialize_with = "lenient::string")]
    title: Option<String>,
    #[serde(rename = "type", deserialize_with = "lenient::string")]
    kind: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ConversationPost {
    #[serde(deserialize_with = "lenient::string")]
    excerpt: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Conversation {
    #[serde(deserialize_with = "lenient::vec")]
    conversation_posts: Vec<ConversationPost>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct WireScore {
    #[serde(deserialize_with = "lenient::u64")]
    id: Option<u64>,
    #[serde(deserialize_with = "lenient::i64")]
    user_id: Option<i64>,
    #[serde(deserialize_with = "lenient::i64")]
    status: Option<i64>,
    #[serde(deserialize_with = "lenient::string")]
    reason: Option<String>,
    #[serde(deserialize_with = "lenient::u64")]
    reviewable_score_type: Option<u64>,
    #[serde(deserialize_with = "lenient::opt")]
    score_type: Option<ScoreType>,
    #[serde(deserialize_with = "lenient::opt")]
    reviewable_conversation: Option<Conversation>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Bundle {
    #[serde(deserialize_with = "lenient::string")]
    id: Option<String>,
    #[serde(deserialize_with = "lenient::string")]
    label: Option<String>,
    #[serde(deserialize_with = "lenient::strings")]
    action_ids: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct WireAction {
    #[serde(deserialize_with = "lenient::string")]
    id: Option<String>,
    #[serde(deserialize_with = "lenient::string")]
    label: Option<String>,
    #[serde(deserialize_with = "lenient::string")]
    confirm_message: Option<String>,
}

/// The top-level arrays items point at.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Sideloads {
    #[serde(deserialize_with = "lenient::vec")]
    users: Vec<WireUser>,
    #[serde(deserialize_with = "lenient::vec")]
    topics: Vec<WireTopic>,
    #[serde(deserialize_with = "lenient::vec")]
    reviewable_scores: Vec<WireScore>,
    #[serde(deserialize_with = "lenient::vec")]
    bundled_actions: Vec<Bundle>,
    #[serde(deserialize_with = "lenient::vec")]
    actions: Vec<WireAction>,
    #[serde(deserialize_with = "lenient::vec")]
    reviewable_actions: Vec<WireAction>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Meta {
    #[serde(deserialize_with = "lenient::u64")]
    total_rows_reviewables: Option<u64>,
    #[serde(deserialize_with = "lenient::string")]
    load_more_reviewables: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ListResponse {
    /// The list the answer is about: anything but a list fails the page (not read as empty).
    #[serde(deserialize_with = "lenient::list")]
    reviewables: Vec<Item>,
    #[serde(deserialize_with = "lenient::opt")]
    meta: Option<Meta>,
    #[serde(flatten)]
    side: Sideloads,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ShowResponse {
    #[serde(deserialize_with = "lenient::opt")]
    reviewable: Option<Item>,
    #[serde(flatten)]
    side: Sideloads,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct WirePerform {
    #[serde(deserialize_with = "lenient::bool")]
    success: Option<bool>,
    #[serde(deserialize_with = "lenient::u64")]
    version: Option<u64>,
    #[serde(deserialize_with = "lenient::string")]
    transition_to: Option<String>,
    #[serde(deserialize_with = "lenient::u64")]
    transition_to_id: Option<u64>,
    #[serde(deserialize_with = "lenient::u64")]
    created_post_id: Option<u64>,
    #[serde(deserialize_with = "lenient::u64")]
    created_post_topic_id: Option<u64>,
    #[serde(deserialize_with = "lenient::ids")]
    remove_reviewable_ids: Vec<u64>,
    #[serde(deserialize_with = "lenient::u64")]
    reviewable_count: Option<u64>,
    #[serde(deserialize_with = "lenient::strings")]
    errors: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct PerformResponse {
    #[serde(deserialize_with = "lenient::opt")]
    reviewable_perform_result: Option<WirePerform>,
    #[serde(deserialize_with = "lenient::strings")]
    errors: Vec<String>,
}

// ---------------------------------------------------------------------------------------------
// Requests

/// Discourse's class name of a kind of item (the `type` filter).
fn type_param(kind: &ReviewKind) -> String {
    match kind {
        ReviewKind::FlaggedPost => "ReviewableFlaggedPost".into(),
        ReviewKind::QueuedPost => "ReviewableQueuedPost".into(),
        ReviewKind::User => "ReviewableUser".into(),
        ReviewKind::Other(name) => name.clone(),
    }
}

/// The item offset a page token names (anything else is the first page).
fn offset_of(token: Option<&PageToken>) -> u64 {
    token
        .and_then(|t| t.as_str().trim().parse().ok())
        .unwrap_or(0)
}

/// Query parameters of `/review.json` for a request.
pub fn list_params(q: &ReviewQuery) -> Vec<(&'static str, String)> {
    let mut p = vec![("status", q.status.name().to_string())];
    if let Some(kind) = &q.kind {
        p.push(("type", type_param(kind)));
    }
    if let Some(c) = q
        .category
        .as_ref()
        .filter(|c| !c.as_str().trim().is_empty())
    {
        p.push(("category_id", c.as_str().trim().to_string()));
    }
    if let Some(pr) = q.priority {
        p.push(("priority", pr.name().to_string()));
    }
    let offset = offset_of(q.page.as_ref());
    if offset > 0 {
        p.push(("offset", offset.to_string()));
    }
    p
}

/// A 403 on the queue, with who may see it.
fn queue_forbidden(e: BackendError) -> BackendError {
    match e {
        BackendError::Forbidden(msg) => BackendError::Forbidden(format!(
            "{msg} (the review queue is open to staff and category moderators)"
        )),
        other => other,
    }
}

pub(super) async fn queue(client: &Client, q: &ReviewQuery) -> Result<ReviewPage> {
    let body = client
        .get("/review.json", &list_params(q))
        .await
        .map_err(queue_forbidden)?;
    decode_page(&body, client.base(), offset_of(q.page.as_ref()))
}

pub(super) async fn item(client: &Client, id: &ReviewId) -> Result<Reviewable> {
    let body = client
        .get(&format!("/review/{}.json", seg(id.as_str())), &[])
        .await
        .map_err(|e| match queue_forbidden(e) {
            BackendError::NotFound(_) => BackendError::NotFound(format!(
                "no review item {} (it may have been removed)",
                id.as_str()
            )),
            other => other,
        })?;
    decode_item(&body, client.base())
}

/// The error of a failed action: a 409 is a stale version, whatever the server's words.
fn perform_error(status: u16, e: BackendError) -> BackendError {
    if status == 409 {
        BackendError::Invalid(vec![STALE.into()])
    } else {
        e
    }
}

pub(super) async fn perform(
    client: &Client,
    id: &ReviewId,
    action: &str,
    version: u64,
) -> Result<PerformResult> {
    let action = action.trim();
    if action.is_empty() {
        return Err(BackendError::Refused("no review action named".into()));
    }
    let path = format!("/review/{}/perform/{}.json", seg(id.as_str()), seg(action));
    let body = client
        .send_remapped(
            Method::PUT,
            &path,
            &[("version", version.to_string())],
            &json!({ "version": version }),
            perform_error,
        )
        .await
        .map_err(|e| match e {
            // Discourse answers an action the item does not offer (any more) with 403.
            BackendError::Forbidden(msg) => BackendError::Forbidden(format!(
                "{msg} (review item {} may no longer offer {action}, or this account may not \
                 review it)",
                id.as_str()
            )),
            BackendError::NotFound(_) => BackendError::NotFound(format!(
                "no review item {} (it may have been removed)",
                id.as_str()
            )),
            other => other,
        })?;
    decode_perform(&body, id, action)
}

// ---------------------------------------------------------------------------------------------
// Decoding

fn nonempty(s: Option<String>) -> Option<String> {
    s.filter(|s| !s.trim().is_empty())
}

/// Sideloads by id.
struct Index {
    users: HashMap<i64, WireUser>,
    topics: HashMap<u64, String>,
    scores: HashMap<u64, WireScore>,
    bundles: HashMap<String, Bundle>,
    actions: HashMap<String, WireAction>,
}

impl Index {
    fn new(side: Sideloads) -> Index {
        let mut actions = HashMap::new();
        for a in side.reviewable_actions.into_iter().chain(side.actions) {
            if let Some(id) = nonempty(a.id.clone()) {
                actions.insert(id, a);
            }
        }
        Index {
            users: side
                .users
                .into_iter()
                .filter_map(|u| Some((u.id?, u)))
                .collect(),
            topics: side
                .topics
                .into_iter()
                .filter_map(|t| {
                    let title = nonempty(t.title).or(nonempty(t.fancy_title))?;
                    Some((t.id?, title))
                })
                .collect(),
            scores: side
                .reviewable_scores
                .into_iter()
                .filter_map(|s| Some((s.id?, s)))
                .collect(),
            bundles: side
                .bundled_actions
                .into_iter()
                .filter_map(|b| Some((nonempty(b.id.clone())?, b)))
                .collect(),
            actions,
        }
    }

    fn username(&self, id: i64) -> Option<String> {
        match self
            .users
            .get(&id)
            .and_then(|u| nonempty(u.username.clone()))
        {
            Some(name) => Some(name),
            // Discourse's system user (held posts, sign-ups) is not always sideloaded.
            None if id == -1 => Some("system".into()),
            None => None,
        }
    }
}

fn kind_of(name: Option<&str>) -> ReviewKind {
    match name.map(str::trim) {
        Some("ReviewableFlaggedPost") => ReviewKind::FlaggedPost,
        Some("ReviewableQueuedPost") => ReviewKind::QueuedPost,
        Some("ReviewableUser") => ReviewKind::User,
        Some(other) if !other.is_empty() => ReviewKind::Other(other.to_string()),
        _ => ReviewKind::Other("Reviewable".into()),
    }
}

/// `Reviewable.statuses`, by number or by name.
fn status_of(v: Option<&Value>) -> ReviewStatus {
    let by_number = |n: i64| match n {
        1 => ReviewStatus::Approved,
        2 => ReviewStatus::Rejected,
        3 => ReviewStatus::Ignored,
        4 => ReviewStatus::Deleted,
        _ => ReviewStatus::Pending,
    };
    match v {
        Some(v @ Value::Number(_)) => lenient::to_i64(v).map_or(ReviewStatus::Pending, by_number),
        Some(Value::String(s)) => match s.trim().to_ascii_lowercase().as_str() {
            "approved" => ReviewStatus::Approved,
            "rejected" => ReviewStatus::Rejected,
            "ignored" => ReviewStatus::Ignored,
            "deleted" => ReviewStatus::Deleted,
            other => other
                .parse::<i64>()
                .map_or(ReviewStatus::Pending, by_number),
        },
        _ => ReviewStatus::Pending,
    }
}

/// `PostActionType` names of the core score types (when the server sends only the id).
fn score_type_name(id: u64) -> Option<&'static str> {
    Some(match id {
        3 => "off_topic",
        4 => "inappropriate",
        6 => "notify_user",
        7 => "notify_moderators",
        8 => "spam",
        9 => "needs_approval",
        10 => "illegal",
        _ => return None,
    })
}

/// Why an item is there: its scores grouped by type, in the order they first came.
fn reasons(item: &Item, pending: bool, index: &Index) -> Vec<ReviewReason> {
    let all: Vec<&WireScore> = item
        .reviewable_score_ids
        .iter()
        .filter_map(|id| index.scores.get(id))
        .collect();
    // A reopened item keeps its reviewed flags: what it is there for now are the open ones.
    let open: Vec<&WireScore> = all
        .iter()
        .copied()
        .filter(|s| s.status.is_none_or(|st| st == 0))
        .collect();
    let scores = if pending && !open.is_empty() {
        open
    } else {
        all
    };
    let mut out: Vec<ReviewReason> = Vec::new();
    for s in scores {
        let type_id = s
            .reviewable_score_type
            .or_else(|| s.score_type.as_ref().and_then(|t| t.id));
        let name = s
            .score_type
            .as_ref()
            .and_then(|t| nonempty(t.kind.clone()))
            .or_else(|| type_id.and_then(score_type_name).map(str::to_string))
            .or_else(|| type_id.map(|id| format!("flag_{id}")))
            .unwrap_or_else(|| "flag".into());
        let label = s
            .score_type
            .as_ref()
            .and_then(|t| nonempty(t.title.clone()))
            .unwrap_or_else(|| name.replace('_', " "));
        let at = match out.iter().position(|r| r.flag_type == name) {
            Some(i) => i,
            None => {
                out.push(ReviewReason {
                    flag_type: name,
                    label,
                    count: 0,
                    by: Vec::new(),
                    notes_html: Vec::new(),
                });
                out.len() - 1
            }
        };
        let r = &mut out[at];
        r.count = r.count.saturating_add(1);
        if let Some(who) = s.user_id.and_then(|id| index.username(id)) {
            if r.by.len() < MAX_FLAGGERS && !r.by.contains(&who) {
                r.by.push(who);
            }
        }
        let said = nonempty(s.reason.clone()).into_iter().chain(
            s.reviewable_conversation
                .iter()
                .flat_map(|c| c.conversation_posts.iter())
                .filter_map(|p| nonempty(p.excerpt.clone())),
        );
        for note in said {
            if r.notes_html.len() < MAX_NOTES && !r.notes_html.contains(&note) {
                r.notes_html.push(note);
            }
        }
    }
    out
}

/// What an item offers: its bundles' actions in order (or, on older servers, its own list).
fn actions(item: &Item, index: &Index) -> Vec<ReviewAction> {
    let mut out: Vec<ReviewAction> = Vec::new();
    let mut push = |id: &str, group: Option<String>| {
        let id = id.trim();
        if id.is_empty() || out.len() >= MAX_ACTIONS || out.iter().any(|a| a.id == id) {
            return;
        }
        let wire = index.actions.get(id);
        let label = wire
            .and_then(|a| nonempty(a.label.clone()))
            .or_else(|| group.clone())
            .unwrap_or_else(|| id.replace('_', " "));
        out.push(ReviewAction {
            id: id.to_string(),
            label,
            group,
            confirm: wire.and_then(|a| nonempty(a.confirm_message.clone())),
        });
    };
    for bundle_id in &item.bundled_action_ids {
        let Some(b) = index.bundles.get(bundle_id.trim()) else {
            continue;
        };
        for a in &b.action_ids {
            push(a, nonempty(b.label.clone()));
        }
    }
    for a in &item.reviewable_action_ids {
        push(a, None);
    }
    out
}

fn author(item: &Item, index: &Index) -> Option<PostAuthor> {
    let from_users = item
        .target_created_by_id
        .and_then(|id| index.users.get(&id))
        .and_then(|u| {
            let username = nonempty(u.username.clone())?;
            let trust = u.trust_level.map(|t| u8::try_from(t).unwrap_or(u8::MAX));
            Some(PostAuthor {
                id: u.id.and_then(|i| u64::try_from(i).ok()).map(UserId::from),
                username,
                name: nonempty(u.name.clone()),
                role: role_from(u.admin, u.moderator, trust.unwrap_or(0)),
                rank: trust.and_then(rank_of),
                title: None,
            })
        });
    // A sign-up's account may not be sideloaded; its payload still names it.
    from_users.or_else(|| {
        let p = item.payload.as_ref()?;
        Some(PostAuthor {
            id: item
                .target_created_by_id
                .and_then(|i| u64::try_from(i).ok())
                .map(UserId::from),
            username: nonempty(p.username.clone())?,
            name: nonempty(p.name.clone()),
            role: Role::Member,
            rank: None,
            title: None,
        })
    })
}

fn reviewable(item: Item, index: &Index, site_url: &str) -> Option<Reviewable> {
    let id = ReviewId::from(item.id?);
    let kind = kind_of(item.kind.as_deref());
    let status = status_of(item.status.as_ref());
    let pending = status == ReviewStatus::Pending;
    let post_id = item.post_id.or_else(|| {
        item.target_id
            .filter(|_| item.target_type.as_deref() == Some("Post"))
    });
    let payload = item.payload.as_ref();
    let topic_title = nonempty(item.topic_title.clone())
        .or_else(|| item.topic_id.and_then(|t| index.topics.get(&t).cloned()))
        .or_else(|| payload.and_then(|p| nonempty(p.title.clone())));
    Some(Reviewable {
        reasons: reasons(&item, pending, index),
        actions: if pending {
            actions(&item, index)
        } else {
            Vec::new()
        },
        target_author: author(&item, index),
        id,
        kind,
        status,
        topic_id: item.topic_id.map(TopicId::from),
        post_id: post_id.map(PostId::from),
        category_id: item.category_id.map(CategoryId::from),
        created_at: time(&item.created_at),
        score: item.score.filter(|s| s.is_finite()).unwrap_or(0.0),
        version: item.version.unwrap_or(0),
        topic_title,
        body_html: nonempty(item.cooked.clone()),
        raw: nonempty(item.raw.clone()).or_else(|| payload.and_then(|p| nonempty(p.raw.clone()))),
        url: nonempty(item.target_url.clone()).map(|u| absolute(site_url, u.trim())),
    })
}

/// `offset=N` in a `load_more_reviewables` path.
fn offset_in_url(url: &str) -> Option<u64> {
    let query = url.split_once('?')?.1;
    query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == "offset")
        .and_then(|(_, v)| v.trim().parse().ok())
}

/// A page of `/review.json`, read from item `offset`. The next page is the one the server
/// names, and only when it moves forward and the list holds more (a server whose paging
/// loops cannot make a client ask forever).
pub(super) fn decode_page(body: &[u8], site_url: &str, offset: u64) -> Result<ReviewPage> {
    let resp: ListResponse = parse(body, "review queue")?;
    let index = Index::new(resp.side);
    let site_url = site_url.trim_end_matches('/');
    let raw_count = resp.reviewables.len() as u64;
    let items: Vec<Reviewable> = resp
        .reviewables
        .into_iter()
        .filter_map(|i| reviewable(i, &index, site_url))
        .collect();
    let meta = resp.meta.unwrap_or_default();
    let total = meta.total_rows_reviewables;
    let next = meta
        .load_more_reviewables
        .as_deref()
        .map(|u| offset_in_url(u).unwrap_or(offset.saturating_add(PER_PAGE)))
        .filter(|n| *n > offset && raw_count > 0)
        .filter(|n| total.is_none_or(|t| *n < t))
        .map(PageToken::from);
    Ok(ReviewPage { items, next, total })
}

/// `/review/{id}.json`: `{"reviewable":{…}, …sideloads}`.
pub(super) fn decode_item(body: &[u8], site_url: &str) -> Result<Reviewable> {
    let resp: ShowResponse = parse(body, "review item")?;
    let index = Index::new(resp.side);
    let item = resp
        .reviewable
        .ok_or_else(|| BackendError::Malformed("review item: no reviewable object".into()))?;
    reviewable(item, &index, site_url.trim_end_matches('/'))
        .ok_or_else(|| BackendError::Malformed("review item: no id".into()))
}

/// `{"reviewable_perform_result":{…}}`. A 2xx answer whose result cannot be read still means
/// the action was done (what it did is then unknown); only an explicit `success: false` fails.
pub(super) fn decode_perform(body: &[u8], id: &ReviewId, action: &str) -> Result<PerformResult> {
    let resp: PerformResponse = serde_json::from_slice(body).unwrap_or_default();
    let r = resp.reviewable_perform_result.unwrap_or_default();
    if r.success == Some(false) {
        let mut msgs: Vec<String> = r.errors.into_iter().chain(resp.errors).collect();
        if msgs.is_empty() {
            msgs.push(format!(
                "the server did not perform {action} on review item {id}"
            ));
        }
        return Err(BackendError::Invalid(msgs));
    }
    let status = match (r.transition_to.as_deref(), r.transition_to_id) {
        (Some(name), _) if !name.trim().is_empty() => Some(status_of(Some(&json!(name)))),
        (_, Some(n)) => Some(status_of(Some(&json!(n)))),
        _ => None,
    };
    Ok(PerformResult {
        review_id: id.clone(),
        action: action.to_string(),
        success: true,
        version: r.version,
        status,
        created_post_id: r.created_post_id.map(PostId::from),
        created_topic_id: r.created_post_topic_id.map(TopicId::from),
        removed: r
            .remove_reviewable_ids
            .into_iter()
            .map(ReviewId::from)
            .collect(),
        pending_count: r.reviewable_count,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SITE: &str = "https://forum.example.com";

    fn page(v: Value, offset: u64) -> ReviewPage {
        decode_page(v.to_string().as_bytes(), SITE, offset).expect("page")
    }

    #[test]
    fn an_item_is_put_together_from_its_sideloads() {
        let v = json!({
            "reviewables": [{
                "id": 42, "type": "ReviewableFlaggedPost", "status": 0, "topic_id": 7,
                "post_id": 99, "target_type": "Post", "target_id": 99,
                "target_url": "/t/wifi/7/3", "category_id": 2,
                "created_at": "2024-02-13T11:22:33Z", "score": "9.5", "version": 3,
                "target_created_by_id": 11, "reviewable_score_ids": [1, 2, 3],
                "bundled_action_ids": ["42-agree", "42-ignore"],
                "cooked": "<p>buy now</p>", "raw": "buy now"
            }],
            "users": [
                {"id": 11, "username": "spammer", "trust_level": 0},
                {"id": 5, "username": "lena", "trust_level": 4},
                {"id": 6, "username": "omar"}
            ],
            "topics": [{"id": 7, "title": "Wi-Fi drops"}],
            "reviewable_scores": [
                {"id": 1, "user_id": 5, "status": 0, "reviewable_score_type": 8,
                 "score_type": {"id": 8, "title": "Spam", "type": "spam"}},
                {"id": 2, "user_id": 6, "status": 0, "reviewable_score_type": 8},
                {"id": 3, "user_id": 5, "status": 0, "reviewable_score_type": 7,
                 "reviewable_conversation": {"conversation_posts": [{"excerpt": "please look"}]}}
            ],
            "bundled_actions": [
                {"id": "42-agree", "label": "Yes", "action_ids": ["agree_and_hide", "agree_and_keep"]},
                {"id": "42-ignore", "label": "Ignore", "action_ids": ["ignore_and_do_nothing"]}
            ],
            "actions": [
                {"id": "agree_and_hide", "label": "Hide post"},
                {"id": "agree_and_keep", "label": "Keep post", "confirm_message": "Sure?"}
            ],
            "meta": {"total_rows_reviewables": 37, "load_more_reviewables": "/review?offset=10&status=pending"}
        });
        let p = page(v, 0);
        assert_eq!(p.next, Some(PageToken::from(10)));
        assert_eq!(p.total, Some(37));
        let r = &p.items[0];
        assert_eq!(r.id, 42);
        assert_eq!(r.kind, ReviewKind::FlaggedPost);
        assert_eq!(r.status, ReviewStatus::Pending);
        assert_eq!((r.version, r.score), (3, 9.5));
        assert_eq!(r.post_id, Some(PostId::from(99)));
        assert_eq!(r.topic_title.as_deref(), Some("Wi-Fi drops"));
        assert_eq!(
            r.url.as_deref(),
            Some("https://forum.example.com/t/wifi/7/3")
        );
        assert_eq!(r.target_author.as_ref().unwrap().username, "spammer");
        assert_eq!(r.reasons.len(), 2);
        assert_eq!(r.reasons[0].flag_type, "spam");
        assert_eq!(r.reasons[0].label, "Spam");
        assert_eq!(r.reasons[0].count, 2);
        assert_eq!(r.reasons[0].by, ["lena", "omar"]);
        assert_eq!(r.reasons[1].flag_type, "notify_moderators");
        assert_eq!(r.reasons[1].notes_html, ["please look"]);
        let ids: Vec<&str> = r.actions.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(
            ids,
            ["agree_and_hide", "agree_and_keep", "ignore_and_do_nothing"]
        );
        assert_eq!(r.actions[0].label, "Hide post");
        assert_eq!(r.actions[0].group.as_deref(), Some("Yes"));
        assert_eq!(r.actions[1].confirm.as_deref(), Some("Sure?"));
        // No action of its own: the bundle's label, then the id in words.
        assert_eq!(r.actions[2].label, "Ignore");
        assert_eq!(
            r.action("keep post").map(|a| a.id.as_str()),
            Some("agree_and_keep")
        );
        assert_eq!(r.flag_count(), 3);
    }

    #[test]
    fn held_posts_and_sign_ups_read_their_payload() {
        let v = json!({
            "reviewables": [
                {"id": 1, "type": "ReviewableQueuedPost", "status": "pending", "created_by_id": -1,
                 "target_created_by_id": 30, "reviewable_score_ids": [9],
                 "payload": {"raw": "My first post", "title": "Hello all"}},
                {"id": 2, "type": "ReviewableUser", "status": 0, "target_created_by_id": 31,
                 "payload": {"username": "newbie", "name": "New Bie"}},
                {"id": 3, "type": "ReviewableChatMessage", "status": 1},
                {"type": "ReviewableUser"}
            ],
            "users": [{"id": 30, "username": "fresh"}],
            "reviewable_scores": [{"id": 9, "user_id": -1, "reviewable_score_type": 9,
                                   "reason": "post_count"}]
        });
        let p = page(v, 0);
        assert_eq!(p.items.len(), 3, "the item without an id is dropped");
        assert_eq!(p.next, None);
        let q = &p.items[0];
        assert_eq!(q.kind, ReviewKind::QueuedPost);
        assert_eq!(q.raw.as_deref(), Some("My first post"));
        assert_eq!(q.topic_title.as_deref(), Some("Hello all"));
        assert_eq!(q.reasons[0].flag_type, "needs_approval");
        assert_eq!(q.reasons[0].by, ["system"]);
        assert_eq!(q.reasons[0].notes_html, ["post_count"]);
        let u = &p.items[1];
        assert_eq!(u.kind, ReviewKind::User);
        assert_eq!(u.target_author.as_ref().unwrap().username, "newbie");
        let other = &p.items[2];
        assert_eq!(
            other.kind,
            ReviewKind::Other("ReviewableChatMessage".into())
        );
        assert_eq!(other.status, ReviewStatus::Approved);
        assert!(other.actions.is_empty());
    }

    #[test]
    fn paging_never_loops_and_a_page_that_is_not_a_list_fails() {
        let more = |url: &str, total: u64| {
            json!({"reviewables": [{"id": 1}], "meta": {"total_rows_reviewables": total,
                   "load_more_reviewables": url}})
        };
        assert_eq!(
            page(more("/review?offset=20", 40), 10).next,
            Some(PageToken::from(20))
        );
        // Backwards, standing still or past the end: no next page.
        assert_eq!(page(more("/review?offset=0", 40), 10).next, None);
        assert_eq!(page(more("/review?offset=10", 40), 10).next, None);
        assert_eq!(page(more("/review?offset=20", 20), 10).next, None);
        // No offset in the URL: the fixed page size.
        assert_eq!(
            page(more("/review?status=pending", 40), 0).next,
            Some(PageToken::from(10))
        );
        let bad = br#"{"reviewables":"abc"}"#;
        assert!(matches!(
            decode_page(bad, SITE, 0),
            Err(BackendError::Malformed(_))
        ));
        assert!(matches!(
            decode_page(b"<html>", SITE, 0),
            Err(BackendError::Malformed(_))
        ));
    }

    #[test]
    fn perform_results_and_refusals() {
        let id = ReviewId::from(42);
        let body = br#"{"reviewable_perform_result":{"success":true,"version":4,"transition_to":"approved",
            "transition_to_id":1,"remove_reviewable_ids":[42,43],"reviewable_count":36,"created_post_id":"77",
            "created_post_topic_id":8}}"#;
        let r = decode_perform(body, &id, "approve_post").unwrap();
        assert!(r.success);
        assert_eq!(r.version, Some(4));
        assert_eq!(r.status, Some(ReviewStatus::Approved));
        assert_eq!(r.removed, [ReviewId::from(42), ReviewId::from(43)]);
        assert_eq!(r.created_post_id, Some(PostId::from(77)));
        assert_eq!(r.created_topic_id, Some(TopicId::from(8)));
        assert_eq!(r.pending_count, Some(36));
        // Only a number for the new status.
        let r = decode_perform(
            br#"{"reviewable_perform_result":{"success":true,"transition_to_id":3}}"#,
            &id,
            "x",
        )
        .unwrap();
        assert_eq!(r.status, Some(ReviewStatus::Ignored));
        // A 2xx the client cannot read: done, effect unknown.
        let r = decode_perform(b"", &id, "x").unwrap();
        assert!(r.success && r.status.is_none());
        let err = decode_perform(
            br#"{"reviewable_perform_result":{"success":false,"errors":["nope"]}}"#,
            &id,
            "x",
        );
        assert_eq!(err, Err(BackendError::Invalid(vec!["nope".into()])));
        // A 409 is a stale copy, whatever the server said; others are kept.
        assert_eq!(
            perform_error(409, BackendError::Invalid(vec!["conflict".into()])),
            BackendError::Invalid(vec![STALE.into()])
        );
        assert_eq!(
            perform_error(422, BackendError::Invalid(vec!["x".into()])),
            BackendError::Invalid(vec!["x".into()])
        );
    }

    #[test]
    fn query_params() {
        let q = ReviewQuery::default();
        assert_eq!(list_params(&q), [("status", "pending".to_string())]);
        let q = ReviewQuery {
            kind: Some(ReviewKind::QueuedPost),
            status: ReviewStatusFilter::All,
            category: Some(CategoryId::from(4)),
            priority: Some(ReviewPriority::High),
            page: Some(PageToken::from(20)),
        };
        let p = list_params(&q);
        let has = |k: &str, v: &str| p.iter().any(|(pk, pv)| *pk == k && pv == v);
        assert!(has("status", "all"));
        assert!(has("type", "ReviewableQueuedPost"));
        assert!(has("category_id", "4"));
        assert!(has("priority", "high"));
        assert!(has("offset", "20"));
    }
}
