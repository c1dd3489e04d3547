//! Site metadata, categories and chat. (The review queue is `review.rs`.)

use rusqlite::{params, OptionalExtension};
use serde_json::{json, Value};

use super::server::{ApiError, ApiResult, Ctx};
use super::store::{self, avatar_template, excerpt, iso, CategoryRow};
use super::topics::parse_id;

/// Topics created per category in the last day, week, month and year.
type Windows = std::collections::HashMap<i64, [i64; 4]>;

fn category_json(ctx: &Ctx<'_>, c: &CategoryRow, windows: &Windows) -> Result<Value, ApiError> {
    // Kept by triggers on every write, and the windows counted at most once a minute
    // (counts.rs), not counted here: 100k topics made these two endpoints slow.
    let (topics, posts) = super::counts::of_category(ctx.tx, c.id)?;
    let [day, week, month, year] = windows.get(&c.id).copied().unwrap_or_default();
    Ok(json!({
        "id": c.id,
        "name": c.name,
        "color": c.color,
        "text_color": c.text_color,
        "slug": c.slug,
        "topic_count": topics,
        "post_count": posts,
        "position": c.position,
        "description": format!("<p>{}</p>", store::escape_html(&c.description)),
        "description_text": c.description,
        "description_excerpt": c.description,
        "topic_url": format!("/t/about-the-{}-category", c.slug),
        "read_restricted": false,
        "permission": if ctx.g.user.is_some() { json!(1) } else { Value::Null },
        "notification_level": 1,
        "can_edit": ctx.g.is_admin(),
        "has_children": false,
        "subcategory_ids": [],
        "parent_category_id": null,
        "topics_day": day,
        "topics_week": week,
        "topics_month": month,
        "topics_year": year,
        "topics_all_time": topics,
        "uploaded_logo": null,
        "uploaded_background": null,
        "custom_fields": {"enable_accepted_answers": if c.accepts_answers { "true" } else { "false" }},
    }))
}

/// `GET /categories.json`.
pub(crate) fn categories(ctx: &Ctx<'_>) -> ApiResult {
    let mut list = Vec::new();
    let windows = ctx.state.category_windows.get(ctx.tx, ctx.now())?;
    for c in store::categories(ctx.tx)? {
        list.push(category_json(ctx, &c, &windows)?);
    }
    Ok(json!({"category_list": {
        "can_create_category": ctx.g.is_admin(),
        "can_create_topic": ctx.g.can_create_topic(),
        "categories": list,
    }}))
}

