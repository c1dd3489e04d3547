//! Likes and flags: `POST /post_actions.json`, `DELETE /post_actions/{post_id}.json`,
//! `GET /post_action_users.json` (reference §10.3), with the type ids `/site.json` lists.
//!
//! A like (2) is a row in `likes` and one more on the post's `like_count`. A flag (off-topic
//! 3, inappropriate 4, something else 7, spam 8, illegal 10) is a `reviewable_scores` row on the
//! post's one `ReviewableFlaggedPost` (created on the first flag, reopened if it had been
//! reviewed); each flag adds the flagger's score (1 + trust level, or + 5 for staff, as
//! `ReviewableScore.user_flag_score` without the accuracy bonus). "Send @user a message" (6)
//! opens a private message from the flagger to the author and queues nothing. Posts are not
//! auto-hidden by flag totals in the sandbox; a moderator hides them from the queue.
//!
//! Rules (Discourse's `post_can_act?` and `PostActionCreator`): logged in and not silenced;
//! never on your own post; a second like, or a second flag on the same post, is 403 ("already
//! performed" for the same type); 6, 7 and 10 need a `message`. Undo (`DELETE`) removes your
//! own like, or your own flag while its item is still pending.
//!
//! Who flagged: staff see every flagger of a post; anyone else sees only their own entry (so a
//! member can check what they flagged without seeing the queue); likers are public.

use std::collections::HashMap;

use axum::http::StatusCode;
use rusqlite::{params, OptionalExtension};
use serde_json::{json, Value};

use super::review::{self, FLAGGED_POST, PENDING};
use super::server::{ApiError, ApiResult, Ctx};
use super::store::{self, avatar_template, cook, slugify, PostRow, TopicRow, UserRow};
use super::topics::{parse_id, post_json, visible_topic, Users};

pub(crate) const LIKE: i64 = 2;
pub(crate) const OFF_TOPIC: i64 = 3;
pub(crate) const INAPPROPRIATE: i64 = 4;
pub(crate) const NOTIFY_USER: i64 = 6;
pub(crate) const NOTIFY_MODERATORS: i64 = 7;
pub(crate) const SPAM: i64 = 8;
pub(crate) const ILLEGAL: i64 = 10;
/// The flags that put a post in the review queue.
pub(crate) const REVIEW_FLAGS: [i64; 5] =
    [OFF_TOPIC, INAPPROPRIATE, NOTIFY_MODERATORS, SPAM, ILLEGAL];
const SUMMARY_TYPES: [i64; 6] = [
    OFF_TOPIC,
    INAPPROPRIATE,
    NOTIFY_USER,
    NOTIFY_MODERATORS,
    SPAM,
    ILLEGAL,
];

const ALREADY: &str = "Oops! You already performed this action. Can you try something different?";

/// `require_message` in `/site.json`.
pub(crate) fn requires_message(kind: i64) -> bool {
    matches!(kind, NOTIFY_USER | NOTIFY_MODERATORS | ILLEGAL)
}

/// What one flag adds to its item's score.
pub(crate) fn flag_score(trust_level: i64, staff: bool) -> f64 {
    1.0 + if staff {
        5.0
    } else {
        trust_level.clamp(0, 4) as f64
    }
}

fn already_performed() -> ApiError {
    ApiError::new(StatusCode::FORBIDDEN, json!({ "errors": [ALREADY] }))
}

fn message_required() -> ApiError {
    ApiError::unprocessable(&["Please tell us why you are flagging this post: a message is required for this type of flag."])
}

/// Loads the post named by `id` that the current user may see (404 otherwise), with its topic.
fn target(ctx: &Ctx<'_>, post_id: i64) -> Result<(TopicRow, PostRow), ApiError> {
    let p = store::post_by_id(ctx.tx, post_id)?.ok_or_else(ApiError::not_found)?;
    let t = visible_topic(ctx, p.topic_id)?;
    if !ctx.g.can_see_post(&p) {
        return Err(ApiError::not_found());
    }
    Ok((t, p))
}

