//! What the writing endpoints publish on the message bus (reference §14.4, §14.5), queued on the
//! request context and sent once the transaction has committed, plus the per-sandbox live
//! settings endpoint `GET/PUT /sandbox/live.json`.

use std::sync::atomic::Ordering;

use serde_json::{json, Value};

use super::bus::Audience;
use super::presence::{basic_user, topic_audience};
use super::server::{ApiError, ApiResult, Ctx};
use super::store::{self, iso, PostRow, TopicRow, WHISPER};

/// Audience of the topic-list channels (`/new`, `/latest`, `/unread`): regular topics only;
/// unlisted → staff; no category → admins; otherwise everyone (the sandbox has no
/// read-restricted categories).
fn list_audience(t: &TopicRow) -> Option<Audience> {
    if t.is_pm() {
        return None;
    }
    if !t.visible {
        return Some(Audience::Staff);
    }
    if t.category_id.is_none() {
        return Some(Audience::Admins);
    }
    Some(Audience::Everyone)
}

fn topic_channel(id: i64) -> String {
    format!("/topic/{id}")
}

fn latest(ctx: &Ctx<'_>, t: &TopicRow, whisper: bool) {
    if let Some(aud) = list_audience(t) {
        let aud = if whisper { Audience::Staff } else { aud };
        ctx.publish(
            "/latest",
            json!({
                "topic_id": t.id,
                "message_type": "latest",
                "payload": {
                    "bumped_at": iso(t.bumped_at),
                    "topic_id": t.id,
                    "category_id": t.category_id,
                    "archetype": t.archetype,
                },
            }),
            aud,
        );
    }
}

/// `{"id":…,"post_number":…,"type":…}` on `/topic/{id}`.
fn post_change(p: &PostRow, kind: &str, editor: i64) -> Value {
    json!({
        "id": p.id,
        "post_number": p.post_number,
        "updated_at": iso(p.updated_at),
        "user_id": p.user_id,
        "last_editor_id": editor,
        "type": kind,
        "version": p.version,
    })
}

fn post_audience(ctx: &Ctx<'_>, t: &TopicRow, p: &PostRow) -> Result<Audience, ApiError> {
    if p.post_type == WHISPER {
        return Ok(Audience::Users {
            ids: vec![p.user_id],
            staff: true,
        });
    }
    Ok(topic_audience(ctx.tx, t, Audience::Everyone)?)
}

fn stats(ctx: &Ctx<'_>, topic_id: i64) -> Result<(), ApiError> {
    let Some(t) = store::topic_by_id(ctx.tx, topic_id)? else {
        return Ok(());
    };
    let last_poster = store::user_by_id(ctx.tx, t.last_post_user_id)?
        .map(|u| basic_user(&u))
        .unwrap_or(Value::Null);
    let aud = topic_audience(ctx.tx, &t, Audience::Everyone)?;
    ctx.publish(
        &topic_channel(t.id),
        json!({
            "id": t.id,
            "type": "stats",
            "posts_count": t.posts_count,
            "last_posted_at": iso(t.last_posted_at),
            "last_poster": last_poster,
        }),
        aud,
    );
    Ok(())
}

/// A new topic (post #1): `/new` new_topic, `/latest` latest, and `read` on the author's
/// `/unread/{user_id}`. Private messages publish nothing on the topic-list channels.
pub(crate) fn topic_created(ctx: &Ctx<'_>, topic_id: i64) -> Result<(), ApiError> {
    let Some(t) = store::topic_by_id(ctx.tx, topic_id)? else {
        return Ok(());
    };
    let Some(aud) = list_audience(&t) else {
        return Ok(());
    };
    ctx.publish(
        "/new",
        json!({
            "topic_id": t.id,
            "message_type": "new_topic",
            "payload": {
                "last_read_post_number": null,
                "highest_post_number": 1,
                "created_at": iso(t.created_at),
                "topic_id": t.id,
                "category_id": t.category_id,
                "archetype": t.archetype,
                "created_in_new_period": true,
            },
        }),
        aud,
    );
    latest(ctx, &t, false);
    ctx.publish(
        &format!("/unread/{}", t.user_id),
        json!({
            "topic_id": t.id,
            "message_type": "read",
            "payload": {
                "last_read_post_number": 1,
                "highest_post_number": 1,
                "topic_id": t.id,
                "notification_level": 3,
            },
        }),
        Audience::Users {
            ids: vec![t.user_id],
            staff: false,
        },
    );
    Ok(())
}

