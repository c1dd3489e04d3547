//! Writing: create posts and topics, accept/unaccept solutions, move posts, recategorize.

use std::time::{Duration, Instant};

use axum::http::StatusCode;
use rusqlite::params;
use serde_json::json;

use super::live;
use super::server::{ApiError, ApiResult, Ctx};
use super::store::{self, cook, slugify, PostRow, TopicRow, WHISPER};
use super::topics::{accepted_answer_info, parse_id, post_json, visible_topic, Users};

const MIN_POST_LENGTH: usize = 20;
const MIN_PM_POST_LENGTH: usize = 10;
const MAX_POST_LENGTH: usize = 32_000;
const MIN_TITLE_LENGTH: usize = 15;
const MAX_TITLE_LENGTH: usize = 255;
const MEMO_TTL: Duration = Duration::from_secs(120);
const TOPIC_NOT_FOUND: &str =
    "Something has gone wrong. Perhaps this topic was closed or deleted while you were looking at it?";

fn create_post_error(errors: Vec<String>) -> ApiError {
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        json!({"action": "create_post", "errors": errors}),
    )
}

/// `POST /posts.json`: a reply (`topic_id`), a new topic (`title`) or a private message
/// (`archetype=private_message` + `target_recipients`).
pub(crate) fn create_post(ctx: &Ctx<'_>) -> ApiResult {
    let user = ctx.require_user()?.clone();
    if user.silenced(ctx.now()) {
        return Err(ApiError::invalid_access());
    }
    // The 120-second memo: an identical create by the same user returns the first result.
    let mut pairs: Vec<String> = ctx
        .params
        .pairs()
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    pairs.sort();
    let memo_key = format!("{}\u{0}{}", user.id, pairs.join("\u{0}"));
    {
        let mut memo = ctx.state.memo.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        memo.retain(|_, (at, _)| now.duration_since(*at) < MEMO_TTL);
        if let Some((_, v)) = memo.get(&memo_key) {
            return Ok(v.clone());
        }
    }

    let raw = ctx.params.get("raw").unwrap_or("");
    if raw.trim().is_empty() {
        return Err(ApiError::param_missing("raw"));
    }
    let is_pm = ctx.params.get("archetype") == Some("private_message");
    let topic_id = ctx.params.get_nonblank("topic_id");
    let result = if let Some(tid) = topic_id {
        let tid = tid
            .parse::<i64>()
            .map_err(|_| ApiError::invalid_params("topic_id"))?;
        reply(ctx, &user, tid, raw)?
    } else {
        new_topic(ctx, &user, raw, is_pm)?
    };
    if let (Some(tid), Some(pid)) = (result["topic_id"].as_i64(), result["id"].as_i64()) {
        if result["post_number"].as_i64() == Some(1) {
            live::topic_created(ctx, tid)?;
        } else {
            live::post_created(ctx, tid, pid)?;
        }
    }
    let value = if ctx.bool_param("nested_post") {
        json!({"action": "create_post", "post": result, "success": true})
    } else {
        result
    };
    let mut memo = ctx.state.memo.lock().unwrap_or_else(|e| e.into_inner());
    memo.insert(memo_key, (Instant::now(), value.clone()));
    Ok(value)
}

fn length_errors(raw: &str, min: usize) -> Vec<String> {
    let n = raw.trim().chars().count();
    if n < min {
        vec![format!("Body is too short (minimum is {min} characters)")]
    } else if n > MAX_POST_LENGTH {
        vec![format!(
            "Body is too long (maximum is {MAX_POST_LENGTH} characters)"
        )]
    } else {
        Vec::new()
    }
}

fn title_errors(title: &str) -> Vec<String> {
    let n = title.trim().chars().count();
    if n < MIN_TITLE_LENGTH {
        vec![format!(
            "Title is too short (minimum is {MIN_TITLE_LENGTH} characters)"
        )]
    } else if n > MAX_TITLE_LENGTH {
        vec![format!(
            "Title is too long (maximum is {MAX_TITLE_LENGTH} characters)"
        )]
    } else {
        Vec::new()
    }
}

