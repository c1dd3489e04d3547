//! End-to-end harness: the real `modterm` binary in a pseudo-terminal, its screen read back
//! through a VT100 parser, against a sandbox started in-process on 127.0.0.1.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use modterm::config::{Keymap, Mode};
use modterm::sandbox::{Sandbox, SandboxOptions};
use portable_pty::{native_pty_system, Child, CommandBuilder, MasterPty, PtySize};
use serde_json::Value;

pub const API_KEY: &str = "e2e-test-key";

pub struct Console {
    parser: Arc<Mutex<vt100::Parser>>,
    /// Every byte the program wrote to the terminal, in order.
    raw: Arc<Mutex<Vec<u8>>>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn Child + Send + Sync>,
    status: Option<portable_pty::ExitStatus>,
    _master: Box<dyn MasterPty + Send>,
}

impl Console {
    /// Starts `modterm --url URL ... [extra args]` in a `cols`x`rows` terminal, with config and
    /// data directories under `home`.
    pub fn start(url: &str, username: &str, home: &Path, cols: u16, rows: u16) -> Console {
        Console::start_with(url, username, home, cols, rows, &[], &[])
    }

    /// As [`Console::start`], with extra arguments and environment variables.
    pub fn start_with(
        url: &str,
        username: &str,
        home: &Path,
        cols: u16,
        rows: u16,
        extra_args: &[&str],
        extra_env: &[(&str, &str)],
    ) -> Console {
        let pty = native_pty_system();
        let pair = pty
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("open a pty");
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_modterm"));
        cmd.args(["--url", url, "--username", username]);
        if !extra_args.contains(&"--theme") {
            cmd.args(["--theme", "mono"]);
        }
        cmd.env("MODTERM_API_KEY", API_KEY);
        cmd.env("MODTERM_CONFIG_DIR", home.join("config"));
        cmd.env("MODTERM_DATA_DIR", home.join("data"));
        cmd.env("TERM", "xterm-256color");
        cmd.env("NO_COLOR", "1");
        cmd.env_remove("MODTERM_PROFILE");
        cmd.args(extra_args);
        for (k, v) in extra_env {
            cmd.env(k, v);
        }
        let child = pair.slave.spawn_command(cmd).expect("spawn modterm");
        drop(pair.slave);
        let parser = Arc::new(Mutex::new(vt100::Parser::new(rows, cols, 0)));
        let mut reader = pair.master.try_clone_reader().expect("pty reader");
        let sink = parser.clone();
        let raw = Arc::new(Mutex::new(Vec::new()));
        let raw_sink = raw.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            loop {
                match reader.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        if let Ok(mut r) = raw_sink.lock() {
                            r.extend_from_slice(&buf[..n]);
                        }
                        if let Ok(mut p) = sink.lock() {
                            p.process(&buf[..n]);
                        }
                    }
                }
            }
        });
        let writer = pair.master.take_writer().expect("pty writer");
        Console {
            parser,
            raw,
            writer,
            child,
            status: None,
            _master: pair.master,
        }
    }

    /// Starts `modterm ARGS` (a subcommand such as `login`, not the console) in a
    /// `cols`x`rows` terminal, with config and data directories under `home` and none of the
    /// `MODTERM_*` connection variables.
    pub fn run(args: &[&str], home: &Path, cols: u16, rows: u16, env: &[(&str, &str)]) -> Console {
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_modterm"));
        cmd.args(args);
        for var in [
            "MODTERM_PROFILE",
            "MODTERM_URL",
            "MODTERM_USERNAME",
            "MODTERM_API_KEY",
        ] {
            cmd.env_remove(var);
        }
        cmd.env("MODTERM_CONFIG_DIR", home.join("config"));
        cmd.env("MODTERM_DATA_DIR", home.join("data"));
        cmd.env("TERM", "xterm-256color");
        cmd.env("NO_COLOR", "1");
        for (k, v) in env {
            cmd.env(k, v);
        }
        Console::spawn(cmd, cols, rows)
    }

    /// Runs `cmd` in a new pty, its output read into the parser and the raw log.
    fn spawn(cmd: CommandBuilder, cols: u16, rows: u16) -> Console {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("open a pty");
        let child = pair.slave.spawn_command(cmd).expect("spawn modterm");
        drop(pair.slave);
        let parser = Arc::new(Mutex::new(vt100::Parser::new(rows, cols, 0)));
        let mut reader = pair.master.try_clone_reader().expect("pty reader");
        let sink = parser.clone();
        let raw = Arc::new(Mutex::new(Vec::new()));
        let raw_sink = raw.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            loop {
                match reader.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        if let Ok(mut r) = raw_sink.lock() {
                            r.extend_from_slice(&buf[..n]);
                        }
                        if let Ok(mut p) = sink.lock() {
                            p.process(&buf[..n]);
                        }
                    }
                }
            }
        });
        let writer = pair.master.take_writer().expect("pty writer");
        Console {
            parser,
            raw,
            writer,
            child,
            status: None,
            _master: pair.master,
        }
    }

    /// Waits (bounded) until the raw output holds `text`; returns all of it as text.
    pub fn wait_output(&self, text: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let out = String::from_utf8_lossy(&self.output_since(0)).into_owned();
            if out.contains(text) {
                return out;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {text:?} in the output:\n{out}"
            );
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    /// The process id, to send it signals.
    pub fn pid(&self) -> u32 {
        self.child.process_id().expect("a running child")
    }

    /// How many bytes the program has written so far.
    pub fn bytes_written(&self) -> usize {
        self.raw.lock().unwrap().len()
    }

    /// The bytes written from offset `from` on.
    pub fn output_since(&self, from: usize) -> Vec<u8> {
        let raw = self.raw.lock().unwrap();
        raw[from.min(raw.len())..].to_vec()
    }

    /// Waits (bounded) until the output stops growing for `quiet`: the program has finished
    /// drawing what the last key caused.
    pub fn wait_quiet(&self, quiet: Duration) {
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut last = self.bytes_written();
        let mut since = Instant::now();
        while Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
            let now = self.bytes_written();
            if now != last {
                last = now;
                since = Instant::now();
            } else if since.elapsed() >= quiet {
                return;
            }
        }
        panic!("the output never settled");
    }

    /// Whether the terminal is in canonical mode with echo (cooked, as a shell expects), read
    /// from the pty's line discipline.
    #[cfg(unix)]
    pub fn terminal_is_cooked(&self) -> bool {
        let fd = self._master.as_raw_fd().expect("a pty fd");
        let mut t: libc::termios = unsafe { std::mem::zeroed() };
        let rc = unsafe { libc::tcgetattr(fd, &mut t) };
        assert_eq!(rc, 0, "tcgetattr");
        t.c_lflag & libc::ICANON != 0 && t.c_lflag & libc::ECHO != 0
    }

    /// The exit code once the process has ended (after [`Console::wait_exit`]).
    pub fn exit_code(&self) -> Option<u32> {
        self.status.as_ref().map(|s| s.exit_code())
    }

    /// Sends a signal to the process (SIGINT, SIGTERM...).
    #[cfg(unix)]
    pub fn signal(&self, signal: i32) {
        let rc = unsafe { libc::kill(self.pid() as i32, signal) };
        assert_eq!(rc, 0, "kill({signal})");
    }

    pub fn screen(&self) -> String {
        self.parser.lock().unwrap().screen().contents()
    }

    /// Waits (bounded) until the screen shows `text`; panics with the screen otherwise.
    pub fn wait_for(&self, text: &str) {
        self.wait_until(&format!("{text:?} on screen"), |s| s.contains(text));
    }

    pub fn wait_until(&self, what: &str, check: impl Fn(&str) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let screen = self.screen();
            if check(&screen) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    pub fn send(&mut self, bytes: &str) {
        self.writer.write_all(bytes.as_bytes()).unwrap();
        self.writer.flush().unwrap();
    }

    /// Sends text as one bracketed paste.
    pub fn paste(&mut self, text: &str) {
        self.send(&format!("\x1b[200~{text}\x1b[201~"));
    }

    /// SIGKILL: no chance to clean up.
    pub fn kill(&mut self) {
        if self.status.is_some() {
            return;
        }
        let _ = self.child.kill();
        if let Ok(status) = self.child.wait() {
            self.status = Some(status);
        }
    }

    /// Waits (bounded) for the process to exit by itself; returns whether it did.
    pub fn wait_exit(&mut self) -> bool {
        if self.status.is_some() {
            return true;
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                self.status = Some(status);
                return true;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        false
    }
}

impl Drop for Console {
    fn drop(&mut self) {
        self.kill();
    }
}

pub struct Site {
    pub sandbox: Sandbox,
    pub http: reqwest::Client,
    pub home: tempfile::TempDir,
}

impl Site {
    pub async fn start() -> Site {
        Site::start_with_topics(120).await
    }

    /// A demo community of `topics` topics (about one in four unanswered).
    pub async fn start_with_topics(topics: usize) -> Site {
        let home = tempfile::tempdir().unwrap();
        let sandbox = Sandbox::start(SandboxOptions {
            topics,
            seed: 11,
            admin_rate_limit_per_minute: None,
            user_key_rate_limit_per_minute: None,
            user_key_daily_limit: None,
            ..SandboxOptions::new(
                "127.0.0.1:0".parse().unwrap(),
                home.path().join("sandbox.db"),
                API_KEY.into(),
            )
        })
        .await
        .expect("sandbox starts");
        Site {
            sandbox,
            http: reqwest::Client::new(),
            home,
        }
    }

    pub async fn get(&self, user: &str, path: &str) -> Value {
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

    /// Waits (bounded) until `check` holds for the value at `path` read as `user`; returns it.
    /// Tests read as an account the console does not use, so its requests stay apart in the
    /// log.
    pub async fn wait_for_value(
        &self,
        user: &str,
        path: &str,
        what: &str,
        check: impl Fn(&Value) -> bool,
    ) -> Value {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let value = self.get(user, path).await;
            if check(&value) {
                return value;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}: {value}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The oldest unanswered topic: (id, title).
    pub async fn oldest_unanswered(&self) -> (u64, String) {
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

    pub async fn posts_count(&self, topic: u64) -> u64 {
        self.get("mod_anna", &format!("/t/{topic}.json")).await["posts_count"]
            .as_u64()
            .unwrap_or(0)
    }

    pub fn console(&self, user: &str, cols: u16, rows: u16) -> Console {
        Console::start(&self.sandbox.url(), user, self.home.path(), cols, rows)
    }
}

/// The bytes a terminal sends for a key written as in the keymap ("C-x", "y", "Enter").
pub fn key_bytes(key: &str) -> String {
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

pub fn keys_for(mode: Mode, action: &str) -> String {
    let keymap = Keymap::builtin("default").unwrap();
    let keys = keymap.keys_for(mode, action).expect("bound");
    keys.split(' ').map(key_bytes).collect()
}

/// `modterm watch --json --view unanswered` as mod_anna, with its JSON lines read on a thread;
/// killed when dropped.
pub struct Watch {
    child: std::process::Child,
    lines: std::sync::mpsc::Receiver<String>,
}

impl Watch {
    /// Starts it against `url`, its config and data directories under `home`.
    pub fn start(url: &str, home: &Path) -> Watch {
        use std::io::{BufRead, BufReader};
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_modterm"))
            .args(["watch", "--json", "--view", "unanswered"])
            .env("MODTERM_URL", url)
            .env("MODTERM_API_KEY", API_KEY)
            .env("MODTERM_USERNAME", "mod_anna")
            .env("MODTERM_CONFIG_DIR", home.join("watch-config"))
            .env("MODTERM_DATA_DIR", home.join("watch-data"))
            .env_remove("MODTERM_PROFILE")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("modterm watch starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        Watch { child, lines }
    }

    /// The next line printed within `timeout`, as JSON (`Null` if it is not JSON).
    pub fn next_event(&self, timeout: Duration) -> Option<Value> {
        let line = self.lines.recv_timeout(timeout).ok()?;
        Some(serde_json::from_str(&line).unwrap_or(Value::Null))
    }
}

impl Watch {
    /// Ctrl-C from outside (SIGINT); its exit status, waited for at most 10 s.
    pub fn interrupt(mut self) -> Option<i32> {
        let pid = libc::pid_t::try_from(self.child.id()).ok()?;
        // SAFETY: kill(2) on the child this value owns, which has not been waited for yet.
        unsafe { libc::kill(pid, libc::SIGINT) };
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
