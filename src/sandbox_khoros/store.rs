//! The Khoros sandbox's SQLite store: the schema, opening (seeding a new database, moving an
//! old one's clock to now), and each LiQL collection's rows as the JSON objects Khoros
//! answers with (reference §2.2, §6, §7, §8), for the account asking.
//!
//! The schema's version is the database's `PRAGMA user_version` ([`SCHEMA_VERSION`]), as in
//! the Discourse sandbox. Opening a database of another version:
//! - new (no tables): created and stamped with [`SCHEMA_VERSION`];
//! - older (or from before versioning, version 0) with every column [`SCHEMA`] declares:
//!   brought up to date in place (no step changes data yet) and stamped;
//! - older and lacking columns no step adds: the embedded demo's database is wiped and seeded
//!   again, with [`RESEEDED`] for the console to show; any other is refused untouched, since
//!   it may be someone's test data;
//! - newer: refused untouched, never half-understood.
//!
//! The columns are checked on every open whatever the version says, so a schema change that
//! forgot to bump [`SCHEMA_VERSION`] shows up as "cannot be migrated", not as SQL errors.
//!
//! Times are kept as milliseconds since the epoch and written as ISO 8601 with an offset
//! (`2022-06-13T10:59:34.092+00:00`), as Khoros writes them.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use rusqlite::{params, params_from_iter, Connection, OptionalExtension};
use serde_json::{json, Value};

use super::liql::{Cond, Lit, Op, Query};
use crate::sandbox::db_version::{has_tables, set_user_version, user_version, wipe};

