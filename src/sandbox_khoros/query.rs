//! Runs a parsed LiQL query over a collection's rows: which fields each collection has and
//! which may be constrained or ordered by, the WHERE filter, ORDER BY, paging by LIMIT,
//! OFFSET and cursor, and the projection into the shape Khoros answers in (reference §2.2).
//!
//! Rows are the full JSON objects the store builds, aggregates included at their value path
//! (`replies.count(*)` at `replies.count`). A relation that is not asked for by aggregate
//! comes back as a query stub (`"replies":{"query":"SELECT * FROM messages WHERE parent.id =
//! '110'"}`). A relation with several members (a user's roles, a role's users) keeps their ids
//! as a list, and a constraint on it holds when any of them matches.

use std::cmp::Ordering;
use std::hash::{Hash, Hasher};

use base64::Engine as _;
use serde_json::{json, Map, Value};

use super::liql::{Cond, Dir, Field, LiqlError, Lit, Op, Query, Select};

/// What Khoros returns without a LIMIT, and the most it returns at once (reference §2.5).
pub const DEFAULT_LIMIT: u64 = 25;
pub const MAX_LIMIT: u64 = 1000;

/// A collection: its item type, its fields, what may be constrained and ordered by, and its
/// relations with the query stub each answers with.
pub struct Schema {
    pub name: &'static str,
    pub item_type: &'static str,
    pub fields: &'static [&'static str],
    pub constraints: &'static [&'static str],
    pub orderable: &'static [&'static str],
    pub relations: &'static [(&'static str, &'static str)],
}

const MESSAGES: Schema = Schema {
    name: "messages",
    item_type: "message",
    fields: &[
        "type",
        "id",
        "href",
        "view_href",
        "subject",
        "body",
        "post_time",
        "depth",
        "author",
        "board",
        "parent",
        "topic",
        "conversation",
        "is_solution",
        "can_accept_solution",
        "solution_data",
        "read_only",
        "moderation_status",
        "user_context",
        "metrics",
        "replies",
        "kudos",
    ],
    constraints: &[
        "id",
        "board.id",
        "author.id",
        "author.login",
        "parent.id",
        "topic.id",
        "depth",
        "is_solution",
        "post_time",
        "conversation.solved",
        "conversation.style",
        "conversation.last_post_time",
        "replies.count(*)",
        "kudos.sum(weight)",
        "subject",
        "body",
    ],
    orderable: &[
        "id",
        "post_time",
        "depth",
        "conversation.last_post_time",
        "replies.count(*)",
        "kudos.sum(weight)",
        "metrics.views",
    ],
    relations: &[
        ("replies", "SELECT * FROM messages WHERE parent.id = '{id}'"),
        ("kudos", "SELECT * FROM kudos WHERE message.id = '{id}'"),
    ],
};

const USERS: Schema = Schema {
    name: "users",
    item_type: "user",
    fields: &[
        "type",
        "id",
        "href",
        "view_href",
        "login",
        "first_name",
        "last_name",
        "email",
        "rank",
        "registration_data",
        "last_visit_time",
        "banned",
        "deleted",
        "user_badges",
        "messages",
        "topics",
        "solutions_authored",
        "kudos_received",
        "kudos_given",
        "roles",
    ],
    constraints: &[
        "id",
        "login",
        "roles.id",
        "roles.name",
        "rank.name",
        "banned",
    ],
    orderable: &[
        "id",
        "login",
        "last_visit_time",
        "registration_data.registration_time",
    ],
    relations: &[
        (
            "messages",
            "SELECT * FROM messages WHERE author.id = '{id}'",
        ),
        (
            "topics",
            "SELECT * FROM messages WHERE author.id = '{id}' AND depth = 0",
        ),
        (
            "solutions_authored",
            "SELECT * FROM messages WHERE author.id = '{id}' AND is_solution = true",
        ),
        (
            "kudos_received",
            "SELECT * FROM kudos WHERE message.author.id = '{id}'",
        ),
        ("kudos_given", "SELECT * FROM kudos WHERE user.id = '{id}'"),
        ("roles", "SELECT * FROM roles WHERE users.id = '{id}'"),
    ],
};

