//! `GET /search.json?q=…&page=N`: Discourse's full-page search (lib/search.rb semantics) over
//! the FTS5 index of `fts.rs`, answering `GroupedSearchResultSerializer`'s shape (§2.3).
//!
//! Query language: words (every word must match, each as a prefix, as Discourse's `:*`) and
//! `"quoted phrases"`; `in:title` (titles only, first posts), `in:first`, `in:posted`,
//! `in:created`, `in:likes`, `in:personal`/`in:messages` (your private messages instead of
//! topics), `in:all-pms` (admins), `in:all` (both); `status:open|closed|archived|noreplies|
//! single_user|solved|unsolved|public`; `category:slug` and `#slug` (a category by slug, the
//! same as `category:slug`; `#parent:child` and any other `#tag` match nothing: the sandbox has
//! no subcategories and no tags); `@username`/`user:username` (`@me`); `before:`/`after:`
//! (`YYYY-MM-DD`, `YYYY-MM`, `YYYY` or a number of days ago; on post `created_at`);
//! `order:latest|oldest|latest_topic|likes|views` (default: relevance, FTS5 bm25 with titles
//! weighted ×4); `min_posts:`/`max_posts:`/`posts_count:`. `in:unseen`, `in:seen`,
//! `in:tracking`, `in:watching` are accepted and ignored. Anything else is a word.
//!
//! Results are one post per topic (the best-matching post; for `order:latest` the newest),
//! 50 per page, `page` 1..10 (other values give page 1), `more_full_page_results` when there is
//! a next page. A query of words only, all shorter than 3 characters, answers nothing with
//! `grouped_search_result.error` set; a query of filters only lists the matching topics (the
//! newest activity first), one post each.
//!
//! Who sees what: regular topics (unlisted ones for staff only); private messages only with an
//! `in:` that asks for them, and then only those the viewer takes part in (admins: all with
//! `in:all-pms`); whispers and hidden posts only for staff and their author.
//!
//! Cost at 100k topics: a query with words reads the newest [`WINDOW`] matching posts that pass
//! every filter (the FTS index drives, posts and topics are joined by primary key) and ranks,
//! groups and pages those; below that many matches the result is exact, above it relevance and
//! `order:` are applied within the newest matches. Filter-only queries walk an index
//! (`topics (archetype, bumped_at)`, `posts (user_id, created_at)`, `posts (created_at)`) and
//! stop as soon as the page is full.

use std::collections::{HashMap, HashSet};

use rusqlite::types::Value as Sql;
use rusqlite::OptionalExtension;
use serde_json::{json, Value};

use super::fts;
use super::lists::{posters_many, topic_item};
use super::server::{ApiError, ApiResult, Ctx};
use super::store::{self, avatar_template, excerpt, iso, TopicRow, UserRow};

/// `Search.per_filter`.
const PER_PAGE: usize = 50;
const MAX_PAGE: i64 = 10;
/// `SiteSetting.min_search_term_length`.
const MIN_TERM_LENGTH: usize = 3;
/// Matching posts read per query with words.
const WINDOW: usize = 1000;
/// Posts read at most by a filter-only query that has to walk posts.
const STREAM_CAP: usize = 20_000;
/// Words or phrases used at most (the rest of a very long query is ignored).
const MAX_TERMS: usize = 20;
const BLURB_LENGTH: usize = 200;
const TOO_SHORT: &str = "Your search term is too short.";

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Order {
    Relevance,
    Latest,
    Oldest,
    LatestTopic,
    Likes,
    Views,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Scope {
    /// Regular topics (the default).
    Topics,
    /// The viewer's private messages.
    Messages,
    /// Every private message (admins).
    AllMessages,
    /// Topics and the viewer's private messages.
    Everything,
}

/// An SQL condition with anonymous `?` placeholders and their values.
type Cond = (String, Vec<Sql>);

/// A parsed query.
#[derive(Debug)]
struct Query {
    /// FTS5 strings (see `fts::phrase`), all of which must match.
    terms: Vec<String>,
    /// The words of the terms, lowercased, for blurbs.
    words: Vec<String>,
    /// Characters in the longest term.
    longest: usize,
    has_filters: bool,
    title_only: bool,
    order: Order,
    scope: Scope,
    /// Conditions on `t` (topics).
    topic_conds: Vec<Cond>,
    /// Conditions on `p` (posts).
    post_conds: Vec<Cond>,
}

fn cond(sql: &str, args: Vec<Sql>) -> Cond {
    (sql.to_string(), args)
}

/// Splits a query into words and `"quoted phrases"` (an unclosed quote runs to the end).
fn tokens(q: &str) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    let mut chars = q.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let Some(&c) = chars.peek() else { break };
        let mut s = String::new();
        if c == '"' {
            chars.next();
            for c in chars.by_ref() {
                if c == '"' {
                    break;
                }
                s.push(c);
            }
            out.push((s, true));
        } else {
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() {
                    break;
                }
                s.push(c);
                chars.next();
            }
            out.push((s, false));
        }
    }
    out
}

