//! The sandbox's Khoros Care, under `/care/api/v2/…`: the Author API (a person's authors on
//! each network, found by any of them, and their conversation ids) and the Conversation API
//! (details by id or display number), with HTTP Basic authentication (reference §9). Shapes
//! follow Khoros's Care reference pages: `{"status":"success","data":[…]}`, and
//! `{"status":"fail","message":…}` for what fails. Twitter conversations come without their
//! text, as Twitter's terms require of Care's API.

use axum::body::Body;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::Response;
use base64::Engine as _;
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::{json, Map, Value};

use super::server::{decode, AppState};
use super::store::iso;

/// Display numbers asked for at once at most (reference §9: up to 20 per call).
const MAX_DISPLAY_IDS: usize = 20;

fn reply(status: StatusCode, body: Value) -> Response {
    let mut resp = Response::new(Body::from(
        serde_json::to_vec(&body).unwrap_or_else(|_| b"{}".to_vec()),
    ));
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

fn fail(status: StatusCode, message: &str) -> Response {
    reply(status, json!({"status": "fail", "message": message}))
}

fn ok(data: Value) -> Response {
    reply(StatusCode::OK, json!({"status": "success", "data": data}))
}

fn authorized(state: &AppState, auth: Option<&str>) -> bool {
    let Some(encoded) = auth.and_then(|a| a.strip_prefix("Basic ")) else {
        return false;
    };
    let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(encoded.trim()) else {
        return false;
    };
    let text = String::from_utf8_lossy(&bytes);
    text.split_once(':')
        .is_some_and(|(u, p)| u == state.care_user && p == state.password)
}

/// The Care class name of a network's author data.
fn class_of(network: &str) -> &'static str {
    match network {
        "twitter" => "TwitterSpecificAuthorData",
        "facebook" => "FacebookSpecificAuthorData",
        "lithium" => "LithiumSpecificAuthorData",
        _ => "ExternalSpecificAuthorData",
    }
}

/// A person with every author it bundles, keyed by network.
fn person(conn: &Connection, person_id: &str, community: &str) -> rusqlite::Result<Value> {
    let mut st = conn.prepare(
        "SELECT lsw_uuid, display_number, network, network_id, screen_name, name, profile_url, \
         join_date FROM care_authors WHERE person_id = ?1 ORDER BY display_number",
    )?;
    let mut handles: Map<String, Value> = Map::new();
    let rows = st.query_map([person_id], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, Option<String>>(4)?,
            r.get::<_, Option<String>>(5)?,
            r.get::<_, Option<String>>(6)?,
            r.get::<_, Option<i64>>(7)?,
        ))
    })?;
    let mut display = 0;
    for row in rows {
        let (uuid, number, network, id, screen, name, url, join) = row?;
        display = display.max(number);
        let instance = match network.as_str() {
            "lithium" => community.to_string(),
            "external" => "smooch".to_string(),
            other => other.to_string(),
        };
        let mut h = json!({
            "@class": class_of(&network),
            "lswUuid": uuid,
            "displayNumber": number,
            "profileUrl": url.unwrap_or_default(),
            "id": id,
            "name": name,
            "screenName": screen,
            "providerInstanceId": instance,
            "networkinstance": instance,
        });
        if let Some(j) = join {
            h["joinDate"] = json!(j);
        }
        if let Value::Array(list) = handles
            .entry(network)
            .or_insert_with(|| Value::Array(Vec::new()))
        {
            list.push(h);
        }
    }
    Ok(json!({
        "id": person_id,
        "displayNumber": display,
        "handles": handles,
        "tags": [],
        "notes": [],
    }))
}

fn person_of_author(
    conn: &Connection,
    network: &str,
    id: &str,
) -> rusqlite::Result<Option<String>> {
    conn.query_row(
        "SELECT person_id FROM care_authors WHERE network = ?1 AND network_id = ?2",
        params![network, id],
        |r| r.get(0),
    )
    .optional()
}

fn conversation_ids(conn: &Connection, author: &str) -> rusqlite::Result<Vec<String>> {
    conn.prepare(
        "SELECT lsw_uuid FROM care_conversations WHERE author_uuid = ?1 ORDER BY create_date DESC",
    )?
    .query_map([author], |r| r.get(0))?
    .collect()
}

