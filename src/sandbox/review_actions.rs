//! `PUT /review/{id}/perform/{action}.json?version=N`: acting on a review item, with the
//! effect applied to the post or user in the same transaction and published on the bus as the
//! matching write would publish it (`/topic/{id}` `acted`/`deleted`/`recovered`, `/delete`,
//! `/latest`, `/reviewable_counts`).
//!
//! Checks, in order: logged in; `version` present (422 `missing_version`); a reviewer (staff,
//! or a category moderator with items in their categories; 403); the item exists within the
//! caller's reach (404, as `find_reviewable` answers for another category's item); `version`
//! current (409, so a second moderator acting on a stale copy is told so even when the item
//! has meanwhile been reviewed); the action is one the item offers now, to this caller (403
//! `invalid_access`, as Discourse turns `Reviewable::InvalidAction` into).
//!
//! Effects: flagged posts — `agree_and_hide` hides the post, `agree_and_keep` (and the
//! suspend/silence/edit variants, whose penalty is a separate admin call) keeps it,
//! `delete_and_agree[_replies]` / `delete_and_ignore` soft-delete it (a first post takes its
//! topic with it), `disagree` unhides it, `ignore_and_do_nothing` changes nothing,
//! `delete_user` removes the author. Queued posts — `approve_post` creates the real post or
//! topic from the payload, `reject_post` discards it. Users — `approve_user` activates the
//! account, `delete_user` removes it. Every pending score of the item takes the matching
//! status (agreed/disagreed/ignored).

use axum::http::StatusCode;
use rusqlite::params;
use serde_json::{json, Map, Value};

use super::live;
use super::review::{
    self, post_any, reviewable_by_id, topic_any, ReviewableRow, APPROVED, DELETED, FLAGGED_POST,
    IGNORED, QUEUED_POST, REJECTED, USER,
};
use super::server::{ApiError, ApiResult, Ctx};
use super::store::{self, cook, slugify, PostRow, TopicRow};
use super::topics::parse_id;

/// What an action did: the item's new status, extra result fields, other items it closed.
struct Outcome {
    status: i64,
    extra: Map<String, Value>,
    closed: Vec<i64>,
}

impl Outcome {
    fn status(status: i64) -> Outcome {
        Outcome {
            status,
            extra: Map::new(),
            closed: Vec::new(),
        }
    }
}

/// Old and alternative action ids Discourse still accepts, mapped to the ones it lists.
fn canonical(kind: &str, action: &str) -> String {
    let a = match (kind, action) {
        (_, "ignore") => "ignore_and_do_nothing",
        (_, "delete_user_block") => "delete_user",
        (QUEUED_POST, "approve") => "approve_post",
        (QUEUED_POST, "reject") => "reject_post",
        (USER, "reject_user_delete" | "reject_user_block" | "reject") => "delete_user",
        (USER, "approve") => "approve_user",
        _ => action,
    };
    a.to_string()
}

fn conflict() -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        json!({"errors": ["Another moderator has changed this item since you loaded it. Please reload and try again."]}),
    )
}