/// `YYYY-MM-DD`, `YYYY-MM`, `YYYY` or a number of days ago, as epoch milliseconds.
fn date_value(v: &str, now: i64) -> Option<i64> {
    let v = v.trim();
    if let Ok(days) = v.parse::<i64>() {
        if (0..=36_500).contains(&days) && v.len() < 4 {
            return Some(now.saturating_sub(days.saturating_mul(86_400_000)));
        }
    }
    let full = match v.len() {
        4 => format!("{v}-01-01"),
        7 => format!("{v}-01"),
        _ => v.to_string(),
    };
    let d = chrono::NaiveDate::parse_from_str(&full, "%Y-%m-%d").ok()?;
    Some(d.and_hms_opt(0, 0, 0)?.and_utc().timestamp_millis())
}

/// Adds a word or phrase to the terms (nothing when it has no letters or digits).
fn add_term(query: &mut Query, text: &str, quoted: bool) {
    if query.terms.len() >= MAX_TERMS {
        return;
    }
    if let Some(t) = fts::phrase(text, !quoted) {
        let w = fts::words(text);
        query.longest = query.longest.max(w.join(" ").chars().count());
        query.words.extend(w);
        query.terms.push(t);
    }
}

/// Reads a query. Lookups (categories, users) happen here, so a filter naming something that
/// does not exist becomes a condition that matches nothing.
fn parse(ctx: &Ctx<'_>, q: &str) -> Result<Query, ApiError> {
    let me = ctx.g.id();
    let mut query = Query {
        terms: Vec::new(),
        words: Vec::new(),
        longest: 0,
        has_filters: false,
        title_only: false,
        order: Order::Relevance,
        scope: Scope::Topics,
        topic_conds: Vec::new(),
        post_conds: Vec::new(),
    };
    let nothing = || cond("0", Vec::new());
    for (tok, quoted) in tokens(q) {
        if quoted {
            add_term(&mut query, &tok, true);
            continue;
        }
        if let Some(name) = tok.strip_prefix('@').filter(|s| !s.is_empty()) {
            query.has_filters = true;
            query.post_conds.push(user_cond(ctx, name, me)?);
            continue;
        }
        if let Some(name) = tok.strip_prefix('#').filter(|s| is_hashtag(s)) {
            query.has_filters = true;
            query.topic_conds.push(hashtag_cond(ctx, name)?);
            continue;
        }
        let Some((key, value)) = tok.split_once(':') else {
            add_term(&mut query, &tok, false);
            continue;
        };
        let key = key.to_ascii_lowercase();
        let lower = value.to_ascii_lowercase();
        let num = value.trim().parse::<i64>().ok();
        let known = match (key.as_str(), lower.as_str()) {
            ("in", "title") => {
                query.title_only = true;
                true
            }
            ("in", "first" | "firstpost") => {
                query.post_conds.push(cond("p.post_number = 1", Vec::new()));
                true
            }
            ("in", "posted") => {
                query.post_conds.push(match me {
                    Some(id) => cond("p.user_id = ?", vec![Sql::Integer(id)]),
                    None => nothing(),
                });
                true
            }
            ("in", "created") => {
                query.post_conds.push(match me {
                    Some(id) => cond(
                        "p.user_id = ? AND p.post_number = 1",
                        vec![Sql::Integer(id)],
                    ),
                    None => nothing(),
                });
                true
            }
            ("in", "likes") => {
                query.post_conds.push(match me {
                    Some(id) => cond(
                        "p.id IN (SELECT post_id FROM likes WHERE user_id = ?)",
                        vec![Sql::Integer(id)],
                    ),
                    None => nothing(),
                });
                true
            }
            ("in", "personal" | "messages" | "personal-direct") => {
                query.scope = Scope::Messages;
                true
            }
            ("in", "all-pms") => {
                query.scope = if ctx.g.is_admin() {
                    Scope::AllMessages
                } else {
                    Scope::Messages
                };
                true
            }
            ("in", "all") => {
                query.scope = Scope::Everything;
                true
            }
            ("in", "bookmarks" | "pinned" | "wiki") => {
                // Nothing in the sandbox is bookmarked, pinned or a wiki.
                query.topic_conds.push(nothing());
                true
            }
            ("in", "seen" | "unseen" | "tracking" | "watching") => true,
            ("status", s) => {
                let c = match s {
                    "open" => Some("t.closed = 0 AND t.archived = 0"),
                    "closed" => Some("t.closed = 1"),
                    "archived" => Some("t.archived = 1"),
                    "noreplies" => Some("t.posts_count <= 1"),
                    "single_user" => Some("t.participant_count <= 1"),
                    "public" => Some("t.category_id IS NOT NULL"),
                    "solved" => Some("t.accepted_post_id IS NOT NULL"),
                    "unsolved" => Some(
                        "t.accepted_post_id IS NULL AND t.category_id IN (SELECT id FROM categories WHERE accepts_answers = 1)",
                    ),
                    _ => None,
                };
                if let Some(c) = c {
                    query.topic_conds.push(cond(c, Vec::new()));
                }
                true
            }
            ("category" | "categories", _) => {
                let mut ids = Vec::new();
                for key in value.split(',').map(|s| s.trim().trim_start_matches('=')) {
                    if key.is_empty() {
                        continue;
                    }
                    if let Some(c) = store::find_category(ctx.tx, key)? {
                        ids.push(c.id.to_string());
                    }
                }
                query.topic_conds.push(if ids.is_empty() {
                    nothing()
                } else {
                    cond(&format!("t.category_id IN ({})", ids.join(",")), Vec::new())
                });
                true
            }
            ("tag" | "tags", _) => {
                query.topic_conds.push(nothing());
                true
            }
            ("user", _) if !value.is_empty() => {
                query.post_conds.push(user_cond(ctx, value, me)?);
                true
            }
            ("before" | "after", _) => {
                if let Some(ms) = date_value(value, ctx.now()) {
                    let op = if key == "before" { "<" } else { ">" };
                    query.post_conds.push(cond(
                        &format!("p.created_at {op} ?"),
                        vec![Sql::Integer(ms)],
                    ));
                }
                true
            }
            ("order", o) => {
                query.order = match o {
                    "latest" | "latest_post" => Order::Latest,
                    "oldest" => Order::Oldest,
                    "latest_topic" => Order::LatestTopic,
                    "likes" => Order::Likes,
                    "views" => Order::Views,
                    _ => query.order,
                };
                true
            }
            ("min_posts" | "min_post_count", _) | ("max_posts", _) | ("posts_count", _) => {
                if let Some(n) = num {
                    let op = match key.as_str() {
                        "max_posts" => "<=",
                        "posts_count" => "=",
                        _ => ">=",
                    };
                    query.topic_conds.push(cond(
                        &format!("t.posts_count {op} ?"),
                        vec![Sql::Integer(n)],
                    ));
                }
                true
            }
            ("min_views", _) | ("max_views", _) => {
                if let Some(n) = num {
                    let op = if key == "max_views" { "<=" } else { ">=" };
                    query
                        .topic_conds
                        .push(cond(&format!("t.views {op} ?"), vec![Sql::Integer(n)]));
                }
                true
            }
            _ => false,
        };
        if known {
            query.has_filters = true;
        } else {
            add_term(&mut query, &tok, false);
        }
    }
    Ok(query)
}