fn reply(ctx: &Ctx<'_>, user: &store::UserRow, topic_id: i64, raw: &str) -> ApiResult {
    let topic = store::topic_by_id(ctx.tx, topic_id)?;
    let Some(t) = topic else {
        return Err(create_post_error(vec![TOPIC_NOT_FOUND.into()]));
    };
    let allowed = t.is_pm() && store::pm_allowed(ctx.tx, t.id, user.id)?;
    if !ctx.g.can_create_post_on_topic(&t, allowed) {
        return Err(create_post_error(vec![TOPIC_NOT_FOUND.into()]));
    }
    let min = if t.is_pm() {
        MIN_PM_POST_LENGTH
    } else {
        MIN_POST_LENGTH
    };
    let errors = length_errors(raw, min);
    if !errors.is_empty() {
        return Err(create_post_error(errors));
    }
    let whisper = ctx.bool_param("whisper") && ctx.g.is_staff();
    let no_bump = ctx.bool_param("no_bump") && ctx.g.is_staff();
    let reply_to = match ctx.int_param("reply_to_post_number") {
        Ok(Some(n)) => store::post_by_number(ctx.tx, t.id, n)?.map(|p| p.post_number),
        _ => None,
    };
    let now = ctx.now();
    let number = t.highest_post_number + 1;
    ctx.tx.execute(
        "INSERT INTO posts (topic_id, post_number, user_id, raw, cooked, created_at, updated_at, \
         reply_to_post_number, post_type) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7, ?8)",
        params![
            t.id,
            number,
            user.id,
            raw,
            cook(raw),
            now,
            reply_to,
            if whisper { WHISPER } else { 1 }
        ],
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
        "UPDATE topics SET highest_post_number = MAX(highest_post_number, ?2) WHERE id = ?1",
        params![t.id, number],
    )?;
    if !whisper && !no_bump {
        ctx.tx.execute(
            "UPDATE topics SET bumped_at = ?2 WHERE id = ?1",
            params![t.id, now],
        )?;
    }
    ctx.tx.execute(
        "UPDATE users SET last_posted_at = ?2, last_seen_at = ?2 WHERE id = ?1",
        params![user.id, now],
    )?;
    created_post_json(ctx, t.id, post_id)
}

fn created_post_json(ctx: &Ctx<'_>, topic_id: i64, post_id: i64) -> ApiResult {
    let t = store::topic_by_id(ctx.tx, topic_id)?.ok_or_else(ApiError::not_found)?;
    let p = store::post_by_id(ctx.tx, post_id)?.ok_or_else(ApiError::not_found)?;
    let allows = store::category_accepts_answers(ctx.tx, t.category_id)?;
    let mut users = Users::new(ctx);
    let mut v = post_json(ctx, &mut users, &t, &p, allows, true)?;
    v["draft_sequence"] = json!(1);
    v["post_url"] = json!(format!("/t/{}/{}/{}", t.slug, t.id, p.post_number));
    v["topic_slug"] = json!(t.slug);
    Ok(v)
}

fn new_topic(ctx: &Ctx<'_>, user: &store::UserRow, raw: &str, is_pm: bool) -> ApiResult {
    let title = ctx.params.get("title").unwrap_or("").trim().to_string();
    if title.is_empty() {
        return Err(ApiError::param_missing("title"));
    }
    let mut errors = title_errors(&title);
    errors.extend(length_errors(
        raw,
        if is_pm {
            MIN_PM_POST_LENGTH
        } else {
            MIN_POST_LENGTH
        },
    ));
    let mut recipients = Vec::new();
    let mut category_id = None;
    if is_pm {
        let names = ctx
            .params
            .get("target_recipients")
            .or_else(|| ctx.params.get("target_usernames"))
            .unwrap_or("");
        for name in names.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            match store::user_by_username(ctx.tx, name)? {
                Some(u) => recipients.push(u.id),
                None => errors.push(format!("Sorry, the user {name} could not be found.")),
            }
        }
        if recipients.is_empty() && errors.is_empty() {
            errors.push("You must choose a valid user.".into());
        }
    } else {
        let key = ctx
            .params
            .get_nonblank("category")
            .or_else(|| ctx.params.get_nonblank("category_id"));
        category_id = match key {
            Some(k) => match store::find_category(ctx.tx, k)? {
                Some(c) => Some(c.id),
                None => {
                    errors.push("Category can't be blank".into());
                    None
                }
            },
            None => Some(1),
        };
    }
    if !errors.is_empty() {
        return Err(create_post_error(errors));
    }
    let now = ctx.now();
    let slug = slugify(&title);
    ctx.tx.execute(
        "INSERT INTO topics (title, slug, category_id, user_id, archetype, created_at, bumped_at, \
         last_posted_at, last_post_user_id, posts_count, highest_post_number, participant_count) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?6, ?4, 1, 1, 1)",
        params![
            title,
            slug,
            category_id,
            user.id,
            if is_pm { "private_message" } else { "regular" },
            now
        ],
    )?;
    let topic_id = ctx.tx.last_insert_rowid();
    if is_pm {
        recipients.push(user.id);
        for uid in recipients {
            ctx.tx.execute(
                "INSERT OR IGNORE INTO topic_allowed_users (topic_id, user_id) VALUES (?1, ?2)",
                params![topic_id, uid],
            )?;
        }
    }
    ctx.tx.execute(
        "INSERT INTO posts (topic_id, post_number, user_id, raw, cooked, created_at, updated_at) \
         VALUES (?1, 1, ?2, ?3, ?4, ?5, ?5)",
        params![topic_id, user.id, raw, cook(raw), now],
    )?;
    let post_id = ctx.tx.last_insert_rowid();
    ctx.tx.execute(
        "UPDATE users SET last_posted_at = ?2, last_seen_at = ?2 WHERE id = ?1",
        params![user.id, now],
    )?;
    created_post_json(ctx, topic_id, post_id)
}

