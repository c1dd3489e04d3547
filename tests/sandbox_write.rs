//! The sandbox's writing endpoints and permission rules over real HTTP.

mod common;

use common::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const REPLY: &str = "Have you tried restarting the router and waiting ten minutes?";

#[tokio::test]
async fn reply_as_mod_removes_topic_from_unanswered_list() {
    let sb = start().await;
    let (_, before) = sb
        .get(
            "/latest.json?max_posts=1&order=created&per_page=100",
            Some("mod_anna"),
        )
        .await;
    let ids = TestSandbox::topic_ids(&before);
    assert!(before["topic_list"]["topics"]
        .as_array()
        .unwrap()
        .iter()
        .all(|t| t["posts_count"] == 1));
    let target = before["topic_list"]["topics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["closed"] == false && t["archived"] == false)
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let tid = target.to_string();
    let (s, post) = sb
        .post_form(
            "/posts.json",
            "mod_anna",
            &[
                ("topic_id", &tid),
                ("raw", REPLY),
                ("reply_to_post_number", "1"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{post}");
    assert_eq!(post["post_number"], 2);
    assert_eq!(post["topic_id"], target);
    assert_eq!(post["username"], "mod_anna");
    assert_eq!(post["reply_to_post_number"], 1);
    assert!(post["cooked"].as_str().unwrap().contains("restarting"));
    let (_, after) = sb
        .get(
            "/latest.json?max_posts=1&order=created&per_page=100",
            Some("mod_anna"),
        )
        .await;
    let after_ids = TestSandbox::topic_ids(&after);
    assert!(ids.contains(&target));
    assert!(!after_ids.contains(&target));
    let t = sb.topic(target, None).await;
    assert_eq!(t["posts_count"], 2);
    assert_eq!(t["post_stream"]["stream"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn short_body_gets_422_and_nothing_is_written() {
    let sb = start().await;
    let topic = sb.open_unsolved_topic_with_replies().await;
    let id = topic["id"].as_i64().unwrap();
    let before = sb.topic(id, None).await["posts_count"].clone();
    let (s, v) = sb
        .post_form(
            "/posts.json",
            "member_mia",
            &[("topic_id", &id.to_string()), ("raw", "   too short     ")],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        v,
        json!({"action":"create_post","errors":["Body is too short (minimum is 20 characters)"]})
    );
    assert_eq!(sb.topic(id, None).await["posts_count"], before);
    // JSON bodies work the same
    let (s, v) = sb
        .post_json(
            "/posts.json",
            "member_mia",
            json!({"topic_id": id, "raw": "short"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    // missing raw
    let (s, v) = sb
        .post_json("/posts.json", "member_mia", json!({"topic_id": id}))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
}

#[tokio::test]
async fn closed_topics_take_replies_from_staff_and_leaders_only() {
    let sb = start().await;
    let (_, v) = sb.get("/latest.json?status=closed", Some("admin")).await;
    let id = v["topic_list"]["topics"][0]["id"]
        .as_i64()
        .expect("a closed topic");
    let tid = id.to_string();
    let (s, v) = sb
        .post_form(
            "/posts.json",
            "member_mia",
            &[("topic_id", &tid), ("raw", REPLY)],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["action"], "create_post");
    let t = sb.topic(id, Some("member_mia")).await;
    assert_eq!(t["details"]["can_create_post"], false);
    let (s, v) = sb
        .post_form(
            "/posts.json",
            "leader_luca",
            &[("topic_id", &tid), ("raw", REPLY)],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = sb
        .post_form(
            "/posts.json",
            "mod_ben",
            &[
                ("topic_id", &tid),
                ("raw", "Closing note from the moderators here."),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
}

#[tokio::test]
async fn identical_create_within_120s_is_memoized() {
    let sb = start().await;
    let topic = sb.open_unsolved_topic_with_replies().await;
    let tid = topic["id"].as_i64().unwrap().to_string();
    let before = sb.topic(topic["id"].as_i64().unwrap(), None).await["posts_count"]
        .as_i64()
        .unwrap();
    let body = [
        ("topic_id", tid.as_str()),
        ("raw", "Same reply sent twice by a flaky network."),
    ];
    let (s1, a) = sb.post_form("/posts.json", "member_mia", &body).await;
    let (s2, b) = sb.post_form("/posts.json", "member_mia", &body).await;
    assert_eq!(s1, StatusCode::OK, "{a}");
    assert_eq!(s2, StatusCode::OK, "{b}");
    assert_eq!(a["id"], b["id"]);
    let after = sb.topic(topic["id"].as_i64().unwrap(), None).await["posts_count"]
        .as_i64()
        .unwrap();
    assert_eq!(after, before + 1);
    // a different user is not memoized with mia
    let (_, c) = sb.post_form("/posts.json", "leader_luca", &body).await;
    assert_ne!(c["id"], a["id"]);
}

#[tokio::test]
async fn new_topic_with_title_and_category() {
    let sb = start().await;
    let (s, v) = sb
        .post_json(
            "/posts.json",
            "member_mia",
            json!({"title": "My new router blinks orange every night", "raw": "It blinks orange at 2am and the internet drops for a minute.", "category": "broadband-wi-fi"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["post_number"], 1);
    let tid = v["topic_id"].as_i64().unwrap();
    let t = sb.topic(tid, None).await;
    assert_eq!(t["category_id"], 3);
    assert_eq!(t["posts_count"], 1);
    assert_eq!(t["title"], "My new router blinks orange every night");
    let (_, l) = sb.get("/latest.json?max_posts=1&order=created", None).await;
    assert_eq!(l["topic_list"]["topics"][0]["id"], tid);
    let (s, v) = sb
        .post_json(
            "/posts.json",
            "member_mia",
            json!({"title": "Short", "raw": "Body long enough to be accepted by the validator."}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
}

#[tokio::test]
async fn accept_and_unaccept_solutions_by_role() {
    let sb = start().await;
    let topic = sb.open_unsolved_topic_with_replies().await;
    let id = topic["id"].as_i64().unwrap();
    let t = sb.topic(id, Some("admin")).await;
    let posts = t["post_stream"]["posts"].as_array().unwrap().clone();
    let op = posts[0]["id"].as_i64().unwrap();
    let author = posts[0]["username"].as_str().unwrap().to_string();
    let replies: Vec<&Value> = posts
        .iter()
        .filter(|p| p["post_number"].as_i64().unwrap() > 1 && p["post_type"] == 1)
        .collect();
    let r1 = replies[0]["id"].as_i64().unwrap().to_string();
    let r2 = replies[1]["id"].as_i64().unwrap().to_string();

    // post #1 can't be a solution
    let (s, v) = sb
        .post_form("/solution/accept.json", "admin", &[("id", &op.to_string())])
        .await;
    assert_invalid_access(s, &v);
    // member who isn't the author: denied
    let other = if author == "member_mia" {
        "mod_anna"
    } else {
        "member_mia"
    };
    if other == "member_mia" {
        let (s, v) = sb
            .post_form("/solution/accept.json", "member_mia", &[("id", &r1)])
            .await;
        assert_invalid_access(s, &v);
    }
    // the topic's author may (topic open)
    let (s, v) = sb
        .post_form("/solution/accept.json", &author, &[("id", &r1)])
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["post_number"], replies[0]["post_number"]);
    // a leader replaces it
    let (s, v) = sb
        .post_form("/solution/accept.json", "leader_luca", &[("id", &r2)])
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let t = sb.topic(id, Some("leader_luca")).await;
    assert_eq!(
        t["accepted_answer"]["post_number"],
        replies[1]["post_number"]
    );
    let accepted: Vec<i64> = t["post_stream"]["posts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["accepted_answer"] == true)
        .map(|p| p["id"].as_i64().unwrap())
        .collect();
    assert_eq!(accepted, vec![r2.parse::<i64>().unwrap()]);
    // unaccept by staff
    let (s, v) = sb
        .post_form("/solution/unaccept.json", "mod_anna", &[("id", &r2)])
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v, json!({"success":"OK"}));
    let t = sb.topic(id, None).await;
    assert!(t.get("accepted_answer").is_none());
    // missing id
    let (s, _) = sb.post_form("/solution/accept.json", "admin", &[]).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, v) = sb
        .post_form("/solution/accept.json", "admin", &[("id", "99999999")])
        .await;
    assert_not_found(s, &v);
}

#[tokio::test]
async fn move_posts_to_new_and_existing_topics() {
    let sb = start().await;
    let (_, v) = sb
        .get(
            "/latest.json?min_posts=5&status=open&solved=no&per_page=50",
            Some("admin"),
        )
        .await;
    let topics = v["topic_list"]["topics"].as_array().unwrap();
    let src = topics[0]["id"].as_i64().unwrap();
    let dest = topics[1]["id"].as_i64().unwrap();
    let t = sb.topic(src, Some("admin")).await;
    let posts: Vec<Value> = t["post_stream"]["posts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["post_type"] == 1)
        .cloned()
        .collect();
    let before = t["posts_count"].as_i64().unwrap();
    let a = posts[1]["id"].as_i64().unwrap().to_string();
    let b = posts[2]["id"].as_i64().unwrap().to_string();

    // member: denied
    let (s, v) = sb
        .post_form(
            &format!("/t/{src}/move-posts.json"),
            "member_mia",
            &[("post_ids[]", &a), ("title", "A brand new split-off topic")],
        )
        .await;
    assert_invalid_access(s, &v);

    // leader: to a new topic, form body with repeated keys
    let (s, v) = sb
        .post_form(
            &format!("/t/{src}/move-posts.json"),
            "leader_luca",
            &[
                ("post_ids[]", &a),
                ("post_ids[]", &b),
                ("title", "Split: the router reboot discussion"),
                ("category_id", "6"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["success"], true);
    let url = v["url"].as_str().unwrap();
    assert!(
        url.starts_with("/t/split-the-router-reboot-discussion/"),
        "{url}"
    );
    let new_id: i64 = url.rsplit('/').next().unwrap().parse().unwrap();
    let nt = sb.topic(new_id, None).await;
    assert_eq!(nt["posts_count"], 2);
    assert_eq!(nt["category_id"], 6);
    let numbers: Vec<i64> = nt["post_stream"]["posts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["post_number"].as_i64().unwrap())
        .collect();
    assert_eq!(numbers, vec![1, 2]);
    assert_eq!(
        sb.topic(src, None).await["posts_count"].as_i64().unwrap(),
        before - 2
    );

    // staff: into an existing topic (JSON body), renumbered after its last post
    let dt = sb.topic(dest, Some("admin")).await;
    let highest = dt["highest_post_number"].as_i64().unwrap();
    let dest_count = dt["posts_count"].as_i64().unwrap();
    let c = posts[3]["id"].as_i64().unwrap();
    let (s, v) = sb
        .post_json(
            &format!("/t/{src}/move-posts.json"),
            "mod_anna",
            json!({"post_ids": [c], "destination_topic_id": dest}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(v["url"].as_str().unwrap().ends_with(&format!("/{dest}")));
    let (_, moved) = sb.get(&format!("/posts/{c}.json"), None).await;
    assert_eq!(moved["topic_id"], dest);
    assert_eq!(moved["post_number"], highest + 1);
    assert_eq!(
        sb.topic(dest, None).await["posts_count"].as_i64().unwrap(),
        dest_count + 1
    );

    // missing post_ids
    let (s, _) = sb
        .post_form(
            &format!("/t/{src}/move-posts.json"),
            "admin",
            &[("title", "Whatever title that is long")],
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn moving_the_solution_post_is_refused() {
    let sb = start().await;
    let (_, v) = sb.get("/latest.json?status=solved", Some("admin")).await;
    let id = v["topic_list"]["topics"][0]["id"].as_i64().unwrap();
    let t = sb.topic(id, Some("admin")).await;
    let n = t["accepted_answer"]["post_number"].as_i64().unwrap();
    let stream = t["post_stream"]["posts"].as_array().unwrap();
    let pid = stream.iter().find(|p| p["post_number"] == n).unwrap()["id"]
        .as_i64()
        .unwrap();
    let (s, v) = sb
        .post_form(
            &format!("/t/{id}/move-posts.json"),
            "admin",
            &[
                ("post_ids[]", &pid.to_string()),
                ("title", "Moving the answer elsewhere"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(v["errors"][0].is_string());
    let (_, p) = sb.get(&format!("/posts/{pid}.json"), None).await;
    assert_eq!(p["topic_id"], id);
}

#[tokio::test]
async fn recategorize_topic() {
    let sb = start().await;
    let topic = sb.first_topic("category=mobile").await;
    let id = topic["id"].as_i64().unwrap();
    for path in [
        format!("/t/-/{id}.json"),
        format!("/t/{id}.json"),
        format!("/t/some-slug/{id}.json"),
    ] {
        let (s, v) = sb
            .put_json(&path, "mod_anna", json!({"category_id": 5}))
            .await;
        assert_eq!(s, StatusCode::OK, "{path}: {v}");
        assert_eq!(v["basic_topic"]["id"], id);
        assert!(v["basic_topic"]["slug"].is_string());
    }
    assert_eq!(sb.topic(id, None).await["category_id"], 5);
    let (s, v) = sb
        .call(
            Method::PUT,
            &format!("/t/-/{id}.json"),
            Some("admin"),
            Body::Form(&[("category_id", "4")]),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(sb.topic(id, None).await["category_id"], 4);
    let (s, _) = sb
        .put_json(
            &format!("/t/-/{id}.json"),
            "admin",
            json!({"category_id": 999}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    // a TL2 member who is not the author may not
    let t = sb.topic(id, None).await;
    if t["details"]["created_by"]["username"] != "member_mia" {
        let (s, v) = sb
            .put_json(
                &format!("/t/-/{id}.json"),
                "member_mia",
                json!({"category_id": 2}),
            )
            .await;
        assert_invalid_access(s, &v);
    }
}

#[tokio::test]
async fn badge_grants_staff_only_with_valid_reason() {
    let sb = start().await;
    let (_, b) = sb.get("/badges.json", None).await;
    let badges = b["badges"].as_array().unwrap();
    let manual = badges
        .iter()
        .find(|x| x["name"] == "Billing Buddy")
        .unwrap();
    assert_eq!(manual["manually_grantable"], true);
    let manual_id = manual["id"].as_i64().unwrap().to_string();
    let auto = badges
        .iter()
        .find(|x| x["manually_grantable"] == false)
        .unwrap();
    let topic = sb.first_topic("min_posts=2").await;
    let reason = format!(
        "{}/t/{}/{}/2",
        sb.url,
        topic["slug"].as_str().unwrap(),
        topic["id"]
    );

    // members and leaders are denied
    for who in ["member_mia", "leader_luca"] {
        let (s, v) = sb
            .post_form(
                "/user_badges.json",
                who,
                &[("username", "member_mia"), ("badge_id", &manual_id)],
            )
            .await;
        assert_invalid_access(s, &v);
    }
    // bad reason
    let (s, v) = sb
        .post_form(
            "/user_badges.json",
            "mod_anna",
            &[
                ("username", "leader_lena"),
                ("badge_id", &manual_id),
                ("reason", "because I said so"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert_eq!(v["failed"], "FAILED");
    assert!(v["message"].is_string());
    let (s, _) = sb
        .post_form(
            "/user_badges.json",
            "mod_anna",
            &[
                ("username", "leader_lena"),
                ("badge_id", &manual_id),
                ("reason", "https://elsewhere.test/t/x/1"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    // good grant with a post URL, by name
    let name = manual["name"].as_str().unwrap();
    let (s, v) = sb
        .post_form(
            "/user_badges.json",
            "mod_anna",
            &[
                ("username", "leader_lena"),
                ("badge_name", name),
                ("reason", &reason),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        v["user_badge"]["badge_id"].as_i64().unwrap().to_string(),
        manual_id
    );
    assert!(v["user_badge"]["post_id"].is_i64());
    let (_, ub) = sb.get("/user-badges/leader_lena.json", None).await;
    assert!(ub["user_badges"]
        .as_array()
        .unwrap()
        .iter()
        .any(|u| u["badge_id"].as_i64().unwrap().to_string() == manual_id));
    // empty reason is fine
    let (s, v) = sb
        .post_json("/user_badges.json", "admin", json!({"username": "leader_omar", "badge_id": manual_id.parse::<i64>().unwrap(), "reason": ""}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    // automatic and unknown badges
    let (s, _) = sb
        .post_form(
            "/user_badges.json",
            "admin",
            &[
                ("username", "leader_omar"),
                ("badge_id", &auto["id"].to_string()),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, v) = sb
        .post_form(
            "/user_badges.json",
            "admin",
            &[("username", "leader_omar"), ("badge_id", "9999")],
        )
        .await;
    assert_not_found(s, &v);
}

#[tokio::test]
async fn review_perform_needs_fresh_version() {
    let sb = start().await;
    let (_, v) = sb.get("/review.json", Some("mod_anna")).await;
    let r = &v["reviewables"][0];
    let id = r["id"].as_i64().unwrap();
    let version = r["version"].as_i64().unwrap();
    let (s, v) = sb
        .call(
            Method::PUT,
            &format!("/review/{id}/perform/agree_and_hide.json"),
            Some("mod_anna"),
            Body::None,
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let (s, _) = sb
        .call(
            Method::PUT,
            &format!(
                "/review/{id}/perform/agree_and_hide.json?version={}",
                version + 5
            ),
            Some("mod_anna"),
            Body::None,
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (s, v) = sb
        .call(
            Method::PUT,
            &format!("/review/{id}/perform/agree_and_hide.json?version={version}"),
            Some("member_mia"),
            Body::None,
        )
        .await;
    assert_invalid_access(s, &v);
    let (s, v) = sb
        .call(
            Method::PUT,
            &format!("/review/{id}/perform/agree_and_hide.json?version={version}"),
            Some("mod_anna"),
            Body::None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["reviewable_perform_result"]["success"], true);
    assert_eq!(v["reviewable_perform_result"]["version"], version + 1);
    let (s, _) = sb
        .call(
            Method::PUT,
            &format!("/review/{id}/perform/agree_and_hide.json?version={version}"),
            Some("mod_anna"),
            Body::None,
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (_, v) = sb.get("/review.json", Some("mod_anna")).await;
    assert!(v["reviewables"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["id"] != id));
}

#[tokio::test]
async fn writes_survive_restart() {
    let dir = tempfile::tempdir().unwrap();
    let opts = options(&dir);
    let sandbox = modterm::sandbox::Sandbox::start(opts.clone())
        .await
        .unwrap();
    let sb = TestSandbox {
        url: sandbox.url(),
        sandbox,
        client: client(),
        db_path: opts.db_path.clone(),
        dir: tempfile::tempdir().unwrap(),
    };
    let topic = sb.open_unsolved_topic_with_replies().await;
    let id = topic["id"].as_i64().unwrap();
    let (s, post) = sb
        .post_form(
            "/posts.json",
            "member_mia",
            &[
                ("topic_id", &id.to_string()),
                ("raw", "This reply must survive a restart of the sandbox."),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{post}");
    let (_, latest_before) = sb.get("/latest.json", None).await;
    sb.sandbox.shutdown().await;

    // Reopen with a different seed and topic count: the file wins, nothing is reseeded.
    let mut opts2 = opts.clone();
    opts2.seed = 7;
    opts2.topics = 50;
    let sandbox = modterm::sandbox::Sandbox::start(opts2).await.unwrap();
    let sb2 = TestSandbox {
        url: sandbox.url(),
        sandbox,
        client: client(),
        db_path: opts.db_path.clone(),
        dir: tempfile::tempdir().unwrap(),
    };
    let (s, p) = sb2.get(&format!("/posts/{}.json", post["id"]), None).await;
    assert_eq!(s, StatusCode::OK, "{p}");
    assert_eq!(
        p["raw"],
        "This reply must survive a restart of the sandbox."
    );
    let (_, latest_after) = sb2.get("/latest.json", None).await;
    assert_eq!(
        TestSandbox::topic_ids(&latest_before),
        TestSandbox::topic_ids(&latest_after)
    );
    sb2.sandbox.shutdown().await;
    drop(dir);
}

#[tokio::test]
async fn same_seed_gives_the_same_community() {
    let a = start().await;
    let b = start().await;
    let (_, la) = a
        .get(
            "/latest.json?order=created&ascending=true&per_page=50",
            None,
        )
        .await;
    let (_, lb) = b
        .get(
            "/latest.json?order=created&ascending=true&per_page=50",
            None,
        )
        .await;
    let titles = |v: &Value| -> Vec<String> {
        v["topic_list"]["topics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["title"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(titles(&la), titles(&lb));
}

#[tokio::test]
async fn close_topic_then_members_get_422() {
    let sb = start().await;
    let topic = sb
        .first_topic("max_posts=1&status=open&order=created")
        .await;
    let id = topic["id"].as_i64().unwrap();
    let (s, v) = sb
        .put_json(
            &format!("/t/{id}/status.json"),
            "member_mia",
            json!({"status": "closed", "enabled": true}),
        )
        .await;
    assert_invalid_access(s, &v);
    let (s, v) = sb
        .put_json(
            &format!("/t/{id}/status.json"),
            "leader_luca",
            json!({"status": "closed", "enabled": true}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = sb
        .post_form(
            "/posts.json",
            "member_mia",
            &[("topic_id", &id.to_string()), ("raw", REPLY)],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let (_, l) = sb
        .get("/latest.json?max_posts=1&status=open&per_page=100", None)
        .await;
    assert!(!TestSandbox::topic_ids(&l).contains(&id));
}