const BOARDS: Schema = Schema {
    name: "boards",
    item_type: "board",
    fields: &[
        "type",
        "id",
        "href",
        "view_href",
        "title",
        "description",
        "conversation_style",
        "parent",
        "topics",
        "messages",
    ],
    constraints: &["id", "parent.id", "conversation_style"],
    orderable: &["id", "title"],
    relations: &[
        (
            "topics",
            "SELECT * FROM messages WHERE board.id = '{id}' AND depth = 0",
        ),
        ("messages", "SELECT * FROM messages WHERE board.id = '{id}'"),
    ],
};

const CATEGORIES: Schema = Schema {
    name: "categories",
    item_type: "category",
    fields: &["type", "id", "href", "title", "boards"],
    constraints: &["id"],
    orderable: &["id", "title"],
    relations: &[("boards", "SELECT * FROM boards WHERE parent.id = '{id}'")],
};

const KUDOS: Schema = Schema {
    name: "kudos",
    item_type: "kudo",
    fields: &["type", "id", "href", "time", "weight", "user", "message"],
    constraints: &["id", "message.id", "user.id", "message.author.id", "time"],
    orderable: &["id", "time"],
    relations: &[],
};

const BADGES: Schema = Schema {
    name: "badges",
    item_type: "badge",
    fields: &[
        "type",
        "id",
        "title",
        "description",
        "icon_url",
        "awarded",
        "activation_date",
    ],
    constraints: &["id", "title"],
    orderable: &["id", "title", "awarded"],
    relations: &[],
};

const ROLES: Schema = Schema {
    name: "roles",
    item_type: "role",
    fields: &["type", "id", "name", "node", "role_status", "users"],
    constraints: &["id", "name", "users.id"],
    orderable: &["id", "name"],
    relations: &[("users", "SELECT * FROM users WHERE roles.id = '{id}'")],
};

const ALL: [&Schema; 7] = [
    &MESSAGES,
    &USERS,
    &BOARDS,
    &CATEGORIES,
    &KUDOS,
    &BADGES,
    &ROLES,
];

pub fn schema(collection: &str) -> Option<&'static Schema> {
    ALL.iter().copied().find(|s| s.name == collection)
}

fn syntax(message: String) -> LiqlError {
    LiqlError { message }
}

/// Checks the query against its collection before anything is read.
pub fn validate(q: &Query) -> Result<&'static Schema, LiqlError> {
    let s = schema(&q.collection).ok_or_else(|| {
        syntax(format!(
            "Invalid query syntax: unknown collection '{}'",
            q.collection
        ))
    })?;
    let is_relation = |name: &str| s.relations.iter().any(|(r, _)| *r == name);
    if let Select::Fields(fields) = &q.select {
        for f in fields {
            let head = f.path[0].as_str();
            if !s.fields.contains(&head) {
                return Err(syntax(format!(
                    "Invalid query syntax: {} has no field '{f}'",
                    s.name
                )));
            }
            if f.agg.is_some() && (f.path.len() != 1 || !is_relation(head)) {
                return Err(syntax(format!(
                    "Invalid query syntax: '{f}': aggregates apply to a relation of {}",
                    s.name
                )));
            }
        }
    }
    for c in q.filter.conditions() {
        let name = c.field().to_string();
        if !s.constraints.contains(&name.as_str()) {
            return Err(syntax(format!(
                "Invalid query syntax: '{name}' is not a valid constraint for {}",
                s.name
            )));
        }
        let text_field = matches!(name.as_str(), "subject" | "body");
        match c {
            Cond::Matches(..) if !text_field => {
                return Err(syntax(format!(
                    "Invalid query syntax: MATCHES applies to subject and body, not '{name}'"
                )))
            }
            Cond::Cmp(..) | Cond::In(..) if text_field => {
                return Err(syntax(format!(
                    "Invalid query syntax: '{name}' is searched with MATCHES"
                )))
            }
            _ => {}
        }
    }
    for (f, _) in &q.order {
        if !s.orderable.contains(&f.to_string().as_str()) {
            return Err(syntax(format!(
                "Invalid query syntax: cannot ORDER BY '{f}' on {}",
                s.name
            )));
        }
    }
    if q.cursor.is_some() && q.offset.is_some() {
        return Err(syntax(
            "Invalid query syntax: CURSOR and OFFSET cannot be combined".into(),
        ));
    }
    Ok(s)
}

