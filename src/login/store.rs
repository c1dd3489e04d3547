//! Where `modterm login` keeps what it got, so that the console and every command find it
//! through a profile: the key in a file of its own (0600, under `user-api-keys/` in the data
//! directory) or handed to the profile's `api_key_store_cmd`, and a profile in config.toml
//! naming the site, the key and the client id.
//!
//! config.toml is the user's file: it is edited as text (a profile appended, a line set), never
//! rewritten from parsed values, so comments and order survive. Every edit is parsed back
//! before it is written, and written whole through a rename.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::config::{redact, KeySource, Paths, Platform, Profile, Settings};
use crate::text::sanitize_line;

/// The data directory's folder for keys `modterm login` stored.
pub const KEY_DIR: &str = "user-api-keys";

/// The file `modterm login` keeps the key of profile `name` in. Characters a file name should
/// not carry are written `%XX`, so two profiles never share a file.
pub fn key_file(paths: &Paths, name: &str) -> PathBuf {
    let mut stem = String::new();
    for b in name.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.'
                if !stem.is_empty() || b != b'.' =>
            {
                stem.push(b as char)
            }
            _ => stem.push_str(&format!("%{b:02X}")),
        }
    }
    paths.data_dir.join(KEY_DIR).join(format!("{stem}.key"))
}

/// The profile a login signs in with.
#[derive(Debug, Clone)]
pub enum Target {
    /// None yet: written to config.toml once the key works.
    New { name: String, url: String },
    /// One in config.toml already (made by an earlier login, or by the user for a user key).
    Existing { name: String, profile: Box<Profile> },
}

impl Target {
    pub fn name(&self) -> &str {
        match self {
            Target::New { name, .. } | Target::Existing { name, .. } => name,
        }
    }

    pub fn url(&self) -> &str {
        match self {
            Target::New { url, .. } => url,
            Target::Existing { profile, .. } => &profile.url,
        }
    }

    pub fn profile(&self) -> Option<&Profile> {
        match self {
            Target::New { .. } => None,
            Target::Existing { profile, .. } => Some(profile),
        }
    }

    /// The client id the site knows this profile by, if it has one.
    pub fn client_id(&self) -> Option<String> {
        self.profile().and_then(|p| p.user_api_client_id.clone())
    }
}

/// The profile name a login to `url` gets when none is given: the site's host (and port).
pub fn default_name(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(u) => match (u.host_str(), u.port()) {
            (Some(h), Some(p)) => format!("{h}:{p}"),
            (Some(h), None) => h.to_string(),
            _ => "site".into(),
        },
        Err(_) => "site".into(),
    }
}

/// Which profile to sign in with, refused before anything is asked of the user when that
/// profile cannot take a user API key from `modterm login`.
pub fn target(settings: &Settings, name: &str, url: Option<&str>) -> Result<Target, String> {
    let Some(profile) = settings.profiles.get(name) else {
        let url = url.ok_or_else(|| {
            format!("there is no profile {name:?} yet: give the site with --url SITE")
        })?;
        return Ok(Target::New {
            name: name.to_string(),
            url: url.trim_end_matches('/').to_string(),
        });
    };
    if let Some(url) = url {
        if !same_site(url, &profile.url) {
            return Err(format!(
                "profile {name:?} is for {}, not {url}: give another --profile for this site",
                profile.url
            ));
        }
    }
    if profile.platform != Platform::Discourse {
        return Err(format!(
            "profile {name:?} is not a Discourse site: user API keys are Discourse's"
        ));
    }
    if !profile.user_api_key {
        return Err(format!(
            "profile {name:?} signs in with an admin API key: give another --profile name for \
             your own user API key"
        ));
    }
    match &profile.key {
        KeySource::File(_) => {}
        KeySource::Command(_) if profile.api_key_store_cmd.is_some() => {}
        KeySource::Command(cmd) => {
            return Err(format!(
                "profile {name:?} reads its key with `{cmd}`: add api_key_store_cmd (a command \
                 that stores the key it reads on standard input) so modterm login can store it"
            ))
        }
        KeySource::Env(var) => {
            return Err(format!(
                "profile {name:?} reads its key from ${var}, which modterm cannot set: use \
                 api_key_file, or api_key_cmd with api_key_store_cmd"
            ))
        }
        KeySource::None => {
            return Err(format!(
                "profile {name:?} names no key: add api_key_file (or remove the profile and let \
                 modterm login write it)"
            ))
        }
    }
    Ok(Target::Existing {
        name: name.to_string(),
        profile: Box::new(profile.clone()),
    })
}