pub const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS ranks(id INTEGER PRIMARY KEY, name TEXT NOT NULL, position INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS users(
  id INTEGER PRIMARY KEY, login TEXT NOT NULL UNIQUE COLLATE NOCASE, first_name TEXT,
  last_name TEXT, email TEXT, rank_id INTEGER, registration_time INTEGER NOT NULL,
  last_visit_time INTEGER);
CREATE TABLE IF NOT EXISTS roles(id TEXT PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS user_roles(user_id INTEGER NOT NULL, role_id TEXT NOT NULL,
  PRIMARY KEY(user_id, role_id));
CREATE TABLE IF NOT EXISTS categories(id TEXT PRIMARY KEY, title TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS boards(id TEXT PRIMARY KEY, title TEXT NOT NULL, description TEXT,
  category_id TEXT NOT NULL, position INTEGER NOT NULL, accepts_solutions INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS messages(
  id INTEGER PRIMARY KEY, board_id TEXT NOT NULL, author_id INTEGER NOT NULL,
  parent_id INTEGER, topic_id INTEGER NOT NULL, depth INTEGER NOT NULL, subject TEXT NOT NULL,
  body TEXT NOT NULL, post_time INTEGER NOT NULL, read_only INTEGER NOT NULL DEFAULT 0,
  views INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS messages_topic ON messages(topic_id);
CREATE INDEX IF NOT EXISTS messages_author ON messages(author_id);
CREATE INDEX IF NOT EXISTS messages_parent ON messages(parent_id);
CREATE INDEX IF NOT EXISTS messages_depth ON messages(depth);
CREATE TABLE IF NOT EXISTS solutions(message_id INTEGER PRIMARY KEY, topic_id INTEGER NOT NULL,
  accepter_id INTEGER NOT NULL, time INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS kudos(id INTEGER PRIMARY KEY, message_id INTEGER NOT NULL,
  user_id INTEGER NOT NULL, time INTEGER NOT NULL, weight INTEGER NOT NULL DEFAULT 1,
  UNIQUE(message_id, user_id));
CREATE INDEX IF NOT EXISTS kudos_user ON kudos(user_id);
CREATE TABLE IF NOT EXISTS badges(id INTEGER PRIMARY KEY, title TEXT NOT NULL,
  description TEXT NOT NULL, icon TEXT NOT NULL, activation_date INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS user_badges(user_id INTEGER NOT NULL, badge_id INTEGER NOT NULL,
  earned_date INTEGER NOT NULL, PRIMARY KEY(user_id, badge_id));
CREATE TABLE IF NOT EXISTS oauth_tokens(token TEXT PRIMARY KEY, user_id INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS care_authors(
  lsw_uuid TEXT PRIMARY KEY, person_id TEXT NOT NULL, display_number INTEGER NOT NULL,
  network TEXT NOT NULL, network_id TEXT NOT NULL, screen_name TEXT, name TEXT,
  profile_url TEXT, join_date INTEGER);
CREATE TABLE IF NOT EXISTS care_conversations(
  lsw_uuid TEXT PRIMARY KEY, display_number INTEGER NOT NULL, author_uuid TEXT NOT NULL,
  network TEXT NOT NULL, status TEXT NOT NULL, create_date INTEGER NOT NULL, title TEXT,
  agent TEXT);
CREATE TABLE IF NOT EXISTS care_messages(conversation_uuid TEXT NOT NULL,
  position INTEGER NOT NULL, from_agent INTEGER NOT NULL, author_name TEXT,
  text TEXT NOT NULL, publish_date INTEGER NOT NULL, PRIMARY KEY(conversation_uuid, position));
";

/// The schema this build reads and writes (`PRAGMA user_version`).
/// 1: the first versioned schema (the same tables as the unversioned sandbox's).
pub const SCHEMA_VERSION: i64 = 1;

/// The notice when an outdated demo database was replaced.
pub const RESEEDED: &str = "the demo database was from an older modterm; it was reseeded";

/// Every time column, for moving the demo's clock.
const TIME_COLUMNS: [(&str, &str); 10] = [
    ("users", "registration_time"),
    ("users", "last_visit_time"),
    ("messages", "post_time"),
    ("solutions", "time"),
    ("kudos", "time"),
    ("badges", "activation_date"),
    ("user_badges", "earned_date"),
    ("care_authors", "join_date"),
    ("care_conversations", "create_date"),
    ("care_messages", "publish_date"),
];

pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// A time as Khoros writes it.
pub fn iso(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, false)
}

/// How to open the database (see [`open`]).
#[derive(Debug, Clone, Copy)]
pub struct OpenSpec {
    /// Topics to seed into a new (or reseeded) database.
    pub topics: usize,
    pub seed: u64,
    /// Move every time by how long it has been since the data was seeded or last opened.
    pub rebase: bool,
    /// The database is disposable (the embedded demo's): one too old to migrate is seeded
    /// again instead of refused.
    pub reseed_outdated: bool,
}

/// An open database, and what the caller should tell the user about it (a reseed).
pub struct Opened {
    pub conn: Connection,
    pub notice: Option<String>,
}

/// Opens the database: checks its schema version (see the module's comment: brings an older
/// one up to date, reseeds or refuses one that cannot be, refuses a newer one), creates the
/// schema, seeds it when empty, and (if asked) moves every time by how long it has been since
/// it was seeded or last opened. The error says what to do.
pub fn open(path: &Path, spec: &OpenSpec) -> Result<Opened, String> {
    let conn = Connection::open(path).map_err(|e| e.to_string())?;
    let notice = check_version(&conn, path, spec.reseed_outdated)?;
    let conn = prepare(conn, spec).map_err(|e| e.to_string())?;
    Ok(Opened { conn, notice })
}

/// Refuses a newer database, and an older one that cannot be migrated unless it may be
/// reseeded (then it is wiped here, and the notice says so). Changes nothing otherwise: the
/// checks come before anything is written, so a refused database is left as it was.
fn check_version(
    conn: &Connection,
    path: &Path,
    reseed_outdated: bool,
) -> Result<Option<String>, String> {
    let sql = |e: rusqlite::Error| format!("{}: {e}", path.display());
    let version = user_version(conn).map_err(sql)?;
    if version > SCHEMA_VERSION {
        return Err(format!(
            "{} was written by a newer modterm (schema version {version}; this one knows up to \
             {SCHEMA_VERSION}); it was left untouched: upgrade modterm or use another database",
            path.display()
        ));
    }
    if !has_tables(conn).map_err(sql)? {
        return Ok(None);
    }
    let missing = missing_columns(conn).map_err(sql)?;
    if missing.is_empty() {
        // Every step up to this version adds nothing the schema does not create: `prepare`
        // creates any missing table, and stamps the version.
        return Ok(None);
    }
    if !reseed_outdated {
        return Err(format!(
            "{} is from an older modterm (schema version {version}) and cannot be migrated \
             (it lacks {}); it was left untouched: delete it to start afresh or use another \
             database",
            path.display(),
            missing.join(", ")
        ));
    }
    wipe(conn).map_err(sql)?;
    Ok(Some(RESEEDED.to_string()))
}

/// The `table.column`s [`SCHEMA`] declares that the database lacks.
fn missing_columns(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    crate::sandbox::db_version::missing_columns(conn, SCHEMA)
}

/// Creates the schema, seeds an empty database, moves the clock when asked, and stamps the
/// version.
fn prepare(mut conn: Connection, spec: &OpenSpec) -> rusqlite::Result<Connection> {
    let OpenSpec {
        topics,
        seed,
        rebase,
        ..
    } = *spec;
    conn.execute_batch("PRAGMA journal_mode=WAL; PRAGMA foreign_keys=OFF;")?;
    conn.execute_batch(SCHEMA)?;
    let seeded: Option<String> = conn
        .query_row("SELECT value FROM meta WHERE key = 'clock'", [], |r| {
            r.get(0)
        })
        .optional()?;
    match seeded {
        None => {
            let tx = conn.transaction()?;
            super::seed::seed(&tx, topics, seed, now_ms())?;
            tx.execute(
                "INSERT OR REPLACE INTO meta(key, value) VALUES('clock', ?1)",
                [now_ms().to_string()],
            )?;
            tx.commit()?;
        }
        Some(clock) if rebase => {
            let then: i64 = clock.parse().unwrap_or_else(|_| now_ms());
            let shift = now_ms() - then;
            if shift > 0 {
                let tx = conn.transaction()?;
                for (table, column) in TIME_COLUMNS {
                    tx.execute(
                        &format!("UPDATE {table} SET {column} = {column} + ?1 WHERE {column} IS NOT NULL"),
                        [shift],
                    )?;
                }
                tx.execute(
                    "UPDATE meta SET value = ?1 WHERE key = 'clock'",
                    [now_ms().to_string()],
                )?;
                tx.commit()?;
            }
        }
        Some(_) => {}
    }
    set_user_version(&conn, SCHEMA_VERSION)?;
    Ok(conn)
}

/// Who is asking, which decides the per-account fields (`can_accept_solution`,
/// `user_context`) and what is visible.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Viewer {
    pub id: i64,
    pub admin: bool,
    pub staff: bool,
}

pub struct Ctx<'a> {
    pub conn: &'a Connection,
    pub base: &'a str,
    pub viewer: Option<Viewer>,
}

/// The viewer of a user id, with its rights from its roles.
pub fn viewer(conn: &Connection, user_id: i64) -> rusqlite::Result<Option<Viewer>> {
    let roles: Vec<String> = conn
        .prepare("SELECT role_id FROM user_roles WHERE user_id = ?1")?
        .query_map([user_id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let exists: Option<i64> = conn
        .query_row("SELECT id FROM users WHERE id = ?1", [user_id], |r| {
            r.get(0)
        })
        .optional()?;
    Ok(exists.map(|id| {
        let admin = roles.iter().any(|r| r == "t:Administrator");
        Viewer {
            id,
            admin,
            staff: admin || roles.iter().any(|r| r == "t:Moderator"),
        }
    }))
}

/// The id a literal names, when it is a whole number (ids are numbers in this store).
fn lit_id(l: &Lit) -> Option<i64> {
    match l {
        Lit::Str(s) => s.trim().parse().ok(),
        Lit::Num(n) if n.fract() == 0.0 => Some(*n as i64),
        _ => None,
    }
}

/// Narrows the SQL read by what every matching row must have (`topic.id = '5'`, `id IN …`):
/// the LiQL filter still runs on what is read, so this only saves work.
fn narrow(q: &Query, columns: &[(&str, &str)]) -> (String, Vec<i64>) {
    let mut clauses = Vec::new();
    let mut args = Vec::new();
    for c in q.filter.required() {
        let name = c.field().to_string();
        let Some((_, column)) = columns.iter().find(|(f, _)| *f == name) else {
            continue;
        };
        match c {
            Cond::Cmp(_, Op::Eq, l) => {
                if let Some(id) = lit_id(l) {
                    clauses.push(format!("{column} = ?"));
                    args.push(id);
                }
            }
            Cond::In(_, lits) => {
                let ids: Vec<i64> = lits.iter().filter_map(lit_id).collect();
                if ids.len() == lits.len() && !ids.is_empty() {
                    clauses.push(format!("{column} IN ({})", vec!["?"; ids.len()].join(",")));
                    args.extend(ids);
                }
            }
            _ => {}
        }
    }
    if clauses.is_empty() {
        ("1".into(), args)
    } else {
        (clauses.join(" AND "), args)
    }
}

fn counts(conn: &Connection, sql: &str) -> rusqlite::Result<HashMap<i64, i64>> {
    conn.prepare(sql)?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect()
}

fn user_ref(id: i64, login: &str, rank: Option<(i64, String)>) -> Value {
    let mut v = json!({"type": "user", "id": id.to_string(), "login": login, "href": format!("/users/{id}")});
    if let Some((rid, name)) = rank {
        v["rank"] = json!({"type": "rank", "id": rid.to_string(), "name": name});
    }
    v
}

fn slugify(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
        if out.len() >= 60 {
            break;
        }
    }
    let out = out.trim_end_matches('-').to_string();
    if out.is_empty() {
        "topic".into()
    } else {
        out
    }
}

/// A thread's or message's web address (`/t5/{board}/{slug}/td-p/{id}` or `m-p`).
pub fn view_href(base: &str, board: &str, subject: &str, id: i64, root: bool) -> String {
    let kind = if root { "td-p" } else { "m-p" };
    format!("{base}/t5/{board}/{}/{kind}/{id}", slugify(subject))
}

/// The `messages` rows the query may match.
pub fn messages(ctx: &Ctx, q: &Query) -> rusqlite::Result<Vec<Value>> {
    let (clause, args) = narrow(
        q,
        &[
            ("id", "m.id"),
            ("topic.id", "m.topic_id"),
            ("author.id", "m.author_id"),
            ("parent.id", "m.parent_id"),
            ("depth", "m.depth"),
        ],
    );
    let conn = ctx.conn;
    let replies = counts(
        conn,
        "SELECT parent_id, count(*) FROM messages WHERE parent_id IS NOT NULL GROUP BY parent_id",
    )?;
    let kudos = counts(
        conn,
        "SELECT message_id, sum(weight) FROM kudos GROUP BY message_id",
    )?;
    let mut threads: HashMap<i64, (i64, i64)> = HashMap::new();
    {
        let mut st = conn
            .prepare("SELECT topic_id, max(post_time), count(*) FROM messages GROUP BY topic_id")?;
        let rows = st.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get(1)?, r.get(2)?)))?;
        for row in rows {
            let (t, last, n) = row?;
            threads.insert(t, (last, n));
        }
    }
    let mut solutions: HashMap<i64, (i64, String, i64)> = HashMap::new();
    {
        let mut st = conn.prepare(
            "SELECT s.message_id, s.accepter_id, u.login, s.time FROM solutions s \
             JOIN users u ON u.id = s.accepter_id",
        )?;
        let rows = st.query_map([], |r| {
            Ok((r.get::<_, i64>(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?;
        for row in rows {
            let (m, uid, login, time) = row?;
            solutions.insert(m, (uid, login, time));
        }
    }
    let solved: HashSet<i64> = conn
        .prepare("SELECT DISTINCT topic_id FROM solutions")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mine: HashSet<i64> = match ctx.viewer {
        Some(v) => conn
            .prepare("SELECT message_id FROM kudos WHERE user_id = ?1")?
            .query_map([v.id], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?,
        None => HashSet::new(),
    };
    let sql = format!(
        "SELECT m.id, m.board_id, m.author_id, m.parent_id, m.topic_id, m.depth, m.subject, \
         m.body, m.post_time, m.read_only, m.views, u.login, u.rank_id, r.name, \
         b.accepts_solutions, t.author_id, t.subject \
         FROM messages m JOIN users u ON u.id = m.author_id \
         LEFT JOIN ranks r ON r.id = u.rank_id JOIN boards b ON b.id = m.board_id \
         JOIN messages t ON t.id = m.topic_id WHERE {clause} ORDER BY m.id"
    );
    let mut st = conn.prepare(&sql)?;
    let rows = st.query_map(params_from_iter(args.iter()), |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, i64>(2)?,
            r.get::<_, Option<i64>>(3)?,
            r.get::<_, i64>(4)?,
            r.get::<_, i64>(5)?,
            r.get::<_, String>(6)?,
            r.get::<_, String>(7)?,
            r.get::<_, i64>(8)?,
            r.get::<_, bool>(9)?,
            r.get::<_, i64>(10)?,
            (
                r.get::<_, String>(11)?,
                r.get::<_, Option<i64>>(12)?,
                r.get::<_, Option<String>>(13)?,
                r.get::<_, bool>(14)?,
                r.get::<_, i64>(15)?,
                r.get::<_, String>(16)?,
            ),
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, board, author, parent, topic, depth, subject, body, time, read_only, views, rest) =
            row?;
        let (login, rank_id, rank, accepts, topic_author, topic_subject) = rest;
        let (last, count) = threads.get(&topic).copied().unwrap_or((time, 1));
        let is_solution = solutions.contains_key(&id);
        let viewer = ctx.viewer;
        let can_accept = viewer.is_some_and(|v| {
            depth > 0 && accepts && !is_solution && (v.staff || v.id == topic_author)
        });
        let mut m = json!({
            "type": "message",
            "id": id.to_string(),
            "href": format!("/messages/{id}"),
            "view_href": view_href(ctx.base, &board, &topic_subject, id, depth == 0),
            "subject": subject,
            "body": body,
            "post_time": iso(time),
            "depth": depth,
            "author": user_ref(author, &login, rank_id.zip(rank)),
            "board": {"type": "board", "id": board, "href": format!("/boards/{board}")},
            "topic": {"type": "message", "id": topic.to_string(), "href": format!("/messages/{topic}")},
            "conversation": {
                "type": "conversation",
                "id": topic.to_string(),
                "style": "forum",
                "solved": solved.contains(&topic),
                "last_post_time": iso(last),
                "messages_count": count,
            },
            "is_solution": is_solution,
            "can_accept_solution": can_accept,
            "solution_data": match solutions.get(&id) {
                Some((uid, login, t)) => json!({
                    "type": "solution_data", "message_id": id.to_string(),
                    "accepter": {"type": "user", "id": uid.to_string(), "login": login},
                    "time": iso(*t)
                }),
                None => json!({}),
            },
            "read_only": read_only,
            "moderation_status": "approved",
            "user_context": {
                "type": "user_context",
                "kudo": mine.contains(&id),
                "read": true,
                "can_reply": viewer.is_some_and(|v| !read_only || v.staff),
                "can_kudo": viewer.is_some_and(|v| v.id != author),
                "can_delete": viewer.is_some_and(|v| v.staff),
            },
            "metrics": {"type": "message_metrics", "views": views},
            "replies": {"count": replies.get(&id).copied().unwrap_or(0)},
            "kudos": {"sum": {"weight": kudos.get(&id).copied().unwrap_or(0)}},
        });
        if let Some(p) = parent {
            m["parent"] =
                json!({"type": "message", "id": p.to_string(), "href": format!("/messages/{p}")});
        }
        out.push(m);
    }
    Ok(out)
}

/// The `users` rows. Anonymous callers see none (reference §7: zero rows on a public
/// community); e-mail addresses only for admins.
pub fn users(ctx: &Ctx, q: &Query) -> rusqlite::Result<Vec<Value>> {
    let Some(viewer) = ctx.viewer else {
        return Ok(Vec::new());
    };
    let (clause, args) = narrow(q, &[("id", "u.id")]);
    let conn = ctx.conn;
    let messages = counts(
        conn,
        "SELECT author_id, count(*) FROM messages GROUP BY author_id",
    )?;
    let topics = counts(
        conn,
        "SELECT author_id, count(*) FROM messages WHERE depth = 0 GROUP BY author_id",
    )?;
    let solutions = counts(
        conn,
        "SELECT m.author_id, count(*) FROM solutions s JOIN messages m ON m.id = s.message_id \
         GROUP BY m.author_id",
    )?;
    let received = counts(
        conn,
        "SELECT m.author_id, sum(k.weight) FROM kudos k JOIN messages m ON m.id = k.message_id \
         GROUP BY m.author_id",
    )?;
    let given = counts(
        conn,
        "SELECT user_id, sum(weight) FROM kudos GROUP BY user_id",
    )?;
    let mut roles: HashMap<i64, Vec<(String, String)>> = HashMap::new();
    {
        let mut st = conn.prepare(
            "SELECT ur.user_id, r.id, r.name FROM user_roles ur JOIN roles r ON r.id = ur.role_id",
        )?;
        for row in st.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get(1)?, r.get(2)?)))? {
            let (u, id, name) = row?;
            roles.entry(u).or_default().push((id, name));
        }
    }
    let mut badges: HashMap<i64, Vec<Value>> = HashMap::new();
    {
        let mut st = conn.prepare(
            "SELECT ub.user_id, ub.earned_date, b.id, b.title, b.description, b.icon, \
             b.activation_date, (SELECT count(*) FROM user_badges x WHERE x.badge_id = b.id) \
             FROM user_badges ub JOIN badges b ON b.id = ub.badge_id ORDER BY ub.earned_date",
        )?;
        let rows = st.query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, i64>(6)?,
                r.get::<_, i64>(7)?,
            ))
        })?;
        for row in rows {
            let (u, earned, bid, title, description, icon, active, awarded) = row?;
            badges.entry(u).or_default().push(json!({
                "type": "user_badge",
                "badge": badge_json(ctx.base, bid, &title, &description, &icon, active, awarded),
                "earned_date": iso(earned),
            }));
        }
    }
    let sql = format!(
        "SELECT u.id, u.login, u.first_name, u.last_name, u.email, u.rank_id, r.name, r.position, \
         u.registration_time, u.last_visit_time FROM users u LEFT JOIN ranks r ON r.id = u.rank_id \
         WHERE {clause} ORDER BY u.id"
    );
    let mut st = conn.prepare(&sql)?;
    let rows = st.query_map(params_from_iter(args.iter()), |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, Option<String>>(2)?,
            r.get::<_, Option<String>>(3)?,
            r.get::<_, Option<String>>(4)?,
            r.get::<_, Option<i64>>(5)?,
            r.get::<_, Option<String>>(6)?,
            r.get::<_, Option<i64>>(7)?,
            r.get::<_, i64>(8)?,
            r.get::<_, Option<i64>>(9)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, login, first, last, email, rank_id, rank, position, registered, visited) = row?;
        let my_roles = roles.get(&id).cloned().unwrap_or_default();
        let my_badges = badges.get(&id).cloned().unwrap_or_default();
        let mut u = json!({
            "type": "user",
            "id": id.to_string(),
            "href": format!("/users/{id}"),
            "view_href": format!("{}/t5/user/viewprofilepage/user-id/{id}", ctx.base),
            "login": login,
            "first_name": first,
            "last_name": last,
            "registration_data": {
                "type": "registration_data",
                "status": "fully-registered",
                "registration_time": iso(registered),
            },
            "last_visit_time": visited.map(iso),
            "banned": false,
            "deleted": false,
            "user_badges": {
                "list_item_type": "user_badge",
                "size": my_badges.len(),
                "items": my_badges,
            },
            "messages": {"count": messages.get(&id).copied().unwrap_or(0)},
            "topics": {"count": topics.get(&id).copied().unwrap_or(0)},
            "solutions_authored": {"count": solutions.get(&id).copied().unwrap_or(0)},
            "kudos_received": {"sum": {"weight": received.get(&id).copied().unwrap_or(0)}},
            "kudos_given": {"sum": {"weight": given.get(&id).copied().unwrap_or(0)}},
            "roles": {
                "count": my_roles.len(),
                "id": my_roles.iter().map(|(i, _)| i.clone()).collect::<Vec<_>>(),
                "name": my_roles.iter().map(|(_, n)| n.clone()).collect::<Vec<_>>(),
            },
        });
        if let (Some(rid), Some(name)) = (rank_id, rank) {
            u["rank"] =
                json!({"type": "rank", "id": rid.to_string(), "name": name, "position": position});
        }
        if viewer.admin {
            u["email"] = json!(email);
        }
        out.push(u);
    }
    Ok(out)
}