/// One conversation as its table and its author's row hold it.
struct ConvRow {
    uuid: String,
    number: i64,
    author: String,
    network: String,
    status: String,
    created: i64,
    title: Option<String>,
    agent: Option<String>,
    screen: String,
    name: String,
}

/// A conversation's details, as the Conversation API gives them.
fn conversation(
    conn: &Connection,
    where_: &str,
    key: &dyn rusqlite::ToSql,
    base: &str,
) -> rusqlite::Result<Option<Value>> {
    let row: Option<ConvRow> = conn
        .query_row(
            &format!(
                "SELECT c.lsw_uuid, c.display_number, c.author_uuid, c.network, c.status, \
                 c.create_date, c.title, c.agent, coalesce(a.screen_name, ''), coalesce(a.name, '') \
                 FROM care_conversations c JOIN care_authors a ON a.lsw_uuid = c.author_uuid WHERE {where_}"
            ),
            [key],
            |r| {
                Ok(ConvRow {
                    uuid: r.get(0)?,
                    number: r.get(1)?,
                    author: r.get(2)?,
                    network: r.get(3)?,
                    status: r.get(4)?,
                    created: r.get(5)?,
                    title: r.get(6)?,
                    agent: r.get(7)?,
                    screen: r.get(8)?,
                    name: r.get(9)?,
                })
            },
        )
        .optional()?;
    let Some(ConvRow {
        uuid,
        number,
        author,
        network,
        status,
        created,
        title,
        agent,
        screen,
        name,
    }) = row
    else {
        return Ok(None);
    };
    let twitter = network == "twitter";
    let mut messages = Vec::new();
    let mut st = conn.prepare(
        "SELECT position, from_agent, author_name, text, publish_date FROM care_messages \
         WHERE conversation_uuid = ?1 ORDER BY position",
    )?;
    let rows = st.query_map([&uuid], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, bool>(1)?,
            r.get::<_, Option<String>>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, i64>(4)?,
        ))
    })?;
    for row in rows {
        let (position, from_agent, who, text, published) = row?;
        let mut m = json!({
            "network": network,
            "lswUuid": format!("{uuid}-{position}"),
            "conversationDisplayId": number,
            "author": if from_agent {
                json!({"name": who, "screenName": who})
            } else {
                json!({"lswUuid": author, "name": name, "screenName": screen, "network": network})
            },
            "publishDate": published,
            "receiveDate": published,
            "title": title,
            "isPrivate": network != "twitter",
        });
        if !twitter {
            m["text"] = json!(text);
            m["postContent"] = json!(format!("<p>{}</p>", text.replace('<', "&lt;")));
        }
        messages.push(m);
    }
    let primary = messages.first().cloned().unwrap_or_else(|| json!({}));
    Ok(Some(json!({
        "userHasPermissionToView": true,
        "displayNumber": number,
        "status": status,
        "lswUuid": uuid,
        "createDate": created,
        "responsePortalLink": format!("{base}/care/portal/conversation/{number}"),
        "assignedToAgent": agent.map(|a| json!({"name": a})),
        "primaryMessage": primary,
        "messages": messages,
        "createDateIso": iso(created),
    })))
}

