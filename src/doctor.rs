//! `modterm doctor`: what a user runs when something is wrong.
//!
//! One line per check (`ok`, `warn` or `fail`), in the order a problem would be found: the
//! files in force, the profile and where its key comes from (never the key), the site and the
//! account it signs in as, the request budget, the live feed, the terminal and the log. The
//! exit status is 0 when nothing fails, else that of the first failure (3 for a refused key,
//! 7 for an unreachable site, 2 for a broken config file).

use std::time::Duration;

use serde::Serialize;

use crate::cli::{CliError, Out};
use crate::config::{detect_color_depth, ColorDepth, KeySource, Paths, Platform, Settings};
use crate::connect::{self, ConnectArgs};
use crate::output::Printer;
use crate::text::sanitize_line;

/// How long the live-feed check waits for a first answer.
const LIVE_CHECK_WAIT: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    Warn,
    Fail,
}

impl Status {
    fn word(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Warn => "warn",
            Status::Fail => "fail",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub name: &'static str,
    pub status: Status,
    pub detail: String,
    /// The exit status this failure stands for (only on failures).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<u8>,
}

/// The checks made so far, in order.
#[derive(Debug, Default, Serialize)]
pub struct Report {
    pub checks: Vec<Check>,
}

impl Report {
    fn ok(&mut self, name: &'static str, detail: impl Into<String>) {
        self.push(name, Status::Ok, detail, None);
    }

    fn warn(&mut self, name: &'static str, detail: impl Into<String>) {
        self.push(name, Status::Warn, detail, None);
    }

    fn fail(&mut self, name: &'static str, detail: impl Into<String>, code: u8) {
        self.push(name, Status::Fail, detail, Some(code));
    }

    fn push(
        &mut self,
        name: &'static str,
        status: Status,
        detail: impl Into<String>,
        code: Option<u8>,
    ) {
        self.checks.push(Check {
            name,
            status,
            detail: sanitize_line(&detail.into()),
            exit_code: code,
        });
    }

    /// 0, or the exit status of the first failure.
    pub fn exit_code(&self) -> u8 {
        self.checks
            .iter()
            .find_map(|c| c.exit_code.filter(|_| c.status == Status::Fail))
            .unwrap_or(0)
    }
}

/// Runs every check, prints them, and fails with the first failure's exit status.
pub async fn run(args: &ConnectArgs, out: Out, deadline: Duration) -> Result<(), CliError> {
    let report = checks(args, deadline).await;
    let mut p = Printer::default();
    if out.json {
        #[derive(Serialize)]
        struct Json<'a> {
            ok: bool,
            exit_code: u8,
            checks: &'a [Check],
        }
        p.json(&Json {
            ok: report.exit_code() == 0,
            exit_code: report.exit_code(),
            checks: &report.checks,
        })?;
    } else {
        for c in &report.checks {
            p.line(&format!(
                "{:<4}  {:<9} {}",
                c.status.word(),
                c.name,
                c.detail
            ))?;
        }
    }
    p.flush()?;
    match report.exit_code() {
        0 => Ok(()),
        code => Err(CliError::Reported(code)),
    }
}

/// Every check, stopping early only where the next ones cannot run.
/// Every check that asks the site waits at most `deadline` for it.
pub async fn checks(args: &ConnectArgs, deadline: Duration) -> Report {
    let mut r = Report::default();
    let paths = match Paths::resolve() {
        Ok(p) => p,
        Err(e) => {
            r.fail("paths", e.to_string(), 2);
            return r;
        }
    };
    r.ok(
        "paths",
        format!(
            "config {}, data {}",
            paths.config_dir.display(),
            paths.data_dir.display()
        ),
    );
    check_private_dir(&mut r, &paths);
    let settings = match Settings::load(&paths) {
        Ok(s) => {
            let file = paths.config_file();
            if file.exists() {
                r.ok(
                    "config",
                    format!("{} ({} profiles)", file.display(), s.profiles.len()),
                );
            } else {
                r.ok("config", format!("no {} (defaults)", file.display()));
            }
            s
        }
        Err(e) => {
            r.fail("config", e.to_string(), 2);
            return r;
        }
    };
    let platform = connect::expected_platform(args, &settings);
    check_profile_and_key(&mut r, args, &paths, &settings);

    let connected = tokio::time::timeout(deadline, connect::connect(args))
        .await
        .map_err(|_| CliError::Timeout(deadline))
        .and_then(|c| c.map_err(CliError::from));
    let session = match connected {
        Ok(s) => s,
        Err(e) => {
            r.fail("site", e.to_string(), e.exit_code());
            check_terminal(&mut r);
            check_log(&mut r, &paths, args);
            return r;
        }
    };
    for w in &session.warnings {
        r.warn("key", w.clone());
    }
    let whoami = tokio::time::timeout(deadline, session.backend.whoami())
        .await
        .map_err(|_| CliError::Timeout(deadline))
        .and_then(|a| a.map_err(CliError::from));
    let signed_in = match whoami {
        Ok(account) => {
            r.ok(
                "site",
                format!("{} signs in as {}", session.site(), account.username),
            );
            let caps = &account.capabilities;
            let rights: Vec<&str> = [
                (caps.reply, "reply"),
                (caps.accept_any_solution, "accept any solution"),
                (caps.move_posts, "move posts"),
                (caps.move_topics, "move topics"),
                (caps.award_badges, "award badges"),
                (caps.review_queue, "review queue"),
            ]
            .into_iter()
            .filter_map(|(has, what)| has.then_some(what))
            .collect();
            let rank = account
                .rank
                .as_deref()
                .map(|r| format!(", {r}"))
                .unwrap_or_default();
            r.ok(
                "role",
                format!(
                    "{}{rank}: {}",
                    account.role.label(),
                    if rights.is_empty() {
                        "read only".to_string()
                    } else {
                        rights.join(", ")
                    }
                ),
            );
            true
        }
        Err(e) => {
            r.fail("site", e.to_string(), e.exit_code());
            false
        }
    };
    check_budget(&mut r, &session);
    if platform == Platform::Discourse {
        check_key_kind(&mut r, &session, uses_user_key(args, &settings));
    }
    if signed_in {
        check_live(&mut r, &session).await;
    }
    check_terminal(&mut r);
    check_log(&mut r, &paths, args);
    session.close().await;
    r
}