/// A reply: `/latest` latest (staff only for a whisper), `/unread` unread to the topic's other
/// posters (the sandbox's stand-in for "tracking"), then `/topic/{id}` created and stats.
pub(crate) fn post_created(ctx: &Ctx<'_>, topic_id: i64, post_id: i64) -> Result<(), ApiError> {
    let (Some(t), Some(p)) = (
        store::topic_by_id(ctx.tx, topic_id)?,
        store::post_by_id(ctx.tx, post_id)?,
    ) else {
        return Ok(());
    };
    let whisper = p.post_type == WHISPER;
    latest(ctx, &t, whisper);
    if !t.is_pm() && !whisper && t.visible {
        let mut st = ctx.tx.prepare_cached(
            "SELECT DISTINCT user_id FROM posts WHERE topic_id = ?1 AND user_id <> ?2 AND deleted_at IS NULL",
        )?;
        let ids = st
            .query_map(rusqlite::params![t.id, p.user_id], |r| r.get(0))?
            .collect::<Result<Vec<i64>, _>>()?;
        if !ids.is_empty() {
            ctx.publish(
                "/unread",
                json!({
                    "topic_id": t.id,
                    "message_type": "unread",
                    "payload": {
                        "topic_id": t.id,
                        "highest_post_number": p.post_number,
                        "updated_at": iso(p.updated_at),
                        "created_at": iso(p.created_at),
                        "category_id": t.category_id,
                        "archetype": t.archetype,
                    },
                }),
                Audience::Users { ids, staff: false },
            );
        }
    }
    let aud = post_audience(ctx, &t, &p)?;
    ctx.publish(
        &topic_channel(t.id),
        post_change(&p, "created", p.user_id),
        aud,
    );
    stats(ctx, t.id)
}

/// Accept (`accepted_solution`) or unaccept (`unaccepted_solution`) on `/topic/{id}`, as
/// discourse-solved sends them, then `/latest`.
pub(crate) fn solution_changed(
    ctx: &Ctx<'_>,
    topic_id: i64,
    post_id: i64,
    accepted_answer: Value,
) -> Result<(), ApiError> {
    let (Some(t), Some(p)) = (
        store::topic_by_id(ctx.tx, topic_id)?,
        store::post_by_id(ctx.tx, post_id)?,
    ) else {
        return Ok(());
    };
    let kind = if accepted_answer.is_null() {
        "unaccepted_solution"
    } else {
        "accepted_solution"
    };
    let mut msg = post_change(&p, kind, ctx.g.id().unwrap_or(p.user_id));
    msg["accepted_answer"] = accepted_answer;
    let aud = topic_audience(ctx.tx, &t, Audience::Everyone)?;
    ctx.publish(&topic_channel(t.id), msg, aud);
    latest(ctx, &t, false);
    Ok(())
}

/// Posts moved: on the source, `deleted` for each post that left (with its old number); on the
/// destination, `created` for each post that arrived; a stats message for both; `/latest` for
/// both.
pub(crate) fn posts_moved(
    ctx: &Ctx<'_>,
    source_id: i64,
    left: &[PostRow],
    dest_id: i64,
    arrived: &[i64],
) -> Result<(), ApiError> {
    let editor = ctx.g.id().unwrap_or(0);
    if let Some(src) = store::topic_by_id(ctx.tx, source_id)? {
        for p in left {
            let aud = post_audience(ctx, &src, p)?;
            ctx.publish(
                &topic_channel(src.id),
                post_change(p, "deleted", editor),
                aud,
            );
        }
        stats(ctx, src.id)?;
        latest(ctx, &src, false);
    }
    if let Some(dest) = store::topic_by_id(ctx.tx, dest_id)? {
        for id in arrived {
            if let Some(p) = store::post_by_id(ctx.tx, *id)? {
                let aud = post_audience(ctx, &dest, &p)?;
                ctx.publish(
                    &topic_channel(dest.id),
                    post_change(&p, "created", editor),
                    aud,
                );
            }
        }
        stats(ctx, dest.id)?;
        latest(ctx, &dest, false);
    }
    Ok(())
}

/// Title or category changed: `revised` with `reload_topic:true` for the first post, then
/// `/latest`.
pub(crate) fn topic_revised(ctx: &Ctx<'_>, topic_id: i64) -> Result<(), ApiError> {
    let Some(t) = store::topic_by_id(ctx.tx, topic_id)? else {
        return Ok(());
    };
    if let Some(p) = store::post_by_number(ctx.tx, t.id, 1)? {
        let mut msg = post_change(&p, "revised", ctx.g.id().unwrap_or(p.user_id));
        msg["reload_topic"] = json!(true);
        let aud = topic_audience(ctx.tx, &t, Audience::Everyone)?;
        ctx.publish(&topic_channel(t.id), msg, aud);
    }
    latest(ctx, &t, false);
    Ok(())
}