fn lookup<'a>(row: &'a Value, path: &[String]) -> Option<&'a Value> {
    let mut v = row;
    for seg in path {
        v = v.get(seg.as_str())?;
    }
    Some(v)
}

/// Milliseconds since the epoch of a time written as Khoros writes it.
fn millis(s: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.timestamp_millis())
}

fn as_number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s
            .trim()
            .parse()
            .ok()
            .or_else(|| millis(s).map(|m| m as f64)),
        _ => None,
    }
}

/// How a row's value compares with a literal; `None` when they cannot be compared.
fn compare(v: &Value, lit: &Lit) -> Option<Ordering> {
    match (v, lit) {
        (Value::Bool(b), Lit::Bool(l)) => Some(b.cmp(l)),
        (Value::String(s), Lit::Bool(l)) => match s.as_str() {
            "true" => Some(true.cmp(l)),
            "false" => Some(false.cmp(l)),
            _ => None,
        },
        (_, Lit::Num(n)) => as_number(v).and_then(|x| x.partial_cmp(n)),
        (Value::String(s), Lit::Str(l)) => match (millis(s), millis(l)) {
            (Some(a), Some(b)) => Some(a.cmp(&b)),
            _ => Some(s.as_str().cmp(l.as_str())),
        },
        (Value::Number(_), Lit::Str(l)) => {
            let l: f64 = l.trim().parse().ok()?;
            as_number(v).and_then(|x| x.partial_cmp(&l))
        }
        _ => None,
    }
}

fn op_holds(op: Op, ord: Option<Ordering>) -> bool {
    match (op, ord) {
        (Op::Ne, None) => true,
        (_, None) => false,
        (Op::Eq, Some(o)) => o == Ordering::Equal,
        (Op::Ne, Some(o)) => o != Ordering::Equal,
        (Op::Gt, Some(o)) => o == Ordering::Greater,
        (Op::Lt, Some(o)) => o == Ordering::Less,
        (Op::Ge, Some(o)) => o != Ordering::Less,
        (Op::Le, Some(o)) => o != Ordering::Greater,
    }
}

fn words(text: &str) -> Vec<String> {
    let mut plain = String::with_capacity(text.len());
    let mut in_tag = false;
    for c in text.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                plain.push(' ');
            }
            c if !in_tag => plain.push(c),
            _ => {}
        }
    }
    plain
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

fn cond_holds(row: &Value, c: &Cond) -> bool {
    let path = c.field().value_path();
    let value = lookup(row, &path);
    // A relation with several members matches when any of them does.
    let values: Vec<&Value> = match value {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(v) => vec![v],
        None => vec![],
    };
    match c {
        Cond::Cmp(_, op, lit) => {
            if values.is_empty() {
                return op_holds(*op, None);
            }
            match op {
                Op::Ne => values.iter().all(|v| op_holds(*op, compare(v, lit))),
                _ => values.iter().any(|v| op_holds(*op, compare(v, lit))),
            }
        }
        Cond::In(_, lits) => values
            .iter()
            .any(|v| lits.iter().any(|l| compare(v, l) == Some(Ordering::Equal))),
        Cond::Matches(_, text) => {
            let want = words(text);
            let have: Vec<String> = values
                .iter()
                .filter_map(|v| v.as_str())
                .flat_map(words)
                .collect();
            !want.is_empty() && want.iter().all(|w| have.contains(w))
        }
    }
}

fn order_value(row: &Value, f: &Field) -> Option<f64> {
    lookup(row, &f.value_path()).and_then(|v| match v {
        Value::Bool(b) => Some(f64::from(u8::from(*b))),
        v => as_number(v),
    })
}

