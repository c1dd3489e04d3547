//! Topic lists: `/latest`, `/c/{slug}/{id}`, `/filter`, `/topics/private-messages/{username}`.

use std::collections::BTreeSet;

use rusqlite::types::Value as Sql;
use serde_json::{json, Value};

use super::params::encode_component;
use super::server::{ApiError, ApiResult, Ctx};
use super::store::{self, avatar_template, iso, topic_from_row, TopicRow, TOPIC_COLS};

pub(crate) const DEFAULT_PER_PAGE: i64 = 30;

/// A topic-list query under construction.
struct ListQuery {
    joins: String,
    wheres: Vec<String>,
    args: Vec<Sql>,
    order_col: &'static str,
    ascending: bool,
    page: i64,
    per_page: i64,
}

impl ListQuery {
    fn regular(ctx: &Ctx<'_>) -> ListQuery {
        let mut q = ListQuery {
            joins: String::new(),
            wheres: vec![
                "t.archetype = 'regular'".into(),
                "t.deleted_at IS NULL".into(),
            ],
            args: Vec::new(),
            order_col: "t.bumped_at",
            ascending: false,
            page: 0,
            per_page: DEFAULT_PER_PAGE,
        };
        if !ctx.g.is_staff() {
            q.wheres.push("t.visible = 1".into());
        }
        q
    }

    fn push(&mut self, clause: &str, arg: impl Into<Sql>) {
        self.args.push(arg.into());
        self.wheres
            .push(clause.replace('?', &format!("?{}", self.args.len())));
    }

    fn status(&mut self, status: &str, ctx: &Ctx<'_>) {
        match status {
            "open" => self.wheres.push("t.closed = 0 AND t.archived = 0".into()),
            "closed" => self.wheres.push("t.closed = 1".into()),
            "archived" => self.wheres.push("t.archived = 1".into()),
            "listed" => self.wheres.push("t.visible = 1".into()),
            "unlisted" => self.wheres.push("t.visible = 0".into()),
            "public" => self.wheres.push("t.category_id IS NOT NULL".into()),
            "solved" => self.wheres.push("t.accepted_post_id IS NOT NULL".into()),
            "unsolved" => self.unsolved(),
            "deleted" if ctx.g.is_staff() => {
                // Deleted topics are purged in the sandbox; nothing to list.
                self.wheres.push("0".into());
            }
            _ => {}
        }
    }

    fn unsolved(&mut self) {
        self.wheres.push(
            "t.accepted_post_id IS NULL AND t.category_id IN (SELECT id FROM categories WHERE accepts_answers = 1)"
                .into(),
        );
    }

    fn order(&mut self, order: &str) -> bool {
        self.order_col = match order {
            "default" | "activity" | "bumped" => "t.bumped_at",
            "created" => "t.created_at",
            "views" => "t.views",
            "posts" => "t.posts_count",
            "likes" => "t.like_count",
            "op_likes" | "likes-op" => "t.op_like_count",
            "posters" => "t.participant_count",
            "category" => "t.category_id",
            "latest-post" => "t.last_posted_at",
            "title" => "t.title",
            "hot" => "t.like_count",
            "read" => "t.bumped_at",
            _ => return false,
        };
        true
    }

    fn run(&self, ctx: &Ctx<'_>) -> Result<Vec<TopicRow>, ApiError> {
        let dir = if self.ascending { "ASC" } else { "DESC" };
        let sql = format!(
            "SELECT {TOPIC_COLS} FROM topics t {} WHERE {} ORDER BY {} {dir}, t.id {dir} LIMIT {} OFFSET {}",
            self.joins,
            self.wheres.join(" AND "),
            self.order_col,
            self.per_page,
            self.page.saturating_mul(self.per_page),
        );
        let mut st = ctx.tx.prepare_cached(&sql)?;
        let rows = st.query_map(rusqlite::params_from_iter(self.args.iter()), topic_from_row)?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }
}

fn parse_page(ctx: &Ctx<'_>) -> Result<i64, ApiError> {
    match ctx.int_param("page")? {
        Some(p) if p < 0 => Err(ApiError::invalid_params("page")),
        Some(p) => Ok(p),
        None => Ok(0),
    }
}

