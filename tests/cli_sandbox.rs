//! The real `modterm` binary's headless commands against a sandbox started in this process:
//! output (JSON and tables), the server's state afterwards, exit codes, and that the API key
//! never shows in any output.

mod cli_support;
mod common;

use cli_support::*;
use common::*;
use serde_json::Value;

fn ids_of(v: &Value) -> Vec<i64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|t| num(&t["id"]))
        .collect()
}

async fn stream(sb: &TestSandbox, id: i64) -> Vec<u64> {
    sb.topic(id, Some("admin")).await["post_stream"]["stream"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queue_json_is_exactly_the_unanswered_list() {
    let sb = start().await;
    let cli = Cli::new(&sb);
    let want = sb
        .raw_list_ids("max_posts=1&status=open&order=created&ascending=true")
        .await;
    assert!(want.len() > 30, "more than one page: {}", want.len());

    let v = cli
        .run("mod_anna", &["queue", "--json", "--limit", "1000"])
        .await
        .json();
    assert_eq!(ids_of(&v), want);
    assert!(v
        .as_array()
        .unwrap()
        .iter()
        .all(|t| t["posts_count"].as_i64().unwrap() <= 1));

    // The issue's own command line, with flags.
    let mut c = cli.command();
    c.args([
        "--url",
        &sb.url,
        "--api-key",
        KEY,
        "--username",
        "mod_anna",
        "queue",
        "--json",
    ]);
    let out = exec(c, None).await;
    let v = out.json();
    assert_eq!(ids_of(&v), want, "without --limit: every unanswered topic");

    // The table: a header and one row per topic, oldest first.
    let out = cli.run("mod_anna", &["queue", "--limit", "5"]).await;
    let lines: Vec<&str> = out.ok().lines().collect();
    assert_eq!(lines.len(), 6, "{}", out.stdout);
    assert!(lines[0].starts_with("ID") && lines[0].contains("TITLE"));
    for (line, id) in lines[1..].iter().zip(&want) {
        assert!(line.starts_with(&format!("{id} ")), "{line}");
    }

    // Other views.
    let v = cli
        .run("mod_anna", &["queue", "--view", "unsolved", "--json"])
        .await
        .json();
    assert!(v
        .as_array()
        .unwrap()
        .iter()
        .all(|t| t["has_accepted_answer"] == false));
    let v = cli
        .run(
            "member_mia",
            &["queue", "--view", "latest", "--json", "--limit", "10"],
        )
        .await
        .json();
    assert_eq!(v.as_array().unwrap().len(), 10);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn whoami_as_each_role() {
    let sb = start().await;
    let cli = Cli::new(&sb);
    for (user, role) in [
        ("admin", "admin"),
        ("mod_anna", "moderator"),
        ("leader_luca", "leader"),
        ("member_mia", "member"),
    ] {
        let v = cli.run(user, &["whoami", "--json"]).await.json();
        assert_eq!(v["username"], user);
        assert_eq!(v["role"], role);
        assert_eq!(
            v["capabilities"]["award_badges"],
            role == "admin" || role == "moderator"
        );
        let out = cli.run(user, &["whoami"]).await;
        let text = out.ok();
        assert!(text.contains(&format!("username:  {user}")), "{text}");
        assert!(text.contains(&format!("role:      {role}")), "{text}");
        assert!(text.contains(&sb.url), "{text}");
    }
    // An unknown account: not signed in.
    let out = cli.run("ghost_user_x", &["whoami"]).await;
    let err = out.failed(3);
    assert!(err.contains("not signed in"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thread_json_and_text() {
    let sb = start().await;
    let cli = Cli::new(&sb);
    let t = sb.first_topic("order=posts").await;
    let id = t["id"].as_i64().unwrap();
    let v = cli
        .run("mod_anna", &["thread", &id.to_string(), "--json"])
        .await
        .json();
    assert_eq!(num(&v["summary"]["id"]), id);
    assert_eq!(
        v["posts"].as_array().unwrap().len() as i64,
        t["posts_count"].as_i64().unwrap()
    );
    let ids: Vec<u64> = v["posts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| num(&p["id"]) as u64)
        .collect();
    assert_eq!(ids, stream(&sb, id).await);

    let out = cli.run("member_mia", &["thread", &id.to_string()]).await;
    let text = out.ok();
    assert!(text.starts_with(&format!("#{id} ")), "{text}");
    assert!(text.contains("── #1 "), "{text}");

    let out = cli.run("mod_anna", &["thread", "987654"]).await;
    let err = out.failed(4);
    assert!(err.contains("not found"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reply_from_file_and_stdin_then_audit_log() {
    let sb = start().await;
    let cli = Cli::new(&sb);
    let t = sb.first_topic("max_posts=1&status=open").await;
    let id = t["id"].as_i64().unwrap();
    let id_s = id.to_string();

    let file = cli.data.path().join("reply.md");
    std::fs::write(
        &file,
        "Thanks for the report, we are looking into it (from a file).",
    )
    .unwrap();
    let v = cli
        .run(
            "mod_anna",
            &["reply", &id_s, "--file", file.to_str().unwrap(), "--json"],
        )
        .await
        .json();
    assert_eq!(v["state"], "posted", "{v}");
    assert_eq!(num(&v["topic_id"]), id);
    assert_eq!(v["author"]["username"], "mod_anna");
    let post_id = num(&v["id"]);
    let (_, raw) = sb
        .get(&format!("/posts/{post_id}.json"), Some("admin"))
        .await;
    assert_eq!(
        raw["raw"],
        "Thanks for the report, we are looking into it (from a file)."
    );

    let out = cli
        .run_in(
            "member_mia",
            &["reply", &id_s, "-"],
            Some("Same here, and the restart did not help (from stdin)."),
        )
        .await;
    let text = out.ok();
    assert!(text.starts_with("posted #3 "), "{text}");
    let after = sb.topic(id, Some("admin")).await;
    assert_eq!(after["posts_count"], 3);
    let last = *stream(&sb, id).await.last().unwrap();
    let (_, raw) = sb.get(&format!("/posts/{last}.json"), Some("admin")).await;
    assert_eq!(raw["username"], "member_mia");
    assert_eq!(
        raw["raw"],
        "Same here, and the restart did not help (from stdin)."
    );

    // Too short: the server's words, exit 5, and the failure is in the log too.
    let out = cli
        .run_in("mod_anna", &["reply", &id_s, "-"], Some("ok"))
        .await;
    let err = out.failed(5);
    assert!(err.contains("too short"), "{err}");
    assert_eq!(sb.topic(id, Some("admin")).await["posts_count"], 3);

    let log = cli.run("mod_anna", &["log", "--json"]).await.json();
    let entries = log.as_array().unwrap();
    assert_eq!(entries.len(), 3, "{log}");
    let target = format!("topic {id}");
    assert_eq!(entries[0]["action"], "reply");
    assert_eq!(entries[0]["account"], "mod_anna");
    assert_eq!(entries[0]["target"], target);
    assert_eq!(entries[0]["result"], "ok");
    assert_eq!(entries[0]["site"], sb.url);
    assert_eq!(entries[1]["account"], "member_mia");
    assert_eq!(entries[1]["result"], "ok");
    assert!(entries[2]["result"].as_str().unwrap().contains("too short"));
    let log = cli.run("mod_anna", &["log", "--last", "1"]).await;
    let text = log.ok();
    assert_eq!(text.lines().count(), 2, "{text}");
    assert!(text.contains("too short"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn solve_and_undo() {
    let sb = start().await;
    let cli = Cli::new(&sb);
    let t = sb.open_unsolved_topic_with_replies().await;
    let id = t["id"].as_i64().unwrap();
    let raw = sb.topic(id, Some("admin")).await;
    assert_ne!(raw["details"]["created_by"]["username"], "member_mia");
    let post = &raw["post_stream"]["posts"][1];
    let pid = post["id"].as_i64().unwrap().to_string();

    let out = cli.run("member_mia", &["solve", &pid]).await;
    let err = out.failed(3);
    assert!(err.contains("forbidden"), "{err}");
    assert!(sb.topic(id, Some("admin")).await["accepted_answer"].is_null());

    let v = cli.run("mod_anna", &["solve", &pid, "--json"]).await.json();
    assert_eq!(v["accepted"], true);
    let raw = sb.topic(id, Some("admin")).await;
    assert_eq!(raw["accepted_answer"]["post_number"], post["post_number"]);

    let out = cli.run("mod_anna", &["solve", &pid, "--undo"]).await;
    assert!(out.ok().contains("no longer the accepted solution"));
    assert!(sb.topic(id, Some("admin")).await["accepted_answer"].is_null());

    let out = cli.run("mod_anna", &["solve", "99999999"]).await;
    out.failed(4);

    // An audit log that cannot be written: the accept still happens, and stderr says the
    // moderation trail missed it (never silently incomplete).
    let audit = cli.data.path().join("audit.log");
    let _ = std::fs::remove_file(&audit);
    std::fs::create_dir_all(&audit).unwrap();
    let out = cli.run("mod_anna", &["solve", &pid]).await;
    out.ok();
    assert!(
        out.stderr.contains("warning: the audit log") && out.stderr.contains("could not record"),
        "{}",
        out.stderr
    );
    let raw = sb.topic(id, Some("admin")).await;
    assert_eq!(raw["accepted_answer"]["post_number"], post["post_number"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn move_posts_and_move_topic() {
    let sb = start().await;
    let cli = Cli::new(&sb);
    let t = sb
        .first_topic("min_posts=4&status=open&solved=no&order=created&ascending=true")
        .await;
    let src = t["id"].as_i64().unwrap();
    let src_s = src.to_string();
    let before = stream(&sb, src).await;
    let (_, cats) = sb.get("/categories.json", Some("admin")).await;
    let cat = cats["category_list"]["categories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] != t["category_id"])
        .unwrap()
        .clone();
    let slug = cat["slug"].as_str().unwrap();

    let p1 = before[1].to_string();
    let out = cli
        .run(
            "member_mia",
            &[
                "move-posts",
                &src_s,
                "--posts",
                &p1,
                "--new-title",
                "Should not happen here",
            ],
        )
        .await;
    let err = out.failed(3);
    assert!(err.contains("forbidden"), "{err}");
    assert_eq!(stream(&sb, src).await, before);

    let v = cli
        .run(
            "leader_luca",
            &[
                "move-posts",
                &src_s,
                "--posts",
                &p1,
                "--new-title",
                "Split off: the printer part of this question",
                "--category",
                slug,
                "--json",
            ],
        )
        .await
        .json();
    let new_id = num(&v["topic_id"]);
    let new_topic = sb.topic(new_id, Some("admin")).await;
    assert_eq!(
        new_topic["title"],
        "Split off: the printer part of this question"
    );
    assert_eq!(new_topic["category_id"], cat["id"]);
    assert!(stream(&sb, new_id).await.contains(&before[1]));
    assert!(!stream(&sb, src).await.contains(&before[1]));

    let dest = sb.first_topic("max_posts=1&status=open").await["id"]
        .as_i64()
        .unwrap();
    let p2 = format!("{},{}", before[2], before[3]);
    let out = cli
        .run(
            "mod_anna",
            &[
                "move-posts",
                &src_s,
                "--posts",
                &p2,
                "--to-topic",
                &dest.to_string(),
            ],
        )
        .await;
    assert!(
        out.ok().starts_with("moved 2 post(s) to "),
        "{}",
        out.stdout
    );
    let dest_stream = stream(&sb, dest).await;
    assert!(dest_stream.contains(&before[2]) && dest_stream.contains(&before[3]));

    // Move the topic to another category, and forbidden for a member.
    let out = cli
        .run(
            "member_mia",
            &["move-topic", &dest.to_string(), "--category", slug],
        )
        .await;
    out.failed(3);
    let v = cli
        .run(
            "leader_luca",
            &[
                "move-topic",
                &dest.to_string(),
                "--category",
                slug,
                "--json",
            ],
        )
        .await
        .json();
    assert_eq!(num(&v["category_id"]), num(&cat["id"]));
    assert_eq!(
        sb.topic(dest, Some("admin")).await["category_id"],
        cat["id"]
    );
    let out = cli
        .run(
            "mod_anna",
            &["move-topic", &dest.to_string(), "--category", "no-such-cat"],
        )
        .await;
    let err = out.failed(4);
    assert!(err.contains("no category"), "{err}");

    let log = cli.run("mod_anna", &["log", "--json"]).await.json();
    let actions: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "move_posts",
            "move_posts",
            "move_posts",
            "move_topic",
            "move_topic"
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn badges_and_award() {
    let sb = start().await;
    let cli = Cli::new(&sb);
    let v = cli.run("mod_anna", &["badges", "--json"]).await.json();
    let badges = v.as_array().unwrap();
    let (_, raw) = sb.get("/badges.json", None).await;
    assert_eq!(badges.len(), raw["badges"].as_array().unwrap().len());
    let badge = badges
        .iter()
        .find(|b| b["manually_grantable"] == true && b["enabled"] == true)
        .unwrap()
        .clone();
    let out = cli.run("member_mia", &["badges"]).await;
    let text = out.ok();
    assert!(text.starts_with("ID"), "{text}");
    assert_eq!(text.lines().count(), badges.len() + 1);

    let topic = sb.first_topic("status=open").await;
    let reason = format!(
        "{}/t/{}/{}",
        sb.url,
        topic["slug"].as_str().unwrap(),
        topic["id"]
    );
    let name = badge["name"].as_str().unwrap();
    let out = cli
        .run(
            "leader_luca",
            &["award", "member_mia", name, "--reason", &reason],
        )
        .await;
    let err = out.failed(3);
    assert!(err.contains("forbidden"), "{err}");

    let v = cli
        .run(
            "mod_anna",
            &["award", "member_mia", name, "--reason", &reason, "--json"],
        )
        .await
        .json();
    assert_eq!(num(&v["badge"]["id"]), num(&badge["id"]));
    let (_, raw) = sb.get("/user-badges/member_mia.json", None).await;
    let grant = raw["user_badges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|ub| num(&ub["badge_id"]) == num(&badge["id"]) && ub["topic_id"] == topic["id"]);
    assert!(grant.is_some(), "{raw}");

    let log = cli.run("mod_anna", &["log", "--json"]).await.json();
    let last = log.as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["account"], "mod_anna", "{last}");
    assert_eq!(last["action"], "award_badge");
    assert_eq!(last["result"], "ok");

    let out = cli
        .run("mod_anna", &["award", "member_mia", "No Such Badge"])
        .await;
    out.failed(4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn profile_parts_and_states() {
    let sb = start().await;
    let cli = Cli::new(&sb);
    let state = |v: &Value, part: &str| -> String {
        v["parts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["part"] == part)
            .unwrap_or_else(|| panic!("no part {part}: {v}"))["state"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let v = cli
        .run("mod_anna", &["profile", "member_mia", "--json"])
        .await
        .json();
    assert_eq!(v["username"], "member_mia");
    assert_eq!(v["parts"].as_array().unwrap().len(), 9);
    for part in [
        "identity",
        "stats",
        "badges",
        "forum_activity",
        "chat",
        "moderation",
        "pending_reviews",
    ] {
        assert_eq!(state(&v, part), "loaded", "{part}: {v}");
    }
    // Discourse has no social channels: the part says so instead of failing.
    assert_eq!(state(&v, "linked_channels"), "unavailable");
    assert_eq!(state(&v, "private_messages"), "not_permitted");
    let pm = v["parts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["part"] == "private_messages")
        .unwrap();
    assert!(pm["error"].as_str().unwrap().contains("admins"), "{pm}");
    let stats = v["parts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["part"] == "stats")
        .unwrap();
    let (_, raw) = sb.get("/u/member_mia/summary.json", None).await;
    assert_eq!(
        stats["data"]["data"]["likes_received"],
        raw["user_summary"]["likes_received"]
    );

    let v = cli
        .run("admin", &["profile", "member_mia", "--json"])
        .await
        .json();
    assert_eq!(state(&v, "private_messages"), "loaded");

    let v = cli
        .run("member_mia", &["profile", "leader_luca", "--json"])
        .await
        .json();
    assert_eq!(state(&v, "moderation"), "not_permitted");
    assert_eq!(state(&v, "identity"), "loaded");

    // The member named on the command line is not the account acting (they once shared a
    // clap id, so `profile member_mia` signed in as member_mia).
    let mut c = cli.command();
    c.env("MODTERM_API_KEY", KEY).args([
        "--url",
        &sb.url,
        "--username",
        "mod_anna",
        "profile",
        "member_mia",
        "--json",
    ]);
    let v = exec(c, None).await.json();
    assert_eq!(state(&v, "private_messages"), "not_permitted");
    assert_eq!(state(&v, "moderation"), "loaded");

    let out = cli.run("mod_anna", &["profile", "member_mia"]).await;
    let text = out.ok();
    assert!(text.contains("member_mia"), "{text}");

    let out = cli.run("mod_anna", &["profile", "ghost_user_x"]).await;
    out.failed(4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usage_errors_exit_2() {
    let sb = start().await;
    let cli = Cli::new(&sb);
    for args in [
        &["queue", "--view", "bogus"][..],
        &["reply", "5"][..],
        &["move-posts", "5", "--posts", "7"][..],
        &["thread"][..],
        &["queue", "--timeout", "soon"][..],
        &["no-such-command"][..],
        &["solve"][..],
    ] {
        let out = cli.run("mod_anna", args).await;
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        assert!(!out.stderr.trim().is_empty(), "{args:?}");
    }
    // --url without a key, or an admin key without a username.
    let mut c = cli.command();
    c.args(["--url", &sb.url, "whoami"]);
    let out = exec(c, None).await;
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("API key"), "{}", out.stderr);
    let mut c = cli.command();
    c.env("MODTERM_API_KEY", KEY)
        .args(["--url", &sb.url, "whoami"]);
    let out = exec(c, None).await;
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("--username"), "{}", out.stderr);
    assert!(!out.stderr.contains(KEY));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_key_and_server_failures_never_echo_the_key() {
    let sb = start().await;
    let mut cli = Cli::new(&sb);
    cli.key = "wrong-key-0123456789abcdef".into();
    for args in [
        &["whoami"][..],
        &["queue", "--json"][..],
        &["reply", "1", "-"][..],
        &["profile", "member_mia", "--json"][..],
    ] {
        let out = cli
            .run_in("mod_anna", args, Some("a reply long enough to pass"))
            .await;
        assert_eq!(out.code, 3, "{args:?}: {}", out.stderr);
        assert!(out.stderr.contains("not signed in"), "{}", out.stderr);
    }
    // A failing server (exit 7) and a malformed reply.
    cli.key = KEY.into();
    sb.sandbox.faults().set(modterm::sandbox::Faults {
        error_rate: 1.0,
        error_status: 500,
        path_prefix: Some("/latest".into()),
        ..Default::default()
    });
    let out = cli.run("mod_anna", &["queue"]).await;
    let err = out.failed(7);
    assert!(err.contains("server error 500"), "{err}");
    sb.sandbox.faults().set(modterm::sandbox::Faults {
        malformed_rate: 1.0,
        path_prefix: Some("/latest".into()),
        ..Default::default()
    });
    let out = cli.run("mod_anna", &["queue", "--json"]).await;
    let err = out.failed(7);
    assert!(err.contains("malformed"), "{err}");
    sb.sandbox.faults().clear();
    cli.run("mod_anna", &["queue", "--json"]).await.json();
}

/// Every topic of the latest list as `user`: (id, title), paging to the end (bounded).
async fn latest_titles(sb: &TestSandbox, user: &str) -> Vec<(i64, String)> {
    let mut out = Vec::new();
    for page in 0..50 {
        let (_, v) = sb
            .get(
                &format!("/latest.json?per_page=100&page={page}"),
                Some(user),
            )
            .await;
        let topics = v["topic_list"]["topics"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        out.extend(
            topics
                .iter()
                .filter_map(|t| Some((t["id"].as_i64()?, t["title"].as_str()?.to_string()))),
        );
        if topics.is_empty() || v["topic_list"]["more_topics_url"].is_null() {
            return out;
        }
    }
    panic!("the latest list never ended");
}

/// Words of plain seeded titles (ASCII letters, 6 or more, lower case) with the topics whose
/// titles have them, the rarest first.
fn title_words(topics: &[(i64, String)]) -> Vec<(String, Vec<i64>)> {
    let mut by_word: std::collections::BTreeMap<String, Vec<i64>> = Default::default();
    for (id, title) in topics {
        if !title.chars().all(|c| c == ' ' || c.is_ascii_graphic()) {
            continue; // the hostile titles have their own tests
        }
        for word in title.split(|c: char| !c.is_ascii_alphanumeric()) {
            if word.len() >= 6 && word.chars().all(|c| c.is_ascii_alphabetic()) {
                let ids = by_word.entry(word.to_lowercase()).or_default();
                if !ids.contains(id) {
                    ids.push(*id);
                }
            }
        }
    }
    let mut words: Vec<(String, Vec<i64>)> = by_word.into_iter().collect();
    words.sort_by_key(|(_, ids)| ids.len());
    words
}

/// The topic ids of a raw `/search.json` answer, in order.
fn searched_ids(v: &Value) -> Vec<i64> {
    v["topics"]
        .as_array()
        .unwrap_or_else(|| panic!("a search answer: {v}"))
        .iter()
        .map(|t| num(&t["id"]))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_finds_a_seeded_title_as_a_table_and_json() {
    let sb = start().await;
    let cli = Cli::new(&sb);
    let topics = latest_titles(&sb, "mod_anna").await;
    assert!(topics.len() > 50, "the seed: {} topics", topics.len());
    // A rare word of a seeded title whose search fits one page (50), so the whole answer can
    // be compared; the server's own answer is what the command must show.
    let mut chosen = None;
    for (word, ids) in title_words(&topics).into_iter().take(10) {
        let (status, raw) = sb
            .get(&format!("/search.json?q={word}"), Some("mod_anna"))
            .await;
        assert!(status.is_success(), "{status}: {raw}");
        let found = searched_ids(&raw);
        if raw["grouped_search_result"]["more_full_page_results"].is_null()
            && found.contains(&ids[0])
        {
            chosen = Some((word, ids[0], found));
            break;
        }
    }
    let (word, id, want) = chosen.expect("a seeded title word the search finds on one page");
    let title = topics.iter().find(|(t, _)| *t == id).unwrap().1.clone();
    assert!(title.to_lowercase().contains(&word), "{word} in {title}");

    sb.sandbox.clear_requests();
    let v = cli
        .run("mod_anna", &["search", &word, "--json"])
        .await
        .json();
    let searches: Vec<String> = sb
        .sandbox
        .requests_excluding_admin()
        .into_iter()
        .filter(|r| r.method == "GET" && r.path == "/search.json")
        .map(|r| r.query)
        .collect();
    assert_eq!(searches.len(), 1, "one search request: {searches:?}");
    assert!(searches[0].contains(&format!("q={word}")), "{searches:?}");
    let results = v["topics"].as_array().unwrap_or_else(|| panic!("{v}"));
    assert_eq!(
        results.iter().map(|t| num(&t["id"])).collect::<Vec<_>>(),
        want,
        "the server's results, in its order: {v}"
    );
    let hit = results.iter().find(|t| num(&t["id"]) == id).unwrap();
    assert_eq!(hit["title"], title.as_str(), "{hit}");
    assert_eq!(v["more"], false, "{v}");

    // The table: a header, then one row per topic in the same order, the seeded title in its
    // row (cut at 50 columns).
    sb.sandbox.clear_requests();
    let out = cli.run("mod_anna", &["search", &word]).await;
    let lines: Vec<&str> = out.ok().lines().collect();
    assert_eq!(
        sb.sandbox
            .requests_excluding_admin()
            .iter()
            .filter(|r| r.path == "/search.json")
            .count(),
        1,
        "one search request for the table"
    );
    for h in ["ID", "TITLE", "AUTHOR", "REPLIES", "EXCERPT"] {
        assert!(lines[0].contains(h), "{h} in {}", lines[0]);
    }
    assert_eq!(lines.len(), want.len() + 1, "{}", out.stdout);
    for (line, want_id) in lines[1..].iter().zip(&want) {
        assert!(line.starts_with(&format!("{want_id} ")), "{line}");
    }
    let row = lines[1..]
        .iter()
        .find(|l| l.starts_with(&format!("{id} ")))
        .unwrap();
    let shown: String = title.chars().take(40).collect();
    assert!(row.contains(&shown), "{shown:?} in {row}");

    // A word nothing has: just the header, and an empty list.
    let out = cli.run("mod_anna", &["search", "qzxjvwkplm"]).await;
    assert_eq!(out.ok().lines().count(), 1, "{}", out.stdout);
    let v = cli
        .run("mod_anna", &["search", "qzxjvwkplm", "--json"])
        .await
        .json();
    assert_eq!(v["topics"], serde_json::json!([]), "{v}");
    sb.sandbox.shutdown().await;
}
