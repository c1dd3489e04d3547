//! Ending signals from outside: the real binary in a pseudo-terminal gets SIGINT, SIGTERM or
//! SIGHUP with a reply half-written. Each time the terminal is given back as it was (the
//! alternate screen left, canonical mode and echo back on), the draft is on disk, and the exit
//! status is 128+n.

#![cfg(unix)]

mod pty;

use modterm::config::Mode;
use pty::{keys_for, Site};

fn drafts(site: &Site) -> Vec<String> {
    let dir = site.home.path().join("data").join("drafts");
    std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .filter_map(|e| std::fs::read_to_string(e.ok()?.path()).ok())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ending_signal_restores_the_terminal_and_keeps_the_draft() {
    let site = Site::start().await;
    let (id, _) = site.oldest_unanswered().await;
    for (signal, name) in [
        (libc::SIGINT, "SIGINT"),
        (libc::SIGTERM, "SIGTERM"),
        (libc::SIGHUP, "SIGHUP"),
    ] {
        let mut console = site.console("mod_anna", 100, 30);
        console.wait_for("mod_anna (moderator)");
        assert!(
            !console.terminal_is_cooked(),
            "the console runs in raw mode"
        );
        console.send(":");
        console.wait_for("Command");
        console.send(&format!("open_topic {id}\r"));
        console.wait_for("#1 ");
        console.send(&keys_for(Mode::Thread, "reply"));
        console.wait_for("C-x C-y send");
        let text = format!("Half-written answer interrupted by {name}, keep me");
        console.paste(&text);
        console.wait_for(&format!("interrupted by {name}"));
        let before = console.bytes_written();
        console.signal(signal);
        assert!(console.wait_exit(), "{name} ends the console");
        assert_eq!(
            console.exit_code(),
            Some(128 + signal as u32),
            "{name}: exit status 128+n"
        );
        let tail = String::from_utf8_lossy(&console.output_since(before)).into_owned();
        assert!(
            tail.contains("\x1b[?1049l"),
            "{name}: the alternate screen is left: {tail:?}"
        );
        assert!(
            console.terminal_is_cooked(),
            "{name}: canonical mode and echo restored"
        );
        assert!(
            drafts(&site).iter().any(|d| d.contains(&text)),
            "{name}: the draft is on disk"
        );
        assert_eq!(site.posts_count(id).await, 1, "{name}: nothing was sent");
    }
    site.sandbox.shutdown().await;
}