/// Is `s` (after the `#`) a hashtag? Discourse's `/\A#([\p{L}\p{M}0-9\-:=]+)\z/`; anything
/// else (`#foo!`, `#a_b`) is a word.
fn is_hashtag(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | ':' | '='))
}

/// `#name`: the category whose slug is `name` (by slug only, case-insensitive, as Discourse's
/// hashtag lookup; with its subcategories, of which the sandbox has none; a leading `=` is
/// dropped as in `category:`), the same condition as `category:name`. `#parent:child` names a
/// subcategory, and the sandbox has none. Any other name is a tag, and the sandbox has no tags:
/// both match nothing.
fn hashtag_cond(ctx: &Ctx<'_>, name: &str) -> Result<Cond, ApiError> {
    let mut parts = name.split(':');
    let slug = parts.next().unwrap_or("").trim_start_matches('=');
    let subcategory = parts.next().is_some_and(|s| !s.is_empty());
    if !subcategory && !slug.is_empty() {
        let found = store::categories(ctx.tx)?
            .into_iter()
            .find(|c| c.slug.eq_ignore_ascii_case(slug));
        if let Some(c) = found {
            return Ok(cond("t.category_id = ?", vec![Sql::Integer(c.id)]));
        }
    }
    Ok(cond("0", Vec::new()))
}

