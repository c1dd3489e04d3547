//! The decoders the client itself uses, public so contract tests can feed recorded bodies to
//! them. Each takes a response body and returns domain types.

use super::map::{self, parse};
use super::wire::*;
use crate::backend::{BackendError, Result};
use crate::domain::*;

/// A topic list (`/latest.json`, `/c/…`, `/top.json`, …). `next` is the `page` of
/// `more_topics_url` (1 when it names none); the client pages from the query instead. A
/// `topic_list` whose `topics` is not a list is `Malformed`, never an empty page.
pub fn topic_page(body: &[u8]) -> Result<TopicPage> {
    Ok(map::topic_list(parse(body, "topic list")?)?.page)
}

/// A topic with the posts of its first chunk (`/t/{id}.json`).
pub fn topic(body: &[u8], site_url: &str) -> Result<Topic> {
    Ok(topic_with_rest(body, site_url)?.0)
}

/// A topic's first chunk, plus the ids of the posts still to fetch, in stream order.
pub fn topic_with_rest(body: &[u8], site_url: &str) -> Result<(Topic, Vec<PostId>, Vec<PostId>)> {
    let show: TopicShow = parse(body, "topic")?;
    let stream = show
        .post_stream
        .as_ref()
        .map(|s| s.stream.iter().copied().map(PostId::from).collect())
        .unwrap_or_default();
    let (topic, missing) = map::topic(show, site_url.trim_end_matches('/'))?;
    Ok((topic, missing, stream))
}

/// Posts of `/t/{id}/posts.json?post_ids[]=…`.
pub fn posts(body: &[u8]) -> Result<Vec<Post>> {
    let resp: PostsResponse = parse(body, "posts")?;
    Ok(map::posts(resp.post_stream, None))
}

/// The badge catalogue (`/badges.json`, `/admin/badges.json`).
pub fn badges(body: &[u8]) -> Result<Vec<Badge>> {
    let resp: BadgesResponse = parse(body, "badges")?;
    Ok(map::badges(resp))
}

/// A member's badges (`/user-badges/{u}.json`), newest first.
pub fn user_badges(body: &[u8]) -> Result<Vec<GrantedBadge>> {
    Ok(map::user_badges(parse(body, "user badges")?))
}

/// The reply of `POST /user_badges.json`.
pub fn granted_badge(body: &[u8]) -> Result<GrantedBadge> {
    map::awarded_badge(parse(body, "badge grant")?)
}

/// The ids of a member's grants (`/user-badges/{u}.json`), to tell a new grant from one they
/// had before.
pub fn user_badge_ids(body: &[u8]) -> Result<Vec<u64>> {
    let resp: UserBadgesResponse = parse(body, "user badges")?;
    Ok(resp.user_badges.iter().filter_map(|ub| ub.id).collect())
}

/// The reply of `POST /user_badges.json`, and what it did: a grant whose id was among the
/// member's grants just before (`held_before`) is one they had, so nothing was granted.
/// Without `held_before`, or without an id in the answer, the outcome is `Unconfirmed`.
pub fn badge_grant(body: &[u8], held_before: Option<&[u64]>) -> Result<BadgeGrant> {
    let held: Option<std::collections::BTreeSet<u64>> =
        held_before.map(|ids| ids.iter().copied().collect());
    Ok(map::badge_grant(parse(body, "badge grant")?, held.as_ref())?.0)
}

/// A member's profile (`/u/{u}.json`).
pub fn member(body: &[u8], site_url: &str) -> Result<Member> {
    let resp: UserResponse = parse(body, "user")?;
    let user = resp
        .user
        .ok_or_else(|| BackendError::Malformed("user: no user object".into()))?;
    map::member(user, site_url.trim_end_matches('/'))
}

/// The signed-in account from `/session/current.json` (`current_user`).
pub fn current_user(body: &[u8]) -> Result<Account> {
    let resp: SessionResponse = parse(body, "session")?;
    let user = resp
        .current_user
        .ok_or_else(|| BackendError::NotSignedIn("the server reports no current user".into()))?;
    map::account(user)
}

/// An account from a `/u/{u}.json` profile (the whoami fallback).
pub fn account_from_user(body: &[u8]) -> Result<Account> {
    let resp: UserResponse = parse(body, "user")?;
    let user = resp
        .user
        .ok_or_else(|| BackendError::Malformed("user: no user object".into()))?;
    map::account(user)
}

/// `/u/{u}/summary.json`.
pub fn user_summary(body: &[u8]) -> Result<MemberStats> {
    let resp: SummaryResponse = parse(body, "user summary")?;
    let summary = resp
        .user_summary
        .ok_or_else(|| BackendError::Malformed("user summary: no user_summary".into()))?;
    Ok(map::stats(summary))
}

/// Staff view of a member (`/admin/users/{id}.json`), without pending reviews.
pub fn admin_moderation(body: &[u8]) -> Result<MemberModeration> {
    let user: AdminUser = parse(body, "admin user")?;
    Ok(map::moderation(user, chrono::Utc::now()))
}