/// `PUT /review/{id}/perform/{action}.json?version=N`.
pub(crate) fn perform(ctx: &Ctx<'_>, id: &str, action: &str) -> ApiResult {
    ctx.require_user()?;
    let Some(given) = ctx.params.get_nonblank("version") else {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({"errors": ["You must supply a version parameter"], "error_type": "missing_version"}),
        ));
    };
    let reach = review::require_reviewer(ctx)?;
    let id = parse_id(id)?;
    let r = reviewable_by_id(ctx.tx, id)?
        .filter(|r| reach.covers(r))
        .ok_or_else(ApiError::not_found)?;
    let given = given
        .parse::<i64>()
        .map_err(|_| ApiError::invalid_params("version"))?;
    if given != r.version {
        return Err(conflict());
    }
    let action = canonical(&r.kind, action);
    let offered = review::bundles(ctx.tx, &r, ctx.g.is_staff())?
        .into_iter()
        .any(|b| b.actions.iter().any(|a| *a == action));
    if !offered {
        return Err(ApiError::invalid_access());
    }
    let outcome = match r.kind.as_str() {
        FLAGGED_POST => flagged(ctx, &r, &action)?,
        QUEUED_POST => queued(ctx, &r, &action)?,
        USER => user(ctx, &r, &action)?,
        _ => return Err(ApiError::invalid_access()),
    };
    let now = ctx.now();
    let version = r.version + 1;
    let changed = ctx.tx.execute(
        "UPDATE reviewables SET status = ?2, version = ?3, reviewed_by_id = ?4, reviewed_at = ?5, updated_at = ?5 \
         WHERE id = ?1 AND version = ?6",
        params![r.id, outcome.status, version, ctx.g.id(), now, r.version],
    )?;
    if changed == 0 {
        return Err(conflict());
    }
    let score_status = match outcome.status {
        APPROVED => 1,
        REJECTED => 2,
        _ => 3,
    };
    ctx.tx.execute(
        "UPDATE reviewable_scores SET status = ?2, reviewed_by_id = ?3, reviewed_at = ?4 \
         WHERE reviewable_id = ?1 AND status = 0",
        params![r.id, score_status, ctx.g.id(), now],
    )?;
    review::publish_counts(ctx)?;
    let pending = reach.pending_count(ctx.tx)?;
    let mut removed = vec![r.id];
    removed.extend(outcome.closed.iter().copied());
    let mut result = json!({
        "success": true,
        "version": version,
        "reviewable_count": pending,
        "unseen_reviewable_count": pending,
        "remove_reviewable_ids": removed,
        "transition_to": review::status_name(outcome.status),
        "transition_to_id": outcome.status,
    });
    if let Value::Object(m) = &mut result {
        m.extend(outcome.extra);
    }
    Ok(json!({ "reviewable_perform_result": result }))
}

// ---------------------------------------------------------------------------------------------
// Flagged posts

fn flagged(ctx: &Ctx<'_>, r: &ReviewableRow, action: &str) -> Result<Outcome, ApiError> {
    let target: Option<PostRow> = match r.post_id {
        Some(id) => post_any(ctx.tx, id)?.map(|(p, _)| p),
        None => None,
    };
    let target = target.as_ref();
    Ok(match action {
        "agree_and_hide" => {
            if let Some(p) = target {
                set_hidden(ctx, p, true)?;
            }
            Outcome::status(APPROVED)
        }
        "agree_and_keep"
        | "agree_and_keep_hidden"
        | "agree_and_suspend"
        | "agree_and_silence"
        | "agree_and_edit" => Outcome::status(APPROVED),
        "agree_and_restore" => {
            if let Some(p) = target {
                restore_post(ctx, p)?;
            }
            Outcome::status(APPROVED)
        }
        "delete_and_agree" | "delete_and_agree_replies" | "delete_and_ignore" => {
            if let Some(p) = target {
                delete_post(ctx, p, action == "delete_and_agree_replies")?;
            }
            Outcome::status(if action == "delete_and_ignore" {
                IGNORED
            } else {
                APPROVED
            })
        }
        "disagree" | "disagree_and_restore" => {
            if let Some(p) = target {
                if action == "disagree_and_restore" {
                    restore_post(ctx, p)?;
                }
                set_hidden(ctx, p, false)?;
            }
            Outcome::status(REJECTED)
        }
        "ignore_and_do_nothing" => Outcome::status(IGNORED),
        "delete_user" => {
            let mut o = Outcome::status(APPROVED);
            if let Some(uid) = r.target_created_by_id {
                o.closed = delete_user(ctx, uid, r.id)?;
            }
            o
        }
        _ => return Err(ApiError::invalid_access()),
    })
}

/// Hides or unhides a post (a no-op when it already is), publishing `acted` on its topic.
fn set_hidden(ctx: &Ctx<'_>, p: &PostRow, hidden: bool) -> Result<(), ApiError> {
    if p.hidden == hidden {
        return Ok(());
    }
    ctx.tx.execute(
        "UPDATE posts SET hidden = ?2 WHERE id = ?1",
        params![p.id, hidden],
    )?;
    if let Some((t, None)) = topic_any(ctx.tx, p.topic_id)? {
        if let Some((fresh, _)) = post_any(ctx.tx, p.id)? {
            live::post_event(ctx, &t, &fresh, "acted", json!({}))?;
        }
    }
    Ok(())
}

