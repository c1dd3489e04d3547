//! Simulated community activity: demo members open topics and write follow-ups, demo
//! moderators reply and announce presence. Every event goes through the same write paths (and
//! so the same bus publishing) as an HTTP request.
//!
//! `POST /sandbox/activity.json` with `{"event":"new_topic"|"follow_up"|"reply"|"presence",
//! "username":…, "topic_id":…}` (both optional) triggers one event and returns what it did;
//! [`super::Sandbox::start_activity`] runs events on a timer.

use std::sync::atomic::Ordering;

use axum::http::Method;
use rusqlite::{params, OptionalExtension};
use serde_json::{json, Value};

use super::guardian::Guardian;
use super::params::Params;
use super::server::{ApiError, ApiResult, Ctx};
use super::store::{self, TopicRow, UserRow, TOPIC_COLS};
use super::{presence, seed, writes};

pub(crate) const EVENTS: [&str; 4] = ["new_topic", "follow_up", "reply", "presence"];
const MODERATORS: [&str; 3] = ["mod_anna", "mod_ben", "mod_chloe"];

const SUBJECTS: [&str; 8] = [
    "Router keeps dropping the connection every evening",
    "Invoice shows a charge I do not recognise",
    "Cannot log in to the app after the latest update",
    "Mesh satellite will not pair with the main unit",
    "Upload speed is far below what my plan promises",
    "TV box buffers on every channel since yesterday",
    "How do I move my number to the new contract?",
    "Parental controls do not block anything anymore",
];
const BODIES: [&str; 4] = [
    "I have restarted everything twice and it still happens. Any idea what to check next?",
    "This started a few days ago without any change on my side. Is anyone else seeing it?",
    "Support chat told me to ask here. I can post logs or screenshots if that helps.",
    "I tried the steps from the help pages but nothing changed. What am I missing?",
];
const FOLLOW_UPS: [&str; 4] = [
    "Small update: it happened again this morning, right after the device woke up.",
    "I also tried a different cable and a different socket, same result unfortunately.",
    "Here is what the status page shows now: all green, but the problem is still there.",
    "Thanks for looking. Is there anything else I can try before calling the hotline?",
];
const REPLIES: [&str; 4] = [
    "Thanks for the details. Could you check whether the firmware is on the latest version?",
    "I have passed this on to the team. Meanwhile, please try a factory reset of the unit.",
    "This looks like the known issue from this week; a fix is rolling out in the next days.",
    "Can you tell us which model you have and since when exactly this has been happening?",
];

/// The `n`-th pseudo-random number of this sandbox's activity stream.
fn rng(ctx: &Ctx<'_>) -> (u64, u64) {
    let n = ctx.state.activity_seq.fetch_add(1, Ordering::SeqCst);
    let mut s = ctx.state.seed ^ 0xAC71_F17E ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    (n, seed::splitmix64(&mut s))
}

fn pick<'s>(list: &[&'s str], r: u64) -> &'s str {
    list[(r % list.len() as u64) as usize]
}

fn user_named(ctx: &Ctx<'_>, name: &str) -> Result<UserRow, ApiError> {
    store::user_by_username(ctx.tx, name)?
        .ok_or_else(|| ApiError::unprocessable(&["That username does not exist in the sandbox."]))
}

/// A deterministic-ish regular member (trust level 1–3, not staff, not silenced or suspended).
fn some_member(ctx: &Ctx<'_>, r: u64) -> Result<UserRow, ApiError> {
    let now = ctx.now();
    let filter = "NOT admin AND NOT moderator AND active AND trust_level BETWEEN 1 AND 3 \
                  AND (silenced_till IS NULL OR silenced_till < ?1) \
                  AND (suspended_till IS NULL OR suspended_till < ?1)";
    let count: i64 = ctx.tx.query_row(
        &format!("SELECT COUNT(*) FROM users WHERE {filter}"),
        [now],
        |r| r.get(0),
    )?;
    if count == 0 {
        return user_named(ctx, "member_mia");
    }
    let id: i64 = ctx.tx.query_row(
        &format!("SELECT id FROM users WHERE {filter} ORDER BY id LIMIT 1 OFFSET ?2"),
        params![now, (r % count as u64) as i64],
        |r| r.get(0),
    )?;
    store::user_by_id(ctx.tx, id)?.ok_or_else(ApiError::not_found)
}

/// The most recent open, listed regular topic matching `extra` (SQL on `t`).
fn recent_topic(ctx: &Ctx<'_>, extra: &str, arg: i64) -> Result<Option<TopicRow>, ApiError> {
    let sql = format!(
        "SELECT {TOPIC_COLS} FROM topics t WHERE t.archetype = 'regular' AND NOT t.closed \
         AND NOT t.archived AND t.visible AND {extra} ORDER BY t.created_at DESC, t.id DESC LIMIT 1"
    );
    Ok(ctx
        .tx
        .query_row(&sql, [arg], store::topic_from_row)
        .optional()?)
}

fn topic_arg(ctx: &Ctx<'_>) -> Result<Option<TopicRow>, ApiError> {
    match ctx.int_param("topic_id")? {
        Some(id) => Ok(Some(
            store::topic_by_id(ctx.tx, id)?.ok_or_else(ApiError::not_found)?,
        )),
        None => Ok(None),
    }
}

