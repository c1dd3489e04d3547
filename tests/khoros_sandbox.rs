//! The Khoros-dialect sandbox over raw HTTP, as any client sees it: the session sign-in, LiQL
//! (answers, paging, errors), guests, the v2 writes' envelopes, and Care with Basic auth.
//! Also its database's schema version (`PRAGMA user_version`), as in the Discourse sandbox: a
//! new database gets the current version, one from before versioning is migrated, one that
//! cannot be migrated is reseeded (the demo's, with a notice) or refused untouched, and one
//! from a newer modterm is always refused untouched.

mod khoros_support;

use std::path::Path;

use base64::Engine as _;
use khoros_support::*;
use modterm::sandbox_khoros::{KhorosSandbox, KhorosSandboxOptions, SCHEMA_VERSION};
use serde_json::{json, Value};

#[tokio::test]
async fn the_session_sign_in() {
    let sb = start().await;
    let url = format!("{}/restapi/vc/authentication/sessions/login", sb.url);
    // JSON when asked, with the key as the v1 value.
    let v: Value = client()
        .post(format!("{url}?restapi.response_format=json"))
        .form(&[("user.login", "mod_anna"), ("user.password", KEY)])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["response"]["status"], "success");
    assert_eq!(v["response"]["value"]["type"], "string");
    assert!(v["response"]["value"]["$"].as_str().unwrap().len() >= 16);
    // Query parameters work too, and XML is the default format.
    let text = client()
        .post(format!("{url}?user.login=leader_luca&user.password={KEY}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        text.starts_with("<response status=\"success\"><value type=\"string\">"),
        "{text}"
    );
    // A wrong password: the v1 error envelope.
    let v: Value = client()
        .post(format!("{url}?restapi.response_format=json"))
        .form(&[("user.login", "mod_anna"), ("user.password", "nope")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["response"]["status"], "error");
    assert!(v["response"]["error"]["code"].is_number());
    // An unknown key is refused on v2, with the session code.
    let resp = client()
        .get(format!("{}/api/2.0/search", sb.url))
        .query(&[("q", "SELECT id FROM boards")])
        .header("li-api-session-key", "not-a-key")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 401);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["status"], "error");
    assert_eq!(v["data"]["code"], 301);
    assert_eq!(v["message"], "Invalid session key.");
}