/// Soft-deletes one post: `deleted_at`, the parent's reply count, `deleted` on its topic.
fn trash_one(ctx: &Ctx<'_>, t: &TopicRow, p: &PostRow) -> Result<(), ApiError> {
    ctx.tx.execute(
        "UPDATE posts SET deleted_at = ?2 WHERE id = ?1 AND deleted_at IS NULL",
        params![p.id, ctx.now()],
    )?;
    if let Some(n) = p.reply_to_post_number {
        ctx.tx.execute(
            "UPDATE posts SET reply_count = MAX(reply_count - 1, 0) WHERE topic_id = ?1 AND post_number = ?2",
            params![p.topic_id, n],
        )?;
    }
    ctx.tx.execute(
        "UPDATE topics SET accepted_post_id = NULL, accepted_by_id = NULL WHERE accepted_post_id = ?1",
        [p.id],
    )?;
    live::post_event(ctx, t, p, "deleted", json!({}))?;
    Ok(())
}

/// `PostDestroyer` for a moderator: the post (and optionally its direct replies) trashed; a
/// first post trashes its topic (`/delete`); the topic's counters refreshed.
fn delete_post(ctx: &Ctx<'_>, p: &PostRow, replies: bool) -> Result<(), ApiError> {
    let Some((t, _)) = topic_any(ctx.tx, p.topic_id)? else {
        return Ok(());
    };
    trash_one(ctx, &t, p)?;
    if replies {
        let children: Vec<PostRow> = {
            let mut st = ctx.tx.prepare_cached(&format!(
                "SELECT {} FROM posts p WHERE p.topic_id = ?1 AND p.reply_to_post_number = ?2 AND p.deleted_at IS NULL",
                store::POST_COLS
            ))?;
            let it = st.query_map(params![p.topic_id, p.post_number], store::post_from_row)?;
            it.collect::<Result<_, _>>()?
        };
        for c in &children {
            trash_one(ctx, &t, c)?;
        }
    }
    if p.post_number == 1 {
        ctx.tx.execute(
            "UPDATE topics SET deleted_at = ?2 WHERE id = ?1 AND deleted_at IS NULL",
            params![t.id, ctx.now()],
        )?;
        live::topic_trashed(ctx, &t, false);
    } else {
        store::refresh_topic_stats(ctx.tx, t.id)?;
        live::topic_counts_changed(ctx, t.id)?;
    }
    Ok(())
}

/// Undoes a soft delete (and the topic's, for a first post).
fn restore_post(ctx: &Ctx<'_>, p: &PostRow) -> Result<(), ApiError> {
    let changed = ctx.tx.execute(
        "UPDATE posts SET deleted_at = NULL WHERE id = ?1 AND deleted_at IS NOT NULL",
        [p.id],
    )?;
    if changed == 0 {
        return Ok(());
    }
    if p.post_number == 1 {
        ctx.tx.execute(
            "UPDATE topics SET deleted_at = NULL WHERE id = ?1",
            [p.topic_id],
        )?;
    }
    store::refresh_topic_stats(ctx.tx, p.topic_id)?;
    if let Some(t) = store::topic_by_id(ctx.tx, p.topic_id)? {
        if p.post_number == 1 {
            live::topic_trashed(ctx, &t, true);
        }
        live::post_event(ctx, &t, p, "recovered", json!({}))?;
        live::topic_counts_changed(ctx, t.id)?;
    }
    Ok(())
}

