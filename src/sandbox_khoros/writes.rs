//! The v2 writes the console uses: a message (a reply with a parent, or a thread on a board),
//! accepting a solution, and giving or taking back a kudo (reference §3, §4, §8), each with
//! the rules a community applies: read-only threads, who may accept a solution, no kudos to
//! oneself.

use axum::http::StatusCode;
use rusqlite::{params, OptionalExtension};
use serde_json::{json, Value};

use super::server::ApiError;
use super::store::{self, iso, now_ms, Ctx, Viewer};

const MAX_BODY_CHARS: usize = 60_000;
const MAX_SUBJECT_CHARS: usize = 200;

/// An id that may come as a string or a number (the SDKs differ, reference §3).
fn id_of(v: Option<&Value>) -> Option<i64> {
    match v? {
        Value::String(s) => s.trim().parse().ok(),
        Value::Number(n) => n.as_i64(),
        _ => None,
    }
}

fn data(body: &Value) -> Result<&Value, ApiError> {
    body.get("data")
        .filter(|d| d.is_object())
        .ok_or_else(|| ApiError::invalid("The request body needs a data object."))
}

fn text_of(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.trim().to_string()
}

/// `POST /api/2.0/messages`: a reply (`parent.id`) or a new thread (`board.id`).
pub fn create_message(ctx: &Ctx, viewer: Viewer, body: &Value) -> Result<Value, ApiError> {
    let d = data(body)?;
    if d.get("type").and_then(Value::as_str) != Some("message") {
        return Err(ApiError::invalid("data.type must be \"message\"."));
    }
    let text = d.get("body").and_then(Value::as_str).unwrap_or("");
    if text_of(text).is_empty() {
        return Err(ApiError::invalid("The message body cannot be empty."));
    }
    if text.chars().count() > MAX_BODY_CHARS {
        return Err(ApiError::invalid(format!(
            "The message body is longer than {MAX_BODY_CHARS} characters."
        )));
    }
    let subject = d
        .get("subject")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty());
    if subject.is_some_and(|s| s.chars().count() > MAX_SUBJECT_CHARS) {
        return Err(ApiError::invalid(format!(
            "The subject is longer than {MAX_SUBJECT_CHARS} characters."
        )));
    }
    let conn = ctx.conn;
    let now = now_ms();
    let parent = id_of(d.get("parent").and_then(|p| p.get("id")));
    let id = match parent {
        Some(parent) => {
            let row: Option<(String, i64, i64, String, bool)> = conn
                .query_row(
                    "SELECT m.board_id, m.topic_id, m.depth, t.subject, t.read_only FROM messages m \
                     JOIN messages t ON t.id = m.topic_id WHERE m.id = ?1",
                    [parent],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
                )
                .optional()?;
            let (board, topic, depth, topic_subject, read_only) =
                row.ok_or_else(|| ApiError::not_found(format!("Message {parent} was not found.")))?;
            if read_only && !viewer.staff {
                return Err(ApiError::forbidden(
                    "This thread is read-only: replies are closed.",
                ));
            }
            let subject = subject
                .map(str::to_string)
                .unwrap_or_else(|| format!("Re: {topic_subject}"));
            conn.execute(
                "INSERT INTO messages(board_id, author_id, parent_id, topic_id, depth, subject, \
                 body, post_time) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    board,
                    viewer.id,
                    parent,
                    topic,
                    depth + 1,
                    subject,
                    text,
                    now
                ],
            )?;
            conn.last_insert_rowid()
        }
        None => {
            let board = d
                .get("board")
                .and_then(|b| b.get("id"))
                .and_then(Value::as_str)
                .ok_or_else(|| {
                    ApiError::invalid(
                        "A message needs a parent (a reply) or a board (a new thread).",
                    )
                })?;
            let exists: Option<String> = conn
                .query_row("SELECT id FROM boards WHERE id = ?1", [board], |r| r.get(0))
                .optional()?;
            if exists.is_none() {
                return Err(ApiError::not_found(format!("Board {board} was not found.")));
            }
            let subject =
                subject.ok_or_else(|| ApiError::invalid("A new thread needs a subject."))?;
            conn.execute(
                "INSERT INTO messages(board_id, author_id, parent_id, topic_id, depth, subject, \
                 body, post_time) VALUES(?1, ?2, NULL, 0, 0, ?3, ?4, ?5)",
                params![board, viewer.id, subject, text, now],
            )?;
            let id = conn.last_insert_rowid();
            conn.execute("UPDATE messages SET topic_id = ?1 WHERE id = ?1", [id])?;
            id
        }
    };
    store::message_json(ctx, id)?
        .ok_or_else(|| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "The message vanished."))
}

