//! Live triage over real HTTP: the message bus (positions, long polling, publishing by writes),
//! presence (get/update, visibility, expiry) and the simulated-activity endpoint.

mod common;

use std::time::{Duration, Instant};

use common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

const BODY: &str = "My router drops the connection every evening at about nine o'clock.";

/// One poll with `Dont-Chunk`; `dlp` disables long polling.
async fn poll_as(
    sb: &TestSandbox,
    user: Option<&str>,
    positions: &[(&str, i64)],
    dlp: bool,
) -> Vec<Value> {
    let url = format!(
        "{}/message-bus/test-client/poll{}",
        sb.url,
        if dlp { "?dlp=t" } else { "" }
    );
    let mut pairs: Vec<(String, String)> = positions
        .iter()
        .map(|(c, id)| (c.to_string(), id.to_string()))
        .collect();
    pairs.push(("__seq".into(), "1".into()));
    let pairs_ref: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let mut req = sb
        .client
        .post(url)
        .header("Dont-Chunk", "true")
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(form_encode(&pairs_ref));
    if let Some(u) = user {
        req = req.header("Api-Key", KEY).header("Api-Username", u);
    }
    let resp = req.send().await.expect("poll sent");
    assert_eq!(resp.status(), StatusCode::OK);
    let v: Value = resp.json().await.expect("poll JSON");
    v.as_array().expect("poll answers an array").clone()
}

/// The current id of `channel` from a `-1` poll's `/__status`.
async fn position(sb: &TestSandbox, user: Option<&str>, channel: &str) -> i64 {
    let out = poll_as(sb, user, &[(channel, -1)], true).await;
    assert_eq!(out.len(), 1, "{out:?}");
    assert_eq!(out[0]["channel"], "/__status");
    assert_eq!(out[0]["global_id"], -1);
    assert_eq!(out[0]["message_id"], -1);
    out[0]["data"][channel].as_i64().expect("status id")
}

async fn set_live(sb: &TestSandbox, body: Value) {
    let (s, v) = sb.put_json("/sandbox/live.json", "admin", body).await;
    assert_eq!(s, StatusCode::OK, "{v}");
}

async fn new_topic(sb: &TestSandbox, user: &str, title: &str) -> i64 {
    let (s, v) = sb
        .post_form("/posts.json", user, &[("title", title), ("raw", BODY)])
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v["topic_id"].as_i64().expect("topic id")
}