fn order_text(row: &Value, f: &Field) -> Option<String> {
    lookup(row, &f.value_path())
        .and_then(Value::as_str)
        .map(str::to_lowercase)
}

fn fingerprint_hash(q: &Query) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    q.fingerprint().hash(&mut h);
    h.finish()
}

/// The cursor of the page starting at `offset` of this query.
fn cursor_for(q: &Query, offset: u64) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(format!("{offset}|{:016x}", fingerprint_hash(q)))
}

fn offset_of_cursor(q: &Query, cursor: &str) -> Result<u64, LiqlError> {
    let bad = || syntax("Invalid query syntax: the cursor is not valid for this query".into());
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor.trim())
        .map_err(|_| bad())?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    let (offset, hash) = text.split_once('|').ok_or_else(bad)?;
    if hash != format!("{:016x}", fingerprint_hash(q)) {
        return Err(bad());
    }
    offset.parse().map_err(|_| bad())
}

fn set_path(out: &mut Map<String, Value>, row: &Value, path: &[String], value: Value) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut here = out;
    let mut source = Some(row);
    for seg in parents {
        source = source.and_then(|s| s.get(seg.as_str()));
        let entry = here
            .entry(seg.clone())
            .or_insert_with(|| Value::Object(Map::new()));
        if !entry.is_object() {
            *entry = Value::Object(Map::new());
        }
        let obj = match entry {
            Value::Object(m) => m,
            _ => return,
        };
        // Nested objects keep their type, as Khoros writes them.
        if let Some(t) = source.and_then(|s| s.get("type")) {
            obj.entry("type".to_string()).or_insert_with(|| t.clone());
        }
        here = obj;
    }
    here.insert(last.clone(), value);
}

fn stub(s: &Schema, row: &Value, relation: &str) -> Option<Value> {
    let template = s.relations.iter().find(|(r, _)| *r == relation)?.1;
    let id = row.get("id").and_then(Value::as_str).unwrap_or("");
    Some(json!({ "query": template.replace("{id}", &id.replace('\'', "\\'")) }))
}

fn project(s: &Schema, q: &Query, row: &Value) -> Value {
    match &q.select {
        Select::All | Select::Count => {
            let mut out = row.clone();
            if let Value::Object(m) = &mut out {
                for (rel, _) in s.relations {
                    if let Some(st) = stub(s, row, rel) {
                        m.insert(rel.to_string(), st);
                    }
                }
            }
            out
        }
        Select::Fields(fields) => {
            let mut out = Map::new();
            out.insert("type".into(), json!(s.item_type));
            for f in fields {
                let head = f.path[0].as_str();
                let is_rel = s.relations.iter().any(|(r, _)| *r == head);
                if is_rel && f.agg.is_none() {
                    if let Some(st) = stub(s, row, head) {
                        set_path(&mut out, row, &f.path, st);
                    }
                    continue;
                }
                let path = f.value_path();
                if let Some(v) = lookup(row, &path) {
                    set_path(&mut out, row, &path, v.clone());
                }
            }
            Value::Object(out)
        }
    }
}

