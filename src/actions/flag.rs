//! Flagging a post for the staff's attention. A flag puts the post in the review queue (or,
//! for "send the member a message", opens a private message), and this account cannot take it
//! back once staff have reviewed it, so it is confirmed. Some flag types need a message; that
//! is checked before anything is sent.

use async_trait::async_trait;
use serde::Serialize;

use super::write::{excerpt, Preview, Write};
use crate::backend::{Backend, BackendError, Result};
use crate::domain::*;
use crate::text::sanitize_line;

/// Flags one post with one flag type.
#[derive(Debug, Clone, Serialize)]
pub struct FlagPost {
    pub post_id: PostId,
    pub flag: FlagType,
    pub message: Option<String>,
    #[serde(skip)]
    pub post_number: u32,
    #[serde(skip)]
    pub author: String,
    #[serde(skip)]
    pub topic_title: String,
}

/// What the server accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Flagged {
    pub post_id: PostId,
    /// [`FlagType::name`].
    pub flag_type: String,
}

impl FlagPost {
    /// A flag on a post known only by id (the CLI).
    pub fn new(post_id: PostId, flag: FlagType, message: Option<String>) -> FlagPost {
        FlagPost {
            post_id,
            flag,
            message: message.filter(|m| !m.trim().is_empty()),
            post_number: 0,
            author: String::new(),
            topic_title: String::new(),
        }
    }

    /// A flag on a post the console shows, so the preview names it.
    pub fn on(post: &Post, topic_title: &str, flag: FlagType, message: Option<String>) -> FlagPost {
        FlagPost {
            post_number: post.post_number,
            author: post.author.username.clone(),
            topic_title: topic_title.to_string(),
            ..FlagPost::new(post.id.clone(), flag, message)
        }
    }

    /// Refuses what the server would refuse for certain: a type that needs a message, without.
    pub fn check(&self) -> Result<()> {
        if self.flag.needs_message && self.message.is_none() {
            return Err(BackendError::Refused(format!(
                "a flag of type {} needs a message saying why (--message TEXT)",
                sanitize_line(&self.flag.name)
            )));
        }
        Ok(())
    }
}

#[async_trait]
impl Write for FlagPost {
    type Answer = Flagged;

    fn kind(&self) -> &'static str {
        "flag_post"
    }

    fn target(&self) -> String {
        format!("post {} {}", self.post_id, self.flag.name)
    }

    fn preview(&self) -> Preview {
        let post = if self.post_number > 0 {
            format!("post #{}", self.post_number)
        } else {
            format!("post {}", self.post_id)
        };
        let by = if self.author.is_empty() {
            String::new()
        } else {
            format!(" by {}", sanitize_line(&self.author))
        };
        let topic = if self.topic_title.is_empty() {
            String::new()
        } else {
            format!(" in «{}»", excerpt(&self.topic_title, 60))
        };
        let effect = if self.flag.name == "notify_user" {
            "the author gets your message privately"
        } else {
            "it goes to the review queue for the staff to decide"
        };
        let mut lines = vec![format!(
            "Flag {post}{by}{topic} as «{}»: {effect}.",
            sanitize_line(&self.flag.label)
        )];
        match &self.message {
            Some(m) => lines.push(format!("Message: {}", excerpt(m, 80))),
            None if self.flag.needs_message => {
                lines.push("This flag type needs a message: none given.".into())
            }
            None => {}
        }
        Preview {
            title: "Flag post".into(),
            lines,
        }
    }

    async fn send(&self, backend: &dyn Backend) -> Result<Flagged> {
        let feature = &backend.site().features.flag;
        if !feature.is_available() {
            return Err(crate::backend::unsupported(feature));
        }
        self.check()?;
        backend
            .flag_post(&self.post_id, &self.flag, self.message.as_deref())
            .await?;
        Ok(Flagged {
            post_id: self.post_id.clone(),
            flag_type: self.flag.name.clone(),
        })
    }

    fn done(&self, _: &Flagged) -> String {
        format!(
            "flagged post {} as {}",
            self.post_id,
            sanitize_line(&self.flag.label)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flag(name: &str, needs_message: bool) -> FlagType {
        FlagType {
            id: "7".into(),
            name: name.into(),
            label: "Something Else".into(),
            description: None,
            needs_message,
        }
    }

    #[test]
    fn a_type_that_needs_a_message_is_refused_without_one() {
        let w = FlagPost::new(
            PostId::from(5),
            flag("notify_moderators", true),
            Some("  ".into()),
        );
        assert!(matches!(w.check(), Err(BackendError::Refused(_))));
        assert!(w.preview().lines[1].contains("needs a message"));
        let w = FlagPost::new(
            PostId::from(5),
            flag("notify_moderators", true),
            Some("spam bot".into()),
        );
        assert!(w.check().is_ok());
        let p = w.preview();
        assert_eq!(
            p.lines[0],
            "Flag post 5 as «Something Else»: it goes to the review queue for the staff to decide."
        );
        assert_eq!(p.lines[1], "Message: spam bot");
    }
}
