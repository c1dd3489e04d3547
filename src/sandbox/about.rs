//! `GET /about.json`: the community's name and description, its staff, and activity counts, in
//! `AboutSerializer`'s shape (`{"about":{…},"users":[…]}` with the staff as basic users).
//!
//! The counts are computed per request with one pass each over topics, users and likes and an
//! index range for recent posts (about 0.1 s at 100k topics); the sandbox keeps no
//! per-category counters to reuse, and unlike Discourse (30 minutes) nothing is cached, so the
//! numbers follow writes at once. "Participating" users are those whose last post is in the
//! window. Both the
//! current key names (`topics_count`, `posts_7_days`, `likes_count`, …) and the older singular
//! ones (`topic_count`, `post_count`, `user_count`, `like_count`) are given.
//!
//! `category_moderators` lists, per category with a moderating group (by position), the
//! group's members (`AboutCategoryModsSerializer`: the category and its moderators embedded,
//! most recently seen first); they are not among the sideloaded staff `users`.

use serde_json::{json, Value};

use super::lists::basic_user;
use super::server::{ApiError, ApiResult, Ctx};
use super::store::{self, iso};

const DAY: i64 = 86_400_000;

const TITLE: &str = "Example Telco Community";
const DESCRIPTION: &str =
    "Customers helping customers with mobile, broadband, TV and billing questions.";
const EXTENDED: &str = "<p>This is the demo community of the modterm sandbox: a support forum \
    where members answer each other and a small staff team keeps things tidy. Please don't post \
    account numbers or personal details in public topics.</p>";

type Counts = (i64, i64, i64, i64);

/// One row of counts for the windows `?1` = a day ago, `?2` = 7 days, `?3` = 30 days.
fn counts<T>(
    ctx: &Ctx<'_>,
    sql: &str,
    read: impl FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
) -> Result<T, ApiError> {
    let now = ctx.now();
    Ok(ctx.tx.prepare_cached(sql)?.query_row(
        rusqlite::params![now - DAY, now - 7 * DAY, now - 30 * DAY],
        read,
    )?)
}

/// `About#category_moderators`: `[{"category":{id,name,color,slug,parent_category_id},
/// "moderators":[basic user + title, last_seen_at]}]`.
fn category_moderators(ctx: &Ctx<'_>) -> Result<Vec<Value>, ApiError> {
    let pairs: Vec<(i64, i64)> = {
        let mut st = ctx.tx.prepare_cached(
            "SELECT cmg.category_id, gu.user_id FROM category_moderation_groups cmg \
             JOIN group_users gu ON gu.group_id = cmg.group_id \
             JOIN categories c ON c.id = cmg.category_id JOIN users u ON u.id = gu.user_id \
             WHERE u.active = 1 ORDER BY c.position, c.id, u.last_seen_at DESC, u.id",
        )?;
        let it = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        it.collect::<Result<_, _>>()?
    };
    let mut out: Vec<(i64, Vec<i64>)> = Vec::new();
    for (category, user) in pairs {
        if out.last().is_some_and(|(c, _)| *c == category) {
            if let Some((_, users)) = out.last_mut() {
                if !users.contains(&user) {
                    users.push(user);
                }
            }
        } else {
            out.push((category, vec![user]));
        }
    }
    let mut list = Vec::with_capacity(out.len());
    for (category, users) in out {
        let Some(c) = store::category_by_id(ctx.tx, category)? else {
            continue;
        };
        let mut moderators = Vec::with_capacity(users.len());
        for id in users {
            if let Some(u) = store::user_by_id(ctx.tx, id)? {
                let mut v = basic_user(&u);
                v["title"] = json!(u.title);
                v["last_seen_at"] = json!(u.last_seen_at.map(iso));
                moderators.push(v);
            }
        }
        list.push(json!({
            "category": {"id": c.id, "name": c.name, "color": c.color, "slug": c.slug,
                         "parent_category_id": null},
            "moderators": moderators,
        }));
    }
    Ok(list)
}

