//! What both sandboxes (Discourse's and Khoros's) need to version an SQLite database: its
//! `PRAGMA user_version`, whether it holds anything, which columns of a schema it lacks, and
//! wiping it for a reseed. Each sandbox decides what a version means (see `schema.rs` and
//! `sandbox_khoros/store.rs`).

use rusqlite::Connection;

pub(crate) fn user_version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("PRAGMA user_version", [], |r| r.get(0))
}

pub(crate) fn set_user_version(conn: &Connection, v: i64) -> rusqlite::Result<()> {
    conn.execute_batch(&format!("PRAGMA user_version = {v}"))
}

/// Does the database hold any table yet?
pub(crate) fn has_tables(conn: &Connection) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' \
         AND name NOT LIKE 'sqlite_%')",
        [],
        |r| r.get(0),
    )
}

/// The `table.column`s `schema` declares that the database lacks (a table it lacks
/// altogether is created by `schema` and is not listed).
pub(crate) fn missing_columns(conn: &Connection, schema: &str) -> rusqlite::Result<Vec<String>> {
    let reference = Connection::open_in_memory()?;
    reference.execute_batch(schema)?;
    let mut missing = Vec::new();
    for table in tables(&reference)? {
        let have = columns(conn, &table)?;
        if have.is_empty() {
            continue;
        }
        for col in columns(&reference, &table)? {
            if !have.contains(&col) {
                missing.push(format!("{table}.{col}"));
            }
        }
    }
    Ok(missing)
}

/// The schema's tables. A virtual table's shadow tables (`posts_fts_data`, …) belong to it,
/// not to the schema.
fn tables(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut st = conn.prepare(
        "SELECT name FROM sqlite_master m WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
         AND NOT EXISTS (SELECT 1 FROM sqlite_master v WHERE v.sql LIKE 'CREATE VIRTUAL%' \
           AND m.name LIKE replace(v.name, '_', '\\_') || '\\_%' ESCAPE '\\') \
         ORDER BY name",
    )?;
    let rows = st.query_map([], |r| r.get::<_, String>(0))?;
    rows.collect()
}

fn columns(conn: &Connection, table: &str) -> rusqlite::Result<Vec<String>> {
    let mut st = conn.prepare("SELECT name FROM pragma_table_info(?1)")?;
    let rows = st.query_map([table], |r| r.get::<_, String>(0))?;
    rows.collect()
}

/// Drops every table and view, with their indexes and triggers, and sets the version to 0
/// (the database is about to be seeded again).
pub(crate) fn wipe(conn: &Connection) -> rusqlite::Result<()> {
    let names: Vec<(String, String)> = {
        // Virtual tables first: dropping one drops its shadow tables.
        let mut st = conn.prepare(
            "SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' \
             AND type IN ('table', 'view') ORDER BY (sql LIKE 'CREATE VIRTUAL%') DESC",
        )?;
        let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let tx = conn.unchecked_transaction()?;
    for (kind, name) in names {
        let kind = if kind == "view" { "VIEW" } else { "TABLE" };
        tx.execute_batch(&format!(
            "DROP {kind} IF EXISTS \"{}\"",
            name.replace('"', "\"\"")
        ))?;
    }
    tx.commit()?;
    set_user_version(conn, 0)
}
