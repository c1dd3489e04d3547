//! The full-text index over posts (SQLite FTS5), shared by `/search.json` and the keywords of
//! `/filter.json`.
//!
//! `posts_fts` ([`TABLE`]) has one row per live post, keyed by the post id, with three indexed
//! columns: the topic title, the post's raw text, and its author as one token (`u42`), so
//! `@user words` is an intersection the index does itself instead of a walk through every post
//! holding a common word. Searches for words name the first two columns, so a word never
//! matches an author token. Like Discourse's
//! `post_search_data`, every post carries its topic's title, so "router reset" finds a reply
//! that says "reset" in a topic titled "router…". It is contentless (`content=''`): the text
//! lives once, in `posts`; handlers join `posts` by rowid for everything else, and blurbs are
//! cut from the post itself.
//!
//! Triggers on `posts` and `topics` keep it current, so no write path (create, edit, move,
//! delete, retitle) can forget it. They are created only after a bulk build: seeding inserts
//! without them and [`ensure_index`] then fills the index with one `INSERT … SELECT`, which is
//! also how an existing database without an index gets one on open. Soft-deleted posts are
//! left out; hidden posts and whispers stay in (staff may search them) and are filtered per
//! viewer at query time.
//!
//! User text never reaches `MATCH` as syntax: [`phrase`] turns each word or quoted phrase into
//! one double-quoted FTS5 string of letters and digits, so `"`, `*`, `:`, `NEAR`, `OR` and
//! parentheses typed by a user are only ever literal words.

use rusqlite::{Connection, OptionalExtension};

/// Bumped when the index's shape or contents rule changes; a database whose `meta` row differs
/// is rebuilt on open (version 2 added the author column).
const INDEX_VERSION: &str = "2";

/// The index itself (created with the schema; dropped and made again when its version changes).
pub(crate) const TABLE: &str = "
CREATE VIRTUAL TABLE IF NOT EXISTS posts_fts USING fts5(
    title, raw, author,
    content = '', contentless_delete = 1,
    tokenize = 'porter unicode61 remove_diacritics 2'
);
";

/// The column filter that keeps user words to the text (never the author tokens).
pub(crate) const TEXT_COLUMNS: &str = "{title raw}";

/// The MATCH term for posts by one author.
pub(crate) fn author_term(user_id: i64) -> String {
    format!("{{author}} : \"u{user_id}\"")
}
const META_KEY: &str = "search_index_version";

const TRIGGERS: &str = "
CREATE TRIGGER IF NOT EXISTS posts_fts_insert AFTER INSERT ON posts
WHEN new.deleted_at IS NULL
BEGIN
    INSERT INTO posts_fts (rowid, title, raw, author)
    VALUES (new.id, COALESCE((SELECT title FROM topics WHERE id = new.topic_id), ''), new.raw,
            'u' || new.user_id);
END;
CREATE TRIGGER IF NOT EXISTS posts_fts_update AFTER UPDATE OF raw, topic_id, deleted_at, user_id ON posts
BEGIN
    DELETE FROM posts_fts WHERE rowid = old.id;
    INSERT INTO posts_fts (rowid, title, raw, author)
    SELECT new.id, COALESCE((SELECT title FROM topics WHERE id = new.topic_id), ''), new.raw,
           'u' || new.user_id
    WHERE new.deleted_at IS NULL;
END;
CREATE TRIGGER IF NOT EXISTS posts_fts_delete AFTER DELETE ON posts
BEGIN
    DELETE FROM posts_fts WHERE rowid = old.id;
END;
CREATE TRIGGER IF NOT EXISTS topics_fts_title AFTER UPDATE OF title ON topics
WHEN new.title IS NOT old.title
BEGIN
    DELETE FROM posts_fts WHERE rowid IN (SELECT id FROM posts WHERE topic_id = new.id);
    INSERT INTO posts_fts (rowid, title, raw, author)
    SELECT id, new.title, raw, 'u' || user_id FROM posts WHERE topic_id = new.id AND deleted_at IS NULL;