/// `UserDestroyer`, sandbox-sized: the account's posts are soft-deleted (topics it started go
/// with them), its keys revoked and group memberships dropped, the row removed, and its other
/// pending items closed as deleted. Staff accounts are refused. Returns the ids of the other
/// items closed.
fn delete_user(ctx: &Ctx<'_>, user_id: i64, item_id: i64) -> Result<Vec<i64>, ApiError> {
    let Some(u) = store::user_by_id(ctx.tx, user_id)? else {
        return Ok(Vec::new());
    };
    if u.staff() {
        return Err(ApiError::invalid_access());
    }
    let posts: Vec<PostRow> = {
        let mut st = ctx.tx.prepare(&format!(
            "SELECT {} FROM posts p WHERE p.user_id = ?1 AND p.deleted_at IS NULL ORDER BY p.id",
            store::POST_COLS
        ))?;
        let it = st.query_map([user_id], store::post_from_row)?;
        it.collect::<Result<_, _>>()?
    };
    let mut touched: Vec<i64> = Vec::new();
    for p in &posts {
        let Some((t, deleted)) = topic_any(ctx.tx, p.topic_id)? else {
            continue;
        };
        if deleted.is_some() {
            ctx.tx.execute(
                "UPDATE posts SET deleted_at = ?2 WHERE id = ?1",
                params![p.id, ctx.now()],
            )?;
            continue;
        }
        trash_one(ctx, &t, p)?;
        if p.post_number == 1 {
            ctx.tx.execute(
                "UPDATE topics SET deleted_at = ?2 WHERE id = ?1",
                params![t.id, ctx.now()],
            )?;
            live::topic_trashed(ctx, &t, false);
        } else if !touched.contains(&t.id) {
            touched.push(t.id);
        }
    }
    for tid in touched {
        if store::topic_by_id(ctx.tx, tid)?.is_some() {
            store::refresh_topic_stats(ctx.tx, tid)?;
            live::topic_counts_changed(ctx, tid)?;
        }
    }
    ctx.tx
        .execute("DELETE FROM user_api_keys WHERE user_id = ?1", [user_id])?;
    ctx.tx
        .execute("DELETE FROM group_users WHERE user_id = ?1", [user_id])?;
    ctx.tx
        .execute("DELETE FROM users WHERE id = ?1", [user_id])?;
    let closed: Vec<i64> = {
        let mut st = ctx.tx.prepare_cached(
            "SELECT id FROM reviewables WHERE target_created_by_id = ?1 AND status = 0 AND id <> ?2 ORDER BY id",
        )?;
        let it = st.query_map(params![user_id, item_id], |r| r.get::<_, i64>(0))?;
        it.collect::<Result<_, _>>()?
    };
    for id in &closed {
        ctx.tx.execute(
            "UPDATE reviewables SET status = ?2, version = version + 1, reviewed_by_id = ?3, reviewed_at = ?4 WHERE id = ?1",
            params![id, DELETED, ctx.g.id(), ctx.now()],
        )?;
        ctx.tx.execute(
            "UPDATE reviewable_scores SET status = 3, reviewed_by_id = ?2, reviewed_at = ?3 WHERE reviewable_id = ?1 AND status = 0",
            params![id, ctx.g.id(), ctx.now()],
        )?;
    }
    Ok(closed)
}

// ---------------------------------------------------------------------------------------------
// Queued posts and users

fn queued(ctx: &Ctx<'_>, r: &ReviewableRow, action: &str) -> Result<Outcome, ApiError> {
    Ok(match action {
        "approve_post" => {
            let (topic_id, post_id) = create_from_payload(ctx, r)?;
            ctx.tx.execute(
                "UPDATE reviewables SET topic_id = ?2, post_id = ?3 WHERE id = ?1",
                params![r.id, topic_id, post_id],
            )?;
            let mut o = Outcome::status(APPROVED);
            o.extra.insert("created_post_id".into(), json!(post_id));
            o.extra
                .insert("created_post_topic_id".into(), json!(topic_id));
            o
        }
        "reject_post" => Outcome::status(REJECTED),
        "delete_user" => {
            let mut o = Outcome::status(REJECTED);
            if let Some(uid) = r.target_created_by_id {
                o.closed = delete_user(ctx, uid, r.id)?;
            }
            o
        }
        _ => return Err(ApiError::invalid_access()),
    })
}