fn user_cond(ctx: &Ctx<'_>, name: &str, me: Option<i64>) -> Result<Cond, ApiError> {
    let id = if name.eq_ignore_ascii_case("me") {
        me
    } else {
        store::user_by_username(ctx.tx, name)?.map(|u| u.id)
    };
    Ok(match id {
        Some(id) => cond("p.user_id = ?", vec![Sql::Integer(id)]),
        None => cond("0", Vec::new()),
    })
}

/// Who may see which topics (conditions on `t`) and posts (on `p`).
fn visibility(ctx: &Ctx<'_>, scope: Scope) -> (Vec<Cond>, Vec<Cond>) {
    let staff = ctx.g.is_staff();
    let me = ctx.g.id();
    let regular = if staff {
        "t.archetype = 'regular'"
    } else {
        "t.archetype = 'regular' AND t.visible = 1"
    };
    let mine = "t.archetype = 'private_message' AND t.id IN (SELECT topic_id FROM topic_allowed_users WHERE user_id = ?)";
    let mut topic = vec![cond("t.deleted_at IS NULL", Vec::new())];
    topic.push(match (scope, me) {
        (Scope::Topics, _) => cond(regular, Vec::new()),
        (Scope::Messages, Some(id)) => cond(mine, vec![Sql::Integer(id)]),
        (Scope::AllMessages, _) if ctx.g.is_admin() => {
            cond("t.archetype = 'private_message'", Vec::new())
        }
        (Scope::AllMessages, Some(id)) => cond(mine, vec![Sql::Integer(id)]),
        (Scope::Everything, Some(id)) => cond(
            &format!("(({regular}) OR ({mine}))"),
            vec![Sql::Integer(id)],
        ),
        (Scope::Everything, None) => cond(regular, Vec::new()),
        (_, None) => cond("0", Vec::new()),
    });
    let mut post = vec![cond("p.deleted_at IS NULL", Vec::new())];
    if !staff {
        post.push(match me {
            Some(id) => cond(
                "((p.post_type <> 4 AND p.hidden = 0) OR p.user_id = ?)",
                vec![Sql::Integer(id)],
            ),
            None => cond("p.post_type <> 4 AND p.hidden = 0", Vec::new()),
        });
    }
    (topic, post)
}

/// Joins conditions with `AND`, numbering their `?` placeholders from `first`.
fn render(conds: &[&Cond], first: usize, args: &mut Vec<Sql>) -> String {
    let mut n = first;
    let mut parts = Vec::with_capacity(conds.len());
    for (sql, values) in conds {
        let mut out = String::with_capacity(sql.len() + 8);
        for c in sql.chars() {
            if c == '?' {
                out.push_str(&format!("?{n}"));
                n += 1;
            } else {
                out.push(c);
            }
        }
        parts.push(format!("({out})"));
        args.extend(values.iter().cloned());
    }
    if parts.is_empty() {
        "1".into()
    } else {
        parts.join(" AND ")
    }
}

/// One candidate: the post, its topic, and what the orders sort by.
#[derive(Debug, Clone)]
struct Hit {
    post_id: i64,
    topic_id: i64,
    rank: f64,
    post_at: i64,
    likes: i64,
    topic_at: i64,
    views: i64,
}

/// Reads a row of [`hit_cols`]: the first four columns always, the sort columns of
/// `order:likes|latest_topic|views` only when selected.
fn hit_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Hit> {
    let full = r.as_ref().column_count() > 4;
    Ok(Hit {
        post_id: r.get(0)?,
        topic_id: r.get(1)?,
        rank: r.get(2)?,
        post_at: r.get(3)?,
        likes: if full { r.get(4)? } else { 0 },
        topic_at: if full { r.get(5)? } else { 0 },
        views: if full { r.get(6)? } else { 0 },
    })
}

