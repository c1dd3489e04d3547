//! `modterm login` and `modterm logout`: signing in as yourself with a Discourse user API key
//! (reference §1.2), for the moderators, leaders and power users who will never be given an
//! admin key. They act with their own rights, and with a budget of their own.
//!
//! The flow is Discourse's for applications that cannot receive a redirect, which is a
//! terminal's situation (over SSH too): modterm prints the site's approval page, the user
//! approves it in any browser where they are logged in, and pastes back the encrypted payload
//! the page shows. Only this process can open it ([`request`]: a key pair made for this one
//! request), and only if it carries this request's nonce. Then the key is stored and recorded
//! in a profile ([`store`]), and checked with `/session/current.json`.
//!
//! Why it matters beyond one user: every admin key of a Discourse site shares one bucket of 60
//! requests a minute, so a team of moderators on admin keys starves itself; each user API key
//! has 20 a minute (and 2,880 a day) of its own.

pub mod request;
pub mod store;

use std::io::{BufRead, IsTerminal, Read, Write};
use std::time::Duration;

use tracing_subscriber::filter::LevelFilter;

use crate::backend::discourse::client::check_base_url;
use crate::backend::discourse::{Credentials, Discourse, DiscourseOptions};
use crate::backend::{Backend, BackendError};
use crate::cli::CliError;
use crate::config::{KeySource, Paths, Profile, Settings};
use crate::domain::Account;
use crate::text::sanitize_line;

use self::request::{LoginRequest, MAX_PASTE_BYTES};
use self::store::Target;

/// What `modterm login` and `modterm logout` are told.
#[derive(Debug, Clone)]
pub struct LoginArgs {
    /// The profile to sign in with (default: the site's host, or `default_profile`).
    pub profile: Option<String>,
    /// The site (needed for a profile that does not exist yet).
    pub url: Option<String>,
    /// Allow plain http:// to a non-loopback address.
    pub insecure: bool,
    pub log_level: LevelFilter,
    /// `--json`: the outcome as one JSON object on standard output (the instructions for the
    /// person approving go to standard error then).
    pub json: bool,
    /// `--timeout`: how long each exchange with the site may take (the wait for the paste is
    /// the user's and has none).
    pub timeout: Duration,
}

fn usage(e: impl ToString) -> CliError {
    CliError::Usage(e.to_string())
}

/// Input modterm refused (exit code 5): nothing was stored.
fn refused(e: impl ToString) -> CliError {
    CliError::Backend(BackendError::Refused(e.to_string()))
}

fn say(text: &str) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| CliError::Io(format!("cannot write to the terminal: {e}")))
}

/// Text for the person at the terminal: on standard output, or on standard error when
/// standard output carries the JSON outcome.
fn tell(args: &LoginArgs, text: &str) -> Result<(), CliError> {
    if !args.json {
        return say(text);
    }
    let mut err = std::io::stderr().lock();
    err.write_all(text.as_bytes())
        .and_then(|()| err.flush())
        .map_err(|e| CliError::Io(format!("cannot write to the terminal: {e}")))
}

/// The outcome: the sentence, or with `--json` the object.
fn outcome(args: &LoginArgs, text: &str, json: serde_json::Value) -> Result<(), CliError> {
    if args.json {
        let mut p = crate::output::Printer::default();
        p.json(&json)?;
        return Ok(p.flush()?);
    }
    say(text)
}

