//! The real `modterm` binary against the Khoros-dialect sandbox (started in this process):
//! the issue's queue command, a `platform = "khoros"` profile with its Care, the embedded
//! Khoros demo, and the badge action's reason.

mod khoros_support;

use std::process::Command;

use khoros_support::*;
use modterm::backend::khoros::queue_query;
use modterm::domain::QueueQuery;
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_modterm");

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Out {
    fn json(&self) -> Value {
        assert_eq!(
            self.code, 0,
            "stderr: {}\nstdout: {}",
            self.stderr, self.stdout
        );
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.stdout))
    }
}

/// Runs the binary with its own config and data directories (and `config` as config.toml).
async fn run(args: &[&str], config: Option<&str>, env: &[(&str, &str)]) -> Out {
    let cfg = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    if let Some(text) = config {
        std::fs::write(cfg.path().join("config.toml"), text).unwrap();
    }
    let mut c = Command::new(BIN);
    c.args(args)
        .env("MODTERM_CONFIG_DIR", cfg.path())
        .env("MODTERM_DATA_DIR", data.path())
        .env_remove("MODTERM_URL")
        .env_remove("MODTERM_API_KEY")
        .env_remove("MODTERM_USERNAME")
        .env_remove("MODTERM_PROFILE")
        .env_remove("MODTERM_PLATFORM");
    for (k, v) in env {
        c.env(k, v);
    }
    let out = tokio::task::spawn_blocking(move || c.output().expect("runs"))
        .await
        .unwrap();
    drop((cfg, data));
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn part<'a>(profile: &'a Value, name: &str) -> &'a Value {
    profile["parts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["part"] == name)
        .unwrap_or_else(|| panic!("no part {name}: {profile}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queue_json_lists_the_liql_answer() {
    let sb = start().await;
    let want = sb
        .liql_all("mod_anna", &queue_query(&QueueQuery::default()).to_string())
        .await;
    assert!(want.len() > 50, "more than one page");
    // The issue's own command line.
    let out = run(
        &[
            "--platform",
            "khoros",
            "--url",
            &sb.url,
            "--username",
            "mod_anna",
            "--api-key",
            KEY,
            "queue",
            "--json",
        ],
        None,
        &[],
    )
    .await;
    let v = out.json();
    let got: Vec<String> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(got, ids(&want), "the same unanswered threads, in order");
    assert!(!out.stdout.contains(KEY) && !out.stderr.contains(KEY));
    // The platform comes from the environment too.
    let out = run(
        &["queue", "--json", "--limit", "3"],
        None,
        &[
            ("MODTERM_PLATFORM", "khoros"),
            ("MODTERM_URL", &sb.url),
            ("MODTERM_USERNAME", "mod_anna"),
            ("MODTERM_API_KEY", KEY),
        ],
    )
    .await;
    assert_eq!(out.json().as_array().unwrap().len(), 3);
    // A wrong password: not signed in (exit 3), and the password never shows.
    let out = run(
        &[
            "--platform",
            "khoros",
            "--url",
            &sb.url,
            "--username",
            "mod_anna",
            "--api-key",
            "wrong-secret",
            "whoami",
        ],
        None,
        &[],
    )
    .await;
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(!out.stderr.contains("wrong-secret"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn badges_are_granted_by_rules() {
    let sb = start().await;
    let out = run(
        &[
            "--platform",
            "khoros",
            "--url",
            &sb.url,
            "--username",
            "mod_anna",
            "--api-key",
            KEY,
            "award",
            "member_mia",
            "Welcome!",
            "--json",
        ],
        None,
        &[],
    )
    .await;
    assert_eq!(out.code, 5, "stderr: {}", out.stderr);
    let e: Value = serde_json::from_str(out.stderr.trim()).expect("a JSON error");
    assert_eq!(e["kind"], "unsupported");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("Khoros grants badges by rules"),
        "{e}"
    );
    assert_eq!(sb.count("/api/2.0/messages"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_khoros_profile_with_care() {
    let sb = start().await;
    let config = format!(
        r#"
default_profile = "telco"

[profiles.telco]
url = "{url}"
platform = "khoros"
username = "mod_anna"
api_key_env = "TELCO_PASSWORD"

[profiles.telco.care]
url = "{care}"
username = "care_api"
api_key_env = "TELCO_CARE_PASSWORD"
"#,
        url = sb.url,
        care = sb.sandbox.care_url()
    );
    let env = [("TELCO_PASSWORD", KEY), ("TELCO_CARE_PASSWORD", KEY)];
    let v = run(&["profile", "member_mia", "--json"], Some(&config), &env)
        .await
        .json();
    let social = part(&v, "linked_channels");
    assert_eq!(social["state"], "loaded", "{social}");
    let channels: Vec<&str> = social["data"]["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["channel"].as_str().unwrap())
        .collect();
    for c in ["twitter", "facebook", "messaging"] {
        assert!(channels.contains(&c), "{channels:?}");
    }
    // The moderation record is Care's linked accounts; its counts are said to be missing.
    let moderation = part(&v, "moderation");
    assert_eq!(moderation["state"], "loaded", "{moderation}");
    let record = &moderation["data"]["data"];
    let providers: Vec<&str> = record["linked_accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["provider"].as_str().unwrap())
        .collect();
    for p in ["twitter", "facebook", "messaging"] {
        assert!(providers.contains(&p), "{providers:?}");
    }
    assert!(
        record["counts_unavailable"]
            .as_str()
            .is_some_and(|why| why.contains("no moderation record")),
        "{record}"
    );
    // The table form shows the channels and the linked accounts too.
    let out = run(&["profile", "member_mia"], Some(&config), &env).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains("twitter") && out.stdout.contains("care conversation"),
        "{}",
        out.stdout
    );
    for line in [
        "linked twitter: @mia_jensen",
        "flags, warnings, suspensions: not on this platform",
    ] {
        assert!(out.stdout.contains(line), "{line}: {}", out.stdout);
    }

    // doctor speaks Khoros: the key is a password for a session key, and no word of
    // Discourse's shared admin bucket or of `modterm login` (Discourse's user API keys).
    let out = run(&["doctor"], Some(&config), &env).await;
    assert!(
        out.stdout.contains("password, exchanged for a session key"),
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains("admin"), "{}", out.stdout);
    assert!(!out.stdout.contains("modterm login"), "{}", out.stdout);
    assert!(
        out.stdout
            .lines()
            .any(|l| l.starts_with("ok") && l.contains("signs in as mod_anna")),
        "{}",
        out.stdout
    );

    // A Care key that cannot be read fails at start, naming the source.
    let out = run(&["whoami"], Some(&config), &[("TELCO_PASSWORD", KEY)]).await;
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("TELCO_CARE_PASSWORD"), "{}", out.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_embedded_khoros_demo() {
    let v = run(
        &["--platform", "khoros", "profile", "member_mia", "--json"],
        None,
        &[],
    )
    .await
    .json();
    assert_eq!(
        part(&v, "identity")["data"]["data"]["rank"],
        "Regular Contributor"
    );
    let social = part(&v, "linked_channels");
    assert_eq!(
        social["state"], "loaded",
        "the demo has its own Care: {social}"
    );
    let moderation = part(&v, "moderation");
    assert_eq!(moderation["state"], "loaded", "{moderation}");
    assert!(
        !moderation["data"]["data"]["linked_accounts"]
            .as_array()
            .unwrap()
            .is_empty(),
        "Care's linked accounts: {moderation}"
    );
    let v = run(&["--platform", "khoros", "whoami", "--json"], None, &[])
        .await
        .json();
    assert_eq!(v["username"], "mod_anna");
    assert_eq!(v["role"], "moderator");
    let v = run(
        &["--platform", "khoros", "queue", "--json", "--limit", "5"],
        None,
        &[],
    )
    .await
    .json();
    assert_eq!(v.as_array().unwrap().len(), 5);
}

/// A child process, killed and reaped if the test ends before it does.
#[cfg(unix)]
struct Reaped(std::process::Child);

#[cfg(unix)]
impl Drop for Reaped {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

/// `modterm sandbox serve --dialect khoros` as a user runs it: it prints where it listens,
/// the binary's queue reads the Khoros sandbox there, and SIGTERM ends it cleanly.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sandbox_serve_khoros_answers_the_queue_until_sigterm() {
    use std::io::BufRead;
    use std::process::Stdio;
    use std::time::Duration;
    use tokio::time::{timeout_at, Instant};

    let dir = tempfile::tempdir().unwrap();
    let stderr_path = dir.path().join("stderr.txt");
    let stderr = || std::fs::read_to_string(&stderr_path).unwrap_or_default();
    let child = Command::new(BIN)
        .args(["sandbox", "serve", "--dialect", "khoros"])
        .args(["--addr", "127.0.0.1:0", "--db"])
        .arg(dir.path().join("k.db"))
        .args(["--api-key", KEY, "--topics", "100"])
        .env("MODTERM_CONFIG_DIR", dir.path())
        .env("MODTERM_DATA_DIR", dir.path())
        .env_remove("MODTERM_SANDBOX_API_KEY")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&stderr_path).unwrap())
        .spawn()
        .expect("the sandbox starts");
    let mut server = Reaped(child);

    // Its standard output, line by line, from a thread (a pipe read blocks); the thread ends
    // when the server does, with every line it printed.
    let stdout = server.0.stdout.take().unwrap();
    let (tx, mut lines) = tokio::sync::mpsc::unbounded_channel::<String>();
    let reader = std::thread::spawn(move || {
        let mut all = Vec::new();
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            let _ = tx.send(line.clone());
            all.push(line);
        }
        all
    });

    // The address it listens on (port 0: the system's choice), then its last start-up line,
    // printed just before it waits for a signal.
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut url = None;
    loop {
        let line = match timeout_at(deadline, lines.recv()).await {
            Ok(Some(line)) => line,
            Ok(None) => panic!("the sandbox ended while starting: {}", stderr()),
            Err(_) => panic!("the sandbox did not start within 60 s: {}", stderr()),
        };
        if let Some(at) = line.strip_prefix("modterm Khoros sandbox listening on ") {
            url = Some(at.trim().to_string());
        }
        if line == "Press Ctrl-C to stop." {
            break;
        }
    }
    let url = url.expect("the sandbox says where it listens");
    let addr: std::net::SocketAddr = url
        .strip_prefix("http://")
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| panic!("not http://ADDR: {url}"));
    assert!(addr.ip().is_loopback(), "{addr}");
    // It answers (bounded: until the deadline).
    while tokio::net::TcpStream::connect(addr).await.is_err() {
        assert!(Instant::now() < deadline, "nothing answers at {addr}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    let out = run(
        &[
            "--platform",
            "khoros",
            "--url",
            &url,
            "--username",
            "mod_anna",
            "--api-key",
            KEY,
            "queue",
            "--json",
            "--limit",
            "3",
        ],
        None,
        &[],
    )
    .await;
    assert_eq!(out.json().as_array().unwrap().len(), 3, "{}", out.stdout);
    assert!(!out.stdout.contains(KEY) && !out.stderr.contains(KEY));

    // SIGTERM: it shuts down and exits 0.
    let pid = libc::pid_t::try_from(server.0.id()).unwrap();
    // SAFETY: kill(2) on our own child, not yet reaped (`server` holds it), so the pid is its.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = server.0.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "still running 30 s after SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(
        status.success(),
        "SIGTERM ends it cleanly: {status:?}\n{}",
        stderr()
    );
    let printed = reader.join().unwrap();
    assert!(
        printed.iter().any(|l| l == "Shutting down..."),
        "{printed:?}"
    );
}