async fn reply(sb: &TestSandbox, user: &str, topic: i64) -> Value {
    let (s, v) = sb
        .post_form(
            "/posts.json",
            user,
            &[("topic_id", &topic.to_string()), ("raw", BODY)],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v
}

fn reply_channel(topic: i64) -> String {
    format!("/discourse-presence/reply/{topic}")
}

async fn presence_update(
    sb: &TestSandbox,
    user: &str,
    client: &str,
    present: &[&str],
    leave: &[&str],
) -> (StatusCode, Value) {
    let mut pairs = vec![("client_id", client)];
    pairs.extend(present.iter().map(|c| ("present_channels[]", *c)));
    pairs.extend(leave.iter().map(|c| ("leave_channels[]", *c)));
    sb.post_form("/presence/update", user, &pairs).await
}

async fn presence_get(sb: &TestSandbox, user: Option<&str>, channels: &[&str]) -> Value {
    let q = channels
        .iter()
        .map(|c| form_encode(&[("channels[]", c)]))
        .collect::<Vec<_>>()
        .join("&");
    let (s, v) = sb.get(&format!("/presence/get?{q}"), user).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v
}

fn usernames(state: &Value) -> Vec<String> {
    let mut names: Vec<String> = state["users"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|u| u["username"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// Long-polls `channel` from `from` until a message satisfies `want` (at most `rounds` polls).
async fn await_message(
    sb: &TestSandbox,
    user: Option<&str>,
    channel: &str,
    mut from: i64,
    rounds: usize,
    want: impl Fn(&Value) -> bool,
) -> Value {
    for _ in 0..rounds {
        let out = poll_as(sb, user, &[(channel, from)], false).await;
        for m in &out {
            if m["channel"] == channel {
                from = from.max(m["message_id"].as_i64().unwrap_or(from));
                if want(m) {
                    return m.clone();
                }
            } else if let Some(id) = m["data"][channel].as_i64() {
                from = id;
            }
        }
    }
    panic!("no matching message on {channel} after {rounds} polls");
}

#[tokio::test]
async fn poll_answers_with_a_new_topic_within_a_second() {
    let sb = start().await;
    set_live(&sb, json!({"long_poll_ms": 10_000})).await;
    let from = position(&sb, Some("mod_anna"), "/new").await;
    let poller = {
        let client_sb_url = sb.url.clone();
        let client = sb.client.clone();
        tokio::spawn(async move {
            let resp = client
                .post(format!("{client_sb_url}/message-bus/anna-console/poll"))
                .header("Api-Key", KEY)
                .header("Api-Username", "mod_anna")
                .header("Dont-Chunk", "true")
                .json(&json!({"/new": from, "__seq": 2}))
                .send()
                .await
                .expect("poll sent");
            let at = Instant::now();
            (at, resp.json::<Value>().await.expect("poll JSON"))
        })
    };
    let mut poller = poller;
    // Nothing new yet: the poll is held rather than answered.
    assert!(
        tokio::time::timeout(Duration::from_millis(300), &mut poller)
            .await
            .is_err(),
        "the poll should be held while nothing is new"
    );
    let created_at = Instant::now();
    let topic = new_topic(&sb, "member_mia", "Evening dropouts on the fibre line").await;
    let (answered_at, out) = poller.await.expect("poll task");
    let latency = answered_at.saturating_duration_since(created_at);
    assert!(latency < Duration::from_secs(1), "took {latency:?}");
    let out = out.as_array().expect("array").clone();
    assert_eq!(out.len(), 1, "{out:?}");
    let m = &out[0];
    assert_eq!(m["channel"], "/new");
    assert_eq!(m["message_id"], from + 1);
    assert!(m["global_id"].as_i64().unwrap() > 0);
    assert_eq!(m["data"]["message_type"], "new_topic");
    assert_eq!(m["data"]["topic_id"], topic);
    assert_eq!(m["data"]["payload"]["highest_post_number"], 1);
    assert_eq!(m["data"]["payload"]["archetype"], "regular");
    assert_eq!(m["data"]["payload"]["created_in_new_period"], true);
}

#[tokio::test]
async fn minus_one_gives_status_then_only_newer_messages() {
    let sb = start().await;
    let topic = new_topic(&sb, "member_mia", "Invoice shows two charges this month").await;
    let latest = position(&sb, None, "/latest").await;
    assert!(latest >= 1);
    let topic_ch = format!("/topic/{topic}");
    let tpos = position(&sb, None, &topic_ch).await;
    let post = reply(&sb, "mod_anna", topic).await;
    reply(&sb, "leader_luca", topic).await;

    let out = poll_as(&sb, None, &[("/latest", latest), (&topic_ch, tpos)], true).await;
    let on_latest: Vec<&Value> = out.iter().filter(|m| m["channel"] == "/latest").collect();
    assert_eq!(on_latest.len(), 2, "{out:?}");
    assert_eq!(on_latest[0]["message_id"], latest + 1);
    assert_eq!(on_latest[1]["message_id"], latest + 2);
    assert_eq!(on_latest[0]["data"]["message_type"], "latest");
    assert_eq!(on_latest[0]["data"]["topic_id"], topic);
    let on_topic: Vec<&Value> = out.iter().filter(|m| m["channel"] == topic_ch).collect();
    assert_eq!(on_topic.len(), 4, "created + stats twice: {out:?}");
    assert_eq!(on_topic[0]["data"]["type"], "created");
    assert_eq!(on_topic[0]["data"]["id"], post["id"]);
    assert_eq!(on_topic[0]["data"]["post_number"], 2);
    assert_eq!(on_topic[0]["data"]["version"], 1);
    assert_eq!(on_topic[1]["data"]["type"], "stats");
    assert_eq!(on_topic[1]["data"]["posts_count"], 2);
    assert_eq!(on_topic[1]["data"]["last_poster"]["username"], "mod_anna");
    assert_eq!(on_topic[3]["data"]["posts_count"], 3);
    let globals: Vec<i64> = out
        .iter()
        .map(|m| m["global_id"].as_i64().unwrap())
        .collect();
    let mut sorted = globals.clone();
    sorted.sort();
    assert!(sorted.windows(2).all(|w| w[0] < w[1]));

    // From the newest id: nothing; from one before: only the newest.
    assert!(poll_as(&sb, None, &[("/latest", latest + 2)], true)
        .await
        .is_empty());
    let out = poll_as(&sb, None, &[("/latest", latest + 1)], true).await;
    assert_eq!(out.len(), 1);
    assert_eq!(out[0]["message_id"], latest + 2);
    // -2 = the last message; an id above the current one counts as -1.
    let out = poll_as(&sb, None, &[("/latest", -2)], true).await;
    assert_eq!(out.len(), 1);
    assert_eq!(out[0]["message_id"], latest + 2);
    let out = poll_as(&sb, None, &[("/latest", latest + 50)], true).await;
    assert_eq!(out[0]["channel"], "/__status");
    assert_eq!(out[0]["data"]["/latest"], latest + 2);
}

#[tokio::test]
async fn long_poll_ends_with_an_empty_array_and_bad_keys_poll_as_anonymous() {
    let sb = start().await;
    set_live(&sb, json!({"long_poll_ms": 300})).await;
    let (_, live) = sb.get("/sandbox/live.json", Some("admin")).await;
    assert_eq!(live["live"]["long_poll_ms"], 300);
    let from = position(&sb, None, "/latest").await;
    let started = Instant::now();
    let out = poll_as(&sb, Some("mod_anna"), &[("/latest", from)], false).await;
    assert!(out.is_empty(), "{out:?}");
    assert!(started.elapsed() >= Duration::from_millis(250));

    let resp = sb
        .client
        .post(format!("{}/message-bus/x/poll?dlp=t", sb.url))
        .header("Api-Key", "wrong-key")
        .header("Api-Username", "admin")
        .header("Dont-Chunk", "true")
        .form(&[("/latest", "-1")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v[0]["channel"], "/__status");
}

#[tokio::test]
async fn private_message_traffic_reaches_participants_and_staff_only() {
    let sb = start().await;
    let (s, pm) = sb
        .post_form(
            "/posts.json",
            "admin",
            &[
                ("title", "About your recent warning on the forum"),
                ("raw", BODY),
                ("archetype", "private_message"),
                ("target_recipients", "member_mia"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{pm}");
    let pm_id = pm["topic_id"].as_i64().unwrap();
    let ch = format!("/topic/{pm_id}");
    let from = position(&sb, None, &ch).await;
    reply(&sb, "member_mia", pm_id).await;
    for user in ["member_mia", "admin", "mod_ben"] {
        let out = poll_as(&sb, Some(user), &[(&ch, from)], true).await;
        assert_eq!(out[0]["data"]["type"], "created", "{user}: {out:?}");
    }
    for user in [Some("leader_luca"), None] {
        let out = poll_as(&sb, user, &[(&ch, from)], true).await;
        assert_eq!(out.len(), 1, "{out:?}");
        assert_eq!(out[0]["channel"], "/__status", "{user:?}: {out:?}");
        assert_eq!(out[0]["data"][&ch], from + 2);
    }

    // The reply channel of the PM: refused to outsiders, open to participants and staff.
    let rc = reply_channel(pm_id);
    let got = presence_get(&sb, Some("leader_luca"), &[&rc]).await;
    assert!(got[&rc].is_null(), "{got}");
    let (s, v) = presence_update(&sb, "leader_luca", "c1", &[&rc], &[]).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v[&rc], false);
    for user in ["member_mia", "mod_ben"] {
        let (s, v) = presence_update(&sb, user, "c1", &[&rc], &[]).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v[&rc], true, "{user}");
    }
    let got = presence_get(&sb, Some("member_mia"), &[&rc]).await;
    assert_eq!(usernames(&got[&rc]), vec!["member_mia", "mod_ben"]);
    assert!(presence_get(&sb, None, &[&rc]).await[&rc].is_null());
}

#[tokio::test]
async fn two_users_see_each_others_presence() {
    let sb = start().await;
    let topic = new_topic(&sb, "member_mia", "Mesh satellite refuses to pair again").await;
    let rc = reply_channel(topic);
    let bus_ch = format!("/presence{rc}");
    let from = position(&sb, Some("mod_anna"), &bus_ch).await;
    assert_eq!(from, 0);
    let (s, v) = presence_update(&sb, "mod_anna", "anna-1", &[&rc, "/x/unknown"], &[]).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v, json!({ rc.clone(): true, "/x/unknown": false }));
    // A second client of the same user counts once.
    presence_update(&sb, "mod_anna", "anna-2", &[&rc], &[]).await;
    let (s, _) = presence_update(&sb, "leader_luca", "luca-1", &[&rc], &[]).await;
    assert_eq!(s, StatusCode::OK);

    for viewer in ["mod_anna", "leader_luca", "member_mia"] {
        let got = presence_get(
            &sb,
            Some(viewer),
            &[&rc, "/discourse-presence/reply/99999999"],
        )
        .await;
        let state = &got[&rc];
        assert_eq!(state["count"], 2, "{got}");
        assert_eq!(usernames(state), vec!["leader_luca", "mod_anna"]);
        assert_eq!(state["last_message_id"], 2);
        let u = &state["users"][0];
        assert!(u["id"].is_i64() && u["name"].is_string() && u["avatar_template"].is_string());
        assert!(got["/discourse-presence/reply/99999999"].is_null());
    }
    let out = poll_as(&sb, Some("leader_luca"), &[(&bus_ch, from)], true).await;
    assert_eq!(out.len(), 2, "{out:?}");
    assert_eq!(out[0]["data"]["entering_users"][0]["username"], "mod_anna");
    assert_eq!(
        out[1]["data"]["entering_users"][0]["username"],
        "leader_luca"
    );

    // Leaving one of two clients changes nothing; leaving the last publishes the leave.
    presence_update(&sb, "mod_anna", "anna-1", &[], &[&rc]).await;
    assert_eq!(
        presence_get(&sb, Some("leader_luca"), &[&rc]).await[&rc]["count"],
        2
    );
    let (s, v) = presence_update(&sb, "mod_anna", "anna-2", &[], &[&rc]).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v, json!({}));
    let got = presence_get(&sb, Some("leader_luca"), &[&rc]).await;
    assert_eq!(usernames(&got[&rc]), vec!["leader_luca"]);
    let out = poll_as(&sb, Some("leader_luca"), &[(&bus_ch, from + 2)], true).await;
    let (_, anna) = sb.get("/u/mod_anna.json", Some("admin")).await;
    assert_eq!(out.len(), 1, "{out:?}");
    assert_eq!(
        out[0]["data"]["leaving_user_ids"],
        json!([anna["user"]["id"]])
    );
}

#[tokio::test]
async fn presence_expires_without_renewal() {
    let sb = start().await;
    set_live(
        &sb,
        json!({"presence_timeout_ms": 400, "long_poll_ms": 2_000}),
    )
    .await;
    let topic = new_topic(&sb, "member_mia", "Upload speed far below my plan again").await;
    let rc = reply_channel(topic);
    let bus_ch = format!("/presence{rc}");
    let (s, v) = presence_update(&sb, "mod_anna", "anna-1", &[&rc], &[]).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (_, anna) = sb.get("/u/mod_anna.json", Some("admin")).await;
    let anna_id = anna["user"]["id"].as_i64().unwrap();
    let got = presence_get(&sb, Some("leader_luca"), &[&rc]).await;
    assert_eq!(got[&rc]["count"], 1);
    // The sweep drops the presence and publishes the leave; no renewal happens.
    let m = await_message(&sb, Some("leader_luca"), &bus_ch, 1, 5, |m| {
        m["data"]["leaving_user_ids"].is_array()
    })
    .await;
    assert_eq!(m["data"]["leaving_user_ids"], json!([anna_id]));
    let got = presence_get(&sb, Some("leader_luca"), &[&rc]).await;
    assert_eq!(got[&rc]["count"], 0);
    assert_eq!(got[&rc]["users"], json!([]));
}

#[tokio::test]
async fn presence_parameters_login_and_rate_limit() {
    let sb = start().await;
    let topic = new_topic(
        &sb,
        "member_mia",
        "Parental controls stopped blocking sites",
    )
    .await;
    let rc = reply_channel(topic);
    let (s, _) = sb.get("/presence/get", None).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let many: Vec<String> = (0..51).map(|i| format!("/x/{i}")).collect();
    let q = many
        .iter()
        .map(|c| form_encode(&[("channels[]", c)]))
        .collect::<Vec<_>>()
        .join("&");
    let (s, _) = sb.get(&format!("/presence/get?{q}"), None).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, v) = sb
        .call(
            reqwest::Method::POST,
            "/presence/update",
            None,
            Body::Form(&[("client_id", "c"), ("present_channels[]", &rc)]),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    let (s, _) = presence_update(&sb, "mod_anna", "", &[&rc], &[]).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let mut limited = false;
    for _ in 0..25 {
        let (s, v) = presence_update(&sb, "leader_lena", "lena", &[&rc], &[]).await;
        if s == StatusCode::TOO_MANY_REQUESTS {
            assert_eq!(v["error_type"], "rate_limit");
            limited = true;
            break;
        }
        assert_eq!(s, StatusCode::OK);
    }
    assert!(limited, "the 21st update within 10 s is refused");
}

#[tokio::test]
async fn writes_publish_solution_move_and_recategorize() {
    let sb = start().await;
    let topic = sb.open_unsolved_topic_with_replies().await;
    let id = topic["id"].as_i64().unwrap();
    let ch = format!("/topic/{id}");
    let from = position(&sb, None, &ch).await;
    let latest = position(&sb, None, "/latest").await;
    let t = sb.topic(id, Some("admin")).await;
    let post2 = t["post_stream"]["posts"][1]["id"].as_i64().unwrap();
    let (s, v) = sb
        .post_form(
            "/solution/accept.json",
            "mod_anna",
            &[("id", &post2.to_string())],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = sb
        .post_form(
            "/solution/unaccept.json",
            "mod_anna",
            &[("id", &post2.to_string())],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let other_category = if topic["category_id"] == 2 { "3" } else { "2" };
    let (s, v) = sb
        .put_json(
            &format!("/t/-/{id}.json"),
            "mod_anna",
            json!({"category_id": other_category}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let out = poll_as(&sb, None, &[(&ch, from)], true).await;
    let types: Vec<&str> = out
        .iter()
        .filter_map(|m| m["data"]["type"].as_str())
        .collect();
    assert_eq!(
        types,
        vec!["accepted_solution", "unaccepted_solution", "revised"],
        "{out:?}"
    );
    assert_eq!(out[0]["data"]["id"], post2);
    assert_eq!(out[0]["data"]["accepted_answer"]["post_number"], 2);
    assert!(out[1]["data"]["accepted_answer"].is_null());
    assert_eq!(out[2]["data"]["reload_topic"], true);
    assert_eq!(out[2]["data"]["post_number"], 1);
    let out = poll_as(&sb, None, &[("/latest", latest)], true).await;
    assert_eq!(out.len(), 3, "{out:?}");
    assert!(out.iter().all(|m| m["data"]["topic_id"] == id));

    // Move the last post to a new topic: deleted on the source, created on the destination.
    let t = sb.topic(id, Some("admin")).await;
    let last = t["post_stream"]["posts"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    let from = position(&sb, None, &ch).await;
    let (s, v) = sb
        .post_form(
            &format!("/t/{id}/move-posts.json"),
            "mod_anna",
            &[
                ("post_ids[]", &last["id"].to_string()),
                ("title", "Split off: the second router question"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let dest: i64 = v["url"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let out = poll_as(&sb, None, &[(&ch, from)], true).await;
    assert_eq!(out[0]["data"]["type"], "deleted", "{out:?}");
    assert_eq!(out[0]["data"]["id"], last["id"]);
    assert_eq!(out[1]["data"]["type"], "stats");
    let dch = format!("/topic/{dest}");
    let out = poll_as(&sb, None, &[(&dch, 0)], true).await;
    assert_eq!(out[0]["data"]["type"], "created", "{out:?}");
    assert_eq!(out[0]["data"]["id"], last["id"]);
    assert_eq!(out[0]["data"]["post_number"], 1);
}

#[tokio::test]
async fn activity_endpoint_creates_a_topic_the_bus_publishes() {
    let sb = start().await;
    let from = position(&sb, None, "/new").await;
    let (s, v) = sb
        .post_json(
            "/sandbox/activity.json",
            "admin",
            json!({"event": "new_topic"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["event"], "new_topic");
    assert_eq!(v["post_number"], 1);
    let topic = v["topic_id"].as_i64().unwrap();
    let m = await_message(&sb, None, "/new", from, 3, |m| {
        m["data"]["topic_id"] == topic
    })
    .await;
    assert_eq!(m["data"]["message_type"], "new_topic");
    let t = sb.topic(topic, None).await;
    assert_eq!(t["details"]["created_by"]["username"], v["username"]);

    let ch = format!("/topic/{topic}");
    let (s, r) = sb
        .post_json(
            "/sandbox/activity.json",
            "admin",
            json!({"event": "reply", "username": "mod_ben", "topic_id": topic}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["post_number"], 2);
    assert_eq!(r["username"], "mod_ben");
    let (s, f) = sb
        .post_json(
            "/sandbox/activity.json",
            "admin",
            json!({"event": "follow_up", "topic_id": topic}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{f}");
    assert_eq!(f["post_number"], 3);
    assert_eq!(f["username"], v["username"]);
    let out = poll_as(&sb, None, &[(&ch, 0)], true).await;
    let created: Vec<i64> = out
        .iter()
        .filter(|m| m["data"]["type"] == "created")
        .map(|m| m["data"]["post_number"].as_i64().unwrap())
        .collect();
    assert_eq!(created, vec![2, 3]);

    let (s, p) = sb
        .post_json(
            "/sandbox/activity.json",
            "admin",
            json!({"event": "presence", "topic_id": topic}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{p}");
    let rc = reply_channel(topic);
    assert_eq!(p["channel"], rc);
    let got = presence_get(&sb, Some("member_mia"), &[&rc]).await;
    assert_eq!(
        usernames(&got[&rc]),
        vec![p["username"].as_str().unwrap().to_string()]
    );

    let (s, _) = sb
        .post_json(
            "/sandbox/activity.json",
            "mod_anna",
            json!({"event": "new_topic"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = sb
        .post_json("/sandbox/activity.json", "admin", json!({"event": "dance"}))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn timed_activity_publishes_on_its_own() {
    let sb = start().await;
    let from = position(&sb, None, "/latest").await;
    sb.sandbox.start_activity(600.0);
    let m = await_message(&sb, None, "/latest", from, 5, |m| {
        m["data"]["message_type"] == "latest"
    })
    .await;
    assert!(m["data"]["topic_id"].is_i64());
}
