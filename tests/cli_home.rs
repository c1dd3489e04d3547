//! What a terminal user expects around the commands: completions, the man page, `doctor`,
//! `config`, flags only where they are read, and JSON errors. The binary runs for real, against
//! a sandbox on 127.0.0.1 where a site is needed.

mod cli_support;
mod common;

use std::collections::BTreeSet;
use std::process::Command;

use cli_support::*;
use serde_json::Value;

/// The names a help text lists under `Commands:` (none when it has no subcommands), without
/// `help`. Entries are indented by two spaces; deeper lines continue a description.
fn commands_listed(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|l| l.trim_end() != "Commands:")
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|n| *n != "help")
        .map(str::to_string)
        .collect()
}

/// Every subcommand path of the binary, nested ones (`review perform`) included, read from
/// its own help at each level (so a new command is covered).
fn subcommands() -> Vec<String> {
    let out = Command::new(BIN).arg("--help").output().unwrap();
    let top = commands_listed(&String::from_utf8_lossy(&out.stdout));
    assert!(!top.is_empty(), "a Commands section");
    let mut paths = Vec::new();
    let mut todo = top;
    // Bounded: a help that listed itself would otherwise never end.
    while let Some(path) = todo.pop() {
        assert!(paths.len() < 200, "too many subcommands: {paths:?}");
        for sub in commands_listed(&help_of(&path)) {
            todo.push(format!("{path} {sub}"));
        }
        paths.push(path);
    }
    for nested in ["review perform", "sandbox serve", "config path"] {
        assert!(
            paths.iter().any(|p| p == nested),
            "the walk missed {nested}: {paths:?}"
        );
    }
    paths.sort();
    paths
}

fn help_of(path: &str) -> String {
    let mut args: Vec<&str> = path.split(' ').collect();
    args.push("--help");
    let out = Command::new(BIN).args(&args).output().unwrap();
    assert!(out.status.success(), "{path} --help");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The console's own flags: only `modterm` itself (the console) shows them.
const CONSOLE: &[&str] = &["--theme", "--keymap", "--log-level"];

/// The connection flags (`ConnectFlags`): `modterm` itself and the commands that connect.
const CONNECTION: &[&str] = &[
    "--profile",
    "--url",
    "--username",
    "--api-key",
    "--user-api-key",
    "--insecure",
    "--platform",
];

/// The other flags that could wander onto a command that does not read them.
const OUTPUT: &[&str] = &["--json", "--timeout", "--dry-run"];

/// What a subcommand shows of the flags above.
#[derive(Debug, Clone, Copy)]
enum Reads {
    /// A command that connects: the connection flags, `--json` and `--timeout`.
    Site,
    /// A write: a site command's flags and `--dry-run`.
    Write,
    /// Exactly these (a local command's own, or none).
    Only(&'static [&'static str]),
}

impl Reads {
    fn flags(self) -> BTreeSet<&'static str> {
        match self {
            Reads::Site => CONNECTION
                .iter()
                .copied()
                .chain(["--json", "--timeout"])
                .collect(),
            Reads::Write => {
                let mut flags = Reads::Site.flags();
                flags.insert("--dry-run");
                flags
            }
            Reads::Only(flags) => flags.iter().copied().collect(),
        }
    }
}

