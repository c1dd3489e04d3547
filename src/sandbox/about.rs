//! `GET /about.json`: the community's name and description, its staff, and activity counts, in
//! `AboutSerializer`'s shape (`{"about":{…},"users":[…]}` with the staff as basic users).
//!
//! The counts are computed per request with one scan per table (topics, users, likes) and an
//! index range for recent posts; the sandbox keeps no per-category counters to reuse. Both the
//! current key names (`topics_count`, `posts_7_days`, `likes_count`, …) and the older singular
//! ones (`topic_count`, `post_count`, `user_count`, `like_count`) are given.

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

/// `SELECT total, last day, 7 days, 30 days` for a table with a `created_at` column.
fn windows(ctx: &Ctx<'_>, sql: &str) -> Result<(i64, i64, i64, i64), ApiError> {
    let now = ctx.now();
    Ok(ctx.tx.prepare_cached(sql)?.query_row(
        rusqlite::params![now - DAY, now - 7 * DAY, now - 30 * DAY],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
    )?)
}

pub(crate) fn about(ctx: &Ctx<'_>) -> ApiResult {
    let topics = windows(
        ctx,
        "SELECT COUNT(*), COALESCE(SUM(created_at >= ?1), 0), COALESCE(SUM(created_at >= ?2), 0), \
         COALESCE(SUM(created_at >= ?3), 0) FROM topics \
         WHERE archetype = 'regular' AND deleted_at IS NULL AND visible = 1",
    )?;
    let post_total: i64 = ctx
        .tx
        .prepare_cached(
            "SELECT COALESCE(SUM(posts_count), 0) FROM topics \
             WHERE archetype = 'regular' AND deleted_at IS NULL AND visible = 1",
        )?
        .query_row([], |r| r.get(0))?;
    // Recent posts come from the created_at index (whispers and deleted posts left out).
    let posts = windows(
        ctx,
        "SELECT 0, COALESCE(SUM(created_at >= ?1), 0), COALESCE(SUM(created_at >= ?2), 0), COUNT(*) \
         FROM posts WHERE created_at >= ?3 AND deleted_at IS NULL AND post_type <> 4",
    )?;
    let users = windows(
        ctx,
        "SELECT COUNT(*), COALESCE(SUM(created_at >= ?1), 0), COALESCE(SUM(created_at >= ?2), 0), \
         COALESCE(SUM(created_at >= ?3), 0) FROM users WHERE active = 1",
    )?;
    let active = windows(
        ctx,
        "SELECT 0, COALESCE(SUM(last_seen_at >= ?1), 0), COALESCE(SUM(last_seen_at >= ?2), 0), \
         COALESCE(SUM(last_seen_at >= ?3), 0) FROM users WHERE active = 1",
    )?;
    let likes = windows(
        ctx,
        "SELECT COUNT(*), COALESCE(SUM(created_at >= ?1), 0), COALESCE(SUM(created_at >= ?2), 0), \
         COALESCE(SUM(created_at >= ?3), 0) FROM likes",
    )?;
    let participating = windows(
        ctx,
        "SELECT 0, COUNT(DISTINCT CASE WHEN created_at >= ?1 THEN user_id END), \
         COUNT(DISTINCT CASE WHEN created_at >= ?2 THEN user_id END), COUNT(DISTINCT user_id) \
         FROM posts WHERE created_at >= ?3 AND deleted_at IS NULL",
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
            "category_moderators": [],
            "stats": stats,
        },
        "users": users_out,
    }))
}
