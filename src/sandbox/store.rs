//! SQLite schema, opening/seeding, and the row loaders the handlers share.

use std::path::Path;

use rusqlite::{params, Connection, OptionalExtension, Row};

use super::SandboxError;

pub(crate) const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL,
    name TEXT NOT NULL,
    admin INTEGER NOT NULL DEFAULT 0,
    moderator INTEGER NOT NULL DEFAULT 0,
    trust_level INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    last_seen_at INTEGER,
    last_posted_at INTEGER,
    days_visited INTEGER NOT NULL DEFAULT 0,
    time_read INTEGER NOT NULL DEFAULT 0,
    posts_read_count INTEGER NOT NULL DEFAULT 0,
    topics_entered INTEGER NOT NULL DEFAULT 0,
    suspended_till INTEGER,
    suspend_reason TEXT,
    silenced_till INTEGER,
    silence_reason TEXT,
    warnings_received INTEGER NOT NULL DEFAULT 0,
    penalty_suspended INTEGER NOT NULL DEFAULT 0,
    penalty_silenced INTEGER NOT NULL DEFAULT 0,
    title TEXT,
    location TEXT,
    website TEXT,
    bio_raw TEXT,
    email TEXT NOT NULL,
    ip_address TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE IF NOT EXISTS user_api_keys (
    key TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL,
    application_name TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
);
-- The scopes and client of the keys the approval flow issued (user_api_keys.rs); a key
-- without a row here (seeded, or from /sandbox/user-api-keys) has every scope.
CREATE TABLE IF NOT EXISTS user_api_key_grants (
    key TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL,
    client_id TEXT NOT NULL,
    scopes TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS user_api_key_grants_client ON user_api_key_grants (user_id, client_id);
CREATE TABLE IF NOT EXISTS user_associated_accounts (
    user_id INTEGER NOT NULL,
    provider TEXT NOT NULL,
    uid TEXT NOT NULL,
    PRIMARY KEY (user_id, provider)
);
CREATE TABLE IF NOT EXISTS categories (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    slug TEXT NOT NULL,
    color TEXT NOT NULL,
    text_color TEXT NOT NULL,
    description TEXT NOT NULL,
    position INTEGER NOT NULL,
    accepts_answers INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE IF NOT EXISTS topics (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    slug TEXT NOT NULL,
    category_id INTEGER,
    user_id INTEGER NOT NULL,
    archetype TEXT NOT NULL DEFAULT 'regular',
    created_at INTEGER NOT NULL,
    bumped_at INTEGER NOT NULL,
    last_posted_at INTEGER NOT NULL,
    last_post_user_id INTEGER NOT NULL,
    posts_count INTEGER NOT NULL DEFAULT 0,
    highest_post_number INTEGER NOT NULL DEFAULT 0,
    reply_count INTEGER NOT NULL DEFAULT 0,
    like_count INTEGER NOT NULL DEFAULT 0,
    op_like_count INTEGER NOT NULL DEFAULT 0,
    participant_count INTEGER NOT NULL DEFAULT 1,
    views INTEGER NOT NULL DEFAULT 0,
    closed INTEGER NOT NULL DEFAULT 0,
    archived INTEGER NOT NULL DEFAULT 0,
    visible INTEGER NOT NULL DEFAULT 1,
    accepted_post_id INTEGER,
    accepted_by_id INTEGER,
    deleted_at INTEGER
);
CREATE TABLE IF NOT EXISTS topic_allowed_users (
    topic_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    PRIMARY KEY (topic_id, user_id)
);
CREATE TABLE IF NOT EXISTS posts (
    id INTEGER PRIMARY KEY,
    topic_id INTEGER NOT NULL,
    post_number INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    raw TEXT NOT NULL,
    cooked TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    reply_to_post_number INTEGER,
    post_type INTEGER NOT NULL DEFAULT 1,
    like_count INTEGER NOT NULL DEFAULT 0,
    reply_count INTEGER NOT NULL DEFAULT 0,
    hidden INTEGER NOT NULL DEFAULT 0,
    deleted_at INTEGER,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE IF NOT EXISTS likes (
    post_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (post_id, user_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS badge_types (id INTEGER PRIMARY KEY, name TEXT NOT NULL, sort_order INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS badge_groupings (id INTEGER PRIMARY KEY, name TEXT NOT NULL, description TEXT NOT NULL, position INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS badges (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    badge_type_id INTEGER NOT NULL,
    badge_grouping_id INTEGER NOT NULL,
    icon TEXT NOT NULL,
    allow_title INTEGER NOT NULL DEFAULT 0,
    multiple_grant INTEGER NOT NULL DEFAULT 0,
    listable INTEGER NOT NULL DEFAULT 1,
    enabled INTEGER NOT NULL DEFAULT 1,
    system INTEGER NOT NULL DEFAULT 0,
    manually_grantable INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS user_badges (
    id INTEGER PRIMARY KEY,
    badge_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    granted_at INTEGER NOT NULL,
    granted_by_id INTEGER NOT NULL,
    post_id INTEGER
);
CREATE TABLE IF NOT EXISTS chat_channels (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    slug TEXT NOT NULL,
    description TEXT NOT NULL,
    category_id INTEGER
);
CREATE TABLE IF NOT EXISTS chat_messages (
    id INTEGER PRIMARY KEY,
    channel_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    message TEXT NOT NULL,
    cooked TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
-- The review queue (see review.rs). `type` is Discourse's class name; `status`: pending 0,
-- approved 1, rejected 2, ignored 3, deleted 4. The target is the post (`post_id`, NULL for a
-- queued post until it is approved) or, for a ReviewableUser, the user
-- (`target_created_by_id`). `payload` is a JSON object (a queued post's raw/title/category).
-- `created_by_id` -1 is Discourse's system user. Databases from before these columns are
-- rebuilt by `review::migrate_review`.
CREATE TABLE IF NOT EXISTS reviewables (
    id INTEGER PRIMARY KEY,
    type TEXT NOT NULL DEFAULT 'ReviewableFlaggedPost',
    status INTEGER NOT NULL DEFAULT 0,
    topic_id INTEGER,
    post_id INTEGER,
    target_created_by_id INTEGER,
    created_by_id INTEGER NOT NULL,
    category_id INTEGER,
    score REAL NOT NULL DEFAULT 0,
    version INTEGER NOT NULL DEFAULT 0,
    payload TEXT NOT NULL DEFAULT '{}',
    created_at INTEGER NOT NULL,
    updated_at INTEGER,
    reviewed_by_id INTEGER,
    reviewed_at INTEGER
);
-- One row per flag (or per reason a post or user needs approval: score_type 9).
-- `status`: pending 0, agreed 1, disagreed 2, ignored 3.
CREATE TABLE IF NOT EXISTS reviewable_scores (
    id INTEGER PRIMARY KEY,
    reviewable_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    post_id INTEGER,
    score_type INTEGER NOT NULL,
    score REAL NOT NULL DEFAULT 1,
    status INTEGER NOT NULL DEFAULT 0,
    reason TEXT,
    message TEXT,
    created_at INTEGER NOT NULL,
    reviewed_by_id INTEGER,
    reviewed_at INTEGER
);
-- Edits (`PUT /posts/{id}`): revision `number` is the post's version after the edit (2, 3, …).
CREATE TABLE IF NOT EXISTS post_revisions (
    id INTEGER PRIMARY KEY,
    post_id INTEGER NOT NULL,
    number INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    edit_reason TEXT,
    hidden INTEGER NOT NULL DEFAULT 0,
    before_raw TEXT NOT NULL,
    before_cooked TEXT NOT NULL,
    after_raw TEXT NOT NULL,
    after_cooked TEXT NOT NULL,
    UNIQUE (post_id, number)
);
-- Full-page searches (`search_log_id`).
CREATE TABLE IF NOT EXISTS search_logs (
    id INTEGER PRIMARY KEY,
    term TEXT NOT NULL,
    user_id INTEGER,
    created_at INTEGER NOT NULL
);
-- Groups beyond the automatic ones (`/site.json` lists those with their fixed ids 1-14; these
-- start at 41), their members, and the categories a group moderates (Discourse's
-- `category_moderation_groups`, read with `enable_category_group_moderation` on): a member
-- reviews the queue's items in those categories (review.rs `Reach`).
CREATE TABLE IF NOT EXISTS groups (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    full_name TEXT
);
CREATE TABLE IF NOT EXISTS group_users (
    group_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    PRIMARY KEY (group_id, user_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS category_moderation_groups (
    category_id INTEGER NOT NULL,
    group_id INTEGER NOT NULL,
    PRIMARY KEY (category_id, group_id)
) WITHOUT ROWID;
-- Per-category counts of regular, live topics and their posts, kept by triggers (counts.rs).
CREATE TABLE IF NOT EXISTS category_stats (
    category_id INTEGER PRIMARY KEY,
    topic_count INTEGER NOT NULL DEFAULT 0,
    post_count INTEGER NOT NULL DEFAULT 0,
    -- Bumped whenever a topic of the category is created, moved, deleted or restored.
    topic_changes INTEGER NOT NULL DEFAULT 0
);
"#;

/// Indexes are created after seeding (bulk inserts are faster without them).
pub(crate) const INDEXES: &str = r#"
CREATE UNIQUE INDEX IF NOT EXISTS users_username ON users (username COLLATE NOCASE);
CREATE INDEX IF NOT EXISTS user_api_keys_user ON user_api_keys (user_id);
CREATE INDEX IF NOT EXISTS topics_created ON topics (archetype, created_at);
CREATE INDEX IF NOT EXISTS topics_bumped ON topics (archetype, bumped_at);
CREATE INDEX IF NOT EXISTS topics_posts_created ON topics (archetype, posts_count, created_at);
CREATE INDEX IF NOT EXISTS topics_category ON topics (category_id, bumped_at);
CREATE INDEX IF NOT EXISTS topics_category_created ON topics (category_id, archetype, created_at);
CREATE INDEX IF NOT EXISTS topics_category_live ON topics (category_id, archetype, deleted_at, created_at);
CREATE INDEX IF NOT EXISTS topics_user ON topics (user_id);
CREATE INDEX IF NOT EXISTS topics_accepted ON topics (accepted_post_id);
CREATE UNIQUE INDEX IF NOT EXISTS posts_topic_number ON posts (topic_id, post_number);
CREATE INDEX IF NOT EXISTS posts_user ON posts (user_id, created_at);
CREATE INDEX IF NOT EXISTS likes_user ON likes (user_id, created_at);
CREATE INDEX IF NOT EXISTS tau_user ON topic_allowed_users (user_id);
CREATE INDEX IF NOT EXISTS user_badges_user ON user_badges (user_id);
CREATE INDEX IF NOT EXISTS user_badges_badge ON user_badges (badge_id);
CREATE INDEX IF NOT EXISTS chat_messages_channel ON chat_messages (channel_id, id);
CREATE INDEX IF NOT EXISTS posts_created ON posts (created_at);
CREATE INDEX IF NOT EXISTS reviewables_status ON reviewables (status, id);
CREATE INDEX IF NOT EXISTS reviewables_post ON reviewables (post_id);
CREATE INDEX IF NOT EXISTS reviewables_topic ON reviewables (topic_id, status);
CREATE INDEX IF NOT EXISTS reviewable_scores_user ON reviewable_scores (user_id);
CREATE INDEX IF NOT EXISTS reviewable_scores_post ON reviewable_scores (post_id);
CREATE INDEX IF NOT EXISTS reviewable_scores_reviewable ON reviewable_scores (reviewable_id);
CREATE INDEX IF NOT EXISTS group_users_user ON group_users (user_id);
"#;

/// How to open the database (see [`open_and_seed`]).
pub(crate) struct OpenSpec {
    /// Topics to seed into a new (or reseeded) database.
    pub topics: usize,
    pub seed: u64,
    /// The database is disposable (the embedded demo's): one too old to migrate is seeded
    /// again instead of refused.
    pub reseed_outdated: bool,
    /// Move every stored time forward to now, from when the data was last used
    /// (`rebase.rs`).
    pub rebase_times: bool,
}

/// An open database, and what the caller should tell the user about it (a reseed).
pub(crate) struct Opened {
    pub conn: Connection,
    pub notice: Option<String>,
}

/// The notice when an outdated demo database was replaced.
pub(crate) const RESEEDED: &str = "the demo database was from an older modterm; it was reseeded";

/// Opens the database file: checks its schema version (`schema.rs`: migrates an older one,
/// reseeds or refuses one that cannot be migrated, refuses a newer one), creates the schema,
/// seeds it when it holds no users, and moves its times to now when asked.
pub(crate) fn open_and_seed(path: &Path, spec: &OpenSpec) -> Result<Opened, SandboxError> {
    use super::schema;
    let mut conn = Connection::open(path)?;
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA temp_store = MEMORY; \
         PRAGMA cache_size = -65536;",
    )?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    let version = schema::user_version(&conn)?;
    if version > schema::VERSION {
        return Err(SandboxError::Db(format!(
            "{} was written by a newer modterm (schema version {version}; this one knows up to \
             {}); it was left untouched: upgrade modterm or use another database",
            path.display(),
            schema::VERSION
        )));
    }
    let mut notice = None;
    if schema::has_tables(&conn)? {
        conn.execute_batch(SCHEMA)?;
        conn.execute_batch(super::fts::TABLE)?;
        let missing = schema::unmigratable(&conn, version)?;
        if !missing.is_empty() {
            if !spec.reseed_outdated {
                return Err(SandboxError::Db(format!(
                    "{} is from an older modterm (schema version {version}) and cannot be \
                     migrated (it lacks {}); it was left untouched: delete it to start afresh \
                     or use another database",
                    path.display(),
                    missing.join(", ")
                )));
            }
            schema::wipe(&conn)?;
            notice = Some(RESEEDED.to_string());
        } else if version < schema::VERSION {
            schema::migrate(&conn, version)?;
        }
    }
    conn.execute_batch(SCHEMA)?;
    conn.execute_batch(super::fts::TABLE)?;
    let users: i64 = conn.query_row("SELECT COUNT(*) FROM users", [], |r| r.get(0))?;
    if users == 0 {
        // The search index and the category counts are filled once after the bulk insert.
        super::fts::prepare_bulk_load(&conn)?;
        super::counts::prepare_bulk_load(&conn)?;
        let tx = conn.transaction()?;
        super::seed::seed(&tx, spec.topics, spec.seed, now_ms())?;
        tx.execute_batch(INDEXES)?;
        tx.commit()?;
        super::fts::ensure_index(&conn)?;
        super::counts::rebuild(&conn)?;
        conn.execute_batch("ANALYZE;")?;
    } else {
        conn.execute_batch(INDEXES)?;
        // Databases from before search get their index here, once.
        super::fts::ensure_index(&conn)?;
        super::counts::ensure_triggers(&conn)?;
    }
    schema::set_user_version(&conn, schema::VERSION)?;
    if spec.rebase_times {
        super::rebase::rebase(&mut conn, now_ms())?;
    }
    Ok(Opened { conn, notice })
}

pub(crate) fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// `2016-10-29T14:14:20.321Z`
pub(crate) fn iso(ms: i64) -> String {
    match chrono::DateTime::from_timestamp_millis(ms) {
        Some(t) => t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
        None => "1970-01-01T00:00:00.000Z".into(),
    }
}

pub(crate) fn iso_opt(ms: Option<i64>) -> serde_json::Value {
    match ms {
        Some(ms) => serde_json::Value::String(iso(ms)),
        None => serde_json::Value::Null,
    }
}

/// Discourse-style slug: lowercase ASCII words joined by dashes ("topic" when empty).
pub(crate) fn slugify(title: &str) -> String {
    let mut out = String::new();
    let mut dash = false;
    for c in title.chars() {
        if c.is_ascii_alphanumeric() {
            if dash && !out.is_empty() {
                out.push('-');
            }
            dash = false;
            out.push(c.to_ascii_lowercase());
        } else {
            dash = true;
        }
        if out.len() >= 80 {
            break;
        }
    }
    if out.is_empty() {
        "topic".into()
    } else {
        out
    }
}

/// A letter avatar template like Discourse's.
pub(crate) fn avatar_template(username: &str) -> String {
    const COLORS: [&str; 8] = [
        "da6949", "8e8cc6", "f0a80c", "5b9a61", "3ab0a2", "b3539a", "e47a47", "4f8fc9",
    ];
    let first = username
        .chars()
        .next()
        .map(|c| c.to_ascii_lowercase())
        .filter(char::is_ascii_alphanumeric)
        .unwrap_or('x');
    let h = username
        .bytes()
        .fold(0usize, |a, b| a.wrapping_mul(31).wrapping_add(b as usize));
    format!(
        "/letter_avatar_proxy/v4/letter/{first}/{}/{{size}}.png",
        COLORS[h % COLORS.len()]
    )
}

/// Plain-text excerpt of cooked HTML (tags stripped, entities for &<> decoded).
pub(crate) fn excerpt(cooked: &str, max: usize) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in cooked.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                if !out.ends_with(' ') {
                    out.push(' ');
                }
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    let text = out
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&");
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() > max {
        let cut: String = text.chars().take(max).collect();
        format!("{cut}&hellip;")
    } else {
        text
    }
}

/// HTML-escapes text.
pub(crate) fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    out
}

/// Cooks a post's markdown as Discourse does (see `cook.rs`).
pub(crate) fn cook(raw: &str) -> String {
    super::cook::cook(raw)
}

// ---------------------------------------------------------------------------------------------
// Rows

#[derive(Debug, Clone)]
pub(crate) struct UserRow {
    pub id: i64,
    pub username: String,
    pub name: String,
    pub admin: bool,
    pub moderator: bool,
    pub trust_level: i64,
    pub created_at: i64,
    pub last_seen_at: Option<i64>,
    pub last_posted_at: Option<i64>,
    pub days_visited: i64,
    pub time_read: i64,
    pub posts_read_count: i64,
    pub topics_entered: i64,
    pub suspended_till: Option<i64>,
    pub suspend_reason: Option<String>,
    pub silenced_till: Option<i64>,
    pub silence_reason: Option<String>,
    pub warnings_received: i64,
    pub penalty_suspended: i64,
    pub penalty_silenced: i64,
    pub title: Option<String>,
    pub location: Option<String>,
    pub website: Option<String>,
    pub bio_raw: Option<String>,
    pub email: String,
    pub ip_address: String,
    pub active: bool,
}

const USER_COLS: &str =
    "id, username, name, admin, moderator, trust_level, created_at, last_seen_at, \
    last_posted_at, days_visited, time_read, posts_read_count, topics_entered, suspended_till, \
    suspend_reason, silenced_till, silence_reason, warnings_received, penalty_suspended, \
    penalty_silenced, title, location, website, bio_raw, email, ip_address, active";

fn user_from_row(r: &Row<'_>) -> rusqlite::Result<UserRow> {
    Ok(UserRow {
        id: r.get(0)?,
        username: r.get(1)?,
        name: r.get(2)?,
        admin: r.get(3)?,
        moderator: r.get(4)?,
        trust_level: r.get(5)?,
        created_at: r.get(6)?,
        last_seen_at: r.get(7)?,
        last_posted_at: r.get(8)?,
        days_visited: r.get(9)?,
        time_read: r.get(10)?,
        posts_read_count: r.get(11)?,
        topics_entered: r.get(12)?,
        suspended_till: r.get(13)?,
        suspend_reason: r.get(14)?,
        silenced_till: r.get(15)?,
        silence_reason: r.get(16)?,
        warnings_received: r.get(17)?,
        penalty_suspended: r.get(18)?,
        penalty_silenced: r.get(19)?,
        title: r.get(20)?,
        location: r.get(21)?,
        website: r.get(22)?,
        bio_raw: r.get(23)?,
        email: r.get(24)?,
        ip_address: r.get(25)?,
        active: r.get(26)?,
    })
}

impl UserRow {
    pub(crate) fn staff(&self) -> bool {
        self.admin || self.moderator
    }
    pub(crate) fn suspended(&self, now: i64) -> bool {
        self.suspended_till.is_some_and(|t| t > now)
    }
    pub(crate) fn silenced(&self, now: i64) -> bool {
        self.silenced_till.is_some_and(|t| t > now)
    }
}

pub(crate) fn user_by_id(conn: &Connection, id: i64) -> rusqlite::Result<Option<UserRow>> {
    conn.prepare_cached(&format!("SELECT {USER_COLS} FROM users WHERE id = ?1"))?
        .query_row([id], user_from_row)
        .optional()
}

pub(crate) fn user_by_username(
    conn: &Connection,
    username: &str,
) -> rusqlite::Result<Option<UserRow>> {
    conn.prepare_cached(&format!(
        "SELECT {USER_COLS} FROM users WHERE username = ?1 COLLATE NOCASE"
    ))?
    .query_row([username], user_from_row)
    .optional()
}

#[derive(Debug, Clone)]
pub(crate) struct TopicRow {
    pub id: i64,
    pub title: String,
    pub slug: String,
    pub category_id: Option<i64>,
    pub user_id: i64,
    pub archetype: String,
    pub created_at: i64,
    pub bumped_at: i64,
    pub last_posted_at: i64,
    pub last_post_user_id: i64,
    pub posts_count: i64,
    pub highest_post_number: i64,
    pub reply_count: i64,
    pub like_count: i64,
    pub op_like_count: i64,
    pub participant_count: i64,
    pub views: i64,
    pub closed: bool,
    pub archived: bool,
    pub visible: bool,
    pub accepted_post_id: Option<i64>,
    pub accepted_by_id: Option<i64>,
}

pub(crate) const TOPIC_COLS: &str =
    "t.id, t.title, t.slug, t.category_id, t.user_id, t.archetype, \
    t.created_at, t.bumped_at, t.last_posted_at, t.last_post_user_id, t.posts_count, \
    t.highest_post_number, t.reply_count, t.like_count, t.op_like_count, t.participant_count, \
    t.views, t.closed, t.archived, t.visible, t.accepted_post_id, t.accepted_by_id";

pub(crate) fn topic_from_row(r: &Row<'_>) -> rusqlite::Result<TopicRow> {
    Ok(TopicRow {
        id: r.get(0)?,
        title: r.get(1)?,
        slug: r.get(2)?,
        category_id: r.get(3)?,
        user_id: r.get(4)?,
        archetype: r.get(5)?,
        created_at: r.get(6)?,
        bumped_at: r.get(7)?,
        last_posted_at: r.get(8)?,
        last_post_user_id: r.get(9)?,
        posts_count: r.get(10)?,
        highest_post_number: r.get(11)?,
        reply_count: r.get(12)?,
        like_count: r.get(13)?,
        op_like_count: r.get(14)?,
        participant_count: r.get(15)?,
        views: r.get(16)?,
        closed: r.get(17)?,
        archived: r.get(18)?,
        visible: r.get(19)?,
        accepted_post_id: r.get(20)?,
        accepted_by_id: r.get(21)?,
    })
}

impl TopicRow {
    pub(crate) fn is_pm(&self) -> bool {
        self.archetype == "private_message"
    }
}

/// A topic that is not deleted.
pub(crate) fn topic_by_id(conn: &Connection, id: i64) -> rusqlite::Result<Option<TopicRow>> {
    conn.prepare_cached(&format!(
        "SELECT {TOPIC_COLS} FROM topics t WHERE t.id = ?1 AND t.deleted_at IS NULL"
    ))?
    .query_row([id], topic_from_row)
    .optional()
}

#[derive(Debug, Clone)]
pub(crate) struct PostRow {
    pub id: i64,
    pub topic_id: i64,
    pub post_number: i64,
    pub user_id: i64,
    pub raw: String,
    pub cooked: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub reply_to_post_number: Option<i64>,
    pub post_type: i64,
    pub like_count: i64,
    pub reply_count: i64,
    pub hidden: bool,
    pub version: i64,
}

pub(crate) const POST_COLS: &str = "p.id, p.topic_id, p.post_number, p.user_id, p.raw, p.cooked, \
    p.created_at, p.updated_at, p.reply_to_post_number, p.post_type, p.like_count, p.reply_count, \
    p.hidden, p.version";

pub(crate) fn post_from_row(r: &Row<'_>) -> rusqlite::Result<PostRow> {
    Ok(PostRow {
        id: r.get(0)?,
        topic_id: r.get(1)?,
        post_number: r.get(2)?,
        user_id: r.get(3)?,
        raw: r.get(4)?,
        cooked: r.get(5)?,
        created_at: r.get(6)?,
        updated_at: r.get(7)?,
        reply_to_post_number: r.get(8)?,
        post_type: r.get(9)?,
        like_count: r.get(10)?,
        reply_count: r.get(11)?,
        hidden: r.get(12)?,
        version: r.get(13)?,
    })
}

pub(crate) const WHISPER: i64 = 4;

/// A post that is not deleted.
pub(crate) fn post_by_id(conn: &Connection, id: i64) -> rusqlite::Result<Option<PostRow>> {
    conn.prepare_cached(&format!(
        "SELECT {POST_COLS} FROM posts p WHERE p.id = ?1 AND p.deleted_at IS NULL"
    ))?
    .query_row([id], post_from_row)
    .optional()
}

pub(crate) fn post_by_number(
    conn: &Connection,
    topic_id: i64,
    number: i64,
) -> rusqlite::Result<Option<PostRow>> {
    conn.prepare_cached(&format!(
        "SELECT {POST_COLS} FROM posts p WHERE p.topic_id = ?1 AND p.post_number = ?2 AND p.deleted_at IS NULL"
    ))?
    .query_row(params![topic_id, number], post_from_row)
    .optional()
}

#[derive(Debug, Clone)]
pub(crate) struct CategoryRow {
    pub id: i64,
    pub name: String,
    pub slug: String,
    pub color: String,
    pub text_color: String,
    pub description: String,
    pub position: i64,
    pub accepts_answers: bool,
}

pub(crate) fn categories(conn: &Connection) -> rusqlite::Result<Vec<CategoryRow>> {
    let mut st = conn.prepare_cached(
        "SELECT id, name, slug, color, text_color, description, position, accepts_answers \
         FROM categories ORDER BY position, id",
    )?;
    let rows = st.query_map([], |r| {
        Ok(CategoryRow {
            id: r.get(0)?,
            name: r.get(1)?,
            slug: r.get(2)?,
            color: r.get(3)?,
            text_color: r.get(4)?,
            description: r.get(5)?,
            position: r.get(6)?,
            accepts_answers: r.get(7)?,
        })
    })?;
    rows.collect()
}

pub(crate) fn category_by_id(conn: &Connection, id: i64) -> rusqlite::Result<Option<CategoryRow>> {
    Ok(categories(conn)?.into_iter().find(|c| c.id == id))
}

/// A category by id, slug or (case-insensitive) name.
pub(crate) fn find_category(conn: &Connection, key: &str) -> rusqlite::Result<Option<CategoryRow>> {
    let key = key.trim();
    let all = categories(conn)?;
    if let Ok(id) = key.parse::<i64>() {
        return Ok(all.into_iter().find(|c| c.id == id));
    }
    Ok(all
        .into_iter()
        .find(|c| c.slug.eq_ignore_ascii_case(key) || c.name.eq_ignore_ascii_case(key)))
}

pub(crate) fn category_accepts_answers(
    conn: &Connection,
    id: Option<i64>,
) -> rusqlite::Result<bool> {
    match id {
        Some(id) => Ok(category_by_id(conn, id)?.is_some_and(|c| c.accepts_answers)),
        None => Ok(false),
    }
}

/// Is `user_id` a participant of a private message?
pub(crate) fn pm_allowed(conn: &Connection, topic_id: i64, user_id: i64) -> rusqlite::Result<bool> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM topic_allowed_users WHERE topic_id = ?1 AND user_id = ?2")?
        .query_row(params![topic_id, user_id], |_| Ok(()))
        .optional()?
        .is_some())
}

/// Recomputes a topic's counters from its posts.
pub(crate) fn refresh_topic_stats(conn: &Connection, topic_id: i64) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE topics SET
            posts_count = (SELECT COUNT(*) FROM posts WHERE topic_id = ?1 AND deleted_at IS NULL AND post_type <> 4),
            highest_post_number = COALESCE((SELECT MAX(post_number) FROM posts WHERE topic_id = ?1 AND deleted_at IS NULL), 0),
            reply_count = (SELECT COUNT(*) FROM posts WHERE topic_id = ?1 AND deleted_at IS NULL AND post_type <> 4 AND reply_to_post_number IS NOT NULL),
            like_count = COALESCE((SELECT SUM(like_count) FROM posts WHERE topic_id = ?1 AND deleted_at IS NULL), 0),
            op_like_count = COALESCE((SELECT like_count FROM posts WHERE topic_id = ?1 AND post_number = 1 AND deleted_at IS NULL), 0),
            participant_count = MAX(1, (SELECT COUNT(DISTINCT user_id) FROM posts WHERE topic_id = ?1 AND deleted_at IS NULL AND post_type <> 4)),
            last_posted_at = COALESCE((SELECT MAX(created_at) FROM posts WHERE topic_id = ?1 AND deleted_at IS NULL AND post_type <> 4), last_posted_at),
            last_post_user_id = COALESCE((SELECT user_id FROM posts WHERE topic_id = ?1 AND deleted_at IS NULL AND post_type <> 4 ORDER BY post_number DESC LIMIT 1), last_post_user_id)
         WHERE id = ?1",
        [topic_id],
    )?;
    Ok(())
}