/// `GET /latest.json` (and `/c/...` with `category` fixed).
pub(crate) fn latest(ctx: &Ctx<'_>, category: Option<i64>) -> ApiResult {
    let mut q = ListQuery::regular(ctx);
    q.page = parse_page(ctx)?;
    if let Some(pp) = ctx.params.get_nonblank("per_page") {
        match pp.parse::<i64>() {
            Ok(n) if (1..=100).contains(&n) => q.per_page = n,
            _ => return Err(ApiError::invalid_params("per_page")),
        }
    }
    if let Some(order) = ctx.params.get_nonblank("order") {
        q.order(order);
    }
    q.ascending = ctx.bool_param("ascending");
    let category = match category {
        Some(id) => Some(id),
        None => match ctx.params.get_nonblank("category") {
            Some(key) => match store::find_category(ctx.tx, key)? {
                Some(c) => Some(c.id),
                None => return Err(ApiError::not_found()),
            },
            None => None,
        },
    };
    if let Some(id) = category {
        q.push("t.category_id = ?", id);
    }
    if let Some(n) = ctx.int_param("max_posts")? {
        q.push("t.posts_count <= ?", n);
    }
    if let Some(n) = ctx.int_param("min_posts")? {
        q.push("t.posts_count >= ?", n);
    }
    if let Some(status) = ctx.params.get_nonblank("status") {
        q.status(status, ctx);
    }
    match ctx.params.get_nonblank("solved") {
        Some("yes") => q.status("solved", ctx),
        Some("no") => q.unsolved(),
        _ => {}
    }
    if let Some(ids) = ctx.params.get_nonblank("topic_ids") {
        let ids: Vec<i64> = ids
            .split(',')
            .filter_map(|s| s.trim().parse().ok())
            .collect();
        let list = if ids.is_empty() {
            "0".to_string()
        } else {
            ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
        };
        q.wheres.push(format!("t.id IN ({list})"));
    }
    let topics = q.run(ctx)?;
    let base = path_without_json(&ctx.path);
    let more = more_url(
        &base,
        ctx,
        q.page,
        topics.len() as i64 == q.per_page,
        &["page"],
    );
    topic_list(ctx, &topics, q.per_page, more)
}

/// `/c/{slug}/{id}.json`, `/c/{id}.json`, `/c/{slug}/{id}/l/latest.json`.
pub(crate) fn category_latest(ctx: &Ctx<'_>, rest: &[&str]) -> ApiResult {
    let (key, tail) = match rest {
        [slug, id, tail @ ..] if id.parse::<i64>().is_ok() => {
            let _ = slug;
            (*id, tail)
        }
        [key, tail @ ..] => (*key, tail),
        [] => return Err(ApiError::not_found()),
    };
    if !(tail.is_empty() || tail == ["l", "latest"]) {
        return Err(ApiError::not_found());
    }
    let cat = store::find_category(ctx.tx, key)?.ok_or_else(ApiError::not_found)?;
    latest(ctx, Some(cat.id))
}