fn check_private_dir(r: &mut Report, paths: &Paths) {
    if !paths.data_dir.exists() {
        r.ok("data dir", "not created yet (it will be 0700)");
        return;
    }
    if crate::files::readable_by_others(&paths.data_dir) {
        r.warn(
            "data dir",
            format!(
                "{} is readable by others (drafts and the audit log live there); run: chmod 700 {}",
                paths.data_dir.display(),
                paths.data_dir.display()
            ),
        );
    } else {
        r.ok("data dir", "private (0700)");
    }
}

fn check_profile_and_key(r: &mut Report, args: &ConnectArgs, paths: &Paths, settings: &Settings) {
    if let Some(url) = &args.url {
        r.ok("profile", format!("--url {url} (no profile)"));
        let key = if args.api_key.is_some() {
            "--api-key / MODTERM_API_KEY"
        } else {
            "none given"
        };
        r.ok("key", key);
        return;
    }
    let name = args
        .profile
        .clone()
        .or_else(|| settings.default_profile.clone());
    let Some(name) = name else {
        r.ok("profile", "none: the embedded demo community");
        return;
    };
    let Some(profile) = settings.profiles.get(&name) else {
        // connect() reports it as the site failure; say which file to look in here.
        r.warn(
            "profile",
            format!("{name:?} is not in {}", paths.config_file().display()),
        );
        return;
    };
    let kind = match (profile.platform, profile.user_api_key) {
        (Platform::Discourse, true) => "user API key",
        (Platform::Discourse, false) => "admin API key",
        (Platform::Khoros, true) => "OAuth bearer token",
        (Platform::Khoros, false) => "password, exchanged for a session key",
    };
    r.ok("profile", format!("{name} → {} ({kind})", profile.url));
    let source = connect::describe_key_source(&profile.key);
    if args.api_key.is_some() {
        r.ok("key", "--api-key / MODTERM_API_KEY (overrides the profile)");
    } else if let KeySource::File(path) = &profile.key {
        match crate::config::key_file_warning(path) {
            Some(w) => r.warn("key", w),
            None if path.exists() => r.ok("key", format!("{source}, mode private")),
            // `modterm logout` deletes it: sign in again.
            None if profile.user_api_key => r.fail(
                "key",
                format!("{} (no {})", connect::signed_out(&name), path.display()),
                3,
            ),
            None => r.fail("key", format!("{source} does not exist"), 2),
        }
    } else {
        r.ok("key", source);
    }
}

fn check_budget(r: &mut Report, session: &connect::Session) {
    let governor = session.backend.governor();
    let budget = governor.snapshot();
    if budget.per_minute == 0 {
        r.ok("budget", format!("{}: no limit", budget.scope));
        return;
    }
    let left = budget.per_minute.saturating_sub(budget.used_minute);
    let day = budget
        .per_day
        .map(|d| format!(", {} of {d} left today", d.saturating_sub(budget.used_day)))
        .unwrap_or_default();
    let detail = format!(
        "{}: {} per minute, {left} left{day}",
        budget.scope, budget.per_minute
    );
    if budget.paused_for.is_some() || budget.refused > 0 {
        r.warn("budget", format!("{detail}; the site asked to slow down"));
    } else {
        r.ok("budget", detail);
    }
}