/// Whether two site URLs name the same site (`HTTPS://Forum.example.com/` is
/// `https://forum.example.com`).
fn same_site(a: &str, b: &str) -> bool {
    let parse = |s: &str| reqwest::Url::parse(s.trim_end_matches('/')).ok();
    match (parse(a), parse(b)) {
        (Some(a), Some(b)) => a == b,
        _ => a.trim_end_matches('/') == b.trim_end_matches('/'),
    }
}

/// Where the key went, in words (never the key).
pub fn stores(paths: &Paths, target: &Target) -> String {
    match target.profile().map(|p| &p.key) {
        None => key_file(paths, target.name()).display().to_string(),
        Some(KeySource::File(path)) => path.display().to_string(),
        Some(KeySource::Command(_)) => "api_key_store_cmd".into(),
        Some(other) => crate::connect::describe_key_source(other),
    }
}

/// Stores the key where the profile reads it from.
pub fn store_key(paths: &Paths, target: &Target, key: &str) -> Result<(), String> {
    match target.profile() {
        None => write_key_file(&key_file(paths, target.name()), key, true),
        Some(profile) => match (&profile.key, &profile.api_key_store_cmd) {
            (KeySource::File(path), _) => {
                // A file of modterm's own directory, or one the user chose: then its folder
                // is theirs and keeps its permissions.
                let ours = path.starts_with(paths.data_dir.join(KEY_DIR));
                write_key_file(path, key, ours)
            }
            (KeySource::Command(_), Some(store)) => {
                run_store_cmd(store, key)?;
                // Read back the way every command will read it.
                match profile.resolve_key() {
                    Ok((back, _)) if back == key => Ok(()),
                    Ok(_) => Err(
                        "api_key_cmd does not give back the key api_key_store_cmd stored".into(),
                    ),
                    Err(e) => Err(format!("after api_key_store_cmd: {e}")),
                }
            }
            _ => Err("this profile has nowhere modterm can store a key".into()),
        },
    }
}

/// Deletes the stored key; `Ok(false)` when the key is kept by a command modterm cannot ask to
/// forget it.
pub fn delete_key(profile: &Profile) -> Result<bool, String> {
    match &profile.key {
        KeySource::File(path) => match std::fs::remove_file(path) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(true),
            Err(e) => Err(format!("cannot delete {}: {e}", path.display())),
        },
        _ => Ok(false),
    }
}

/// Writes the key 0600 through a temporary file and a rename. `own_dir`: the folder is
/// modterm's (made 0700); otherwise it must exist and is left as it is.
fn write_key_file(path: &Path, key: &str, own_dir: bool) -> Result<(), String> {
    let body = format!("{key}\n");
    if own_dir {
        return crate::files::write_private_atomic(path, body.as_bytes())
            .map_err(|e| format!("cannot write {}: {e}", path.display()));
    }
    let tmp = path.with_extension("key.tmp");
    let write = || -> std::io::Result<()> {
        let mut o = std::fs::OpenOptions::new();
        o.create(true).write(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            o.mode(0o600);
        }
        let mut f = o.open(&tmp)?;
        f.write_all(body.as_bytes())?;
        f.sync_all()?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o600))?;
        }
        std::fs::rename(&tmp, path)
    };
    write().map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        format!("cannot write {}: {e}", path.display())
    })
}

/// Runs `sh -c store` with the key on standard input.
fn run_store_cmd(store: &str, key: &str) -> Result<(), String> {
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(store)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("api_key_store_cmd: cannot run sh: {e}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        // A command that does not read its input is its own failure, reported by its status.
        let _ = stdin.write_all(format!("{key}\n").as_bytes());
    }
    let out = child
        .wait_with_output()
        .map_err(|e| format!("api_key_store_cmd: {e}"))?;
    if out.status.success() {
        return Ok(());
    }
    let err = String::from_utf8_lossy(&out.stderr);
    let first = redact(&sanitize_line(err.lines().next().unwrap_or("")));
    let first: String = first.chars().take(200).collect();
    Err(format!(
        "api_key_store_cmd `{store}` failed ({}){}",
        out.status,
        if first.is_empty() {
            String::new()
        } else {
            format!(": {first}")
        }
    ))
}

