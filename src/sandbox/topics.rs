//! Reading topics and posts: `/t/{id}.json`, `/t/{id}/posts.json`, `/posts/{id}.json`.

use std::collections::HashMap;

use serde_json::{json, Value};

use super::lists::basic_user;
use super::server::{ApiError, ApiResult, Ctx};
use super::store::{
    self, avatar_template, excerpt, iso, post_from_row, PostRow, TopicRow, UserRow, POST_COLS,
    WHISPER,
};

pub(crate) const CHUNK_SIZE: usize = 20;

/// Loads a topic the current user may see; 404 when missing, 403 for PMs of others.
pub(crate) fn visible_topic(ctx: &Ctx<'_>, id: i64) -> Result<TopicRow, ApiError> {
    let t = store::topic_by_id(ctx.tx, id)?.ok_or_else(ApiError::not_found)?;
    let allowed = match ctx.g.id() {
        Some(uid) if t.is_pm() => store::pm_allowed(ctx.tx, t.id, uid)?,
        _ => false,
    };
    if !ctx.g.can_see_topic(&t, allowed) {
        if t.is_pm() {
            return Err(if ctx.g.user.is_none() {
                ApiError::not_logged_in()
            } else {
                ApiError::invalid_access()
            });
        }
        return Err(ApiError::not_found());
    }
    Ok(t)
}

pub(crate) fn parse_id(s: &str) -> Result<i64, ApiError> {
    s.trim().parse::<i64>().map_err(|_| ApiError::not_found())
}

