//! Search and the review queue in the console, as a moderator works them, in a pseudo-terminal
//! against the sandbox: search for a word, open the first result and reply to it; open the
//! review view, agree with the flags on two posts and hide them in one bulk action, approve a
//! held post; see why each item waits and open its post; flag a post from the thread and edit
//! one as staff with a reason. Every effect is checked on the sandbox over HTTP, and the
//! requests counted.

mod pty;

use std::collections::HashMap;
use std::time::Duration;

use modterm::config::Mode;
use pty::{key_bytes, keys_for, Console, Site};
use serde_json::Value;

fn ids_of_kind(queue: &Value, kind: &str) -> Vec<u64> {
    queue["reviewables"]
        .as_array()
        .expect("reviewables")
        .iter()
        .filter(|r| r["type"] == kind)
        .filter_map(|r| r["id"].as_u64())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_reply_and_a_bulk_review_from_the_console() {
    let site = Site::start().await;
    // What the console's search will list first, and what the review view will show, in the
    // server's order (read as the console's account, before it starts).
    let found = site.get("mod_anna", "/search.json?q=roaming").await;
    let first = &found["topics"][0];
    let topic = first["id"].as_u64().expect("a topic about roaming");
    let title: String = first["title"].as_str().unwrap().chars().take(24).collect();
    let posts_before = site.posts_count(topic).await;
    let queue = site.get("mod_anna", "/review.json").await;
    let all: Vec<&Value> = queue["reviewables"].as_array().unwrap().iter().collect();
    assert!(
        all.len() >= 3
            && all[0]["type"] == "ReviewableFlaggedPost"
            && all[1]["type"] == "ReviewableFlaggedPost",
        "the demo's queue starts with flagged posts: {queue}"
    );
    let flagged: Vec<u64> = all[..2].iter().map(|r| r["id"].as_u64().unwrap()).collect();
    let flagged_posts: Vec<u64> = all[..2]
        .iter()
        .map(|r| r["target_id"].as_u64().unwrap())
        .collect();
    let held = ids_of_kind(&queue, "ReviewableQueuedPost");
    let held_at = all
        .iter()
        .position(|r| r["type"] == "ReviewableQueuedPost")
        .expect("a held post in the demo queue");

    let mut console = site.console("mod_anna", 120, 40);
    console.wait_for("mod_anna (moderator)");
    console.wait_quiet(Duration::from_millis(300));
    site.sandbox.clear_requests();

    // Search: `s`, the words, Enter; the results are a view of their own.
    console.send("s");
    console.wait_for("Search");
    console.send("roaming");
    console.send(&key_bytes("Enter"));
    console.wait_for("found for roaming");
    console.wait_for(&title);
    console.send(&key_bytes("Enter"));
    console.wait_for(&format!("#{topic}"));
    console.send("r");
    console.wait_for("C-x C-y send");
    console.paste("Roaming charges are billed a day late; the next bill corrects them.");
    console.wait_for("billed a day late");
    console.send(&key_bytes("C-x"));
    console.send(&key_bytes("C-y"));
    console.wait_for("y / Enter: yes");
    console.send("y");
    site.wait_for_value("admin", &format!("/t/{topic}.json"), "the reply", |t| {
        t["posts_count"].as_u64() == Some(posts_before + 1)
    })
    .await;

    // The review view: the two most urgent items are flagged posts; mark both, hide both.
    console.send("5");
    console.wait_for("review (");
    console.send(" ");
    console.send(" ");
    console.wait_for("2 marked");
    console.send("H");
    console.wait_for("Agree with the flags and hide 2 posts");
    console.send("y");
    console.wait_for("2 of 2 done");
    for (id, post) in flagged.iter().zip(&flagged_posts) {
        let item = site.get("admin", &format!("/review/{id}.json")).await;
        assert_eq!(
            item["reviewable"]["status"], 1,
            "review item {id} approved (agreed with): {item}"
        );
        let post = site.get("admin", &format!("/posts/{post}.json")).await;
        assert_eq!(post["hidden"], true, "post hidden: {post}");
    }

    // The held post moved up by the two that left the list: select it and approve it.
    for _ in 0..held_at - 2 {
        console.send("j");
    }
    console.wait_for("queued post by");
    console.send("a");
    console.wait_for("Approve and publish 1 post");
    console.send("y");
    console.wait_for("1 of 1 done");
    let approved = site
        .wait_for_value(
            "admin",
            &format!("/review/{}.json", held[0]),
            "the approval",
            |v| v["reviewable"]["status"] == 1,
        )
        .await;
    assert_eq!(approved["reviewable"]["type"], "ReviewableQueuedPost");
    let total = |q: &Value| q["meta"]["total_rows_reviewables"].as_u64().expect("total");
    let still = site.get("admin", "/review.json").await;
    assert_eq!(
        total(&still),
        total(&queue) - 3,
        "three items decided, the rest still waiting"
    );

    // What it cost: the search, the thread, the reply, two pages of the review queue (the
    // pane holds more than one page), three decisions, and the feed's look at the topic the
    // approval published (asked once per bus message: two here); the feed's polls, the
    // presence pings and the test's own reads (as admin) aside.
    let requests: Vec<_> = site
        .sandbox
        .requests_excluding_admin()
        .into_iter()
        .filter(|r| r.user.as_deref() != Some("admin"))
        .filter(|r| !r.path.starts_with("/message-bus/") && !r.path.starts_with("/presence/"))
        .collect();
    let paths: Vec<String> = requests
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert!(
        requests.len() <= 10,
        "search, reply and three review decisions made {} requests: {paths:?}",
        requests.len()
    );
    assert_eq!(
        paths
            .iter()
            .filter(|p| p.starts_with("PUT /review/"))
            .count(),
        3,
        "one request per decided item: {paths:?}"
    );
    console.send("q");
    assert!(console.wait_exit(), "q quits");
}

/// Types a palette command and runs it.
fn palette(console: &mut Console, command: &str) {
    console.send(":");
    console.wait_for("Command");
    console.send(command);
    console.send(&key_bytes("Enter"));
}

/// The console's requests hold `write` once, no other write, and at most `at_most` in all.
fn assert_the_only_write(paths: &[String], write: &str, at_most: usize) {
    assert_eq!(
        paths.iter().filter(|p| p.as_str() == write).count(),
        1,
        "{write} sent once: {paths:?}"
    );
    assert_eq!(
        paths.iter().filter(|p| !p.starts_with("GET ")).count(),
        1,
        "{write} is the only write: {paths:?}"
    );
    assert!(
        paths.len() <= at_most,
        "the flow made {} requests, at most {at_most} expected: {paths:?}",
        paths.len()
    );
}

/// What the console asked the sandbox since its log was cleared, as "METHOD /path": the
/// test's own reads (as admin), the feed's polls and the presence pings left out.
fn console_requests(site: &Site) -> Vec<String> {
    site.sandbox
        .requests_excluding_admin()
        .into_iter()
        .filter(|r| r.user.as_deref() != Some("admin"))
        .filter(|r| !r.path.starts_with("/message-bus/") && !r.path.starts_with("/presence/"))
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}

/// One flag type of a review item, from the scores the sandbox lists.
struct Reason {
    /// The type's name ("spam").
    kind: String,
    /// What the site calls it ("Spam").
    title: String,
    count: usize,
    /// Who flagged, in the order they did.
    by: Vec<String>,
}

/// A review item as a page of `/review.json` describes it, its sideloads resolved.
struct Item {
    id: u64,
    kind: String,
    score: f64,
    /// Whose post (or sign-up) it is.
    author: String,
    reasons: Vec<Reason>,
    json: Value,
}

impl Item {
    /// What the WHY column says: each flag type, with its count when more than one
    /// ("spam ×4").
    fn why(&self) -> String {
        self.reasons
            .iter()
            .map(|r| {
                if r.count > 1 {
                    format!("{} ×{}", r.kind, r.count)
                } else {
                    r.kind.clone()
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn items_of(page: &Value) -> Vec<Item> {
    let users: HashMap<i64, String> = page["users"]
        .as_array()
        .expect("users")
        .iter()
        .filter_map(|u| Some((u["id"].as_i64()?, u["username"].as_str()?.to_string())))
        .collect();
    let scores: HashMap<i64, &Value> = page["reviewable_scores"]
        .as_array()
        .expect("reviewable_scores")
        .iter()
        .filter_map(|s| Some((s["id"].as_i64()?, s)))
        .collect();
    page["reviewables"]
        .as_array()
        .expect("reviewables")
        .iter()
        .map(|r| {
            let mut reasons: Vec<Reason> = Vec::new();
            for id in r["reviewable_score_ids"].as_array().expect("score ids") {
                let s = scores[&id.as_i64().expect("a score id")];
                let kind = s["score_type"]["type"].as_str().expect("a score type");
                let by = s["user_id"].as_i64().and_then(|u| users.get(&u)).cloned();
                match reasons.iter_mut().find(|x| x.kind == kind) {
                    Some(x) => {
                        x.count += 1;
                        if let Some(b) = by {
                            x.by.push(b);
                        }
                    }
                    None => reasons.push(Reason {
                        kind: kind.to_string(),
                        title: s["score_type"]["title"]
                            .as_str()
                            .unwrap_or(kind)
                            .to_string(),
                        count: 1,
                        by: by.into_iter().collect(),
                    }),
                }
            }
            Item {
                id: r["id"].as_u64().expect("an id"),
                kind: r["type"].as_str().expect("a type").to_string(),
                score: r["score"].as_f64().expect("a score"),
                author: r["target_created_by_id"]
                    .as_i64()
                    .and_then(|u| users.get(&u))
                    .cloned()
                    .unwrap_or_default(),
                reasons,
                json: r.clone(),
            }
        })
        .collect()
}

/// The words of the thread pane's post whose header line holds `header`, down to the next
/// post's header or the pane's bottom border: the borders and the wrapping taken out.
fn post_text_under(screen: &str, header: &str) -> Option<String> {
    let lines: Vec<&str> = screen.lines().collect();
    let at = lines.iter().position(|l| l.contains(header))?;
    let mut words: Vec<&str> = Vec::new();
    for line in &lines[at + 1..] {
        let inner = line.trim_matches(|c: char| c == '║' || c == '│' || c.is_whitespace());
        let next_post = inner
            .strip_prefix('#')
            .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit()));
        if next_post || inner.starts_with(['╚', '└']) {
            break;
        }
        words.extend(inner.split_whitespace());
    }
    Some(words.join(" "))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_review_view_says_why_each_item_waits_and_enter_opens_its_post() {
    let site = Site::start().await;
    // The whole queue as the console will list it, in the server's order (read as the
    // console's account, before it starts).
    let first_page = site.get("mod_anna", "/review.json").await;
    let total = first_page["meta"]["total_rows_reviewables"]
        .as_u64()
        .expect("total");
    let mut items = items_of(&first_page);
    for _ in 0..10 {
        if items.len() as u64 >= total {
            break;
        }
        let page = site
            .get("mod_anna", &format!("/review.json?offset={}", items.len()))
            .await;
        let more = items_of(&page);
        if more.is_empty() {
            break;
        }
        items.extend(more);
    }
    assert_eq!(items.len() as u64, total, "the whole queue read");
    assert!(
        total <= 20,
        "the demo's queue fits the review pane at 120x40 (23 rows): {total} items"
    );
    let first = &items[0];
    assert!(
        first.kind == "ReviewableFlaggedPost"
            && first.reasons.len() == 1
            && first.reasons[0].kind == "spam"
            && first.reasons[0].count >= 2
            && first.reasons[0].by.iter().any(|b| b == "leader_lena"),
        "the most urgent item is the seed's spam pile-on, leader_lena among its flaggers: {}",
        first.json
    );
    for kind in ["off_topic", "inappropriate"] {
        assert!(
            items
                .iter()
                .any(|i| i.reasons.iter().any(|r| r.kind == kind)),
            "the seed flags a post {kind} too"
        );
    }
    let post_id = first.json["target_id"].as_u64().expect("a post");
    let post_number = first.json["post_number"].as_u64().expect("its number");
    let topic = first.json["topic_id"].as_u64().expect("its topic");
    // The first words of the flagged post, to find in the thread pane.
    let piece = first.json["raw"]
        .as_str()
        .expect("its text")
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default()
        .split_whitespace()
        .take(6)
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        !piece.is_empty() && !piece.contains(['*', '_', '`', '[', '<', '>', '#']),
        "plain words to look for: {piece:?}"
    );

    let mut console = site.console("mod_anna", 120, 40);
    console.wait_for("mod_anna (moderator)");
    console.wait_for("WAITING");
    console.wait_quiet(Duration::from_millis(300));
    site.sandbox.clear_requests();

    console.send("5");
    // Every page in: the title counts them all.
    console.wait_for(&format!(" review ({total}) "));
    let screen = console.screen();
    // Each flagged post's row: what it is and why (its flag types and counts), whose post,
    // and its score.
    for item in items.iter().filter(|i| i.kind == "ReviewableFlaggedPost") {
        let what = format!("flagged post {}", item.why());
        let whose: String = item.author.chars().take(14).collect();
        let score = format!("{:>6.1}  ", item.score);
        assert!(
            screen
                .lines()
                .any(|l| l.contains(&what) && l.contains(&whose) && l.contains(&score)),
            "review item {} listed as {what:?}, {whose:?}, score {score:?}:\n{screen}",
            item.id
        );
    }
    // The selected item (the most urgent) in full under the list: what and whose, then each
    // flag type with its count and who flagged.
    let selected = format!("flagged post {}", first.why());
    let score = format!("{:>6.1}  ", first.score);
    assert!(
        screen
            .lines()
            .any(|l| l.contains('▶') && l.contains(&selected) && l.contains(&score)),
        "the most urgent item is selected:\n{screen}"
    );
    let described = format!(
        "#{} flagged post (post {post_id}) by {}",
        first.id, first.author
    );
    assert!(
        screen.contains(&described),
        "{described:?} under the list:\n{screen}"
    );
    let spam = &first.reasons[0];
    let flagged_by = format!("{} ×{} by {}", spam.title, spam.count, spam.by.join(", "));
    assert!(
        screen.contains(&flagged_by),
        "{flagged_by:?} under the list:\n{screen}"
    );

    // Enter: the post in the thread pane, selected; maximized, the pane shows it alone.
    console.send(&key_bytes("Enter"));
    console.wait_for(&format!("#{topic} "));
    let header = format!("▶ #{post_number} {}", first.author);
    console.wait_for(&header);
    console.send(&keys_for(Mode::Global, "maximize_pane"));
    console.wait_until(
        &format!("{piece:?} in post #{post_number}, selected, in the thread pane alone"),
        |s| {
            !s.contains("WAITING")
                && post_text_under(s, &header).is_some_and(|text| text.contains(&piece))
        },
    );

    // What it cost: the review queue's two pages and the thread; nothing written.
    let paths = console_requests(&site);
    let thread = format!("GET /t/{topic}.json");
    assert!(
        paths.len() <= 3,
        "the review view and one item's thread made {} requests: {paths:?}",
        paths.len()
    );
    assert_eq!(
        paths.iter().filter(|p| p.as_str() == thread).count(),
        1,
        "the thread read once: {paths:?}"
    );
    assert!(
        paths.iter().all(|p| p.starts_with("GET ")),
        "looking writes nothing: {paths:?}"
    );
    console.send("q");
    assert!(console.wait_exit(), "q quits");
    site.sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flag_a_post_from_the_thread() {
    let site = Site::start().await;
    let (topic, _) = site.oldest_unanswered().await;
    let thread = site.get("mod_anna", &format!("/t/{topic}.json")).await;
    let post = &thread["post_stream"]["posts"][0];
    let post_id = post["id"].as_u64().expect("a first post");
    let author = post["username"].as_str().expect("its author").to_string();
    assert_ne!(author, "mod_anna", "someone else's post");
    let types = site.get("mod_anna", "/site.json").await;
    let spam = types["post_action_types"]
        .as_array()
        .expect("post_action_types")
        .iter()
        .find(|t| t["name_key"] == "spam")
        .expect("a spam flag type")
        .clone();
    let label = spam["name"].as_str().expect("its label").to_string();
    let spam_id = spam["id"].as_u64().expect("its id");
    let before = site
        .get(
            "admin",
            &format!("/review.json?status=all&topic_id={topic}"),
        )
        .await;
    assert!(
        before["reviewables"]
            .as_array()
            .expect("reviewables")
            .iter()
            .all(|r| r["target_id"].as_u64() != Some(post_id)),
        "the post was never flagged: {before}"
    );

    let mut console = site.console("mod_anna", 120, 40);
    console.wait_for("mod_anna (moderator)");
    console.wait_for("WAITING");
    console.wait_quiet(Duration::from_millis(300));
    site.sandbox.clear_requests();

    palette(&mut console, &format!("open_topic {topic}"));
    console.wait_for(&format!("▶ #1 {author}"));
    // `!`: the site's flag types in a picker; typing chooses, Enter takes it, y confirms.
    console.send(&keys_for(Mode::Thread, "flag_post"));
    console.wait_for(&format!("Flag post #1 by {author}"));
    console.send("spam");
    console.wait_for(&format!("▶ {label}"));
    console.send(&key_bytes("Enter"));
    console.wait_for(&format!("as «{label}»"));
    console.wait_for("y / Enter: yes");
    console.send("y");
    console.wait_for(&format!("flagged post #1 as {label}"));

    // On the server: one review item for the post, holding one flag, mod_anna's, of that type.
    let mine = site
        .get(
            "admin",
            &format!("/review.json?topic_id={topic}&flagged_by=mod_anna"),
        )
        .await;
    let items: Vec<&Value> = mine["reviewables"]
        .as_array()
        .expect("reviewables")
        .iter()
        .filter(|r| r["target_id"].as_u64() == Some(post_id))
        .collect();
    assert_eq!(
        items.len(),
        1,
        "one review item for the flagged post: {mine}"
    );
    assert_eq!(items[0]["type"], "ReviewableFlaggedPost", "{mine}");
    assert_eq!(items[0]["status"], 0, "waiting for the staff: {mine}");
    let anna = mine["users"]
        .as_array()
        .expect("users")
        .iter()
        .find(|u| u["username"] == "mod_anna")
        .and_then(|u| u["id"].as_i64())
        .expect("mod_anna among the users");
    let score_ids = items[0]["reviewable_score_ids"]
        .as_array()
        .expect("score ids");
    let flags: Vec<&Value> = mine["reviewable_scores"]
        .as_array()
        .expect("reviewable_scores")
        .iter()
        .filter(|s| score_ids.contains(&s["id"]))
        .collect();
    assert_eq!(flags.len(), 1, "exactly one flag on the post: {mine}");
    assert_eq!(flags[0]["score_type"]["type"], "spam", "{mine}");
    assert_eq!(flags[0]["user_id"].as_i64(), Some(anna), "{mine}");
    let who = site
        .get(
            "admin",
            &format!("/post_action_users.json?id={post_id}&post_action_type_id={spam_id}"),
        )
        .await;
    assert_eq!(who["total_rows_post_action_users"], 1, "{who}");
    assert_eq!(who["post_action_users"][0]["username"], "mod_anna", "{who}");

    // What it cost: the thread, the site's flag types (read once), the flag, and the thread
    // again when the flag's own bus message came.
    assert_the_only_write(&console_requests(&site), "POST /post_actions.json", 4);
    console.send("q");
    assert!(console.wait_exit(), "q quits");
    site.sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edit_a_post_as_staff_with_a_reason() {
    let site = Site::start().await;
    let (topic, _) = site.oldest_unanswered().await;
    let thread = site.get("mod_anna", &format!("/t/{topic}.json")).await;
    let first = &thread["post_stream"]["posts"][0];
    let post_id = first["id"].as_u64().expect("a first post");
    let author = first["username"].as_str().expect("its author").to_string();
    assert_ne!(
        author, "mod_anna",
        "someone else's post: staff rights edit it"
    );
    let before = site
        .get("mod_anna", &format!("/posts/{post_id}.json"))
        .await;
    let raw_before = before["raw"].as_str().expect("its text").to_string();
    let version = before["version"].as_u64().expect("its version");

    let mut console = site.console("mod_anna", 120, 40);
    console.wait_for("mod_anna (moderator)");
    console.wait_for("WAITING");
    console.wait_quiet(Duration::from_millis(300));
    site.sandbox.clear_requests();

    palette(&mut console, &format!("open_topic {topic}"));
    console.wait_for(&format!("▶ #1 {author}"));
    // `e`: the post's text in the composer, the cursor at its end.
    console.send(&keys_for(Mode::Thread, "edit_post"));
    console.wait_for("edit #1 ·");
    console.wait_for("saves (asks for a reason)");
    // A new paragraph, pasted as a terminal sends it: xterm, VTE and tmux send a pasted line
    // break as a carriage return.
    let note = "Moderator note: turn on VoLTE first.";
    console.paste(&format!("\r\r{note}"));
    console.wait_for(note);
    // The send key saves: the reason first, then a confirmation that says what changes.
    console.send(&keys_for(Mode::Composer, "send_reply"));
    console.wait_for("Edit reason");
    let reason = "Added the VoLTE step";
    console.send(reason);
    console.wait_for(&format!("> {reason}"));
    console.send(&key_bytes("Enter"));
    console.wait_for(&format!("Reason: {reason}"));
    console.wait_for("y / Enter: yes");
    console.send("y");
    console.wait_for("edited post #1");

    // On the server: the new text, its paragraphs as typed, and a revision with the reason.
    let expected = format!(
        "{}\n\n{note}",
        raw_before.lines().collect::<Vec<_>>().join("\n")
    );
    let after = site
        .wait_for_value(
            "admin",
            &format!("/posts/{post_id}.json"),
            "the edit",
            |p| p["version"].as_u64() == Some(version + 1),
        )
        .await;
    assert_eq!(
        after["raw"].as_str(),
        Some(expected.as_str()),
        "the post's new text: {after}"
    );
    let revision = site
        .get("admin", &format!("/posts/{post_id}/revisions/latest.json"))
        .await;
    assert_eq!(revision["edit_reason"], reason, "{revision}");
    assert_eq!(revision["username"], "mod_anna", "{revision}");
    assert_eq!(
        revision["current_revision"].as_u64(),
        Some(version + 1),
        "{revision}"
    );
    // The composer closed; the thread shows the new text.
    console.wait_until("the edited post in the thread", |s| {
        !s.contains("edit #1 ·") && s.contains(note)
    });

    // What it cost: the thread, the post's text, the edit (its own bus message read nothing).
    assert_the_only_write(
        &console_requests(&site),
        &format!("PUT /posts/{post_id}.json"),
        3,
    );
    console.send("q");
    assert!(console.wait_exit(), "q quits");
    site.sandbox.shutdown().await;
}