/// Is `a` a better representative of its topic than `b` under `order`?
fn better(order: Order, a: &Hit, b: &Hit) -> bool {
    match order {
        Order::Latest => (a.post_at, a.post_id) > (b.post_at, b.post_id),
        Order::Oldest => (a.post_at, a.post_id) < (b.post_at, b.post_id),
        Order::Likes => (a.likes, -a.rank) > (b.likes, -b.rank),
        _ => a.rank < b.rank || (a.rank == b.rank && a.post_id > b.post_id),
    }
}

fn sort_hits(order: Order, hits: &mut [Hit]) {
    hits.sort_by(|a, b| {
        let ord = match order {
            Order::Relevance => a.rank.total_cmp(&b.rank),
            Order::Latest => b.post_at.cmp(&a.post_at),
            Order::Oldest => a.post_at.cmp(&b.post_at),
            Order::LatestTopic => b.topic_at.cmp(&a.topic_at),
            Order::Likes => b.likes.cmp(&a.likes),
            Order::Views => b.views.cmp(&a.views),
        };
        ord.then(b.topic_id.cmp(&a.topic_id))
    });
}

/// One hit per topic, in first-seen order, keeping the better post under `order`.
fn per_topic(order: Order, rows: Vec<Hit>) -> Vec<Hit> {
    let mut at: HashMap<i64, usize> = HashMap::new();
    let mut out: Vec<Hit> = Vec::new();
    for h in rows {
        let found = at.get(&h.topic_id).copied();
        match found {
            Some(i) => {
                if better(order, &h, &out[i]) {
                    out[i] = h;
                }
            }
            None => {
                at.insert(h.topic_id, out.len());
                out.push(h);
            }
        }
    }
    out
}

/// The columns a hit is read from (fewer for the orders that do not need them: the window
/// can be a thousand rows).
fn hit_cols(order: Order, rank: &str) -> String {
    match order {
        Order::Likes | Order::LatestTopic | Order::Views => {
            format!("p.id, p.topic_id, {rank}, p.created_at, p.like_count, t.created_at, t.views")
        }
        _ => format!("p.id, p.topic_id, {rank}, p.created_at"),
    }
}

/// Words present: the FTS index drives; the newest `WINDOW` matching, visible, filtered posts
/// are ranked and grouped here.
fn run_words(ctx: &Ctx<'_>, query: &Query) -> Result<Vec<Hit>, rusqlite::Error> {
    let (tv, pv) = visibility(ctx, query.scope);
    let first_post = cond("p.post_number = 1", Vec::new());
    let mut conds: Vec<&Cond> = tv.iter().chain(pv.iter()).collect();
    conds.extend(query.topic_conds.iter());
    conds.extend(query.post_conds.iter());
    if query.title_only {
        conds.push(&first_post);
    }
    let mut expr = if query.title_only {
        format!("{{title}} : ({})", query.terms.join(" "))
    } else {
        format!("{} : ({})", fts::TEXT_COLUMNS, query.terms.join(" "))
    };
    // `@user`: the index intersects the words with the author's posts itself (the condition
    // on `p.user_id` stays, for the rows it returns).
    for (sql, args) in &query.post_conds {
        if let (true, [Sql::Integer(id)]) = (sql == "p.user_id = ?", args.as_slice()) {
            expr.push_str(&format!(" AND {}", fts::author_term(*id)));
        }
    }
    let mut args = vec![Sql::Text(expr)];
    let where_sql = render(&conds, 2, &mut args);
    let sql = format!(
        "SELECT {} FROM posts_fts f JOIN posts p ON p.id = f.rowid JOIN topics t ON t.id = p.topic_id \
         WHERE posts_fts MATCH ?1 AND {where_sql} ORDER BY f.rowid DESC LIMIT {WINDOW}",
        hit_cols(query.order, "bm25(posts_fts, 4.0, 1.0, 0.0)")
    );
    let rows: Vec<Hit> = {
        let mut st = ctx.tx.prepare(&sql)?;
        let it = st.query_map(rusqlite::params_from_iter(args.iter()), hit_from_row)?;
        it.collect::<Result<_, _>>()?
    };
    let mut hits = per_topic(query.order, rows);
    sort_hits(query.order, &mut hits);
    Ok(hits)
}

/// Hits `skip..skip + PER_PAGE` of `hits`, and whether there are more after them.
fn page_of(hits: Vec<Hit>, skip: usize) -> (Vec<Hit>, bool) {
    let more = hits.len() > skip + PER_PAGE;
    (hits.into_iter().skip(skip).take(PER_PAGE).collect(), more)
}

