//! Badges: `/badges.json`, `/user-badges/{username}.json`, `POST /user_badges.json`.

use axum::http::StatusCode;
use rusqlite::{params, OptionalExtension, Row};
use serde_json::{json, Value};

use super::lists::basic_user;
use super::server::{ApiError, ApiResult, Ctx, INVALID_ACCESS};
use super::store::{self, iso, slugify};

const BADGE_COLS: &str =
    "b.id, b.name, b.description, b.badge_type_id, b.badge_grouping_id, b.icon, \
    b.allow_title, b.multiple_grant, b.listable, b.enabled, b.system, b.manually_grantable, \
    (SELECT COUNT(*) FROM user_badges ub WHERE ub.badge_id = b.id)";

fn badge_from_row(r: &Row<'_>) -> rusqlite::Result<(Value, bool, bool)> {
    let name: String = r.get(1)?;
    let enabled: bool = r.get(9)?;
    let manual: bool = r.get(11)?;
    Ok((
        json!({
            "id": r.get::<_, i64>(0)?,
            "name": name,
            "description": r.get::<_, String>(2)?,
            "grant_count": r.get::<_, i64>(12)?,
            "allow_title": r.get::<_, bool>(6)?,
            "multiple_grant": r.get::<_, bool>(7)?,
            "icon": r.get::<_, String>(5)?,
            "image_url": null,
            "listable": r.get::<_, bool>(8)?,
            "enabled": enabled,
            "badge_grouping_id": r.get::<_, i64>(4)?,
            "system": r.get::<_, bool>(10)?,
            "slug": slugify(&name),
            "manually_grantable": manual,
            "show_in_post_header": false,
            "badge_type_id": r.get::<_, i64>(3)?,
        }),
        enabled,
        manual,
    ))
}

pub(crate) fn badge_json(ctx: &Ctx<'_>, id: i64) -> Result<Option<Value>, ApiError> {
    Ok(ctx
        .tx
        .prepare_cached(&format!(
            "SELECT {BADGE_COLS} FROM badges b WHERE b.id = ?1"
        ))?
        .query_row([id], badge_from_row)
        .optional()?
        .map(|(v, _, _)| v))
}