END;
";

const DROP_TRIGGERS: &str = "
DROP TRIGGER IF EXISTS posts_fts_insert;
DROP TRIGGER IF EXISTS posts_fts_update;
DROP TRIGGER IF EXISTS posts_fts_delete;
DROP TRIGGER IF EXISTS topics_fts_title;
";

/// Before a bulk seed: no triggers (the seed inserts hundreds of thousands of posts), and the
/// index marked as unbuilt so [`ensure_index`] fills it afterwards in one statement.
pub(crate) fn prepare_bulk_load(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(DROP_TRIGGERS)?;
    conn.execute("DELETE FROM meta WHERE key = ?1", [META_KEY])?;
    Ok(())
}

/// Builds the index when it was never built (a new seed, or a database from before search
/// existed), then makes sure the triggers exist. Cheap when everything is in place.
pub(crate) fn ensure_index(conn: &Connection) -> rusqlite::Result<()> {
    let built: Option<String> = conn
        .query_row("SELECT value FROM meta WHERE key = ?1", [META_KEY], |r| {
            r.get(0)
        })
        .optional()?;
    if built.as_deref() == Some(INDEX_VERSION) {
        return conn.execute_batch(TRIGGERS);
    }
    let tx = conn.unchecked_transaction()?;
    tx.execute_batch(DROP_TRIGGERS)?;
    // Made again rather than emptied: an older version may have other columns.
    tx.execute_batch("DROP TABLE IF EXISTS posts_fts;")?;
    tx.execute_batch(TABLE)?;
    tx.execute(
        "INSERT INTO posts_fts (rowid, title, raw, author) \
         SELECT p.id, COALESCE(t.title, ''), p.raw, 'u' || p.user_id FROM posts p \
         LEFT JOIN topics t ON t.id = p.topic_id WHERE p.deleted_at IS NULL",
        [],
    )?;
    tx.execute_batch(TRIGGERS)?;
    tx.execute(
        "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)",
        [META_KEY, INDEX_VERSION],
    )?;
    tx.commit()
}

/// The letters-and-digits words of `text`, lowercased (what the FTS5 tokenizer would index,
/// near enough for deciding whether a term is empty or too short, and for blurbs).
pub(crate) fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// One user term as a safe FTS5 string: `"word"*` (a prefix match, as Discourse's `:*`) or,
/// for a quoted phrase, `"several words"` (exact sequence). `None` when nothing searchable is
/// left. Only letters, digits and single spaces survive, so the result is always valid syntax.
pub(crate) fn phrase(term: &str, prefix: bool) -> Option<String> {
    let w = words(term);
    if w.is_empty() {
        return None;
    }
    let body = w.join(" ");
    Some(if prefix {
        format!("\"{body}\"*")
    } else {
        format!("\"{body}\"")
    })
}

