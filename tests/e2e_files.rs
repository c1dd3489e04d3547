//! What the console leaves on disk is private: after a session that typed a draft and sent a
//! reply, the data directory and `drafts/` are 0700 and the drafts, the audit log and the log
//! file 0600, whatever the umask (the test runs under the usual 022).

#![cfg(unix)]

mod pty;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use modterm::config::Mode;
use pty::{keys_for, Site};

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_data_directory_and_its_files_are_private() {
    let site = Site::start().await;
    let (sent_to, _) = site.oldest_unanswered().await;
    let other = site
        .get(
            "mod_anna",
            "/latest.json?max_posts=1&status=open&order=created&ascending=true",
        )
        .await["topic_list"]["topics"][1]["id"]
        .as_u64()
        .expect("a second unanswered topic");
    let mut console = site.console("mod_anna", 120, 40);
    console.wait_for("mod_anna (moderator)");
    console.wait_for("WAITING");

    // A reply sent (the audit log) ...
    console.send(":");
    console.wait_for("Command");
    console.send(&format!("open_topic {sent_to}\r"));
    console.wait_for(&format!("#{sent_to} "));
    console.send(&keys_for(Mode::Thread, "reply"));
    console.wait_for("C-x C-y send");
    console.paste("Please check the cable between the hub and the wall socket first.");
    console.wait_for("wall socket");
    console.send(&keys_for(Mode::Composer, "send_reply"));
    console.wait_for("y / Enter: yes");
    console.send("y");
    console.wait_for("#2 mod_anna");
    // ... and a draft kept (the drafts directory).
    console.send(":");
    console.wait_for("Command");
    console.send(&format!("open_topic {other}\r"));
    console.wait_for(&format!("#{other} "));
    console.send(&keys_for(Mode::Thread, "reply"));
    console.wait_for("C-x C-y send");
    console.paste("A draft that stays on this machine only.");
    console.wait_for("stays on this machine");
    console.send(&keys_for(Mode::Composer, "cancel"));
    console.wait_for("draft kept");
    console.send("q");
    assert!(console.wait_exit());

    let data = site.home.path().join("data");
    assert_eq!(mode(&data), 0o700, "the data directory");
    let drafts = data.join("drafts");
    assert_eq!(mode(&drafts), 0o700, "drafts/");
    let files: Vec<_> = std::fs::read_dir(&drafts)
        .unwrap()
        .filter_map(|e| Some(e.ok()?.path()))
        .collect();
    assert!(!files.is_empty(), "the draft is on disk");
    for f in &files {
        assert_eq!(mode(f), 0o600, "{}", f.display());
    }
    assert_eq!(mode(&data.join("audit.log")), 0o600, "the audit log");
    assert_eq!(mode(&data.join("modterm.log")), 0o600, "the log file");
    site.sandbox.shutdown().await;
}