/// `modterm login`: the whole flow, from the approval page to a working profile.
pub async fn login(args: &LoginArgs) -> Result<(), CliError> {
    let paths = Paths::resolve().map_err(usage)?;
    let settings = Settings::load(&paths).map_err(usage)?;
    crate::logging::init(&paths.log_file(), args.log_level);
    let url = match &args.url {
        Some(u) => Some(check_base_url(u, args.insecure).map_err(usage)?),
        None => None,
    };
    let name = match (&args.profile, &url) {
        (Some(name), _) => name.clone(),
        (None, Some(url)) => store::default_name(url),
        (None, None) => settings.default_profile.clone().ok_or_else(|| {
            usage("login needs the site: modterm login --url SITE [--profile NAME]")
        })?,
    };
    // Refused now, before the user approves anything, if this profile cannot take the key.
    let target = store::target(&settings, &name, url.as_deref()).map_err(usage)?;
    let insecure = args.insecure || target.profile().is_some_and(|p| p.insecure);
    let site = check_base_url(target.url(), insecure).map_err(usage)?;

    let client_id = target.client_id();
    let request = tokio::task::spawn_blocking(move || LoginRequest::new(client_id))
        .await
        .map_err(|e| CliError::Io(e.to_string()))?
        .map_err(CliError::Io)?;
    let page = request.authorization_url(&site).map_err(usage)?;
    let terminal = if args.json {
        std::io::stderr().is_terminal()
    } else {
        std::io::stdout().is_terminal()
    };
    tell(args, &instructions(&site, &page, terminal))?;

    let expected = request.payload_chars();
    let pasted = tokio::task::spawn_blocking(move || read_paste(expected))
        .await
        .map_err(|e| CliError::Io(e.to_string()))?
        .map_err(|e| CliError::Io(format!("cannot read the payload: {e}")))?
        .ok_or_else(|| refused("no payload was pasted: nothing was stored"))?;
    let payload = request
        .open(&pasted)
        .map_err(|e| refused(format!("{e}; nothing was stored")))?;

    tell(args, &format!("Checking the key with {site}...\n"))?;
    let backend = user_key_backend(
        &site,
        &payload.key,
        request.client_id(),
        insecure,
        target.profile(),
    )?;
    let answer = tokio::time::timeout(args.timeout, backend.whoami())
        .await
        .unwrap_or(Err(BackendError::Network(format!(
            "no answer within {} s",
            args.timeout.as_secs()
        ))));
    let account = match answer {
        Ok(a) => Some(a),
        // The site itself refuses the key it just issued: keep nothing.
        Err(e @ (BackendError::NotSignedIn(_) | BackendError::Forbidden(_))) => {
            return Err(CliError::Backend(e))
        }
        // Not reachable just now: the key is good (it opened with this nonce), keep it.
        Err(e) => {
            eprintln!(
                "modterm: warning: could not ask the site who the key signs in as ({}); \
                 the key is kept: try modterm whoami --profile {name}",
                sanitize_line(&e.to_string())
            );
            None
        }
    };
    let previous = previous_key(&target);
    store::store_key(&paths, &target, &payload.key).map_err(CliError::Io)?;
    let username = account.as_ref().map(|a| a.username.as_str());
    let change = store::record_profile(&paths, &target, request.client_id(), username)
        .map_err(CliError::Io)?;
    // The site deleted this client's older key of the same account itself; one of another
    // account would stay valid, unused, until it expired.
    let same_account = match (username, target.profile()) {
        (Some(now), Some(p)) => !p.username.is_empty() && p.username.eq_ignore_ascii_case(now),
        _ => false,
    };
    if let Some(old) = previous.filter(|old| *old != payload.key && !same_account) {
        if let Ok(old) =
            user_key_backend(&site, &old, request.client_id(), insecure, target.profile())
        {
            let _ = tokio::time::timeout(args.timeout, old.revoke_user_api_key()).await;
        }
    }
    let text = summary(&paths, &settings, &target, &site, account.as_ref(), &change);
    let default = change.made_default || settings.default_profile.as_deref() == Some(target.name());
    outcome(
        args,
        &text,
        serde_json::json!({
            "site": site,
            "profile": target.name(),
            "default_profile": default,
            "username": account.as_ref().map(|a| a.username.clone()),
            "role": account.as_ref().map(|a| a.role.label()),
            "key_stored_in": store::stores(&paths, &target),
        }),
    )
}

/// What the user reads before approving.
fn instructions(site: &str, page: &str, terminal: bool) -> String {
    let mut out = format!(
        "To sign in to {site} as yourself, open this page in a browser where you are logged in \
         to the site, check what modterm asks for (to read and write as you), and approve it:\n\n\
         {page}\n\n"
    );
    if terminal {
        // OSC 8: a link a terminal opens on click, however the long URL above wraps.
        out.push_str(&format!(
            "\u{1b}]8;;{page}\u{1b}\\Open the approval page\u{1b}]8;;\u{1b}\\\n\n"
        ));
    }
    out.push_str(
        "Then copy the block of text the site shows and paste it here, then Enter \
         (an empty line ends it early; Ctrl-C cancels):\n",
    );
    out
}

/// What the login did, and what it means.
fn summary(
    paths: &Paths,
    settings: &Settings,
    target: &Target,
    site: &str,
    account: Option<&Account>,
    change: &store::ConfigChange,
) -> String {
    let name = target.name();
    let mut out = String::new();
    match account {
        Some(a) => {
            let rank = a
                .rank
                .as_deref()
                .filter(|r| !r.eq_ignore_ascii_case(a.role.label()))
                .map(|r| format!(", {}", sanitize_line(r)))
                .unwrap_or_default();
            out.push_str(&format!(
                "Signed in to {site} as {} ({}{rank}).\n",
                sanitize_line(&a.username),
                a.role.label()
            ));
        }
        None => out.push_str(&format!("Signed in to {site}.\n")),
    }
    let default = change.made_default || settings.default_profile.as_deref() == Some(name);
    out.push_str(&format!(
        "Profile {name:?} in {}{}; the key is in {}, readable by you only.\n",
        paths.config_file().display(),
        if default {
            " (the default profile)".to_string()
        } else {
            format!(" (use it with --profile {name})")
        },
        store::stores(paths, target),
    ));
    out.push_str(
        "This key has a budget of its own: 20 requests a minute and 2,880 a day (admin keys \
         share 60 a minute for the whole site). `modterm logout` revokes it.\n",
    );
    out
}

