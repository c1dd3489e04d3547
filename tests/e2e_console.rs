//! End to end: the real binary in a pseudo-terminal against a sandbox on 127.0.0.1; keys are
//! typed, the screen is read back through a VT100 parser, and the sandbox's state is checked
//! through its HTTP API.

mod pty;

use std::time::{Duration, Instant};

use modterm::config::Mode;
use pty::{keys_for, Site};

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
