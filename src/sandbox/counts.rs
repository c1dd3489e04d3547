//! Per-category topic and post counts (`topic_count`, `post_count` of `/site.json` and
//! `/categories.json`), kept in `category_stats` instead of counted on every request: counting
//! 100k topics took those two endpoints about 60 ms.
//!
//! Triggers on `topics` keep the table right, inside the same transaction as the write that
//! changed a topic (created, moved, deleted or restored, its `posts_count` changed), whichever
//! handler made it, so no write path can forget. They are created after a bulk seed (the seed
//! inserts and updates hundreds of thousands of rows) and the table is then filled once by
//! [`rebuild`].
//!
//! What counts is what the endpoints showed before: regular (non-PM), not deleted topics, and
//! the sum of their `posts_count`.
//!
//! The windowed counts (`topics_day`, `_week`, `_month`, `_year`) depend on the clock as well,
//! so they cannot be kept by triggers; [`WindowCache`] counts them (live topics, as
//! `topic_count` does) at most once a minute, and
//! again as soon as a topic was created, moved, deleted or restored (the triggers bump
//! `category_stats.topic_changes`). Discourse itself refreshes them in a periodic job.

use std::collections::HashMap;
use std::sync::Mutex;

use rusqlite::{params, Connection};

const TRIGGERS: &str = "
CREATE TRIGGER IF NOT EXISTS category_stats_topic_insert AFTER INSERT ON topics
WHEN NEW.archetype = 'regular' AND NEW.deleted_at IS NULL AND NEW.category_id IS NOT NULL
BEGIN
    INSERT OR IGNORE INTO category_stats (category_id) VALUES (NEW.category_id);
    UPDATE category_stats SET topic_count = topic_count + 1, post_count = post_count + NEW.posts_count,
      topic_changes = topic_changes + 1
     WHERE category_id = NEW.category_id;
END;
CREATE TRIGGER IF NOT EXISTS category_stats_topic_delete AFTER DELETE ON topics
WHEN OLD.archetype = 'regular' AND OLD.deleted_at IS NULL AND OLD.category_id IS NOT NULL
BEGIN
    UPDATE category_stats SET topic_count = topic_count - 1, post_count = post_count - OLD.posts_count,
      topic_changes = topic_changes + 1
     WHERE category_id = OLD.category_id;
END;
CREATE TRIGGER IF NOT EXISTS category_stats_topic_update
AFTER UPDATE OF category_id, archetype, deleted_at, posts_count ON topics
BEGIN
    UPDATE category_stats SET topic_count = topic_count - 1, post_count = post_count - OLD.posts_count
     WHERE category_id = OLD.category_id AND OLD.archetype = 'regular' AND OLD.deleted_at IS NULL;
    INSERT OR IGNORE INTO category_stats (category_id)
     SELECT NEW.category_id WHERE NEW.category_id IS NOT NULL;
    UPDATE category_stats SET topic_count = topic_count + 1, post_count = post_count + NEW.posts_count
     WHERE category_id = NEW.category_id AND NEW.archetype = 'regular' AND NEW.deleted_at IS NULL;
END;
CREATE TRIGGER IF NOT EXISTS category_stats_topic_change
AFTER UPDATE OF category_id, archetype, deleted_at, created_at ON topics
BEGIN
    UPDATE category_stats SET topic_changes = topic_changes + 1
     WHERE category_id IN (OLD.category_id, NEW.category_id);
END;
";

const DROP_TRIGGERS: &str = "
DROP TRIGGER IF EXISTS category_stats_topic_insert;
DROP TRIGGER IF EXISTS category_stats_topic_delete;
DROP TRIGGER IF EXISTS category_stats_topic_update;
DROP TRIGGER IF EXISTS category_stats_topic_change;
";

/// Before a bulk seed: no triggers ([`rebuild`] counts once afterwards).
pub(crate) fn prepare_bulk_load(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(DROP_TRIGGERS)
}