/// Filters only: walk topics (when every condition is on topics) or posts in index order,
/// stopping once the page (and one more) is found. Returns the page and whether there is more.
fn run_filters(ctx: &Ctx<'_>, query: &Query, skip: usize) -> Result<(Vec<Hit>, bool), ApiError> {
    let (tv, pv) = visibility(ctx, query.scope);
    let mut args = Vec::new();
    if query.post_conds.is_empty() {
        let conds: Vec<&Cond> = tv.iter().chain(query.topic_conds.iter()).collect();
        let where_sql = render(&conds, 1, &mut args);
        let order = match query.order {
            Order::Oldest => "t.created_at ASC, t.id ASC",
            Order::LatestTopic => "t.created_at DESC, t.id DESC",
            Order::Likes => "t.like_count DESC, t.id DESC",
            Order::Views => "t.views DESC, t.id DESC",
            Order::Relevance | Order::Latest => "t.bumped_at DESC, t.id DESC",
        };
        let topics: Vec<(i64, i64, i64)> = {
            let mut st = ctx.tx.prepare(&format!(
                "SELECT t.id, t.created_at, t.views FROM topics t WHERE {where_sql} ORDER BY {order} \
                 LIMIT {} OFFSET {skip}",
                PER_PAGE + 1
            ))?;
            let it = st.query_map(rusqlite::params_from_iter(args.iter()), |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, i64>(2)?,
                ))
            })?;
            it.collect::<Result<_, _>>()?
        };
        let more = topics.len() > PER_PAGE;
        let staff = ctx.g.is_staff();
        let me = ctx.g.id().unwrap_or(0);
        let mut out = Vec::with_capacity(topics.len());
        for (tid, topic_at, views) in topics.into_iter().take(PER_PAGE) {
            // The topic's newest post the viewer may see represents it.
            let post: Option<(i64, i64, i64)> = ctx
                .tx
                .prepare_cached(
                    "SELECT p.id, p.created_at, p.like_count FROM posts p WHERE p.topic_id = ?1 \
                     AND p.deleted_at IS NULL AND (?2 OR (p.post_type <> 4 AND p.hidden = 0) OR p.user_id = ?3) \
                     ORDER BY p.post_number DESC LIMIT 1",
                )?
                .query_row(rusqlite::params![tid, staff, me], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })
                .optional()?;
            if let Some((post_id, post_at, likes)) = post {
                out.push(Hit {
                    post_id,
                    topic_id: tid,
                    rank: 0.0,
                    post_at,
                    likes,
                    topic_at,
                    views,
                });
            }
        }
        return Ok((out, more));
    }
    let conds: Vec<&Cond> = tv
        .iter()
        .chain(pv.iter())
        .chain(query.topic_conds.iter())
        .chain(query.post_conds.iter())
        .collect();
    let where_sql = render(&conds, 1, &mut args);
    let dir = if query.order == Order::Oldest {
        "ASC"
    } else {
        "DESC"
    };
    // CROSS JOIN keeps posts as the outer loop, so an index on posts (user, or created_at)
    // yields rows already in order and the walk stops early instead of sorting every match.
    let sql = format!(
        "SELECT {} FROM posts p CROSS JOIN topics t ON t.id = p.topic_id WHERE {where_sql} \
         ORDER BY p.created_at {dir}, p.id {dir}",
        hit_cols(query.order, "0.0")
    );
    let want = skip + PER_PAGE + 1;
    let mut seen: HashSet<i64> = HashSet::new();
    let mut out = Vec::new();
    {
        let mut st = ctx.tx.prepare(&sql)?;
        let mut rows = st.query(rusqlite::params_from_iter(args.iter()))?;
        let mut scanned = 0usize;
        while let Some(row) = rows.next()? {
            scanned += 1;
            let h = hit_from_row(row)?;
            if seen.insert(h.topic_id) {
                out.push(h);
                if out.len() >= want {
                    break;
                }
            }
            if scanned >= STREAM_CAP {
                break;
            }
        }
    }
    if !matches!(
        query.order,
        Order::Latest | Order::Oldest | Order::Relevance
    ) {
        sort_hits(query.order, &mut out);
    }
    Ok(page_of(out, skip))
}