/// `GET /filter.json?q=`.
pub(crate) fn filter(ctx: &Ctx<'_>) -> ApiResult {
    let mut q = ListQuery::regular(ctx);
    q.page = parse_page(ctx)?;
    let query = ctx.params.get("q").unwrap_or("").to_string();
    let mut keywords: Vec<&str> = Vec::new();
    for token in query.split_whitespace() {
        let Some((key, value)) = token.split_once(':') else {
            keywords.push(token);
            continue;
        };
        let num = value.parse::<i64>().ok();
        match (key, num) {
            ("status", _) => q.status(value, ctx),
            ("posts-min", Some(n)) => q.push("t.posts_count >= ?", n),
            ("posts-max", Some(n)) => q.push("t.posts_count <= ?", n),
            ("likes-min", Some(n)) => q.push("t.like_count >= ?", n),
            ("likes-max", Some(n)) => q.push("t.like_count <= ?", n),
            ("likes-op-min", Some(n)) => q.push("t.op_like_count >= ?", n),
            ("likes-op-max", Some(n)) => q.push("t.op_like_count <= ?", n),
            ("views-min", Some(n)) => q.push("t.views >= ?", n),
            ("views-max", Some(n)) => q.push("t.views <= ?", n),
            ("posters-min", Some(n)) => q.push("t.participant_count >= ?", n),
            ("posters-max", Some(n)) => q.push("t.participant_count <= ?", n),
            ("category" | "categories", _) => {
                let (exclude, list) = match value.strip_prefix('-') {
                    Some(v) => (true, v),
                    None => (false, value),
                };
                let list = list.trim_start_matches('=');
                let mut ids = Vec::new();
                for key in list.split(',').filter(|s| !s.is_empty()) {
                    if let Some(c) = store::find_category(ctx.tx, key)? {
                        ids.push(c.id.to_string());
                    }
                }
                let ids = if ids.is_empty() {
                    "0".to_string()
                } else {
                    ids.join(",")
                };
                if exclude {
                    q.wheres.push(format!(
                        "(t.category_id IS NULL OR t.category_id NOT IN ({ids}))"
                    ));
                } else {
                    q.wheres.push(format!("t.category_id IN ({ids})"));
                }
            }
            ("created-by", _) => {
                let mut ids = Vec::new();
                for name in value.split(',') {
                    let name = name.trim_start_matches('@');
                    if name == "me" {
                        if let Some(id) = ctx.g.id() {
                            ids.push(id.to_string());
                        }
                    } else if let Some(u) = store::user_by_username(ctx.tx, name)? {
                        ids.push(u.id.to_string());
                    }
                }
                let ids = if ids.is_empty() {
                    "0".to_string()
                } else {
                    ids.join(",")
                };
                q.wheres.push(format!("t.user_id IN ({ids})"));
            }
            (
                "created-after" | "created-before" | "activity-after" | "activity-before"
                | "latest-post-after" | "latest-post-before",
                _,
            ) => {
                if let Some(ms) = date_value(value, ctx.now()) {
                    let col = if key.starts_with("created") {
                        "t.created_at"
                    } else if key.starts_with("activity") {
                        "t.bumped_at"
                    } else {
                        "t.last_posted_at"
                    };
                    let op = if key.ends_with("after") { ">=" } else { "<" };
                    q.push(&format!("{col} {op} ?"), ms);
                }
            }
            ("order", _) => {
                let (o, asc) = match value.strip_suffix("-asc") {
                    Some(o) => (o, true),
                    None => (value, false),
                };
                if q.order(o) {
                    q.ascending = asc;
                }
            }
            _ => {}
        }
    }
    // Free-text keywords: topics with a post matching every word, through the search index
    // (fts.rs), so this stays an index lookup at any size.
    if let Some(expr) = super::fts::all_words(&keywords) {
        let whispers = if ctx.g.is_staff() {
            ""
        } else {
            " AND p.post_type <> 4"
        };
        q.push(
            &format!(
                "t.id IN (SELECT p.topic_id FROM posts_fts f JOIN posts p ON p.id = f.rowid \
                 WHERE posts_fts MATCH ? AND p.deleted_at IS NULL{whispers})"
            ),
            expr,
        );
    }
    let topics = q.run(ctx)?;
    let more = if topics.len() as i64 == q.per_page {
        Some(format!(
            "/filter?q={}&page={}",
            encode_component(&query),
            q.page.saturating_add(1)
        ))
    } else {
        None
    };
    topic_list(ctx, &topics, q.per_page, more)
}

/// `YYYY-MM-DD` or a number of days ago, as epoch milliseconds.
fn date_value(v: &str, now: i64) -> Option<i64> {
    if let Ok(days) = v.parse::<i64>() {
        return Some(now.saturating_sub(days.saturating_mul(86_400_000)));
    }
    let d = chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d").ok()?;
    Some(d.and_hms_opt(0, 0, 0)?.and_utc().timestamp_millis())
}