/// Recounts every category from its topics and makes sure the triggers exist.
pub(crate) fn rebuild(conn: &Connection) -> rusqlite::Result<()> {
    let tx = conn.unchecked_transaction()?;
    tx.execute_batch(
        "DELETE FROM category_stats;
         INSERT INTO category_stats (category_id) SELECT id FROM categories;
         INSERT OR REPLACE INTO category_stats (category_id, topic_count, post_count)
           SELECT category_id, COUNT(*), COALESCE(SUM(posts_count), 0) FROM topics
            WHERE archetype = 'regular' AND deleted_at IS NULL AND category_id IS NOT NULL
            GROUP BY category_id;",
    )?;
    tx.execute_batch(TRIGGERS)?;
    tx.commit()
}

/// The triggers, for a database that already has its counts (cheap when they exist).
pub(crate) fn ensure_triggers(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(TRIGGERS)
}

/// `(topic_count, post_count)` of a category.
pub(crate) fn of_category(conn: &Connection, category_id: i64) -> rusqlite::Result<(i64, i64)> {
    use rusqlite::OptionalExtension;
    Ok(conn
        .prepare_cached(
            "SELECT topic_count, post_count FROM category_stats WHERE category_id = ?1",
        )?
        .query_row([category_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?
        .unwrap_or((0, 0)))
}

/// How many days `topics_day`, `topics_week`, `topics_month` and `topics_year` look back.
pub(crate) const WINDOW_DAYS: [i64; 4] = [1, 7, 30, 365];

const RECOUNT_EVERY_MS: i64 = 60_000;

/// Topics created per category in the last [`WINDOW_DAYS`], recounted at most once a minute
/// and after any topic change.
#[derive(Debug, Default)]
pub(crate) struct WindowCache(Mutex<Option<Windows>>);

#[derive(Debug, Clone)]
struct Windows {
    /// `SUM(topic_changes)` when counted.
    changes: i64,
    counted_at: i64,
    by_category: HashMap<i64, [i64; 4]>,
}

impl WindowCache {
    /// The counts of every category (zeros for one without topics).
    pub(crate) fn get(
        &self,
        conn: &Connection,
        now: i64,
    ) -> rusqlite::Result<HashMap<i64, [i64; 4]>> {
        let changes: i64 = conn
            .prepare_cached("SELECT COALESCE(SUM(topic_changes), 0) FROM category_stats")?
            .query_row([], |r| r.get(0))?;
        let mut cache = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(w) = cache.as_ref() {
            if w.changes == changes && (0..RECOUNT_EVERY_MS).contains(&(now - w.counted_at)) {
                return Ok(w.by_category.clone());
            }
        }
        let mut by_category = HashMap::new();
        let ids: Vec<i64> = {
            let mut st = conn.prepare_cached("SELECT id FROM categories")?;
            let rows = st.query_map([], |r| r.get(0))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        // Per category, so each count is a range of the covering index
        // `topics_category_live`.
        let mut st = conn.prepare_cached(
            "SELECT COUNT(*) FROM topics WHERE category_id = ?1 AND archetype = 'regular' \
             AND deleted_at IS NULL AND created_at >= ?2",
        )?;
        for id in ids {
            let mut n = [0i64; 4];
            for (slot, days) in n.iter_mut().zip(WINDOW_DAYS) {
                *slot = st.query_row(params![id, now - days * 86_400_000], |r| r.get(0))?;
            }
            by_category.insert(id, n);
        }
        *cache = Some(Windows {
            changes,
            counted_at: now,
            by_category: by_category.clone(),
        });
        Ok(by_category)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counted(conn: &Connection, cat: i64) -> (i64, i64) {
        conn.query_row(
            "SELECT COUNT(*), COALESCE(SUM(posts_count), 0) FROM topics \
             WHERE category_id = ?1 AND archetype = 'regular' AND deleted_at IS NULL",
            [cat],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap()
    }

    #[test]
    fn triggers_follow_every_kind_of_change() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(crate::sandbox::store::SCHEMA).unwrap();
        conn.execute_batch(
            "INSERT INTO categories (id, name, slug, color, text_color, description, position) \
             VALUES (1, 'A', 'a', '000', 'fff', '', 0), (2, 'B', 'b', '000', 'fff', '', 1);",
        )
        .unwrap();
        rebuild(&conn).unwrap();
        let topic = |id: i64, cat: i64, arch: &str, posts: i64| {
            conn.execute(
                "INSERT INTO topics (id, title, slug, category_id, user_id, archetype, created_at, \
                 bumped_at, last_posted_at, last_post_user_id, posts_count) \
                 VALUES (?1, 't', 't', ?2, 1, ?3, 0, 0, 0, 1, ?4)",
                rusqlite::params![id, cat, arch, posts],
            )
            .unwrap();
        };
        topic(1, 1, "regular", 3);
        topic(2, 1, "regular", 1);
        topic(3, 1, "private_message", 5);
        topic(4, 2, "regular", 2);
        let check = || {
            for cat in [1, 2] {
                assert_eq!(
                    of_category(&conn, cat).unwrap(),
                    counted(&conn, cat),
                    "{cat}"
                );
            }
        };
        check();
        conn.execute("UPDATE topics SET category_id = 2 WHERE id = 1", [])
            .unwrap();
        check();
        conn.execute(
            "UPDATE topics SET posts_count = posts_count + 1 WHERE id = 4",
            [],
        )
        .unwrap();
        check();
        conn.execute("UPDATE topics SET deleted_at = 5 WHERE id = 2", [])
            .unwrap();
        check();
        conn.execute("UPDATE topics SET deleted_at = NULL WHERE id = 2", [])
            .unwrap();
        check();
        conn.execute("DELETE FROM topics WHERE id = 4", []).unwrap();
        check();
        assert_eq!(of_category(&conn, 2).unwrap(), (1, 3));
        // A category created later gets its row on its first topic.
        conn.execute_batch(
            "INSERT INTO categories (id, name, slug, color, text_color, description, position) \
             VALUES (3, 'C', 'c', '000', 'fff', '', 2);",
        )
        .unwrap();
        topic(5, 3, "regular", 1);
        assert_eq!(of_category(&conn, 3).unwrap(), (1, 1));
        // Rebuilding agrees with the triggers.
        let before: Vec<(i64, i64)> = (1..=3).map(|c| of_category(&conn, c).unwrap()).collect();
        rebuild(&conn).unwrap();
        let after: Vec<(i64, i64)> = (1..=3).map(|c| of_category(&conn, c).unwrap()).collect();
        assert_eq!(before, after);
    }

    #[test]
    fn window_counts_follow_topic_changes_and_the_clock() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(crate::sandbox::store::SCHEMA).unwrap();
        conn.execute_batch(
            "INSERT INTO categories (id, name, slug, color, text_color, description, position)              VALUES (1, 'A', 'a', '000', 'fff', '', 0);",
        )
        .unwrap();
        rebuild(&conn).unwrap();
        let day = 86_400_000;
        let now = 1000 * day;
        let topic = |id: i64, at: i64| {
            conn.execute(
                "INSERT INTO topics (id, title, slug, category_id, user_id, archetype, created_at,                  bumped_at, last_posted_at, last_post_user_id, posts_count)                  VALUES (?1, 't', 't', 1, 1, 'regular', ?2, ?2, ?2, 1, 1)",
                params![id, at],
            )
            .unwrap();
        };
        topic(1, now - day / 2);
        topic(2, now - 3 * day);
        let cache = WindowCache::default();
        assert_eq!(cache.get(&conn, now).unwrap()[&1], [1, 2, 2, 2]);
        // A new topic shows at once.
        topic(3, now - 20 * day);
        assert_eq!(cache.get(&conn, now + 1).unwrap()[&1], [1, 2, 3, 3]);
        // Half a day later the first falls out of the day (recounted within the minute).
        assert_eq!(
            cache.get(&conn, now + day / 2 + 1).unwrap()[&1],
            [0, 2, 3, 3]
        );
        // A move out of the category shows at once.
        conn.execute("UPDATE topics SET category_id = 2 WHERE id = 3", [])
            .unwrap();
        assert_eq!(
            cache.get(&conn, now + day / 2 + 2).unwrap()[&1],
            [0, 2, 2, 2]
        );
    }
}
