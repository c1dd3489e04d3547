//! Members: `/session/current`, `/u/{username}`, `/u/{username}/summary`, `/user_actions`,
//! `/admin/users/{id}`, `/solution/by_user`.

use rusqlite::{params, OptionalExtension};
use serde_json::{json, Value};

use super::badges::{badge_json, badge_types_json};
use super::lists::{basic_user, topic_item};
use super::review::Reach;
use super::server::{ApiError, ApiResult, Ctx};
use super::store::{self, avatar_template, excerpt, iso, iso_opt, UserRow};
use super::topics::{extend, parse_id};

/// `GET /session/current.json`. `can_review` is `can_see_review_queue?` and
/// `reviewable_count` the pending items the user reviews (staff: all; a category moderator:
/// those of their categories; see review.rs `Reach`).
pub(crate) fn session_current(ctx: &Ctx<'_>) -> ApiResult {
    let u = ctx.g.user.as_ref().ok_or_else(ApiError::not_found)?;
    let reach = Reach::of(ctx.tx, u)?;
    Ok(json!({"current_user": {
        "id": u.id,
        "username": u.username,
        "name": u.name,
        "avatar_template": avatar_template(&u.username),
        "admin": u.admin,
        "moderator": u.moderator,
        "staff": u.staff(),
        "trust_level": u.trust_level,
        "title": u.title,
        "can_create_topic": ctx.g.can_create_topic(),
        "can_review": reach.sees_queue(ctx.tx)?,
        "can_send_private_messages": true,
        "silenced_till": iso_opt(u.silenced_till),
        "unread_notifications": 0,
        "unread_high_priority_notifications": 0,
        "reviewable_count": reach.pending_count(ctx.tx)?,
        "groups": groups(ctx, u)?,
    }}))
}

/// The automatic groups the user is in, then the others (`group_users`) by id.
fn groups(ctx: &Ctx<'_>, u: &UserRow) -> Result<Vec<Value>, ApiError> {
    let mut out = Vec::new();
    if u.admin {
        out.push(json!({"id": 1, "name": "admins"}));
    }
    if u.staff() {
        out.push(json!({"id": 3, "name": "staff"}));
    }
    if u.moderator {
        out.push(json!({"id": 2, "name": "moderators"}));
    }
    for tl in 0..=u.trust_level.clamp(0, 4) {
        out.push(json!({"id": 10 + tl, "name": format!("trust_level_{tl}")}));
    }
    let mut st = ctx.tx.prepare_cached(
        "SELECT g.id, g.name FROM groups g JOIN group_users gu ON gu.group_id = g.id \
         WHERE gu.user_id = ?1 ORDER BY g.id",
    )?;
    let rows = st.query_map([u.id], |r| {
        let id: i64 = r.get(0)?;
        let name: String = r.get(1)?;
        Ok(json!({"id": id, "name": name}))
    })?;
    for row in rows {
        out.push(row?);
    }
    Ok(out)
}

fn count(ctx: &Ctx<'_>, sql: &str, id: i64) -> Result<i64, ApiError> {
    Ok(ctx.tx.prepare_cached(sql)?.query_row([id], |r| r.get(0))?)
}

struct Stats {
    likes_given: i64,
    likes_received: i64,
    topic_count: i64,
    post_count: i64,
    solved_count: i64,
}

fn stats(ctx: &Ctx<'_>, id: i64) -> Result<Stats, ApiError> {
    Ok(Stats {
        likes_given: count(ctx, "SELECT COUNT(*) FROM likes WHERE user_id = ?1", id)?,
        likes_received: count(
            ctx,
            "SELECT COALESCE(SUM(p.like_count), 0) FROM posts p JOIN topics t ON t.id = p.topic_id \
             WHERE p.user_id = ?1 AND p.deleted_at IS NULL AND t.archetype = 'regular'",
            id,
        )?,
        topic_count: count(
            ctx,
            "SELECT COUNT(*) FROM topics WHERE user_id = ?1 AND archetype = 'regular' AND deleted_at IS NULL",
            id,
        )?,
        post_count: count(
            ctx,
            "SELECT COUNT(*) FROM posts p JOIN topics t ON t.id = p.topic_id \
             WHERE p.user_id = ?1 AND p.deleted_at IS NULL AND p.post_type <> 4 AND t.archetype = 'regular'",
            id,
        )?,
        solved_count: count(
            ctx,
            "SELECT COUNT(*) FROM topics t JOIN posts p ON p.id = t.accepted_post_id WHERE p.user_id = ?1",
            id,
        )?,
    })
}