/// Every subcommand with what it reads. A subcommand missing here fails the test.
const EXPECTED: &[(&str, Reads)] = &[
    ("award", Reads::Write),
    ("badges", Reads::Site),
    ("completions", Reads::Only(&[])),
    // `--json` is global within `config`, so `config path` has it too.
    ("config", Reads::Only(&["--json"])),
    ("config path", Reads::Only(&["--json"])),
    ("doctor", Reads::Site),
    ("edit", Reads::Write),
    ("flag", Reads::Write),
    ("log", Reads::Only(&["--json"])),
    (
        "login",
        Reads::Only(&["--profile", "--url", "--insecure", "--json", "--timeout"]),
    ),
    (
        "logout",
        Reads::Only(&["--profile", "--insecure", "--json", "--timeout"]),
    ),
    ("man", Reads::Only(&[])),
    ("move-posts", Reads::Write),
    ("move-topic", Reads::Write),
    ("profile", Reads::Site),
    ("queue", Reads::Site),
    ("reply", Reads::Write),
    ("review", Reads::Site),
    ("review perform", Reads::Write),
    ("sandbox", Reads::Only(&[])),
    // Its own `--api-key`: the key it asks of clients, not one to connect with.
    ("sandbox serve", Reads::Only(&["--api-key"])),
    ("search", Reads::Site),
    ("solve", Reads::Write),
    ("thread", Reads::Site),
    ("watch", Reads::Site),
    ("whoami", Reads::Site),
];

/// The long flags a help text declares: the first `--flag` of each option line. Option lines
/// start with `-` within six columns; descriptions (which may name other flags, as
/// `--platform`'s does) follow on the same line or start further in.
fn flags_declared(help: &str) -> Vec<String> {
    help.lines()
        .filter(|l| {
            let text = l.trim_start();
            l.len() - text.len() <= 6 && text.starts_with('-')
        })
        .filter_map(|l| {
            l.split_whitespace()
                .take(2)
                .find(|w| w.starts_with("--"))
                .map(|w| w.split([',', '=']).next().unwrap_or(w).to_string())
        })
        .collect()
}

