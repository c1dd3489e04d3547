//! The sandbox's reading endpoints over real HTTP.

mod common;

use common::*;
use reqwest::StatusCode;
use serde_json::Value;

#[tokio::test]
async fn session_current_reports_roles() {
    let sb = start().await;
    let (s, v) = sb.get("/session/current.json", Some("mod_anna")).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let u = &v["current_user"];
    assert_eq!(u["username"], "mod_anna");
    assert_eq!(u["moderator"], true);
    assert_eq!(u["admin"], false);
    assert!(u["id"].as_i64().is_some());
    let (_, v) = sb.get("/session/current.json", Some("leader_luca")).await;
    assert_eq!(v["current_user"]["trust_level"], 4);
    let (_, v) = sb.get("/session/current.json", Some("member_mia")).await;
    assert_eq!(v["current_user"]["trust_level"], 2);
    let (_, v) = sb.get("/session/current.json", Some("admin")).await;
    assert_eq!(v["current_user"]["admin"], true);
}

#[tokio::test]
async fn bad_credentials_get_invalid_api_body() {
    let sb = start().await;
    let (s, v) = sb.get("/session/current.json", Some("nobody_here")).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(
        v,
        serde_json::json!({"errors":["You are not permitted to view the requested resource. The API username or key is invalid."],"error_type":"invalid_access"})
    );
    let resp = sb
        .client
        .get(format!("{}/latest.json", sb.url))
        .header("Api-Key", "wrong")
        .header("Api-Username", "admin")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["error_type"], "invalid_access");
    // A bogus user API key, too.
    let resp = sb
        .client
        .get(format!("{}/session/current.json", sb.url))
        .header("User-Api-Key", "0000")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn user_api_key_acts_as_its_user() {
    let sb = start().await;
    let key = modterm::sandbox::demo_user_api_key(SEED, "member_mia").expect("demo key");
    let resp = sb
        .client
        .get(format!("{}/session/current.json", sb.url))
        .header("User-Api-Key", key)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["current_user"]["username"], "member_mia");
}