/// Loads the post named by the `id` param and its topic, for accept/unaccept.
fn solution_target(ctx: &Ctx<'_>) -> Result<(TopicRow, PostRow, bool), ApiError> {
    ctx.require_user()?;
    let id = ctx
        .params
        .get_nonblank("id")
        .ok_or_else(|| ApiError::param_missing("id"))?;
    let id = id
        .parse::<i64>()
        .map_err(|_| ApiError::invalid_params("id"))?;
    let p = store::post_by_id(ctx.tx, id)?.ok_or_else(ApiError::not_found)?;
    let t = visible_topic(ctx, p.topic_id)?;
    if !ctx.g.can_see_post(&p) {
        return Err(ApiError::not_found());
    }
    let allows = store::category_accepts_answers(ctx.tx, t.category_id)?;
    if !ctx.g.can_accept_answer(&t, &p, allows) {
        return Err(ApiError::invalid_access());
    }
    Ok((t, p, allows))
}

/// `POST /solution/accept.json` (`id=<post_id>`): replaces any previous answer.
pub(crate) fn accept_solution(ctx: &Ctx<'_>) -> ApiResult {
    let (t, p, _) = solution_target(ctx)?;
    ctx.tx.execute(
        "UPDATE topics SET accepted_post_id = ?2, accepted_by_id = ?3 WHERE id = ?1",
        params![t.id, p.id, ctx.g.id()],
    )?;
    let t = store::topic_by_id(ctx.tx, t.id)?.ok_or_else(ApiError::not_found)?;
    let info = accepted_answer_info(ctx, &t)?;
    live::solution_changed(ctx, t.id, p.id, info.clone())?;
    Ok(info)
}

/// `POST /solution/unaccept.json` (`id=<post_id>`).
pub(crate) fn unaccept_solution(ctx: &Ctx<'_>) -> ApiResult {
    let (t, p, _) = solution_target(ctx)?;
    if t.accepted_post_id != Some(p.id) {
        return Err(ApiError::not_found());
    }
    ctx.tx.execute(
        "UPDATE topics SET accepted_post_id = NULL, accepted_by_id = NULL WHERE id = ?1",
        [t.id],
    )?;
    live::solution_changed(ctx, t.id, p.id, serde_json::Value::Null)?;
    Ok(json!({"success": "OK"}))
}

