//! The Discourse adapter's live feed and reply presence over real sockets, against a tiny
//! scripted server on 127.0.0.1:0: message-bus positions (`/__status` and messages), the mapping
//! of `/new`, `/latest`, `/topic/{id}` and presence messages, skipped malformed messages, error
//! mapping of the poll, and the form fields of `/presence/update`.

use std::time::Duration;

use modterm::backend::discourse::{Credentials, Discourse, DiscourseOptions};
use modterm::backend::{Backend, BackendError, LiveFeed};
use modterm::domain::*;

const KEY: &str = "live-key-0123456789abcdef";
const CLIENT: &str = "modterm-test-client";
const POLL: &str = "/message-bus/modterm-test-client/poll";
const REPLY_42: &str = "/discourse-presence/reply/42";

mod scripted;

use scripted::{json, ok, serve, Reply, Req};

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

fn feed(d: &Discourse) -> Box<dyn LiveFeed> {
    d.live_feed(CLIENT).expect("Discourse has a live feed")
}

/// What the feed sends for `channel` on its next poll: the position it holds (`-1`: none).
async fn position(
    feed: &mut Box<dyn LiveFeed>,
    srv: &scripted::Srv,
    watch: &[TopicId],
    channel: &str,
) -> Option<i64> {
    let _ = feed.poll(watch).await;
    srv.requests(POLL)
        .last()
        .and_then(|r| r.field(channel))
        .and_then(|v| v.parse().ok())
}

fn t(n: u64) -> TopicId {
    TopicId::from(n)
}

#[tokio::test]
async fn positions_follow_status_then_messages() {
    let (base, srv) = serve(|req, n| {
        if req.path != POLL {
            return json(404, r#"{"errors":["not found"]}"#);
        }
        match n {
            0 => ok(
                r#"[{"global_id":-1,"message_id":-1,"channel":"/__status","data":{"/latest":16,"/new":4}}]"#,
            ),
            _ => ok(
                r#"[{"global_id":812,"message_id":17,"channel":"/latest","data":{"topic_id":9,"message_type":"latest","payload":{}}},
                    {"global_id":813,"message_id":18,"channel":"/latest","data":{"topic_id":10,"message_type":"latest"}}]"#,
            ),
        }
    })
    .await;
    let d = client(&base);
    let mut cur = feed(&d);

    let events = cur.poll(&[]).await.expect("first poll");
    assert!(events.is_empty(), "{events:?}");

    let events = cur.poll(&[]).await.expect("second poll");
    assert_eq!(events.len(), 2);
    assert_eq!(position(&mut cur, &srv, &[], "/latest").await, Some(18));
    assert_eq!(srv.requests(POLL)[2].field("/new").as_deref(), Some("4"));

    let reqs = srv.requests(POLL);
    assert_eq!(reqs.len(), 3);
    let first = &reqs[0];
    assert_eq!(first.method, "POST");
    assert_eq!(first.header("api-key"), KEY);
    assert_eq!(first.header("api-username"), "mod");
    assert_eq!(first.header("dont-chunk"), "true");
    assert!(first
        .header("content-type")
        .starts_with("application/x-www-form-urlencoded"));
    assert_eq!(first.field("/latest").as_deref(), Some("-1"));
    assert_eq!(first.field("/new").as_deref(), Some("-1"));
    let second = &reqs[1];
    assert_eq!(second.field("/latest").as_deref(), Some("16"));
    assert_eq!(second.field("/new").as_deref(), Some("4"));
    let seq = |r: &Req| r.field("__seq").and_then(|s| s.parse::<u64>().ok());
    assert!(seq(second) > seq(first), "__seq must count up");
}

