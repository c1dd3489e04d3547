//! Drafts are the user's work: saved as they change (debounced by the console, written to a
//! temporary file then renamed, so a crash never leaves half a draft), per site and topic,
//! kept when sending fails, and removed only after the server accepted the reply.
//!
//! The send journal lives in the draft itself: just before a reply is sent, the draft is saved
//! with `pending_send` (a hash of the text and the time). If the process dies before the answer
//! arrives, the next start finds the mark and asks the server whether the reply is there
//! before offering the draft again, so nothing is posted twice and nothing typed is lost.
//!
//! Files are private to the user (directory 0700, files 0600). A draft file that cannot be read
//! is moved aside (`*.corrupt`) and reported, never silently ignored.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::domain::TopicId;
use crate::files;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Draft {
    pub site: String,
    pub topic_id: TopicId,
    pub topic_title: String,
    pub reply_to_post_number: Option<u32>,
    pub text: String,
    /// Highest post number the writer had seen when the composer opened (stale-reply guard).
    #[serde(default)]
    pub seen_post_number: u32,
    pub saved_at: String,
    /// Set just before the reply is sent; cleared when the answer arrives.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending_send: Option<PendingSend>,
}

/// The send journal's entry: which text was on its way, and when it left.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingSend {
    pub hash: String,
    pub at: String,
}

/// A stable hash of a reply's text (FNV-1a, 64 bits) for the send journal.
pub fn text_hash(text: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.trim().bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// A draft file that could not be read, and where it was put aside.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable {
    pub path: PathBuf,
    pub kept_at: Option<PathBuf>,
    pub reason: String,
}

impl std::fmt::Display for Unreadable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.kept_at {
            Some(aside) => write!(
                f,
                "draft {} could not be read ({}); kept as {}",
                self.path.display(),
                self.reason,
                aside.display()
            ),
            None => write!(
                f,
                "draft {} could not be read ({})",
                self.path.display(),
                self.reason
            ),
        }
    }
}

#[derive(Debug, Clone)]
pub struct DraftStore {
    dir: PathBuf,
}

impl DraftStore {
    pub fn new(dir: PathBuf) -> DraftStore {
        DraftStore { dir }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file of one draft: the site and the topic id reduced to safe characters.
    pub fn path_for(&self, site: &str, topic_id: &TopicId) -> PathBuf {
        let safe = |s: &str| -> String {
            s.chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
                .collect()
        };
        let site = safe(
            site.trim_start_matches("https://")
                .trim_start_matches("http://"),
        );
        self.dir
            .join(format!("{site}-{}.json", safe(topic_id.as_str())))
    }

    pub fn save(&self, draft: &Draft) -> std::io::Result<()> {
        files::private_dir(&self.dir)?;
        let path = self.path_for(&draft.site, &draft.topic_id);
        let body = serde_json::to_vec_pretty(draft).map_err(std::io::Error::other)?;
        files::write_private_atomic(&path, &body)
    }

    /// The draft of one topic: `Ok(None)` when there is none, `Err` when its file is unreadable
    /// (it is then moved aside so it is never lost or read again by mistake).
    pub fn load(&self, site: &str, topic_id: &TopicId) -> Result<Option<Draft>, Unreadable> {
        let path = self.path_for(site, topic_id);
        match std::fs::read(&path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Unreadable {
                path,
                kept_at: None,
                reason: e.to_string(),
            }),
            Ok(body) => match serde_json::from_slice::<Draft>(&body) {
                Ok(d) => Ok(Some(d)),
                Err(e) => Err(self.put_aside(&path, e.to_string())),
            },
        }
    }

    fn put_aside(&self, path: &Path, reason: String) -> Unreadable {
        let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S");
        let aside = path.with_extension(format!("json.corrupt-{stamp}"));
        let kept_at = std::fs::rename(path, &aside).ok().map(|_| aside);
        crate::logging::warn(&format!(
            "unreadable draft {} ({reason}); moved aside",
            path.display()
        ));
        Unreadable {
            path: path.to_path_buf(),
            kept_at,
            reason,
        }
    }

