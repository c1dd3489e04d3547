//! End to end: `modterm login` in a pseudo-terminal against a sandbox. The test approves the
//! request as `leader_luca` through the sandbox's HTTP API (`POST /user-api-key.json` with the
//! public key and nonce read from the printed URL), pastes the payload, and then the profile
//! the login wrote signs the headless commands in as `leader_luca`; `modterm logout` ends it.
//! A wrong nonce and a damaged payload store nothing.
//!
//! The RSA key pair is made by the binary at each login: about 0.05 to 0.2 s in a debug build
//! (dependencies are built with opt-level 1).

mod pty;

use std::path::Path;
use std::process::Command;

use modterm::config::{KeySource, Paths, Settings};
use pty::{Console, Site, API_KEY};
use reqwest::StatusCode;
use serde_json::Value;

const SIGN_IN_AGAIN: &str = "sign in again with modterm login";

/// The approval page's URL, from the OSC 8 link `modterm login` prints.
fn approval_url(console: &Console) -> reqwest::Url {
    let out = console.wait_output("paste it here");
    const OSC8: &str = "\u{1b}]8;;";
    let start = out.find(OSC8).expect("an OSC 8 link") + OSC8.len();
    let len = out[start..].find("\u{1b}\\").expect("the link's end");
    let url = &out[start..start + len];
    assert!(
        out.matches(url).count() >= 2,
        "the URL is printed as text too:\n{out}"
    );
    reqwest::Url::parse(url).expect("a URL")
}

fn query(url: &reqwest::Url) -> std::collections::HashMap<String, String> {
    url.query_pairs().into_owned().collect()
}

