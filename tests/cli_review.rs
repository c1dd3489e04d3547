//! The review queue, flag and edit commands of the real `modterm` binary against a sandbox
//! started in this process: tables and `--json`, the server's state afterwards, exit codes,
//! `--dry-run` sending nothing, and the requests each command made (the sandbox's request log).

mod cli_support;
mod common;

use cli_support::*;
use common::*;
use serde_json::Value;

/// The API requests since the last reset whose `METHOD path` starts with `prefix`.
fn made(sb: &TestSandbox, prefix: &str) -> Vec<String> {
    sb.sandbox
        .requests_excluding_admin()
        .into_iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .filter(|r| r.starts_with(prefix))
        .collect()
}

/// No write of any kind since the last reset.
fn assert_nothing_sent(sb: &TestSandbox) {
    let writes: Vec<String> = sb
        .sandbox
        .requests_excluding_admin()
        .into_iter()
        .filter(|r| r.method != "GET")
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert!(writes.is_empty(), "a dry run sent {writes:?}");
}

fn items(v: &Value) -> &Vec<Value> {
    v.as_array().expect("a list of items")
}

/// The highest-scored pending flagged post offering `action`, from the command's own JSON.
async fn flagged_offering(cli: &Cli, action: &str) -> Value {
    let v = cli
        .run(
            "mod_anna",
            &[
                "review",
                "--json",
                "--type",
                "flagged-post",
                "--limit",
                "100",
            ],
        )
        .await
        .json();
    items(&v)
        .iter()
        .find(|r| {
            r["actions"]
                .as_array()
                .unwrap()
                .iter()
                .any(|a| a["id"] == action)
        })
        .cloned()
        .unwrap_or_else(|| panic!("a flagged post offering {action}: {v}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn review_lists_the_queue_as_a_table_and_json() {
    let sb = start().await;
    let cli = Cli::new(&sb);
    let (_, raw) = sb.get("/review/count.json", Some("admin")).await;
    let pending = raw["count"].as_u64().unwrap() as usize;
    assert!(pending > 10, "more than one page: {pending}");

    sb.sandbox.clear_requests();
    let v = cli
        .run("mod_anna", &["review", "--json", "--limit", "100"])
        .await
        .json();
    let list = items(&v);
    assert_eq!(list.len(), pending, "every pending item");
    assert_eq!(
        made(&sb, "GET /review").len(),
        pending.div_ceil(10),
        "one request per page of 10: {:?}",
        made(&sb, "")
    );
    for r in list {
        assert_eq!(r["status"], "pending", "{r}");
        assert!(r["version"].is_u64(), "{r}");
        assert!(!r["reasons"].as_array().unwrap().is_empty(), "{r}");
        assert!(!r["actions"].as_array().unwrap().is_empty(), "{r}");
    }
    let scores: Vec<f64> = list.iter().map(|r| r["score"].as_f64().unwrap()).collect();
    assert!(
        scores.windows(2).all(|w| w[0] >= w[1]),
        "by score: {scores:?}"
    );

    // The default limit is three pages.
    sb.sandbox.clear_requests();
    let v = cli.run("mod_anna", &["review", "--json"]).await.json();
    assert_eq!(items(&v).len(), pending.min(30));
    assert!(made(&sb, "GET /review").len() <= 3);

    // The table: a header and one row per item, with why and what it offers.
    let out = cli.run("mod_anna", &["review", "--limit", "5"]).await;
    let lines: Vec<&str> = out.ok().lines().collect();
    assert_eq!(lines.len(), 6, "{}", out.stdout);
    for h in [
        "ID", "TYPE", "STATUS", "SCORE", "WHY", "AUTHOR", "TOPIC", "ACTIONS",
    ] {
        assert!(lines[0].contains(h), "{h} in {}", lines[0]);
    }
    let json5 = cli
        .run("mod_anna", &["review", "--json", "--limit", "5"])
        .await
        .json();
    for (line, item) in lines[1..].iter().zip(items(&json5)) {
        let id = item["id"].as_str().unwrap();
        assert!(line.starts_with(&format!("{id} ")), "{line}");
        let first_action = item["actions"][0]["id"].as_str().unwrap();
        assert!(line.contains(first_action), "{line}");
    }

    // Filters.
    let v = cli
        .run("mod_anna", &["review", "--json", "--type", "queued-post"])
        .await
        .json();
    assert!(!items(&v).is_empty());
    assert!(items(&v)
        .iter()
        .all(|r| r["kind"] == "queued_post" && r["raw"].is_string()));
    let v = cli
        .run("mod_anna", &["review", "--json", "--type", "user"])
        .await
        .json();
    assert!(!items(&v).is_empty() && items(&v).iter().all(|r| r["kind"] == "user"));
    let v = cli
        .run("mod_anna", &["review", "--json", "--status", "reviewed"])
        .await
        .json();
    assert!(!items(&v).is_empty());
    assert!(items(&v)
        .iter()
        .all(|r| r["status"] != "pending" && r["actions"].as_array().unwrap().is_empty()));
    let v = cli
        .run("mod_anna", &["review", "--json", "--priority", "high"])
        .await
        .json();
    assert!(items(&v)
        .iter()
        .all(|r| r["score"].as_f64().unwrap() >= 10.0));
    let out = cli.run("mod_anna", &["review", "--status", "bogus"]).await;
    out.failed(2);

    // Not for members or leaders: exit 3, in JSON too.
    for user in ["member_mia", "leader_luca"] {
        let out = cli.run(user, &["review"]).await;
        let err = out.failed(3);
        assert!(err.contains("forbidden"), "{err}");
        let out = cli.run(user, &["review", "--json"]).await;
        out.failed(3);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn review_perform_dry_run_then_for_real() {
    let sb = start().await;
    let cli = Cli::new(&sb);
    let item = flagged_offering(&cli, "agree_and_hide").await;
    let id = item["id"].as_str().unwrap().to_string();
    let post = item["post_id"].as_str().unwrap().to_string();
    let version = item["version"].as_u64().unwrap();

    // A dry run reads the item and sends nothing.
    sb.sandbox.clear_requests();
    let out = cli
        .run(
            "mod_anna",
            &["review", "perform", &id, "agree_and_hide", "--dry-run"],
        )
        .await;
    let text = out.ok();
    assert!(
        text.starts_with("Review: Hide post (dry run: nothing sent)"),
        "{text}"
    );
    assert!(
        text.contains("Agree with the flags and hide 1 post"),
        "{text}"
    );
    assert_nothing_sent(&sb);
    assert_eq!(
        made(&sb, "GET /review/"),
        [format!("GET /review/{id}.json")]
    );
    let v = cli
        .run(
            "mod_anna",
            &[
                "review",
                "perform",
                &id,
                "agree_and_hide",
                "--dry-run",
                "--json",
            ],
        )
        .await
        .json();
    assert_eq!(v["dry_run"], true);
    assert_eq!(v["kind"], "review_perform");
    assert_eq!(v["would_send"]["action"], "agree_and_hide");
    assert_eq!(v["would_send"]["version"], version);
    assert_nothing_sent(&sb);
    let (_, raw) = sb.get(&format!("/posts/{post}.json"), Some("admin")).await;
    assert_eq!(raw["hidden"], false);

    // For real: the item is read for its version, then one PUT.
    sb.sandbox.clear_requests();
    let v = cli
        .run(
            "mod_anna",
            &["review", "perform", &id, "agree_and_hide", "--json"],
        )
        .await
        .json();
    assert_eq!(v["success"], true, "{v}");
    assert_eq!(v["status"], "approved");
    assert_eq!(v["version"], version + 1);
    assert_eq!(made(&sb, "GET /review/").len(), 1);
    assert_eq!(
        made(&sb, "PUT "),
        [format!("PUT /review/{id}/perform/agree_and_hide.json")]
    );
    let (_, raw) = sb.get(&format!("/posts/{post}.json"), Some("admin")).await;
    assert_eq!(raw["hidden"], true);

    // Again: the item offers nothing now; refused here, nothing sent.
    sb.sandbox.clear_requests();
    let out = cli
        .run("mod_anna", &["review", "perform", &id, "agree_and_hide"])
        .await;
    let err = out.failed(5);
    assert!(err.contains("already approved"), "{err}");
    assert!(made(&sb, "PUT ").is_empty());

    // An action another kind has, by label: refused with what the item does offer.
    let other = flagged_offering(&cli, "disagree").await;
    let other_id = other["id"].as_str().unwrap();
    let out = cli
        .run("mod_anna", &["review", "perform", other_id, "approve_post"])
        .await;
    let err = out.failed(5);
    assert!(
        err.contains("it offers: ") && err.contains("disagree"),
        "{err}"
    );
    // By label, as a table line.
    let out = cli
        .run("mod_anna", &["review", "perform", other_id, "No"])
        .await;
    let text = out.ok();
    assert!(
        text.starts_with(&format!("review item {other_id}: No done (now rejected)")),
        "{text}"
    );

    // Unknown item: 4. A member: 3.
    cli.run("mod_anna", &["review", "perform", "987654", "disagree"])
        .await
        .failed(4);
    cli.run("member_mia", &["review", "perform", other_id, "disagree"])
        .await
        .failed(3);
    // Flags where they are read: --type is the list's, not perform's.
    cli.run(
        "mod_anna",
        &["review", "--type", "user", "perform", &id, "x"],
    )
    .await
    .failed(2);

    let log = cli.run("mod_anna", &["log", "--json"]).await.json();
    let entries: Vec<&Value> = items(&log)
        .iter()
        .filter(|e| e["action"] == "review_perform")
        .collect();
    assert_eq!(entries.len(), 2, "{log}");
    assert_eq!(entries[0]["target"], format!("review {id} agree_and_hide"));
    assert_eq!(entries[0]["result"], "ok");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flag_by_type_name_with_dry_run() {
    let sb = start().await;
    let cli = Cli::new(&sb);
    // A post by someone else that no review item is about.
    let all = cli
        .run(
            "mod_anna",
            &["review", "--json", "--status", "all", "--limit", "1000"],
        )
        .await
        .json();
    let flagged: Vec<&str> = items(&all)
        .iter()
        .filter_map(|r| r["post_id"].as_str())
        .collect();
    let t = sb.first_topic("order=posts").await;
    let topic = sb.topic(t["id"].as_i64().unwrap(), Some("admin")).await;
    let post = topic["post_stream"]["posts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["username"] != "member_mia" && !flagged.contains(&p["id"].to_string().as_str()))
        .expect("an unflagged post")["id"]
        .as_u64()
        .unwrap()
        .to_string();

    sb.sandbox.clear_requests();
    let out = cli
        .run(
            "member_mia",
            &["flag", &post, "--type", "spam", "--dry-run"],
        )
        .await;
    let text = out.ok();
    assert!(
        text.starts_with("Flag post (dry run: nothing sent)"),
        "{text}"
    );
    assert!(
        text.contains(&format!("Flag post {post} as «It's Spam»")),
        "{text}"
    );
    assert_nothing_sent(&sb);
    let v = cli
        .run(
            "member_mia",
            &["flag", &post, "--type", "off-topic", "--dry-run", "--json"],
        )
        .await
        .json();
    assert_eq!(v["would_send"]["flag"]["name"], "off_topic");
    assert_eq!(v["would_send"]["post_id"], post);
    assert_nothing_sent(&sb);

    // Needs a message: refused before sending, dry run or not.
    for extra in [&[][..], &["--dry-run"][..]] {
        let mut args = vec!["flag", post.as_str(), "--type", "notify_moderators"];
        args.extend_from_slice(extra);
        let err = cli.run("member_mia", &args).await.failed(5).to_string();
        assert!(err.contains("needs a message"), "{err}");
    }
    assert_nothing_sent(&sb);
    // Unknown type: 4, with what the site has.
    let err = cli
        .run("member_mia", &["flag", &post, "--type", "rude"])
        .await
        .failed(4)
        .to_string();
    assert!(err.contains("spam") && err.contains("off_topic"), "{err}");

    // For real: one read of the flag types, one write.
    sb.sandbox.clear_requests();
    let v = cli
        .run(
            "member_mia",
            &[
                "flag",
                &post,
                "--type",
                "notify_moderators",
                "--message",
                "Looks like a copy of another thread",
                "--json",
            ],
        )
        .await
        .json();
    assert_eq!(v["post_id"], post);
    assert_eq!(v["flag_type"], "notify_moderators");
    assert_eq!(made(&sb, "GET /site.json").len(), 1);
    assert_eq!(made(&sb, "POST "), ["POST /post_actions.json"]);
    // It is in the queue, with Mia's message.
    let q = cli
        .run("mod_anna", &["review", "--json", "--limit", "1000"])
        .await
        .json();
    let item = items(&q)
        .iter()
        .find(|r| r["post_id"] == post)
        .expect("the flag made a review item");
    let reason = &item["reasons"][0];
    assert_eq!(reason["flag_type"], "notify_moderators");
    assert_eq!(reason["by"][0], "member_mia");
    assert!(reason["notes_html"][0]
        .as_str()
        .unwrap()
        .contains("copy of another thread"));

    // A second flag on the same post: the server says no (3); the table line otherwise.
    cli.run("member_mia", &["flag", &post, "--type", "spam"])
        .await
        .failed(3);
    let out = cli
        .run("leader_luca", &["flag", &post, "--type", "spam"])
        .await;
    assert_eq!(out.ok().trim(), format!("flagged post {post} as It's Spam"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edit_from_file_and_stdin_with_a_reason() {
    let sb = start().await;
    let cli = Cli::new(&sb);
    let t = sb.first_topic("order=posts").await;
    let topic = sb.topic(t["id"].as_i64().unwrap(), Some("admin")).await;
    let post = topic["post_stream"]["posts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["username"] != "member_mia")
        .unwrap()["id"]
        .as_u64()
        .unwrap()
        .to_string();
    let file = cli.data.path().join("edit.md");
    std::fs::write(&file, "The text of this post, as a moderator corrected it.").unwrap();
    let path = file.to_str().unwrap();

    sb.sandbox.clear_requests();
    let out = cli
        .run(
            "mod_anna",
            &[
                "edit",
                &post,
                "--file",
                path,
                "--reason",
                "typo",
                "--dry-run",
            ],
        )
        .await;
    let text = out.ok();
    assert!(
        text.starts_with("Edit post (dry run: nothing sent)"),
        "{text}"
    );
    assert!(text.contains("Reason: typo"), "{text}");
    let v = cli
        .run(
            "mod_anna",
            &["edit", &post, "--file", path, "--dry-run", "--json"],
        )
        .await
        .json();
    assert_eq!(v["kind"], "edit_post");
    assert_eq!(
        v["would_send"]["raw"],
        "The text of this post, as a moderator corrected it."
    );
    assert_nothing_sent(&sb);

    let v = cli
        .run(
            "mod_anna",
            &["edit", &post, "--file", path, "--reason", "typo", "--json"],
        )
        .await
        .json();
    assert_eq!(v["id"], post);
    assert!(v["body_html"]
        .as_str()
        .unwrap()
        .contains("moderator corrected"));
    assert_eq!(made(&sb, "PUT "), [format!("PUT /posts/{post}.json")]);
    let (_, rev) = sb
        .get(
            &format!("/posts/{post}/revisions/latest.json"),
            Some("admin"),
        )
        .await;
    assert_eq!(rev["edit_reason"], "typo");

    let out = cli
        .run_in(
            "mod_anna",
            &["edit", &post, "-", "--reason", "second pass"],
            Some("The text again, now read from standard input."),
        )
        .await;
    assert!(
        out.ok().starts_with(&format!("edited post {post} ")),
        "{}",
        out.stdout
    );
    let (_, raw) = sb.get(&format!("/posts/{post}.json"), Some("admin")).await;
    assert_eq!(raw["raw"], "The text again, now read from standard input.");

    // No text source: usage. Too short: the server's words. Someone else's post: 3.
    cli.run("mod_anna", &["edit", &post]).await.failed(2);
    let err = cli
        .run_in("mod_anna", &["edit", &post, "-"], Some("short"))
        .await
        .failed(5)
        .to_string();
    assert!(err.contains("too short"), "{err}");
    cli.run_in(
        "member_mia",
        &["edit", &post, "-"],
        Some("A member may not edit this post of someone else."),
    )
    .await
    .failed(3);
}
