//! Running the real `modterm` binary from a test: its own config and data directories, the
//! sandbox's URL and key in the environment, and the output checked for a leaked key.

#![allow(dead_code)]

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::common::{TestSandbox, KEY};

pub const BIN: &str = env!("CARGO_BIN_EXE_modterm");

pub struct Out {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Out {
    pub fn json(&self) -> Value {
        assert_eq!(
            self.code, 0,
            "stderr: {}\nstdout: {}",
            self.stderr, self.stdout
        );
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.stdout))
    }

    pub fn ok(&self) -> &str {
        assert_eq!(
            self.code, 0,
            "stderr: {}\nstdout: {}",
            self.stderr, self.stdout
        );
        &self.stdout
    }

    pub fn failed(&self, code: i32) -> &str {
        assert_eq!(
            self.code, code,
            "stderr: {}\nstdout: {}",
            self.stderr, self.stdout
        );
        assert!(self.stdout.trim().is_empty(), "{}", self.stdout);
        if self.stderr.starts_with('{') {
            // --json: the error is JSON too, in one documented shape.
            let e: Value = serde_json::from_str(self.stderr.trim()).expect("a JSON error");
            assert_eq!(e["error"], true, "{e}");
            assert_eq!(e["exit_code"], code, "{e}");
            assert!(e["kind"].is_string() && e["message"].is_string(), "{e}");
        } else {
            assert!(
                self.stderr.starts_with("modterm: ") || code == 2,
                "{}",
                self.stderr
            );
        }
        &self.stderr
    }
}

/// An id in JSON output: opaque text (`"42"`), read as the number Discourse gave.
pub fn num(v: &Value) -> i64 {
    v.as_i64()
        .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
        .unwrap_or_else(|| panic!("not an id: {v}"))
}

/// The binary, pointed at one sandbox, with its own config and data dirs.
pub struct Cli {
    pub url: String,
    pub key: String,
    pub config: tempfile::TempDir,
    pub data: tempfile::TempDir,
}

impl Cli {
    pub fn new(sb: &TestSandbox) -> Cli {
        Cli {
            url: sb.url.clone(),
            key: KEY.into(),
            config: tempfile::tempdir().unwrap(),
            data: tempfile::tempdir().unwrap(),
        }
    }

    pub fn command(&self) -> Command {
        let mut c = Command::new(BIN);
        for var in [
            "MODTERM_PROFILE",
            "MODTERM_URL",
            "MODTERM_USERNAME",
            "MODTERM_API_KEY",
            "MODTERM_THEME",
            "MODTERM_KEYMAP",
        ] {
            c.env_remove(var);
        }
        c.env("MODTERM_CONFIG_DIR", self.config.path())
            .env("MODTERM_DATA_DIR", self.data.path())
            .env("NO_COLOR", "1");
        c
    }

    /// Runs `modterm <args>` as `user` with the key in the environment.
    pub async fn run(&self, user: &str, args: &[&str]) -> Out {
        self.run_in(user, args, None).await
    }

    pub async fn run_in(&self, user: &str, args: &[&str], stdin: Option<&str>) -> Out {
        let mut c = self.command();
        c.env("MODTERM_URL", &self.url)
            .env("MODTERM_API_KEY", &self.key)
            .env("MODTERM_USERNAME", user)
            .args(args);
        let out = exec(c, stdin).await;
        for text in [&out.stdout, &out.stderr] {
            assert!(
                !text.contains(&self.key),
                "the key leaked from {args:?}: {text}"
            );
        }
        out
    }
}

pub async fn exec(mut c: Command, stdin: Option<&str>) -> Out {
    let stdin = stdin.map(str::to_owned);
    tokio::task::spawn_blocking(move || {
        c.stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
        let mut child = c.spawn().expect("modterm runs");
        if let Some(text) = stdin {
            let mut pipe = child.stdin.take().unwrap();
            pipe.write_all(text.as_bytes()).unwrap();
        }
        let out = child.wait_with_output().unwrap();
        Out {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    })
    .await
    .unwrap()
}
