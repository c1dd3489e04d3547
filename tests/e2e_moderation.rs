//! End to end, each moderation action from the keyboard: the real binary in a pseudo-terminal
//! against a sandbox on 127.0.0.1, with the sandbox's state checked through its HTTP API.

mod pty;

use modterm::config::Mode;
use modterm::sandbox::Faults;
use pty::{keys_for, Console, Site};
use serde_json::Value;

/// Types a palette command and runs it.
fn palette(console: &mut Console, command: &str) {
    console.send(":");
    console.wait_for("Command");
    console.send(command);
    console.send("\r");
}

/// An open, unsolved topic with at least `min_posts` posts whose post #2 mod_anna may accept.
async fn solvable_topic(site: &Site, min_posts: u32) -> Value {
    let list = site
        .get(
            "mod_anna",
            &format!("/latest.json?solved=no&status=open&min_posts={min_posts}&order=created&ascending=true"),
        )
        .await;
    for t in list["topic_list"]["topics"].as_array().unwrap() {
        let id = t["id"].as_u64().unwrap();
        let topic = site.get("mod_anna", &format!("/t/{id}.json")).await;
        let posts = topic["post_stream"]["posts"].as_array().unwrap();
        if posts.len() >= min_posts as usize
            && posts[1]["can_accept_answer"].as_bool() == Some(true)
            && topic["accepted_answer"].is_null()
        {
            return topic;
        }
    }
    panic!("no solvable topic in the seed");
}