/// Runs `writes::create_post` as `user` inside the current transaction; its bus messages join
/// the current request's.
fn create_post_as(ctx: &Ctx<'_>, user: &UserRow, pairs: &[(&str, String)]) -> ApiResult {
    let mut p = Params::default();
    for (k, v) in pairs {
        p.push(*k, v.clone());
    }
    let inner = Ctx {
        user_api_key: None,
        tx: ctx.tx,
        g: Guardian {
            user: Some(user.clone()),
            now: ctx.now(),
        },
        params: p,
        method: Method::POST,
        segs: vec!["posts".into()],
        path: "/posts.json".into(),
        base_url: ctx.base_url.clone(),
        state: ctx.state,
        admin_key: true,
        outbox: Default::default(),
    };
    let out = writes::create_post(&inner);
    ctx.outbox.borrow_mut().extend(inner.outbox.take());
    out
}

fn done(event: &str, user: &UserRow, post: &Value) -> Value {
    json!({
        "event": event,
        "username": user.username,
        "user_id": user.id,
        "topic_id": post["topic_id"],
        "post_id": post["id"],
        "post_number": post["post_number"],
    })
}

/// `POST /sandbox/activity.json` (admin): one simulated event.
pub(crate) fn trigger(ctx: &Ctx<'_>) -> ApiResult {
    let event = ctx
        .params
        .get_nonblank("event")
        .ok_or_else(|| ApiError::param_missing("event"))?
        .to_string();
    let (n, r) = rng(ctx);
    let named = ctx.params.get_nonblank("username").map(str::to_string);
    match event.as_str() {
        "new_topic" => {
            let user = match &named {
                Some(name) => user_named(ctx, name)?,
                None => some_member(ctx, r)?,
            };
            let cats: Vec<i64> = store::categories(ctx.tx)?.iter().map(|c| c.id).collect();
            let category = if cats.is_empty() {
                1
            } else {
                cats[((r >> 8) % cats.len() as u64) as usize]
            };
            let title = format!("{} (#{})", pick(&SUBJECTS, r >> 16), n + 1);
            let post = create_post_as(
                ctx,
                &user,
                &[
                    ("title", title),
                    ("raw", pick(&BODIES, r >> 24).to_string()),
                    ("category", category.to_string()),
                ],
            )?;
            Ok(done("new_topic", &user, &post))
        }
        "follow_up" => {
            let (user, topic) = match (topic_arg(ctx)?, &named) {
                (Some(t), Some(name)) => (user_named(ctx, name)?, t),
                (Some(t), None) => {
                    let u =
                        store::user_by_id(ctx.tx, t.user_id)?.ok_or_else(ApiError::not_found)?;
                    (u, t)
                }
                (None, Some(name)) => {
                    let u = user_named(ctx, name)?;
                    let t = recent_topic(ctx, "t.user_id = ?1", u.id)?.ok_or_else(|| {
                        ApiError::unprocessable(&["That user has no open topic to follow up on."])
                    })?;
                    (u, t)
                }
                (None, None) => {
                    let t = recent_topic(ctx, "?1 = ?1", 0)?.ok_or_else(|| {
                        ApiError::unprocessable(&["There is no open topic to follow up on."])
                    })?;
                    let u =
                        store::user_by_id(ctx.tx, t.user_id)?.ok_or_else(ApiError::not_found)?;
                    (u, t)
                }
            };
            let post = create_post_as(
                ctx,
                &user,
                &[
                    ("topic_id", topic.id.to_string()),
                    ("raw", format!("{} ({})", pick(&FOLLOW_UPS, r >> 16), n + 1)),
                ],
            )?;
            Ok(done("follow_up", &user, &post))
        }
        "reply" => {
            let name = named.unwrap_or_else(|| pick(&MODERATORS, r).to_string());
            let user = user_named(ctx, &name)?;
            let topic = match topic_arg(ctx)? {
                Some(t) => t,
                None => match recent_topic(ctx, "t.posts_count <= ?1", 1)? {
                    Some(t) => t,
                    None => recent_topic(ctx, "?1 = ?1", 0)?.ok_or_else(|| {
                        ApiError::unprocessable(&["There is no open topic to reply to."])
                    })?,
                },
            };
            let post = create_post_as(
                ctx,
                &user,
                &[
                    ("topic_id", topic.id.to_string()),
                    ("raw", format!("{} ({})", pick(&REPLIES, r >> 16), n + 1)),
                ],
            )?;
            Ok(done("reply", &user, &post))
        }
        "presence" => {
            let name = named.unwrap_or_else(|| pick(&MODERATORS, r).to_string());
            let user = user_named(ctx, &name)?;
            let topic = match topic_arg(ctx)? {
                Some(t) => t,
                None => recent_topic(ctx, "?1 = ?1", 0)?.ok_or_else(|| {
                    ApiError::unprocessable(&["There is no open topic to be present on."])
                })?,
            };
            let client_id = format!("sandbox-activity-{}", user.username);
            let channel = presence::enter_reply_channel(ctx, &user, &topic, &client_id)?;
            Ok(json!({
                "event": "presence",
                "username": user.username,
                "user_id": user.id,
                "topic_id": topic.id,
                "channel": channel,
                "client_id": client_id,
            }))
        }
        _ => Err(ApiError::invalid_params("event")),
    }
}

/// The event a timer tick runs: 35 % new topics, 20 % follow-ups, 30 % replies, 15 % presence.
pub(crate) fn event_for(r: u64) -> &'static str {
    match r % 100 {
        0..=34 => EVENTS[0],
        35..=54 => EVENTS[1],
        55..=84 => EVENTS[2],
        _ => EVENTS[3],
    }
}