fn badge_json(
    base: &str,
    id: i64,
    title: &str,
    description: &str,
    icon: &str,
    activation: i64,
    awarded: i64,
) -> Value {
    json!({
        "type": "badge",
        "id": id.to_string(),
        "title": title,
        "description": description,
        "icon_url": format!("{base}/html/badge_icons/{icon}.svg"),
        "awarded": awarded,
        "activation_date": iso(activation),
    })
}

pub fn badges(ctx: &Ctx) -> rusqlite::Result<Vec<Value>> {
    let mut st = ctx.conn.prepare(
        "SELECT b.id, b.title, b.description, b.icon, b.activation_date, \
         (SELECT count(*) FROM user_badges x WHERE x.badge_id = b.id) FROM badges b ORDER BY b.id",
    )?;
    let rows = st.query_map([], |r| {
        Ok(badge_json(
            ctx.base,
            r.get(0)?,
            &r.get::<_, String>(1)?,
            &r.get::<_, String>(2)?,
            &r.get::<_, String>(3)?,
            r.get(4)?,
            r.get(5)?,
        ))
    })?;
    rows.collect()
}

pub fn boards(ctx: &Ctx) -> rusqlite::Result<Vec<Value>> {
    let mut per_board: HashMap<String, (i64, i64)> = HashMap::new();
    {
        let mut st = ctx
            .conn
            .prepare("SELECT board_id, sum(depth = 0), count(*) FROM messages GROUP BY board_id")?;
        for row in st.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?)))? {
            let (b, t, m) = row?;
            per_board.insert(b, (t, m));
        }
    }
    let mut st = ctx
        .conn
        .prepare("SELECT id, title, description, category_id FROM boards ORDER BY position")?;
    let rows = st.query_map([], |r| {
        let id: String = r.get(0)?;
        let (t, m) = per_board.get(&id).copied().unwrap_or((0, 0));
        Ok(json!({
            "type": "board",
            "id": id,
            "href": format!("/boards/{id}"),
            "view_href": format!("{}/t5/{id}/bd-p/{id}", ctx.base),
            "title": r.get::<_, String>(1)?,
            "description": r.get::<_, Option<String>>(2)?,
            "conversation_style": "forum",
            "parent": {"type": "category", "id": r.get::<_, String>(3)?},
            "topics": {"count": t},
            "messages": {"count": m},
        }))
    })?;
    rows.collect()
}