/// Publishes a held post as its author wrote it: a reply in its topic, or a new topic in its
/// category. Returns `(topic_id, post_id)`.
fn create_from_payload(ctx: &Ctx<'_>, r: &ReviewableRow) -> Result<(i64, i64), ApiError> {
    let author = match r.target_created_by_id {
        Some(id) => store::user_by_id(ctx.tx, id)?,
        None => None,
    }
    .ok_or_else(|| ApiError::unprocessable(&["The author of this post no longer exists."]))?;
    let raw = r.payload["raw"].as_str().unwrap_or("").to_string();
    if raw.trim().is_empty() {
        return Err(ApiError::unprocessable(&["The post has no text."]));
    }
    let now = ctx.now();
    let (topic_id, post_id) = match r.topic_id {
        Some(tid) => {
            let t = store::topic_by_id(ctx.tx, tid)?.ok_or_else(|| {
                ApiError::unprocessable(&["The topic this post replies to no longer exists."])
            })?;
            let reply_to = match r.payload["reply_to_post_number"].as_i64() {
                Some(n) => store::post_by_number(ctx.tx, t.id, n)?.map(|p| p.post_number),
                None => None,
            };
            let number = t.highest_post_number + 1;
            ctx.tx.execute(
                "INSERT INTO posts (topic_id, post_number, user_id, raw, cooked, created_at, updated_at, \
                 reply_to_post_number) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7)",
                params![t.id, number, author.id, raw, cook(&raw), now, reply_to],
            )?;
            let post_id = ctx.tx.last_insert_rowid();
            if let Some(n) = reply_to {
                ctx.tx.execute(
                    "UPDATE posts SET reply_count = reply_count + 1 WHERE topic_id = ?1 AND post_number = ?2",
                    params![t.id, n],
                )?;
            }
            store::refresh_topic_stats(ctx.tx, t.id)?;
            ctx.tx.execute(
                "UPDATE topics SET highest_post_number = MAX(highest_post_number, ?2), bumped_at = ?3 WHERE id = ?1",
                params![t.id, number, now],
            )?;
            (t.id, post_id)
        }
        None => {
            let title = r.payload["title"]
                .as_str()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .unwrap_or("Untitled topic")
                .to_string();
            let category = r
                .category_id
                .or_else(|| r.payload["category"].as_i64())
                .or_else(|| r.payload["category_id"].as_i64());
            let category = match category {
                Some(id) => store::category_by_id(ctx.tx, id)?.map_or(1, |c| c.id),
                None => 1,
            };
            ctx.tx.execute(
                "INSERT INTO topics (title, slug, category_id, user_id, archetype, created_at, bumped_at, \
                 last_posted_at, last_post_user_id, posts_count, highest_post_number, participant_count) \
                 VALUES (?1, ?2, ?3, ?4, 'regular', ?5, ?5, ?5, ?4, 1, 1, 1)",
                params![title, slugify(&title), category, author.id, now],
            )?;
            let topic_id = ctx.tx.last_insert_rowid();
            ctx.tx.execute(
                "INSERT INTO posts (topic_id, post_number, user_id, raw, cooked, created_at, updated_at) \
                 VALUES (?1, 1, ?2, ?3, ?4, ?5, ?5)",
                params![topic_id, author.id, raw, cook(&raw), now],
            )?;
            (topic_id, ctx.tx.last_insert_rowid())
        }
    };
    ctx.tx.execute(
        "UPDATE users SET last_posted_at = ?2 WHERE id = ?1",
        params![author.id, now],
    )?;
    if r.topic_id.is_some() {
        live::post_created(ctx, topic_id, post_id)?;
    } else {
        live::topic_created(ctx, topic_id)?;
    }
    Ok((topic_id, post_id))
}

fn user(ctx: &Ctx<'_>, r: &ReviewableRow, action: &str) -> Result<Outcome, ApiError> {
    Ok(match action {
        "approve_user" => {
            if let Some(uid) = r.target_created_by_id {
                ctx.tx
                    .execute("UPDATE users SET active = 1 WHERE id = ?1", [uid])?;
            }
            Outcome::status(APPROVED)
        }
        "delete_user" => {
            let mut o = Outcome::status(REJECTED);
            if let Some(uid) = r.target_created_by_id {
                o.closed = delete_user(ctx, uid, r.id)?;
            }
            o
        }
        _ => return Err(ApiError::invalid_access()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_map_to_listed_actions() {
        assert_eq!(canonical(FLAGGED_POST, "ignore"), "ignore_and_do_nothing");
        assert_eq!(canonical(QUEUED_POST, "approve"), "approve_post");
        assert_eq!(canonical(QUEUED_POST, "reject"), "reject_post");
        assert_eq!(canonical(USER, "reject_user_delete"), "delete_user");
        assert_eq!(canonical(FLAGGED_POST, "agree_and_hide"), "agree_and_hide");
        // "approve" is only a queued-post alias.
        assert_eq!(canonical(FLAGGED_POST, "approve"), "approve");
    }
}