/// `POST /t/{id}/move-posts.json`.
pub(crate) fn move_posts(ctx: &Ctx<'_>, id: &str) -> ApiResult {
    let user = ctx.require_user()?.clone();
    let source = visible_topic(ctx, parse_id(id)?)?;
    if !ctx.g.can_move_posts(&source) {
        return Err(ApiError::invalid_access());
    }
    let ids: Vec<i64> = ctx
        .params
        .all("post_ids")
        .iter()
        .flat_map(|v| v.split(','))
        .filter_map(|v| v.trim().parse::<i64>().ok())
        .collect();
    if ids.is_empty() {
        return Err(ApiError::param_missing("post_ids"));
    }
    let title = ctx.params.get_nonblank("title").map(str::to_string);
    let dest_id = ctx.int_param("destination_topic_id")?;
    if title.is_none() && dest_id.is_none() {
        return Err(ApiError::invalid_params("destination_topic_id"));
    }
    let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
    let mut st = ctx.tx.prepare(&format!(
        "SELECT {} FROM posts p WHERE p.topic_id = ?1 AND p.deleted_at IS NULL AND p.id IN ({list}) \
         ORDER BY p.post_number",
        store::POST_COLS
    ))?;
    let posts: Vec<PostRow> = st
        .query_map([source.id], store::post_from_row)?
        .collect::<Result<_, _>>()?;
    drop(st);
    if posts.is_empty() {
        return Err(ApiError::unprocessable(&[
            "None of those posts belong to this topic.",
        ]));
    }
    if let Some(acc) = source.accepted_post_id {
        if posts.iter().any(|p| p.id == acc) {
            return Err(ApiError::unprocessable(&[
                "You can't move the accepted solution. Unaccept it first, then move the post.",
            ]));
        }
    }
    let now = ctx.now();
    let dest = if let Some(dest_id) = dest_id {
        if dest_id == source.id {
            return Err(ApiError::unprocessable(&[
                "Can't move posts into the topic they are in.",
            ]));
        }
        let d = visible_topic(ctx, dest_id)?;
        if d.is_pm() && !ctx.g.is_staff() {
            return Err(ApiError::invalid_access());
        }
        d
    } else {
        let title = title.unwrap_or_default();
        let errors = title_errors(&title);
        if !errors.is_empty() {
            let errs: Vec<&str> = errors.iter().map(String::as_str).collect();
            return Err(ApiError::unprocessable(&errs));
        }
        let first = &posts[0];
        if first.post_type != 1 {
            return Err(ApiError::unprocessable(&[
                "The first post of a new topic must be a regular post.",
            ]));
        }
        let category = match ctx.params.get_nonblank("category_id") {
            Some(k) => Some(
                store::find_category(ctx.tx, k)?
                    .ok_or_else(|| ApiError::unprocessable(&["Category can't be blank"]))?
                    .id,
            ),
            None => source.category_id,
        };
        ctx.tx.execute(
            "INSERT INTO topics (title, slug, category_id, user_id, archetype, created_at, bumped_at, \
             last_posted_at, last_post_user_id, posts_count, highest_post_number) \
             VALUES (?1, ?2, ?3, ?4, 'regular', ?5, ?5, ?5, ?4, 0, 0)",
            params![title.trim(), slugify(&title), category, first.user_id, first.created_at],
        )?;
        let new_id = ctx.tx.last_insert_rowid();
        store::topic_by_id(ctx.tx, new_id)?.ok_or_else(ApiError::not_found)?
    };
    let _ = user;

    // Renumber into the destination, keeping replies inside the moved set.
    let mut next = dest.highest_post_number;
    let mut map: Vec<(i64, i64)> = Vec::new();
    let mut arrived: Vec<i64> = Vec::new();
    let mut latest = dest.bumped_at;
    for p in &posts {
        next += 1;
        map.push((p.post_number, next));
        latest = latest.max(p.created_at);
    }
    let remap =
        |n: Option<i64>| n.and_then(|n| map.iter().find(|(old, _)| *old == n).map(|(_, new)| *new));
    for (p, (_, new_number)) in posts.iter().zip(map.iter()) {
        let reply_to = remap(p.reply_to_post_number);
        if p.post_number == 1 {
            // The first post stays where it is; the destination gets a copy.
            ctx.tx.execute(
                "INSERT INTO posts (topic_id, post_number, user_id, raw, cooked, created_at, updated_at, \
                 reply_to_post_number, post_type) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![dest.id, new_number, p.user_id, p.raw, p.cooked, p.created_at, now, reply_to, p.post_type],
            )?;
            arrived.push(ctx.tx.last_insert_rowid());
        } else {
            arrived.push(p.id);
            ctx.tx.execute(
                "UPDATE posts SET topic_id = ?2, post_number = ?3, reply_to_post_number = ?4, updated_at = ?5 \
                 WHERE id = ?1",
                params![p.id, dest.id, new_number, reply_to, now],
            )?;
            ctx.tx.execute(
                "UPDATE reviewables SET topic_id = ?2, category_id = ?3 WHERE post_id = ?1",
                params![p.id, dest.id, dest.category_id],
            )?;
        }
    }
    store::refresh_topic_stats(ctx.tx, source.id)?;
    store::refresh_topic_stats(ctx.tx, dest.id)?;
    ctx.tx.execute(
        "UPDATE topics SET highest_post_number = MAX(highest_post_number, ?2), bumped_at = MAX(bumped_at, ?3) \
         WHERE id = ?1",
        params![dest.id, next, latest],
    )?;
    let dest = store::topic_by_id(ctx.tx, dest.id)?.ok_or_else(ApiError::not_found)?;
    let left: Vec<PostRow> = posts.into_iter().filter(|p| p.post_number != 1).collect();
    live::posts_moved(ctx, source.id, &left, dest.id, &arrived)?;
    Ok(json!({"success": true, "url": format!("/t/{}/{}", dest.slug, dest.id)}))
}