/// Approves the request as `user` over the sandbox's HTTP API; returns the payload. `nonce`
/// replaces the request's.
async fn approve(site: &Site, url: &reqwest::Url, user: &str, nonce: Option<&str>) -> String {
    let q = query(url);
    let mut form: Vec<(&str, String)> = ["application_name", "client_id", "scopes", "public_key"]
        .iter()
        .map(|k| (*k, q[*k].clone()))
        .collect();
    form.push((
        "nonce",
        nonce.map_or_else(|| q["nonce"].clone(), str::to_string),
    ));
    let resp = site
        .http
        .post(format!("{}/user-api-key.json", site.sandbox.url()))
        .header("Api-Key", API_KEY)
        .header("Api-Username", user)
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let v: Value = resp.json().await.unwrap();
    v["payload"].as_str().expect("a payload").to_string()
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// `modterm ARGS` with the test's config and data directories.
fn modterm(home: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut c = Command::new(env!("CARGO_BIN_EXE_modterm"));
    for var in [
        "MODTERM_PROFILE",
        "MODTERM_URL",
        "MODTERM_USERNAME",
        "MODTERM_API_KEY",
    ] {
        c.env_remove(var);
    }
    c.env("MODTERM_CONFIG_DIR", home.join("config"))
        .env("MODTERM_DATA_DIR", home.join("data"))
        .env("NO_COLOR", "1")
        .envs(env.iter().copied())
        .args(args);
    let out = c.output().expect("modterm runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn paths(home: &Path) -> Paths {
    Paths::new(home.join("config"), home.join("data"))
}

fn login(site: &Site) -> Console {
    Console::run(
        &["login", "--url", &site.sandbox.url()],
        site.home.path(),
        100,
        40,
        &[],
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_signs_in_as_the_approving_member_and_logout_ends_it() {
    let site = Site::start().await;
    let home = site.home.path();
    let mut console = login(&site);
    let url = approval_url(&console);
    assert!(url
        .as_str()
        .starts_with(&format!("{}/user-api-key/new?", site.sandbox.url())));
    let q = query(&url);
    assert_eq!(q["application_name"], "modterm");
    assert_eq!(q["scopes"], "read,write");
    assert!(
        q["public_key"].starts_with("-----BEGIN PUBLIC KEY-----"),
        "{q:?}"
    );
    assert_eq!(q["nonce"].len(), 32);
    assert!(!q["client_id"].is_empty());
    assert!(!q.contains_key("auth_redirect"), "no redirect: {q:?}");

    let payload = approve(&site, &url, "leader_luca", None).await;
    assert!(
        payload.contains('\n'),
        "the site breaks the payload into lines"
    );
    console.send(&payload);
    let out = console.wait_output("revokes it");
    assert!(out.contains("as leader_luca (leader)"), "{out}");
    assert!(console.wait_exit(), "login ends by itself");
    assert_eq!(console.exit_code(), Some(0), "{out}");

    // The key: a private file in the data directory, named by the profile in config.toml.
    let settings = Settings::load(&paths(home)).unwrap();
    let name = settings
        .default_profile
        .clone()
        .expect("the login's profile is the default");
    let profile = &settings.profiles[&name];
    assert!(profile.user_api_key);
    assert_eq!(profile.url, site.sandbox.url());
    assert_eq!(profile.username, "leader_luca");
    assert_eq!(
        profile.user_api_client_id.as_deref(),
        Some(q["client_id"].as_str())
    );
    let KeySource::File(key_file) = &profile.key else {
        panic!("a key file: {:?}", profile.key)
    };
    assert!(
        key_file.starts_with(home.join("data")),
        "{}",
        key_file.display()
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(key_file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    let key = std::fs::read_to_string(key_file)
        .unwrap()
        .trim()
        .to_string();
    assert!(!out.contains(&key), "the key is never printed");

    // Every command now signs in through the profile as leader_luca.
    let who = modterm(home, &["whoami"], &[]);
    assert_eq!(who.code, 0, "{}", who.stderr);
    assert!(
        who.stdout.contains("username:  leader_luca"),
        "{}",
        who.stdout
    );
    assert!(who.stdout.contains("role:      leader"), "{}", who.stdout);
    let doctor = modterm(home, &["doctor"], &[]);
    assert!(
        doctor
            .stdout
            .contains("20 requests a minute and 2,880 a day"),
        "{}",
        doctor.stdout
    );

    // So does the console.
    let mut tui = Console::run(&["--theme", "mono"], home, 120, 40, &[]);
    tui.wait_for("leader_luca (leader)");
    tui.send("q");
    assert!(tui.wait_exit(), "q quits");

    // Logout revokes the key on the site and deletes it here.
    let out = modterm(home, &["logout"], &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("revoked"), "{}", out.stdout);
    assert!(!key_file.exists());
    let after = modterm(home, &["whoami"], &[]);
    assert_eq!(after.code, 3, "{}", after.stdout);
    assert!(after.stderr.contains(SIGN_IN_AGAIN), "{}", after.stderr);
    let mut tui = Console::run(&["--theme", "mono"], home, 120, 40, &[]);
    tui.wait_for("sign in again with modterm login");
    tui.send("q");
    assert!(tui.wait_exit(), "q quits");
    // The key itself fails everywhere with the same advice.
    let old = modterm(
        home,
        &["whoami", "--url", &site.sandbox.url(), "--user-api-key"],
        &[("MODTERM_API_KEY", &key)],
    );
    assert_eq!(old.code, 3, "{}", old.stdout);
    assert!(old.stderr.contains(SIGN_IN_AGAIN), "{}", old.stderr);
    assert!(!old.stderr.contains(&key));
    let raw = site
        .http
        .get(format!("{}/session/current.json", site.sandbox.url()))
        .header("User-Api-Key", &key)
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), StatusCode::FORBIDDEN);
    let doctor = modterm(home, &["doctor"], &[]);
    assert_eq!(doctor.code, 3, "{}", doctor.stdout);
    assert!(doctor.stdout.contains(SIGN_IN_AGAIN), "{}", doctor.stdout);

    // Signing in again through the profile (no --url): the same client id, another account;
    // with --json the outcome is an object (the instructions still reach the person, on stderr).
    let mut console = Console::run(&["login", "--profile", &name, "--json"], home, 100, 40, &[]);
    let again = approval_url(&console);
    assert_eq!(
        query(&again)["client_id"],
        q["client_id"],
        "the profile's client id"
    );
    let payload = approve(&site, &again, "mod_anna", None).await;
    console.send(&payload);
    console.wait_output("\"key_stored_in\"");
    assert!(console.wait_exit());
    let out = String::from_utf8_lossy(&console.output_since(0)).into_owned();
    assert_eq!(console.exit_code(), Some(0), "{out}");
    assert!(out.contains("\"username\": \"mod_anna\""), "{out}");
    assert!(out.contains("\"role\": \"moderator\""), "{out}");
    assert!(
        !out.contains("revokes it"),
        "no sentence with --json: {out}"
    );
    let settings = Settings::load(&paths(home)).unwrap();
    assert_eq!(settings.profiles[&name].username, "mod_anna");
    assert_eq!(settings.profiles.len(), 1);
    let who = modterm(home, &["whoami"], &[]);
    assert!(who.stdout.contains("username:  mod_anna"), "{}", who.stdout);

    // Logout in JSON: what happened, as fields; a second one finds nothing to revoke.
    let out = modterm(home, &["logout", "--json"], &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v: Value = serde_json::from_str(&out.stdout).expect("JSON");
    assert_eq!(v["profile"], name.as_str());
    assert_eq!(v["revoked"], true, "{v}");
    assert_eq!(v["deleted"], true, "{v}");
    let out = modterm(home, &["logout", "--json"], &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v: Value = serde_json::from_str(&out.stdout).expect("JSON");
    assert_eq!(v["already_signed_out"], true, "{v}");
    site.sandbox.shutdown().await;
}

/// Nothing of a refused login is kept: no key file, no profile.
fn assert_nothing_stored(home: &Path) {
    let keys = home.join("data").join("user-api-keys");
    assert!(
        !keys.exists() || std::fs::read_dir(&keys).unwrap().next().is_none(),
        "a key was stored"
    );
    assert!(!home.join("config").join("config.toml").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_payload_with_another_nonce_is_refused() {
    let site = Site::start().await;
    let mut console = login(&site);
    let url = approval_url(&console);
    let payload = approve(
        &site,
        &url,
        "leader_luca",
        Some("0123456789abcdef0123456789abcdef"),
    )
    .await;
    console.send(&payload);
    let out = console.wait_output("nothing was stored");
    assert!(out.contains("nonce"), "{out}");
    assert!(console.wait_exit());
    assert_eq!(console.exit_code(), Some(5), "{out}");
    assert_nothing_stored(site.home.path());
    site.sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_damaged_payload_is_refused() {
    let site = Site::start().await;
    let mut console = login(&site);
    let url = approval_url(&console);
    let payload = approve(&site, &url, "leader_luca", None).await;
    // One character changed, as a bad copy would.
    let mut chars: Vec<char> = payload.chars().collect();
    chars[30] = if chars[30] == 'x' { 'y' } else { 'x' };
    console.send(&chars.into_iter().collect::<String>());
    let out = console.wait_output("nothing was stored");
    assert!(out.contains("does not open"), "{out}");
    assert!(console.wait_exit());
    assert_eq!(console.exit_code(), Some(5), "{out}");
    assert_nothing_stored(site.home.path());
    site.sandbox.shutdown().await;
}