/// Ids of the posts of a topic the current user may see, in order.
fn stream(ctx: &Ctx<'_>, topic_id: i64) -> Result<Vec<(i64, i64)>, ApiError> {
    let sql = if ctx.g.can_see_whispers() {
        "SELECT id, post_number FROM posts WHERE topic_id = ?1 AND deleted_at IS NULL ORDER BY post_number"
    } else {
        "SELECT id, post_number FROM posts WHERE topic_id = ?1 AND deleted_at IS NULL \
         AND (post_type <> 4 OR user_id = ?2) ORDER BY post_number"
    };
    let mut st = ctx.tx.prepare_cached(sql)?;
    let uid = ctx.g.id().unwrap_or(-1);
    let rows = if ctx.g.can_see_whispers() {
        st.query_map([topic_id], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<Vec<_>, _>>()?
    } else {
        st.query_map([topic_id, uid], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<Vec<_>, _>>()?
    };
    Ok(rows)
}

fn load_posts(ctx: &Ctx<'_>, ids: &[i64]) -> Result<Vec<PostRow>, ApiError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
    let sql = format!(
        "SELECT {POST_COLS} FROM posts p WHERE p.id IN ({list}) AND p.deleted_at IS NULL ORDER BY p.post_number"
    );
    let mut st = ctx.tx.prepare(&sql)?;
    let rows = st.query_map([], post_from_row)?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// Caches authors while serializing posts.
pub(crate) struct Users<'c> {
    ctx: &'c Ctx<'c>,
    cache: HashMap<i64, Option<UserRow>>,
}

impl<'c> Users<'c> {
    pub(crate) fn new(ctx: &'c Ctx<'c>) -> Self {
        Users {
            ctx,
            cache: HashMap::new(),
        }
    }
    pub(crate) fn get(&mut self, id: i64) -> Result<Option<UserRow>, ApiError> {
        if let Some(u) = self.cache.get(&id) {
            return Ok(u.clone());
        }
        let u = store::user_by_id(self.ctx.tx, id)?;
        self.cache.insert(id, u.clone());
        Ok(u)
    }
}

/// The topic-level `accepted_answer` object.
pub(crate) fn accepted_answer_info(ctx: &Ctx<'_>, t: &TopicRow) -> Result<Value, ApiError> {
    let Some(pid) = t.accepted_post_id else {
        return Ok(Value::Null);
    };
    let Some(p) = store::post_by_id(ctx.tx, pid)? else {
        return Ok(Value::Null);
    };
    let author = store::user_by_id(ctx.tx, p.user_id)?;
    let accepter = match t.accepted_by_id {
        Some(id) => store::user_by_id(ctx.tx, id)?,
        None => None,
    };
    Ok(json!({
        "post_number": p.post_number,
        "username": author.as_ref().map(|u| u.username.clone()),
        "name": author.as_ref().map(|u| u.name.clone()),
        "excerpt": excerpt(&p.cooked, 140),
        "accepter_username": accepter.as_ref().map(|u| u.username.clone()),
        "accepter_name": accepter.as_ref().map(|u| u.name.clone()),
    }))
}

/// Merges the members of `more` into the object `v`.
pub(crate) fn extend(v: &mut Value, more: Value) {
    if let (Value::Object(a), Value::Object(b)) = (v, more) {
        a.extend(b);
    }
}

/// One post as PostSerializer shows it (with the discourse-solved fields).
pub(crate) fn post_json(
    ctx: &Ctx<'_>,
    users: &mut Users<'_>,
    t: &TopicRow,
    p: &PostRow,
    category_allows: bool,
    include_raw: bool,
) -> Result<Value, ApiError> {
    let author = users.get(p.user_id)?;
    let (username, name, tl, admin, moderator, title) = match &author {
        Some(u) => (
            u.username.clone(),
            u.name.clone(),
            u.trust_level,
            u.admin,
            u.moderator,
            u.title.clone(),
        ),
        None => ("deleted".to_string(), String::new(), 0, false, false, None),
    };
    let accepted = t.accepted_post_id == Some(p.id);
    let can_accept = ctx.g.can_accept_answer(t, p, category_allows);
    let yours = ctx.g.is_user(p.user_id);
    let mut v = json!({
        "id": p.id,
        "name": name,
        "username": username,
        "avatar_template": avatar_template(&username),
        "created_at": iso(p.created_at),
        "cooked": p.cooked,
        "post_number": p.post_number,
        "post_type": p.post_type,
        "updated_at": iso(p.updated_at),
        "reply_count": p.reply_count,
        "reply_to_post_number": p.reply_to_post_number,
        "quote_count": 0,
        "incoming_link_count": 0,
        "reads": p.like_count * 3 + 1,
        "readers_count": p.like_count * 3,
        "score": p.like_count as f64 * 15.0 + 0.2,
        "yours": yours,
        "topic_id": t.id,
        "topic_slug": t.slug,
        "display_username": name,
    });
    extend(
        &mut v,
        json!({
            "primary_group_name": null,
            "flair_name": null,
            "version": p.version,
            "can_edit": ctx.g.user.is_some() && ctx.g.can_edit_post(p),
            "can_delete": ctx.g.user.is_some() && ctx.g.can_delete_post(p),
            "can_recover": false,
            "can_wiki": ctx.g.is_staff() || (yours && tl >= 1),
            "read": true,
            "user_title": title,
            "bookmarked": false,
            "actions_summary": [{"id": 2, "count": p.like_count, "can_act": ctx.g.user.is_some() && !yours}],
        }),
    );
    extend(
        &mut v,
        json!({
            "moderator": moderator,
            "admin": admin,
            "staff": admin || moderator,
            "user_id": p.user_id,
            "hidden": p.hidden,
            "trust_level": tl,
            "deleted_at": null,
            "user_deleted": false,
            "edit_reason": null,
            "can_view_edit_history": true,
            "wiki": false,
            "reviewable_id": 0,
            "reviewable_score_count": 0,
            "reviewable_score_pending_count": 0,
            "can_accept_answer": can_accept && !accepted,
            "can_unaccept_answer": can_accept && accepted,
            "accepted_answer": accepted,
            "topic_accepted_answer": t.accepted_post_id.is_some(),
        }),
    );
    if let Some(n) = p.reply_to_post_number {
        if let Some(parent) = store::post_by_number(ctx.tx, t.id, n)? {
            if let Some(pu) = users.get(parent.user_id)? {
                v["reply_to_user"] = json!({
                    "id": pu.id,
                    "username": pu.username,
                    "name": pu.name,
                    "avatar_template": avatar_template(&pu.username),
                });
            }
        }
    }
    if include_raw {
        v["raw"] = Value::String(p.raw.clone());
    }
    Ok(v)
}

/// `GET /t/{id}.json`, `/t/{slug}/{id}.json`, `/t/{id}/{post_number}.json`.
pub(crate) fn show(
    ctx: &Ctx<'_>,
    _slug: Option<&str>,
    id: &str,
    post_number: Option<&str>,
) -> ApiResult {
    let id = parse_id(id)?;
    let t = visible_topic(ctx, id)?;
    let ids = stream(ctx, t.id)?;
    let include_raw = ctx.params.get("include_raw").is_some_and(|v| !v.is_empty());
    let post_number = match post_number {
        Some(n) => Some(parse_id(n)?),
        None => ctx.int_param("post_number")?,
    };
    let start = if let Some(page) = ctx.int_param("page")? {
        let page = page.max(1) as usize;
        let start = (page - 1).saturating_mul(CHUNK_SIZE);
        if start >= ids.len() && !(start == 0 && ids.is_empty()) {
            return Err(ApiError::not_found());
        }
        start
    } else if let Some(n) = post_number {
        let idx = ids
            .iter()
            .position(|(_, pn)| *pn >= n)
            .unwrap_or(ids.len().saturating_sub(1));
        idx.min(ids.len().saturating_sub(CHUNK_SIZE))
    } else {
        0
    };
    let chunk: Vec<i64> = ids
        .iter()
        .skip(start)
        .take(CHUNK_SIZE)
        .map(|(id, _)| *id)
        .collect();
    let rows = load_posts(ctx, &chunk)?;
    let category_allows = store::category_accepts_answers(ctx.tx, t.category_id)?;
    let mut users = Users::new(ctx);
    let mut posts = Vec::with_capacity(rows.len());
    for p in &rows {
        posts.push(post_json(
            ctx,
            &mut users,
            &t,
            p,
            category_allows,
            include_raw,
        )?);
    }
    let participants = participants(ctx, &t)?;
    let created_by = users.get(t.user_id)?.map(|u| basic_user(&u));
    let last_poster = users.get(t.last_post_user_id)?.map(|u| basic_user(&u));
    let can_post = {
        let allowed = match ctx.g.id() {
            Some(uid) if t.is_pm() => store::pm_allowed(ctx.tx, t.id, uid)?,
            _ => false,
        };
        ctx.g.can_create_post_on_topic(&t, allowed)
    };
    let staff = ctx.g.is_staff();
    let days_ago = ((ctx.now() - t.created_at) / 86_400_000).max(0);
    let mut v = json!({
        "post_stream": {"posts": posts, "stream": ids.iter().map(|(id, _)| *id).collect::<Vec<_>>()},
        "timeline_lookup": [[1, days_ago]],
        "suggested_topics": [],
        "tags": [],
        "tags_descriptions": {},
        "id": t.id,
        "title": t.title,
        "fancy_title": t.title,
        "posts_count": t.posts_count,
        "created_at": iso(t.created_at),
        "views": t.views,
        "reply_count": t.reply_count,
        "like_count": t.like_count,
        "last_posted_at": iso(t.last_posted_at),
        "visible": t.visible,
        "closed": t.closed,
        "archived": t.archived,
        "has_summary": false,
        "archetype": t.archetype,
        "slug": t.slug,
        "category_id": t.category_id,
    });
    extend(
        &mut v,
        json!({
            "word_count": null,
            "deleted_at": null,
            "user_id": t.user_id,
            "featured_link": null,
            "pinned_globally": false,
            "pinned_at": null,
            "pinned_until": null,
            "image_url": null,
            "slow_mode_seconds": 0,
            "draft": null,
            "draft_key": format!("topic_{}", t.id),
            "draft_sequence": 0,
            "unpinned": null,
            "pinned": false,
            "current_post_number": post_number.unwrap_or(1),
            "highest_post_number": t.highest_post_number,
            "deleted_by": null,
            "has_deleted": false,
            "actions_summary": [],
            "chunk_size": CHUNK_SIZE,
            "bookmarked": false,
            "bookmarks": [],
            "topic_timer": null,
            "message_bus_last_id": 0,
            "participant_count": t.participant_count,
            "show_read_indicator": false,
            "thumbnails": null,
            "has_accepted_answer": t.accepted_post_id.is_some(),
        }),
    );
    v["details"] = json!({
            "can_edit": ctx.g.can_edit_topic(&t),
            "notification_level": 1,
            "can_move_posts": ctx.g.can_move_posts(&t),
            "can_delete": staff,
            "can_remove_allowed_users": staff && t.is_pm(),
            "can_create_post": can_post,
            "can_reply_as_new_topic": ctx.g.can_create_topic(),
            "can_flag_topic": ctx.g.user.is_some(),
            "can_convert_topic": staff,
            "can_review_topic": staff,
            "can_close_topic": staff || ctx.g.trust_level() >= 4,
            "can_archive_topic": staff || ctx.g.trust_level() >= 4,
            "can_split_merge_topic": ctx.g.can_move_posts(&t),
            "can_edit_staff_notes": staff,
            "can_toggle_topic_visibility": staff,
            "can_pin_unpin_topic": staff,
            "can_moderate_category": staff,
            "participants": participants,
            "created_by": created_by,
            "last_poster": last_poster,
    });
    let accepted = accepted_answer_info(ctx, &t)?;
    if !accepted.is_null() {
        v["accepted_answer"] = accepted;
    }
    Ok(v)
}

fn participants(ctx: &Ctx<'_>, t: &TopicRow) -> Result<Vec<Value>, ApiError> {
    let mut st = ctx.tx.prepare_cached(
        "SELECT u.id, u.username, u.name, u.trust_level, u.admin, u.moderator, COUNT(*) AS n \
         FROM posts p JOIN users u ON u.id = p.user_id \
         WHERE p.topic_id = ?1 AND p.deleted_at IS NULL AND p.post_type <> ?2 \
         GROUP BY u.id ORDER BY n DESC, u.id LIMIT 24",
    )?;
    let rows = st.query_map([t.id, WHISPER], |r| {
        let username: String = r.get(1)?;
        Ok(json!({
            "id": r.get::<_, i64>(0)?,
            "username": username,
            "name": r.get::<_, String>(2)?,
            "avatar_template": avatar_template(&username),
            "post_count": r.get::<_, i64>(6)?,
            "primary_group_name": null,
            "flair_name": null,
            "trust_level": r.get::<_, i64>(3)?,
            "admin": r.get::<_, bool>(4)?,
            "moderator": r.get::<_, bool>(5)?,
        }))
    })?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// `GET /t/{id}/posts.json?post_ids[]=…` (or `post_number`).
pub(crate) fn topic_posts(ctx: &Ctx<'_>, id: &str) -> ApiResult {
    let id = parse_id(id)?;
    let t = visible_topic(ctx, id)?;
    let visible = stream(ctx, t.id)?;
    let wanted: Vec<i64> = ctx
        .params
        .all("post_ids")
        .iter()
        .flat_map(|v| v.split(','))
        .filter_map(|v| v.trim().parse::<i64>().ok())
        .collect();
    let ids: Vec<i64> = if !wanted.is_empty() {
        visible
            .iter()
            .map(|(id, _)| *id)
            .filter(|id| wanted.contains(id))
            .collect()
    } else if let Some(n) = ctx.int_param("post_number")? {
        let asc = ctx.bool_param("asc");
        if asc {
            visible
                .iter()
                .filter(|(_, pn)| *pn > n)
                .take(CHUNK_SIZE)
                .map(|(id, _)| *id)
                .collect()
        } else {
            let before: Vec<i64> = visible
                .iter()
                .filter(|(_, pn)| *pn < n)
                .map(|(id, _)| *id)
                .collect();
            before[before.len().saturating_sub(CHUNK_SIZE)..].to_vec()
        }
    } else {
        visible.iter().take(CHUNK_SIZE).map(|(id, _)| *id).collect()
    };
    let rows = load_posts(ctx, &ids)?;
    let include_raw = ctx.params.get("include_raw").is_some_and(|v| !v.is_empty());
    let category_allows = store::category_accepts_answers(ctx.tx, t.category_id)?;
    let mut users = Users::new(ctx);
    let mut posts = Vec::new();
    for p in &rows {
        posts.push(post_json(
            ctx,
            &mut users,
            &t,
            p,
            category_allows,
            include_raw,
        )?);
    }
    Ok(json!({"post_stream": {"posts": posts}, "id": t.id}))
}

/// `GET /posts/{id}.json` (includes `raw`).
pub(crate) fn single_post(ctx: &Ctx<'_>, id: &str) -> ApiResult {
    let id = parse_id(id)?;
    let p = store::post_by_id(ctx.tx, id)?.ok_or_else(ApiError::not_found)?;
    let t = visible_topic(ctx, p.topic_id)?;
    if !ctx.g.can_see_post(&p) {
        return Err(ApiError::not_found());
    }
    let category_allows = store::category_accepts_answers(ctx.tx, t.category_id)?;
    let mut users = Users::new(ctx);
    post_json(ctx, &mut users, &t, &p, category_allows, true)
}