/// Bare words of a `/filter.json` query (`q=router reset status:open`) as one MATCH expression
/// where every word must match; `None` when none is searchable.
pub(crate) fn all_words(terms: &[&str]) -> Option<String> {
    let parts: Vec<String> = terms.iter().filter_map(|t| phrase(t, true)).collect();
    if parts.is_empty() {
        None
    } else {
        Some(format!("{TEXT_COLUMNS} : ({})", parts.join(" AND ")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_syntax_is_only_ever_literal() {
        assert_eq!(phrase("router", true).as_deref(), Some("\"router\"*"));
        assert_eq!(phrase("wi-fi", true).as_deref(), Some("\"wi fi\"*"));
        assert_eq!(phrase("NEAR(", true).as_deref(), Some("\"near\"*"));
        assert_eq!(phrase("bar*", true).as_deref(), Some("\"bar\"*"));
        assert_eq!(phrase("a\"b", false).as_deref(), Some("\"a b\""));
        assert_eq!(phrase("***", true), None);
        assert_eq!(phrase("\"\"", true), None);
        assert_eq!(
            all_words(&["OR", "(x)", "title:y"]).as_deref(),
            Some("{title raw} : (\"or\"* AND \"x\"* AND \"title y\"*)")
        );
        assert_eq!(all_words(&[":", "*"]), None);
    }

    fn db() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(super::super::store::SCHEMA).unwrap();
        conn.execute_batch(TABLE).unwrap();
        conn
    }

    fn insert_post(conn: &Connection, id: i64, topic: i64, raw: &str) {
        conn.execute(
            "INSERT INTO posts (id, topic_id, post_number, user_id, raw, cooked, created_at, updated_at) \
             VALUES (?1, ?2, ?1, 1, ?3, '', 0, 0)",
            rusqlite::params![id, topic, raw],
        )
        .unwrap();
    }

    fn hits(conn: &Connection, expr: &str) -> Vec<i64> {
        let mut st = conn
            .prepare("SELECT rowid FROM posts_fts WHERE posts_fts MATCH ?1 ORDER BY rowid")
            .unwrap();
        st.query_map([expr], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    #[test]
    fn bulk_build_then_triggers_keep_the_index_current() {
        let conn = db();
        conn.execute(
            "INSERT INTO topics (id, title, slug, user_id, created_at, bumped_at, last_posted_at, last_post_user_id) \
             VALUES (1, 'Router drops Wi-Fi', 'r', 1, 0, 0, 0, 1)",
            [],
        )
        .unwrap();
        insert_post(&conn, 1, 1, "My connection keeps dropping");
        ensure_index(&conn).unwrap();
        assert_eq!(hits(&conn, "\"connections\"*"), vec![1]);
        assert_eq!(hits(&conn, "\"router\"*"), vec![1]);
        insert_post(&conn, 2, 1, "Try a factory reset");
        assert_eq!(hits(&conn, "\"factory reset\""), vec![2]);
        conn.execute("UPDATE posts SET raw = 'Swap the cable' WHERE id = 2", [])
            .unwrap();
        assert!(hits(&conn, "\"factory\"*").is_empty());
        assert_eq!(hits(&conn, "\"cable\"*"), vec![2]);
        conn.execute(
            "UPDATE topics SET title = 'Fibre box blinking' WHERE id = 1",
            [],
        )
        .unwrap();
        assert_eq!(hits(&conn, "\"fibre\"*"), vec![1, 2]);
        assert!(hits(&conn, "\"router\"*").is_empty());
        conn.execute("UPDATE posts SET deleted_at = 5 WHERE id = 2", [])
            .unwrap();
        assert_eq!(hits(&conn, "\"fibre\"*"), vec![1]);
        // Reopening is cheap and idempotent.
        ensure_index(&conn).unwrap();
        assert_eq!(hits(&conn, "\"fibre\"*"), vec![1]);
        // The author column answers `@user` and never a plain word ("u1" is a band, too).
        let by_one = format!("{TEXT_COLUMNS} : (\"fibre\"*) AND {}", author_term(1));
        assert_eq!(hits(&conn, &by_one), vec![1]);
        let by_two = format!("{TEXT_COLUMNS} : (\"fibre\"*) AND {}", author_term(2));
        assert!(hits(&conn, &by_two).is_empty());
        assert!(hits(&conn, &all_words(&["u1"]).unwrap()).is_empty());
    }

    #[test]
    fn an_index_of_an_older_version_is_made_again_with_the_author_column() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(super::super::store::SCHEMA).unwrap();
        // Version 1: two columns.
        conn.execute_batch(
            "CREATE VIRTUAL TABLE posts_fts USING fts5(title, raw, content = '', \
             contentless_delete = 1);
             INSERT INTO meta (key, value) VALUES ('search_index_version', '1');",
        )
        .unwrap();
        insert_post(&conn, 7, 1, "Mesh satellite will not pair");
        ensure_index(&conn).unwrap();
        assert_eq!(hits(&conn, &author_term(1)), vec![7]);
        assert_eq!(hits(&conn, "\"satellite\"*"), vec![7]);
    }
}
