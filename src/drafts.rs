//! Drafts are the user's work: saved as they change (write to a temporary file, then rename,
//! so a crash never leaves half a draft), per site and topic, kept when sending fails, and
//! removed only after the server accepted the reply.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::domain::TopicId;

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

    /// The file of one draft: the site reduced to safe characters, then the topic id.
    pub fn path_for(&self, site: &str, topic_id: TopicId) -> PathBuf {
        let site: String = site
            .trim_start_matches("https://")
            .trim_start_matches("http://")
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        self.dir.join(format!("{site}-{topic_id}.json"))
    }

    pub fn save(&self, draft: &Draft) -> std::io::Result<()> {
        std::fs::create_dir_all(&self.dir)?;
        let path = self.path_for(&draft.site, draft.topic_id);
        let tmp = path.with_extension("json.tmp");
        let body = serde_json::to_vec_pretty(draft).map_err(std::io::Error::other)?;
        std::fs::write(&tmp, body)?;
        std::fs::rename(&tmp, &path)
    }

    pub fn load(&self, site: &str, topic_id: TopicId) -> Option<Draft> {
        let body = std::fs::read(self.path_for(site, topic_id)).ok()?;
        serde_json::from_slice(&body).ok()
    }

    pub fn delete(&self, site: &str, topic_id: TopicId) -> std::io::Result<()> {
        match std::fs::remove_file(self.path_for(site, topic_id)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }

    /// Every saved draft for a site, newest first.
    pub fn list(&self, site: &str) -> Vec<Draft> {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return Vec::new();
        };
        let mut drafts: Vec<Draft> = entries
            .filter_map(Result::ok)
            .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
            .filter_map(|e| std::fs::read(e.path()).ok())
            .filter_map(|body| serde_json::from_slice::<Draft>(&body).ok())
            .filter(|d| d.site == site)
            .collect();
        drafts.sort_by(|a, b| b.saved_at.cmp(&a.saved_at));
        drafts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(topic_id: TopicId, text: &str) -> Draft {
        Draft {
            site: "http://127.0.0.1:9".into(),
            topic_id,
            topic_title: "Router drops Wi-Fi".into(),
            reply_to_post_number: None,
            text: text.into(),
            seen_post_number: 1,
            saved_at: chrono::Utc::now().to_rfc3339(),
        }
    }

    #[test]
    fn save_load_list_delete() {
        let dir = tempfile::tempdir().unwrap();
        let store = DraftStore::new(dir.path().join("drafts"));
        store.save(&draft(4, "first words")).unwrap();
        store.save(&draft(4, "first words, then more")).unwrap();
        store.save(&draft(9, "another")).unwrap();
        let loaded = store.load("http://127.0.0.1:9", 4).unwrap();
        assert_eq!(loaded.text, "first words, then more");
        assert_eq!(store.list("http://127.0.0.1:9").len(), 2);
        assert!(store.list("http://other").is_empty());
        store.delete("http://127.0.0.1:9", 4).unwrap();
        assert!(store.load("http://127.0.0.1:9", 4).is_none());
        // Deleting twice is fine.
        store.delete("http://127.0.0.1:9", 4).unwrap();
    }
}