/// A TOML basic string.
fn toml_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A TOML key: bare when it may be, else quoted.
fn toml_key(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        s.to_string()
    } else {
        toml_string(s)
    }
}

/// What the login changed in config.toml, for the summary.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConfigChange {
    pub wrote: bool,
    /// The profile became `default_profile` (there was none).
    pub made_default: bool,
}

/// Records the profile in config.toml: a new one appended (and made the default when the file
/// names none), or an existing one given the client id and account it now signs in with
/// (`username`: `None` when the site could not be asked).
pub fn record_profile(
    paths: &Paths,
    target: &Target,
    client_id: &str,
    username: Option<&str>,
) -> Result<ConfigChange, String> {
    let file = paths.config_file();
    let text = if file.exists() {
        std::fs::read_to_string(&file)
            .map_err(|e| format!("cannot read {}: {e}", file.display()))?
    } else {
        String::new()
    };
    let settings = Settings::parse(&file, &text).map_err(|e| e.to_string())?;
    let name = target.name();
    let mut change = ConfigChange::default();
    let new_text = match target {
        Target::New { url, .. } => {
            let mut out = String::new();
            if settings.default_profile.is_none() {
                out.push_str(&format!("default_profile = {}\n", toml_string(name)));
                change.made_default = true;
            }
            out.push_str(&text);
            if !out.is_empty() && !out.ends_with('\n') {
                out.push('\n');
            }
            if !out.is_empty() {
                out.push('\n');
            }
            out.push_str(&profile_section(
                paths,
                name,
                url,
                client_id,
                username.unwrap_or(""),
            ));
            out
        }
        Target::Existing { profile, .. } => {
            let mut out = text.clone();
            if profile.user_api_client_id.as_deref() != Some(client_id) {
                out = set_in_profile(&out, name, "user_api_client_id", &toml_string(client_id))
                    .ok_or_else(|| cannot_edit(&file, name, "user_api_client_id", client_id))?;
            }
            if let Some(username) = username.filter(|u| *u != profile.username) {
                out = set_in_profile(&out, name, "username", &toml_string(username))
                    .ok_or_else(|| cannot_edit(&file, name, "username", username))?;
            }
            out
        }
    };
    if new_text == text {
        return Ok(change);
    }
    // The edit must read back as meant before it replaces the user's file.
    let check = Settings::parse(&file, &new_text).map_err(|e| {
        format!(
            "cannot add the profile to {} (it would read: {e}); add it yourself:\n\n{}",
            file.display(),
            profile_section(paths, name, target.url(), client_id, username.unwrap_or(""))
        )
    })?;
    let meant = check.profiles.get(name).is_some_and(|p| {
        p.user_api_key
            && p.user_api_client_id.as_deref() == Some(client_id)
            && username.is_none_or(|u| p.username == u)
    });
    if !meant {
        return Err(format!(
            "cannot record the profile {name:?} in {}: set user_api_key = true and \
             user_api_client_id = {} in it yourself",
            file.display(),
            toml_string(client_id),
        ));
    }
    crate::files::write_private_atomic(&file, new_text.as_bytes())
        .map_err(|e| format!("cannot write {}: {e}", file.display()))?;
    change.wrote = true;
    Ok(change)
}

fn cannot_edit(file: &Path, name: &str, key: &str, value: &str) -> String {
    format!(
        "cannot find the [profiles.{}] table in {} to set {key} = {}: set it yourself",
        toml_key(name),
        file.display(),
        toml_string(value)
    )
}

/// The profile `modterm login` writes.
fn profile_section(
    paths: &Paths,
    name: &str,
    url: &str,
    client_id: &str,
    username: &str,
) -> String {
    format!(
        "# Signed in with `modterm login`: {whose} own user API key, with a budget of its own\n\
         # (20 requests a minute). `modterm logout` revokes it.\n\
         [profiles.{key}]\n\
         url = {url}\n\
         platform = \"discourse\"\n\
         username = {user_q}\n\
         user_api_key = true\n\
         user_api_client_id = {client}\n\
         api_key_file = {file}\n",
        whose = if username.is_empty() {
            "your".to_string()
        } else {
            format!("{}'s", sanitize_line(username))
        },
        key = toml_key(name),
        url = toml_string(url),
        user_q = toml_string(username),
        client = toml_string(client_id),
        file = toml_string(&key_file(paths, name).display().to_string()),
    )
}

