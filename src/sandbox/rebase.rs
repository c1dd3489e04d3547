//! Moving the demo's clock to now (`rebase_times`): the seed writes times relative to when it
//! ran, so a database seeded last week would show every unanswered topic a week late and
//! every clock in breach. On open, every stored time moves by one offset, from the data's own
//! "now" (when it was seeded or last rebased, or the last thing that happened in it since,
//! whichever is later) to the real now. The seed's mix of waits (minutes, hours, a few days,
//! and the ones placed just around the 30/35-minute thresholds) comes back as it was, and the
//! newest activity is as recent as it was when the data was last used.
//!
//! One offset for every time column keeps the data consistent (a reply stays after its
//! topic, a suspension keeps its length, a revision stays after its post). The columns are
//! found by convention rather than listed, so a table added later moves too: every INTEGER
//! column whose name ends in `_at` or `_till` holds epoch milliseconds (see `store::SCHEMA`).
//! `meta.seeded_at` moves with them.
//!
//! "The last thing that happened" is read from [`ACTIVITY`], the columns the API's writes
//! stamp with the time they happen. Not every time column: `_till` lies in the future by
//! design, and the seed places some badge grants and flag scores after its own now.
//!
//! Only ever forward, all in one transaction, and nothing happens when the data is already
//! current (within a minute), so opening twice in a row moves nothing the second time.

use rusqlite::{Connection, OptionalExtension};

/// Offsets below this are not worth rewriting every row for.
const MIN_SHIFT_MS: i64 = 60_000;

/// `(table, column)`s whose latest value is when the data was last used: what replies, new
/// topics, edits, likes, flags, reviews, searches and chat write as "now".
const ACTIVITY: &[(&str, &str)] = &[
    ("posts", "created_at"),
    ("posts", "updated_at"),
    ("topics", "bumped_at"),
    ("likes", "created_at"),
    ("reviewables", "updated_at"),
    ("reviewables", "reviewed_at"),
    ("reviewable_scores", "reviewed_at"),
    ("post_revisions", "created_at"),
    ("search_logs", "created_at"),
    ("chat_messages", "created_at"),
];

/// Shifts every time by how long it has been since the data's own now (see the module
/// comment). Returns the offset applied (0 when nothing moved).
pub(crate) fn rebase(conn: &mut Connection, now: i64) -> rusqlite::Result<i64> {
    let columns = time_columns(conn)?;
    let Some(data_now) = data_now(conn, &columns)? else {
        return Ok(0);
    };
    let offset = now - data_now;
    if offset < MIN_SHIFT_MS {
        return Ok(0);
    }
    let tx = conn.transaction()?;
    for (table, cols) in &columns {
        let set = cols
            .iter()
            .map(|c| format!("\"{c}\" = \"{c}\" + ?1"))
            .collect::<Vec<_>>()
            .join(", ");
        tx.execute(&format!("UPDATE \"{table}\" SET {set}"), [offset])?;
    }
    tx.execute(
        "UPDATE meta SET value = CAST(CAST(value AS INTEGER) + ?1 AS TEXT) WHERE key = 'seeded_at'",
        [offset],
    )?;
    tx.execute(
        "INSERT OR REPLACE INTO meta (key, value) VALUES ('rebased_at', ?1)",
        [now.to_string()],
    )?;
    tx.commit()?;
    Ok(offset)
}

/// The data's own now: the latest of when it was seeded or rebased and of the [`ACTIVITY`]
/// times (`None` for an empty database).
fn data_now(conn: &Connection, columns: &[(String, Vec<String>)]) -> rusqlite::Result<Option<i64>> {
    let mut latest: Option<i64> = None;
    for key in ["seeded_at", "rebased_at"] {
        let v: Option<String> = conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()?;
        if let Some(ms) = v.and_then(|v| v.trim().parse::<i64>().ok()) {
            latest = latest.max(Some(ms));
        }
    }
    for (table, col) in ACTIVITY {
        let exists = columns
            .iter()
            .any(|(t, cs)| t == table && cs.iter().any(|c| c == col));
        if exists {
            let v: Option<i64> =
                conn.query_row(&format!("SELECT MAX({col}) FROM {table}"), [], |r| r.get(0))?;
            latest = latest.max(v);
        }
    }
    Ok(latest)
}

/// `(table, [columns])` of every time column (INTEGER, named `*_at` or `*_till`) of the
/// ordinary tables.
fn time_columns(conn: &Connection) -> rusqlite::Result<Vec<(String, Vec<String>)>> {
    let tables: Vec<String> = {
        let mut st = conn.prepare(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
             AND sql NOT LIKE 'CREATE VIRTUAL%' AND name NOT LIKE 'posts_fts_%' ORDER BY name",
        )?;
        let rows = st.query_map([], |r| r.get(0))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let mut out = Vec::new();
    for table in tables {
        let mut st = conn.prepare("SELECT name, type FROM pragma_table_info(?1)")?;
        let cols: Vec<String> = st
            .query_map([&table], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?
            .into_iter()
            .filter(|(name, ty)| {
                ty.eq_ignore_ascii_case("INTEGER")
                    && (name.ends_with("_at") || name.ends_with("_till"))
                    && !name.contains('"')
            })
            .map(|(name, _)| name)
            .collect();
        if !cols.is_empty() && !table.contains('"') {
            out.push((table, cols));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_time_column_moves_by_one_offset_and_only_forward() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(crate::sandbox::store::SCHEMA).unwrap();
        let cols = time_columns(&conn).unwrap();
        let names: Vec<String> = cols
            .iter()
            .flat_map(|(t, cs)| cs.iter().map(move |c| format!("{t}.{c}")))
            .collect();
        for expected in [
            "posts.created_at",
            "topics.bumped_at",
            "users.suspended_till",
            "reviewables.reviewed_at",
            "reviewable_scores.reviewed_at",
            "post_revisions.created_at",
            "search_logs.created_at",
            "chat_messages.created_at",
            "user_badges.granted_at",
            "likes.created_at",
        ] {
            assert!(names.iter().any(|n| n == expected), "{expected}: {names:?}");
        }
        assert!(!names.iter().any(|n| n.ends_with("time_read")));
        conn.execute_batch(
            "INSERT INTO meta VALUES ('seeded_at', '1500');
             INSERT INTO posts (id, topic_id, post_number, user_id, raw, cooked, created_at, updated_at, deleted_at)
               VALUES (1, 1, 1, 1, 'r', 'c', 1000, 2000, NULL);
             INSERT INTO users (id, username, name, created_at, email, ip_address, suspended_till)
               VALUES (1, 'u', 'U', 500, 'e', 'i', 99999999999);
             INSERT INTO user_badges (id, badge_id, user_id, granted_at, granted_by_id)
               VALUES (1, 1, 1, 88888888888, -1);",
        )
        .unwrap();
        let now = 10 * 86_400_000;
        let offset = rebase(&mut conn, now).unwrap();
        // The latest activity (the post's update at 2000), not the seed time, the suspension
        // that ends in the future or a badge granted "later", becomes now.
        assert_eq!(offset, now - 2000);
        let (c, u, d): (i64, i64, Option<i64>) = conn
            .query_row(
                "SELECT created_at, updated_at, deleted_at FROM posts",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap();
        assert_eq!((c, u, d), (now - 1000, now, None));
        let seeded: String = conn
            .query_row("SELECT value FROM meta WHERE key = 'seeded_at'", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(seeded, (1500 + offset).to_string());
        // Again right away: nothing to do.
        assert_eq!(rebase(&mut conn, now + 5_000).unwrap(), 0);
    }
}