#[test]
fn each_subcommand_lists_only_the_flags_it_reads() {
    let tracked: BTreeSet<&str> = CONSOLE
        .iter()
        .chain(CONNECTION)
        .chain(OUTPUT)
        .copied()
        .collect();
    let shown_of = |help: &str| -> BTreeSet<String> {
        flags_declared(help)
            .into_iter()
            .filter(|f| tracked.contains(f.as_str()))
            .collect()
    };
    // The console itself shows its own and the connection flags (so the lists above are
    // the real flags' names).
    let top = Command::new(BIN).arg("--help").output().unwrap();
    let top: BTreeSet<String> = shown_of(&String::from_utf8_lossy(&top.stdout));
    let console: BTreeSet<String> = CONSOLE
        .iter()
        .chain(CONNECTION)
        .map(|f| f.to_string())
        .collect();
    assert_eq!(top, console, "modterm --help");

    let walked = subcommands();
    for (path, _) in EXPECTED {
        assert!(
            walked.iter().any(|p| p.as_str() == *path),
            "EXPECTED lists `{path}`, which modterm does not have: {walked:?}"
        );
    }
    let mut wrong = Vec::new();
    for path in &walked {
        let Some((_, reads)) = EXPECTED.iter().find(|(p, _)| *p == path.as_str()) else {
            panic!("`modterm {path}` is not in EXPECTED: add it to the table with what it reads");
        };
        let help = help_of(path);
        let shown = shown_of(&help);
        let expected: BTreeSet<String> = reads.flags().into_iter().map(String::from).collect();
        if shown != expected {
            let extra: Vec<&String> = shown.difference(&expected).collect();
            let missing: Vec<&String> = expected.difference(&shown).collect();
            wrong.push(format!(
                "modterm {path} --help: shows {extra:?} it does not read, lacks {missing:?}"
            ));
        }
        // The console's flags are not even named in a subcommand's help.
        for flag in CONSOLE {
            if help.contains(flag) {
                wrong.push(format!("modterm {path} --help mentions {flag}"));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));

    // A site command shows its own flags too.
    let queue = help_of("queue");
    for own in ["--view", "--category", "--limit"] {
        assert!(queue.contains(own), "queue lacks {own}:\n{queue}");
    }
    // Choices are value enums: listed, and a wrong one is a usage error.
    assert!(
        queue.contains("unanswered") && queue.contains("needs-reply"),
        "{queue}"
    );
    let bogus = Command::new(BIN)
        .args(["queue", "--view", "bogus"])
        .output()
        .unwrap();
    assert_eq!(bogus.status.code(), Some(2));
}

/// `--log-level` is a value enum: a wrong level (flag or `MODTERM_LOG`) is clap's usage error
/// naming the levels, the completions offer them, and `config` reports the level in force
/// with where it came from.
#[test]
fn the_log_level_is_a_checked_choice() {
    let data = tempfile::tempdir().unwrap();
    let run = |args: &[&str], log: Option<&str>| {
        let mut c = Command::new(BIN);
        c.args(args)
            .env_remove("MODTERM_LOG")
            .env_remove("MODTERM_PROFILE")
            .env_remove("MODTERM_URL")
            .env("MODTERM_CONFIG_DIR", data.path())
            .env("MODTERM_DATA_DIR", data.path());
        if let Some(level) = log {
            c.env("MODTERM_LOG", level);
        }
        c.output().unwrap()
    };
    let out = run(&["--log-level", "bogus", "whoami"], None);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("bogus") && stderr.contains("error, warn, info, debug, trace, off"),
        "{stderr}"
    );
    let out = run(&["whoami"], Some("loud"));
    assert_eq!(out.status.code(), Some(2), "MODTERM_LOG=loud: {out:?}");

    let out = run(&["completions", "bash"], None);
    assert!(out.status.success(), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains("compgen -W \"error warn info debug trace off\""),
        "the bash completion offers the levels"
    );

    let log_level = |args: &[&str], log: Option<&str>| -> Value {
        let out = run(args, log);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: Value = serde_json::from_slice(&out.stdout).expect("config --json is JSON");
        v.as_array()
            .unwrap()
            .iter()
            .find(|e| e["key"] == "log_level")
            .expect("a log_level entry")
            .clone()
    };
    let e = log_level(&["--log-level", "debug", "config", "--json"], None);
    assert_eq!(e["value"], "debug", "{e}");
    assert_eq!(e["source"]["kind"], "flag", "{e}");
    assert_eq!(e["source"]["name"], "--log-level", "{e}");
    let e = log_level(&["config", "--json"], Some("TRACE"));
    assert_eq!(e["value"], "trace", "{e}");
    assert_eq!(e["source"]["kind"], "environment", "{e}");
    assert_eq!(e["source"]["name"], "MODTERM_LOG", "{e}");
    let e = log_level(&["config", "--json"], None);
    assert_eq!(e["value"], "info", "{e}");
    assert_eq!(e["source"]["kind"], "default", "{e}");
}

#[test]
fn bash_completion_loads_and_completes_a_subcommand() {
    if Command::new("bash").arg("--version").output().is_err() {
        eprintln!("skipped: no bash on this machine");
        return;
    }
    let script = format!(
        "source <('{BIN}' completions bash) || exit 9\n\
         COMP_WORDS=(modterm doc); COMP_CWORD=1\n\
         _modterm modterm doc modterm\n\
         printf '%s\\n' \"${{COMPREPLY[@]}}\""
    );
    let out = Command::new("bash")
        .args(["--noprofile", "--norc", "-c", &script])
        .output()
        .unwrap();
    let words = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(words.trim(), "doctor", "completions of `doc`: {words}");
    for shell in ["zsh", "fish", "elvish", "powershell"] {
        let out = Command::new(BIN)
            .args(["completions", shell])
            .output()
            .unwrap();
        assert!(out.status.success() && out.stdout.len() > 500, "{shell}");
    }
}