/// `GET /topics/private-messages/{username}.json` (and `-sent`).
pub(crate) fn private_messages(ctx: &Ctx<'_>, username: &str, sent: bool) -> ApiResult {
    let user = ctx.require_user()?.clone();
    let target = store::user_by_username(ctx.tx, username)?.ok_or_else(ApiError::not_found)?;
    if !ctx.g.can_see_private_messages(target.id) {
        let _ = user;
        return Err(ApiError::invalid_access());
    }
    let mut q = ListQuery {
        joins: String::new(),
        wheres: vec![
            "t.archetype = 'private_message'".into(),
            "t.deleted_at IS NULL".into(),
        ],
        args: Vec::new(),
        order_col: "t.bumped_at",
        ascending: false,
        page: parse_page(ctx)?,
        per_page: DEFAULT_PER_PAGE,
    };
    if sent {
        q.push("t.user_id = ?", target.id);
    } else {
        q.push(
            "t.id IN (SELECT topic_id FROM topic_allowed_users WHERE user_id = ?)",
            target.id,
        );
    }
    let topics = q.run(ctx)?;
    let base = path_without_json(&ctx.path);
    let more = more_url(
        &base,
        ctx,
        q.page,
        topics.len() as i64 == q.per_page,
        &["page"],
    );
    let mut out = topic_list(ctx, &topics, q.per_page, more)?;
    // PM lists carry the participants of each message.
    if let Some(items) = out
        .pointer_mut("/topic_list/topics")
        .and_then(Value::as_array_mut)
    {
        for item in items.iter_mut() {
            let Some(id) = item.get("id").and_then(Value::as_i64) else {
                continue;
            };
            let mut st = ctx.tx.prepare_cached(
                "SELECT user_id FROM topic_allowed_users WHERE topic_id = ?1 ORDER BY user_id",
            )?;
            let ids: Vec<i64> = st
                .query_map([id], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            item["allowed_user_count"] = json!(ids.len());
            item["participants"] = Value::Array(
                ids.iter()
                    .map(|u| json!({"extras": null, "description": null, "user_id": u, "primary_group_id": null}))
                    .collect(),
            );
        }
    }
    Ok(out)
}

pub(crate) fn path_without_json(path: &str) -> String {
    path.strip_suffix(".json").unwrap_or(path).to_string()
}

/// `more_topics_url`: the same query with `page` advanced, only when the page was full.
fn more_url(base: &str, ctx: &Ctx<'_>, page: i64, full: bool, skip: &[&str]) -> Option<String> {
    if !full {
        return None;
    }
    let mut parts: Vec<String> = ctx
        .params
        .pairs()
        .iter()
        .filter(|(k, _)| !skip.contains(&k.as_str()))
        .map(|(k, v)| format!("{}={}", encode_component(k), encode_component(v)))
        .collect();
    parts.push(format!("page={}", page.saturating_add(1)));
    Some(format!("{base}?{}", parts.join("&")))
}

/// The `{"users":[…],"primary_groups":[],"topic_list":{…}}` envelope.
pub(crate) fn topic_list(
    ctx: &Ctx<'_>,
    topics: &[TopicRow],
    per_page: i64,
    more: Option<String>,
) -> ApiResult {
    let mut user_ids = BTreeSet::new();
    let mut items = Vec::with_capacity(topics.len());
    for t in topics {
        let posters = posters(ctx, t)?;
        for p in &posters {
            if let Some(id) = p.get("user_id").and_then(Value::as_i64) {
                user_ids.insert(id);
            }
        }
        items.push(topic_item(t, posters));
    }
    let users = users_sideload(ctx, user_ids)?;
    for (item, t) in items.iter_mut().zip(topics) {
        if let Some(u) = users
            .iter()
            .find(|u| u.get("id").and_then(Value::as_i64) == Some(t.last_post_user_id))
        {
            item["last_poster_username"] = u["username"].clone();
        }
    }
    let mut topic_list = json!({
        "can_create_topic": ctx.g.can_create_topic(),
        "per_page": per_page,
        "draft": null,
        "draft_key": "new_topic",
        "draft_sequence": 0,
        "topics": items,
    });
    if let Some(url) = more {
        topic_list["more_topics_url"] = Value::String(url);
    }
    Ok(json!({
        "users": users,
        "primary_groups": [],
        "flair_groups": [],
        "topic_list": topic_list,
    }))
}

pub(crate) fn users_sideload(
    ctx: &Ctx<'_>,
    ids: impl IntoIterator<Item = i64>,
) -> Result<Vec<Value>, ApiError> {
    let mut out = Vec::new();
    for id in ids {
        if let Some(u) = store::user_by_id(ctx.tx, id)? {
            out.push(basic_user(&u));
        }
    }
    Ok(out)
}

pub(crate) fn basic_user(u: &store::UserRow) -> Value {
    json!({
        "id": u.id,
        "username": u.username,
        "name": u.name,
        "avatar_template": avatar_template(&u.username),
        "trust_level": u.trust_level,
        "admin": u.admin,
        "moderator": u.moderator,
    })
}

/// The `posters` of a topic-list item (original poster, frequent posters, most recent).
pub(crate) fn posters(ctx: &Ctx<'_>, t: &TopicRow) -> Result<Vec<Value>, ApiError> {
    let mut st = ctx.tx.prepare_cached(
        "SELECT user_id, COUNT(*) AS n FROM posts WHERE topic_id = ?1 AND deleted_at IS NULL AND post_type <> 4 \
         GROUP BY user_id ORDER BY n DESC, MIN(post_number) LIMIT 6",
    )?;
    let frequent: Vec<i64> = st
        .query_map([t.id], |r| r.get::<_, i64>(0))?
        .collect::<Result<_, _>>()?;
    Ok(posters_from(t, &frequent))
}

/// [`posters`] for many topics with one query (search pages): topic id → posters.
pub(crate) fn posters_many(
    ctx: &Ctx<'_>,
    topics: &[TopicRow],
) -> Result<std::collections::HashMap<i64, Vec<Value>>, ApiError> {
    let mut out = std::collections::HashMap::new();
    if topics.is_empty() {
        return Ok(out);
    }
    let list = topics
        .iter()
        .map(|t| t.id.to_string())
        .collect::<Vec<_>>()
        .join(",");
    // (topic, user, posts, first post number), most posts first as `posters` orders them.
    let rows: Vec<(i64, i64, i64, i64)> = {
        let mut st = ctx.tx.prepare(&format!(
            "SELECT topic_id, user_id, COUNT(*) AS n, MIN(post_number) AS first FROM posts \
             WHERE topic_id IN ({list}) AND deleted_at IS NULL AND post_type <> 4 \
             GROUP BY topic_id, user_id ORDER BY topic_id, n DESC, first"
        ))?;
        let it = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
        it.collect::<Result<_, _>>()?
    };
    let mut frequent: std::collections::HashMap<i64, Vec<i64>> = std::collections::HashMap::new();
    for (topic, user, _, _) in rows {
        let v = frequent.entry(topic).or_default();
        if v.len() < 6 {
            v.push(user);
        }
    }
    for t in topics {
        let f = frequent.get(&t.id).map(Vec::as_slice).unwrap_or(&[]);
        out.insert(t.id, posters_from(t, f));
    }
    Ok(out)
}

/// Original poster, up to three frequent posters (`frequent`: most posts first), most recent.
fn posters_from(t: &TopicRow, frequent: &[i64]) -> Vec<Value> {
    let mut out = Vec::new();
    let single = t.user_id == t.last_post_user_id;
    out.push(json!({
        "extras": if single { "latest single" } else { "" },
        "description": if single { "Original Poster, Most Recent Poster" } else { "Original Poster" },
        "user_id": t.user_id,
        "primary_group_id": null,
        "flair_group_id": null,
    }));
    for &id in frequent {
        if out.len() >= 4 {
            break;
        }
        if id == t.user_id || id == t.last_post_user_id {
            continue;
        }
        out.push(
            json!({"extras": null, "description": "Frequent Poster", "user_id": id,
                        "primary_group_id": null, "flair_group_id": null}),
        );
    }
    if !single {
        out.push(json!({"extras": "latest", "description": "Most Recent Poster",
                        "user_id": t.last_post_user_id, "primary_group_id": null, "flair_group_id": null}));
    }
    out
}

pub(crate) fn topic_item(t: &TopicRow, posters: Vec<Value>) -> Value {
    json!({
        "id": t.id,
        "title": t.title,
        "fancy_title": t.title,
        "slug": t.slug,
        "posts_count": t.posts_count,
        "reply_count": t.reply_count,
        "highest_post_number": t.highest_post_number,
        "image_url": null,
        "created_at": iso(t.created_at),
        "last_posted_at": iso(t.last_posted_at),
        "bumped": true,
        "bumped_at": iso(t.bumped_at),
        "archetype": t.archetype,
        "unseen": false,
        "pinned": false,
        "unpinned": null,
        "visible": t.visible,
        "closed": t.closed,
        "archived": t.archived,
        "bookmarked": null,
        "liked": null,
        "views": t.views,
        "like_count": t.like_count,
        "op_like_count": t.op_like_count,
        "has_summary": false,
        "last_poster_username": null,
        "category_id": t.category_id,
        "pinned_globally": false,
        "featured_link": null,
        "tags": [],
        "posters": posters,
        "participant_count": t.participant_count,
        "has_accepted_answer": t.accepted_post_id.is_some(),
    })
}
