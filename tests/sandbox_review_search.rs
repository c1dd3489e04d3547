//! The sandbox's search, review queue, flags, post edits and about page over real HTTP, against
//! a 200-topic demo (seed 7) with every rate limit off.
//!
//! Tests write their own uniquely worded topics where an exact answer is needed (the demo's
//! text is templated, so its words are everywhere), and find seeded review items through the
//! queue's own filters rather than by id.

use std::net::SocketAddr;
use std::time::Duration;

use modterm::sandbox::{Sandbox, SandboxOptions};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const KEY: &str = "review-search-test-key";
const MOD: &str = "mod_anna";

struct Sb {
    _sandbox: Sandbox,
    _dir: tempfile::TempDir,
    client: reqwest::Client,
    url: String,
}

async fn start() -> Sb {
    let dir = tempfile::tempdir().expect("tempdir");
    let addr: SocketAddr = "127.0.0.1:0".parse().expect("addr");
    let opts = SandboxOptions {
        topics: 200,
        seed: 7,
        admin_rate_limit_per_minute: None,
        user_key_rate_limit_per_minute: None,
        user_key_daily_limit: None,
        ip_rate_limit_per_minute: None,
        ip_rate_limit_per_10_secs: None,
        ..SandboxOptions::new(addr, dir.path().join("sandbox.db"), KEY.to_string())
    };
    let sandbox = Sandbox::start(opts).await.expect("sandbox starts");
    let url = sandbox.url();
    Sb {
        _sandbox: sandbox,
        _dir: dir,
        client: reqwest::Client::builder()
            .timeout(Duration::from_secs(20))
            .build()
            .expect("client"),
        url,
    }
}