/// `text` with `key = value` set in the `[profiles.NAME]` table (the line replaced, or added
/// under the header); `None` when that table is not written as a header.
fn set_in_profile(text: &str, name: &str, key: &str, value: &str) -> Option<String> {
    let headers = [
        format!("[profiles.{}]", toml_key(name)),
        format!("[profiles.{}]", toml_string(name)),
    ];
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let start = lines.iter().position(|l| {
        let l = l.split('#').next().unwrap_or("").trim();
        headers.iter().any(|h| l == h)
    })?;
    let end = lines[start + 1..]
        .iter()
        .position(|l| l.trim_start().starts_with('['))
        .map(|i| start + 1 + i)
        .unwrap_or(lines.len());
    let new_line = format!("{key} = {value}\n");
    let mut out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    let existing = (start + 1..end).find(|&i| {
        let l = lines[i].trim_start();
        l.strip_prefix(key)
            .is_some_and(|rest| rest.trim_start().starts_with('='))
    });
    match existing {
        Some(i) => out[i] = new_line,
        None => {
            if !out[start].ends_with('\n') {
                out[start].push('\n');
            }
            out.insert(start + 1, new_line)
        }
    }
    Some(out.concat())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(dir: &tempfile::TempDir) -> Paths {
        Paths::new(dir.path().join("config"), dir.path().join("data"))
    }

    #[test]
    fn key_files_never_collide_or_escape_their_folder() {
        let dir = tempfile::tempdir().unwrap();
        let p = paths(&dir);
        let a = key_file(&p, "forum.example.com");
        assert_eq!(a.file_name().unwrap(), "forum.example.com.key");
        assert_ne!(key_file(&p, "a/b"), key_file(&p, "a_b"));
        for hostile in ["../../etc/x", "..", "a/b", "x\u{0}y"] {
            let f = key_file(&p, hostile);
            assert_eq!(f.parent().unwrap(), p.data_dir.join(KEY_DIR), "{hostile}");
        }
        assert_eq!(default_name("http://127.0.0.1:4200"), "127.0.0.1:4200");
        assert_eq!(
            default_name("https://forum.example.com"),
            "forum.example.com"
        );
    }

    #[test]
    fn a_new_profile_is_appended_and_becomes_the_default() {
        let dir = tempfile::tempdir().unwrap();
        let p = paths(&dir);
        std::fs::create_dir_all(&p.config_dir).unwrap();
        let before = "# my settings\ntheme = \"mono\"\n\n[profiles.work]\nurl = \"https://w.example\"\nusername = \"me\"\napi_key_env = \"W\"\n";
        std::fs::write(p.config_file(), before).unwrap();
        let settings = Settings::load(&p).unwrap();
        let t = target(
            &settings,
            "forum.example.com",
            Some("https://forum.example.com/"),
        )
        .unwrap();
        let change = record_profile(&p, &t, "cid-1", Some("leader_luca")).unwrap();
        assert!(change.wrote && change.made_default);
        let after = std::fs::read_to_string(p.config_file()).unwrap();
        assert!(after.contains(before), "the user's text is kept:\n{after}");
        let s = Settings::load(&p).unwrap();
        assert_eq!(s.default_profile.as_deref(), Some("forum.example.com"));
        let prof = &s.profiles["forum.example.com"];
        assert!(prof.user_api_key);
        assert_eq!(prof.url, "https://forum.example.com");
        assert_eq!(prof.username, "leader_luca");
        assert_eq!(prof.user_api_client_id.as_deref(), Some("cid-1"));
        assert_eq!(prof.key, KeySource::File(key_file(&p, "forum.example.com")));
        assert_eq!(s.theme, "mono");

        // Again, as someone else: the same profile, its client id kept, the account updated.
        let t = target(&s, "forum.example.com", None).unwrap();
        assert_eq!(t.client_id().as_deref(), Some("cid-1"));
        let change = record_profile(&p, &t, "cid-1", Some("mod_anna")).unwrap();
        assert!(change.wrote && !change.made_default);
        let s = Settings::load(&p).unwrap();
        assert_eq!(s.profiles["forum.example.com"].username, "mod_anna");
        // Nothing to change: the file is not touched.
        let t = target(&s, "forum.example.com", None).unwrap();
        assert!(
            !record_profile(&p, &t, "cid-1", Some("mod_anna"))
                .unwrap()
                .wrote
        );
        // The site could not be asked who it is: the account on record stays.
        assert!(!record_profile(&p, &t, "cid-1", None).unwrap().wrote);
    }

    #[test]
    fn profiles_that_cannot_take_a_login_are_refused_up_front() {
        let src = "[profiles.admin]\nurl = \"https://a.example\"\nusername = \"x\"\napi_key_env = \"A\"\n\n\
                   [profiles.envkey]\nurl = \"https://b.example\"\nuser_api_key = true\napi_key_env = \"B\"\n\n\
                   [profiles.cmd]\nurl = \"https://c.example\"\nuser_api_key = true\napi_key_cmd = \"cat k\"\n";
        let s = Settings::parse(Path::new("/c/config.toml"), src).unwrap();
        assert!(target(&s, "admin", None)
            .unwrap_err()
            .contains("admin API key"));
        assert!(target(&s, "envkey", None).unwrap_err().contains("$B"));
        assert!(target(&s, "cmd", None)
            .unwrap_err()
            .contains("api_key_store_cmd"));
        assert!(target(&s, "cmd", Some("https://other.example"))
            .unwrap_err()
            .contains("not https://other.example"));
        assert!(target(&s, "nope", None).unwrap_err().contains("--url"));
    }

    #[test]
    fn a_key_command_profile_stores_through_its_store_command() {
        let dir = tempfile::tempdir().unwrap();
        let p = paths(&dir);
        let vault = dir.path().join("vault");
        let src = format!(
            "[profiles.cmd]\nurl = \"https://c.example\"\nuser_api_key = true\n\
             api_key_cmd = \"cat '{0}'\"\napi_key_store_cmd = \"cat > '{0}'\"\n",
            vault.display()
        );
        let s = Settings::parse(Path::new("/c/config.toml"), &src).unwrap();
        let t = target(&s, "cmd", None).unwrap();
        store_key(&p, &t, "k3y").unwrap();
        assert_eq!(std::fs::read_to_string(&vault).unwrap().trim(), "k3y");
        // A store command that fails says so, and its output is redacted.
        let src = "[profiles.bad]\nurl = \"https://c.example\"\nuser_api_key = true\n\
                   api_key_cmd = \"true\"\n\
                   api_key_store_cmd = \"k=a1b2c3d4; echo nope ${k}e5f6a7b8c9d0 >&2; exit 3\"\n";
        let s = Settings::parse(Path::new("/c/config.toml"), src).unwrap();
        let e = store_key(&p, &target(&s, "bad", None).unwrap(), "k3y").unwrap_err();
        assert!(
            e.contains("failed") && !e.contains("a1b2c3d4e5f6a7b8c9d0"),
            "{e}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn the_key_file_is_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let p = paths(&dir);
        let t = Target::New {
            name: "x".into(),
            url: "https://x.example".into(),
        };
        store_key(&p, &t, "secret").unwrap();
        let f = key_file(&p, "x");
        assert_eq!(std::fs::read_to_string(&f).unwrap(), "secret\n");
        assert_eq!(
            std::fs::metadata(&f).unwrap().permissions().mode() & 0o777,
            0o600
        );
        let folder = f.parent().unwrap();
        assert_eq!(
            std::fs::metadata(folder).unwrap().permissions().mode() & 0o777,
            0o700
        );
    }

    #[test]
    fn setting_a_line_in_a_profile() {
        let text = "a = 1\n[profiles.x]\nurl = \"u\"\nusername = \"old\"\n\n[profiles.y]\nusername = \"y\"\n";
        let out = set_in_profile(text, "x", "username", "\"new\"").unwrap();
        assert!(
            out.contains("username = \"new\"\n\n[profiles.y]\nusername = \"y\""),
            "{out}"
        );
        let out = set_in_profile(text, "y", "user_api_client_id", "\"c\"").unwrap();
        assert!(
            out.contains("[profiles.y]\nuser_api_client_id = \"c\"\nusername = \"y\""),
            "{out}"
        );
        assert!(set_in_profile("profiles.z.url = \"u\"\n", "z", "username", "\"n\"").is_none());
        let quoted = "[profiles.\"a.b\"]\nurl = \"u\"\n";
        assert!(set_in_profile(quoted, "a.b", "username", "\"n\"").is_some());
    }
}