pub fn categories(ctx: &Ctx) -> rusqlite::Result<Vec<Value>> {
    let mut st = ctx
        .conn
        .prepare("SELECT id, title FROM categories ORDER BY id")?;
    let rows = st.query_map([], |r| {
        let id: String = r.get(0)?;
        Ok(json!({
            "type": "category", "id": id, "href": format!("/categories/{id}"),
            "title": r.get::<_, String>(1)?,
        }))
    })?;
    rows.collect()
}

pub fn kudos(ctx: &Ctx, q: &Query) -> rusqlite::Result<Vec<Value>> {
    let (clause, args) = narrow(
        q,
        &[
            ("id", "k.id"),
            ("user.id", "k.user_id"),
            ("message.id", "k.message_id"),
            ("message.author.id", "m.author_id"),
        ],
    );
    let sql = format!(
        "SELECT k.id, k.time, k.weight, k.user_id, ku.login, m.id, m.subject, m.topic_id, \
         m.author_id, mu.login FROM kudos k JOIN users ku ON ku.id = k.user_id \
         JOIN messages m ON m.id = k.message_id JOIN users mu ON mu.id = m.author_id \
         WHERE {clause} ORDER BY k.id"
    );
    let mut st = ctx.conn.prepare(&sql)?;
    let rows = st.query_map(params_from_iter(args.iter()), |r| {
        let id: i64 = r.get(0)?;
        let uid: i64 = r.get(3)?;
        let mid: i64 = r.get(5)?;
        let topic: i64 = r.get(7)?;
        let aid: i64 = r.get(8)?;
        Ok(json!({
            "type": "kudo",
            "id": id.to_string(),
            "href": format!("/kudos/{id}"),
            "time": iso(r.get(1)?),
            "weight": r.get::<_, i64>(2)?,
            "user": {"type": "user", "id": uid.to_string(), "login": r.get::<_, String>(4)?},
            "message": {
                "type": "message",
                "id": mid.to_string(),
                "subject": r.get::<_, String>(6)?,
                "topic": {"type": "message", "id": topic.to_string()},
                "author": {"type": "user", "id": aid.to_string(), "login": r.get::<_, String>(9)?},
            },
        }))
    })?;
    rows.collect()
}

