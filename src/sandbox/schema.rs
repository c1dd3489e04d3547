//! The database's schema version (`PRAGMA user_version`) and what opening a database of
//! another version does:
//!
//! - new (no tables): created at [`VERSION`];
//! - older, with a migration for every step: migrated in place ([`migrate`]);
//! - older without one (a table lacks columns the code reads, and no step adds them): the
//!   embedded demo's database is wiped and reseeded, with a notice for the console to show;
//!   any other database is refused, since it may be someone's test data;
//! - newer: refused, never opened and half-understood.
//!
//! A database from before versioning has user_version 0 and tables; it is treated as
//! version 0 and migrated like any other. Whatever the version says, the columns are checked
//! against [`store::SCHEMA`] on every open, so a schema change that forgot to bump
//! [`VERSION`] shows up as "cannot be migrated" instead of as SQL errors later.
//!
//! Adding a version: bump [`VERSION`], and add the step to [`step`] (it runs inside the
//! open, after `store::SCHEMA` created any new tables).

use rusqlite::Connection;

use super::store;

/// The schema this build reads and writes.
/// 1: the first versioned schema (review tables with types and statuses, `category_stats`).
/// 2: category moderators (`groups`, `group_users`, `category_moderation_groups`).
pub const VERSION: i64 = 2;

pub(crate) use super::db_version::{has_tables, set_user_version, user_version, wipe};

/// Runs the steps from `from` up to [`VERSION`]. `store::SCHEMA` has been applied (new tables
/// exist; existing tables keep their old columns until a step changes them).
pub(crate) fn migrate(conn: &Connection, from: i64) -> rusqlite::Result<()> {
    for to in (from + 1)..=VERSION {
        step(conn, to)?;
    }
    Ok(())
}

/// Tables a step from `from` on rebuilds whole (their old columns need not match).
fn rebuilt_from(from: i64) -> &'static [&'static str] {
    if from < 1 {
        &["reviewables", "reviewable_scores"]
    } else {
        &[]
    }
}

fn step(conn: &Connection, to: i64) -> rusqlite::Result<()> {
    match to {
        // From before versioning: the review tables' first shapes, and no category counts.
        1 => {
            super::review::migrate_review(conn)?;
            super::counts::rebuild(conn)
        }
        // The group tables are new (`store::SCHEMA` made them, empty); the demo's category
        // moderators go in, as a fresh seed has them.
        2 => super::seed::seed_moderation_groups(conn),
        _ => Ok(()),
    }
}

/// What keeps a database of version `from` from being migrated: the `table.column`s
/// [`store::SCHEMA`] declares that it lacks and no step from `from` on provides. Empty when
/// [`migrate`] can bring it to [`VERSION`]. Changes nothing.
pub(crate) fn unmigratable(conn: &Connection, from: i64) -> rusqlite::Result<Vec<String>> {
    let rebuilt = rebuilt_from(from);
    Ok(missing_columns(conn)?
        .into_iter()
        .filter(|m| {
            let table = m.split('.').next().unwrap_or("");
            !rebuilt.contains(&table)
        })
        .collect())
}

/// The `table.column`s [`store::SCHEMA`] declares that the database lacks.
pub(crate) fn missing_columns(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    super::db_version::missing_columns(conn, store::SCHEMA)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_current_schema_misses_nothing_and_an_old_table_is_noticed() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(store::SCHEMA).unwrap();
        assert!(missing_columns(&conn).unwrap().is_empty());
        let old = Connection::open_in_memory().unwrap();
        old.execute_batch(
            "CREATE TABLE posts (id INTEGER PRIMARY KEY, topic_id INTEGER, raw TEXT);",
        )
        .unwrap();
        old.execute_batch(store::SCHEMA).unwrap();
        let missing = missing_columns(&old).unwrap();
        assert!(missing.contains(&"posts.cooked".to_string()), "{missing:?}");
        assert!(
            !missing.iter().any(|m| m.starts_with("users.")),
            "{missing:?}"
        );
        assert_eq!(unmigratable(&old, 0).unwrap(), missing);
    }

    #[test]
    fn old_review_tables_are_migratable_from_0_only() {
        let old = Connection::open_in_memory().unwrap();
        old.execute_batch(
            "CREATE TABLE reviewables (id INTEGER PRIMARY KEY, status INTEGER, created_at INTEGER);",
        )
        .unwrap();
        old.execute_batch(store::SCHEMA).unwrap();
        assert!(!missing_columns(&old).unwrap().is_empty());
        assert!(unmigratable(&old, 0).unwrap().is_empty());
        assert!(!unmigratable(&old, 1).unwrap().is_empty());
    }

    #[test]
    fn wipe_leaves_nothing() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(store::SCHEMA).unwrap();
        conn.execute_batch(store::INDEXES).unwrap();
        set_user_version(&conn, VERSION).unwrap();
        wipe(&conn).unwrap();
        assert!(!has_tables(&conn).unwrap());
        assert_eq!(user_version(&conn).unwrap(), 0);
    }
}