/// A plain-text excerpt of the post around the first matching word.
fn blurb(cooked: &str, words: &[String]) -> String {
    let text = excerpt(cooked, usize::MAX);
    let lower = text.to_ascii_lowercase();
    let mut first: Option<usize> = None;
    for w in words {
        let w = w.to_ascii_lowercase();
        let found = lower.find(&w).or_else(|| {
            // A stem: "connection" also finds "connect".
            let stem: String = w
                .chars()
                .take(w.chars().count().saturating_sub(3).max(4))
                .collect();
            if stem.len() < w.len() {
                lower.find(&stem)
            } else {
                None
            }
        });
        if let Some(i) = found {
            first = Some(first.map_or(i, |f| f.min(i)));
        }
    }
    let mut start = first.map_or(0, |i| i.saturating_sub(60));
    while start > 0 && !text.is_char_boundary(start) {
        start -= 1;
    }
    if start > 0 {
        if let Some(sp) = text[start..].find(' ') {
            if sp < 20 {
                start += sp + 1;
            }
        }
    }
    let rest = &text[start..];
    let cut: String = rest.chars().take(BLURB_LENGTH).collect();
    let mut out = String::new();
    if start > 0 {
        out.push_str("...");
    }
    out.push_str(cut.trim());
    if rest.chars().count() > BLURB_LENGTH {
        out.push_str("...");
    }
    out
}

fn empty_result(ctx: &Ctx<'_>, term: &str, error: Option<&str>) -> Value {
    json!({
        "posts": [],
        "topics": [],
        "users": [],
        "categories": [],
        "tags": [],
        "groups": [],
        "grouped_search_result": {
            "more_posts": null,
            "more_users": null,
            "more_categories": null,
            "more_full_page_results": null,
            "term": term,
            "search_log_id": null,
            "can_create_topic": ctx.g.can_create_topic(),
            "error": error,
            "post_ids": [],
            "user_ids": [],
            "category_ids": [],
            "tag_ids": [],
            "group_ids": [],
        },
    })
}