pub fn roles(ctx: &Ctx) -> rusqlite::Result<Vec<Value>> {
    let mut members: HashMap<String, Vec<String>> = HashMap::new();
    {
        let mut st = ctx
            .conn
            .prepare("SELECT role_id, user_id FROM user_roles")?;
        for row in st.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))? {
            let (role, user) = row?;
            members.entry(role).or_default().push(user.to_string());
        }
    }
    let mut st = ctx.conn.prepare("SELECT id, name FROM roles ORDER BY id")?;
    let rows = st.query_map([], |r| {
        let id: String = r.get(0)?;
        let users = members.get(&id).cloned().unwrap_or_default();
        Ok(json!({
            "type": "role",
            "id": id,
            "name": r.get::<_, String>(1)?,
            "node": {"type": "node", "id": "community:demo"},
            "role_status": "active",
            "users": {"count": users.len(), "id": users},
        }))
    })?;
    rows.collect()
}

/// The rows of a collection the query may match, for the viewer.
pub fn rows(ctx: &Ctx, q: &Query) -> rusqlite::Result<Vec<Value>> {
    match q.collection.as_str() {
        "messages" => messages(ctx, q),
        "users" => users(ctx, q),
        "boards" => boards(ctx),
        "categories" => categories(ctx),
        "kudos" => kudos(ctx, q),
        "badges" => badges(ctx),
        "roles" => roles(ctx),
        _ => Ok(Vec::new()),
    }
}

