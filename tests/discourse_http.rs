//! The Discourse adapter over real sockets, against a tiny scripted server on 127.0.0.1:0:
//! retries and backoff, 429 waits, error mapping, dropped connections, the reply-after-timeout
//! check, auth headers, paging of posts and the board's permission rules.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use modterm::backend::discourse::{Credentials, Discourse, DiscourseOptions};
use modterm::backend::{Backend, BackendError};
use modterm::domain::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const KEY: &str = "test-key-0123456789abcdef";

mod scripted;

use scripted::{json, ok, serve, Reply};

fn options(base: &str) -> DiscourseOptions {
    let mut o = DiscourseOptions::new(
        base,
        Credentials::ApiKey {
            key: KEY.into(),
            username: "mod".into(),
        },
    );
    o.timeout = Duration::from_secs(5);
    o
}

fn client(base: &str) -> Discourse {
    Discourse::new(options(base)).expect("client")
}

const LIST: &str = r#"{"users":[{"id":1,"username":"ann"},{"id":2,"username":"bob"}],
 "topic_list":{"per_page":2,"more_topics_url":"/latest?page=1","topics":[
  {"id":10,"title":"No answer yet","slug":"no-answer","posts_count":1,"created_at":"2024-05-01T10:00:00Z",
   "posters":[{"description":"Original Poster, Most Recent Poster","user_id":1}],"last_poster_username":"ann"},
  {"id":11,"title":"Answered","slug":"answered","posts_count":3,"created_at":"2024-05-01T11:00:00Z",
   "posters":[{"description":"Original Poster","user_id":1},{"description":"Most Recent Poster","user_id":2}],"last_poster_username":"bob"}]}}"#;