/// `PUT /t/-/{id}.json` (`category_id`, `title`) → `{"basic_topic":{…}}`.
pub(crate) fn update_topic(ctx: &Ctx<'_>, id: &str) -> ApiResult {
    ctx.require_user()?;
    let t = visible_topic(ctx, parse_id(id)?)?;
    if !ctx.g.can_edit_topic(&t) {
        return Err(ApiError::invalid_access());
    }
    let category = ctx
        .params
        .get_nonblank("category_id")
        .or_else(|| ctx.params.get_nonblank("topic[category_id]"));
    if let Some(key) = category {
        let c = store::find_category(ctx.tx, key)?
            .ok_or_else(|| ApiError::unprocessable(&["Category can't be blank"]))?;
        ctx.tx.execute(
            "UPDATE topics SET category_id = ?2 WHERE id = ?1",
            params![t.id, c.id],
        )?;
        ctx.tx.execute(
            "UPDATE reviewables SET category_id = ?2 WHERE topic_id = ?1",
            params![t.id, c.id],
        )?;
    }
    let title = ctx
        .params
        .get_nonblank("title")
        .or_else(|| ctx.params.get_nonblank("topic[title]"));
    if let Some(title) = title {
        let errors = title_errors(title);
        if !errors.is_empty() {
            let errs: Vec<&str> = errors.iter().map(String::as_str).collect();
            return Err(ApiError::unprocessable(&errs));
        }
        ctx.tx.execute(
            "UPDATE topics SET title = ?2, slug = ?3 WHERE id = ?1",
            params![t.id, title, slugify(title)],
        )?;
    }
    let t = store::topic_by_id(ctx.tx, t.id)?.ok_or_else(ApiError::not_found)?;
    if category.is_some() || title.is_some() {
        live::topic_revised(ctx, t.id)?;
    }
    Ok(json!({"basic_topic": {
        "id": t.id,
        "title": t.title,
        "fancy_title": t.title,
        "slug": t.slug,
        "posts_count": t.posts_count,
        "category_id": t.category_id,
    }}))
}

/// `PUT /t/{id}/status.json` (`status=closed|archived|visible`, `enabled=true|false`):
/// staff and TL4 leaders close and archive; only staff change visibility.
pub(crate) fn update_status(ctx: &Ctx<'_>, id: &str) -> ApiResult {
    ctx.require_user()?;
    let t = visible_topic(ctx, parse_id(id)?)?;
    let status = ctx
        .params
        .get_nonblank("status")
        .ok_or_else(|| ApiError::param_missing("status"))?;
    let enabled = match ctx.params.get_nonblank("enabled") {
        Some("true" | "1") => true,
        Some("false" | "0") => false,
        _ => return Err(ApiError::param_missing("enabled")),
    };
    let leader = ctx.g.trust_level() >= 4 && !t.is_pm();
    let column = match status {
        "closed" if ctx.g.is_staff() || leader => "closed",
        "archived" if ctx.g.is_staff() || leader => "archived",
        "visible" if ctx.g.is_staff() => "visible",
        "closed" | "archived" | "visible" => return Err(ApiError::invalid_access()),
        _ => return Err(ApiError::invalid_params("status")),
    };
    ctx.tx.execute(
        &format!("UPDATE topics SET {column} = ?2 WHERE id = ?1"),
        params![t.id, enabled],
    )?;
    Ok(json!({"success": "OK", "topic_status_update": null}))
}