/// One post changed in place (`revised` after an edit, `acted` after a hide/unhide or a flag,
/// `deleted`, `recovered`, `liked`/`unliked`): the `/topic/{id}` message with `extra` merged
/// in, to whoever may see the post.
pub(crate) fn post_event(
    ctx: &Ctx<'_>,
    t: &TopicRow,
    p: &PostRow,
    kind: &str,
    extra: Value,
) -> Result<(), ApiError> {
    let mut msg = post_change(p, kind, ctx.g.id().unwrap_or(p.user_id));
    if let (Value::Object(m), Value::Object(e)) = (&mut msg, extra) {
        m.extend(e);
    }
    let aud = post_audience(ctx, t, p)?;
    ctx.publish(&topic_channel(t.id), msg, aud);
    Ok(())
}

/// A topic's counters changed (posts deleted or restored): the `stats` message and `/latest`.
pub(crate) fn topic_counts_changed(ctx: &Ctx<'_>, topic_id: i64) -> Result<(), ApiError> {
    stats(ctx, topic_id)?;
    if let Some(t) = store::topic_by_id(ctx.tx, topic_id)? {
        latest(ctx, &t, false);
    }
    Ok(())
}

/// A like added or removed: `liked`/`unliked` with `likes_count` and the liker's `user_id`,
/// then `{"id":…,"type":"stats","like_count":…}` for the topic.
pub(crate) fn post_liked(
    ctx: &Ctx<'_>,
    topic_id: i64,
    post_id: i64,
    liker: i64,
    liked: bool,
) -> Result<(), ApiError> {
    let (Some(t), Some(p)) = (
        store::topic_by_id(ctx.tx, topic_id)?,
        store::post_by_id(ctx.tx, post_id)?,
    ) else {
        return Ok(());
    };
    let kind = if liked { "liked" } else { "unliked" };
    post_event(
        ctx,
        &t,
        &p,
        kind,
        json!({"likes_count": p.like_count, "user_id": liker}),
    )?;
    let aud = topic_audience(ctx.tx, &t, Audience::Everyone)?;
    ctx.publish(
        &topic_channel(t.id),
        json!({"id": t.id, "type": "stats", "like_count": t.like_count}),
        aud,
    );
    Ok(())
}

/// A topic trashed with its first post (`/delete`) or recovered (`/recover`), to the
/// audience of its topic lists. `t` is the row as it was before the change.
pub(crate) fn topic_trashed(ctx: &Ctx<'_>, t: &TopicRow, recovered: bool) {
    if let Some(aud) = list_audience(t) {
        let (channel, kind) = if recovered {
            ("/recover", "recover")
        } else {
            ("/delete", "delete")
        };
        ctx.publish(
            channel,
            json!({"topic_id": t.id, "message_type": kind, "payload": {"topic_id": t.id}}),
            aud,
        );
    }
}

fn settings(ctx: &Ctx<'_>) -> Value {
    json!({"live": {
        "long_poll_ms": ctx.state.bus.long_poll_ms.load(Ordering::Relaxed),
        "presence_timeout_ms": ctx.state.presence.timeout_ms.load(Ordering::Relaxed),
    }})
}

/// `GET /sandbox/live.json` → `{"live":{"long_poll_ms":…,"presence_timeout_ms":…}}`.
pub(crate) fn settings_get(ctx: &Ctx<'_>) -> ApiResult {
    Ok(settings(ctx))
}

/// `PUT /sandbox/live.json` with `long_poll_ms` and/or `presence_timeout_ms`.
pub(crate) fn settings_put(ctx: &Ctx<'_>) -> ApiResult {
    let read = |name: &str| -> Result<Option<u64>, ApiError> {
        match ctx.params.get_nonblank(name) {
            None => Ok(None),
            Some(v) => v
                .parse::<u64>()
                .map(Some)
                .map_err(|_| ApiError::invalid_params(name)),
        }
    };
    let long_poll = read("long_poll_ms")?;
    let timeout = read("presence_timeout_ms")?;
    if let Some(v) = long_poll {
        ctx.state
            .bus
            .long_poll_ms
            .store(v.min(600_000), Ordering::Relaxed);
    }
    if let Some(v) = timeout {
        ctx.state
            .presence
            .timeout_ms
            .store(v.max(1), Ordering::Relaxed);
    }
    Ok(settings(ctx))
}