/// `POST /post_actions.json` (`id`, `post_action_type_id`, `message`, `flag_topic`) → the post.
pub(crate) fn create(ctx: &Ctx<'_>) -> ApiResult {
    let user = ctx.require_user()?.clone();
    let post_id = ctx
        .int_param("id")?
        .ok_or_else(|| ApiError::param_missing("id"))?;
    let kind = ctx
        .int_param("post_action_type_id")?
        .ok_or_else(|| ApiError::param_missing("post_action_type_id"))?;
    let (t, mut p) = target(ctx, post_id)?;
    if ctx.bool_param("flag_topic") && kind != LIKE {
        // A topic flag lands on the topic's first post.
        p = store::post_by_number(ctx.tx, t.id, 1)?.ok_or_else(ApiError::not_found)?;
    }
    if user.silenced(ctx.now()) {
        return Err(ApiError::invalid_access());
    }
    let message = ctx.params.get_nonblank("message").map(str::to_string);
    match kind {
        LIKE => like(ctx, &user, &t, &p)?,
        NOTIFY_USER => notify_user(ctx, &user, &t, &p, message)?,
        k if REVIEW_FLAGS.contains(&k) => flag(ctx, &user, &t, &p, k, message)?,
        _ => return Err(ApiError::invalid_params("post_action_type_id")),
    }
    post_response(ctx, t.id, p.id)
}

fn like(ctx: &Ctx<'_>, user: &UserRow, t: &TopicRow, p: &PostRow) -> Result<(), ApiError> {
    if p.user_id == user.id {
        return Err(ApiError::invalid_access());
    }
    let exists = ctx
        .tx
        .prepare_cached("SELECT 1 FROM likes WHERE post_id = ?1 AND user_id = ?2")?
        .query_row(params![p.id, user.id], |_| Ok(()))
        .optional()?
        .is_some();
    if exists {
        return Err(already_performed());
    }
    ctx.tx.execute(
        "INSERT INTO likes (post_id, user_id, created_at) VALUES (?1, ?2, ?3)",
        params![p.id, user.id, ctx.now()],
    )?;
    ctx.tx.execute(
        "UPDATE posts SET like_count = like_count + 1 WHERE id = ?1",
        [p.id],
    )?;
    store::refresh_topic_stats(ctx.tx, t.id)?;
    super::live::post_liked(ctx, t.id, p.id, user.id, true)
}

