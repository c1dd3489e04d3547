//! Bytes written to the terminal per key, measured on the real binary in a pseudo-terminal at
//! 120x40 with truecolor and the default dark theme: a selection move, a one-row scroll of the
//! queue, opening a thread and switching views. Over SSH every byte is latency, so each figure
//! has a ceiling here (a regression fails) and its exact value in docs/performance.md.

mod pty;

use std::time::Duration;

use pty::{Console, Site};

/// Long enough for the console to finish what a key caused (it draws within a frame).
const SETTLE: Duration = Duration::from_millis(300);

fn bytes_for(console: &mut Console, keys: &str) -> usize {
    console.wait_quiet(SETTLE);
    let before = console.bytes_written();
    console.send(keys);
    console.wait_quiet(SETTLE);
    console.bytes_written() - before
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bytes_per_key_stay_under_their_ceilings() {
    // Enough unanswered topics to fill the pane and scroll it.
    let site = Site::start_with_topics(600).await;
    let mut console = Console::start_with(
        &site.sandbox.url(),
        "mod_anna",
        site.home.path(),
        120,
        40,
        &["--theme", "dark"],
        &[("NO_COLOR", ""), ("COLORTERM", "truecolor")],
    );
    console.wait_for("mod_anna (moderator)");
    console.wait_until("the queue filled", |s| s.contains("waiting longest"));

    console.wait_quiet(SETTLE);
    let mark = console.bytes_written();
    let j = bytes_for(&mut console, "j");
    if std::env::var("MODTERM_SHOW_BYTES").is_ok() {
        eprintln!(
            "j wrote: {:?}",
            String::from_utf8_lossy(&console.output_since(mark))
        );
    }
    let k = bytes_for(&mut console, "k");
    // Walk to the pane's last row, then one more `j` scrolls the list by one row.
    for _ in 0..40 {
        console.send("j");
    }
    console.wait_quiet(SETTLE);
    let mark = console.bytes_written();
    let scroll = bytes_for(&mut console, "j");
    if std::env::var("MODTERM_SHOW_BYTES").is_ok() {
        eprintln!(
            "scroll wrote: {:?}",
            String::from_utf8_lossy(&console.output_since(mark))
        );
        eprintln!("{}", console.screen());
    }
    let open = bytes_for(&mut console, "\r");
    let view = bytes_for(&mut console, "2");
    eprintln!("bytes at 120x40 truecolor: j {j}, k {k}, one-row scroll {scroll}, Enter {open}, view switch {view}");

    assert!(
        j > 0 && scroll > 0 && open > 0 && view > 0,
        "every key redraws something"
    );
    assert!(j <= 300, "j wrote {j} bytes (target 200)");
    assert!(k <= 300, "k wrote {k} bytes (target 200)");
    assert!(
        scroll <= 600,
        "a one-row scroll wrote {scroll} bytes (target 400)"
    );
    assert!(open <= 16_000, "Enter wrote {open} bytes");
    assert!(view <= 16_000, "a view switch wrote {view} bytes");
    site.sandbox.shutdown().await;
}