/// Percent-encodes a query component.
fn enc(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn ids(list: &Value) -> Vec<i64> {
    list.as_array()
        .map(|a| a.iter().filter_map(|x| x["id"].as_i64()).collect())
        .unwrap_or_default()
}

impl Sb {
    async fn call(
        &self,
        method: Method,
        path: &str,
        user: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = self.client.request(method, format!("{}{}", self.url, path));
        if let Some(u) = user {
            req = req.header("Api-Key", KEY).header("Api-Username", u);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("request sent");
        let status = resp.status();
        let text = resp.text().await.expect("body");
        let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, value)
    }

    async fn get(&self, path: &str, user: Option<&str>) -> (StatusCode, Value) {
        self.call(Method::GET, path, user, None).await
    }

    async fn ok(&self, path: &str, user: Option<&str>) -> Value {
        let (s, v) = self.get(path, user).await;
        assert_eq!(s, StatusCode::OK, "GET {path}: {v}");
        v
    }

    async fn post(&self, path: &str, user: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::POST, path, Some(user), Some(body)).await
    }

    async fn put(&self, path: &str, user: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::PUT, path, Some(user), Some(body)).await
    }

    async fn delete(&self, path: &str, user: &str) -> (StatusCode, Value) {
        self.call(Method::DELETE, path, Some(user), None).await
    }

    /// `GET /search.json?q=` (200 asserted).
    async fn search(&self, q: &str, user: Option<&str>) -> Value {
        self.ok(&format!("/search.json?q={}", enc(q)), user).await
    }

    /// A new topic; returns `(topic_id, first post id)`.
    async fn new_topic(&self, user: &str, title: &str, raw: &str, category: &str) -> (i64, i64) {
        let (s, v) = self
            .post(
                "/posts.json",
                user,
                json!({"title": title, "raw": raw, "category": category}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        (v["topic_id"].as_i64().unwrap(), v["id"].as_i64().unwrap())
    }

    async fn reply(&self, user: &str, topic: i64, raw: &str) -> i64 {
        let (s, v) = self
            .post("/posts.json", user, json!({"topic_id": topic, "raw": raw}))
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        v["id"].as_i64().unwrap()
    }

    async fn user_id(&self, username: &str) -> i64 {
        let v = self.ok(&format!("/u/{username}.json"), Some("admin")).await;
        v["user"]["id"].as_i64().expect("user id")
    }

    /// `GET /review.json?{query}` as a moderator (200 asserted).
    async fn queue(&self, query: &str) -> Value {
        self.ok(&format!("/review.json?{query}"), Some(MOD)).await
    }

    async fn flag(
        &self,
        user: &str,
        post: i64,
        kind: i64,
        message: Option<&str>,
    ) -> (StatusCode, Value) {
        let mut body = json!({"id": post, "post_action_type_id": kind});
        if let Some(m) = message {
            body["message"] = json!(m);
        }
        self.post("/post_actions.json", user, body).await
    }

    async fn perform(
        &self,
        user: &str,
        id: i64,
        action: &str,
        version: Option<i64>,
    ) -> (StatusCode, Value) {
        let path = match version {
            Some(v) => format!("/review/{id}/perform/{action}.json?version={v}"),
            None => format!("/review/{id}/perform/{action}.json"),
        };
        self.call(Method::PUT, &path, Some(user), None).await
    }

    /// A post as `/t/{topic}.json` shows it to `user` (`None` when not in the first chunk).
    async fn post_in_topic(&self, topic: i64, post: i64, user: &str) -> Option<Value> {
        let v = self.ok(&format!("/t/{topic}.json"), Some(user)).await;
        v["post_stream"]["posts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["id"] == json!(post))
            .cloned()
    }

    /// A post as `/posts/{id}.json` shows it to an admin.
    async fn post_as_admin(&self, post: i64) -> Value {
        self.ok(&format!("/posts/{post}.json"), Some("admin")).await
    }

    /// One message-bus poll without long polling: messages after `last` on `channel`.
    async fn poll(&self, user: &str, channel: &str, last: i64) -> Vec<Value> {
        let resp = self
            .client
            .post(format!("{}/message-bus/rs-test/poll?dlp=t", self.url))
            .header("Api-Key", KEY)
            .header("Api-Username", user)
            .header("Dont-Chunk", "true")
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(format!("{}={last}&__seq=1", enc(channel)))
            .send()
            .await
            .expect("poll");
        assert_eq!(resp.status(), StatusCode::OK);
        let v: Value = resp.json().await.expect("poll JSON");
        v.as_array().unwrap().clone()
    }

    /// The current message id of `channel`.
    async fn position(&self, user: &str, channel: &str) -> i64 {
        let out = self.poll(user, channel, -1).await;
        out[0]["data"][channel].as_i64().expect("status id")
    }
}

fn search_topic_ids(v: &Value) -> Vec<i64> {
    ids(&v["topics"])
}

fn assert_forbidden(s: StatusCode, v: &Value) {
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    assert_eq!(v["error_type"], "invalid_access", "{v}");
}

const ZEPHYR_RAW: &str =
    "The zephyrquartz modem shows a purple light every morning and then reboots itself.";
const ZEPHYR_REPLY: &str =
    "Recalibrate the zephyrquartz flux capacitor from the admin page, that fixed mine.";

/// Mia's topic in Mobile with a reply by Anna; returns `(topic, first post, reply)`.
async fn zephyr(sb: &Sb) -> (i64, i64, i64) {
    let (t, p1) = sb
        .new_topic(
            "member_mia",
            "Zephyrquartz modem blinks purple at dawn",
            ZEPHYR_RAW,
            "mobile",
        )
        .await;
    let p2 = sb.reply(MOD, t, ZEPHYR_REPLY).await;
    (t, p1, p2)
}

// ---------------------------------------------------------------------------------------------
// Search

#[tokio::test]
async fn search_words_phrases_titles_and_shape() {
    let sb = start().await;
    let (t, p1, p2) = zephyr(&sb).await;

    let v = sb.search("zephyrquartz", None).await;
    // One result per topic although both posts match.
    assert_eq!(search_topic_ids(&v), vec![t], "{v}");
    let posts = v["posts"].as_array().unwrap();
    assert_eq!(posts.len(), 1);
    let post = &posts[0];
    assert!(post["id"] == json!(p1) || post["id"] == json!(p2));
    for key in [
        "name",
        "username",
        "avatar_template",
        "created_at",
        "like_count",
        "post_number",
    ] {
        assert!(post.get(key).is_some(), "{key} missing: {post}");
    }
    assert_eq!(post["topic_id"], t);
    assert!(
        post["blurb"]
            .as_str()
            .unwrap()
            .to_lowercase()
            .contains("zephyrquartz"),
        "{post}"
    );
    let g = &v["grouped_search_result"];
    assert_eq!(g["term"], "zephyrquartz");
    assert!(g["error"].is_null());
    assert_eq!(g["post_ids"], json!([post["id"]]));
    assert!(g["more_full_page_results"].is_null());
    assert!(g["search_log_id"].as_i64().is_some());
    for key in ["user_ids", "category_ids", "tag_ids", "group_ids"] {
        assert_eq!(g[key], json!([]), "{key}");
    }
    for key in ["users", "categories", "tags", "groups"] {
        assert_eq!(v[key], json!([]), "{key}");
    }
    let topic = &v["topics"][0];
    assert_eq!(topic["title"], "Zephyrquartz modem blinks purple at dawn");
    assert!(topic["posters"].as_array().is_some_and(|p| !p.is_empty()));
    assert_eq!(topic["posts_count"], 2);

    // Every word must match; prefixes match; stems match.
    assert!(sb.search("zephyrquartz marmalade", None).await["posts"]
        .as_array()
        .unwrap()
        .is_empty());
    assert_eq!(
        search_topic_ids(&sb.search("zephyrqua", None).await),
        vec![t]
    );
    assert_eq!(
        search_topic_ids(&sb.search("zephyrquartz reboot", None).await),
        vec![t]
    );

    // Phrases are exact sequences.
    let v = sb.search("\"purple light\" zephyrquartz", None).await;
    assert_eq!(v["posts"][0]["id"], p1, "{v}");
    assert!(
        sb.search("\"light purple\" zephyrquartz", None).await["posts"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    // A word only in the reply: found, as the reply; not with in:title.
    let v = sb.search("capacitor zephyrquartz", None).await;
    assert_eq!(v["posts"][0]["id"], p2, "{v}");
    assert_eq!(v["posts"][0]["post_number"], 2);
    assert!(sb.search("capacitor in:title", None).await["posts"]
        .as_array()
        .unwrap()
        .is_empty());
    let v = sb.search("blinks in:title zephyrquartz", None).await;
    assert_eq!(v["posts"][0]["id"], p1, "{v}");
    assert_eq!(v["posts"][0]["post_number"], 1);
    // "reboots" is in the first post's body, not in the title.
    assert_eq!(
        search_topic_ids(&sb.search("reboots zephyrquartz", None).await),
        vec![t]
    );
    assert!(
        sb.search("reboots zephyrquartz in:title", None).await["posts"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn search_status_category_user_and_dates() {
    let sb = start().await;
    let (t, _p1, p2) = zephyr(&sb).await;
    let (lone, _) = sb
        .new_topic(
            "member_mia",
            "Quillfrost voicemail greeting vanished",
            "My quillfrost voicemail greeting disappeared after the update last night.",
            "mobile",
        )
        .await;
    let hits = |v: &Value| search_topic_ids(v);

    // status:noreplies
    assert_eq!(
        hits(&sb.search("quillfrost status:noreplies", None).await),
        vec![lone]
    );
    assert!(hits(&sb.search("zephyrquartz status:noreplies", None).await).is_empty());

    // status:open / closed
    let (s, v) = sb
        .put(
            &format!("/t/{lone}/status.json"),
            "admin",
            json!({"status": "closed", "enabled": "true"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        hits(&sb.search("quillfrost status:closed", None).await),
        vec![lone]
    );
    assert!(hits(&sb.search("quillfrost status:open", None).await).is_empty());
    assert_eq!(
        hits(&sb.search("zephyrquartz status:open", None).await),
        vec![t]
    );
    assert!(hits(&sb.search("zephyrquartz status:closed", None).await).is_empty());

    // status:solved / unsolved (Mobile accepts answers)
    assert_eq!(
        hits(&sb.search("zephyrquartz status:unsolved", None).await),
        vec![t]
    );
    let (s, v) = sb
        .post("/solution/accept.json", "member_mia", json!({"id": p2}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        hits(&sb.search("zephyrquartz status:solved", None).await),
        vec![t]
    );
    assert!(hits(&sb.search("zephyrquartz status:unsolved", None).await).is_empty());
    assert!(hits(&sb.search("quillfrost status:solved", None).await).is_empty());

    // category:slug and #slug; an unknown #name is a tag, and there are none.
    assert_eq!(
        hits(&sb.search("zephyrquartz category:mobile", None).await),
        vec![t]
    );
    assert!(hits(&sb.search("zephyrquartz category:billing", None).await).is_empty());
    assert_eq!(
        hits(&sb.search("#mobile zephyrquartz", None).await),
        vec![t]
    );
    assert!(hits(&sb.search("#billing zephyrquartz", None).await).is_empty());
    assert!(hits(&sb.search("#no-such-tag zephyrquartz", None).await).is_empty());

    // @user picks that user's post.
    let v = sb.search("zephyrquartz @mod_anna", None).await;
    assert_eq!(v["posts"][0]["id"], p2, "{v}");
    assert_eq!(v["posts"][0]["username"], MOD);
    let v = sb.search("@member_mia zephyrquartz", None).await;
    assert_eq!(v["posts"][0]["username"], "member_mia", "{v}");
    assert!(hits(&sb.search("zephyrquartz @nobody_here", None).await).is_empty());

    // before:/after: on the post's creation date.
    assert_eq!(
        hits(&sb.search("zephyrquartz after:2001-01-01", None).await),
        vec![t]
    );
    assert!(hits(&sb.search("zephyrquartz before:2001-01-01", None).await).is_empty());
    assert_eq!(
        hits(&sb.search("zephyrquartz before:2999-01-01", None).await),
        vec![t]
    );
    assert!(hits(&sb.search("zephyrquartz after:2999-01-01", None).await).is_empty());

    // Filters only: a listing of matching topics.
    let site = sb.ok("/site.json", None).await;
    let mobile = site["categories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["slug"] == "mobile")
        .unwrap()["id"]
        .clone();
    let v = sb.search("status:noreplies category:mobile", None).await;
    let topics = v["topics"].as_array().unwrap();
    assert!(!topics.is_empty(), "{v}");
    assert!(v["grouped_search_result"]["error"].is_null());
    for topic in topics {
        assert!(topic["posts_count"].as_i64().unwrap() <= 1, "{topic}");
        assert_eq!(topic["category_id"], mobile, "{topic}");
    }
    assert_eq!(v["posts"].as_array().unwrap().len(), topics.len());
    let v = sb.search("@member_mia", None).await;
    assert!(!v["posts"].as_array().unwrap().is_empty());
    assert!(v["posts"]
        .as_array()
        .unwrap()
        .iter()
        .all(|p| p["username"] == "member_mia"));
}

/// The id of the seeded category `slug`, from `/site.json`.
async fn category_id(sb: &Sb, slug: &str) -> i64 {
    let site = sb.ok("/site.json", None).await;
    site["categories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["slug"] == slug)
        .unwrap_or_else(|| panic!("no category {slug}: {site}"))["id"]
        .as_i64()
        .unwrap()
}

#[tokio::test]
async fn search_hashtag_is_a_category_slug_else_a_tag() {
    let sb = start().await;
    let hits = |v: &Value| search_topic_ids(v);
    let broadband = category_id(&sb, "broadband-wi-fi").await;
    let mobile = category_id(&sb, "mobile").await;
    let (ours, _) = sb
        .new_topic(
            "member_mia",
            "Glimmerwick router forgets its settings",
            "Every glimmerwick reset wipes the router settings, even the network name.",
            "broadband-wi-fi",
        )
        .await;
    // Its text says "no such tag": as words that matches, as a #tag it must not.
    let (other, _) = sb
        .new_topic(
            "member_mia",
            "Glimmerwick phone case label puzzle",
            "The glimmerwick case box says no such tag on its label, whatever that means.",
            "mobile",
        )
        .await;
    let mut both = hits(&sb.search("glimmerwick", None).await);
    both.sort_unstable();
    assert_eq!(both, vec![ours.min(other), ours.max(other)]);

    // #slug keeps that category's topics only (by slug, in any case).
    assert_eq!(
        hits(&sb.search("#broadband-wi-fi glimmerwick", None).await),
        vec![ours]
    );
    assert_eq!(
        hits(&sb.search("glimmerwick #BROADBAND-WI-FI", None).await),
        vec![ours]
    );
    assert_eq!(
        hits(&sb.search("#mobile glimmerwick", None).await),
        vec![other]
    );

    // Over the seeded demo: matches, and every one of them in that category.
    for q in ["#broadband-wi-fi router", "#broadband-wi-fi"] {
        let v = sb.search(q, None).await;
        let topics = v["topics"].as_array().unwrap();
        assert!(
            topics.iter().any(|t| t["id"] != json!(ours)),
            "{q}: no seeded topic: {v}"
        );
        for topic in topics {
            assert_eq!(topic["category_id"], broadband, "{q}: {topic}");
        }
        assert!(v["grouped_search_result"]["error"].is_null(), "{q}: {v}");
    }

    // #slug is category:slug: the same topics and posts, in the same order.
    for (slug, id) in [("broadband-wi-fi", broadband), ("mobile", mobile)] {
        for words in ["router", "glimmerwick", "the", "router order:latest", ""] {
            let hash = sb.search(&format!("#{slug} {words}"), None).await;
            let category = sb.search(&format!("category:{slug} {words}"), None).await;
            assert_eq!(hits(&hash), hits(&category), "#{slug} {words}");
            assert_eq!(
                hash["grouped_search_result"]["post_ids"],
                category["grouped_search_result"]["post_ids"],
                "#{slug} {words}"
            );
            for topic in hash["topics"].as_array().unwrap() {
                assert_eq!(topic["category_id"], id, "#{slug} {words}: {topic}");
            }
        }
    }

    // Any other #name is a tag, and the sandbox has none: nothing, not the words.
    assert_eq!(
        hits(&sb.search("no-such-tag glimmerwick", None).await),
        vec![other]
    );
    assert!(hits(&sb.search("#no-such-tag glimmerwick", None).await).is_empty());
    assert!(!hits(&sb.search("router", None).await).is_empty());
    assert!(hits(&sb.search("#no-such-tag router", None).await).is_empty());
    let v = sb.search("#no-such-tag", None).await;
    assert!(hits(&v).is_empty(), "{v}");
    assert!(v["posts"].as_array().unwrap().is_empty(), "{v}");
    assert!(v["grouped_search_result"]["error"].is_null(), "{v}");
}

#[tokio::test]
async fn search_order_paging_short_terms_and_hostile_input() {
    let sb = start().await;
    // order:latest puts the newest matching post first.
    let v = sb.search("router order:latest", Some("admin")).await;
    let dates: Vec<String> = v["posts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["created_at"].as_str().unwrap().to_string())
        .collect();
    assert!(dates.len() > 10, "{v}");
    assert!(dates.windows(2).all(|w| w[0] >= w[1]), "{dates:?}");
    let (t, _) = sb
        .new_topic(
            "member_mia",
            "Router firmware nag screen every hour",
            "The router firmware keeps nagging me to update even after I updated it.",
            "broadband-wi-fi",
        )
        .await;
    let v = sb.search("router order:latest", Some("admin")).await;
    assert_eq!(v["posts"][0]["topic_id"], t, "{v}");

    // 50 a page, pages 1..10, more_full_page_results on a full page.
    let p1 = sb.search("the", Some("admin")).await;
    let first: Vec<i64> = search_topic_ids(&p1);
    assert_eq!(first.len(), 50, "{p1}");
    assert_eq!(p1["grouped_search_result"]["more_full_page_results"], true);
    let p2 = sb
        .ok(
            &format!("/search.json?q={}&page=2", enc("the")),
            Some("admin"),
        )
        .await;
    let second = search_topic_ids(&p2);
    assert!(!second.is_empty());
    assert!(second.iter().all(|id| !first.contains(id)));
    let p99 = sb
        .ok(
            &format!("/search.json?q={}&page=99", enc("the")),
            Some("admin"),
        )
        .await;
    assert_eq!(search_topic_ids(&p99), first, "page 99 is page 1");

    // Too short alone: nothing, with an error; with a filter it runs.
    let v = sb.search("ab", None).await;
    assert!(v["posts"].as_array().unwrap().is_empty());
    assert!(v["grouped_search_result"]["error"].is_string(), "{v}");
    let v = sb.search("5g @member_mia", None).await;
    assert!(v["grouped_search_result"]["error"].is_null(), "{v}");

    // FTS syntax from users is only ever words.
    for q in [
        "\"foo\" OR bar* NEAR(",
        "NEAR(router modem, 2)",
        "title:router",
        "{title} : router",
        "router AND OR NOT",
        "\"unclosed phrase",
        "\"\"\"",
        "*",
        "(((",
        "-router ^modem +x",
        "caf\u{e9} \u{1f600} \u{202e}evil",
        "a'b \\ ; -- DROP TABLE posts",
        "status: category: @ # in: order:",
    ] {
        let (s, v) = sb
            .get(&format!("/search.json?q={}", enc(q)), Some("member_mia"))
            .await;
        assert_eq!(s, StatusCode::OK, "{q:?} -> {v}");
        assert!(v["grouped_search_result"].is_object(), "{q:?} -> {v}");
    }
    let long = "router ".repeat(3000);
    let (s, _) = sb
        .get(&format!("/search.json?q={}", enc(&long)), None)
        .await;
    assert!(s.as_u16() < 500);
    // "NEAR" and "OR" are plain words: a post saying them is found.
    let (t, _) = sb
        .new_topic(
            "member_mia",
            "Signal strength near the window only",
            "Signal is fine near the window or the door, never elsewhere in the flat.",
            "mobile",
        )
        .await;
    let v = sb.search("NEAR( window* OR door", None).await;
    assert_eq!(search_topic_ids(&v), vec![t], "{v}");
}

#[tokio::test]
async fn search_respects_permissions() {
    let sb = start().await;
    // A private message between Mia and Anna.
    let (s, v) = sb
        .post(
            "/posts.json",
            "member_mia",
            json!({"archetype": "private_message", "target_recipients": MOD,
                   "title": "Vellichor billing question in private",
                   "raw": "Please check my vellichor account privately, thanks a lot."}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let pm = v["topic_id"].as_i64().unwrap();
    let found = |v: &Value| search_topic_ids(v).contains(&pm);
    // Not in a default search, for anyone.
    for user in [None, Some("member_mia"), Some(MOD), Some("admin")] {
        assert!(!found(&sb.search("vellichor", user).await), "{user:?}");
    }
    // in:personal: participants only.
    assert!(found(
        &sb.search("vellichor in:personal", Some("member_mia")).await
    ));
    assert!(found(&sb.search("vellichor in:messages", Some(MOD)).await));
    for user in [None, Some("leader_luca"), Some("mod_ben"), Some("admin")] {
        assert!(
            !found(&sb.search("vellichor in:personal", user).await),
            "{user:?}"
        );
    }
    // in:all-pms: admins see every message; others still only theirs.
    assert!(found(
        &sb.search("vellichor in:all-pms", Some("admin")).await
    ));
    assert!(!found(
        &sb.search("vellichor in:all-pms", Some("leader_luca")).await
    ));
    let v = sb.search("vellichor in:personal", Some("member_mia")).await;
    assert!(v["topics"]
        .as_array()
        .unwrap()
        .iter()
        .all(|t| t["archetype"] == "private_message"));
    // The seeded messages' content is not in a member's search either.
    let v = sb.search("4471", Some("leader_lena")).await;
    assert!(
        v["topics"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["archetype"] == "regular"),
        "{v}"
    );

    // An unlisted topic: staff only.
    let (t, _) = sb
        .new_topic(
            "member_mia",
            "Sonderwick router password reset loop",
            "The sonderwick router asks for a password reset every single time I log in.",
            "broadband-wi-fi",
        )
        .await;
    let (s, v) = sb
        .put(
            &format!("/t/{t}/status.json"),
            "admin",
            json!({"status": "visible", "enabled": "false"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(search_topic_ids(&sb.search("sonderwick", Some(MOD)).await).contains(&t));
    assert!(!search_topic_ids(&sb.search("sonderwick", Some("leader_luca")).await).contains(&t));
    assert!(!search_topic_ids(&sb.search("sonderwick", None).await).contains(&t));

    // A whisper: staff only.
    let (t2, _, _) = zephyr(&sb).await;
    let (s, v) = sb
        .post(
            "/posts.json",
            MOD,
            json!({"topic_id": t2, "whisper": true, "raw": "Staff note: the glimmerbane user is a known reseller account."}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(search_topic_ids(&sb.search("glimmerbane", Some("mod_ben")).await).contains(&t2));
    assert!(sb.search("glimmerbane", Some("member_mia")).await["posts"]
        .as_array()
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn filter_keywords_use_the_search_index() {
    let sb = start().await;
    let (t, _, _) = zephyr(&sb).await;
    let list = |v: &Value| ids(&v["topic_list"]["topics"]);
    let v = sb.ok("/filter.json?q=zephyrquartz", None).await;
    assert_eq!(list(&v), vec![t], "{v}");
    // Words from any post of the topic, prefixes too, all of them required.
    assert_eq!(
        list(&sb.ok("/filter.json?q=capacitor%20zephyrqua", None).await),
        vec![t]
    );
    assert!(list(&sb.ok("/filter.json?q=zephyrquartz%20marmalade", None).await).is_empty());
    assert!(list(
        &sb.ok("/filter.json?q=zephyrquartz%20status:closed", None)
            .await
    )
    .is_empty());
    let (s, _) = sb
        .get(
            &format!("/filter.json?q={}", enc("\"x\" NEAR( * zephyrquartz")),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
}

#[tokio::test]
async fn edits_are_searchable_at_once() {
    let sb = start().await;
    let (t, p1, _) = zephyr(&sb).await;
    let (s, v) = sb
        .put(
            &format!("/posts/{p1}.json"),
            "member_mia",
            json!({"post": {"raw": "The modem now shows an amber glow called marigoldish every morning."}}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        search_topic_ids(&sb.search("marigoldish", None).await),
        vec![t]
    );
    let v = sb.search("purple light zephyrquartz", None).await;
    assert!(
        v["posts"].as_array().unwrap().is_empty(),
        "old words are gone: {v}"
    );
    // A new title reaches every post of the topic.
    let (s, v) = sb
        .put(
            &format!("/t/{t}.json"),
            "admin",
            json!({"title": "Halcyonix modem blinks at dawn"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        search_topic_ids(&sb.search("halcyonix capacitor", None).await),
        vec![t]
    );
}

// ---------------------------------------------------------------------------------------------
// Review queue

#[tokio::test]
async fn review_queue_is_for_staff_only() {
    let sb = start().await;
    let any = sb.queue("").await["reviewables"][0]["id"].as_i64().unwrap();
    for path in [
        "/review.json".to_string(),
        "/review/count.json".to_string(),
        "/review/topics.json".to_string(),
        format!("/review/{any}.json"),
    ] {
        for user in ["member_mia", "leader_luca"] {
            let (s, v) = sb.get(&path, Some(user)).await;
            assert_forbidden(s, &v);
        }
        let (s, v) = sb.get(&path, None).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{path}: {v}");
        assert_eq!(v["error_type"], "not_logged_in");
        for user in ["admin", "mod_ben"] {
            let (s, v) = sb.get(&path, Some(user)).await;
            assert_eq!(s, StatusCode::OK, "{path} as {user}: {v}");
        }
    }
}

#[tokio::test]
async fn review_list_shapes_and_filters() {
    let sb = start().await;
    let v = sb.queue("").await;
    let items = v["reviewables"].as_array().unwrap().clone();
    assert_eq!(items.len(), 10, "{v}");
    assert!(items.iter().all(|r| r["status"] == 0));
    let scores: Vec<f64> = items.iter().map(|r| r["score"].as_f64().unwrap()).collect();
    assert!(
        scores.windows(2).all(|w| w[0] >= w[1]),
        "by score: {scores:?}"
    );
    let users = ids(&v["users"]);
    let score_ids = ids(&v["reviewable_scores"]);
    let bundle_ids: Vec<String> = v["bundled_actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["id"].as_str().unwrap().to_string())
        .collect();
    let action_ids: Vec<String> = v["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_string())
        .collect();
    for r in &items {
        for key in [
            "id",
            "type",
            "status",
            "topic_id",
            "topic_url",
            "target_type",
            "target_id",
            "target_url",
            "target_created_at",
            "post_id",
            "category_id",
            "created_at",
            "can_edit",
            "score",
            "version",
            "created_by_id",
            "target_created_by_id",
            "reviewable_score_ids",
            "bundled_action_ids",
            "payload",
        ] {
            assert!(r.get(key).is_some(), "{key} missing in {r}");
        }
        assert!(users.contains(&r["created_by_id"].as_i64().unwrap()), "{r}");
        for s in r["reviewable_score_ids"].as_array().unwrap() {
            assert!(score_ids.contains(&s.as_i64().unwrap()));
        }
        assert!(
            !r["bundled_action_ids"].as_array().unwrap().is_empty(),
            "{r}"
        );
        for b in r["bundled_action_ids"].as_array().unwrap() {
            assert!(bundle_ids.contains(&b.as_str().unwrap().to_string()));
        }
    }
    for b in v["bundled_actions"].as_array().unwrap() {
        for a in b["action_ids"].as_array().unwrap() {
            assert!(action_ids.contains(&a.as_str().unwrap().to_string()), "{b}");
        }
    }
    for s in v["reviewable_scores"].as_array().unwrap() {
        for key in [
            "id",
            "score",
            "agree_stats",
            "reviewable_score_type",
            "status",
            "user_id",
            "created_at",
            "reason",
        ] {
            assert!(s.get(key).is_some(), "{key} missing in {s}");
        }
    }
    let meta = &v["meta"];
    let total = meta["total_rows_reviewables"].as_i64().unwrap();
    assert!(total > 10);
    let count = sb.ok("/review/count.json", Some(MOD)).await["count"]
        .as_i64()
        .unwrap();
    assert_eq!(meta["reviewable_count"], count);
    assert_eq!(total, count, "the default list is every pending item");
    let more = meta["load_more_reviewables"].as_str().unwrap();
    assert!(more.contains("offset=10"), "{more}");
    let page2 = sb.queue("offset=10").await;
    let second = ids(&page2["reviewables"]);
    assert!(!second.is_empty());
    assert!(second.iter().all(|id| !ids(&v["reviewables"]).contains(id)));

    // type
    for (t, at_least) in [
        ("ReviewableFlaggedPost", 5),
        ("ReviewableQueuedPost", 4),
        ("ReviewableUser", 1),
    ] {
        let v = sb.queue(&format!("type={t}")).await;
        let items = v["reviewables"].as_array().unwrap();
        assert!(items.len() >= at_least, "{t}: {v}");
        assert!(items.iter().all(|r| r["type"] == t));
    }
    let users = sb.queue("type=ReviewableUser").await;
    assert_eq!(users["reviewables"][0]["target_type"], "User");
    assert!(users["reviewables"][0]["payload"]["username"].is_string());
    let queued = sb.queue("type=ReviewableQueuedPost").await;
    assert!(queued["reviewables"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["payload"]["raw"].is_string() && r["created_by_id"] == -1));
    assert!(
        ids(&queued["users"]).contains(&-1),
        "the system user is sideloaded"
    );

    // status
    let all = sb.queue("status=all").await["meta"]["total_rows_reviewables"]
        .as_i64()
        .unwrap();
    let reviewed = sb.queue("status=reviewed").await;
    let n_reviewed = reviewed["meta"]["total_rows_reviewables"].as_i64().unwrap();
    assert!(n_reviewed > 0);
    assert_eq!(all, total + n_reviewed);
    assert!(reviewed["reviewables"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["status"] != 0));
    for (name, code) in [("approved", 1), ("rejected", 2), ("ignored", 3)] {
        let v = sb.queue(&format!("status={name}")).await;
        assert!(
            v["reviewables"]
                .as_array()
                .unwrap()
                .iter()
                .all(|r| r["status"] == code),
            "{name}"
        );
    }
    let (s, _) = sb.get("/review.json?status=bogus", Some(MOD)).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _) = sb
        .get("/review.json?type=ReviewableNonsense", Some(MOD))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);

    // category_id, topic_id, username
    let flagged = sb.queue("type=ReviewableFlaggedPost").await;
    let first = flagged["reviewables"][0].clone();
    let cat = first["category_id"].as_i64().unwrap();
    let v = sb.queue(&format!("category_id={cat}")).await;
    assert!(!v["reviewables"].as_array().unwrap().is_empty());
    assert!(v["reviewables"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["category_id"] == cat));
    let topic = first["topic_id"].as_i64().unwrap();
    let v = sb.queue(&format!("topic_id={topic}")).await;
    assert!(ids(&v["reviewables"]).contains(&first["id"].as_i64().unwrap()));
    assert!(v["reviewables"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["topic_id"] == topic));
    let author = first["target_created_by_id"].as_i64().unwrap();
    let name = flagged["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["id"] == author)
        .unwrap()["username"]
        .as_str()
        .unwrap()
        .to_string();
    let v = sb.queue(&format!("username={name}")).await;
    assert!(ids(&v["reviewables"]).contains(&first["id"].as_i64().unwrap()));
    assert!(v["reviewables"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["target_created_by_id"] == author));
    assert!(sb.queue("username=nobody_here").await["reviewables"]
        .as_array()
        .unwrap()
        .is_empty());

    // priority
    let n = |v: &Value| v["meta"]["total_rows_reviewables"].as_i64().unwrap();
    let low = n(&sb.queue("priority=low").await);
    let medium = sb.queue("priority=medium").await;
    let high = sb.queue("priority=high").await;
    assert!(medium["reviewables"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["score"].as_f64().unwrap() >= 5.0));
    assert!(high["reviewables"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["score"].as_f64().unwrap() >= 10.0));
    assert!(n(&high) <= n(&medium) && n(&medium) <= low && low == total);
    assert!(n(&high) >= 1, "the spam pile-on is high priority");
}

#[tokio::test]
async fn review_show_and_topics() {
    let sb = start().await;
    let top = sb.queue("").await["reviewables"][0].clone();
    let id = top["id"].as_i64().unwrap();
    let v = sb.ok(&format!("/review/{id}.json"), Some(MOD)).await;
    assert_eq!(v["reviewable"]["id"], id);
    assert_eq!(v["reviewable"]["version"], top["version"]);
    assert_eq!(
        ids(&v["reviewable_scores"]),
        top["reviewable_score_ids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_i64().unwrap())
            .collect::<Vec<_>>()
    );
    assert!(ids(&v["users"]).contains(&top["target_created_by_id"].as_i64().unwrap()));
    assert!(ids(&v["topics"]).contains(&top["topic_id"].as_i64().unwrap()));
    let (s, _) = sb.get("/review/987654.json", Some(MOD)).await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    let v = sb.ok("/review/topics.json", Some(MOD)).await;
    let topics = v["reviewable_topics"].as_array().unwrap();
    assert!(!topics.is_empty());
    for t in topics {
        assert!(t["stats"]["count"].as_i64().unwrap() >= 1, "{t}");
        assert!(t["stats"]["unique_users"].as_i64().unwrap() >= 1, "{t}");
        assert_eq!(
            t["relative_url"],
            format!("/t/{}/{}", t["slug"].as_str().unwrap(), t["id"])
        );
    }
    let entry = topics
        .iter()
        .find(|t| t["id"] == top["topic_id"])
        .expect("the top item's topic is listed");
    let flags = top["reviewable_score_ids"].as_array().unwrap().len() as i64;
    assert!(
        entry["stats"]["count"].as_i64().unwrap() >= flags,
        "{entry}"
    );
}

/// The highest-scored pending flagged post offering `action`.
async fn flagged_offering(sb: &Sb, action: &str) -> Value {
    let v = sb.queue("type=ReviewableFlaggedPost").await;
    let offered: Vec<String> = v["bundled_actions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| {
            b["action_ids"]
                .as_array()
                .unwrap()
                .iter()
                .any(|a| a == action)
        })
        .map(|b| b["id"].as_str().unwrap().to_string())
        .collect();
    v["reviewables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| {
            r["bundled_action_ids"]
                .as_array()
                .unwrap()
                .iter()
                .any(|b| offered.contains(&b.as_str().unwrap().to_string()))
        })
        .cloned()
        .unwrap_or_else(|| panic!("no item offers {action}: {v}"))
}

#[tokio::test]
async fn perform_checks_version_role_and_action() {
    let sb = start().await;
    let r = flagged_offering(&sb, "agree_and_hide").await;
    let id = r["id"].as_i64().unwrap();
    let version = r["version"].as_i64().unwrap();
    let (s, v) = sb.perform(MOD, id, "agree_and_hide", None).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let (s, v) = sb
        .perform(MOD, id, "agree_and_hide", Some(version + 3))
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    for action in [
        "agree_and_hide",
        "agree_and_keep",
        "disagree",
        "ignore",
        "delete_and_agree",
        "approve_post",
        "reject_post",
        "approve_user",
        "delete_user",
    ] {
        for user in ["member_mia", "leader_luca"] {
            let (s, v) = sb.perform(user, id, action, Some(version)).await;
            assert_forbidden(s, &v);
        }
    }
    // An action flagged posts do not have.
    let (s, v) = sb.perform(MOD, id, "approve_post", Some(version)).await;
    assert_forbidden(s, &v);
    let (s, v) = sb.perform(MOD, id, "made_up_action", Some(version)).await;
    assert_forbidden(s, &v);
    // Nothing changed so far.
    let shown = sb.ok(&format!("/review/{id}.json"), Some(MOD)).await;
    assert_eq!(shown["reviewable"]["version"], version);
    assert_eq!(shown["reviewable"]["status"], 0);
}

#[tokio::test]
async fn agree_and_hide_hides_the_post_and_publishes() {
    let sb = start().await;
    let r = flagged_offering(&sb, "agree_and_hide").await;
    let (id, version) = (r["id"].as_i64().unwrap(), r["version"].as_i64().unwrap());
    let (topic, post) = (
        r["topic_id"].as_i64().unwrap(),
        r["post_id"].as_i64().unwrap(),
    );
    let before = sb.ok("/review/count.json", Some(MOD)).await["count"]
        .as_i64()
        .unwrap();
    assert_eq!(sb.post_as_admin(post).await["hidden"], false);
    let channel = format!("/topic/{topic}");
    let at = sb.position("admin", &channel).await;
    let counts_at = sb.position("admin", "/reviewable_counts").await;

    let (s, v) = sb
        .perform("mod_ben", id, "agree_and_hide", Some(version))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let res = &v["reviewable_perform_result"];
    assert_eq!(res["success"], true);
    assert_eq!(res["version"], version + 1);
    assert_eq!(res["remove_reviewable_ids"], json!([id]));
    assert_eq!(res["reviewable_count"], before - 1);
    assert_eq!(res["transition_to"], "approved");

    assert_eq!(sb.post_as_admin(post).await["hidden"], true);
    let shown = sb.ok(&format!("/review/{id}.json"), Some(MOD)).await;
    assert_eq!(shown["reviewable"]["status"], 1);
    assert!(shown["reviewable_scores"]
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["status"] == 1));
    assert!(!ids(&sb.queue("").await["reviewables"]).contains(&id));
    let msgs = sb.poll("admin", &channel, at).await;
    assert!(
        msgs.iter()
            .any(|m| m["data"]["type"] == "acted" && m["data"]["id"] == post),
        "{msgs:?}"
    );
    let msgs = sb.poll("admin", "/reviewable_counts", counts_at).await;
    assert!(
        msgs.iter()
            .any(|m| m["data"]["reviewable_count"] == before - 1),
        "{msgs:?}"
    );
    // The same version again is stale.
    let (s, _) = sb.perform(MOD, id, "agree_and_hide", Some(version)).await;
    assert_eq!(s, StatusCode::CONFLICT);
}

#[tokio::test]
async fn flagging_again_reopens_and_disagree_unhides() {
    let sb = start().await;
    let r = flagged_offering(&sb, "agree_and_hide").await;
    let (id, version) = (r["id"].as_i64().unwrap(), r["version"].as_i64().unwrap());
    let post = r["post_id"].as_i64().unwrap();
    let (s, v) = sb.perform(MOD, id, "agree_and_hide", Some(version)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    // A new flag brings the same item back (no seeded flag comes from Priya or Sam).
    let author = r["target_created_by_id"].as_i64().unwrap();
    let flagger = if author == sb.user_id("leader_priya").await {
        "leader_sam"
    } else {
        "leader_priya"
    };
    let (s, v) = sb.flag(flagger, post, 3, None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let shown = sb.ok(&format!("/review/{id}.json"), Some(MOD)).await;
    assert_eq!(shown["reviewable"]["status"], 0, "reopened: {shown}");
    let version = shown["reviewable"]["version"].as_i64().unwrap();
    assert_eq!(version, r["version"].as_i64().unwrap() + 2);
    let (s, v) = sb.perform(MOD, id, "disagree", Some(version)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["reviewable_perform_result"]["transition_to"], "rejected");
    assert_eq!(sb.post_as_admin(post).await["hidden"], false);
    let shown = sb.ok(&format!("/review/{id}.json"), Some(MOD)).await;
    assert_eq!(shown["reviewable"]["status"], 2);
}

#[tokio::test]
async fn keep_ignore_and_delete() {
    let sb = start().await;
    // agree_and_keep: approved, post untouched.
    let r = flagged_offering(&sb, "agree_and_keep").await;
    let (id, version) = (r["id"].as_i64().unwrap(), r["version"].as_i64().unwrap());
    let post = r["post_id"].as_i64().unwrap();
    let (s, v) = sb.perform(MOD, id, "agree_and_keep", Some(version)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["reviewable_perform_result"]["transition_to"], "approved");
    assert_eq!(sb.post_as_admin(post).await["hidden"], false);

    // ignore_and_do_nothing, and its old id "ignore": ignored, post untouched.
    for action in ["ignore_and_do_nothing", "ignore"] {
        let r = flagged_offering(&sb, "ignore_and_do_nothing").await;
        let (id, version) = (r["id"].as_i64().unwrap(), r["version"].as_i64().unwrap());
        let post = r["post_id"].as_i64().unwrap();
        let (s, v) = sb.perform(MOD, id, action, Some(version)).await;
        assert_eq!(s, StatusCode::OK, "{action}: {v}");
        assert_eq!(v["reviewable_perform_result"]["transition_to"], "ignored");
        assert_eq!(
            sb.ok(&format!("/review/{id}.json"), Some(MOD)).await["reviewable"]["status"],
            3
        );
        assert_eq!(sb.post_as_admin(post).await["hidden"], false);
    }

    // delete_and_agree on a reply: gone from the topic, counters refreshed.
    let (t, _) = sb
        .new_topic(
            "member_mia",
            "Tarnwhistle bill doubled this month",
            "My tarnwhistle bill doubled this month for no clear reason.",
            "billing",
        )
        .await;
    let reply = sb
        .reply(
            "leader_luca",
            t,
            "Buy cheap followers at spam.example, best prices on the web!",
        )
        .await;
    let (s, v) = sb.flag("member_mia", reply, 8, None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let item = sb.queue(&format!("topic_id={t}")).await["reviewables"][0].clone();
    assert_eq!(item["post_id"], reply);
    let before = sb.ok(&format!("/t/{t}.json"), Some("admin")).await["posts_count"]
        .as_i64()
        .unwrap();
    let (s, v) = sb
        .perform(
            MOD,
            item["id"].as_i64().unwrap(),
            "delete_and_agree",
            item["version"].as_i64(),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(sb.post_in_topic(t, reply, "admin").await.is_none());
    let after = sb.ok(&format!("/t/{t}.json"), Some("admin")).await["posts_count"]
        .as_i64()
        .unwrap();
    assert_eq!(after, before - 1);
    let (s, _) = sb.get(&format!("/posts/{reply}.json"), Some("admin")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn queued_posts_approve_and_reject() {
    let sb = start().await;
    let v = sb.queue("type=ReviewableQueuedPost").await;
    let items = v["reviewables"].as_array().unwrap().clone();
    let new_topic = items
        .iter()
        .find(|r| r["payload"]["title"].is_string())
        .unwrap()
        .clone();
    let reply = items
        .iter()
        .find(|r| r["payload"]["title"].is_null())
        .unwrap()
        .clone();
    let title = new_topic["payload"]["title"].as_str().unwrap().to_string();
    // Not visible before approval.
    assert!(
        !sb.ok("/latest.json?per_page=100", Some("admin")).await["topic_list"]["topics"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["title"] == json!(title))
    );

    let (s, v) = sb
        .perform(
            "admin",
            new_topic["id"].as_i64().unwrap(),
            "approve_post",
            new_topic["version"].as_i64(),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let res = &v["reviewable_perform_result"];
    assert_eq!(res["transition_to"], "approved");
    let topic = res["created_post_topic_id"].as_i64().unwrap();
    let shown = sb.ok(&format!("/t/{topic}.json"), Some("member_mia")).await;
    assert_eq!(shown["title"], json!(title));
    let first = &shown["post_stream"]["posts"][0];
    assert_eq!(first["id"], res["created_post_id"]);
    assert_eq!(first["user_id"], new_topic["target_created_by_id"]);
    let raw = new_topic["payload"]["raw"].as_str().unwrap();
    let (_, p) = sb
        .get(&format!("/posts/{}.json", first["id"]), Some("admin"))
        .await;
    assert_eq!(p["raw"], raw);
    let after = sb
        .ok(&format!("/review/{}.json", new_topic["id"]), Some(MOD))
        .await;
    assert_eq!(after["reviewable"]["post_id"], res["created_post_id"]);
    assert_eq!(after["reviewable"]["target_type"], "Post");

    // A held reply: the "approve" alias; the post lands in its topic.
    let (s, v) = sb
        .perform(
            MOD,
            reply["id"].as_i64().unwrap(),
            "approve",
            reply["version"].as_i64(),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let res = &v["reviewable_perform_result"];
    assert_eq!(res["created_post_topic_id"], reply["topic_id"]);
    let (s, p) = sb
        .get(
            &format!("/posts/{}.json", res["created_post_id"]),
            Some("member_mia"),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{p}");
    assert_eq!(p["raw"], reply["payload"]["raw"]);
    assert!(p["post_number"].as_i64().unwrap() > 1);

    // reject_post: nothing is created.
    let other = sb.queue("type=ReviewableQueuedPost").await["reviewables"][0].clone();
    let (s, v) = sb
        .perform(
            MOD,
            other["id"].as_i64().unwrap(),
            "reject_post",
            other["version"].as_i64(),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["reviewable_perform_result"]["transition_to"], "rejected");
    assert!(v["reviewable_perform_result"]["created_post_id"].is_null());
    let after = sb
        .ok(&format!("/review/{}.json", other["id"]), Some(MOD))
        .await;
    assert_eq!(after["reviewable"]["status"], 2);
    assert!(after["reviewable"]["post_id"].is_null());
    // Reviewed items offer nothing more.
    let (s, v) = sb
        .perform(
            MOD,
            other["id"].as_i64().unwrap(),
            "approve_post",
            after["reviewable"]["version"].as_i64(),
        )
        .await;
    assert_forbidden(s, &v);
    // The old id "reject" still works.
    let last = sb.queue("type=ReviewableQueuedPost").await["reviewables"][0].clone();
    let (s, v) = sb
        .perform(
            MOD,
            last["id"].as_i64().unwrap(),
            "reject",
            last["version"].as_i64(),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        sb.ok(&format!("/review/{}.json", last["id"]), Some(MOD))
            .await["reviewable"]["status"],
        2
    );
}

#[tokio::test]
async fn sign_ups_approve_and_delete() {
    let sb = start().await;
    let item = sb.queue("type=ReviewableUser").await["reviewables"][0].clone();
    let name = item["payload"]["username"].as_str().unwrap().to_string();
    let uid = item["target_created_by_id"].as_i64().unwrap();
    let users_before = sb.ok("/about.json", None).await["about"]["stats"]["user_count"]
        .as_i64()
        .unwrap();
    // Pending accounts cannot act.
    let (s, _) = sb.get("/session/current.json", Some(name.as_str())).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, v) = sb
        .perform(
            MOD,
            item["id"].as_i64().unwrap(),
            "approve_user",
            item["version"].as_i64(),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let me = sb.ok("/session/current.json", Some(name.as_str())).await;
    assert_eq!(me["current_user"]["id"], uid);
    let admin_view = sb
        .ok(&format!("/admin/users/{uid}.json"), Some("admin"))
        .await;
    assert_eq!(admin_view["active"], true);
    let users_after = sb.ok("/about.json", None).await["about"]["stats"]["user_count"]
        .as_i64()
        .unwrap();
    assert_eq!(users_after, users_before + 1);

    // delete_user on a held post: the account and its other pending items go.
    let held = sb.queue("type=ReviewableQueuedPost").await["reviewables"][0].clone();
    let author = held["target_created_by_id"].as_i64().unwrap();
    let author_name = sb
        .ok(&format!("/admin/users/{author}.json"), Some("admin"))
        .await["username"]
        .as_str()
        .unwrap()
        .to_string();
    let (s, v) = sb
        .perform(
            MOD,
            held["id"].as_i64().unwrap(),
            "delete_user",
            held["version"].as_i64(),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, _) = sb
        .get(&format!("/u/{author_name}.json"), Some("admin"))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(
        sb.queue(&format!("username={author_name}")).await["reviewables"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn rejected_sign_up_is_deleted() {
    let sb = start().await;
    let item = sb.queue("type=ReviewableUser").await["reviewables"][0].clone();
    let name = item["payload"]["username"].as_str().unwrap().to_string();
    let users_before = sb.ok("/about.json", None).await["about"]["stats"]["user_count"].clone();
    let (s, _) = sb.get(&format!("/u/{name}.json"), Some("admin")).await;
    assert_eq!(s, StatusCode::OK);
    let (s, v) = sb
        .perform(
            MOD,
            item["id"].as_i64().unwrap(),
            "delete_user",
            item["version"].as_i64(),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["reviewable_perform_result"]["transition_to"], "rejected");
    let (s, _) = sb.get(&format!("/u/{name}.json"), Some("admin")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = sb.get("/session/current.json", Some(name.as_str())).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(
        sb.ok("/about.json", None).await["about"]["stats"]["user_count"],
        users_before
    );
    assert!(sb.queue("type=ReviewableUser").await["reviewables"]
        .as_array()
        .unwrap()
        .is_empty());
    // Staff accounts are never deleted through the queue.
    let (t, _) = sb
        .new_topic(
            "mod_ben",
            "Staff announcement about the maintenance window",
            "Maintenance tonight between midnight and two in the morning.",
            "mobile",
        )
        .await;
    let post = sb.ok(&format!("/t/{t}.json"), None).await["post_stream"]["posts"][0]["id"]
        .as_i64()
        .unwrap();
    let (s, v) = sb.flag("member_mia", post, 3, None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let r = sb.queue(&format!("topic_id={t}")).await;
    let item = &r["reviewables"][0];
    let offered: Vec<Value> = r["bundled_actions"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|b| b["action_ids"].as_array().unwrap().clone())
        .collect();
    assert!(!offered.contains(&json!("delete_user")), "{offered:?}");
    let (s, v) = sb
        .perform(
            MOD,
            item["id"].as_i64().unwrap(),
            "delete_user",
            item["version"].as_i64(),
        )
        .await;
    assert_forbidden(s, &v);
}

// ---------------------------------------------------------------------------------------------
// Flags and likes

#[tokio::test]
async fn flags_create_one_reviewable_per_post() {
    let sb = start().await;
    let (t, p) = sb
        .new_topic(
            "member_mia",
            "Brambleton outage credit never arrived",
            "The brambleton outage credit never arrived on my bill.",
            "billing",
        )
        .await;
    assert!(sb.queue(&format!("topic_id={t}")).await["reviewables"]
        .as_array()
        .unwrap()
        .is_empty());
    let luca = sb.user_id("leader_luca").await;
    let lena = sb.user_id("leader_lena").await;

    let (s, v) = sb.flag("leader_luca", p, 8, None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["id"], p, "the flag answers the post");
    assert!(
        v["actions_summary"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["id"] == 8 && a["acted"] == true && a["can_undo"] == true),
        "{v}"
    );
    let q = sb.queue(&format!("topic_id={t}")).await;
    let items = q["reviewables"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{q}");
    assert_eq!(items[0]["type"], "ReviewableFlaggedPost");
    assert_eq!(items[0]["post_id"], p);
    assert_eq!(items[0]["score"], 5.0, "1 + trust level 4");
    let scores = q["reviewable_scores"].as_array().unwrap();
    assert_eq!(scores.len(), 1);
    assert_eq!(scores[0]["user_id"], luca);
    assert_eq!(scores[0]["reviewable_score_type"], 8);
    assert!(ids(&q["users"]).contains(&luca));

    // A second flagger: the same item, a higher score.
    let (s, v) = sb
        .flag(
            "leader_lena",
            p,
            7,
            Some("Looks like a scam link to me, please check it."),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let q = sb.queue(&format!("topic_id={t}")).await;
    assert_eq!(q["reviewables"].as_array().unwrap().len(), 1);
    assert_eq!(q["reviewables"][0]["id"], items[0]["id"]);
    assert_eq!(q["reviewables"][0]["score"], 10.0);
    let lena_score = q["reviewable_scores"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["user_id"] == lena)
        .unwrap()
        .clone();
    assert_eq!(lena_score["reviewable_score_type"], 7);
    assert!(
        lena_score["reviewable_conversation"]["conversation_posts"][0]["excerpt"]
            .as_str()
            .unwrap()
            .contains("scam link")
    );
    let high = sb.queue(&format!("priority=high&topic_id={t}")).await;
    assert_eq!(
        ids(&high["reviewables"]),
        vec![items[0]["id"].as_i64().unwrap()]
    );

    // Twice, another type, own post, missing message.
    let (s, v) = sb.flag("leader_luca", p, 8, None).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    assert!(v["errors"][0].as_str().unwrap().contains("already"), "{v}");
    let (s, _) = sb.flag("leader_luca", p, 3, None).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = sb.flag("member_mia", p, 8, None).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, v) = sb.flag("leader_omar", p, 7, None).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let (s, _) = sb.flag("leader_omar", p, 99, None).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _) = sb
        .call(
            Method::POST,
            "/post_actions.json",
            None,
            Some(json!({"id": p, "post_action_type_id": 8})),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // Who flagged: staff see everyone; a flagger sees only their own entry.
    let path = format!("/post_action_users.json?id={p}&post_action_type_id=8");
    let mine = sb.ok(&path, Some("leader_luca")).await;
    assert_eq!(ids(&mine["post_action_users"]), vec![luca]);
    let theirs = sb
        .ok(
            &format!("/post_action_users.json?id={p}&post_action_type_id=7"),
            Some("leader_luca"),
        )
        .await;
    assert!(ids(&theirs["post_action_users"]).is_empty());
    let staff = sb
        .ok(
            &format!("/post_action_users.json?id={p}&post_action_type_id=7"),
            Some(MOD),
        )
        .await;
    assert_eq!(ids(&staff["post_action_users"]), vec![lena]);
    let author_view = sb.ok(&path, Some("member_mia")).await;
    assert!(ids(&author_view["post_action_users"]).is_empty());

    // Undo while pending.
    let (s, v) = sb
        .delete(
            &format!("/post_actions/{p}.json?post_action_type_id=8"),
            "leader_luca",
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let q = sb.queue(&format!("topic_id={t}")).await;
    assert_eq!(q["reviewables"][0]["score"], 5.0);
    assert!(q["reviewable_scores"]
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["user_id"] != luca));
    let (s, _) = sb
        .delete(
            &format!("/post_actions/{p}.json?post_action_type_id=8"),
            "leader_luca",
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = sb
        .delete(
            &format!("/post_actions/{p}.json?post_action_type_id=7"),
            "leader_lena",
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(sb.queue(&format!("topic_id={t}")).await["reviewables"]
        .as_array()
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn flag_topic_and_notify_user() {
    let sb = start().await;
    let (t, p1) = sb
        .new_topic(
            "member_mia",
            "Wickerlight engineer visit rescheduled twice",
            "The wickerlight engineer visit got rescheduled twice this week.",
            "broadband-wi-fi",
        )
        .await;
    let p2 = sb
        .reply(
            MOD,
            t,
            "Sorry about that, I've escalated the wickerlight booking for you.",
        )
        .await;
    // flag_topic lands on the first post.
    let (s, v) = sb
        .post(
            "/post_actions.json",
            "leader_luca",
            json!({"id": p2, "post_action_type_id": 3, "flag_topic": true}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        sb.queue(&format!("topic_id={t}")).await["reviewables"][0]["post_id"],
        p1
    );
    // "Send @user a message": a private message to the author, no review item.
    let (s, v) = sb
        .flag(
            "leader_luca",
            p2,
            6,
            Some("Thanks for the quick escalation, appreciated."),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let q = sb.queue(&format!("topic_id={t}")).await;
    assert_eq!(q["reviewables"].as_array().unwrap().len(), 1);
    let inbox = sb
        .ok(&format!("/topics/private-messages/{MOD}.json"), Some(MOD))
        .await;
    assert!(
        inbox["topic_list"]["topics"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["title"].as_str().unwrap().contains("Wickerlight")),
        "{inbox}"
    );
}

#[tokio::test]
async fn likes_count_once_and_undo() {
    let sb = start().await;
    let (t, p) = sb
        .new_topic(
            "member_mia",
            "Dovetail app login loops back to start",
            "The dovetail app login loops back to the start screen every time.",
            "tv-streaming",
        )
        .await;
    let (s, v) = sb.flag(MOD, p, 2, None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(
        v["actions_summary"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["id"] == 2 && a["count"] == 1 && a["acted"] == true),
        "{v}"
    );
    let post = sb.post_in_topic(t, p, "admin").await.unwrap();
    assert_eq!(post["actions_summary"][0]["count"], 1);
    let topic = sb.ok(&format!("/t/{t}.json"), None).await;
    assert_eq!(topic["like_count"], 1);
    let (s, v) = sb.flag(MOD, p, 2, None).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert!(v["errors"][0].as_str().unwrap().contains("already"), "{v}");
    let (s, _) = sb.flag("member_mia", p, 2, None).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "no liking your own post");
    let likers = sb
        .ok(
            &format!("/post_action_users.json?id={p}&post_action_type_id=2"),
            None,
        )
        .await;
    assert_eq!(
        ids(&likers["post_action_users"]),
        vec![sb.user_id(MOD).await]
    );
    let (s, v) = sb
        .delete(
            &format!("/post_actions/{p}.json?post_action_type_id=2"),
            MOD,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(sb.ok(&format!("/t/{t}.json"), None).await["like_count"], 0);
    // Likes never enter the queue.
    assert!(sb.queue(&format!("topic_id={t}")).await["reviewables"]
        .as_array()
        .unwrap()
        .is_empty());
}

// ---------------------------------------------------------------------------------------------
// Edits and revisions

#[tokio::test]
async fn edits_record_revisions_and_respect_roles() {
    let sb = start().await;
    let (t, p1, p2) = zephyr(&sb).await;
    let (s, _) = sb
        .get(&format!("/posts/{p1}/revisions/latest.json"), None)
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "never edited");
    let channel = format!("/topic/{t}");
    let at = sb.position("admin", &channel).await;

    // The author, nested JSON params.
    let new_raw = "The zephyrquartz modem shows a green light every morning and then reboots.";
    let (s, v) = sb
        .put(
            &format!("/posts/{p1}.json"),
            "member_mia",
            json!({"post": {"raw": new_raw, "edit_reason": "wrong colour"}}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["post"]["id"], p1);
    assert_eq!(v["post"]["version"], 2);
    assert!(v["post"]["cooked"]
        .as_str()
        .unwrap()
        .contains("green light"));
    assert_eq!(v["post"]["edit_reason"], "wrong colour");
    let p = sb.ok(&format!("/posts/{p1}.json"), None).await;
    assert_eq!(p["raw"], new_raw);
    let rev = sb
        .ok(&format!("/posts/{p1}/revisions/latest.json"), None)
        .await;
    assert_eq!(rev["post_id"], p1);
    assert_eq!(rev["edit_reason"], "wrong colour");
    assert_eq!(rev["current_revision"], 2);
    assert_eq!(rev["previous_revision"], 1);
    assert_eq!(rev["first_revision"], 1);
    assert_eq!(rev["last_revision"], 2);
    assert!(rev["next_revision"].is_null());
    assert_eq!(rev["username"], "member_mia");
    assert!(rev["title_changes"].is_null());
    let inline = rev["body_changes"]["inline"].as_str().unwrap();
    assert!(
        inline.contains("<del>purple</del>") && inline.contains("<ins>green</ins>"),
        "{inline}"
    );
    assert!(rev["body_changes"]["side_by_side"]
        .as_str()
        .unwrap()
        .contains("purple"));
    let msgs = sb.poll("admin", &channel, at).await;
    assert!(
        msgs.iter().any(|m| m["data"]["type"] == "revised"
            && m["data"]["id"] == p1
            && m["data"]["version"] == 2),
        "{msgs:?}"
    );

    // Staff, flat params.
    let (s, v) = sb
        .put(&format!("/posts/{p1}.json"), MOD, json!({"raw": "Moderator note: the zephyrquartz modem shows a green light and reboots.", "edit_reason": "clarity"}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["post"]["version"], 3);
    let rev = sb
        .ok(
            &format!("/posts/{p1}/revisions/latest.json"),
            Some("member_mia"),
        )
        .await;
    assert_eq!(rev["current_revision"], 3);
    assert_eq!(rev["username"], MOD);
    assert_eq!(rev["edit_reason"], "clarity");
    let rev2 = sb.ok(&format!("/posts/{p1}/revisions/2.json"), None).await;
    assert_eq!(rev2["edit_reason"], "wrong colour");
    assert_eq!(rev2["next_revision"], 3);

    // Someone else's post: forbidden; nothing recorded.
    let (s, v) = sb
        .put(
            &format!("/posts/{p2}.json"),
            "member_mia",
            json!({"post": {"raw": "Mia rewrites Anna's answer to say something else."}}),
        )
        .await;
    assert_forbidden(s, &v);
    let (s, _) = sb
        .get(&format!("/posts/{p2}/revisions/latest.json"), None)
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = sb
        .call(
            Method::PUT,
            &format!("/posts/{p2}.json"),
            None,
            Some(json!({"raw": "anonymous edit attempt of some length"})),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // Too short, missing.
    let (s, _) = sb
        .put(
            &format!("/posts/{p1}.json"),
            "member_mia",
            json!({"post": {"raw": "short"}}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, _) = sb
        .put(
            &format!("/posts/{p1}.json"),
            "member_mia",
            json!({"post": {}}),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _) = sb
        .put(
            "/posts/98765432.json",
            MOD,
            json!({"raw": "editing a post that does not exist"}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(
        sb.ok(&format!("/posts/{p1}.json"), None).await["version"],
        3
    );
}

// ---------------------------------------------------------------------------------------------
// About

#[tokio::test]
async fn about_page_counts_and_staff() {
    let sb = start().await;
    let v = sb.ok("/about.json", None).await;
    let about = &v["about"];
    for key in [
        "title",
        "description",
        "extended_site_description",
        "banner_image",
        "site_creation_date",
        "locale",
        "version",
        "https",
        "can_see_about_stats",
        "contact_url",
        "contact_email",
        "moderator_ids",
        "admin_ids",
        "category_moderators",
        "stats",
    ] {
        assert!(about.get(key).is_some(), "{key} missing: {about}");
    }
    let admin = sb.user_id("admin").await;
    assert_eq!(about["admin_ids"], json!([admin]));
    let mods = about["moderator_ids"].as_array().unwrap();
    for name in ["mod_anna", "mod_ben", "mod_chloe"] {
        assert!(mods.contains(&json!(sb.user_id(name).await)), "{name}");
    }
    let staff: Vec<String> = v["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(staff.len(), 4, "{staff:?}");
    assert!(staff.contains(&"mod_anna".to_string()) && staff.contains(&"admin".to_string()));

    let stats = about["stats"].clone();
    let cats = sb.ok("/categories.json", None).await;
    let topics_in_categories: i64 = cats["category_list"]["categories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["topic_count"].as_i64().unwrap())
        .sum();
    assert_eq!(stats["topic_count"], topics_in_categories);
    assert!(stats["post_count"].as_i64().unwrap() > stats["topic_count"].as_i64().unwrap());
    assert!(stats["user_count"].as_i64().unwrap() > 10);
    assert!(
        stats["active_users_30_days"].as_i64().unwrap()
            >= stats["active_users_7_days"].as_i64().unwrap()
    );
    assert!(stats["likes_count"].as_i64().unwrap() > 0);

    let (_, p) = sb
        .new_topic(
            "member_mia",
            "Pennywhistle router reset button stuck",
            "The pennywhistle router reset button is physically stuck inside.",
            "devices",
        )
        .await;
    let (s, _) = sb.flag(MOD, p, 2, None).await;
    assert_eq!(s, StatusCode::OK);
    let after = sb.ok("/about.json", None).await["about"]["stats"].clone();
    assert_eq!(
        after["topic_count"],
        stats["topic_count"].as_i64().unwrap() + 1
    );
    assert_eq!(
        after["post_count"],
        stats["post_count"].as_i64().unwrap() + 1
    );
    assert_eq!(
        after["likes_count"],
        stats["likes_count"].as_i64().unwrap() + 1
    );
    assert_eq!(
        after["topics_7_days"],
        stats["topics_7_days"].as_i64().unwrap() + 1
    );
}
