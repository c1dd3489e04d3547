//! End to end on Khoros: the real binary in a pseudo-terminal against the Khoros-dialect
//! sandbox (with its Care) on 127.0.0.1. The same panes as on Discourse: the queue, a thread,
//! a reply sent from the composer, the actions Khoros lacks explained, and the profile board
//! with the member's social channels.

mod khoros_support;
mod pty;

use std::time::{Duration, Instant};

use modterm::backend::khoros::queue_query;
use modterm::config::Mode;
use modterm::domain::QueueQuery;
use modterm::sandbox_khoros::{KhorosSandbox, KhorosSandboxOptions, CARE_USER};
use pty::{keys_for, Console, API_KEY};

fn palette(console: &mut Console, command: &str) {
    console.send(":");
    console.wait_for("Command");
    console.send(command);
    console.send("\r");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_on_khoros() {
    let home = tempfile::tempdir().unwrap();
    // The sandbox's password is the key the pty harness sends.
    let sandbox = KhorosSandbox::start(KhorosSandboxOptions {
        topics: khoros_support::TOPICS,
        seed: khoros_support::SEED,
        ..KhorosSandboxOptions::new(
            "127.0.0.1:0".parse().unwrap(),
            home.path().join("khoros.db"),
            API_KEY.to_string(),
        )
    })
    .await
    .unwrap();
    let url = sandbox.url();
    // The oldest unanswered thread, as the server lists it.
    let key = {
        let v: serde_json::Value = khoros_support::client()
            .post(format!(
                "{}/restapi/vc/authentication/sessions/login?restapi.response_format=json",
                url
            ))
            .form(&[("user.login", "mod_anna"), ("user.password", API_KEY)])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        v["response"]["value"]["$"].as_str().unwrap().to_string()
    };
    let first: serde_json::Value = khoros_support::client()
        .get(format!("{}/api/2.0/search", url))
        .query(&[("q", queue_query(&QueueQuery::default()).to_string())])
        .header("li-api-session-key", &key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let item = &first["data"]["items"][0];
    let id = item["id"].as_str().unwrap().to_string();
    let title: String = item["subject"].as_str().unwrap().chars().take(20).collect();

    let care = sandbox.care_url();
    let mut console = Console::start_with(
        &url,
        "mod_anna",
        home.path(),
        120,
        40,
        &["--platform", "khoros"],
        &[
            ("MODTERM_CARE_URL", care.as_str()),
            ("MODTERM_CARE_USERNAME", CARE_USER),
            ("MODTERM_CARE_KEY", API_KEY),
        ],
    );
    // Khoros has no review queue: no tab for it, not even while the console connects.
    console.wait_for("1 unanswered");
    assert!(
        !console.screen().contains("5 review"),
        "{}",
        console.screen()
    );
    console.wait_for("mod_anna (moderator)");
    console.wait_for("WAITING");
    console.wait_for(&title);

    // The thread pane.
    palette(&mut console, &format!("open_topic {id}"));
    console.wait_for(&format!("#{id} "));
    console.wait_for("#1 ");

    // What Khoros has no API for is explained, and nothing is sent.
    console.send(&keys_for(Mode::Thread, "award_badge"));
    console.wait_for("Khoros grants badges by rules");
    console.send(&keys_for(Mode::Thread, "move_posts"));
    console.wait_for("moveMessage");

    // A reply from the composer lands as a Khoros message.
    console.send(&keys_for(Mode::Thread, "reply"));
    console.wait_for("C-x C-y send");
    console.paste("Thanks for the details: please restart the router and tell us.");
    console.wait_for("restart the router");
    console.send(&keys_for(Mode::Composer, "send_reply"));
    console.wait_for("Send reply");
    console.send("y");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let v: serde_json::Value = khoros_support::client()
            .get(format!("{}/api/2.0/search", url))
            .query(&[(
                "q",
                format!("SELECT id, author.login, body FROM messages WHERE topic.id = '{id}'"),
            )])
            .header("li-api-session-key", &key)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let items = v["data"]["items"].as_array().cloned().unwrap_or_default();
        if items.iter().any(|m| {
            m["author"]["login"] == "mod_anna"
                && m["body"]
                    .as_str()
                    .is_some_and(|b| b.contains("restart the router"))
        }) {
            break;
        }
        assert!(Instant::now() < deadline, "the reply never arrived: {v}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    console.wait_for("#2 ");

    // The profile board with the member's social channels from Care.
    palette(&mut console, "profile member_mia");
    console.wait_for("@member_mia");
    console.wait_for("Regular Contributor");
    // Care's conversations in the timeline, each with its channel.
    palette(&mut console, "board_channel twitter");
    console.wait_for("Timeline · twitter");
    console.wait_for("care conversation");
    palette(&mut console, "board_channel facebook");
    console.wait_for("facebook care conversation");
    palette(&mut console, "board_channel messaging");
    console.wait_for("messaging care conversation");
    console.send("q");
    assert!(console.wait_exit(), "q quits");
    sandbox.shutdown().await;
}