/// `GET /search.json?q=…&page=N`.
pub(crate) fn search(ctx: &Ctx<'_>) -> ApiResult {
    let term = ctx
        .params
        .get("q")
        .or_else(|| ctx.params.get("term"))
        .unwrap_or("")
        .to_string();
    if term.contains('\u{0}') {
        return Err(ApiError::invalid_params("string contains null byte"));
    }
    let page = ctx
        .params
        .get("page")
        .and_then(|s| s.trim().parse::<i64>().ok())
        .filter(|p| (1..=MAX_PAGE).contains(p))
        .unwrap_or(1) as usize;
    if term.trim().is_empty() {
        return Ok(empty_result(ctx, &term, None));
    }
    let query = parse(ctx, &term)?;
    if !query.has_filters && query.longest < MIN_TERM_LENGTH {
        return Ok(empty_result(ctx, &term, Some(TOO_SHORT)));
    }
    let skip = (page - 1) * PER_PAGE;
    let (page_hits, more) = if query.terms.is_empty() {
        run_filters(ctx, &query, skip)?
    } else {
        match run_words(ctx, &query) {
            Ok(hits) => page_of(hits, skip),
            // The expression is built from letters and digits only, so this should not
            // happen; if FTS5 still refuses it, the user gets no results rather than a 500.
            Err(rusqlite::Error::SqliteFailure(_, Some(msg))) if msg.contains("fts5") => {
                return Ok(empty_result(
                    ctx,
                    &term,
                    Some("Your search could not be understood."),
                ))
            }
            Err(e) => return Err(e.into()),
        }
    };

    let log_id = if page == 1 {
        ctx.tx.execute(
            "INSERT INTO search_logs (term, user_id, created_at) VALUES (?1, ?2, ?3)",
            rusqlite::params![term, ctx.g.id(), ctx.now()],
        )?;
        Some(ctx.tx.last_insert_rowid())
    } else {
        None
    };

    // Load the page's posts and topics, then their authors and posters in bulk.
    let mut rows = Vec::with_capacity(page_hits.len());
    for h in &page_hits {
        if let (Some(p), Some(t)) = (
            store::post_by_id(ctx.tx, h.post_id)?,
            store::topic_by_id(ctx.tx, h.topic_id)?,
        ) {
            rows.push((p, t));
        }
    }
    let topic_rows: Vec<TopicRow> = rows.iter().map(|(_, t)| t.clone()).collect();
    let mut posters = posters_many(ctx, &topic_rows)?;
    let mut authors: HashMap<i64, Option<UserRow>> = HashMap::new();
    let mut posts = Vec::with_capacity(rows.len());
    let mut topics = Vec::with_capacity(rows.len());
    let mut post_ids = Vec::with_capacity(rows.len());
    for (p, t) in &rows {
        for uid in [p.user_id, t.last_post_user_id] {
            if let std::collections::hash_map::Entry::Vacant(e) = authors.entry(uid) {
                e.insert(store::user_by_id(ctx.tx, uid)?);
            }
        }
        let (username, name) = match authors.get(&p.user_id) {
            Some(Some(u)) => (u.username.clone(), u.name.clone()),
            _ => ("deleted".to_string(), String::new()),
        };
        posts.push(json!({
            "id": p.id,
            "name": name,
            "username": username,
            "avatar_template": avatar_template(&username),
            "created_at": iso(p.created_at),
            "like_count": p.like_count,
            "blurb": blurb(&p.cooked, &query.words),
            "post_number": p.post_number,
            "topic_id": t.id,
        }));
        post_ids.push(p.id);
        let mut item = topic_item(t, posters.remove(&t.id).unwrap_or_default());
        if let Some(Some(u)) = authors.get(&t.last_post_user_id) {
            item["last_poster_username"] = json!(u.username);
        }
        topics.push(item);
    }
    Ok(json!({
        "posts": posts,
        "topics": topics,
        "users": [],
        "categories": [],
        "tags": [],
        "groups": [],
        "grouped_search_result": {
            "more_posts": null,
            "more_users": null,
            "more_categories": null,
            "more_full_page_results": if more { json!(true) } else { Value::Null },
            "term": term,
            "search_log_id": log_id,
            "can_create_topic": ctx.g.can_create_topic(),
            "error": null,
            "post_ids": post_ids,
            "user_ids": [],
            "category_ids": [],
            "tag_ids": [],
            "group_ids": [],
        },
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_keep_phrases_and_survive_stray_quotes() {
        assert_eq!(
            tokens(r#" "foo bar" OR baz* NEAR( "#),
            vec![
                ("foo bar".to_string(), true),
                ("OR".to_string(), false),
                ("baz*".to_string(), false),
                ("NEAR(".to_string(), false),
            ]
        );
        assert_eq!(
            tokens(r#"a "unclosed"#),
            vec![("a".to_string(), false), ("unclosed".to_string(), true)]
        );
        assert!(tokens("   ").is_empty());
    }

    #[test]
    fn hashtags_are_letters_digits_dashes_colons() {
        for s in [
            "mobile",
            "broadband-wi-fi",
            "parent:child",
            "=mobile",
            "caf\u{e9}",
            "5g",
        ] {
            assert!(is_hashtag(s), "{s}");
        }
        for s in ["", "foo!", "a_b", "a.b", "a/b", "#x"] {
            assert!(!is_hashtag(s), "{s}");
        }
    }

    #[test]
    fn placeholders_are_numbered_in_order() {
        let a = cond("x = ?", vec![Sql::Integer(1)]);
        let b = cond(
            "y IN (SELECT z FROM w WHERE v = ?) AND u = ?",
            vec![Sql::Integer(2), Sql::Integer(3)],
        );
        let mut args = vec![Sql::Text("m".into())];
        let sql = render(&[&a, &b], 2, &mut args);
        assert_eq!(
            sql,
            "(x = ?2) AND (y IN (SELECT z FROM w WHERE v = ?3) AND u = ?4)"
        );
        assert_eq!(args.len(), 4);
    }

    #[test]
    fn dates_and_blurbs() {
        let day = |s| date_value(s, 0);
        assert_eq!(day("2024-01-02"), Some(1_704_153_600_000));
        assert_eq!(day("2024-01"), day("2024-01-01"));
        assert_eq!(day("2024"), day("2024-01-01"));
        assert_eq!(day("yesterday-ish"), None);
        let cooked = format!(
            "<p>{} the router keeps dropping {}</p>",
            "intro ".repeat(40),
            "tail ".repeat(60)
        );
        let b = blurb(&cooked, &["router".to_string()]);
        assert!(
            b.starts_with("...") && b.contains("router keeps dropping") && b.ends_with("..."),
            "{b}"
        );
        assert_eq!(blurb("<p>short &amp; sweet</p>", &[]), "short & sweet");
    }
}