/// The `data` of the answer to `q` over `rows` (already the collection's, maybe narrowed).
pub fn run(s: &Schema, q: &Query, rows: Vec<Value>) -> Result<Value, LiqlError> {
    let mut matching: Vec<Value> = rows
        .into_iter()
        .filter(|r| {
            q.filter.any_of.is_empty()
                || q.filter
                    .any_of
                    .iter()
                    .any(|group| group.iter().all(|c| cond_holds(r, c)))
        })
        .collect();
    if q.select == Select::Count {
        return Ok(json!({ "count": matching.len() }));
    }
    if !q.order.is_empty() {
        matching.sort_by(|a, b| {
            for (f, dir) in &q.order {
                let ord = match (order_value(a, f), order_value(b, f)) {
                    (Some(x), Some(y)) => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
                    // Text that is not a number (subjects, logins) orders as text.
                    (None, None) => order_text(a, f).cmp(&order_text(b, f)),
                    // Missing values last, whichever the direction.
                    (Some(_), None) => return Ordering::Less,
                    (None, Some(_)) => return Ordering::Greater,
                };
                let ord = if *dir == Dir::Desc {
                    ord.reverse()
                } else {
                    ord
                };
                if ord != Ordering::Equal {
                    return ord;
                }
            }
            Ordering::Equal
        });
    }
    let limit = q.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT);
    let offset = match &q.cursor {
        Some(c) => offset_of_cursor(q, c)?,
        None => q.offset.unwrap_or(0),
    };
    let total = matching.len() as u64;
    let items: Vec<Value> = matching
        .iter()
        .skip(usize::try_from(offset).unwrap_or(usize::MAX))
        .take(limit as usize)
        .map(|r| project(s, q, r))
        .collect();
    let mut data = json!({
        "type": s.name,
        "list_item_type": s.item_type,
        "size": items.len(),
        "items": items,
    });
    // Only a missing cursor means the end (reference §2.5).
    if offset.saturating_add(limit) < total {
        data["next_cursor"] = json!(cursor_for(q, offset + limit));
    }
    Ok(data)
}

#[cfg(test)]
mod tests {
    use super::super::liql::parse;
    use super::*;

    fn rows() -> Vec<Value> {
        (1..=7)
            .map(|i| {
                json!({
                    "type": "message",
                    "id": i.to_string(),
                    "subject": format!("Router problem {i}"),
                    "body": format!("<p>The <b>router</b> light is {}</p>", if i % 2 == 0 { "red" } else { "green" }),
                    "depth": if i <= 4 { 0 } else { 1 },
                    "post_time": format!("2024-01-0{i}T10:00:00.000+00:00"),
                    "author": {"type": "user", "id": (i % 3).to_string(), "login": format!("u{}", i % 3)},
                    "board": {"type": "board", "id": if i % 2 == 0 { "mobile" } else { "billing" }},
                    "conversation": {"type": "conversation", "solved": i == 3},
                    "replies": {"count": 7 - i},
                    "kudos": {"sum": {"weight": i * 2}},
                })
            })
            .collect()
    }