/// `POST /api/2.0/solutions_data` with `{"data":{"type":"solution_data","message_id":…}}`.
pub fn accept_solution(ctx: &Ctx, viewer: Viewer, body: &Value) -> Result<Value, ApiError> {
    let d = data(body)?;
    let id = id_of(d.get("message_id"))
        .ok_or_else(|| ApiError::invalid("data.message_id is required."))?;
    let conn = ctx.conn;
    let row: Option<(i64, i64, i64, bool)> = conn
        .query_row(
            "SELECT m.depth, m.topic_id, t.author_id, b.accepts_solutions FROM messages m \
             JOIN messages t ON t.id = m.topic_id JOIN boards b ON b.id = m.board_id WHERE m.id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?;
    let (depth, topic, topic_author, accepts) =
        row.ok_or_else(|| ApiError::not_found(format!("Message {id} was not found.")))?;
    if depth == 0 {
        return Err(ApiError::invalid(
            "Only a reply can be accepted as the solution.",
        ));
    }
    if !accepts {
        return Err(ApiError::forbidden(
            "Solutions are not enabled on this board.",
        ));
    }
    if !viewer.staff && viewer.id != topic_author {
        return Err(ApiError::forbidden(
            "Only the thread's author or a moderator may accept a solution.",
        ));
    }
    let now = now_ms();
    conn.execute(
        "INSERT OR IGNORE INTO solutions(message_id, topic_id, accepter_id, time) VALUES(?1, ?2, ?3, ?4)",
        params![id, topic, viewer.id, now],
    )?;
    let (login, time): (String, i64) = conn.query_row(
        "SELECT u.login, s.time FROM solutions s JOIN users u ON u.id = s.accepter_id WHERE s.message_id = ?1",
        [id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    Ok(json!({
        "type": "solution_data",
        "message_id": id.to_string(),
        "accepter": {"type": "user", "login": login},
        "time": iso(time),
    }))
}

fn message_author(ctx: &Ctx, id: &str) -> Result<(i64, i64), ApiError> {
    let mid: i64 = id
        .trim()
        .parse()
        .map_err(|_| ApiError::not_found(format!("Message {id} was not found.")))?;
    let author: Option<i64> = ctx
        .conn
        .query_row("SELECT author_id FROM messages WHERE id = ?1", [mid], |r| {
            r.get(0)
        })
        .optional()?;
    let author =
        author.ok_or_else(|| ApiError::not_found(format!("Message {id} was not found.")))?;
    Ok((mid, author))
}

/// `POST /api/2.0/messages/{id}/kudos`.
pub fn give_kudo(ctx: &Ctx, viewer: Viewer, id: &str) -> Result<Value, ApiError> {
    let (mid, author) = message_author(ctx, id)?;
    if author == viewer.id {
        return Err(ApiError::forbidden(
            "You cannot give kudos to your own message.",
        ));
    }
    let now = now_ms();
    let added = ctx.conn.execute(
        "INSERT OR IGNORE INTO kudos(message_id, user_id, time, weight) VALUES(?1, ?2, ?3, 1)",
        params![mid, viewer.id, now],
    )?;
    if added == 0 {
        return Err(ApiError::invalid(
            "You have already given kudos to this message.",
        ));
    }
    let kid = ctx.conn.last_insert_rowid();
    Ok(json!({
        "type": "kudo",
        "id": kid.to_string(),
        "time": iso(now),
        "weight": 1,
        "message": {"type": "message", "id": mid.to_string()},
        "user": {"type": "user", "id": viewer.id.to_string()},
    }))
}

/// `DELETE /api/2.0/messages/{id}/kudos`.
pub fn remove_kudo(ctx: &Ctx, viewer: Viewer, id: &str) -> Result<Value, ApiError> {
    let (mid, _) = message_author(ctx, id)?;
    let removed = ctx.conn.execute(
        "DELETE FROM kudos WHERE message_id = ?1 AND user_id = ?2",
        params![mid, viewer.id],
    )?;
    if removed == 0 {
        return Err(ApiError::not_found(
            "You have not given kudos to this message.",
        ));
    }
    Ok(Value::Null)
}