    pub fn delete(&self, site: &str, topic_id: &TopicId) -> std::io::Result<()> {
        match std::fs::remove_file(self.path_for(site, topic_id)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }

    /// Every saved draft for a site, newest first, and the files that could not be read.
    pub fn list(&self, site: &str) -> (Vec<Draft>, Vec<Unreadable>) {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return (Vec::new(), Vec::new());
        };
        let mut drafts = Vec::new();
        let mut problems = Vec::new();
        for path in entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
        {
            match std::fs::read(&path) {
                Ok(body) => match serde_json::from_slice::<Draft>(&body) {
                    Ok(d) if d.site == site => drafts.push(d),
                    Ok(_) => {}
                    Err(e) => problems.push(self.put_aside(&path, e.to_string())),
                },
                Err(e) => problems.push(Unreadable {
                    path,
                    kept_at: None,
                    reason: e.to_string(),
                }),
            }
        }
        drafts.sort_by(|a, b| b.saved_at.cmp(&a.saved_at));
        (drafts, problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(topic_id: u64, text: &str) -> Draft {
        Draft {
            site: "demo".into(),
            topic_id: TopicId::from(topic_id),
            topic_title: "Router drops Wi-Fi".into(),
            reply_to_post_number: None,
            text: text.into(),
            seen_post_number: 1,
            saved_at: chrono::Utc::now().to_rfc3339(),
            pending_send: None,
        }
    }

    #[test]
    fn save_load_list_delete() {
        let dir = tempfile::tempdir().unwrap();
        let store = DraftStore::new(dir.path().join("drafts"));
        store.save(&draft(4, "first words")).unwrap();
        store.save(&draft(4, "first words, then more")).unwrap();
        store.save(&draft(9, "another")).unwrap();
        let loaded = store.load("demo", &TopicId::from(4)).unwrap().unwrap();
        assert_eq!(loaded.text, "first words, then more");
        assert_eq!(store.list("demo").0.len(), 2);
        assert!(store.list("http://other").0.is_empty());
        store.delete("demo", &TopicId::from(4)).unwrap();
        assert!(store.load("demo", &TopicId::from(4)).unwrap().is_none());
        // Deleting twice is fine.
        store.delete("demo", &TopicId::from(4)).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn drafts_are_private_to_the_user() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let store = DraftStore::new(dir.path().join("drafts"));
        store.save(&draft(4, "unsent words")).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(store.dir()), 0o700);
        assert_eq!(mode(&store.path_for("demo", &TopicId::from(4))), 0o600);
    }

    #[test]
    fn a_corrupt_draft_is_reported_and_kept_aside() {
        let dir = tempfile::tempdir().unwrap();
        let store = DraftStore::new(dir.path().join("drafts"));
        store.save(&draft(4, "fine")).unwrap();
        let path = store.path_for("demo", &TopicId::from(7));
        std::fs::write(&path, b"{ not json").unwrap();
        let err = store.load("demo", &TopicId::from(7)).unwrap_err();
        let aside = err.kept_at.clone().expect("moved aside");
        assert!(aside.exists() && !path.exists());
        assert_eq!(std::fs::read(&aside).unwrap(), b"{ not json");
        assert!(err.to_string().contains("could not be read"), "{err}");
        std::fs::write(&path, b"[]").unwrap();
        let (drafts, problems) = store.list("demo");
        assert_eq!(drafts.len(), 1);
        assert_eq!(problems.len(), 1);
    }

    #[test]
    fn the_journal_hash_ignores_surrounding_space() {
        assert_eq!(text_hash("Try channel 6.\n"), text_hash("  Try channel 6."));
        assert_ne!(text_hash("Try channel 6."), text_hash("Try channel 11."));
    }
}