/// Whether the connection signs in with a user API key (flag or profile).
fn uses_user_key(args: &ConnectArgs, settings: &Settings) -> bool {
    if args.user_api_key || args.url.is_some() {
        return args.user_api_key;
    }
    args.profile
        .as_ref()
        .or(settings.default_profile.as_ref())
        .and_then(|name| settings.profiles.get(name))
        .is_some_and(|p| p.user_api_key)
}

/// Why the kind of key matters to the budget (reference §1.4).
fn check_key_kind(r: &mut Report, session: &connect::Session, user_key: bool) {
    if user_key {
        r.ok(
            "budget",
            "a user API key has a budget of its own: 20 requests a minute and 2,880 a day for \
             this key alone, where every admin key of a site shares one bucket of 60 a minute",
        );
    } else if session.sandbox.is_none() {
        r.ok(
            "budget",
            "admin keys share one bucket of 60 requests a minute for the whole site, so \
             moderators on admin keys slow each other down: `modterm login` gives each one a \
             user API key with 20 a minute of their own",
        );
    }
}

async fn check_live(r: &mut Report, session: &connect::Session) {
    let client_id = format!("modterm-doctor-{}", std::process::id());
    let Some(mut feed) = session.backend.live_feed(&client_id) else {
        r.warn(
            "live",
            "this site has no live feed: the queue refreshes on a timer",
        );
        return;
    };
    match tokio::time::timeout(LIVE_CHECK_WAIT, feed.poll(&[])).await {
        Ok(Ok(_)) => r.ok("live", "the live feed answers"),
        Ok(Err(e)) => r.warn(
            "live",
            format!("the live feed failed ({e}): the queue refreshes on a timer"),
        ),
        Err(_) => r.warn(
            "live",
            format!(
                "no answer from the live feed within {} s",
                LIVE_CHECK_WAIT.as_secs()
            ),
        ),
    }
}

/// What the terminal supports, as far as the environment tells.
fn check_terminal(r: &mut Report) {
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let depth = match detect_color_depth() {
        ColorDepth::TrueColor => "24-bit colour",
        ColorDepth::Ansi256 => "256 colours",
        ColorDepth::Ansi16 => "16 colours",
        ColorDepth::None => "no colour (NO_COLOR is set)",
    };
    let term = var("TERM").unwrap_or_else(|| "unset".into());
    match crossterm::terminal::size() {
        Ok((w, h)) if w < 80 || h < 24 => r.warn(
            "terminal",
            format!("TERM={term}, {depth}, {w}x{h} (smaller than 80x24: panes stack)"),
        ),
        Ok((w, h)) => r.ok("terminal", format!("TERM={term}, {depth}, {w}x{h}")),
        Err(_) => r.ok(
            "terminal",
            format!("TERM={term}, {depth}, size unknown (not a terminal)"),
        ),
    }
    if term == "dumb" {
        r.warn(
            "terminal",
            "TERM=dumb: the console needs a full-screen terminal",
        );
    }
    // Neither OSC 52 nor OSC 8 can be asked for without a round trip the terminal may never
    // answer, so this says what the environment suggests.
    let in_tmux = var("TMUX").is_some();
    let program = var("TERM_PROGRAM").unwrap_or_default();
    let osc52 = if in_tmux {
        "OSC 52 copy goes through tmux (needs `set -g set-clipboard on`)".to_string()
    } else if program.is_empty() {
        "OSC 52 copy: the terminal may ignore it (y also shows what it copied)".to_string()
    } else {
        format!("OSC 52 copy: {program} usually allows it")
    };
    r.ok("clipboard", osc52);
    let osc8_known = [
        "iTerm.app",
        "WezTerm",
        "vscode",
        "ghostty",
        "kitty",
        "Apple_Terminal",
    ];
    let osc8 = if var("VTE_VERSION").is_some()
        || var("KITTY_WINDOW_ID").is_some()
        || var("WT_SESSION").is_some()
        || osc8_known.contains(&program.as_str())
    {
        "OSC 8 links: supported by this terminal".to_string()
    } else {
        "OSC 8 links: unknown here; links are also listed as [n] footnotes".to_string()
    };
    r.ok("links", osc8);
}

fn check_log(r: &mut Report, paths: &Paths, args: &ConnectArgs) {
    r.ok(
        "log",
        format!(
            "{} (level {}, capped at 5 MB, one old file kept)",
            paths.log_file().display(),
            args.log_level
        ),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_failure_sets_the_exit_status() {
        let mut r = Report::default();
        r.ok("paths", "x");
        r.warn("key", "y");
        assert_eq!(r.exit_code(), 0, "warnings do not fail");
        r.fail("site", "refused", 3);
        r.fail("live", "down", 7);
        assert_eq!(r.exit_code(), 3);
    }

    #[test]
    fn details_are_sanitized() {
        let mut r = Report::default();
        r.ok("site", "evil\u{1b}]0;title\u{7}name");
        assert!(!r.checks[0].detail.contains('\u{1b}'));
    }
}