#[tokio::test]
async fn liql_answers_in_khoros_envelopes() {
    let sb = start().await;
    let (status, v) = sb
        .liql_raw(
            Some("mod_anna"),
            "SELECT id, subject, replies.count(*), kudos.sum(weight), conversation.solved FROM messages WHERE depth = 0 ORDER BY post_time DESC LIMIT 3",
            &[],
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(v["status"], "success");
    assert_eq!(v["http_code"], 200);
    let data = &v["data"];
    assert_eq!(data["type"], "messages");
    assert_eq!(data["list_item_type"], "message");
    assert_eq!(data["size"], 3);
    let item = &data["items"][0];
    assert_eq!(item["type"], "message");
    assert!(item["replies"]["count"].is_number());
    assert!(item["kudos"]["sum"]["weight"].is_number());
    assert!(item["conversation"]["solved"].is_boolean());
    assert!(data["next_cursor"].is_string(), "more pages: a cursor");
    // count(*)
    let (_, v) = sb
        .liql_raw(
            Some("mod_anna"),
            "SELECT count(*) FROM messages WHERE depth = 0",
            &[],
        )
        .await;
    assert_eq!(v["data"]["count"].as_u64(), Some(TOPICS as u64));
    // Without LIMIT: 25 rows and a cursor.
    let (_, v) = sb
        .liql_raw(Some("mod_anna"), "SELECT id FROM messages", &[])
        .await;
    assert_eq!(v["data"]["size"], 25);
    assert!(v["data"]["next_cursor"].is_string());
    // Query stubs for relations not asked for.
    let (_, v) = sb
        .liql_raw(
            Some("mod_anna"),
            "SELECT * FROM users WHERE login = 'member_mia'",
            &[],
        )
        .await;
    let mia = &v["data"]["items"][0];
    assert_eq!(mia["login"], "member_mia");
    assert!(mia["kudos_received"]["query"]
        .as_str()
        .unwrap()
        .contains("message.author.id"));
    assert_eq!(mia["user_badges"]["list_item_type"], "user_badge");
    assert!(
        mia.get("email").is_none(),
        "only admins see e-mail addresses"
    );
    let (_, v) = sb
        .liql_raw(
            Some("admin"),
            "SELECT email FROM users WHERE login = 'member_mia'",
            &[],
        )
        .await;
    assert_eq!(v["data"]["items"][0]["email"], "member_mia@example.test");
    // Roles of a user, and users of a role.
    let (_, v) = sb
        .liql_raw(
            Some("mod_anna"),
            "SELECT id, name FROM roles WHERE users.id = '2'",
            &[],
        )
        .await;
    assert_eq!(v["data"]["items"][0]["id"], "t:Moderator");
    let (_, v) = sb
        .liql_raw(
            Some("mod_anna"),
            "SELECT login FROM users WHERE roles.id = 't:SuperUser' ORDER BY login",
            &[],
        )
        .await;
    let logins: Vec<&str> = v["data"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["login"].as_str().unwrap())
        .collect();
    assert_eq!(
        logins,
        [
            "leader_lena",
            "leader_luca",
            "leader_omar",
            "leader_priya",
            "leader_sam"
        ]
    );
}

#[tokio::test]
async fn liql_errors_say_where() {
    let sb = start().await;
    for (q, hint) in [
        ("SELECT id FROM messages WHERE", "expected a field"),
        ("SELECT id FROM nowhere", "unknown collection"),
        (
            "SELECT id FROM messages WHERE foo = 1",
            "not a valid constraint",
        ),
        ("SELECT id FROM messages WHERE (depth = 0)", "parentheses"),
        ("SELECT id FROM messages LIMIT 5 CURSOR 'forged'", "cursor"),
        ("DROP TABLE messages", "expected SELECT"),
    ] {
        let (status, v) = sb.liql_raw(Some("mod_anna"), q, &[]).await;
        assert_eq!(status, 400, "{q}: {v}");
        assert_eq!(v["status"], "error");
        assert_eq!(v["http_code"], 400);
        assert_eq!(v["data"]["type"], "error_data");
        assert_eq!(v["data"]["code"], 601);
        assert_eq!(v["message"], "Invalid query syntax");
        assert!(
            v["data"]["developer_message"]
                .as_str()
                .unwrap()
                .contains(hint),
            "{q}: {v}"
        );
    }
    // api.always_ok: the same error with HTTP 200.
    let (status, v) = sb
        .liql_raw(
            Some("mod_anna"),
            "SELECT id FROM nowhere",
            &[("api.always_ok", "true")],
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(v["status"], "error");
    assert_eq!(v["http_code"], 400);
    // No q at all.
    let resp = client()
        .get(format!("{}/api/2.0/search", sb.url))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 400);
}

#[tokio::test]
async fn guests_read_threads_but_not_members_and_write_nothing() {
    let sb = start().await;
    let (status, v) = sb
        .liql_raw(None, "SELECT id FROM messages LIMIT 5", &[])
        .await;
    assert_eq!(status, 200);
    assert_eq!(v["data"]["size"], 5);
    let (_, v) = sb.liql_raw(None, "SELECT id FROM users", &[]).await;
    assert_eq!(v["data"]["size"], 0, "anonymous callers get no users");
    let resp = client()
        .post(format!("{}/api/2.0/messages", sb.url))
        .json(&json!({"data": {"type": "message", "body": "<p>hi</p>", "parent": {"id": "100"}}}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 401);
}

#[tokio::test]
async fn writes_answer_in_envelopes() {
    let sb = start().await;
    let key = sb.session_key("mod_anna").await;
    let post = |body: Value| {
        client()
            .post(format!("{}/api/2.0/messages", sb.url))
            .header("li-api-session-key", key.clone())
            .json(&body)
            .send()
    };
    let v: Value = post(json!({"data": {"type": "message", "subject": "Re: x", "body": "<p>On it.</p>", "parent": {"id": 100}}}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["status"], "success", "{v}");
    assert_eq!(v["data"]["type"], "message");
    assert_eq!(v["data"]["parent"]["id"], "100");
    assert_eq!(v["data"]["topic"]["id"], "100");
    assert_eq!(v["data"]["author"]["login"], "mod_anna");
    assert_eq!(v["data"]["moderation_status"], "approved");
    // A new thread on a board.
    let v: Value = post(json!({"data": {"type": "message", "subject": "Planned works", "body": "<p>Tonight.</p>", "board": {"id": "broadband"}}}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["data"]["depth"], 0);
    assert_eq!(v["data"]["topic"]["id"], v["data"]["id"]);
    // Refusals keep the envelope.
    for (body, status) in [
        (
            json!({"data": {"type": "message", "body": "  <p></p> ", "parent": {"id": 100}}}),
            400,
        ),
        (
            json!({"data": {"type": "message", "body": "<p>x</p>", "parent": {"id": 1}}}),
            404,
        ),
        (
            json!({"data": {"type": "message", "body": "<p>x</p>"}}),
            400,
        ),
        (json!({"nodata": true}), 400),
    ] {
        let resp = post(body.clone()).await.unwrap();
        assert_eq!(resp.status().as_u16(), status, "{body}");
        let v: Value = resp.json().await.unwrap();
        assert_eq!(v["status"], "error");
        assert_eq!(v["http_code"], status);
    }
}

#[tokio::test]
async fn care_with_basic_auth() {
    let sb = start().await;
    let care = sb.sandbox.care_url();
    let basic = |user: &str, pass: &str| {
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"))
        )
    };
    let get = |path: String, auth: String| {
        client()
            .get(format!("{care}/api/v2{path}"))
            .header("authorization", auth)
            .send()
    };
    let resp = get(
        "/authors/networks/lithium/instances/x/ids/10".into(),
        basic("care_api", "nope"),
    )
    .await
    .unwrap();
    assert_eq!(resp.status().as_u16(), 401);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["status"], "fail");

    let ok = basic("care_api", KEY);
    let v: Value = get(
        "/authors/networks/lithium/instances/demo.example%2F/ids/10".into(),
        ok.clone(),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(v["status"], "success");
    let handles = &v["data"][0]["handles"];
    for network in ["lithium", "twitter", "facebook", "external"] {
        assert!(handles[network].is_array(), "{network}: {v}");
    }
    assert_eq!(handles["twitter"][0]["screenName"], "mia_jensen");
    assert_eq!(handles["external"][0]["networkinstance"], "smooch");
    let twitter = handles["twitter"][0]["lswUuid"]
        .as_str()
        .unwrap()
        .to_string();
    let ids: Value = get(format!("/authors/{twitter}/conversations"), ok.clone())
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let first = ids["data"][0].as_str().unwrap().to_string();
    let conv: Value = get(format!("/conversations/{first}"), ok.clone())
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let c = &conv["data"][0];
    assert!(c["displayNumber"].is_number() && c["createDate"].is_number());
    assert_eq!(c["primaryMessage"]["network"], "twitter");
    assert!(
        c["primaryMessage"].get("text").is_none(),
        "no tweet text through Care"
    );
    let n = c["displayNumber"].as_i64().unwrap();
    let v: Value = get(format!("/conversations/displayIds/{n},999"), ok.clone())
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["data"].as_array().unwrap().len(), 1);
    assert_eq!(
        v["_meta"]["message"],
        "Some conversations could not be processed."
    );
    // A community author needs its instance; unknown authors are 404s.
    let resp = get("/authors/networks/lithium/ids/10".into(), ok.clone())
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 400);
    let resp = get("/authors/networks/lithium/instances/x/ids/5".into(), ok)
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 404);
}