#[tokio::test]
async fn sends_auth_headers_and_filters_unanswered() {
    let (base, srv) = serve(|req, _| {
        let h = |k: &str| req.headers.get(k).and_then(|v| v.to_str().ok()).unwrap_or("");
        if h("api-key") != KEY || h("api-username") != "mod" || h("accept") != "application/json"
        {
            return json(403, r#"{"errors":["You are not permitted to view the requested resource. The API username or key is invalid."],"error_type":"invalid_access"}"#);
        }
        ok(LIST)
    })
    .await;
    let d = client(&base);
    let page = d.topics(&QueueQuery::default()).await.expect("topics");
    // The server ignored max_posts: the adapter drops the answered topic itself.
    let ids: Vec<&str> = page.topics.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(ids, ["10"]);
    assert_eq!(page.next, Some(PageToken::from(1)));
    assert_eq!(page.per_page, 2);
    let req = &srv.requests("/latest.json")[0];
    for part in [
        "max_posts=1",
        "status=open",
        "order=created",
        "ascending=true",
    ] {
        assert!(req.query.contains(part), "{} lacks {part}", req.query);
    }

    // The wrong key is "not signed in", and the key never appears in the error.
    let mut o = options(&base);
    o.credentials = Credentials::ApiKey {
        key: "wrong-key-zzz".into(),
        username: "mod".into(),
    };
    let err = Discourse::new(o)
        .expect("client")
        .topics(&QueueQuery::default())
        .await
        .expect_err("bad key");
    assert!(matches!(err, BackendError::NotSignedIn(_)), "{err:?}");
    assert!(!format!("{err} {err:?}").contains("wrong-key"));
}

#[tokio::test]
async fn user_api_key_headers() {
    let (base, srv) = serve(|_, _| ok(LIST)).await;
    let mut o = options(&base);
    o.credentials = Credentials::UserApiKey {
        key: "user-key-1".into(),
        client_id: Some("modterm-client".into()),
    };
    let d = Discourse::new(o).expect("client");
    d.topics(&QueueQuery::default()).await.expect("topics");
    let req = &srv.requests("/latest.json")[0];
    assert_eq!(
        req.headers
            .get("user-api-key")
            .and_then(|v| v.to_str().ok()),
        Some("user-key-1")
    );
    assert_eq!(
        req.headers
            .get("user-api-client-id")
            .and_then(|v| v.to_str().ok()),
        Some("modterm-client")
    );
    assert!(req.headers.get("api-key").is_none());
}

#[tokio::test]
async fn retries_503_then_succeeds() {
    let (base, srv) = serve(|_, n| {
        if n == 0 {
            json(503, r#"{"errors":["busy"]}"#)
        } else {
            ok(LIST)
        }
    })
    .await;
    let page = client(&base)
        .topics(&QueueQuery::default())
        .await
        .expect("after retry");
    assert_eq!(page.topics.len(), 1);
    assert_eq!(srv.hits("/latest.json"), 2);
}

#[tokio::test]
async fn gives_up_after_max_retries() {
    let (base, srv) = serve(|_, _| json(502, "")).await;
    let mut o = options(&base);
    o.max_read_retries = 2;
    let err = Discourse::new(o)
        .expect("client")
        .topics(&QueueQuery::default())
        .await
        .expect_err("always 502");
    assert!(
        matches!(err, BackendError::Server { status: 502, .. }),
        "{err:?}"
    );
    assert_eq!(srv.hits("/latest.json"), 3);
}

#[tokio::test]
async fn server_500_is_not_retried() {
    let (base, srv) = serve(|_, _| json(500, r#"{"errors":["boom"]}"#)).await;
    let err = client(&base)
        .topics(&QueueQuery::default())
        .await
        .expect_err("500");
    assert_eq!(
        err,
        BackendError::Server {
            status: 500,
            message: "boom".into()
        }
    );
    assert_eq!(srv.hits("/latest.json"), 1);
}

#[tokio::test]
async fn waits_out_429_with_retry_after() {
    let (base, srv) = serve(|_, n| {
        if n == 0 {
            let mut r = json(
                429,
                r#"{"errors":["Slow down"],"error_type":"rate_limit","extras":{"wait_seconds":1}}"#,
            );
            r.headers.push(("retry-after", "1".into()));
            r
        } else {
            ok(LIST)
        }
    })
    .await;
    let start = Instant::now();
    client(&base)
        .topics(&QueueQuery::default())
        .await
        .expect("after waiting");
    assert!(
        start.elapsed() >= Duration::from_millis(950),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(srv.hits("/latest.json"), 2);
}

#[tokio::test]
async fn waits_out_plain_text_429() {
    let (base, srv) = serve(|_, n| {
        if n == 0 {
            Reply {
                status: 429,
                headers: vec![("content-type", "text/plain".into())],
                body: "Slow down, too many requests from this IP address.\nPlease retry again in 1 seconds.\nError code: ip_10_secs_limit.\n".into(),
                delay: Duration::ZERO,
            }
        } else {
            ok(LIST)
        }
    })
    .await;
    let start = Instant::now();
    client(&base)
        .topics(&QueueQuery::default())
        .await
        .expect("after waiting");
    assert!(start.elapsed() >= Duration::from_millis(950));
    assert_eq!(srv.hits("/latest.json"), 2);
}

#[tokio::test]
async fn rate_limit_reported_when_out_of_retries_or_too_long() {
    let (base, _srv) = serve(|_, _| {
        let mut r = json(429, r#"{"errors":["wait"],"extras":{"wait_seconds":600}}"#);
        r.headers.push(("retry-after", "600".into()));
        r
    })
    .await;
    // 600 s is beyond the cap: reported at once, not slept through.
    let start = Instant::now();
    let err = client(&base)
        .topics(&QueueQuery::default())
        .await
        .expect_err("429");
    assert!(start.elapsed() < Duration::from_secs(5));
    assert!(
        matches!(err, BackendError::RateLimited { wait, .. } if wait == Duration::from_secs(600)),
        "{err:?}"
    );
}

/// An answer over the 32 MB cap is refused from its Content-Length, before its body is read,
/// and not asked for again.
#[tokio::test]
async fn an_answer_over_the_size_cap_is_refused_unread() {
    let filler = "a".repeat(33 * 1024 * 1024);
    let big = format!(r#"{{"topic_list":{{"topics":[],"filler":"{filler}"}}}}"#);
    let (base, srv) = serve(move |_, _| ok(&big)).await;
    let err = client(&base)
        .topics(&QueueQuery::default())
        .await
        .expect_err("too large");
    assert!(
        matches!(&err, BackendError::Malformed(m) if m.contains("larger than 32 MB")),
        "{err:?}"
    );
    assert_eq!(srv.hits("/latest.json"), 1, "not retried");
}

#[tokio::test]
async fn malformed_body_is_malformed_and_not_retried() {
    let (base, srv) = serve(|_, _| ok(r#"{"topic_list": {"topics": [ {"id": 1,"#)).await;
    let err = client(&base)
        .topics(&QueueQuery::default())
        .await
        .expect_err("malformed");
    assert!(matches!(err, BackendError::Malformed(_)), "{err:?}");
    assert_eq!(srv.hits("/latest.json"), 1);
}

#[tokio::test]
async fn dropped_connection_is_retried() {
    // A raw server: the first connection is closed without a reply, the second is answered.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let served = Arc::new(Mutex::new(0usize));
    let counter = served.clone();
    tokio::spawn(async move {
        let mut n = 0;
        while let Ok((mut sock, _)) = listener.accept().await {
            let mut buf = vec![0u8; 8192];
            let _ = sock.read(&mut buf).await;
            n += 1;
            *counter.lock().expect("count") = n;
            if n == 1 {
                drop(sock);
                continue;
            }
            let resp = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{}",
                LIST.len(),
                LIST
            );
            let _ = sock.write_all(resp.as_bytes()).await;
            let _ = sock.shutdown().await;
        }
    });
    let page = client(&format!("http://{addr}"))
        .topics(&QueueQuery::default())
        .await
        .expect("after a dropped connection");
    assert_eq!(page.topics.len(), 1);
    assert_eq!(*served.lock().expect("count"), 2);
}

#[tokio::test]
async fn unreachable_server_is_network_error() {
    // Bind then drop, so the port is (almost certainly) closed.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let mut o = options(&format!("http://127.0.0.1:{port}"));
    o.max_read_retries = 1;
    let err = Discourse::new(o)
        .expect("client")
        .topics(&QueueQuery::default())
        .await
        .expect_err("closed port");
    assert!(matches!(err, BackendError::Network(_)), "{err:?}");
}

fn post_json(id: u64, number: u32, username: &str, raw: &str) -> String {
    serde_json::json!({
        "id": id, "topic_id": 7, "post_number": number, "username": username,
        "created_at": "2024-05-01T10:00:00Z", "cooked": format!("<p>{raw}</p>"), "raw": raw
    })
    .to_string()
}

fn topic_json(stream: &[u64], first: &[String]) -> String {
    format!(
        r#"{{"id":7,"title":"Printer","slug":"printer","posts_count":{},"created_at":"2024-05-01T09:00:00Z",
        "details":{{"can_create_post":true,"can_move_posts":true,"created_by":{{"id":1,"username":"ann"}}}},
        "post_stream":{{"stream":{:?},"posts":[{}]}}}}"#,
        stream.len(),
        stream,
        first.join(",")
    )
}

#[tokio::test]
async fn reply_that_timed_out_is_found_instead_of_resent() {
    const RAW: &str = "Have you tried turning it off and on again?";
    let (base, srv) = serve(|req, _| match (req.method.as_str(), req.path.as_str()) {
        ("POST", "/posts.json") => Reply {
            delay: Duration::from_secs(3),
            ..ok(&post_json(2, 2, "mod", RAW))
        },
        ("GET", "/t/7.json") => ok(&topic_json(&[1, 2], &[post_json(1, 1, "ann", "help")])),
        ("GET", "/t/7/posts.json") => ok(&format!(
            r#"{{"post_stream":{{"posts":[{},{}]}}}}"#,
            post_json(1, 1, "ann", "help"),
            post_json(2, 2, "mod", RAW)
        )),
        _ => json(404, r#"{"errors":["not found"]}"#),
    })
    .await;
    let mut o = options(&base);
    o.timeout = Duration::from_millis(400);
    let d = Discourse::new(o).expect("client");
    let post = d
        .reply(&NewReply {
            topic_id: TopicId::from(7),
            reply_to_post_number: None,
            raw: RAW.into(),
        })
        .await
        .expect("found the reply that was sent");
    assert_eq!(post.post().map(|p| p.id.as_str()), Some("2"));
    assert_eq!(srv.hits("/posts.json"), 1, "never sent twice");
    let sent: serde_json::Value =
        serde_json::from_str(&srv.requests("/posts.json")[0].body).expect("json body");
    assert_eq!(sent["topic_id"], 7);
    assert_eq!(sent["raw"], RAW);
}

#[tokio::test]
async fn reply_that_timed_out_and_is_absent_reports_the_error() {
    let (base, srv) = serve(|req, _| match (req.method.as_str(), req.path.as_str()) {
        ("POST", "/posts.json") => Reply {
            delay: Duration::from_secs(3),
            ..ok(&post_json(2, 2, "mod", "x"))
        },
        ("GET", "/t/7.json") => ok(&topic_json(&[1], &[post_json(1, 1, "ann", "help")])),
        ("GET", "/t/7/posts.json") => ok(&format!(
            r#"{{"post_stream":{{"posts":[{}]}}}}"#,
            post_json(1, 1, "ann", "help")
        )),
        _ => json(404, "{}"),
    })
    .await;
    let mut o = options(&base);
    o.timeout = Duration::from_millis(400);
    let err = Discourse::new(o)
        .expect("client")
        .reply(&NewReply {
            topic_id: TopicId::from(7),
            reply_to_post_number: Some(1),
            raw: "A reply that never arrived, sadly.".into(),
        })
        .await
        .expect_err("lost");
    assert!(matches!(err, BackendError::Network(_)), "{err:?}");
    assert_eq!(srv.hits("/posts.json"), 1);
}

#[tokio::test]
async fn reply_validation_error_keeps_server_messages() {
    let (base, _srv) = serve(|_, _| {
        json(
            422,
            r#"{"action":"create_post","errors":["Body is too short (minimum is 20 characters)"]}"#,
        )
    })
    .await;
    let err = client(&base)
        .reply(&NewReply {
            topic_id: TopicId::from(7),
            reply_to_post_number: None,
            raw: "short".into(),
        })
        .await
        .expect_err("422");
    assert_eq!(
        err,
        BackendError::Invalid(vec!["Body is too short (minimum is 20 characters)".into()])
    );
}

#[tokio::test]
async fn topic_fetches_the_rest_of_the_stream_in_batches() {
    let stream: Vec<u64> = (100..145).collect();
    let first: Vec<String> = stream[..20]
        .iter()
        .enumerate()
        .map(|(i, id)| post_json(*id, i as u32 + 1, "ann", "p"))
        .collect();
    let topic_body = topic_json(&stream, &first);
    let (base, srv) = serve(move |req, _| match req.path.as_str() {
        "/t/7.json" => ok(&topic_body),
        "/t/7/posts.json" => {
            let posts: Vec<String> = req
                .query
                .split('&')
                .filter_map(|kv| kv.split_once('='))
                .filter(|(k, _)| *k == "post_ids%5B%5D" || *k == "post_ids[]")
                .filter_map(|(_, v)| v.parse::<u64>().ok())
                .rev() // out of order on purpose: the adapter restores stream order
                .map(|id| post_json(id, (id - 99) as u32, "bob", "q"))
                .collect();
            ok(&format!(
                r#"{{"post_stream":{{"posts":[{}]}}}}"#,
                posts.join(",")
            ))
        }
        _ => json(404, "{}"),
    })
    .await;
    let topic = client(&base).topic(&TopicId::from(7)).await.expect("topic");
    let ids: Vec<u64> = topic
        .posts
        .iter()
        .map(|p| p.id.as_str().parse().unwrap())
        .collect();
    assert_eq!(ids, stream);
    assert!(topic.rights.can_move_posts);
    assert_eq!(topic.summary.author.as_deref(), Some("ann"));
    let batches = srv.requests("/t/7/posts.json");
    assert_eq!(batches.len(), 2);
    for b in &batches {
        assert!(b.query.matches("post_ids").count() <= 20);
    }
}

fn session(admin: bool, moderator: bool, username: &str) -> String {
    format!(
        r#"{{"current_user":{{"id":5,"username":"{username}","admin":{admin},"moderator":{moderator},"trust_level":4}}}}"#
    )
}

#[tokio::test]
async fn whoami_and_board_permissions() {
    let (base, srv) = serve(|req, _| match req.path.as_str() {
        "/session/current.json" => ok(&session(false, true, "mod")),
        "/chat/api/channels.json" => json(404, r#"{"errors":["not found"]}"#),
        "/u/bob.json" => ok(r#"{"user":{"id":42,"username":"bob","trust_level":2}}"#),
        "/admin/users/42.json" => ok(
            r#"{"id":42,"flags_given_count":1,"flags_received_count":3,"warnings_received_count":1,
            "penalty_counts":{"suspended":2,"silenced":1},"suspended_till":"2999-01-01T00:00:00Z",
            "full_suspend_reason":"spam","external_ids":{"github":"12345","google_oauth2":"abc"}}"#,
        ),
        "/review.json" => ok(
            r#"{"reviewables":[{"id":9,"type":"ReviewableFlaggedPost","topic_id":3,"target_type":"Post","target_id":77,"score":4.5,"created_at":"2024-01-01T00:00:00Z"}]}"#,
        ),
        _ => json(404, "{}"),
    })
    .await;
    let d = client(&base);
    let me = d.whoami().await.expect("whoami");
    assert_eq!(me.role, Role::Moderator);
    assert!(!me.capabilities.read_private_messages);

    // A moderator may not read another member's messages: refused without asking the server.
    let err = d
        .board_part("bob", BoardPart::PrivateMessages)
        .await
        .expect_err("forbidden");
    assert_eq!(
        err,
        BackendError::Forbidden("private messages are visible to admins only".into())
    );
    assert_eq!(srv.hits("/topics/private-messages/bob.json"), 0);

    // Chat not installed: an empty part, not an error.
    let chat = d.board_part("bob", BoardPart::Chat).await.expect("chat");
    assert_eq!(chat, BoardData::Activity(vec![]));

    let BoardData::Moderation(m) = d
        .board_part("bob", BoardPart::Moderation)
        .await
        .expect("moderation")
    else {
        panic!("wrong part")
    };
    assert_eq!(
        (m.flags_given, m.flags_received, m.warnings_received),
        (1, 3, 1)
    );
    assert_eq!((m.suspensions, m.silences), (2, 1));
    assert_eq!(m.current.len(), 1);
    assert_eq!(m.current[0].kind, PenaltyKind::Suspension);
    assert_eq!(m.current[0].reason.as_deref(), Some("spam"));
    assert_eq!(m.linked_accounts.len(), 2);
    let BoardData::Reviews(pending) = d
        .board_part("bob", BoardPart::PendingReviews)
        .await
        .expect("pending reviews")
    else {
        panic!("wrong part")
    };
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].post_id, Some(PostId::from(77)));

    // The username → id lookup is cached.
    d.board_part("bob", BoardPart::Moderation)
        .await
        .expect("again");
    assert_eq!(srv.hits("/u/bob.json"), 1);
    assert_eq!(srv.hits("/session/current.json"), 1);
}

#[tokio::test]
async fn member_only_account_gets_no_moderation_record() {
    let (base, srv) = serve(|req, _| match req.path.as_str() {
        "/session/current.json" => ok(&session(false, false, "mod")),
        "/topics/private-messages/mod.json" => json(
            403,
            r#"{"errors":["You are not permitted to view the requested resource."],"error_type":"invalid_access"}"#,
        ),
        _ => json(404, "{}"),
    })
    .await;
    let d = client(&base);
    let err = d
        .board_part("bob", BoardPart::Moderation)
        .await
        .expect_err("not staff");
    assert!(matches!(err, BackendError::Forbidden(_)));
    assert_eq!(srv.hits("/admin/users/42.json"), 0);
    // Own messages are asked for; the server's 403 still comes back as Forbidden.
    let err = d
        .board_part("mod", BoardPart::PrivateMessages)
        .await
        .expect_err("server 403");
    assert!(matches!(err, BackendError::Forbidden(_)));
    assert_eq!(srv.hits("/topics/private-messages/mod.json"), 1);
}

#[tokio::test]
async fn whoami_falls_back_to_the_profile() {
    let (base, _srv) = serve(|req, _| match req.path.as_str() {
        "/session/current.json" => json(404, r#"{"errors":["nope"]}"#),
        "/u/mod.json" => ok(r#"{"user":{"id":5,"username":"mod","admin":true,"trust_level":1}}"#),
        _ => json(404, "{}"),
    })
    .await;
    let me = client(&base).whoami().await.expect("fallback");
    assert_eq!(me.role, Role::Admin);
    assert!(me.capabilities.read_private_messages);
}

#[tokio::test]
async fn writes_map_their_replies() {
    let (base, srv) = serve(|req, _| match (req.method.as_str(), req.path.as_str()) {
        ("POST", "/t/7/move-posts.json") if req.body.contains("destination_topic_id") => {
            ok(r#"{"success":false}"#)
        }
        ("POST", "/t/7/move-posts.json") => ok(r#"{"success":true,"url":"/t/split-off/99"}"#),
        ("PUT", "/t/-/7.json") => ok(r#"{"basic_topic":{"id":7,"title":"x","posts_count":1}}"#),
        ("POST", "/solution/accept.json") => {
            ok(r#"{"post_number":3,"username":"bob","name":"Bob","excerpt":"fix"}"#)
        }
        ("POST", "/solution/unaccept.json") => json(
            403,
            r#"{"errors":["You are not permitted to view the requested resource."],"error_type":"invalid_access"}"#,
        ),
        ("POST", "/user_badges.json") => ok(
            r#"{"user_badge":{"id":1,"granted_at":"2024-05-02T00:00:00Z","badge_id":8,"granted_by_id":5},
            "badges":[{"id":8,"name":"Helper","badge_type_id":2,"manually_grantable":true}],
            "users":[{"id":5,"username":"mod"}]}"#,
        ),
        _ => json(404, "{}"),
    })
    .await;
    let d = client(&base);
    let moved = d
        .move_posts(
            &TopicId::from(7),
            &[PostId::from(12), PostId::from(13)],
            &MoveDestination::NewTopic {
                title: "Split off".into(),
                category_id: Some(CategoryId::from(4)),
            },
        )
        .await
        .expect("moved");
    assert_eq!(moved.topic_id, Some(TopicId::from(99)));
    assert_eq!(moved.url, format!("{base}/t/split-off/99"));
    let sent: serde_json::Value =
        serde_json::from_str(&srv.requests("/t/7/move-posts.json")[0].body).expect("body");
    assert_eq!(sent["post_ids"], serde_json::json!([12, 13]));
    assert_eq!(sent["category_id"], 4);

    let err = d
        .move_posts(
            &TopicId::from(7),
            &[PostId::from(12)],
            &MoveDestination::ExistingTopic(TopicId::from(8)),
        )
        .await
        .expect_err("success:false");
    assert!(matches!(err, BackendError::Invalid(_)));

    d.move_topic(&TopicId::from(7), &CategoryId::from(4))
        .await
        .expect("re-categorized");
    d.accept_solution(&PostId::from(33))
        .await
        .expect("accepted");
    let sent: serde_json::Value =
        serde_json::from_str(&srv.requests("/solution/accept.json")[0].body).expect("body");
    assert_eq!(sent["id"], 33);
    assert!(matches!(
        d.unaccept_solution(&PostId::from(33)).await,
        Err(BackendError::Forbidden(_))
    ));
    // Writes are never retried blindly.
    assert_eq!(srv.hits("/solution/unaccept.json"), 1);

    let g = d
        .award_badge(&BadgeAward {
            username: "bob".into(),
            badge_id: BadgeId::from(8),
            reason: Some(format!("{base}/t/printer/7/2")),
        })
        .await
        .expect("granted");
    assert_eq!(g.badge.name, "Helper");
    assert_eq!(g.badge.badge_type, BadgeType::Silver);
    assert_eq!(g.granted_by.as_deref(), Some("mod"));
}

#[tokio::test]
async fn concurrent_reads_of_one_member_share_one_request_and_its_failure() {
    let (base, srv) = serve(|req, _| {
        if req.path == "/u/bob.json" {
            Reply {
                delay: Duration::from_millis(150),
                ..json(500, r#"{"errors":["boom"]}"#)
            }
        } else {
            json(404, "")
        }
    })
    .await;
    let d = client(&base);
    let (a, b, c) = tokio::join!(
        d.board_part("bob", BoardPart::Identity),
        d.board_part("bob", BoardPart::Identity),
        d.board_part("bob", BoardPart::Identity)
    );
    for r in [a, b, c] {
        assert!(
            matches!(r, Err(BackendError::Server { status: 500, .. })),
            "{r:?}"
        );
    }
    assert_eq!(srv.hits("/u/bob.json"), 1, "one read, its failure shared");
    // Done: the next caller asks the site again.
    let _ = d.board_part("bob", BoardPart::Identity).await;
    assert_eq!(srv.hits("/u/bob.json"), 2);
}
