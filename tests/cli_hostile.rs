//! Hostile, slow and lying servers against the real binary's headless commands: nothing a
//! server sends reaches the terminal raw, JSON escapes what a script could be tricked by, a
//! silent server ends within the deadline, the wrong scheme says so, and a closed stdout ends
//! the command quietly.

mod cli_support;
mod common;
mod scripted;

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use cli_support::*;

/// Characters that must never be printed raw: ESC, BEL, CSI/OSC/ST in C1, bidi overrides.
const DANGEROUS: [char; 7] = [
    '\u{1b}', '\u{7}', '\u{9b}', '\u{9d}', '\u{9c}', '\u{202e}', '\u{85}',
];

fn assert_clean(what: &str, text: &str) {
    for c in DANGEROUS {
        assert!(
            !text.contains(c),
            "{what} printed U+{:04X} raw:\n{text}",
            c as u32
        );
    }
}

/// The seeded topic whose title carries escapes and a bidi override.
async fn hostile_topic(sb: &common::TestSandbox) -> i64 {
    for page in 0..30 {
        let (_, list) = sb
            .get(&format!("/latest.json?page={page}"), Some("mod_anna"))
            .await;
        let topics = list["topic_list"]["topics"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if topics.is_empty() {
            break;
        }
        if let Some(t) = topics
            .iter()
            .find(|t| t["title"].as_str().is_some_and(|s| s.contains('\u{202e}')))
        {
            return t["id"].as_i64().unwrap();
        }
    }
    panic!("the seed has a hostile title");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_titles_bodies_and_names_never_reach_the_terminal() {
    let sb = common::start().await;
    let cli = Cli::new(&sb);
    let id = hostile_topic(&sb).await;
    // A reply full of escapes and a link with a scheme that must not become clickable.
    let (status, _) = sb
        .post_json(
            "/posts.json",
            "member_mia",
            serde_json::json!({
                "topic_id": id,
                "raw": "see \u{1b}]0;owned\u{7} [here](javascript:alert(1)) and \u{9b}2J done \u{202e}txt.exe",
            }),
        )
        .await;
    assert!(status.is_success(), "{status}");

    let text = cli.run("mod_anna", &["thread", &id.to_string()]).await;
    assert_clean("thread", text.ok());

    let json = cli
        .run("mod_anna", &["thread", &id.to_string(), "--json"])
        .await;
    assert_clean("thread --json", json.ok());
    assert!(
        json.stdout.contains("\\u202e") || json.stdout.contains("\\u202E"),
        "bidi overrides are escaped, not dropped, in JSON"
    );
    let v = json.json();
    let title = v["summary"]["title"].as_str().unwrap();
    assert!(
        title.contains('\u{202e}'),
        "the decoded JSON keeps the text: {title:?}"
    );

    let queue = cli.run("mod_anna", &["queue", "--view", "latest"]).await;
    assert_clean("queue", queue.ok());
    let queue_json = cli
        .run("mod_anna", &["queue", "--view", "latest", "--json"])
        .await;
    assert_clean("queue --json", queue_json.ok());

    // The member with a hostile display name, by id.
    let (_, admin) = sb.get("/admin/users/18.json", Some("admin")).await;
    let member = admin["username"].as_str().expect("member 18").to_string();
    let profile = cli.run("mod_anna", &["profile", &member]).await;
    assert_clean("profile", profile.ok());
    assert!(
        profile.stdout.contains("Eve"),
        "the hostile name is shown, cleaned: {}",
        profile.stdout
    );
    let profile_json = cli.run("mod_anna", &["profile", &member, "--json"]).await;
    assert_clean("profile --json", profile_json.ok());
    sb.sandbox.shutdown().await;
}

/// A lying server: a username and a URL built from it that carry terminal escapes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hostile_username_from_a_lying_server_is_sanitized_everywhere() {
    let evil = "ev\u{1b}]0;pwned\u{7}il\u{9b}2J";
    let user = serde_json::json!({
        "user": {
            "id": 5, "username": evil, "name": "x\u{202e}y", "trust_level": 2,
            "moderator": false, "admin": false, "created_at": "2024-01-01T00:00:00Z",
            "website": "javascript:alert(1)", "badge_count": 0, "post_count": 3,
        }
    })
    .to_string();
    let (url, _srv) = scripted::serve(move |req, _| {
        if req.path.starts_with("/u/") && req.path.ends_with(".json") && !req.path.contains("summary") {
            scripted::ok(&user)
        } else if req.path.starts_with("/session/current") {
            scripted::ok(
                "{\"current_user\":{\"id\":1,\"username\":\"mod\",\"moderator\":true,\"admin\":false,\"trust_level\":4}}",
            )
        } else {
            scripted::json(404, "{\"errors\":[\"not found\"],\"error_type\":\"not_found\"}")
        }
    })
    .await;
    let home = tempfile::tempdir().unwrap();
    for json in [false, true] {
        let mut c = Command::new(BIN);
        c.args(["profile", "someone", "--url", &url, "--username", "mod"])
            .env("MODTERM_API_KEY", "k")
            .env("MODTERM_CONFIG_DIR", home.path())
            .env("MODTERM_DATA_DIR", home.path())
            .env_remove("MODTERM_PROFILE");
        if json {
            c.arg("--json");
        }
        let out = exec(c, None).await;
        assert_clean("profile from a lying server", &out.stdout);
        assert_clean("profile from a lying server (stderr)", &out.stderr);
        assert!(
            out.stdout.contains("il"),
            "the name is shown, cleaned: {}",
            out.stdout
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_server_ends_the_command_within_its_deadline() {
    // Accepts connections and never answers.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let keep = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((sock, _)) = listener.accept().await {
            held.push(sock);
        }
    });
    let home = tempfile::tempdir().unwrap();
    for command in [
        vec!["whoami"],
        vec!["reply", "1", "-"],
        vec!["watch"],
        vec!["doctor"],
    ] {
        let mut c = Command::new(BIN);
        c.args(&command)
            .args([
                "--timeout",
                "2",
                "--url",
                &format!("http://{addr}"),
                "--username",
                "mod",
            ])
            .env("MODTERM_API_KEY", "k")
            .env("MODTERM_CONFIG_DIR", home.path())
            .env("MODTERM_DATA_DIR", home.path())
            .env_remove("MODTERM_PROFILE");
        let started = Instant::now();
        let out = exec(c, Some("A reply that will never be answered, long enough.")).await;
        let took = started.elapsed();
        assert_eq!(out.code, 7, "{command:?}: {}", out.stderr);
        // doctor reports it as its site check, on standard output.
        let said = if command[0] == "doctor" {
            &out.stdout
        } else {
            &out.stderr
        };
        assert!(said.contains("--timeout"), "{command:?}: {said}");
        assert!(
            took < Duration::from_secs(8),
            "{command:?} took {took:?} against a 2 s deadline"
        );
    }
    keep.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_to_a_plain_http_port_says_so_and_exits_7() {
    let sb = common::start().await;
    let plain = sb.url.replace("http://", "https://");
    let home = tempfile::tempdir().unwrap();
    let mut c = Command::new(BIN);
    c.args(["whoami", "--url", &plain, "--username", "mod_anna"])
        .env("MODTERM_API_KEY", common::KEY)
        .env("MODTERM_CONFIG_DIR", home.path())
        .env("MODTERM_DATA_DIR", home.path())
        .env_remove("MODTERM_PROFILE");
    let out = exec(c, None).await;
    assert_eq!(out.code, 7, "{}", out.stderr);
    assert!(out.stderr.contains("plain http://"), "{}", out.stderr);
    sb.sandbox.shutdown().await;
}

/// The most a pipe holds before a writer blocks (Linux: 64 KiB unless someone changed it).
#[cfg(target_os = "linux")]
fn pipe_capacity(pipe: &std::process::ChildStdout) -> usize {
    use std::os::fd::AsRawFd;
    // SAFETY: F_GETPIPE_SZ only reads the size of the pipe behind an open descriptor.
    let n = unsafe { libc::fcntl(pipe.as_raw_fd(), libc::F_GETPIPE_SZ) };
    usize::try_from(n).expect("F_GETPIPE_SZ on a pipe")
}

/// The most a pipe holds before a writer blocks (macOS and the BSDs: at most 64 KiB).
#[cfg(not(target_os = "linux"))]
fn pipe_capacity(_: &std::process::ChildStdout) -> usize {
    64 * 1024
}

/// `modterm <args>` as mod_anna, its stdout's reader gone after `keep` bytes (0: before the
/// command wrote anything). The exit status, stderr, and the pipe's capacity.
async fn with_reader_gone(
    sb: &common::TestSandbox,
    cli: &Cli,
    args: &[&str],
    keep: usize,
) -> (std::process::ExitStatus, String, usize) {
    let mut c = cli.command();
    c.env("MODTERM_URL", &sb.url)
        .env("MODTERM_API_KEY", common::KEY)
        .env("MODTERM_USERNAME", "mod_anna")
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    tokio::task::spawn_blocking(move || {
        let mut child = c.spawn().unwrap();
        let mut stdout = child.stdout.take().unwrap();
        let capacity = pipe_capacity(&stdout);
        let mut kept = vec![0u8; keep];
        stdout.read_exact(&mut kept).unwrap();
        // The only reading end: from here every write the command makes fails (EPIPE).
        drop(stdout);
        let mut stderr = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut stderr)
            .unwrap();
        (child.wait().unwrap(), stderr, capacity)
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_stdout_ends_the_command_quietly() {
    // main.rs keeps SIGPIPE ignored and turns a broken stdout into a quiet success: exit 0,
    // nothing on stderr (not a panic's "failed printing to stdout", not death by SIGPIPE).
    let sb = common::start().await;
    let cli = Cli::new(&sb);
    let table = ["queue", "--view", "latest"];
    let json = ["queue", "--view", "latest", "--json"];
    let whole = cli.run("mod_anna", &json).await.ok().len();
    let cases: [(&[&str], usize); 3] = [
        // Closed before the first byte: the very first write fails, whatever its size.
        (&table[..], 0),
        (&json[..], 0),
        // `| head -c 100`: the rest is more than the pipe holds, so the command is still
        // writing (blocked on the full pipe) when the reader goes.
        (&json[..], 100),
    ];
    for (args, keep) in cases {
        let (status, stderr, capacity) = with_reader_gone(&sb, &cli, args, keep).await;
        if keep > 0 {
            assert!(
                whole > capacity + keep,
                "{args:?} prints {whole} bytes: too few to outlast a {capacity}-byte pipe"
            );
        }
        assert_eq!(
            status.code(),
            Some(0),
            "{args:?}, reader gone after {keep} bytes: a closed stdout is not an error \
             ({status}): {stderr}"
        );
        assert!(
            stderr.trim().is_empty(),
            "{args:?}, reader gone after {keep} bytes: nothing on stderr: {stderr}"
        );
    }
    sb.sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_page_is_exit_7_and_paging_stops() {
    let (url, srv) = scripted::serve(|req, _| {
        if req.path.starts_with("/latest") || req.path.starts_with("/unseen") {
            scripted::ok("{\"topic_list\":{\"topics\":\"abc\",\"more_topics_url\":5}}")
        } else {
            scripted::json(404, "{\"errors\":[\"not found\"]}")
        }
    })
    .await;
    let home = tempfile::tempdir().unwrap();
    let mut c = Command::new(BIN);
    c.args([
        "queue",
        "--view",
        "latest",
        "--url",
        &url,
        "--username",
        "mod",
    ])
    .env("MODTERM_API_KEY", "k")
    .env("MODTERM_CONFIG_DIR", home.path())
    .env("MODTERM_DATA_DIR", home.path())
    .env_remove("MODTERM_PROFILE");
    let out = exec(c, None).await;
    assert_eq!(out.code, 7, "{}", out.stderr);
    assert!(
        srv.hits("/latest") <= 2,
        "it asked {} times",
        srv.hits("/latest")
    );
}