async fn open_console(site: &Site, user: &str, topic_id: u64) -> Console {
    let mut console = site.console(user, 120, 40);
    console.wait_for(&format!("{user} ("));
    console.wait_for("WAITING");
    palette(&mut console, &format!("open_topic {topic_id}"));
    console.wait_for(&format!("#{topic_id} "));
    console.wait_for("#1 ");
    console
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accept_a_solution_from_the_thread() {
    let site = Site::start().await;
    let topic = solvable_topic(&site, 2).await;
    let id = topic["id"].as_u64().unwrap();
    let post_id = topic["post_stream"]["posts"][1]["id"].as_u64().unwrap();
    let mut console = open_console(&site, "mod_anna", id).await;
    console.send("j");
    // Reversible: no confirmation, an undo instead.
    console.send(&keys_for(Mode::Thread, "accept_solution"));
    site.wait_for_value(
        "mod_anna",
        &format!("/t/{id}.json"),
        "the accepted answer",
        |t| {
            t["post_stream"]["posts"].as_array().is_some_and(|p| {
                p.iter()
                    .any(|p| p["id"].as_u64() == Some(post_id) && p["accepted_answer"] == true)
            })
        },
    )
    .await;
    console.wait_for("SOLUTION");
    console.wait_for("u undoes");
    // `u` takes it back.
    console.send(&keys_for(Mode::Global, "undo"));
    site.wait_for_value(
        "mod_anna",
        &format!("/t/{id}.json"),
        "the solution undone",
        |t| t["accepted_answer"].is_null(),
    )
    .await;
    site.sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn move_a_topic_to_another_category() {
    let site = Site::start().await;
    let (id, _) = site.oldest_unanswered().await;
    let topic = site.get("mod_anna", &format!("/t/{id}.json")).await;
    let current = topic["category_id"].as_u64();
    let categories = site.get("mod_anna", "/categories.json").await;
    let target = categories["category_list"]["categories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"].as_u64() != current && c["slug"] == "billing")
        .or_else(|| {
            categories["category_list"]["categories"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["id"].as_u64() != current)
        })
        .cloned()
        .unwrap();
    let target_id = target["id"].as_u64().unwrap();
    let mut console = open_console(&site, "mod_anna", id).await;
    palette(&mut console, "move_topic");
    console.wait_for("to category");
    console.send(target["slug"].as_str().unwrap());
    // Reversible: it runs at once, with an undo.
    console.send("\r");
    site.wait_for_value(
        "mod_anna",
        &format!("/t/{id}.json"),
        "the new category",
        |t| t["category_id"].as_u64() == Some(target_id),
    )
    .await;
    console.wait_for("moved to");
    site.sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn move_two_posts_to_a_new_topic() {
    let site = Site::start().await;
    let topic = solvable_topic(&site, 3).await;
    let id = topic["id"].as_u64().unwrap();
    let before = topic["posts_count"].as_u64().unwrap();
    let mut console = open_console(&site, "mod_anna", id).await;
    // Mark posts #2 and #3 (Space marks and moves down).
    console.send("j");
    let mark = keys_for(Mode::Thread, "toggle_select");
    console.send(&mark);
    console.wait_for("1 post(s) marked");
    console.send(&mark);
    console.wait_for("2 post(s) marked");
    console.send(&keys_for(Mode::Thread, "move_posts"));
    console.wait_for("Move 2 post(s) to");
    // The typed title is offered first as a new topic, in the source topic's category.
    let title = "Split from the console by the e2e test";
    console.send(title);
    console.wait_for(&format!("New topic: «{title}»"));
    console.send("\r");
    console.wait_for("to a new topic");
    console.send("y");
    site.wait_for_value(
        "mod_anna",
        &format!("/t/{id}.json"),
        "two posts gone",
        |t| t["posts_count"].as_u64() == Some(before - 2),
    )
    .await;
    // The console reports where the posts went; the server agrees.
    console.wait_for("post(s) moved to topic #");
    let screen = console.screen();
    let new_id: u64 = screen
        .split("post(s) moved to topic #")
        .nth(1)
        .map(|rest| {
            rest.chars()
                .take_while(|c| c.is_ascii_digit())
                .collect::<String>()
        })
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("no topic id on screen:\n{screen}"));
    let created = site.get("mod_anna", &format!("/t/{new_id}.json")).await;
    assert_eq!(created["title"], title);
    assert_eq!(created["posts_count"].as_u64(), Some(2));
    site.sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn award_a_badge_to_a_posts_author() {
    let site = Site::start().await;
    let (id, _) = site.oldest_unanswered().await;
    let topic = site.get("mod_anna", &format!("/t/{id}.json")).await;
    let author = topic["post_stream"]["posts"][0]["username"]
        .as_str()
        .unwrap()
        .to_string();
    let held = site
        .get("mod_anna", &format!("/user-badges/{author}.json"))
        .await;
    let held_ids: Vec<u64> = held["user_badges"]
        .as_array()
        .map(|b| b.iter().filter_map(|b| b["badge_id"].as_u64()).collect())
        .unwrap_or_default();
    let badges = site.get("mod_anna", "/badges.json").await;
    let badge = badges["badges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| {
            b["manually_grantable"] == true
                && b["enabled"] != false
                && !held_ids.contains(&b["id"].as_u64().unwrap())
        })
        .cloned()
        .expect("a grantable badge");
    let badge_id = badge["id"].as_u64().unwrap();
    let mut console = open_console(&site, "mod_anna", id).await;
    console.send(&keys_for(Mode::Thread, "award_badge"));
    console.wait_for("Award a badge to");
    console.send(badge["name"].as_str().unwrap());
    console.send("\r");
    console.wait_for("Award «");
    console.send("y");
    site.wait_for_value(
        "mod_anna",
        &format!("/user-badges/{author}.json"),
        "the badge",
        |v| {
            v["user_badges"]
                .as_array()
                .is_some_and(|b| b.iter().any(|b| b["badge_id"].as_u64() == Some(badge_id)))
        },
    )
    .await;
    console.wait_for("awarded");
    site.sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rights_differ_for_leaders_and_members() {
    let site = Site::start().await;
    let (id, _) = site.oldest_unanswered().await;
    // A leader may move but not award.
    let mut console = open_console(&site, "leader_luca", id).await;
    console.send(&keys_for(Mode::Thread, "award_badge"));
    console.wait_for("only staff");
    console.send(&keys_for(Mode::Thread, "move_posts"));
    console.wait_for("Move 1 post(s) to");
    drop(console);
    // A member may do neither.
    let mut console = open_console(&site, "member_mia", id).await;
    console.send(&keys_for(Mode::Thread, "move_posts"));
    console.wait_for("moving posts needs staff");
    console.send(&keys_for(Mode::Thread, "award_badge"));
    console.wait_for("only staff");
    site.sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_reply_keeps_its_draft_across_a_kill() {
    let site = Site::start().await;
    let (id, _) = site.oldest_unanswered().await;
    site.sandbox.faults().set(Faults {
        error_rate: 1.0,
        error_status: 503,
        path_prefix: Some("/posts".into()),
        ..Faults::default()
    });
    let mut console = open_console(&site, "mod_anna", id).await;
    console.send(&keys_for(Mode::Thread, "reply"));
    console.wait_for("C-x C-y send");
    let text = "Draft that must survive a 503 and a kill -9.";
    console.paste(text);
    console.wait_for("must survive");
    console.send(&keys_for(Mode::Composer, "send_reply"));
    console.wait_for("Send reply");
    console.send("y");
    console.wait_for("draft kept");
    assert_eq!(site.posts_count(id).await, 1, "nothing was posted");
    console.kill();
    drop(console);

    site.sandbox.faults().clear();
    let mut console = open_console(&site, "mod_anna", id).await;
    console.send(&keys_for(Mode::Thread, "reply"));
    console.wait_for("draft restored");
    console.wait_for("must survive");
    site.sandbox.shutdown().await;
}