/// Answers one Care request.
pub(super) fn handle(
    state: &AppState,
    method: &Method,
    path: &str,
    auth: Option<&str>,
    base: &str,
) -> Response {
    if !authorized(state, auth) {
        return fail(
            StatusCode::UNAUTHORIZED,
            "Unauthorized: check the Care API user and password.",
        );
    }
    if *method != Method::GET {
        return fail(
            StatusCode::METHOD_NOT_ALLOWED,
            "Only GET is served by this sandbox's Care.",
        );
    }
    let segs: Vec<String> = path
        .trim_start_matches("/care/api/v2")
        .split('/')
        .filter(|s| !s.is_empty())
        .map(decode)
        .collect();
    let segs: Vec<&str> = segs.iter().map(String::as_str).collect();
    let community = base.trim_start_matches("http://").to_string() + "/";
    let conn = state.db.lock().unwrap_or_else(|e| e.into_inner());
    let result = (|| -> rusqlite::Result<Response> {
        let by_network = |network: &str, id: &str| -> rusqlite::Result<Option<String>> {
            person_of_author(&conn, network, id)
        };
        Ok(match segs.as_slice() {
            ["authors", "networks", network, "ids", _] if needs_instance(network) => fail(
                StatusCode::BAD_REQUEST,
                "A lithium or crm author needs its networkinstance.",
            ),
            ["authors", "networks", network, "instances", _, "ids", id]
            | ["authors", "networks", network, "ids", id] => match by_network(network, id)? {
                Some(p) => ok(json!([person(&conn, &p, &community)?])),
                None => fail(StatusCode::NOT_FOUND, "No author with that network id."),
            },
            ["authors", "networks", network, "instances", _, "ids", id, "conversations"]
            | ["authors", "networks", network, "ids", id, "conversations"] => {
                let author: Option<String> = conn
                    .query_row(
                        "SELECT lsw_uuid FROM care_authors WHERE network = ?1 AND network_id = ?2",
                        params![network, id],
                        |r| r.get(0),
                    )
                    .optional()?;
                match author {
                    Some(a) => ok(json!(conversation_ids(&conn, &a)?)),
                    None => fail(StatusCode::NOT_FOUND, "No author with that network id."),
                }
            }
            ["authors", uuid] => {
                let p: Option<String> = conn
                    .query_row(
                        "SELECT person_id FROM care_authors WHERE lsw_uuid = ?1",
                        [uuid],
                        |r| r.get(0),
                    )
                    .optional()?;
                match p {
                    Some(p) => ok(json!([person(&conn, &p, &community)?])),
                    None => fail(StatusCode::NOT_FOUND, "No author with that id."),
                }
            }
            ["authors", uuid, "conversations"] => {
                let known: Option<String> = conn
                    .query_row(
                        "SELECT lsw_uuid FROM care_authors WHERE lsw_uuid = ?1",
                        [uuid],
                        |r| r.get(0),
                    )
                    .optional()?;
                match known {
                    Some(a) => ok(json!(conversation_ids(&conn, &a)?)),
                    None => fail(StatusCode::NOT_FOUND, "No author with that id."),
                }
            }
            ["conversations", "displayIds", list] => {
                let numbers: Vec<&str> = list.split(',').map(str::trim).collect();
                if numbers.len() > MAX_DISPLAY_IDS {
                    return Ok(fail(
                        StatusCode::BAD_REQUEST,
                        "At most 20 display ids at once.",
                    ));
                }
                let mut found = Vec::new();
                let mut missing = Vec::new();
                for n in numbers {
                    let parsed: Option<i64> = n.parse().ok();
                    match parsed {
                        Some(num) => {
                            match conversation(&conn, "c.display_number = ?1", &num, base)? {
                                Some(c) => found.push(c),
                                None => missing.push(n.to_string()),
                            }
                        }
                        None => missing.push(n.to_string()),
                    }
                }
                let mut body = json!({"status": "success", "data": found});
                if !missing.is_empty() {
                    body["_meta"] = json!({
                        "message": "Some conversations could not be processed.",
                        "unprocessed": missing,
                    });
                }
                reply(StatusCode::OK, body)
            }
            ["conversations", uuid] => {
                let key = uuid.to_string();
                match conversation(&conn, "c.lsw_uuid = ?1", &key, base)? {
                    Some(c) => ok(json!([c])),
                    None => fail(StatusCode::NOT_FOUND, "No conversation with that id."),
                }
            }
            _ => fail(StatusCode::NOT_FOUND, "Not found."),
        })
    })();
    result.unwrap_or_else(|e| {
        fail(
            StatusCode::INTERNAL_SERVER_ERROR,
            &format!("sandbox database: {e}"),
        )
    })
}

/// `lithium` and `crm` authors need their network instance (reference §9); the sandbox takes
/// any instance for its one community.
fn needs_instance(network: &str) -> bool {
    matches!(network, "lithium" | "crm")
}