    fn ids(data: &Value) -> Vec<String> {
        data["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_str().unwrap().to_string())
            .collect()
    }

    fn answer(q: &str) -> Result<Value, LiqlError> {
        let q = parse(q)?;
        let s = validate(&q)?;
        run(s, &q, rows())
    }

    #[test]
    fn filters_order_and_projection() {
        let d = answer(
            "SELECT id, author.login, kudos.sum(weight) FROM messages WHERE depth = 0 AND \
             board.id = 'mobile' ORDER BY post_time DESC",
        )
        .unwrap();
        assert_eq!(ids(&d), ["4", "2"]);
        assert_eq!(
            d["items"][0]["author"],
            json!({"type": "user", "login": "u1"})
        );
        assert_eq!(d["items"][0]["kudos"], json!({"sum": {"weight": 8}}));
        assert_eq!(d["list_item_type"], "message");
        assert!(d.get("next_cursor").is_none());
        // OR of ANDs; comparisons of times (text or epoch ms) and numbers.
        let d = answer("SELECT id FROM messages WHERE depth = 1 AND kudos.sum(weight) > 12 OR conversation.solved = true").unwrap();
        assert_eq!(ids(&d), ["3", "7"]);
        let d = answer("SELECT id FROM messages WHERE post_time >= '2024-01-06T00:00:00+00:00'")
            .unwrap();
        assert_eq!(ids(&d), ["6", "7"]);
        let ms = chrono::DateTime::parse_from_rfc3339("2024-01-06T00:00:00+00:00")
            .unwrap()
            .timestamp_millis();
        let d = answer(&format!("SELECT id FROM messages WHERE post_time < {ms}")).unwrap();
        assert_eq!(ids(&d).len(), 5);
        let d =
            answer("SELECT id FROM messages WHERE id IN ('2', '5', '9') AND replies.count(*) != 5")
                .unwrap();
        assert_eq!(ids(&d), ["5"]);
        let d = answer("SELECT id FROM messages WHERE body MATCHES 'Router RED'").unwrap();
        assert_eq!(ids(&d), ["2", "4", "6"]);
        let d = answer("SELECT count(*) FROM messages WHERE depth = 0").unwrap();
        assert_eq!(d, json!({"count": 4}));
        // `*` answers relations with their query stubs.
        let d = answer("SELECT * FROM messages WHERE id = '2'").unwrap();
        assert_eq!(
            d["items"][0]["replies"]["query"],
            "SELECT * FROM messages WHERE parent.id = '2'"
        );
        let d = answer("SELECT replies FROM messages WHERE id = '2'").unwrap();
        assert!(d["items"][0]["replies"]["query"].is_string());
    }

    #[test]
    fn cursors_page_to_the_end() {
        let q = "SELECT id FROM messages ORDER BY id ASC LIMIT 3";
        let d = answer(q).unwrap();
        assert_eq!(ids(&d), ["1", "2", "3"]);
        let c = d["next_cursor"].as_str().unwrap().to_string();
        let d = answer(&format!("{q} CURSOR '{c}'")).unwrap();
        assert_eq!(ids(&d), ["4", "5", "6"]);
        let c = d["next_cursor"].as_str().unwrap().to_string();
        let d = answer(&format!("{q} CURSOR '{c}'")).unwrap();
        assert_eq!(ids(&d), ["7"]);
        assert!(
            d.get("next_cursor").is_none(),
            "the last page has no cursor"
        );
        // A cursor belongs to its query.
        let e = answer(&format!(
            "SELECT id FROM messages WHERE depth = 0 LIMIT 3 CURSOR '{c}'"
        ))
        .unwrap_err();
        assert!(e.message.contains("cursor"), "{}", e.message);
        assert!(answer("SELECT id FROM messages LIMIT 3 CURSOR 'garbage!'").is_err());
        // Offsets, the default limit and the cap.
        assert_eq!(
            ids(&answer("SELECT id FROM messages ORDER BY id LIMIT 2 OFFSET 5").unwrap()),
            ["6", "7"]
        );
        assert_eq!(
            ids(&answer("SELECT id FROM messages LIMIT 0").unwrap()).len(),
            1
        );
    }

    #[test]
    fn what_a_collection_does_not_have_is_refused() {
        for (q, want) in [
            ("SELECT id FROM nothing", "unknown collection"),
            ("SELECT colour FROM messages", "has no field"),
            (
                "SELECT id FROM messages WHERE views = 3",
                "not a valid constraint",
            ),
            (
                "SELECT id FROM messages WHERE depth MATCHES 'x'",
                "MATCHES applies",
            ),
            (
                "SELECT id FROM messages WHERE subject = 'x'",
                "searched with MATCHES",
            ),
            (
                "SELECT id FROM messages ORDER BY subject",
                "cannot ORDER BY",
            ),
            ("SELECT subject.count(*) FROM messages", "aggregates apply"),
            (
                "SELECT id FROM messages LIMIT 2 OFFSET 1 CURSOR 'x'",
                "cannot be combined",
            ),
        ] {
            let e = answer(q).expect_err(q);
            assert!(e.message.contains(want), "{q}: {}", e.message);
        }
    }

    #[test]
    fn relations_with_several_members_match_any() {
        let roles = vec![
            json!({"type": "role", "id": "t:Moderator", "name": "Moderator", "users": {"id": ["2", "3"], "count": 2}}),
            json!({"type": "role", "id": "t:Administrator", "name": "Administrator", "users": {"id": ["1"], "count": 1}}),
        ];
        let q = parse("SELECT id, users.count(*) FROM roles WHERE users.id = '3'").unwrap();
        let s = validate(&q).unwrap();
        let d = run(s, &q, roles).unwrap();
        assert_eq!(ids(&d), ["t:Moderator"]);
        assert_eq!(d["items"][0]["users"], json!({"count": 2}));
    }
}