#[tokio::test]
async fn new_topic_on_new_maps_to_topic_list_changed() {
    let (base, srv) = serve(|_, _| {
        ok(r#"[{"global_id":900,"message_id":5,"channel":"/new","data":{"topic_id":77,"message_type":"new_topic","payload":{"highest_post_number":1,"created_in_new_period":true}}}]"#)
    })
    .await;
    let d = client(&base);
    let mut cur = feed(&d);
    let events = cur.poll(&[]).await.expect("poll");
    assert_eq!(
        events,
        vec![LiveEvent::TopicListChanged {
            topic_id: Some(t(77)),
            reason: "new_topic".into()
        }]
    );
    assert_eq!(position(&mut cur, &srv, &[], "/new").await, Some(5));
}

#[tokio::test]
async fn topic_created_maps_to_topic_changed_with_post_number() {
    let (base, srv) = serve(|_, _| {
        ok(r#"[{"global_id":901,"message_id":3,"channel":"/topic/42","data":{"id":987,"post_number":4,"updated_at":"2024-05-01T10:00:00Z","user_id":12,"type":"created","version":1}},
               {"global_id":902,"message_id":4,"channel":"/topic/42","data":{"id":42,"type":"stats","posts_count":4}}]"#)
    })
    .await;
    let d = client(&base);
    let mut cur = feed(&d);
    let events = cur.poll(&[t(42)]).await.expect("poll");
    assert_eq!(
        events,
        vec![
            LiveEvent::TopicChanged {
                topic_id: t(42),
                post_number: Some(4),
                reason: "created".into()
            },
            LiveEvent::TopicChanged {
                topic_id: t(42),
                post_number: None,
                reason: "stats".into()
            },
        ]
    );
    assert_eq!(
        position(&mut cur, &srv, &[t(42)], "/topic/42").await,
        Some(4)
    );
    let req = &srv.requests(POLL)[0];
    assert_eq!(req.field("/topic/42").as_deref(), Some("-1"));
    assert_eq!(
        req.field("/presence/discourse-presence/reply/42")
            .as_deref(),
        Some("-1")
    );
}

#[tokio::test]
async fn presence_message_asks_presence_get_and_reports_replying() {
    let (base, srv) = serve(|req, _| match req.path.as_str() {
        POLL => ok(
            r#"[{"global_id":950,"message_id":8,"channel":"/presence/discourse-presence/reply/42","data":{"entering_users":[{"id":2,"username":"bob"}]}},
                {"global_id":951,"message_id":9,"channel":"/presence/discourse-presence/reply/42","data":{"leaving_user_ids":[3]}}]"#,
        ),
        "/presence/get" => ok(
            r#"{"/discourse-presence/reply/42":{"count":2,"last_message_id":9,"users":[{"id":1,"username":"ann"},{"id":2,"username":"bob"}]}}"#,
        ),
        _ => json(404, r#"{"errors":["not found"]}"#),
    })
    .await;
    let d = client(&base);
    let mut cur = feed(&d);
    let events = cur.poll(&[t(42)]).await.expect("poll");
    assert_eq!(
        events,
        vec![LiveEvent::Replying {
            topic_id: t(42),
            usernames: vec!["ann".into(), "bob".into()]
        }]
    );
    // Two presence messages for one topic: one lookup.
    let gets = srv.requests("/presence/get");
    assert_eq!(gets.len(), 1);
    assert_eq!(gets[0].method, "GET");
    assert_eq!(
        Req::pairs_of(&gets[0].query),
        [("channels[]".to_owned(), REPLY_42.to_owned())]
    );
    assert_eq!(
        position(
            &mut cur,
            &srv,
            &[t(42)],
            "/presence/discourse-presence/reply/42"
        )
        .await,
        Some(9)
    );
}

#[tokio::test]
async fn replying_reads_users_null_and_not_found() {
    let (base, _srv) = serve(|req, _| {
        if req.query.contains("reply%2F42") {
            ok(r#"{"/discourse-presence/reply/42":{"count":1,"last_message_id":null,"users":[{"id":1,"username":"ann"}]}}"#)
        } else if req.query.contains("reply%2F7") {
            ok(r#"{"/discourse-presence/reply/7":null}"#)
        } else {
            json(404, r#"{"errors":["The requested URL or resource could not be found."],"error_type":"not_found"}"#)
        }
    })
    .await;
    let d = client(&base);
    assert_eq!(d.replying(&t(42)).await.expect("42"), ["ann"]);
    assert!(d.replying(&t(7)).await.expect("7").is_empty());
    let err = d.replying(&t(5)).await.expect_err("404");
    assert!(matches!(err, BackendError::NotFound(_)), "{err:?}");
}

#[tokio::test]
async fn malformed_message_is_skipped_not_fatal() {
    let (base, srv) = serve(|_, _| {
        ok(r#"["garbage",
               {"global_id":1,"channel":"/latest","data":{"topic_id":1,"message_type":"latest"}},
               {"global_id":2,"message_id":6,"channel":"/topic/42","data":"not an object"},
               {"global_id":3,"message_id":7,"channel":"/topic/42","data":{"id":5,"post_number":2,"type":"revised"}},
               null]"#)
    })
    .await;
    let d = client(&base);
    let mut cur = feed(&d);
    let events = cur.poll(&[t(42)]).await.expect("poll");
    assert_eq!(
        events,
        vec![LiveEvent::TopicChanged {
            topic_id: t(42),
            post_number: Some(2),
            reason: "revised".into()
        }]
    );
    assert_eq!(
        position(&mut cur, &srv, &[t(42)], "/topic/42").await,
        Some(7)
    );
    // The message without an id did not move the position: still "from now".
    assert_eq!(
        srv.requests(POLL)
            .last()
            .and_then(|r| r.field("/latest"))
            .as_deref(),
        Some("-1")
    );
}

#[tokio::test]
async fn malformed_body_and_empty_array() {
    let (base, srv) = serve(|_, n| match n {
        0 => ok(r#"{"not":"an array"}"#),
        1 => ok("<html>oops</html>"),
        _ => ok("[]"),
    })
    .await;
    let d = client(&base);
    let mut cur = feed(&d);
    for _ in 0..2 {
        let err = cur.poll(&[]).await.expect_err("malformed");
        assert!(matches!(err, BackendError::Malformed(_)), "{err:?}");
    }
    assert_eq!(cur.poll(&[]).await.expect("empty"), vec![]);
    // Nothing read: every channel is still asked for "from now".
    assert_eq!(
        srv.requests(POLL)[2].field("/latest").as_deref(),
        Some("-1")
    );
}

#[tokio::test]
async fn bus_errors_map_to_not_found_forbidden_and_rate_limited() {
    let (base, _srv) = serve(|_, n| match n {
        0 => json(404, r#"{"errors":["The requested URL or resource could not be found."],"error_type":"not_found"}"#),
        1 => Reply {
            status: 403,
            headers: vec![("content-type", "text/plain".into())],
            body: "Invalid Access".into(),
            delay: Duration::ZERO,
        },
        2 => {
            let mut r = json(429, r#"{"errors":["slow down"],"error_type":"rate_limit"}"#);
            r.headers.push(("retry-after", "3".into()));
            r
        }
        _ => {
            let mut r = json(429, r#"{"errors":["slow down"],"error_type":"rate_limit"}"#);
            r.headers.push(("retry-after", "40".into()));
            r
        }
    })
    .await;
    let d = client(&base);
    let mut cur = feed(&d);
    let err = cur.poll(&[]).await.expect_err("404");
    assert!(matches!(err, BackendError::NotFound(_)), "{err:?}");
    let err = cur.poll(&[]).await.expect_err("403");
    assert!(matches!(err, BackendError::Forbidden(_)), "{err:?}");
    // Retry-After below the JS client's 15 s floor is raised to it; above, kept.
    match cur.poll(&[]).await.expect_err("429") {
        BackendError::RateLimited { wait, .. } => assert_eq!(wait, Duration::from_secs(15)),
        other => panic!("{other:?}"),
    }
    match cur.poll(&[]).await.expect_err("429") {
        BackendError::RateLimited { wait, .. } => assert_eq!(wait, Duration::from_secs(40)),
        other => panic!("{other:?}"),
    }
    assert!(!format!("{err} {err:?}").contains(KEY));
}

#[tokio::test]
async fn long_poll_outlasts_the_default_timeout() {
    let (base, _srv) = serve(|_, _| {
        let mut r = ok(r#"[{"global_id":5,"message_id":1,"channel":"/latest","data":{"topic_id":3,"message_type":"latest"}}]"#);
        r.delay = Duration::from_millis(1500);
        r
    })
    .await;
    let mut o = options(&base);
    o.timeout = Duration::from_secs(1);
    let d = Discourse::new(o).expect("client");
    let mut cur = feed(&d);
    let events = cur.poll(&[]).await.expect("held poll");
    assert_eq!(events.len(), 1);
}

#[tokio::test]
async fn set_replying_sends_present_and_leave_fields() {
    let (base, srv) = serve(|req, _| {
        if req.path != "/presence/update" {
            return json(404, r#"{"errors":["not found"]}"#);
        }
        let topic_7 = req.form().iter().any(|(_, v)| v.ends_with("/reply/7"));
        if topic_7 {
            ok(r#"{"/discourse-presence/reply/7":false}"#)
        } else if req.body.contains("present_channels") {
            ok(r#"{"/discourse-presence/reply/42":true}"#)
        } else {
            ok("{}")
        }
    })
    .await;
    let d = client(&base);
    d.set_replying(&t(42), true, CLIENT).await.expect("present");
    d.set_replying(&t(42), false, CLIENT).await.expect("leave");
    let err = d
        .set_replying(&t(7), true, CLIENT)
        .await
        .expect_err("refused");
    assert_eq!(
        err,
        BackendError::Forbidden("not allowed to reply in this topic".into())
    );

    let reqs = srv.requests("/presence/update");
    assert_eq!(reqs.len(), 3);
    assert!(reqs.iter().all(|r| r.method == "POST"));
    assert!(reqs.iter().all(|r| r.header("api-key") == KEY));
    assert_eq!(
        reqs[0].form(),
        [
            ("client_id".to_owned(), CLIENT.to_owned()),
            ("present_channels[]".to_owned(), REPLY_42.to_owned()),
        ]
    );
    assert_eq!(
        reqs[1].form(),
        [
            ("client_id".to_owned(), CLIENT.to_owned()),
            ("leave_channels[]".to_owned(), REPLY_42.to_owned()),
        ]
    );

    // No client id: refused locally, nothing sent.
    let err = d.set_replying(&t(42), true, "  ").await.expect_err("no id");
    assert!(matches!(err, BackendError::Refused(_)), "{err:?}");
    assert_eq!(srv.requests("/presence/update").len(), 3);
}