#[test]
fn the_man_page_covers_every_subcommand_and_flag_and_renders() {
    let out = Command::new(BIN).arg("man").output().unwrap();
    assert!(out.status.success());
    let roff = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        roff.starts_with(".ie") || roff.contains(".TH modterm"),
        "{roff:.200}"
    );
    for sub in subcommands() {
        let heading = format!(".SH \"MODTERM {}\"", sub.to_uppercase());
        assert!(roff.contains(&heading), "no section {heading}");
        // Every long flag of the subcommand is in the page.
        for flag in help_of(&sub)
            .split_whitespace()
            .filter(|w| w.starts_with("--") && w.len() > 2)
        {
            let flag = flag.trim_end_matches([',', '.', ')']);
            let flag = flag.split(['=', '<', '[']).next().unwrap();
            assert!(
                roff.contains(&flag.replace('-', "\\-")),
                "{sub}: {flag} missing from the man page"
            );
        }
    }
    // Rendered by man(1) where the machine has it.
    let Ok(man) = Command::new("sh")
        .args(["-c", &format!("'{BIN}' man | man -l - 2>&1")])
        .env("MANPAGER", "cat")
        .env("MANWIDTH", "80")
        .output()
    else {
        return;
    };
    let text = String::from_utf8_lossy(&man.stdout);
    if text.contains("not found") || !man.status.success() {
        eprintln!("skipped rendering: no man(1) here");
        return;
    }
    assert!(text.contains("MODTERM DOCTOR"), "{text:.400}");
}