/// `GET /site.json`.
pub(crate) fn site(ctx: &Ctx<'_>) -> ApiResult {
    let mut cats = Vec::new();
    let windows = ctx.state.category_windows.get(ctx.tx, ctx.now())?;
    for c in store::categories(ctx.tx)? {
        cats.push(category_json(ctx, &c, &windows)?);
    }
    let flag = |id: i64, key: &str, name: &str, desc: &str, msg: bool| {
        json!({"id": id, "name_key": key, "name": name, "description": desc, "short_description": desc,
               "is_flag": true, "require_message": msg, "enabled": true, "applies_to": ["Post", "Topic"],
               "is_used": true, "position": id})
    };
    let flags = vec![
        json!({"id": 2, "name_key": "like", "name": "Like", "description": "Like this post",
               "short_description": "Like this post", "is_flag": false, "require_message": false,
               "enabled": true, "applies_to": ["Post"], "position": 0}),
        flag(
            3,
            "off_topic",
            "It's Off-Topic",
            "This post is not relevant to the current discussion.",
            false,
        ),
        flag(
            4,
            "inappropriate",
            "It's Inappropriate",
            "This post contains content that a reasonable person would consider offensive.",
            false,
        ),
        flag(
            6,
            "notify_user",
            "Send @{{username}} a message",
            "I want to talk to this person directly.",
            true,
        ),
        flag(
            7,
            "notify_moderators",
            "Something Else",
            "This post requires staff attention for another reason.",
            true,
        ),
        flag(
            8,
            "spam",
            "It's Spam",
            "This post is an advertisement or vandalism.",
            false,
        ),
        flag(
            10,
            "illegal",
            "It's Illegal",
            "This post requires staff attention because it may be illegal.",
            true,
        ),
    ];
    let topic_flags: Vec<Value> = flags
        .iter()
        .filter(|f| f["id"] != json!(2))
        .cloned()
        .collect();
    let mut groups = vec![
        json!({"id": 1, "name": "admins", "flair_url": null}),
        json!({"id": 2, "name": "moderators", "flair_url": null}),
        json!({"id": 3, "name": "staff", "flair_url": null}),
        json!({"id": 10, "name": "trust_level_0", "flair_url": null}),
        json!({"id": 11, "name": "trust_level_1", "flair_url": null}),
        json!({"id": 12, "name": "trust_level_2", "flair_url": null}),
        json!({"id": 13, "name": "trust_level_3", "flair_url": null}),
        json!({"id": 14, "name": "trust_level_4", "flair_url": null}),
    ];
    // The other groups (the demo's category moderators').
    {
        let mut st = ctx
            .tx
            .prepare_cached("SELECT id, name FROM groups ORDER BY id")?;
        let rows = st.query_map([], |r| {
            let id: i64 = r.get(0)?;
            let name: String = r.get(1)?;
            Ok(json!({"id": id, "name": name, "flair_url": null}))
        })?;
        for row in rows {
            groups.push(row?);
        }
    }
    Ok(json!({
        "default_archetype": "regular",
        "notification_types": {"mentioned": 1, "replied": 2, "quoted": 3, "edited": 4, "liked": 5,
            "private_message": 6, "invited_to_private_message": 7, "posted": 9, "moved_post": 10,
            "linked": 11, "granted_badge": 12, "group_mentioned": 15, "watching_first_post": 17},
        "post_types": {"regular": 1, "moderator_action": 2, "small_action": 3, "whisper": 4},
        "trust_levels": {"newuser": 0, "basic": 1, "member": 2, "regular": 3, "leader": 4},
        "user_tips": {},
        "groups": groups,
        "filters": ["latest", "unread", "new", "unseen", "top", "read", "posted", "bookmarks", "hot"],
        "periods": ["all", "yearly", "quarterly", "monthly", "weekly", "daily"],
        "top_menu_items": ["latest", "unread", "new", "unseen", "top", "read", "posted", "bookmarks", "hot"],
        "anonymous_top_menu_items": ["latest", "top", "categories", "hot"],
        "uncategorized_category_id": 1,
        "user_field_max_length": 2048,
        "post_action_types": flags,
        "topic_flag_types": topic_flags,
        "can_create_tag": false,
        "can_tag_topics": false,
        "can_tag_pms": false,
        "tags_filter_regexp": "[\\/\\?#\\[\\]@!\\$&'\\(\\)\\*\\+,;=\\.%\\\\`^\\s|\\{\\}\"<>]+",
        "top_tags": [],
        "topic_featured_link_allowed_category_ids": [],
        "user_themes": [],
        "user_color_schemes": [],
        "default_dark_color_scheme": null,
        "censored_regexp": [],
        "custom_emoji_translation": {},
        "watched_words_replace": null,
        "watched_words_link": null,
        "categories": cats,
        "archetypes": [{"id": "regular", "name": "Regular Topic", "options": []}],
        "user_fields": [],
        "auth_providers": [
            {"name": "google_oauth2", "custom_url": null, "pretty_name_override": null},
            {"name": "facebook", "custom_url": null, "pretty_name_override": null},
            {"name": "twitter", "custom_url": null, "pretty_name_override": null},
        ],
    }))
}

// ---------------------------------------------------------------------------------------------
// Chat

/// id, name, slug, description, category_id, members, last message id
type ChannelRow = (i64, String, String, String, Option<i64>, i64, Option<i64>);

/// `GET /chat/api/channels.json`.
pub(crate) fn chat_channels(ctx: &Ctx<'_>) -> ApiResult {
    ctx.require_user()?;
    let mut st = ctx.tx.prepare_cached(
        "SELECT c.id, c.name, c.slug, c.description, c.category_id, \
         (SELECT COUNT(DISTINCT m.user_id) FROM chat_messages m WHERE m.channel_id = c.id), \
         (SELECT MAX(m.id) FROM chat_messages m WHERE m.channel_id = c.id) FROM chat_channels c ORDER BY c.id",
    )?;
    let rows: Vec<ChannelRow> = st
        .query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
            ))
        })?
        .collect::<Result<_, _>>()?;
    let mut out = Vec::new();
    for (id, name, slug, description, category_id, members, last) in rows {
        let last_message = match last {
            Some(mid) => message_json(ctx, mid)?,
            None => None,
        };
        out.push(json!({
            "id": id,
            "title": name,
            "slug": slug,
            "description": description,
            "chatable_type": "Category",
            "chatable_id": category_id,
            "chatable_url": category_id.map(|c| format!("/c/{c}")),
            "status": "open",
            "threading_enabled": false,
            "memberships_count": members,
            "allow_channel_wide_mentions": true,
            "last_message": last_message,
            "current_user_membership": {"following": true, "muted": false, "notification_level": "mention"},
            "meta": {"can_join_chat_channel": true, "can_moderate": ctx.g.is_staff(), "can_flag": true},
        }));
    }
    Ok(json!({"channels": out, "meta": {"can_load_more": false, "load_more_url": null}}))
}