#[tokio::test]
async fn anonymous_reads_work_and_writes_need_login() {
    let sb = start().await;
    let (s, v) = sb.get("/latest.json", None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["topic_list"]["can_create_topic"], false);
    let (s, v) = sb
        .call(
            reqwest::Method::POST,
            "/posts.json",
            None,
            Body::Form(&[
                ("topic_id", "1"),
                ("raw", "A perfectly long enough reply body."),
            ]),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(v["error_type"], "not_logged_in");
}

#[tokio::test]
async fn site_and_categories() {
    let sb = start().await;
    let (s, v) = sb.get("/site.json", None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["trust_levels"]["leader"], 4);
    assert_eq!(v["post_types"]["whisper"], 4);
    let names: Vec<&str> = v["categories"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect();
    for n in [
        "Mobile",
        "Broadband & Wi-Fi",
        "TV & Streaming",
        "Billing",
        "Devices",
        "Community Lounge",
    ] {
        assert!(names.contains(&n), "{n} missing from {names:?}");
    }
    let (s, v) = sb.get("/categories.json", None).await;
    assert_eq!(s, StatusCode::OK);
    let cats = v["category_list"]["categories"].as_array().unwrap();
    let mobile = cats.iter().find(|c| c["slug"] == "mobile").unwrap();
    assert!(mobile["topic_count"].as_i64().unwrap() > 10);
}

#[tokio::test]
async fn latest_lists_paginate_and_sideload_users() {
    let sb = start().await;
    let (s, v) = sb.get("/latest.json", None).await;
    assert_eq!(s, StatusCode::OK);
    let tl = &v["topic_list"];
    assert_eq!(tl["per_page"], 30);
    assert_eq!(tl["topics"].as_array().unwrap().len(), 30);
    assert_eq!(tl["more_topics_url"], "/latest?page=1");
    // every poster resolves through users[]
    let users: Vec<i64> = v["users"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|u| u["id"].as_i64())
        .collect();
    for t in tl["topics"].as_array().unwrap() {
        for p in t["posters"].as_array().unwrap() {
            assert!(
                users.contains(&p["user_id"].as_i64().unwrap()),
                "poster {p} not side-loaded"
            );
        }
    }
    // bumped order, newest first
    let bumped: Vec<&str> = tl["topics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["bumped_at"].as_str().unwrap())
        .collect();
    let mut sorted = bumped.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(bumped, sorted);

    // per_page and the last page
    let (_, v) = sb.get("/latest.json?per_page=100&page=0", None).await;
    assert_eq!(v["topic_list"]["topics"].as_array().unwrap().len(), 100);
    assert!(v["topic_list"]["more_topics_url"]
        .as_str()
        .unwrap()
        .contains("page=1"));
    let (_, v) = sb.get("/latest.json?per_page=70&page=4", None).await;
    let n = v["topic_list"]["topics"].as_array().unwrap().len();
    assert!(n > 0 && n < 70, "last page has {n}");
    assert!(v["topic_list"].get("more_topics_url").is_none());

    // invalid per_page
    let (s, v) = sb.get("/latest.json?per_page=101", None).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(v["error_type"], "invalid_parameters");
}

#[tokio::test]
async fn latest_filters_and_orders() {
    let sb = start().await;
    let (_, v) = sb
        .get(
            "/latest.json?max_posts=1&order=created&per_page=100",
            Some("admin"),
        )
        .await;
    let topics = v["topic_list"]["topics"].as_array().unwrap();
    assert!(topics.len() >= 60, "only {} unanswered", topics.len());
    assert!(topics.iter().all(|t| t["posts_count"] == 1));
    let created: Vec<&str> = topics
        .iter()
        .map(|t| t["created_at"].as_str().unwrap())
        .collect();
    let mut sorted = created.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(created, sorted);
    // ascending
    let (_, v) = sb
        .get(
            "/latest.json?max_posts=1&order=created&ascending=true",
            None,
        )
        .await;
    let c: Vec<&str> = v["topic_list"]["topics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["created_at"].as_str().unwrap())
        .collect();
    let mut s2 = c.clone();
    s2.sort();
    assert_eq!(c, s2);
    // min_posts
    let (_, v) = sb.get("/latest.json?min_posts=5", None).await;
    assert!(v["topic_list"]["topics"]
        .as_array()
        .unwrap()
        .iter()
        .all(|t| t["posts_count"].as_i64().unwrap() >= 5));
    // order by posts
    let (_, v) = sb.get("/latest.json?order=posts", None).await;
    let counts: Vec<i64> = v["topic_list"]["topics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["posts_count"].as_i64().unwrap())
        .collect();
    assert!(counts.windows(2).all(|w| w[0] >= w[1]));
    // category by slug and id
    let (_, v) = sb.get("/latest.json?category=billing", None).await;
    assert!(v["topic_list"]["topics"]
        .as_array()
        .unwrap()
        .iter()
        .all(|t| t["category_id"] == 5));
    let (_, v2) = sb.get("/latest.json?category=5", None).await;
    assert_eq!(TestSandbox::topic_ids(&v), TestSandbox::topic_ids(&v2));
    // status and solved
    let (_, v) = sb.get("/latest.json?status=closed", None).await;
    assert!(v["topic_list"]["topics"]
        .as_array()
        .unwrap()
        .iter()
        .all(|t| t["closed"] == true));
    let (_, v) = sb.get("/latest.json?status=solved", None).await;
    let solved = v["topic_list"]["topics"].as_array().unwrap();
    assert!(!solved.is_empty());
    assert!(solved.iter().all(|t| t["has_accepted_answer"] == true));
    let (_, v) = sb.get("/latest.json?solved=no", None).await;
    assert!(v["topic_list"]["topics"]
        .as_array()
        .unwrap()
        .iter()
        .all(|t| t["has_accepted_answer"] == false));
    let (_, v) = sb.get("/latest.json?solved=yes", None).await;
    assert!(v["topic_list"]["topics"]
        .as_array()
        .unwrap()
        .iter()
        .all(|t| t["has_accepted_answer"] == true));
    // unknown category
    let (s, v) = sb.get("/latest.json?category=nope", None).await;
    assert_not_found(s, &v);
}

#[tokio::test]
async fn unanswered_ages_cover_the_response_targets() {
    let sb = start().await;
    let (_, v) = sb
        .get("/latest.json?max_posts=1&order=created&per_page=100", None)
        .await;
    let now = chrono::Utc::now();
    let ages: Vec<i64> = v["topic_list"]["topics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            let at =
                chrono::DateTime::parse_from_rfc3339(t["created_at"].as_str().unwrap()).unwrap();
            (now - at.with_timezone(&chrono::Utc)).num_seconds() / 60
        })
        .collect();
    assert!(ages.iter().any(|m| *m < 30), "{ages:?}");
    assert!(ages.iter().any(|m| (30..35).contains(m)), "{ages:?}");
    assert!(ages.iter().any(|m| *m > 24 * 60), "{ages:?}");
    let (_, all) = sb.get("/latest.json?per_page=100&page=0", None).await;
    let _ = all;
}

#[tokio::test]
async fn filter_query_language() {
    let sb = start().await;
    let (s, v) = sb
        .get(
            "/filter.json?q=status:open%20posts-max:1%20order:created",
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let topics = v["topic_list"]["topics"].as_array().unwrap();
    assert!(!topics.is_empty());
    assert!(topics
        .iter()
        .all(|t| t["posts_count"] == 1 && t["closed"] == false));
    assert_eq!(v["topic_list"]["per_page"], 30);
    if topics.len() == 30 {
        assert!(v["topic_list"]["more_topics_url"]
            .as_str()
            .unwrap()
            .starts_with("/filter?q="));
    }
    let (_, v) = sb
        .get("/filter.json?q=category:mobile%20posts-min:3", None)
        .await;
    assert!(v["topic_list"]["topics"]
        .as_array()
        .unwrap()
        .iter()
        .all(|t| t["category_id"] == 2 && t["posts_count"].as_i64().unwrap() >= 3));
    let (_, v) = sb.get("/filter.json?q=status:solved", None).await;
    assert!(v["topic_list"]["topics"]
        .as_array()
        .unwrap()
        .iter()
        .all(|t| t["has_accepted_answer"] == true));
    let (_, v) = sb.get("/filter.json?q=order:created-asc", None).await;
    let c: Vec<&str> = v["topic_list"]["topics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["created_at"].as_str().unwrap())
        .collect();
    let mut s2 = c.clone();
    s2.sort();
    assert_eq!(c, s2);
    let (_, v) = sb.get("/filter.json?q=created-by:member_mia", None).await;
    assert!(!v["topic_list"]["topics"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn topic_show_chunks_stream_and_rights() {
    let sb = start().await;
    let (_, v) = sb
        .get("/latest.json?min_posts=45&per_page=5", Some("admin"))
        .await;
    let t = &v["topic_list"]["topics"][0];
    let id = t["id"].as_i64().expect("a long topic exists");
    let slug = t["slug"].as_str().unwrap().to_string();
    let topic = sb.topic(id, Some("member_mia")).await;
    let stream = topic["post_stream"]["stream"].as_array().unwrap();
    assert!(stream.len() >= 45);
    assert_eq!(topic["post_stream"]["posts"].as_array().unwrap().len(), 20);
    assert_eq!(topic["chunk_size"], 20);
    assert_eq!(topic["details"]["can_move_posts"], false);
    assert_eq!(topic["details"]["can_create_post"], true);
    let (s, page3) = sb
        .get(&format!("/t/{id}.json?page=3"), Some("member_mia"))
        .await;
    assert_eq!(s, StatusCode::OK);
    let first_of_3 = page3["post_stream"]["posts"][0]["id"].clone();
    assert_eq!(first_of_3, stream[40]);
    let (s, v) = sb.get(&format!("/t/{id}.json?page=99"), None).await;
    assert_not_found(s, &v);
    let (s, v) = sb.get(&format!("/t/{slug}/{id}.json"), None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["id"], id);
    let lead = sb.topic(id, Some("leader_luca")).await;
    assert_eq!(lead["details"]["can_move_posts"], true);
    let staff = sb.topic(id, Some("mod_anna")).await;
    assert_eq!(staff["details"]["can_move_posts"], true);
    // posts.json with post_ids[]
    let a = stream[21].as_i64().unwrap();
    let b = stream[30].as_i64().unwrap();
    let (s, v) = sb
        .get(
            &format!("/t/{id}/posts.json?post_ids[]={a}&post_ids[]={b}"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let ids: Vec<i64> = v["post_stream"]["posts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![a, b]);
    assert_eq!(v["id"], id);
    let (s, v) = sb.get("/t/999999.json", None).await;
    assert_not_found(s, &v);
}

#[tokio::test]
async fn solved_fields_on_posts_and_topic() {
    let sb = start().await;
    let (_, v) = sb
        .get("/latest.json?status=solved&per_page=100", None)
        .await;
    let topics = v["topic_list"]["topics"].as_array().unwrap();
    // find a solved topic not authored by mia
    let id = topics[0]["id"].as_i64().unwrap();
    let t = sb.topic(id, Some("mod_anna")).await;
    let acc = &t["accepted_answer"];
    assert!(acc["post_number"].as_i64().unwrap() > 1, "{acc}");
    let posts = t["post_stream"]["posts"].as_array().unwrap();
    for p in posts {
        assert_eq!(p["topic_accepted_answer"], true);
        let accepted = p["post_number"] == acc["post_number"];
        assert_eq!(p["accepted_answer"], accepted);
        if p["post_number"] == 1 {
            assert_eq!(p["can_accept_answer"], false);
            assert_eq!(p["can_unaccept_answer"], false);
        } else if p["post_type"] == 1 {
            assert_eq!(p["can_unaccept_answer"], accepted);
            assert_eq!(p["can_accept_answer"], !accepted);
        }
    }
    // anonymous cannot accept anything
    let anon = sb.topic(id, None).await;
    assert!(anon["post_stream"]["posts"]
        .as_array()
        .unwrap()
        .iter()
        .all(|p| p["can_accept_answer"] == false));
}

#[tokio::test]
async fn badges_and_user_badges() {
    let sb = start().await;
    let (s, v) = sb.get("/badges.json", None).await;
    assert_eq!(s, StatusCode::OK);
    let badges = v["badges"].as_array().unwrap();
    assert!(badges.len() > 50, "{}", badges.len());
    assert!(badges.iter().any(|b| b["manually_grantable"] == true));
    assert!(badges.iter().all(|b| b["enabled"] == true));
    let types: Vec<&str> = v["badge_types"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert_eq!(types, vec!["Gold", "Silver", "Bronze"]);
    let (s, v) = sb.get("/user-badges/member_mia.json", None).await;
    assert_eq!(s, StatusCode::OK);
    let ub = v["user_badges"].as_array().unwrap();
    assert!(ub.len() >= 5);
    let ids: Vec<i64> = v["badges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["id"].as_i64().unwrap())
        .collect();
    assert!(ub
        .iter()
        .all(|u| ids.contains(&u["badge_id"].as_i64().unwrap())));
    let (s, v) = sb.get("/user-badges/nobody_at_all.json", None).await;
    assert_not_found(s, &v);
}

#[tokio::test]
async fn profile_hides_staff_fields_from_members() {
    let sb = start().await;
    let (s, staff) = sb.get("/u/member_mia.json", Some("mod_anna")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(staff["user"].get("post_count").is_some());
    assert!(
        staff["user"].get("associated_accounts").is_none(),
        "only the user sees linked accounts"
    );
    let (_, other) = sb.get("/u/member_mia.json", Some("leader_luca")).await;
    for f in [
        "post_count",
        "can_be_deleted",
        "suspend_reason",
        "email",
        "associated_accounts",
        "second_factor_enabled",
    ] {
        assert!(
            other["user"].get(f).is_none(),
            "{f} leaked to a non-staff viewer"
        );
    }
    let (_, me) = sb.get("/u/member_mia.json", Some("member_mia")).await;
    assert!(me["user"]["associated_accounts"].as_array().unwrap().len() >= 3);
    assert!(me["user"].get("email").is_some());
    let (s, v) = sb.get("/u/ghost_user_x.json", None).await;
    assert_not_found(s, &v);
}

#[tokio::test]
async fn summary_actions_and_solutions_of_mia() {
    let sb = start().await;
    let (s, v) = sb.get("/u/member_mia/summary.json", None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let us = &v["user_summary"];
    for f in [
        "likes_given",
        "likes_received",
        "topic_count",
        "post_count",
        "days_visited",
        "time_read",
        "solved_count",
    ] {
        assert!(us[f].as_i64().unwrap() > 0, "{f} = {}", us[f]);
    }
    let (s, v) = sb
        .get(
            "/user_actions.json?username=member_mia&filter=4,5&offset=0&limit=5",
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let acts = v["user_actions"].as_array().unwrap();
    assert_eq!(acts.len(), 5);
    assert!(acts
        .iter()
        .all(|a| a["action_type"] == 4 || a["action_type"] == 5));
    let (_, v) = sb
        .get("/user_actions.json?username=member_mia&filter=1", None)
        .await;
    assert!(!v["user_actions"].as_array().unwrap().is_empty());
    let (s, v) = sb.get("/user_actions.json", None).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    let (s, v) = sb
        .get("/solution/by_user.json?username=member_mia", None)
        .await;
    assert_eq!(s, StatusCode::OK);
    let sol = v["user_solved_posts"].as_array().unwrap();
    assert!(!sol.is_empty());
    assert!(sol[0]["url"].as_str().unwrap().starts_with("/t/"));
}

#[tokio::test]
async fn admin_user_is_staff_only_and_shows_linked_accounts() {
    let sb = start().await;
    let (_, me) = sb.get("/session/current.json", Some("member_mia")).await;
    let id = me["current_user"]["id"].as_i64().unwrap();
    let (s, v) = sb
        .get(&format!("/admin/users/{id}.json"), Some("mod_anna"))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(
        v["external_ids"]["google"].is_string(),
        "{}",
        v["external_ids"]
    );
    assert!(v["external_ids"]["facebook"].is_string());
    assert!(v["external_ids"]["twitter"].is_string());
    for f in [
        "flags_given_count",
        "flags_received_count",
        "warnings_received_count",
    ] {
        assert!(v[f].is_i64(), "{f}");
    }
    assert!(v["flags_given_count"].as_i64().unwrap() >= 1);
    assert!(v["penalty_counts"]["suspended"].is_i64());
    assert!(v.get("ip_address").is_none(), "moderators don't see IPs");
    let (_, v) = sb
        .get(&format!("/admin/users/{id}.json"), Some("admin"))
        .await;
    assert!(v.get("ip_address").is_some());
    let (s, v) = sb
        .get(&format!("/admin/users/{id}.json"), Some("member_mia"))
        .await;
    assert_invalid_access(s, &v);
    let (s, v) = sb
        .get(&format!("/admin/users/{id}.json"), Some("leader_luca"))
        .await;
    assert_invalid_access(s, &v);
    // some members are suspended or silenced
    let mut suspended = 0;
    let mut silenced = 0;
    for uid in 11..40 {
        let (_, v) = sb
            .get(&format!("/admin/users/{uid}.json"), Some("admin"))
            .await;
        if v["suspended_till"].is_string() {
            assert!(v["full_suspend_reason"].is_string());
            suspended += 1;
        }
        if v["silenced_till"].is_string() {
            silenced += 1;
        }
    }
    assert!(suspended >= 2 && silenced >= 2, "{suspended} {silenced}");
}

#[tokio::test]
async fn private_messages_admin_or_self_only() {
    let sb = start().await;
    let (s, v) = sb
        .get(
            "/topics/private-messages/member_mia.json",
            Some("member_mia"),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(v["topic_list"]["topics"].as_array().unwrap().len() >= 3);
    let (s, _) = sb
        .get("/topics/private-messages/member_mia.json", Some("admin"))
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, v) = sb
        .get("/topics/private-messages/member_mia.json", Some("mod_anna"))
        .await;
    assert_invalid_access(s, &v);
    let (s, v) = sb
        .get(
            "/topics/private-messages/member_mia.json",
            Some("leader_luca"),
        )
        .await;
    assert_invalid_access(s, &v);
    // PMs never show up in public lists, and their topics are closed to others
    let (_, v) = sb
        .get(
            "/topics/private-messages/member_mia.json",
            Some("member_mia"),
        )
        .await;
    let pm = v["topic_list"]["topics"][0]["id"].as_i64().unwrap();
    let (s, v) = sb.get(&format!("/t/{pm}.json"), Some("mod_ben")).await;
    assert_invalid_access(s, &v);
    let (s, _) = sb.get(&format!("/t/{pm}.json"), Some("member_mia")).await;
    assert_eq!(s, StatusCode::OK);
}

#[tokio::test]
async fn chat_channels_and_messages() {
    let sb = start().await;
    let (s, v) = sb.get("/chat/api/channels.json", Some("member_mia")).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let channels = v["channels"].as_array().unwrap();
    assert!(channels.len() >= 3);
    for c in channels {
        let id = c["id"].as_i64().unwrap();
        let (s, m) = sb
            .get(
                &format!("/chat/api/channels/{id}/messages.json?page_size=200&direction=past"),
                Some("member_mia"),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        let msgs = m["messages"].as_array().unwrap();
        assert!(
            msgs.iter().any(|x| x["user"]["username"] == "member_mia"),
            "mia silent in {id}"
        );
    }
    let (_, m) = sb
        .get(
            "/chat/api/channels/1/messages.json?page_size=10",
            Some("admin"),
        )
        .await;
    let msgs = m["messages"].as_array().unwrap();
    assert_eq!(msgs.len(), 10);
    assert_eq!(m["meta"]["can_load_more_past"], true);
    let first = msgs[0]["id"].as_i64().unwrap();
    let (_, older) = sb
        .get(&format!("/chat/api/channels/1/messages.json?page_size=10&direction=past&target_message_id={first}"), Some("admin"))
        .await;
    assert!(older["messages"]
        .as_array()
        .unwrap()
        .iter()
        .all(|x| x["id"].as_i64().unwrap() < first));
    let (s, v) = sb
        .get("/chat/api/channels/99/messages.json", Some("admin"))
        .await;
    assert_not_found(s, &v);
}

#[tokio::test]
async fn review_queue_is_staff_only_and_paged() {
    let sb = start().await;
    let (s, v) = sb.get("/review.json", Some("mod_anna")).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let items = v["reviewables"].as_array().unwrap();
    assert_eq!(items.len(), 10);
    assert!(items.iter().all(|r| r["status"] == 0));
    let more = v["meta"]["load_more_reviewables"].as_str().unwrap();
    assert!(more.contains("offset=10"));
    let (s, v) = sb.get("/review.json", Some("member_mia")).await;
    assert_invalid_access(s, &v);
    let (s, v) = sb.get("/review.json", Some("leader_luca")).await;
    assert_invalid_access(s, &v);
}

#[tokio::test]
async fn hostile_content_is_present_in_an_unanswered_topic() {
    let sb = start().await;
    let (_, v) = sb.get("/latest.json?max_posts=1&per_page=100", None).await;
    let mut found = false;
    for t in v["topic_list"]["topics"].as_array().unwrap() {
        let id = t["id"].as_i64().unwrap();
        let topic = sb.topic(id, None).await;
        let cooked = topic["post_stream"]["posts"][0]["cooked"]
            .as_str()
            .unwrap_or("");
        if cooked.contains('\u{1b}') && cooked.contains('\u{202e}') {
            found = true;
            break;
        }
    }
    assert!(found);
}

#[tokio::test]
async fn admin_can_issue_user_api_keys_for_any_member() {
    let sb = start().await;
    let (s, v) = sb
        .post_form(
            "/sandbox/user-api-keys.json",
            "admin",
            &[("username", "leader_omar")],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let key = v["key"].as_str().unwrap().to_string();
    let resp = sb
        .client
        .get(format!("{}/session/current.json", sb.url))
        .header("User-Api-Key", &key)
        .send()
        .await
        .unwrap();
    let me: Value = resp.json().await.unwrap();
    assert_eq!(me["current_user"]["username"], "leader_omar");
    let (s, v) = sb
        .post_form(
            "/sandbox/user-api-keys.json",
            "mod_anna",
            &[("username", "leader_omar")],
        )
        .await;
    assert_invalid_access(s, &v);
}

#[tokio::test]
async fn hostile_parameters_never_crash_the_server() {
    let sb = start().await;
    let big = i64::MAX.to_string();
    let paths = [
        format!("/latest.json?page={big}"),
        "/latest.json?page=-1".to_string(),
        "/latest.json?per_page=abc".to_string(),
        format!("/latest.json?max_posts={big}&min_posts=-{big}"),
        format!("/filter.json?q=created-after:-{big}%20posts-min:x%20order:%00"),
        format!("/t/1.json?page={big}"),
        "/t/1.json?post_number=-5".to_string(),
        format!("/t/{big}.json"),
        format!("/t/1/posts.json?post_ids[]=x&post_ids[]={big}"),
        format!("/review.json?offset={big}"),
        format!("/user_actions.json?username=member_mia&offset={big}&limit={big}"),
        format!("/chat/api/channels/1/messages.json?page_size={big}"),
        format!("/chat/api/channels/1/messages.json?target_message_id={big}&direction=future"),
        "/u/%FF%FE.json".to_string(),
        "/latest.json?category=%E2%80%AE".to_string(),
    ];
    for p in &paths {
        let (s, v) = sb.get(p, Some("admin")).await;
        assert!(s.as_u16() < 500, "{p} -> {s} {v}");
    }
    let (s, _) = sb
        .call(
            reqwest::Method::POST,
            "/posts.json",
            Some("admin"),
            Body::Form(&[
                ("topic_id", "1"),
                ("raw", "\u{1b}[31m\u{0}\u{7}"),
                ("reply_to_post_number", "-9"),
            ]),
        )
        .await;
    assert!(s.as_u16() < 500);
    let resp = sb
        .client
        .post(format!("{}/posts.json", sb.url))
        .header("Api-Key", KEY)
        .header("Api-Username", "admin")
        .header("Content-Type", "application/json")
        .body("{\"raw\": [1, {\"a\": null}], \"topic_id\": {\"x\": 1}")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
}