fn db(path: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open(path).expect("open db")
}

fn user_version(path: &Path) -> i64 {
    db(path)
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap()
}

fn scalar(path: &Path, sql: &str) -> i64 {
    db(path).query_row(sql, [], |r| r.get(0)).unwrap()
}

fn has_column(path: &Path, table: &str, column: &str) -> bool {
    let conn = db(path);
    let names: Vec<String> = conn
        .prepare("SELECT name FROM pragma_table_info(?1)")
        .unwrap()
        .query_map([table], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    names.iter().any(|n| n == column)
}

/// A seeded database in `dir`, closed again, and the options that open it.
async fn seeded(dir: &tempfile::TempDir) -> KhorosSandboxOptions {
    let opts = KhorosSandboxOptions {
        topics: TOPICS,
        seed: SEED,
        ..KhorosSandboxOptions::new(
            "127.0.0.1:0".parse().expect("addr"),
            dir.path().join("khoros.db"),
            KEY.to_string(),
        )
    };
    let sb = KhorosSandbox::start(opts.clone())
        .await
        .expect("first start");
    assert_eq!(sb.notice(), None);
    sb.shutdown().await;
    opts
}

/// The sandbox answers LiQL (as a guest).
async fn answers(sb: &KhorosSandbox) {
    let resp = client()
        .get(format!("{}/api/2.0/search", sb.url()))
        .query(&[("q", "SELECT id FROM messages LIMIT 5")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["data"]["size"], 5, "{v}");
}

#[tokio::test]
async fn a_new_khoros_database_gets_the_current_version() {
    let dir = tempfile::tempdir().unwrap();
    let opts = seeded(&dir).await;
    assert_eq!(user_version(&opts.db_path), SCHEMA_VERSION);
    // Reopening changes nothing and says nothing.
    let sb = KhorosSandbox::start(opts.clone()).await.unwrap();
    assert_eq!(sb.notice(), None);
    answers(&sb).await;
    sb.shutdown().await;
    assert_eq!(user_version(&opts.db_path), SCHEMA_VERSION);
}

#[tokio::test]
async fn a_khoros_database_from_before_versioning_is_migrated() {
    let dir = tempfile::tempdir().unwrap();
    let mut opts = seeded(&dir).await;
    // What such a database looked like: user_version 0, the same tables. A marker shows the
    // data was kept, not seeded again.
    db(&opts.db_path)
        .execute_batch(
            "PRAGMA user_version = 0; \
             INSERT INTO meta(key, value) VALUES('marker', 'kept');",
        )
        .unwrap();
    let messages = scalar(&opts.db_path, "SELECT COUNT(*) FROM messages");
    for reseed in [false, true] {
        opts.reseed_outdated = reseed;
        let sb = KhorosSandbox::start(opts.clone()).await.expect("migrated");
        assert_eq!(sb.notice(), None, "migrated, not reseeded");
        answers(&sb).await;
        sb.shutdown().await;
        assert_eq!(user_version(&opts.db_path), SCHEMA_VERSION);
        assert_eq!(
            scalar(
                &opts.db_path,
                "SELECT COUNT(*) FROM meta WHERE key = 'marker' AND value = 'kept'"
            ),
            1
        );
        assert_eq!(
            scalar(&opts.db_path, "SELECT COUNT(*) FROM messages"),
            messages
        );
        db(&opts.db_path)
            .execute_batch("PRAGMA user_version = 0")
            .unwrap();
    }
}

/// A seeded database whose `messages` lacks a column no migration adds.
async fn outdated(dir: &tempfile::TempDir) -> KhorosSandboxOptions {
    let opts = seeded(dir).await;
    db(&opts.db_path)
        .execute_batch(
            "PRAGMA user_version = 0; \
             ALTER TABLE messages DROP COLUMN views; \
             INSERT INTO meta(key, value) VALUES('marker', 'kept');",
        )
        .unwrap();
    opts
}

#[tokio::test]
async fn an_outdated_khoros_database_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let opts = outdated(&dir).await;
    let messages = scalar(&opts.db_path, "SELECT COUNT(*) FROM messages");
    match KhorosSandbox::start(opts.clone()).await {
        Err(msg) => {
            assert!(msg.contains("older modterm"), "{msg}");
            assert!(msg.contains("messages.views"), "{msg}");
            assert!(msg.contains("left untouched"), "{msg}");
        }
        Ok(_) => panic!("an outdated database was opened"),
    }
    assert_eq!(user_version(&opts.db_path), 0);
    assert!(!has_column(&opts.db_path, "messages", "views"));
    assert_eq!(
        scalar(&opts.db_path, "SELECT COUNT(*) FROM messages"),
        messages
    );
    assert_eq!(
        scalar(
            &opts.db_path,
            "SELECT COUNT(*) FROM meta WHERE key = 'marker'"
        ),
        1
    );
}

#[tokio::test]
async fn an_outdated_khoros_demo_database_is_reseeded_with_a_notice() {
    let dir = tempfile::tempdir().unwrap();
    let mut opts = outdated(&dir).await;
    opts.reseed_outdated = true;
    let sb = KhorosSandbox::start(opts.clone()).await.expect("reseeded");
    assert_eq!(
        sb.notice(),
        Some("the demo database was from an older modterm; it was reseeded")
    );
    answers(&sb).await;
    sb.shutdown().await;
    assert_eq!(user_version(&opts.db_path), SCHEMA_VERSION);
    assert!(has_column(&opts.db_path, "messages", "views"));
    assert_eq!(
        scalar(
            &opts.db_path,
            "SELECT COUNT(*) FROM meta WHERE key = 'marker'"
        ),
        0,
        "seeded afresh"
    );
    assert!(scalar(&opts.db_path, "SELECT COUNT(*) FROM care_authors") > 0);
    // And the next start is quiet.
    let sb = KhorosSandbox::start(opts).await.unwrap();
    assert_eq!(sb.notice(), None);
    sb.shutdown().await;
}

#[tokio::test]
async fn a_khoros_database_from_a_newer_modterm_is_always_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut opts = seeded(&dir).await;
    let newer = SCHEMA_VERSION + 1;
    db(&opts.db_path)
        .execute_batch(&format!("PRAGMA user_version = {newer}"))
        .unwrap();
    let messages = scalar(&opts.db_path, "SELECT COUNT(*) FROM messages");
    for reseed in [false, true] {
        opts.reseed_outdated = reseed;
        match KhorosSandbox::start(opts.clone()).await {
            Err(msg) => {
                assert!(msg.contains("newer modterm"), "{msg}");
                assert!(msg.contains(&format!("schema version {newer}")), "{msg}");
            }
            Ok(_) => panic!("a newer database was opened"),
        }
        assert_eq!(user_version(&opts.db_path), newer, "left untouched");
        assert_eq!(
            scalar(&opts.db_path, "SELECT COUNT(*) FROM messages"),
            messages
        );
    }
}