fn flag(
    ctx: &Ctx<'_>,
    user: &UserRow,
    t: &TopicRow,
    p: &PostRow,
    kind: i64,
    message: Option<String>,
) -> Result<(), ApiError> {
    if p.user_id == user.id {
        return Err(ApiError::invalid_access());
    }
    if requires_message(kind) && message.is_none() {
        return Err(message_required());
    }
    let earlier: Option<i64> = ctx
        .tx
        .prepare_cached(
            "SELECT score_type FROM reviewable_scores WHERE post_id = ?1 AND user_id = ?2 \
             AND score_type IN (3, 4, 7, 8, 10) ORDER BY (score_type = ?3) DESC, id DESC LIMIT 1",
        )?
        .query_row(params![p.id, user.id, kind], |r| r.get(0))
        .optional()?;
    match earlier {
        Some(k) if k == kind => return Err(already_performed()),
        Some(_) => return Err(ApiError::invalid_access()),
        None => {}
    }
    let now = ctx.now();
    let existing: Option<(i64, i64)> = ctx
        .tx
        .prepare_cached(
            "SELECT id, status FROM reviewables WHERE type = ?1 AND post_id = ?2 ORDER BY id DESC LIMIT 1",
        )?
        .query_row(params![FLAGGED_POST, p.id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let rid = match existing {
        Some((id, status)) => {
            if status != PENDING {
                // Flagged again after a review: the same item comes back to the queue.
                ctx.tx.execute(
                    "UPDATE reviewables SET status = 0, version = version + 1, reviewed_by_id = NULL, \
                     reviewed_at = NULL, topic_id = ?2, category_id = ?3 WHERE id = ?1",
                    params![id, t.id, t.category_id],
                )?;
            }
            id
        }
        None => {
            ctx.tx.execute(
                "INSERT INTO reviewables (type, status, topic_id, post_id, target_created_by_id, created_by_id, \
                 category_id, score, version, payload, created_at, updated_at) \
                 VALUES (?1, 0, ?2, ?3, ?4, ?5, ?6, 0, 0, '{}', ?7, ?7)",
                params![FLAGGED_POST, t.id, p.id, p.user_id, user.id, t.category_id, now],
            )?;
            ctx.tx.last_insert_rowid()
        }
    };
    ctx.tx.execute(
        "INSERT INTO reviewable_scores (reviewable_id, user_id, post_id, score_type, score, status, message, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, 0, ?6, ?7)",
        params![rid, user.id, p.id, kind, flag_score(user.trust_level, user.staff()), message, now],
    )?;
    rescore(ctx, rid)?;
    super::live::post_event(ctx, t, p, "acted", json!({}))?;
    review::publish_counts(ctx)
}

/// An item's score is the sum of its pending scores.
fn rescore(ctx: &Ctx<'_>, reviewable_id: i64) -> Result<(), ApiError> {
    ctx.tx.execute(
        "UPDATE reviewables SET score = (SELECT COALESCE(SUM(score), 0) FROM reviewable_scores \
         WHERE reviewable_id = ?1 AND status = 0), updated_at = ?2 WHERE id = ?1",
        params![reviewable_id, ctx.now()],
    )?;
    Ok(())
}

/// "Send @user a message": a private message from the flagger to the author, linking the post.
fn notify_user(
    ctx: &Ctx<'_>,
    user: &UserRow,
    t: &TopicRow,
    p: &PostRow,
    message: Option<String>,
) -> Result<(), ApiError> {
    if p.user_id == user.id {
        return Err(ApiError::invalid_access());
    }
    let message = message.ok_or_else(message_required)?;
    let mut title = format!("Your post in \u{201c}{}\u{201d}", t.title);
    if title.chars().count() > 200 {
        title = title.chars().take(200).collect();
    }
    let raw = format!(
        "{message}\n\n{}/t/{}/{}/{}",
        ctx.base_url, t.slug, t.id, p.post_number
    );
    let now = ctx.now();
    ctx.tx.execute(
        "INSERT INTO topics (title, slug, category_id, user_id, archetype, created_at, bumped_at, \
         last_posted_at, last_post_user_id, posts_count, highest_post_number, participant_count) \
         VALUES (?1, ?2, NULL, ?3, 'private_message', ?4, ?4, ?4, ?3, 1, 1, 1)",
        params![title, slugify(&title), user.id, now],
    )?;
    let pm = ctx.tx.last_insert_rowid();
    for uid in [user.id, p.user_id] {
        ctx.tx.execute(
            "INSERT OR IGNORE INTO topic_allowed_users (topic_id, user_id) VALUES (?1, ?2)",
            params![pm, uid],
        )?;
    }
    ctx.tx.execute(
        "INSERT INTO posts (topic_id, post_number, user_id, raw, cooked, created_at, updated_at) \
         VALUES (?1, 1, ?2, ?3, ?4, ?5, ?5)",
        params![pm, user.id, raw, cook(&raw), now],
    )?;
    Ok(())
}

/// `DELETE /post_actions/{post_id}.json?post_action_type_id=` → the post.
pub(crate) fn destroy(ctx: &Ctx<'_>, id: &str) -> ApiResult {
    let user = ctx.require_user()?.clone();
    let post_id = parse_id(id)?;
    let kind = ctx
        .int_param("post_action_type_id")?
        .ok_or_else(|| ApiError::param_missing("post_action_type_id"))?;
    let (t, p) = target(ctx, post_id)?;
    if kind == LIKE {
        let n = ctx.tx.execute(
            "DELETE FROM likes WHERE post_id = ?1 AND user_id = ?2",
            params![p.id, user.id],
        )?;
        if n == 0 {
            return Err(ApiError::not_found());
        }
        ctx.tx.execute(
            "UPDATE posts SET like_count = MAX(like_count - 1, 0) WHERE id = ?1",
            [p.id],
        )?;
        store::refresh_topic_stats(ctx.tx, t.id)?;
        super::live::post_liked(ctx, t.id, p.id, user.id, false)?;
    } else if REVIEW_FLAGS.contains(&kind) {
        let mine: Option<(i64, i64, i64)> = ctx
            .tx
            .prepare_cached(
                "SELECT s.id, s.reviewable_id, s.status FROM reviewable_scores s \
                 WHERE s.post_id = ?1 AND s.user_id = ?2 AND s.score_type = ?3 ORDER BY s.id DESC LIMIT 1",
            )?
            .query_row(params![p.id, user.id, kind], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .optional()?;
        let Some((score_id, rid, status)) = mine else {
            return Err(ApiError::not_found());
        };
        if status != PENDING {
            // Already reviewed: the flag is part of the record now.
            return Err(ApiError::invalid_access());
        }
        ctx.tx
            .execute("DELETE FROM reviewable_scores WHERE id = ?1", [score_id])?;
        let (left, pending): (i64, i64) = ctx.tx.query_row(
            "SELECT COUNT(*), COALESCE(SUM(status = 0), 0) FROM reviewable_scores WHERE reviewable_id = ?1",
            [rid],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        if left == 0 {
            ctx.tx
                .execute("DELETE FROM reviewables WHERE id = ?1", [rid])?;
        } else {
            rescore(ctx, rid)?;
            if pending == 0 {
                // Only reviewed flags remain: nothing is waiting any more.
                ctx.tx.execute(
                    "UPDATE reviewables SET status = 3, version = version + 1 WHERE id = ?1 AND status = 0",
                    [rid],
                )?;
            }
        }
        review::publish_counts(ctx)?;
    } else {
        return Err(ApiError::invalid_params("post_action_type_id"));
    }
    post_response(ctx, t.id, p.id)
}

/// The post as `PostSerializer` shows it after an action, with a full `actions_summary`.
fn post_response(ctx: &Ctx<'_>, topic_id: i64, post_id: i64) -> ApiResult {
    let t = store::topic_by_id(ctx.tx, topic_id)?.ok_or_else(ApiError::not_found)?;
    let p = store::post_by_id(ctx.tx, post_id)?.ok_or_else(ApiError::not_found)?;
    let allows = store::category_accepts_answers(ctx.tx, t.category_id)?;
    let mut users = Users::new(ctx);
    let mut v = post_json(ctx, &mut users, &t, &p, allows, false)?;
    v["actions_summary"] = actions_summary(ctx, &p)?;
    Ok(v)
}

/// `actions_summary`: the like count and whether the viewer liked; for each flag type whether
/// the viewer flagged (`acted`, `can_undo` while pending) or still may (`can_act`); staff also
/// see how many pending flags of each type the post has.
pub(crate) fn actions_summary(ctx: &Ctx<'_>, p: &PostRow) -> Result<Value, ApiError> {
    let me = ctx.g.id();
    let yours = me == Some(p.user_id);
    let liked = match me {
        Some(uid) => ctx
            .tx
            .prepare_cached("SELECT 1 FROM likes WHERE post_id = ?1 AND user_id = ?2")?
            .query_row(params![p.id, uid], |_| Ok(()))
            .optional()?
            .is_some(),
        None => false,
    };
    let mut out = vec![json!({
        "id": LIKE,
        "count": p.like_count,
        "acted": liked,
        "can_undo": liked,
        "can_act": me.is_some() && !yours && !liked,
    })];
    let my_flag: Option<(i64, i64)> = match me {
        Some(uid) => ctx
            .tx
            .prepare_cached(
                "SELECT score_type, status FROM reviewable_scores WHERE post_id = ?1 AND user_id = ?2 \
                 AND score_type IN (3, 4, 7, 8, 10) ORDER BY id DESC LIMIT 1",
            )?
            .query_row(params![p.id, uid], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?,
        None => None,
    };
    let counts: HashMap<i64, i64> = if ctx.g.is_staff() {
        let mut st = ctx.tx.prepare_cached(
            "SELECT score_type, COUNT(*) FROM reviewable_scores WHERE post_id = ?1 AND status = 0 \
             AND score_type IN (3, 4, 7, 8, 10) GROUP BY score_type",
        )?;
        let it = st.query_map([p.id], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)))?;
        it.collect::<Result<_, _>>()?
    } else {
        HashMap::new()
    };
    let may_flag = me.is_some() && !yours && my_flag.is_none();
    for k in SUMMARY_TYPES {
        let mut e = serde_json::Map::new();
        if let Some((ft, st)) = my_flag {
            if ft == k {
                e.insert("acted".into(), json!(true));
                e.insert("can_undo".into(), json!(st == PENDING));
            }
        }
        if may_flag || (k == NOTIFY_USER && me.is_some() && !yours) {
            e.insert("can_act".into(), json!(true));
        }
        if let Some(n) = counts.get(&k) {
            e.insert("count".into(), json!(n));
        }
        if !e.is_empty() {
            e.insert("id".into(), json!(k));
            out.push(Value::Object(e));
        }
    }
    Ok(Value::Array(out))
}

/// `GET /post_action_users.json?id=POST&post_action_type_id=TYPE` →
/// `{"post_action_users":[…],"total_rows_post_action_users":N}`.
pub(crate) fn users(ctx: &Ctx<'_>) -> ApiResult {
    let post_id = ctx
        .int_param("id")?
        .ok_or_else(|| ApiError::param_missing("id"))?;
    let kind = ctx.int_param("post_action_type_id")?.unwrap_or(LIKE);
    let (_, p) = target(ctx, post_id)?;
    let mut ids: Vec<i64> = if kind == LIKE {
        let mut st = ctx.tx.prepare_cached(
            "SELECT user_id FROM likes WHERE post_id = ?1 ORDER BY created_at, user_id",
        )?;
        let it = st.query_map([p.id], |r| r.get::<_, i64>(0))?;
        it.collect::<Result<_, _>>()?
    } else if REVIEW_FLAGS.contains(&kind) {
        ctx.require_user()?;
        let mut st = ctx.tx.prepare_cached(
            "SELECT user_id FROM reviewable_scores WHERE post_id = ?1 AND score_type = ?2 ORDER BY id",
        )?;
        let it = st.query_map(params![p.id, kind], |r| r.get::<_, i64>(0))?;
        it.collect::<Result<_, _>>()?
    } else {
        Vec::new()
    };
    if kind != LIKE && !ctx.g.is_staff() {
        let me = ctx.g.id();
        ids.retain(|id| Some(*id) == me);
    }
    let total = ids.len();
    let mut list = Vec::new();
    for id in ids.into_iter().take(200) {
        if let Some(u) = store::user_by_id(ctx.tx, id)? {
            list.push(json!({
                "id": u.id,
                "username": u.username,
                "name": u.name,
                "avatar_template": avatar_template(&u.username),
                "username_lower": u.username.to_lowercase(),
                "post_url": null,
            }));
        }
    }
    Ok(json!({"post_action_users": list, "total_rows_post_action_users": total}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_grow_with_trust() {
        assert_eq!(flag_score(0, false), 1.0);
        assert_eq!(flag_score(4, false), 5.0);
        assert_eq!(flag_score(1, true), 6.0);
        assert_eq!(flag_score(99, false), 5.0);
        assert!(requires_message(NOTIFY_MODERATORS) && !requires_message(SPAM));
    }
}
