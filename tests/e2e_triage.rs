//! The seven moderation jobs in one sitting, with the default keymap, counting every key that
//! is not typing (confirmations of public actions included): open the oldest unanswered topic,
//! reply, accept the reply, move two posts to a new topic, move a topic, award a badge, open
//! the author's board. The target is at most 18 keys; each job's effect is checked on the
//! sandbox over HTTP.

mod pty;

use std::time::Duration;

use pty::{key_bytes, Console, Site};

/// The keys pressed so far (typing is sent with `Console::send` directly and not counted).
struct Keys<'a> {
    console: &'a mut Console,
    pressed: Vec<&'static str>,
}

impl Keys<'_> {
    /// Presses one key, written as the keymap writes it ("C-x", "Enter", "y").
    fn press(&mut self, key: &'static str) {
        self.console.send(&key_bytes(key));
        self.pressed.push(key);
    }
}

/// Requests that had to wait for the one before: a request that starts while another is in
/// flight overlaps it (they were sent together); one that starts after all earlier ones ended
/// is another round trip on the way.
fn sequential_round_trips(requests: &[modterm::sandbox::RequestRecord]) -> usize {
    let mut spans: Vec<(f64, f64)> = requests
        .iter()
        .filter_map(|r| {
            let start = chrono::DateTime::parse_from_rfc3339(&r.ts).ok()?;
            let start = start.timestamp_millis() as f64;
            Some((start, start + r.ms))
        })
        .collect();
    spans.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut rounds = 0;
    let mut busy_until = f64::MIN;
    for (start, end) in spans {
        if start >= busy_until {
            rounds += 1;
        }
        busy_until = busy_until.max(end);
    }
    rounds
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_seven_jobs_take_at_most_18_keys() {
    let site = Site::start().await;
    let (oldest, oldest_title) = site.oldest_unanswered().await;
    // A topic of exactly three posts and no solution (an accepted answer cannot be moved),
    // for "move two posts to a new topic".
    let list = site
        .get(
            "mod_anna",
            "/latest.json?min_posts=3&max_posts=3&status=open&solved=no",
        )
        .await;
    let split = list["topic_list"]["topics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| {
            t["posts_count"] == 3
                && t["has_accepted_answer"] != true
                && t["id"].as_u64() != Some(oldest)
        })
        .cloned()
        .expect("a three-post topic");
    let split_id = split["id"].as_u64().unwrap();
    let split_category = split["category_id"].as_u64().unwrap();
    let split_topic = site.get("mod_anna", &format!("/t/{split_id}.json")).await;
    let author = split_topic["post_stream"]["posts"][0]["username"]
        .as_str()
        .unwrap()
        .to_string();

    let badges = site.get("mod_anna", "/badges.json").await;
    let mentor = badges["badges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["name"] == "Mentor")
        .and_then(|b| b["id"].as_u64())
        .expect("the demo's Mentor badge");

    let mut console = site.console("mod_anna", 120, 40);
    console.wait_for("mod_anna (moderator)");
    console.wait_for(&oldest_title.chars().take(20).collect::<String>());
    // From here on, the sandbox's log holds what the seven jobs cost.
    console.wait_quiet(Duration::from_millis(300));
    site.sandbox.clear_requests();
    // Every answer takes 40 ms, as over a real network: requests sent together overlap, one
    // sent on another's answer cannot, so the count of round trips does not depend on how
    // busy this machine is.
    site.sandbox.faults().set(modterm::sandbox::Faults {
        latency_ms: 40,
        ..modterm::sandbox::Faults::default()
    });
    let mut keys = Keys {
        console: &mut console,
        pressed: Vec::new(),
    };

    // 1 + 2. The oldest unanswered topic is the first row: `r` opens it and the composer.
    keys.press("r");
    keys.console.wait_for("C-x C-y send");
    keys.console
        .paste("Thanks for the details. Please restart the router once and tell us if it helps.");
    keys.console.wait_for("restart the router");
    keys.press("C-x");
    keys.press("C-y");
    keys.console.wait_for("y / Enter: yes");
    keys.press("y");
    site.wait_for_value("admin", &format!("/t/{oldest}.json"), "the reply", |t| {
        t["posts_count"] == 2
    })
    .await;
    keys.console.wait_for("#2 mod_anna");

    // 3. The new post is selected: accepting it is one key, with an undo instead of a question.
    keys.press("a");
    site.wait_for_value(
        "admin",
        &format!("/t/{oldest}.json"),
        "the accepted reply",
        |t| t["accepted_answer"]["post_number"] == 2,
    )
    .await;

    // 4. Two posts to a new topic: open the topic, select from #2 down, move, the typed title
    //    is offered first, confirm.
    keys.press(":");
    keys.console.wait_for("Command");
    keys.console.send(&format!("open_topic {split_id}"));
    keys.press("Enter");
    keys.console.wait_for(&format!("#{split_id} "));
    keys.console.wait_for("#3 ");
    keys.press("j");
    keys.press("V");
    keys.console.wait_for("2 post(s) marked");
    keys.press("m");
    keys.console.wait_for("Move 2 post(s) to");
    let title = "Split off by the seven-jobs test";
    keys.console.send(title);
    keys.console.wait_for(&format!("New topic: «{title}»"));
    keys.press("Enter");
    keys.console.wait_for("to a new topic");
    keys.press("y");
    site.wait_for_value(
        "admin",
        &format!("/t/{split_id}.json"),
        "two posts moved",
        |t| t["posts_count"] == 1,
    )
    .await;
    keys.console.wait_for("post(s) moved to topic #");

    // 5. The topic to another category: the picker leaves out the current one, so the first
    //    offered is a move.
    keys.press("M");
    keys.console.wait_for("to category");
    keys.press("Enter");
    let moved = site
        .wait_for_value(
            "admin",
            &format!("/t/{split_id}.json"),
            "the topic moved",
            |t| {
                t["category_id"]
                    .as_u64()
                    .is_some_and(|c| c != split_category)
            },
        )
        .await;
    assert_ne!(moved["category_id"].as_u64(), Some(split_category));

    // 7. The author's board (its badges, and the badge catalogue in the same round trip).
    keys.press("p");
    keys.console.wait_for(&author);
    keys.console
        .wait_until("the board", |s| s.contains("posts") && s.contains(&author));

    // 6. A badge to the member on the board: nothing preselected, so the name is typed; what
    //    they hold is on the board already, so the picker opens without a request; one
    //    confirmation.
    keys.press("b");
    keys.console.wait_for("Award a badge to");
    keys.console.send("Mentor");
    keys.press("Enter");
    keys.console.wait_for("Award «Mentor»");
    keys.press("y");
    site.wait_for_value(
        "admin",
        &format!("/user-badges/{author}.json"),
        "the badge",
        |v| {
            v["user_badges"]
                .as_array()
                .is_some_and(|b| b.iter().any(|b| b["badge_id"].as_u64() == Some(mentor)))
        },
    )
    .await;
    keys.console.wait_for("awarded");

    let pressed = keys.pressed.clone();
    let spent: Vec<_> = site
        .sandbox
        .requests_excluding_admin()
        .into_iter()
        .filter(|r| r.user.as_deref() == Some("mod_anna") && !r.path.starts_with("/message-bus/"))
        .collect();
    // Presence announcements go in the background and no key waits for their answer.
    let waited: Vec<_> = spent
        .iter()
        .filter(|r| !r.path.starts_with("/presence/"))
        .cloned()
        .collect();
    let waits = sequential_round_trips(&waited);
    eprintln!(
        "seven jobs: {} requests (polls aside), {waits} sequential round trips: {}",
        spent.len(),
        spent
            .iter()
            .map(|r| format!("{} {}", r.method, r.path))
            .collect::<Vec<_>>()
            .join(", ")
    );
    assert!(
        spent.len() <= 15,
        "the seven jobs made {} requests",
        spent.len()
    );
    assert!(waits <= 8, "{waits} round trips one after another");
    assert!(
        pressed.len() <= 18,
        "the seven jobs took {} keys: {}",
        pressed.len(),
        pressed.join(" ")
    );
    eprintln!(
        "seven jobs in {} keys: {}",
        pressed.len(),
        pressed.join(" ")
    );
    console.send("q");
    assert!(console.wait_exit(), "q quits");
    site.sandbox.shutdown().await;
}
