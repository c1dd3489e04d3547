//! Opening a database of another schema version (`PRAGMA user_version`): a new one is
//! created at the current version, one from before versioning is migrated, one that cannot
//! be migrated is reseeded (the demo's, with a notice) or refused (anyone else's), and one
//! from a newer modterm is always refused and left untouched. Also `rebase_times`: an old demo
//! database is moved to now on open.

mod common;

use std::path::Path;

use common::*;
use modterm::sandbox::{Sandbox, SandboxError, SandboxOptions, SCHEMA_VERSION};
use reqwest::StatusCode;
use rusqlite::Connection;

const DAY: i64 = 86_400_000;
const HOUR: i64 = 3_600_000;

fn db(path: &Path) -> Connection {
    Connection::open(path).expect("open db")
}

fn user_version(path: &Path) -> i64 {
    db(path)
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap()
}

fn columns(path: &Path, table: &str) -> Vec<String> {
    let conn = db(path);
    let mut st = conn
        .prepare("SELECT name FROM pragma_table_info(?1)")
        .unwrap();
    st.query_map([table], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// A seeded database in `dir`, closed again.
async fn seeded(dir: &tempfile::TempDir) -> SandboxOptions {
    let opts = options(dir);
    let sb = Sandbox::start(opts.clone()).await.expect("first start");
    assert_eq!(sb.notice(), None);
    sb.shutdown().await;
    opts
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

#[tokio::test]
async fn a_new_database_gets_the_current_version() {
    let dir = tempfile::tempdir().unwrap();
    let opts = seeded(&dir).await;
    assert_eq!(user_version(&opts.db_path), SCHEMA_VERSION);
    // Reopening changes nothing and says nothing.
    let sb = Sandbox::start(opts.clone()).await.unwrap();
    assert_eq!(sb.notice(), None);
    sb.shutdown().await;
    assert_eq!(user_version(&opts.db_path), SCHEMA_VERSION);
}

#[tokio::test]
async fn a_database_from_before_versioning_is_migrated() {
    let dir = tempfile::tempdir().unwrap();
    let opts = seeded(&dir).await;
    // What such a database looked like: user_version 0, no category counts, the first shape
    // of the review tables (rebuilt by the migration).
    db(&opts.db_path)
        .execute_batch(
            "PRAGMA user_version = 0;
             DROP TABLE category_stats;
             DROP TRIGGER IF EXISTS category_stats_topic_insert;
             DROP TRIGGER IF EXISTS category_stats_topic_delete;
             DROP TRIGGER IF EXISTS category_stats_topic_update;
             DROP TRIGGER IF EXISTS category_stats_topic_change;
             DROP TABLE reviewables;
             DROP INDEX IF EXISTS reviewables_status;
             DROP INDEX IF EXISTS reviewables_post;
             DROP INDEX IF EXISTS reviewables_topic;
             CREATE TABLE reviewables (id INTEGER PRIMARY KEY, status INTEGER NOT NULL DEFAULT 0,
               topic_id INTEGER NOT NULL, post_id INTEGER NOT NULL,
               target_created_by_id INTEGER NOT NULL, created_by_id INTEGER NOT NULL,
               category_id INTEGER, score REAL NOT NULL, version INTEGER NOT NULL DEFAULT 0,
               created_at INTEGER NOT NULL);
             INSERT INTO reviewables VALUES (1, 0, 1, 1, 2, 3, 1, 1.0, 0, 1000);",
        )
        .unwrap();
    let sb = Sandbox::start(opts.clone()).await.expect("migrated");
    assert_eq!(sb.notice(), None, "migrated, not reseeded");
    let url = sb.url();
    let (status, v) = {
        let resp = client()
            .get(format!("{url}/categories.json"))
            .send()
            .await
            .unwrap();
        (
            resp.status(),
            resp.json::<serde_json::Value>().await.unwrap(),
        )
    };
    assert_eq!(status, StatusCode::OK);
    let total: i64 = v["category_list"]["categories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["topic_count"].as_i64().unwrap())
        .sum();
    sb.shutdown().await;
    assert_eq!(user_version(&opts.db_path), SCHEMA_VERSION);
    assert!(columns(&opts.db_path, "reviewables").contains(&"type".to_string()));
    let (topics, kind): (i64, String) = db(&opts.db_path)
        .query_row(
            "SELECT (SELECT COUNT(*) FROM topics WHERE archetype = 'regular' AND deleted_at IS NULL \
             AND category_id IS NOT NULL), (SELECT type FROM reviewables WHERE id = 1)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(total, topics, "the counts were built by the migration");
    assert_eq!(kind, "ReviewableFlaggedPost");
}

/// A database whose `posts` lacks a column no migration adds.
async fn outdated(dir: &tempfile::TempDir) -> SandboxOptions {
    let opts = seeded(dir).await;
    db(&opts.db_path)
        .execute_batch("PRAGMA user_version = 0; ALTER TABLE posts DROP COLUMN version;")
        .unwrap();
    opts
}

#[tokio::test]
async fn an_outdated_database_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let opts = outdated(&dir).await;
    let topics_before: i64 = db(&opts.db_path)
        .query_row("SELECT COUNT(*) FROM topics", [], |r| r.get(0))
        .unwrap();
    match Sandbox::start(opts.clone()).await {
        Err(SandboxError::Db(msg)) => {
            assert!(msg.contains("older modterm"), "{msg}");
            assert!(msg.contains("posts.version"), "{msg}");
        }
        Err(e) => panic!("unexpected error: {e}"),
        Ok(_) => panic!("an outdated database was opened"),
    }
    assert_eq!(user_version(&opts.db_path), 0);
    assert!(!columns(&opts.db_path, "posts").contains(&"version".to_string()));
    let topics_after: i64 = db(&opts.db_path)
        .query_row("SELECT COUNT(*) FROM topics", [], |r| r.get(0))
        .unwrap();
    assert_eq!(topics_before, topics_after);
}

#[tokio::test]
async fn an_outdated_demo_database_is_reseeded_with_a_notice() {
    let dir = tempfile::tempdir().unwrap();
    let mut opts = outdated(&dir).await;
    opts.reseed_outdated = true;
    let sb = Sandbox::start(opts.clone()).await.expect("reseeded");
    assert_eq!(
        sb.notice(),
        Some("the demo database was from an older modterm; it was reseeded")
    );
    let resp = client()
        .get(format!("{}/latest.json", sb.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    sb.shutdown().await;
    assert_eq!(user_version(&opts.db_path), SCHEMA_VERSION);
    assert!(columns(&opts.db_path, "posts").contains(&"version".to_string()));
    // And the next start is quiet.
    let sb = Sandbox::start(opts).await.unwrap();
    assert_eq!(sb.notice(), None);
}

#[tokio::test]
async fn a_database_from_a_newer_modterm_is_always_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut opts = seeded(&dir).await;
    let newer = SCHEMA_VERSION + 1;
    db(&opts.db_path)
        .execute_batch(&format!("PRAGMA user_version = {newer}"))
        .unwrap();
    for reseed in [false, true] {
        opts.reseed_outdated = reseed;
        match Sandbox::start(opts.clone()).await {
            Err(SandboxError::Db(msg)) => {
                assert!(msg.contains("newer modterm"), "{msg}");
                assert!(msg.contains(&format!("schema version {newer}")), "{msg}");
            }
            Err(e) => panic!("unexpected error: {e}"),
            Ok(_) => panic!("a newer database was opened"),
        }
        assert_eq!(user_version(&opts.db_path), newer, "left untouched");
    }
}

/// Every INTEGER `*_at` / `*_till` column and the seed time, moved by `delta` ms (what a
/// database seeded `-delta` ago would hold).
fn age(path: &Path, delta: i64) {
    let conn = db(path);
    conn.execute(
        "UPDATE meta SET value = CAST(CAST(value AS INTEGER) + ?1 AS TEXT) WHERE key = 'seeded_at'",
        [delta],
    )
    .unwrap();
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND sql NOT LIKE 'CREATE VIRTUAL%' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'posts_fts_%'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    for t in tables {
        let cols: Vec<(String, String)> = conn
            .prepare("SELECT name, type FROM pragma_table_info(?1)")
            .unwrap()
            .query_map([&t], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        for (c, ty) in cols {
            if ty == "INTEGER" && (c.ends_with("_at") || c.ends_with("_till")) {
                conn.execute(&format!("UPDATE {t} SET {c} = {c} + ?1"), [delta])
                    .unwrap();
            }
        }
    }
}

/// `(newest post, the gap between a reply and its topic's first post, unanswered ages)`.
fn clock(path: &Path, now: i64) -> (i64, i64, Vec<i64>) {
    let conn = db(path);
    let newest: i64 = conn
        .query_row("SELECT MAX(created_at) FROM posts", [], |r| r.get(0))
        .unwrap();
    let gap: i64 = conn
        .query_row(
            "SELECT p2.created_at - p1.created_at FROM posts p1 JOIN posts p2 \
             ON p2.topic_id = p1.topic_id AND p2.post_number = 2 WHERE p1.post_number = 1 \
             ORDER BY p1.topic_id LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let ages: Vec<i64> = conn
        .prepare(
            "SELECT ?1 - created_at FROM topics WHERE archetype = 'regular' AND posts_count = 1 \
             AND deleted_at IS NULL ORDER BY created_at",
        )
        .unwrap()
        .query_map([now], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    (newest, gap, ages)
}

#[tokio::test]
async fn rebase_moves_an_old_demo_to_now() {
    let dir = tempfile::tempdir().unwrap();
    let mut opts = seeded(&dir).await;
    // As if it had been seeded 12 days ago and not used since.
    age(&opts.db_path, -12 * DAY);
    let (_, gap_before, _) = clock(&opts.db_path, now_ms());
    let suspended_before: i64 = db(&opts.db_path)
        .query_row(
            "SELECT MAX(suspended_till - created_at) FROM users WHERE suspended_till IS NOT NULL",
            [],
            |r| r.get(0),
        )
        .unwrap_or(0);
    opts.rebase_times = true;
    let sb = Sandbox::start(opts.clone()).await.unwrap();
    let now = now_ms();
    let (newest, gap, ages) = clock(&opts.db_path, now);
    assert!(
        now - newest < 10 * 60_000,
        "newest post {} s old",
        (now - newest) / 1000
    );
    assert!(newest <= now, "nothing in the future");
    assert_eq!(gap, gap_before, "one offset for everything");
    let suspended_after: i64 = db(&opts.db_path)
        .query_row(
            "SELECT MAX(suspended_till - created_at) FROM users WHERE suspended_till IS NOT NULL",
            [],
            |r| r.get(0),
        )
        .unwrap_or(0);
    assert_eq!(suspended_before, suspended_after);
    // The unanswered topics wait for minutes, hours and days, not all for weeks.
    let oldest = ages.first().copied().unwrap();
    assert!(
        oldest > HOUR,
        "oldest unanswered only {} min",
        oldest / 60_000
    );
    assert!(ages.iter().any(|a| *a < HOUR), "{ages:?}");
    assert!(ages.iter().any(|a| (HOUR..DAY).contains(a)), "{ages:?}");
    assert!(ages.iter().any(|a| *a >= DAY && *a < 30 * DAY), "{ages:?}");
    // The API sees the same: the newest topic activity a few minutes ago.
    let resp = client()
        .get(format!("{}/latest.json", sb.url()))
        .send()
        .await
        .unwrap();
    let v: serde_json::Value = resp.json().await.unwrap();
    let bumped = v["topic_list"]["topics"][0]["bumped_at"]
        .as_str()
        .unwrap()
        .to_string();
    let bumped = chrono::DateTime::parse_from_rfc3339(&bumped)
        .unwrap()
        .timestamp_millis();
    assert!(now - bumped < 10 * 60_000, "{bumped}");
    sb.shutdown().await;

    // Opening again at once moves nothing.
    let sb = Sandbox::start(opts.clone()).await.unwrap();
    let (newest_again, _, _) = clock(&opts.db_path, now);
    assert_eq!(newest_again, newest);
    sb.shutdown().await;
}