fn checks_of(out: &Out) -> Vec<(String, String)> {
    let v: Value = serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("doctor --json is JSON ({e}): {}", out.stdout));
    v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap().to_string(),
                c["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// `modterm doctor <more>` as mod_anna against the sandbox, in a pinned environment: a known
/// TERM and size, and no controlling terminal, so the terminal check reads COLUMNS/LINES (or
/// terminfo, or finds no size) instead of whatever terminal happens to run the tests (a small
/// one would make it warn).
async fn doctor_as_mod_anna(cli: &Cli, more: &[&str]) -> Out {
    let mut c = cli.command();
    c.env("MODTERM_URL", &cli.url)
        .env("MODTERM_API_KEY", &cli.key)
        .env("MODTERM_USERNAME", "mod_anna")
        .env("TERM", "xterm-256color")
        .env("COLUMNS", "120")
        .env("LINES", "40")
        .env_remove("TMUX")
        .arg("doctor")
        .args(more);
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        // SAFETY: setsid(2) is async-signal-safe and touches no memory of the parent.
        unsafe {
            c.pre_exec(|| {
                if libc::setsid() == -1 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
    }
    let out = exec(c, None).await;
    assert!(
        !out.stdout.contains(&cli.key) && !out.stderr.contains(&cli.key),
        "the key is never shown"
    );
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_against_the_sandbox_passes_and_fails_as_it_should() {
    let sb = common::start().await;
    let cli = Cli::new(&sb);
    // The test's temporary data directory starts 0755: doctor warns (and still passes);
    // made 0700, as modterm makes it, the check is ok.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let open = doctor_as_mod_anna(&cli, &["--json"]).await;
        assert_eq!(open.code, 0, "{}", open.stdout);
        assert!(
            checks_of(&open).contains(&("data dir".to_string(), "warn".to_string())),
            "{}",
            open.stdout
        );
        std::fs::set_permissions(cli.data.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
    }

    let good = doctor_as_mod_anna(&cli, &["--json"]).await;
    assert_eq!(good.code, 0, "{}\n{}", good.stdout, good.stderr);
    let checks = checks_of(&good);
    // A reachable site, a key it takes, private dirs, no limit hit, a live feed that
    // answers, a sized terminal: every check is plainly ok, not merely "not failed".
    let not_ok: Vec<&(String, String)> = checks.iter().filter(|(_, s)| s != "ok").collect();
    assert!(not_ok.is_empty(), "not ok: {not_ok:?}\n{}", good.stdout);
    for name in [
        "paths", "config", "site", "role", "budget", "live", "terminal", "log",
    ] {
        assert!(checks.iter().any(|(n, _)| n == name), "no {name} check");
    }
    let v: Value = serde_json::from_str(&good.stdout).unwrap();
    assert_eq!(v["ok"], true, "{v}");
    assert_eq!(v["exit_code"], 0, "{v}");
    let site = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "site")
        .unwrap()["detail"]
        .clone();
    assert!(site.as_str().unwrap().contains("mod_anna"), "{site}");

    // The table form: one line per check, every one of them ok.
    let table = doctor_as_mod_anna(&cli, &[]).await;
    assert_eq!(table.code, 0, "{}\n{}", table.stdout, table.stderr);
    let lines: Vec<&str> = table.stdout.lines().collect();
    assert_eq!(lines.len(), checks.len(), "{}", table.stdout);
    for (line, (name, _)) in lines.iter().zip(&checks) {
        assert!(
            line.starts_with("ok ") && line[2..].trim_start().starts_with(name.as_str()),
            "{line} (expected ok {name})"
        );
    }

    // A key the site refuses: the site check fails, exit 3.
    let mut c = cli.command();
    c.env("MODTERM_URL", &sb.url)
        .env("MODTERM_API_KEY", "wrong-key-0000")
        .env("MODTERM_USERNAME", "mod_anna")
        .args(["doctor", "--json"]);
    let bad = exec(c, None).await;
    assert_eq!(bad.code, 3, "{}\n{}", bad.stdout, bad.stderr);
    assert!(checks_of(&bad).contains(&("site".into(), "fail".into())));
    assert!(
        !bad.stdout.contains("wrong-key-0000"),
        "the key is never shown"
    );

    // A site nobody answers at: exit 7.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let mut c = cli.command();
    c.env("MODTERM_URL", &dead)
        .env("MODTERM_API_KEY", "k")
        .env("MODTERM_USERNAME", "mod_anna")
        .args(["doctor"]);
    let down = exec(c, None).await;
    assert_eq!(down.code, 7, "{}\n{}", down.stdout, down.stderr);
    assert!(
        down.stdout.lines().any(|l| l.starts_with("fail  site")),
        "{}",
        down.stdout
    );
    sb.sandbox.shutdown().await;
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_warns_about_a_key_file_others_can_read() {
    use std::os::unix::fs::PermissionsExt;
    let sb = common::start().await;
    let cli = Cli::new(&sb);
    let key_file = cli.config.path().join("forum.key");
    std::fs::write(&key_file, common::KEY).unwrap();
    std::fs::set_permissions(&key_file, std::fs::Permissions::from_mode(0o644)).unwrap();
    std::fs::write(
        cli.config.path().join("config.toml"),
        format!(
            "default_profile = \"work\"\n[profiles.work]\nurl = \"{}\"\nusername = \"mod_anna\"\napi_key_file = \"{}\"\n",
            sb.url,
            key_file.display()
        ),
    )
    .unwrap();
    let out = exec(
        {
            let mut c = cli.command();
            c.args(["doctor", "--json"]);
            c
        },
        None,
    )
    .await;
    assert_eq!(out.code, 0, "a warning is not a failure: {}", out.stdout);
    assert!(
        checks_of(&out).contains(&("key".into(), "warn".into())),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("chmod 600"), "{}", out.stdout);
    assert!(!out.stdout.contains(common::KEY), "the key is never shown");

    // The headless commands warn too, on stderr.
    let whoami = exec(
        {
            let mut c = cli.command();
            c.args(["whoami"]);
            c
        },
        None,
    )
    .await;
    assert_eq!(whoami.code, 0, "{}", whoami.stderr);
    assert!(
        whoami.stderr.contains("readable by others"),
        "{}",
        whoami.stderr
    );
    sb.sandbox.shutdown().await;
}

#[test]
fn config_says_where_each_value_came_from() {
    let config = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    std::fs::write(config.path().join("config.toml"), "keymap = \"arrows\"\n").unwrap();
    let run = |args: &[&str]| {
        let out = Command::new(BIN)
            .args(args)
            .env_remove("MODTERM_KEYMAP")
            .env_remove("MODTERM_PROFILE")
            .env_remove("MODTERM_URL")
            .env("MODTERM_CONFIG_DIR", config.path())
            .env("MODTERM_DATA_DIR", data.path())
            .env("MODTERM_THEME", "light")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let v: Value = serde_json::from_str(&run(&["config", "--json"])).unwrap();
    let entry = |key: &str| {
        v.as_array()
            .unwrap()
            .iter()
            .find(|e| e["key"] == key)
            .unwrap_or_else(|| panic!("no {key}"))
            .clone()
    };
    assert_eq!(entry("theme")["value"], "light");
    assert_eq!(entry("theme")["source"]["kind"], "environment");
    assert_eq!(entry("theme")["source"]["name"], "MODTERM_THEME");
    assert_eq!(entry("keymap")["source"]["kind"], "configfile");
    assert_eq!(entry("refresh_secs")["source"]["kind"], "default");
    // A flag beats the environment.
    let table = run(&["--theme", "mono", "config"]);
    let theme = table.lines().find(|l| l.starts_with("theme")).unwrap();
    assert!(
        theme.contains("mono") && theme.contains("flag (--theme)"),
        "{theme}"
    );
    assert_eq!(
        run(&["config", "path"]).trim(),
        config.path().join("config.toml").display().to_string()
    );
}

#[test]
fn usage_errors_in_json_mode_are_json_too() {
    let data = tempfile::tempdir().unwrap();
    let out = Command::new(BIN)
        .args(["queue", "--json", "--url", "http://127.0.0.1:1"])
        .env_remove("MODTERM_API_KEY")
        .env("MODTERM_CONFIG_DIR", data.path())
        .env("MODTERM_DATA_DIR", data.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let e: Value = serde_json::from_str(stderr.trim()).expect("a JSON error");
    assert_eq!(e["error"], true);
    assert_eq!(e["kind"], "usage");
    assert_eq!(e["exit_code"], 2);
    assert!(e["message"].as_str().unwrap().contains("API key"), "{e}");
}

/// What clap itself refuses (an unknown view, a flag that takes a number) is JSON too when the
/// command line asks for JSON, and plain text when it does not.
#[test]
fn command_lines_clap_refuses_are_json_errors_with_json() {
    let data = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        Command::new(BIN)
            .args(args)
            .env("MODTERM_CONFIG_DIR", data.path())
            .env("MODTERM_DATA_DIR", data.path())
            .output()
            .unwrap()
    };
    for args in [
        &["queue", "--json", "--view", "bogus"][..],
        &["queue", "--limit", "many", "--json"],
        &["review", "--json", "--no-such-flag"],
    ] {
        let out = run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        let e: Value = serde_json::from_str(stderr.trim())
            .unwrap_or_else(|_| panic!("{args:?}: not one JSON object: {stderr}"));
        assert_eq!(e["kind"], "usage", "{args:?}");
        assert_eq!(e["exit_code"], 2, "{args:?}");
        let message = e["message"].as_str().unwrap();
        assert!(!message.is_empty() && !message.starts_with("error:"), "{e}");
    }
    let out = run(&["queue", "--json", "--view", "bogus"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("bogus"),
        "the message names the bad value: {stderr}"
    );
    let out = run(&["queue", "--view", "bogus"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).starts_with("error:"),
        "without --json clap's own text"
    );
    // `--help` stays help, on standard output, with --json or without.
    let out = run(&["queue", "--json", "--help"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("--view"));
}

/// `config path --json` works: `--json` is `config`'s for its subcommand too.
#[test]
fn config_path_speaks_json() {
    let data = tempfile::tempdir().unwrap();
    let out = Command::new(BIN)
        .args(["config", "path", "--json"])
        .env("MODTERM_CONFIG_DIR", data.path())
        .env("MODTERM_DATA_DIR", data.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let path = v["path"].as_str().unwrap();
    assert!(path.starts_with(data.path().to_str().unwrap()) && path.ends_with("config.toml"));
}
