//! End to end: the real binary in a pseudo-terminal against a sandbox on 127.0.0.1; keys are
//! typed, the screen is read back through a VT100 parser, and the sandbox's state is checked
//! through its HTTP API.

mod pty;

use std::time::{Duration, Instant};

use modterm::config::{Keymap, Mode};
use modterm::sandbox::{Sandbox, SandboxOptions};
use pty::{Console, API_KEY};
use serde_json::Value;

struct Site {
    sandbox: Sandbox,
    http: reqwest::Client,
    home: tempfile::TempDir,
}

impl Site {
    async fn start() -> Site {
        let home = tempfile::tempdir().unwrap();
        let sandbox = Sandbox::start(SandboxOptions {
            addr: "127.0.0.1:0".parse().unwrap(),
            db_path: home.path().join("sandbox.db"),
            api_key: API_KEY.into(),
            topics: 120,
            seed: 11,
            admin_rate_limit_per_minute: None,
        })
        .await
        .expect("sandbox starts");
        Site {
            sandbox,
            http: reqwest::Client::new(),
            home,
        }
    }

    async fn get(&self, user: &str, path: &str) -> Value {
        self.http
            .get(format!("{}{path}", self.sandbox.url()))
            .header("Api-Key", API_KEY)
            .header("Api-Username", user)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// The oldest unanswered topic: (id, title).
    async fn oldest_unanswered(&self) -> (u64, String) {
        let list = self
            .get(
                "mod_anna",
                "/latest.json?max_posts=1&status=open&order=created&ascending=true",
            )
            .await;
        let first = &list["topic_list"]["topics"][0];
        (
            first["id"].as_u64().unwrap(),
            first["title"].as_str().unwrap().to_string(),
        )
    }

    async fn posts_count(&self, topic: u64) -> u64 {
        self.get("mod_anna", &format!("/t/{topic}.json")).await["posts_count"]
            .as_u64()
            .unwrap_or(0)
    }

    fn console(&self, user: &str, cols: u16, rows: u16) -> Console {
        Console::start(&self.sandbox.url(), user, self.home.path(), cols, rows)
    }
}

/// The bytes a terminal sends for a key written as in the keymap ("C-x", "y", "Enter").
fn key_bytes(key: &str) -> String {
    match key {
        "Enter" => "\r".into(),
        "Esc" => "\x1b".into(),
        "Tab" => "\t".into(),
        "Space" => " ".into(),
        k if k.starts_with("C-") && k.len() == 3 => {
            let c = k.as_bytes()[2].to_ascii_lowercase();
            ((c - b'a' + 1) as char).to_string()
        }
        k => k.to_string(),
    }
}

fn keys_for(mode: Mode, action: &str) -> String {
    let keymap = Keymap::builtin("default").unwrap();
    let keys = keymap.keys_for(mode, action).expect("bound");
    keys.split(' ').map(key_bytes).collect()
}

/// First words of a post as the console shows them.
fn first_words(cooked: &str) -> String {
    let rendered = modterm::text::render_html(cooked, 200, &modterm::text::PostStyles::plain());
    let text: String = rendered
        .lines
        .iter()
        .map(|l| {
            l.spans
                .iter()
                .map(|s| s.content.as_ref())
                .collect::<String>()
        })
        .find(|l| l.trim().len() > 10)
        .unwrap_or_default();
    text.split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_shows_the_queue_and_opens_a_thread() {
    let site = Site::start().await;
    let (id, title) = site.oldest_unanswered().await;
    let topic = site.get("mod_anna", &format!("/t/{id}.json")).await;
    let words = first_words(topic["post_stream"]["posts"][0]["cooked"].as_str().unwrap());
    let mut console = site.console("mod_anna", 120, 40);
    let short: String = title.chars().take(20).collect();
    console.wait_for(&short);
    console.wait_for("mod_anna (moderator)");
    console.send("\r");
    console.wait_for(&words);
    console.send("?");
    console.wait_for("Keys");
    console.send("\x1b");
    // Esc followed at once by q would read as Alt-q: wait for the help to close.
    console.wait_until("help closed", |s| !s.contains("Keys ·"));
    console.send("q");
    assert!(console.wait_exit(), "q quits");
    site.sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reply_from_the_console_reaches_the_server() {
    let site = Site::start().await;
    let (id, title) = site.oldest_unanswered().await;
    assert_eq!(site.posts_count(id).await, 1);
    let mut console = site.console("mod_anna", 120, 40);
    console.wait_for(&title.chars().take(20).collect::<String>());
    console.send("\r");
    console.wait_for("#1 ");
    console.send("r");
    console.wait_for("send");
    console.paste("Thanks for the report: please restart the router and tell us.");
    console.send(&keys_for(Mode::Composer, "send_reply"));
    console.wait_for("Send reply");
    console.send("y");
    let deadline = Instant::now() + Duration::from_secs(20);
    while site.posts_count(id).await != 2 {
        assert!(
            Instant::now() < deadline,
            "reply never arrived:\n{}",
            console.screen()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    console.wait_for("reply posted");
    console.send("q");
    assert!(console.wait_exit());
    // The draft was removed once the server accepted the reply.
    let drafts = site.home.path().join("data").join("drafts");
    let left = std::fs::read_dir(&drafts).map(|d| d.count()).unwrap_or(0);
    assert_eq!(left, 0, "no draft left behind");
    site.sandbox.shutdown().await;
}