/// One message as `SELECT *` would show it (the answer to a write).
pub fn message_json(ctx: &Ctx, id: i64) -> rusqlite::Result<Option<Value>> {
    let q = super::liql::parse(&format!("SELECT * FROM messages WHERE id = '{id}'"))
        .map_err(|e| rusqlite::Error::InvalidParameterName(e.message))?;
    let Some(schema) = super::query::schema("messages") else {
        return Ok(None);
    };
    let rows = messages(ctx, &q)?;
    Ok(super::query::run(schema, &q, rows)
        .ok()
        .and_then(|d| d["items"].get(0).cloned()))
}

/// A user id by login (case-insensitive), for the sign-in.
pub fn user_by_login(conn: &Connection, login: &str) -> rusqlite::Result<Option<i64>> {
    conn.query_row(
        "SELECT id FROM users WHERE login = ?1 COLLATE NOCASE",
        params![login],
        |r| r.get(0),
    )
    .optional()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_current_schema_misses_nothing_and_an_old_table_is_noticed() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(SCHEMA).unwrap();
        assert!(missing_columns(&conn).unwrap().is_empty());
        let old = Connection::open_in_memory().unwrap();
        old.execute_batch("CREATE TABLE messages (id INTEGER PRIMARY KEY, subject TEXT);")
            .unwrap();
        let missing = missing_columns(&old).unwrap();
        assert!(
            missing.contains(&"messages.body".to_string()),
            "{missing:?}"
        );
        assert!(
            !missing.iter().any(|m| m.starts_with("users.")),
            "a table it lacks is created, not missing: {missing:?}"
        );
    }

    #[test]
    fn versions_decide_what_opening_does() {
        let path = Path::new("khoros.db");
        let conn = Connection::open_in_memory().unwrap();
        assert_eq!(
            check_version(&conn, path, false),
            Ok(None),
            "a new database"
        );
        conn.execute_batch(SCHEMA).unwrap();
        assert_eq!(
            check_version(&conn, path, false),
            Ok(None),
            "from before versioning, with every column: migrated"
        );
        conn.execute_batch("ALTER TABLE messages DROP COLUMN views")
            .unwrap();
        let refused = check_version(&conn, path, false).unwrap_err();
        assert!(
            refused.contains("older modterm") && refused.contains("messages.views"),
            "{refused}"
        );
        assert!(has_tables(&conn).unwrap(), "refused untouched");
        assert_eq!(
            check_version(&conn, path, true),
            Ok(Some(RESEEDED.to_string()))
        );
        assert!(!has_tables(&conn).unwrap(), "wiped, to be seeded again");
        let newer = SCHEMA_VERSION + 1;
        set_user_version(&conn, newer).unwrap();
        for reseed in [false, true] {
            let e = check_version(&conn, path, reseed).unwrap_err();
            assert!(
                e.contains("newer modterm") && e.contains(&format!("schema version {newer}")),
                "{e}"
            );
            assert_eq!(user_version(&conn).unwrap(), newer, "left untouched");
        }
    }

    #[test]
    fn wipe_leaves_nothing() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(SCHEMA).unwrap();
        set_user_version(&conn, SCHEMA_VERSION).unwrap();
        wipe(&conn).unwrap();
        assert!(!has_tables(&conn).unwrap());
        assert_eq!(user_version(&conn).unwrap(), 0);
    }
}