/// `/user_actions.json`.
pub fn user_actions(body: &[u8]) -> Result<Vec<Activity>> {
    Ok(map::user_actions(parse(body, "user actions")?))
}

/// `/solution/by_user.json`.
pub fn solved_posts(body: &[u8]) -> Result<Vec<Activity>> {
    Ok(map::solved_posts(parse(body, "solutions")?))
}

/// `/topics/private-messages/{u}.json`.
pub fn private_messages(body: &[u8]) -> Result<Vec<Activity>> {
    map::private_messages(parse(body, "private messages")?)
}

/// `/categories.json` (subcategories flattened after their parent).
pub fn categories(body: &[u8]) -> Result<Vec<Category>> {
    map::categories(parse(body, "categories")?)
}

/// `/review.json`.
pub fn reviews(body: &[u8]) -> Result<Vec<ReviewItem>> {
    Ok(map::reviews(parse(body, "review queue")?))
}

/// `/search.json`: the topics found, an excerpt of the best post of each, and whether there
/// is more. The obsolete grouped-array shape of old recordings decodes to nothing found.
pub fn search(body: &[u8]) -> Result<crate::backend::SearchResults> {
    Ok(map::search_results(parse(body, "search")?))
}

/// Chat channel ids and titles from `/chat/api/channels.json` or `/chat/api/me/channels.json`.
pub fn chat_channels(body: &[u8]) -> Result<Vec<(u64, String)>> {
    let resp: ChatChannelsResponse = parse(body, "chat channels")?;
    let mut out: Vec<(u64, String)> = Vec::new();
    for c in resp
        .channels
        .into_iter()
        .chain(resp.public_channels)
        .chain(resp.direct_message_channels)
    {
        let Some(id) = c.id else { continue };
        if out.iter().any(|(seen, _)| *seen == id) {
            continue;
        }
        let title = c
            .title
            .or(c.name)
            .or(c.slug)
            .unwrap_or_else(|| format!("channel {id}"));
        out.push((id, title));
    }
    Ok(out)
}

/// One channel's messages, keeping those written by `username`.
pub fn chat_messages(body: &[u8], channel_title: &str, username: &str) -> Result<Vec<Activity>> {
    Ok(map::chat_messages(
        parse(body, "chat messages")?,
        channel_title,
        username,
    ))
}

/// The reply of `POST /posts.json`: a bare post, or `{"post":{…}}` with `nested_post`, or
/// `{"action":"enqueued",…}` for a post held for approval.
pub fn created_post(body: &[u8]) -> Result<Sent> {
    let value: serde_json::Value = parse(body, "created post")?;
    if value.get("action").and_then(|a| a.as_str()) == Some("enqueued") {
        return Ok(Sent::Queued);
    }
    let inner = match value.get("post") {
        Some(p) if p.is_object() => p.clone(),
        _ => value,
    };
    let wire: WirePost = serde_json::from_value(inner)
        .map_err(|_| BackendError::Malformed("created post: not a post object".into()))?;
    map::post(wire, None)
        .map(Sent::Posted)
        .ok_or_else(|| BackendError::Malformed("created post: no post id".into()))
}

/// Where moved posts went: `{"success":true,"url":"/t/slug/123"}`; `success:false` is an error.
pub fn move_result(body: &[u8], site_url: &str) -> Result<MoveResult> {
    let resp: SuccessResponse = parse(body, "move posts")?;
    if resp.success != Some(true) || resp.failed.is_some() {
        let mut msgs = resp.errors;
        if msgs.is_empty() {
            msgs.extend(resp.message);
        }
        if msgs.is_empty() {
            msgs.push("the server did not move the posts".into());
        }
        return Err(BackendError::Invalid(msgs));
    }
    let path = resp
        .url
        .ok_or_else(|| BackendError::Malformed("move posts: no url in the reply".into()))?;
    Ok(MoveResult {
        topic_id: map::topic_id_in_url(&path),
        url: map::absolute(site_url.trim_end_matches('/'), &path),
    })
}

/// A write whose reply only says yes or no (`{"success":"OK"}`, `{"failed":"FAILED"}`, the
/// accepted-answer info, `basic_topic`, or an empty body).
pub fn write_ack(body: &[u8], what: &str) -> Result<()> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(());
    }
    let Ok(resp) = serde_json::from_slice::<SuccessResponse>(body) else {
        // Any other JSON shape (or none) after a 2xx status: the server accepted it.
        return Ok(());
    };
    if resp.success == Some(false) || resp.failed.is_some() {
        let mut msgs = resp.errors;
        if msgs.is_empty() {
            msgs.extend(resp.message);
        }
        if msgs.is_empty() {
            msgs.push(format!("the server refused to {what}"));
        }
        return Err(BackendError::Invalid(msgs));
    }
    Ok(())
}