pub(crate) fn badge_types_json(ctx: &Ctx<'_>) -> Result<Vec<Value>, ApiError> {
    let mut st = ctx
        .tx
        .prepare_cached("SELECT id, name, sort_order FROM badge_types ORDER BY id")?;
    let rows = st.query_map([], |r| {
        Ok(json!({"id": r.get::<_, i64>(0)?, "name": r.get::<_, String>(1)?, "sort_order": r.get::<_, i64>(2)?}))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn badge_groupings_json(ctx: &Ctx<'_>) -> Result<Vec<Value>, ApiError> {
    let mut st = ctx.tx.prepare_cached(
        "SELECT id, name, description, position FROM badge_groupings ORDER BY position",
    )?;
    let rows = st.query_map([], |r| {
        Ok(json!({"id": r.get::<_, i64>(0)?, "name": r.get::<_, String>(1)?,
                  "description": r.get::<_, String>(2)?, "position": r.get::<_, i64>(3)?, "system": true}))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// `GET /badges.json`: enabled, listable badges.
pub(crate) fn catalogue(ctx: &Ctx<'_>) -> ApiResult {
    let mut st = ctx.tx.prepare_cached(&format!(
        "SELECT {BADGE_COLS} FROM badges b WHERE b.enabled = 1 AND b.listable = 1 ORDER BY b.badge_grouping_id, b.id"
    ))?;
    let badges: Vec<Value> = st
        .query_map([], badge_from_row)?
        .map(|r| r.map(|(v, _, _)| v))
        .collect::<Result<_, _>>()?;
    Ok(json!({
        "badges": badges,
        "badge_types": badge_types_json(ctx)?,
        "badge_groupings": badge_groupings_json(ctx)?,
        "admin_badges": null,
    }))
}

/// id, badge_id, granted_at, granted_by_id, post_id
type UserBadgeRow = (i64, i64, i64, i64, Option<i64>);

fn user_badge_rows(ctx: &Ctx<'_>, user_id: i64) -> Result<Vec<UserBadgeRow>, ApiError> {
    let mut st = ctx.tx.prepare_cached(
        "SELECT ub.id, ub.badge_id, ub.granted_at, ub.granted_by_id, ub.post_id FROM user_badges ub \
         JOIN badges b ON b.id = ub.badge_id WHERE ub.user_id = ?1 AND b.enabled = 1 \
         ORDER BY ub.granted_at DESC, ub.id DESC",
    )?;
    let rows = st.query_map([user_id], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Serializes user badges with the `badges`/`badge_types`/`users`/`topics` sideloads.
fn user_badges_envelope(
    ctx: &Ctx<'_>,
    rows: &[UserBadgeRow],
    user_id: i64,
    grouped: bool,
) -> Result<(Vec<Value>, Value), ApiError> {
    let mut out = Vec::new();
    let mut badge_ids = Vec::new();
    let mut user_ids = vec![user_id];
    let mut topics = Vec::new();
    let mut seen = std::collections::HashMap::new();
    for (id, badge_id, granted_at, by, post_id) in rows {
        if grouped {
            if let Some(idx) = seen.get(badge_id) {
                let item: &mut Value = &mut out[*idx];
                let n = item["count"].as_i64().unwrap_or(1);
                item["count"] = json!(n + 1);
                continue;
            }
            seen.insert(*badge_id, out.len());
        }
        let mut item = json!({
            "id": id,
            "granted_at": iso(*granted_at),
            "created_at": iso(*granted_at),
            "grouping_position": 0,
            "is_favorite": null,
            "can_favorite": false,
            "badge_id": badge_id,
            "user_id": user_id,
            "granted_by_id": by,
        });
        if grouped {
            item["count"] = json!(1);
        }
        if let Some(pid) = post_id {
            if let Some(p) = store::post_by_id(ctx.tx, *pid)? {
                item["post_id"] = json!(pid);
                item["post_number"] = json!(p.post_number);
                item["topic_id"] = json!(p.topic_id);
                if let Some(t) = store::topic_by_id(ctx.tx, p.topic_id)? {
                    if !t.is_pm() && !topics.iter().any(|x: &Value| x["id"] == json!(t.id)) {
                        topics.push(json!({"id": t.id, "title": t.title, "fancy_title": t.title,
                            "slug": t.slug, "posts_count": t.posts_count}));
                    }
                }
            }
        }
        if !badge_ids.contains(badge_id) {
            badge_ids.push(*badge_id);
        }
        if *by > 0 && !user_ids.contains(by) {
            user_ids.push(*by);
        }
        out.push(item);
    }
    let mut badges = Vec::new();
    for id in badge_ids {
        if let Some(b) = badge_json(ctx, id)? {
            badges.push(b);
        }
    }
    let mut users = Vec::new();
    for id in user_ids {
        if let Some(u) = store::user_by_id(ctx.tx, id)? {
            users.push(basic_user(&u));
        }
    }
    Ok((
        out,
        json!({"badges": badges, "badge_types": badge_types_json(ctx)?, "users": users, "topics": topics}),
    ))
}

/// `GET /user-badges/{username}.json[?grouped=true]`.
pub(crate) fn user_badges(ctx: &Ctx<'_>, username: &str) -> ApiResult {
    let u = store::user_by_username(ctx.tx, username)?.ok_or_else(ApiError::not_found)?;
    let rows = user_badge_rows(ctx, u.id)?;
    let (list, mut side) = user_badges_envelope(ctx, &rows, u.id, ctx.bool_param("grouped"))?;
    side["user_badges"] = Value::Array(list);
    Ok(side)
}

fn failed(status: StatusCode, message: &str) -> ApiError {
    ApiError::new(status, json!({"failed": "FAILED", "message": message}))
}

/// Checks a grant `reason`: empty, or a topic/post URL on this site. Returns the post it names.
fn reason_post(ctx: &Ctx<'_>, reason: &str) -> Result<Option<i64>, ApiError> {
    const BAD: &str = "That Discourse link is either invalid, deleted, or private.";
    let reason = reason.trim();
    if reason.is_empty() {
        return Ok(None);
    }
    let path = if let Some(rest) = reason.strip_prefix(&ctx.base_url) {
        rest
    } else if reason.starts_with('/') && !reason.starts_with("//") {
        reason
    } else {
        return Err(failed(StatusCode::BAD_REQUEST, BAD));
    };
    let path = path.split(['?', '#']).next().unwrap_or("");
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let num = |s: &str| s.trim_end_matches(".json").parse::<i64>().ok();
    let (topic_id, post_number, post_id) = match segs.as_slice() {
        ["t", a] => (num(a), None, None),
        ["t", a, b] if num(a).is_some() && num(b).is_some() => (num(a), num(b), None),
        ["t", _, b] => (num(b), None, None),
        ["t", _, b, c] => (num(b), num(c), None),
        ["p", id] => (None, None, num(id)),
        _ => (None, None, None),
    };
    let post = if let Some(pid) = post_id {
        store::post_by_id(ctx.tx, pid)?
    } else if let Some(tid) = topic_id {
        store::post_by_number(ctx.tx, tid, post_number.unwrap_or(1))?
    } else {
        None
    };
    let Some(p) = post else {
        return Err(failed(StatusCode::BAD_REQUEST, BAD));
    };
    let Some(t) = store::topic_by_id(ctx.tx, p.topic_id)? else {
        return Err(failed(StatusCode::BAD_REQUEST, BAD));
    };
    if t.is_pm() || !ctx.g.can_see_post(&p) {
        return Err(failed(StatusCode::BAD_REQUEST, BAD));
    }
    Ok(Some(p.id))
}

/// `POST /user_badges.json` (`username`, `badge_id` or `badge_name`, `reason`).
pub(crate) fn grant(ctx: &Ctx<'_>) -> ApiResult {
    let granter = ctx.require_user()?.clone();
    let username = ctx
        .params
        .get_nonblank("username")
        .ok_or_else(|| ApiError::param_missing("username"))?;
    let user = store::user_by_username(ctx.tx, username)?.ok_or_else(ApiError::not_found)?;
    if !ctx.g.can_grant_badges() {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            json!({"failed": "FAILED", "errors": [INVALID_ACCESS], "error_type": "invalid_access"}),
        ));
    }
    let badge = if let Some(id) = ctx.params.get_nonblank("badge_id") {
        let id = id.parse::<i64>().map_err(|_| ApiError::not_found())?;
        ctx.tx
            .prepare_cached(&format!(
                "SELECT {BADGE_COLS} FROM badges b WHERE b.id = ?1"
            ))?
            .query_row([id], badge_from_row)
            .optional()?
    } else if let Some(name) = ctx.params.get_nonblank("badge_name") {
        ctx.tx
            .prepare_cached(&format!(
                "SELECT {BADGE_COLS} FROM badges b WHERE b.name = ?1 COLLATE NOCASE"
            ))?
            .query_row([name], badge_from_row)
            .optional()?
    } else {
        return Err(ApiError::param_missing("badge_id"));
    };
    let Some((badge, enabled, manual)) = badge else {
        return Err(ApiError::not_found());
    };
    if !enabled {
        return Err(ApiError::not_found());
    }
    if !manual {
        return Err(ApiError::unprocessable(&[
            "This badge is granted automatically and can't be granted manually.",
        ]));
    }
    let post_id = reason_post(ctx, ctx.params.get("reason").unwrap_or(""))?;
    let badge_id = badge["id"].as_i64().unwrap_or(0);
    let multiple = badge["multiple_grant"].as_bool().unwrap_or(false);
    let existing: Option<i64> = ctx
        .tx
        .prepare_cached(
            "SELECT id FROM user_badges WHERE user_id = ?1 AND badge_id = ?2 ORDER BY id LIMIT 1",
        )?
        .query_row(params![user.id, badge_id], |r| r.get(0))
        .optional()?;
    let ub_id = match existing {
        Some(id) if !multiple => id,
        _ => {
            ctx.tx.execute(
                "INSERT INTO user_badges (badge_id, user_id, granted_at, granted_by_id, post_id) \
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![badge_id, user.id, ctx.now(), granter.id, post_id],
            )?;
            ctx.tx.last_insert_rowid()
        }
    };
    let row: UserBadgeRow = ctx.tx.query_row(
        "SELECT id, badge_id, granted_at, granted_by_id, post_id FROM user_badges WHERE id = ?1",
        [ub_id],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
    )?;
    let (mut list, mut side) = user_badges_envelope(ctx, &[row], user.id, false)?;
    side["user_badge"] = list.pop().unwrap_or(Value::Null);
    Ok(side)
}