fn message_json(ctx: &Ctx<'_>, id: i64) -> Result<Option<Value>, ApiError> {
    let row: Option<(i64, i64, i64, String, String, i64)> = ctx
        .tx
        .prepare_cached("SELECT id, channel_id, user_id, message, cooked, created_at FROM chat_messages WHERE id = ?1")?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)))
        .optional()?;
    let Some((id, channel_id, user_id, message, cooked, created_at)) = row else {
        return Ok(None);
    };
    let user = store::user_by_id(ctx.tx, user_id)?;
    Ok(Some(json!({
        "id": id,
        "message": message,
        "cooked": cooked,
        "excerpt": excerpt(&cooked, 100),
        "created_at": iso(created_at),
        "deleted_at": null,
        "mentioned_users": [],
        "available_flags": [],
        "chat_channel_id": channel_id,
        "edited": false,
        "streaming": false,
        "user": user.map(|u| json!({"id": u.id, "username": u.username, "name": u.name,
            "avatar_template": avatar_template(&u.username), "moderator": u.moderator,
            "admin": u.admin, "staff": u.staff()})),
        "reactions": [],
        "uploads": [],
        "bookmark": null,
    })))
}

/// `GET /chat/api/channels/{id}/messages.json?page_size=&direction=past|future&target_message_id=`.
pub(crate) fn chat_messages(ctx: &Ctx<'_>, id: &str) -> ApiResult {
    ctx.require_user()?;
    let channel_id = parse_id(id)?;
    let exists: Option<i64> = ctx
        .tx
        .prepare_cached("SELECT id FROM chat_channels WHERE id = ?1")?
        .query_row([channel_id], |r| r.get(0))
        .optional()?;
    if exists.is_none() {
        return Err(ApiError::not_found());
    }
    let page_size = match ctx.int_param("page_size")? {
        Some(n) if (1..=500).contains(&n) => n,
        Some(_) => return Err(ApiError::invalid_params("page_size")),
        None => 50,
    };
    let direction = ctx.params.get_nonblank("direction").unwrap_or("past");
    if direction != "past" && direction != "future" {
        return Err(ApiError::invalid_params("direction"));
    }
    let target = ctx.int_param("target_message_id")?;
    // Fetch one extra to know whether there is more in that direction.
    let ids: Vec<i64> = match (direction, target) {
        ("future", Some(t)) => {
            let mut st = ctx.tx.prepare_cached(
                "SELECT id FROM chat_messages WHERE channel_id = ?1 AND id > ?2 ORDER BY id ASC LIMIT ?3",
            )?;
            let v = st.query_map(params![channel_id, t, page_size + 1], |r| r.get(0))?;
            v.collect::<Result<_, _>>()?
        }
        ("future", None) => {
            let mut st = ctx.tx.prepare_cached(
                "SELECT id FROM chat_messages WHERE channel_id = ?1 ORDER BY id ASC LIMIT ?2",
            )?;
            let v = st.query_map(params![channel_id, page_size + 1], |r| r.get(0))?;
            v.collect::<Result<_, _>>()?
        }
        (_, Some(t)) => {
            let mut st = ctx.tx.prepare_cached(
                "SELECT id FROM chat_messages WHERE channel_id = ?1 AND id < ?2 ORDER BY id DESC LIMIT ?3",
            )?;
            let v = st.query_map(params![channel_id, t, page_size + 1], |r| r.get(0))?;
            v.collect::<Result<_, _>>()?
        }
        (_, None) => {
            let mut st = ctx.tx.prepare_cached(
                "SELECT id FROM chat_messages WHERE channel_id = ?1 ORDER BY id DESC LIMIT ?2",
            )?;
            let v = st.query_map(params![channel_id, page_size + 1], |r| r.get(0))?;
            v.collect::<Result<_, _>>()?
        }
    };
    let more = ids.len() as i64 > page_size;
    let mut ids: Vec<i64> = ids.into_iter().take(page_size as usize).collect();
    ids.sort_unstable();
    let mut messages = Vec::new();
    for id in &ids {
        if let Some(m) = message_json(ctx, *id)? {
            messages.push(m);
        }
    }
    let (past, future) = if direction == "future" {
        (target.is_some(), more)
    } else {
        (more, target.is_some())
    };
    Ok(json!({
        "messages": messages,
        "tracking": {"channel_tracking": {}, "thread_tracking": {}},
        "meta": {
            "target_message_id": target,
            "can_load_more_future": future,
            "can_load_more_past": past,
        },
    }))
}