/// Reads the pasted payload from standard input: lines until there are as many base64
/// characters as a payload has, an empty line after some text, or the end of input. `None`
/// when nothing came. Bounded: a paste longer than [`MAX_PASTE_BYTES`] is returned as it is,
/// and refused by [`LoginRequest::open`].
fn read_paste(expected_chars: usize) -> std::io::Result<Option<String>> {
    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    let mut got = String::new();
    let mut line = Vec::new();
    loop {
        line.clear();
        let n = input
            .by_ref()
            .take(MAX_PASTE_BYTES as u64 + 1)
            .read_until(b'\n', &mut line)?;
        if n == 0 {
            return Ok((!got.trim().is_empty()).then_some(got));
        }
        let text = String::from_utf8_lossy(&line);
        if text.trim().is_empty() {
            if got.trim().is_empty() {
                continue;
            }
            return Ok(Some(got));
        }
        got.push_str(&text);
        let chars = got
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '='))
            .count();
        if got.len() > MAX_PASTE_BYTES || chars >= expected_chars {
            return Ok(Some(got));
        }
    }
}

/// The key a profile holds now, if any (to revoke it once replaced).
fn previous_key(target: &Target) -> Option<String> {
    let profile = target.profile()?;
    if let KeySource::File(path) = &profile.key {
        if !path.exists() {
            return None;
        }
    }
    profile
        .resolve_key()
        .ok()
        .map(|(k, _)| k)
        .filter(|k| !k.is_empty())
}

/// The adapter with a user API key, its budget as connect gives it (20 a minute).
fn user_key_backend(
    site: &str,
    key: &str,
    client_id: &str,
    insecure: bool,
    profile: Option<&Profile>,
) -> Result<Discourse, CliError> {
    let credentials = Credentials::UserApiKey {
        key: key.to_string(),
        client_id: Some(client_id.to_string()),
    };
    let mut options = DiscourseOptions::new(site.to_string(), credentials);
    options.limits = crate::connect::limits_for(&options.credentials, profile);
    options.allow_insecure_http = insecure;
    options.timeout = Duration::from_secs(20);
    Discourse::new(options).map_err(CliError::Backend)
}

/// `modterm logout`: revokes the profile's key on the site, then deletes it here. The profile
/// stays, so `modterm login --profile NAME` signs in again with the same client id.
pub async fn logout(args: &LoginArgs) -> Result<(), CliError> {
    let paths = Paths::resolve().map_err(usage)?;
    let settings = Settings::load(&paths).map_err(usage)?;
    crate::logging::init(&paths.log_file(), args.log_level);
    let name = args
        .profile
        .clone()
        .or_else(|| settings.default_profile.clone())
        .ok_or_else(|| usage("logout needs --profile NAME (config.toml has no default_profile)"))?;
    let profile = settings.profiles.get(&name).ok_or_else(|| {
        usage(format!(
            "no profile named {name:?} in {}",
            paths.config_file().display()
        ))
    })?;
    if !profile.user_api_key {
        return Err(usage(format!(
            "profile {name:?} signs in with an admin API key: there is no sign-in of yours to \
             end (remove the profile from config.toml to stop using it)"
        )));
    }
    if let KeySource::File(path) = &profile.key {
        if !path.exists() {
            return outcome(
                args,
                &format!(
                    "Already signed out of {}: there is no key at {}.\n",
                    profile.url,
                    path.display()
                ),
                serde_json::json!({
                    "site": profile.url,
                    "profile": name,
                    "revoked": false,
                    "deleted": false,
                    "already_signed_out": true,
                }),
            );
        }
    }
    let (key, _) = profile.resolve_key().map_err(usage)?;
    let site = check_base_url(&profile.url, args.insecure || profile.insecure).map_err(usage)?;
    let client_id = profile.user_api_client_id.clone().unwrap_or_default();
    let backend = user_key_backend(
        &site,
        &key,
        &client_id,
        args.insecure || profile.insecure,
        Some(profile),
    )?;
    let answer = tokio::time::timeout(args.timeout, backend.revoke_user_api_key())
        .await
        .map_err(|_| CliError::Timeout(args.timeout));
    let revoked = match answer {
        Ok(Ok(())) => "revoked on the site",
        Ok(Err(BackendError::NotSignedIn(_))) => {
            "no longer accepted by the site (revoked or expired already)"
        }
        Err(timeout) => {
            eprintln!(
                "modterm: the key is kept, so that it can still be revoked: run modterm logout \
                 again when the site answers"
            );
            return Err(timeout);
        }
        Ok(Err(e)) => {
            eprintln!(
                "modterm: the key is kept, so that it can still be revoked: run modterm logout \
                 again when the site answers"
            );
            return Err(CliError::Backend(e));
        }
    };
    let deleted = store::delete_key(profile).map_err(CliError::Io)?;
    let mut out = format!("Signed out of {site}: the key is {revoked}");
    if deleted {
        out.push_str(" and deleted here.\n");
    } else {
        out.push_str(
            ".\nmodterm cannot delete a key that api_key_cmd reads: remove it from your key \
             store (it no longer works).\n",
        );
    }
    out.push_str(&format!(
        "Sign in again with: modterm login --profile {name}\n"
    ));
    outcome(
        args,
        &out,
        serde_json::json!({
            "site": site,
            "profile": name,
            "revoked": revoked == "revoked on the site",
            "deleted": deleted,
            "already_signed_out": false,
        }),
    )
}