pub(crate) fn about(ctx: &Ctx<'_>) -> ApiResult {
    // One pass over topics: total, last day, 7 and 30 days, and posts.
    let (topics, post_total): (Counts, i64) = counts(
        ctx,
        "SELECT COUNT(*), COALESCE(SUM(created_at >= ?1), 0), COALESCE(SUM(created_at >= ?2), 0), \
         COALESCE(SUM(created_at >= ?3), 0), COALESCE(SUM(posts_count), 0) FROM topics \
         WHERE archetype = 'regular' AND deleted_at IS NULL AND visible = 1",
        |r| Ok(((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?), r.get(4)?)),
    )?;
    // Recent posts: a range of the created_at index only (so whispers and deleted posts of the
    // last 30 days count too).
    let posts: Counts = counts(
        ctx,
        "SELECT 0, COALESCE(SUM(created_at >= ?1), 0), COALESCE(SUM(created_at >= ?2), 0), COUNT(*) \
         FROM posts WHERE created_at >= ?3",
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
    )?;
    // One pass over active users: sign-ups, visits (active users) and posting (participating).
    let (users, active, participating): (Counts, Counts, Counts) = counts(
        ctx,
        "SELECT COUNT(*), COALESCE(SUM(created_at >= ?1), 0), COALESCE(SUM(created_at >= ?2), 0), \
         COALESCE(SUM(created_at >= ?3), 0), COALESCE(SUM(last_seen_at >= ?1), 0), \
         COALESCE(SUM(last_seen_at >= ?2), 0), COALESCE(SUM(last_seen_at >= ?3), 0), \
         COALESCE(SUM(last_posted_at >= ?1), 0), COALESCE(SUM(last_posted_at >= ?2), 0), \
         COALESCE(SUM(last_posted_at >= ?3), 0) FROM users WHERE active = 1",
        |r| {
            Ok((
                (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?),
                (0, r.get(4)?, r.get(5)?, r.get(6)?),
                (0, r.get(7)?, r.get(8)?, r.get(9)?),
            ))
        },
    )?;
    let likes: Counts = counts(
        ctx,
        "SELECT COUNT(*), COALESCE(SUM(created_at >= ?1), 0), COALESCE(SUM(created_at >= ?2), 0), \
         COALESCE(SUM(created_at >= ?3), 0) FROM likes",
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
    )?;

    let staff_ids: Vec<i64> = {
        let mut st = ctx.tx.prepare_cached(
            "SELECT id FROM users WHERE (admin = 1 OR moderator = 1) AND active = 1 ORDER BY id",
        )?;
        let it = st.query_map([], |r| r.get::<_, i64>(0))?;
        it.collect::<Result<_, _>>()?
    };
    let mut admin_ids = Vec::new();
    let mut moderator_ids = Vec::new();
    let mut users_out: Vec<Value> = Vec::new();
    for id in staff_ids {
        if let Some(u) = store::user_by_id(ctx.tx, id)? {
            if u.admin {
                admin_ids.push(u.id);
            } else {
                moderator_ids.push(u.id);
            }
            users_out.push(basic_user(&u));
        }
    }
    let created: Option<i64> = ctx
        .tx
        .query_row("SELECT MIN(created_at) FROM users", [], |r| r.get(0))?;

    let stats = json!({
        "topic_count": topics.0,
        "topics_count": topics.0,
        "topics_last_day": topics.1,
        "topics_7_days": topics.2,
        "topics_30_days": topics.3,
        "post_count": post_total,
        "posts_count": post_total,
        "posts_last_day": posts.1,
        "posts_7_days": posts.2,
        "posts_30_days": posts.3,
        "user_count": users.0,
        "users_count": users.0,
        "users_last_day": users.1,
        "users_7_days": users.2,
        "users_30_days": users.3,
        "active_users_last_day": active.1,
        "active_users_7_days": active.2,
        "active_users_30_days": active.3,
        "like_count": likes.0,
        "likes_count": likes.0,
        "likes_last_day": likes.1,
        "likes_7_days": likes.2,
        "likes_30_days": likes.3,
        "participating_users_last_day": participating.1,
        "participating_users_7_days": participating.2,
        "participating_users_30_days": participating.3,
    });
    Ok(json!({
        "about": {
            "title": TITLE,
            "description": DESCRIPTION,
            "extended_site_description": EXTENDED,
            "banner_image": null,
            "site_creation_date": iso(created.unwrap_or_else(|| ctx.now())),
            "locale": "en",
            "version": "3.5.0.sandbox",
            "https": false,
            "can_see_about_stats": true,
            "contact_url": "",
            "contact_email": "community@example.test",
            "moderator_ids": moderator_ids,
            "admin_ids": admin_ids,
            "category_moderators": category_moderators(ctx)?,
            "stats": stats,
        },
        "users": users_out,
    }))
}