fn find_user(ctx: &Ctx<'_>, username: &str) -> Result<UserRow, ApiError> {
    store::user_by_username(ctx.tx, username)?.ok_or_else(ApiError::not_found)
}

/// `GET /u/{username}.json`: staff-only and self-only fields are left out for others.
pub(crate) fn profile(ctx: &Ctx<'_>, username: &str) -> ApiResult {
    let u = find_user(ctx, username)?;
    let s = stats(ctx, u.id)?;
    let staff = ctx.g.is_staff();
    let is_self = ctx.g.is_user(u.id);
    let badge_count = count(
        ctx,
        "SELECT COUNT(*) FROM user_badges WHERE user_id = ?1",
        u.id,
    )?;
    let mut user = json!({
        "id": u.id,
        "username": u.username,
        "name": u.name,
        "avatar_template": avatar_template(&u.username),
        "last_posted_at": iso_opt(u.last_posted_at),
        "last_seen_at": iso_opt(u.last_seen_at),
        "created_at": iso(u.created_at),
        "ignored": false,
        "muted": false,
        "can_ignore_user": ctx.g.user.is_some() && !is_self,
        "can_mute_user": ctx.g.user.is_some() && !is_self,
        "can_send_private_messages": ctx.g.user.is_some(),
        "can_send_private_message_to_user": ctx.g.user.is_some() && !is_self,
        "trust_level": u.trust_level,
        "moderator": u.moderator,
        "admin": u.admin,
    });
    extend(
        &mut user,
        json!({
            "title": u.title,
            "badge_count": badge_count,
            "time_read": u.time_read,
            "recent_time_read": u.time_read / 10,
            "primary_group_name": null,
            "flair_name": null,
            "featured_topic": null,
            "bio_raw": u.bio_raw,
            "bio_cooked": u.bio_raw.as_deref().map(store::cook),
            "bio_excerpt": u.bio_raw.as_deref().map(|b| excerpt(&store::cook(b), 200)),
            "website": u.website,
            "website_name": u.website.as_deref().map(|w| w.trim_start_matches("https://").to_string()),
            "location": u.location,
            "user_fields": {},
            "custom_fields": {},
            "profile_view_count": u.days_visited * 3,
            "invited_by": null,
            "groups": groups(ctx, &u)?,
            "featured_user_badge_ids": [],
            "can_edit": staff || is_self,
            "accepted_answers": s.solved_count,
        }),
    );
    if u.suspended(ctx.now()) {
        user["suspended_till"] = json!(iso_opt(u.suspended_till));
    }
    if u.silenced(ctx.now()) {
        user["silenced_till"] = json!(iso_opt(u.silenced_till));
    }
    if staff {
        user["post_count"] = json!(s.post_count);
        user["can_be_deleted"] = json!(ctx.g.is_admin() && s.post_count == 0);
        user["can_delete_all_posts"] = json!(ctx.g.is_admin());
        user["staged"] = json!(false);
        user["suspend_reason"] = json!(u.suspend_reason);
        user["silence_reason"] = json!(u.silence_reason);
    }
    if staff || is_self {
        user["pending_posts_count"] = json!(0);
    }
    if is_self {
        user["email"] = json!(u.email);
        user["associated_accounts"] = Value::Array(
            linked_accounts(ctx, u.id)?
                .into_iter()
                .map(|(p, uid)| json!({"name": p, "description": format!("{uid}")}))
                .collect(),
        );
    }
    if is_self || ctx.g.is_admin() {
        user["second_factor_enabled"] = json!(u.staff());
    }
    // Featured badges: the three rarest the member holds.
    let mut st = ctx.tx.prepare_cached(
        "SELECT ub.id, ub.badge_id, ub.granted_at FROM user_badges ub JOIN badges b ON b.id = ub.badge_id \
         WHERE ub.user_id = ?1 AND b.enabled = 1 ORDER BY b.badge_type_id, ub.granted_at DESC LIMIT 3",
    )?;
    let featured: Vec<(i64, i64, i64)> = st
        .query_map([u.id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    user["featured_user_badge_ids"] = json!(featured.iter().map(|f| f.0).collect::<Vec<_>>());
    let mut badges = Vec::new();
    for (_, bid, _) in &featured {
        if let Some(b) = badge_json(ctx, *bid)? {
            badges.push(b);
        }
    }
    Ok(json!({
        "user_badges": featured.iter().map(|(id, bid, at)| json!({
            "id": id, "granted_at": iso(*at), "badge_id": bid, "user_id": u.id, "granted_by_id": -1
        })).collect::<Vec<_>>(),
        "badges": badges,
        "badge_types": badge_types_json(ctx)?,
        "users": [basic_user(&u)],
        "user": user,
    }))
}

fn linked_accounts(ctx: &Ctx<'_>, id: i64) -> Result<Vec<(String, String)>, ApiError> {
    let mut st = ctx.tx.prepare_cached(
        "SELECT provider, uid FROM user_associated_accounts WHERE user_id = ?1 ORDER BY provider",
    )?;
    let rows = st.query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// `GET /u/{username}/summary.json`.
pub(crate) fn summary(ctx: &Ctx<'_>, username: &str) -> ApiResult {
    let u = find_user(ctx, username)?;
    let s = stats(ctx, u.id)?;
    // Top topics by likes.
    let mut st = ctx.tx.prepare_cached(&format!(
        "SELECT {} FROM topics t WHERE t.user_id = ?1 AND t.archetype = 'regular' AND t.deleted_at IS NULL \
         ORDER BY t.like_count DESC, t.id DESC LIMIT 6",
        store::TOPIC_COLS
    ))?;
    let topics: Vec<store::TopicRow> = st
        .query_map([u.id], store::topic_from_row)?
        .collect::<Result<_, _>>()?;
    let mut st = ctx.tx.prepare_cached(
        "SELECT p.post_number, p.like_count, p.created_at, p.topic_id FROM posts p JOIN topics t ON t.id = p.topic_id \
         WHERE p.user_id = ?1 AND p.post_number > 1 AND p.deleted_at IS NULL AND p.post_type <> 4 \
         AND t.archetype = 'regular' ORDER BY p.like_count DESC, p.id DESC LIMIT 6",
    )?;
    let replies: Vec<Value> = st
        .query_map([u.id], |r| {
            Ok(
                json!({"post_number": r.get::<_, i64>(0)?, "like_count": r.get::<_, i64>(1)?,
                      "created_at": iso(r.get(2)?), "topic_id": r.get::<_, i64>(3)?}),
            )
        })?
        .collect::<Result<_, _>>()?;
    let mut st = ctx.tx.prepare_cached(
        "SELECT l.user_id, COUNT(*) AS n FROM likes l JOIN posts p ON p.id = l.post_id \
         WHERE p.user_id = ?1 GROUP BY l.user_id ORDER BY n DESC, l.user_id LIMIT 6",
    )?;
    let liked_by: Vec<(i64, i64)> = st
        .query_map([u.id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let mut st = ctx.tx.prepare_cached(
        "SELECT p.user_id, COUNT(*) AS n FROM likes l JOIN posts p ON p.id = l.post_id \
         WHERE l.user_id = ?1 GROUP BY p.user_id ORDER BY n DESC, p.user_id LIMIT 6",
    )?;
    let liked: Vec<(i64, i64)> = st
        .query_map([u.id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let people = |list: &[(i64, i64)]| -> Result<Vec<Value>, ApiError> {
        let mut out = Vec::new();
        for (id, n) in list {
            if let Some(p) = store::user_by_id(ctx.tx, *id)? {
                out.push(json!({"id": p.id, "username": p.username, "name": p.name,
                    "avatar_template": avatar_template(&p.username), "count": n,
                    "admin": p.admin, "moderator": p.moderator, "trust_level": p.trust_level}));
            }
        }
        Ok(out)
    };
    let mut st = ctx.tx.prepare_cached(
        "SELECT t.category_id, COUNT(*) AS n FROM posts p JOIN topics t ON t.id = p.topic_id \
         WHERE p.user_id = ?1 AND t.archetype = 'regular' AND t.category_id IS NOT NULL \
         GROUP BY t.category_id ORDER BY n DESC LIMIT 5",
    )?;
    let cats: Vec<(i64, i64)> = st
        .query_map([u.id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let mut top_categories = Vec::new();
    for (cid, n) in cats {
        if let Some(c) = store::category_by_id(ctx.tx, cid)? {
            top_categories.push(
                json!({"id": c.id, "name": c.name, "slug": c.slug, "color": c.color,
                "text_color": c.text_color, "read_restricted": false, "parent_category_id": null,
                "post_count": n, "topic_count": 0}),
            );
        }
    }
    let mut st = ctx.tx.prepare_cached(
        "SELECT ub.badge_id, COUNT(*) FROM user_badges ub WHERE ub.user_id = ?1 GROUP BY ub.badge_id \
         ORDER BY MAX(ub.granted_at) DESC LIMIT 6",
    )?;
    let held: Vec<(i64, i64)> = st
        .query_map([u.id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let mut badges = Vec::new();
    for (bid, _) in &held {
        if let Some(b) = badge_json(ctx, *bid)? {
            badges.push(b);
        }
    }
    let mut sideload_users = vec![basic_user(&u)];
    sideload_users.extend(people(&liked_by)?);
    Ok(json!({
        "topics": topics.iter().map(|t| topic_item(t, Vec::new())).collect::<Vec<_>>(),
        "badges": badges,
        "badge_types": badge_types_json(ctx)?,
        "users": sideload_users,
        "user_summary": {
            "likes_given": s.likes_given,
            "likes_received": s.likes_received,
            "topics_entered": u.topics_entered,
            "posts_read_count": u.posts_read_count,
            "days_visited": u.days_visited,
            "topic_count": s.topic_count,
            "post_count": s.post_count,
            "time_read": u.time_read,
            "recent_time_read": u.time_read / 10,
            "bookmark_count": if ctx.g.is_user(u.id) { Some(0) } else { None },
            "can_see_summary_stats": true,
            "can_see_user_actions": true,
            "solved_count": s.solved_count,
            "topic_ids": topics.iter().map(|t| t.id).collect::<Vec<_>>(),
            "replies": replies,
            "links": [],
            "most_liked_by_users": people(&liked_by)?,
            "most_liked_users": people(&liked)?,
            "most_replied_to_users": [],
            "badges": held.iter().map(|(bid, n)| json!({"badge_id": bid, "count": n})).collect::<Vec<_>>(),
            "top_categories": top_categories,
        }
    }))
}

/// `GET /user_actions.json?username=&filter=&offset=&limit=`.
pub(crate) fn user_actions(ctx: &Ctx<'_>) -> ApiResult {
    let username = ctx
        .params
        .get_nonblank("username")
        .ok_or_else(|| ApiError::param_missing("username"))?;
    let u = find_user(ctx, username)?;
    let offset = ctx.int_param("offset")?.unwrap_or(0).max(0);
    let limit = ctx.int_param("limit")?.unwrap_or(30).clamp(1, 100);
    let mut filters: Vec<i64> = ctx
        .params
        .all("filter")
        .iter()
        .flat_map(|f| f.split(','))
        .filter_map(|f| f.trim().parse().ok())
        .collect();
    let may_see_pms = ctx.g.can_see_private_messages(u.id);
    if filters.is_empty() {
        filters = vec![1, 2, 4, 5, 15];
    } else if !may_see_pms {
        filters.retain(|f| *f != 12 && *f != 13);
    }
    // Each action type is a SELECT of the same columns:
    // action_type, created_at, post_id, acting_user_id, target_user_id
    let mut parts = Vec::new();
    for f in &filters {
        let sql = match f {
            1 => "SELECT 1 AS at, l.created_at AS ca, l.post_id AS pid, ?1 AS acting, p.user_id AS target \
                  FROM likes l JOIN posts p ON p.id = l.post_id JOIN topics t ON t.id = p.topic_id \
                  WHERE l.user_id = ?1 AND t.archetype = 'regular'",
            2 => "SELECT 2, l.created_at, l.post_id, l.user_id, ?1 FROM likes l JOIN posts p ON p.id = l.post_id \
                  JOIN topics t ON t.id = p.topic_id WHERE p.user_id = ?1 AND t.archetype = 'regular'",
            4 => "SELECT 4, t.created_at, p.id, ?1, ?1 FROM topics t JOIN posts p ON p.topic_id = t.id AND p.post_number = 1 \
                  WHERE t.user_id = ?1 AND t.archetype = 'regular' AND t.deleted_at IS NULL",
            5 => "SELECT 5, p.created_at, p.id, ?1, ?1 FROM posts p JOIN topics t ON t.id = p.topic_id \
                  WHERE p.user_id = ?1 AND p.post_number > 1 AND p.post_type <> 4 AND p.deleted_at IS NULL \
                  AND t.archetype = 'regular'",
            12 => "SELECT 12, t.created_at, p.id, ?1, ?1 FROM topics t JOIN posts p ON p.topic_id = t.id AND p.post_number = 1 \
                   WHERE t.user_id = ?1 AND t.archetype = 'private_message'",
            13 => "SELECT 13, t.created_at, p.id, t.user_id, ?1 FROM topics t JOIN posts p ON p.topic_id = t.id AND p.post_number = 1 \
                   JOIN topic_allowed_users a ON a.topic_id = t.id AND a.user_id = ?1 \
                   WHERE t.user_id <> ?1 AND t.archetype = 'private_message'",
            15 => "SELECT 15, p.created_at, p.id, COALESCE(t.accepted_by_id, ?1), ?1 FROM topics t \
                   JOIN posts p ON p.id = t.accepted_post_id WHERE p.user_id = ?1",
            _ => continue,
        };
        parts.push(sql);
    }
    if parts.is_empty() {
        return Ok(json!({"user_actions": []}));
    }
    let sql = format!(
        "SELECT * FROM ({}) ORDER BY 2 DESC, 3 DESC LIMIT {limit} OFFSET {offset}",
        parts.join(" UNION ALL ")
    );
    let mut st = ctx.tx.prepare(&sql)?;
    let rows: Vec<(i64, i64, i64, i64, i64)> = st
        .query_map([u.id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?
        .collect::<Result<_, _>>()?;
    let mut out = Vec::with_capacity(rows.len());
    for (action_type, created_at, post_id, acting_id, target_id) in rows {
        let Some(p) = store::post_by_id(ctx.tx, post_id)? else {
            continue;
        };
        let Some(t) = store::topic_by_id(ctx.tx, p.topic_id)? else {
            continue;
        };
        let author = store::user_by_id(ctx.tx, p.user_id)?;
        let acting = store::user_by_id(ctx.tx, acting_id)?;
        let target = store::user_by_id(ctx.tx, target_id)?;
        let name = |u: &Option<UserRow>| u.as_ref().map(|u| u.username.clone());
        out.push(json!({
            "action_type": action_type,
            "created_at": iso(created_at),
            "excerpt": excerpt(&p.cooked, 200),
            "avatar_template": author.as_ref().map(|a| avatar_template(&a.username)),
            "acting_avatar_template": acting.as_ref().map(|a| avatar_template(&a.username)),
            "slug": t.slug,
            "topic_id": t.id,
            "target_user_id": target_id,
            "target_name": target.as_ref().map(|u| u.name.clone()),
            "target_username": name(&target),
            "post_number": p.post_number,
            "post_id": p.id,
            "reply_to_post_number": p.reply_to_post_number,
            "username": name(&author),
            "name": author.as_ref().map(|u| u.name.clone()),
            "user_id": p.user_id,
            "acting_username": name(&acting),
            "acting_name": acting.as_ref().map(|u| u.name.clone()),
            "acting_user_id": acting_id,
            "title": t.title,
            "deleted": false,
            "hidden": p.hidden,
            "post_type": p.post_type,
            "action_code": null,
            "category_id": t.category_id,
            "closed": t.closed,
            "archived": t.archived,
        }));
    }
    Ok(json!({"user_actions": out}))
}

/// `GET /solution/by_user.json?username=&offset=&limit=`.
pub(crate) fn solved_by_user(ctx: &Ctx<'_>) -> ApiResult {
    let username = ctx
        .params
        .get_nonblank("username")
        .ok_or_else(|| ApiError::param_missing("username"))?;
    let u = find_user(ctx, username)?;
    let offset = ctx.int_param("offset")?.unwrap_or(0).max(0);
    let limit = ctx.int_param("limit")?.unwrap_or(30).clamp(1, 100);
    let mut st = ctx.tx.prepare_cached(
        "SELECT p.id, t.id, t.title, t.slug, p.post_number, p.cooked, p.created_at, t.category_id \
         FROM topics t JOIN posts p ON p.id = t.accepted_post_id \
         WHERE p.user_id = ?1 AND t.archetype = 'regular' ORDER BY p.created_at DESC LIMIT ?2 OFFSET ?3",
    )?;
    let rows = st.query_map(params![u.id, limit, offset], |r| {
        let slug: String = r.get(3)?;
        let tid: i64 = r.get(1)?;
        let n: i64 = r.get(4)?;
        let cooked: String = r.get(5)?;
        Ok(json!({
            "post_id": r.get::<_, i64>(0)?,
            "topic_id": tid,
            "topic_title": r.get::<_, String>(2)?,
            "topic_slug": slug,
            "post_number": n,
            "username": u.username,
            "name": u.name,
            "avatar_template": avatar_template(&u.username),
            "excerpt": excerpt(&cooked, 200),
            "created_at": iso(r.get(6)?),
            "category_id": r.get::<_, Option<i64>>(7)?,
            "url": format!("/t/{slug}/{tid}/{n}"),
            "user_id": u.id,
        }))
    })?;
    let list: Vec<Value> = rows.collect::<Result<_, _>>()?;
    Ok(json!({"user_solved_posts": list}))
}

/// `GET /admin/users/{id}.json` (staff only).
pub(crate) fn admin_user(ctx: &Ctx<'_>, id: &str) -> ApiResult {
    ctx.require_user()?;
    if !ctx.g.is_staff() {
        return Err(ApiError::invalid_access());
    }
    let id = parse_id(id)?;
    let u = store::user_by_id(ctx.tx, id)?.ok_or_else(ApiError::not_found)?;
    let s = stats(ctx, u.id)?;
    let flags_given = count(
        ctx,
        "SELECT COUNT(*) FROM reviewable_scores WHERE user_id = ?1 AND score_type <> 9",
        u.id,
    )?;
    let flags_received = count(
        ctx,
        "SELECT COUNT(*) FROM reviewable_scores rs JOIN posts p ON p.id = rs.post_id WHERE p.user_id = ?1 AND rs.score_type <> 9",
        u.id,
    )?;
    let pm_count = count(
        ctx,
        "SELECT COUNT(*) FROM topic_allowed_users WHERE user_id = ?1",
        u.id,
    )?;
    let linked = linked_accounts(ctx, u.id)?;
    let mut external_ids = serde_json::Map::new();
    for (provider, uid) in &linked {
        external_ids.insert(provider.clone(), Value::String(uid.clone()));
    }
    let api_keys: i64 = ctx
        .tx
        .prepare_cached(
            "SELECT COUNT(*) FROM user_api_keys WHERE user_id = ?1 AND revoked_at IS NULL",
        )?
        .query_row([u.id], |r| r.get(0))
        .optional()?
        .unwrap_or(0);
    let now = ctx.now();
    let mut v = json!({
        "id": u.id,
        "username": u.username,
        "name": u.name,
        "avatar_template": avatar_template(&u.username),
        "active": u.active,
        "admin": u.admin,
        "moderator": u.moderator,
        "staged": false,
        "last_seen_at": iso_opt(u.last_seen_at),
        "last_emailed_at": iso_opt(u.last_seen_at),
        "created_at": iso(u.created_at),
        "last_seen_age": u.last_seen_at.map(|t| (now - t) as f64 / 1000.0),
        "created_at_age": (now - u.created_at) as f64 / 1000.0,
        "trust_level": u.trust_level,
        "manual_locked_trust_level": null,
        "title": u.title,
        "time_read": u.time_read,
        "days_visited": u.days_visited,
        "posts_read_count": u.posts_read_count,
        "topics_entered": u.topics_entered,
        "post_count": s.post_count,
        "topic_count": s.topic_count,
        "like_count": s.likes_received,
        "like_given_count": s.likes_given,
        "flags_given_count": flags_given,
        "flags_received_count": flags_received,
        "warnings_received_count": u.warnings_received,
        "private_topics_count": pm_count,
    });
    extend(
        &mut v,
        json!({
            "can_send_activation_email": false,
            "can_activate": !u.active,
            "can_deactivate": u.active && ctx.g.is_admin(),
            "can_grant_admin": ctx.g.is_admin() && !u.admin,
            "can_revoke_admin": ctx.g.is_admin() && u.admin,
            "can_grant_moderation": ctx.g.is_admin() && !u.moderator,
            "can_revoke_moderation": ctx.g.is_admin() && u.moderator,
            "can_impersonate": ctx.g.is_admin() && !u.admin,
            "can_be_deleted": ctx.g.is_admin() && s.post_count == 0,
            "can_delete_all_posts": ctx.g.is_admin(),
            "suspended_till": iso_opt(u.suspended_till.filter(|t| *t > now)),
            "suspended_at": null,
            "full_suspend_reason": if u.suspended(now) { json!(u.suspend_reason) } else { Value::Null },
            "suspend_reason": if u.suspended(now) { json!(u.suspend_reason) } else { Value::Null },
            "silenced_till": iso_opt(u.silenced_till.filter(|t| *t > now)),
            "silence_reason": if u.silenced(now) { json!(u.silence_reason) } else { Value::Null },
            "penalty_counts": {
                "silenced": u.penalty_silenced,
                "suspended": u.penalty_suspended,
                "total": u.penalty_silenced + u.penalty_suspended,
            },
        }),
    );
    extend(
        &mut v,
        json!({
            "next_penalty": null,
            "bounce_score": 0,
            "reset_bounce_score_after": null,
            "primary_group_id": null,
            "badge_count": count(ctx, "SELECT COUNT(*) FROM user_badges WHERE user_id = ?1", u.id)?,
            "groups": groups(ctx, &u)?,
            "external_ids": Value::Object(external_ids),
            "associated_accounts": linked.iter().map(|(p, uid)| json!({"name": p, "description": uid})).collect::<Vec<_>>(),
            "single_sign_on_record": null,
            "approved_by": null,
            "tl3_requirements": null,
            "accepted_answers": s.solved_count,
        }),
    );
    // Admin-only details (moderators_view_ips / moderators_view_emails are off).
    if ctx.g.is_admin() {
        v["ip_address"] = json!(u.ip_address);
        v["registration_ip_address"] = json!(u.ip_address);
        v["email"] = json!(u.email);
        v["api_key_count"] = json!(api_keys);
        v["second_factor_enabled"] = json!(u.staff());
    }
    Ok(v)
}
