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

// ---------------------------------------------------------------------------------------------
// The console: `!` on a post of the thread. The flag types are read once (one request, the
// first time), then a picker, a message where the type needs one, and the confirmation.

use super::write::Lands;
use crate::tui::overlay::{Overlay, PickItem, PickNext, PickValue, Prompt, PromptNext};
use crate::tui::{App, Effect, Level};

type Effects = Vec<Effect>;

pub fn start(app: &mut App, _: Option<String>) -> Effects {
    if let Some(why) = app.site.features.flag.reason() {
        app.set_status(format!("flagging: {why}"), Level::Warning);
        return Vec::new();
    }
    let Some(post) = app.selected_post().cloned() else {
        app.set_status("select a post in the thread to flag it", Level::Info);
        return Vec::new();
    };
    if post.author.username == app.me() {
        app.set_status("this is your own post: it cannot be flagged", Level::Info);
        return Vec::new();
    }
    match app.flag_types.clone() {
        Some(types) => pick(app, post, types),
        None => {
            app.flag_for = Some(post.id);
            app.set_status("loading the site's flag types…", Level::Info);
            vec![Effect::LoadFlagTypes]
        }
    }
}

/// The flag types arrived: the picker opens for the post `!` was pressed on, if it is still
/// the selected one.
pub fn on_types(app: &mut App, result: Result<Vec<FlagType>>) -> Effects {
    let wanted = app.flag_for.take();
    match result {
        Ok(types) => {
            app.flag_types = Some(types.clone());
            let post = app
                .selected_post()
                .filter(|p| Some(&p.id) == wanted.as_ref())
                .cloned();
            if let Some(post) = post {
                return pick(app, post, types);
            }
        }
        Err(e) => app.set_status(
            format!("flag types not loaded: {}", App::describe_error(&e)),
            Level::Error,
        ),
    }
    Vec::new()
}

fn pick(app: &mut App, post: Post, types: Vec<FlagType>) -> Effects {
    if types.is_empty() {
        app.set_status("this site offers no flag types for posts", Level::Info);
        return Vec::new();
    }
    let items = types
        .iter()
        .map(|t| {
            let detail = t
                .description
                .as_deref()
                .map(|d| excerpt(d, 60))
                .unwrap_or_else(|| sanitize_line(&t.name));
            // Discourse words one type with a template: "Send @{{username}} a message".
            let label = t.label.replace("{{username}}", &post.author.username);
            PickItem::new(
                sanitize_line(&label),
                detail,
                PickValue::FlagType(t.id.clone()),
            )
        })
        .collect();
    let topic_title = app
        .thread
        .as_ref()
        .map(|t| t.title.clone())
        .unwrap_or_default();
    app.open_picker(
        &format!(
            "Flag post #{} by {}",
            post.post_number,
            sanitize_line(&post.author.username)
        ),
        items,
        Box::new(PickFlag {
            post,
            topic_title,
            types,
        }),
    );
    Vec::new()
}

#[derive(Debug)]
struct PickFlag {
    post: Post,
    topic_title: String,
    types: Vec<FlagType>,
}

impl PickNext for PickFlag {
    fn picked(self: Box<Self>, app: &mut App, value: PickValue) -> Effects {
        let PickValue::FlagType(id) = value else {
            return Vec::new();
        };
        let Some(flag) = self.types.into_iter().find(|t| t.id == id) else {
            return Vec::new();
        };
        if flag.needs_message {
            app.overlay = Some(Overlay::Prompt(Prompt {
                title: format!("{}: a message for the staff", sanitize_line(&flag.label)),
                input: String::new(),
                hint: "this flag type needs a message".into(),
                next: Box::new(AskMessage {
                    post: self.post,
                    topic_title: self.topic_title,
                    flag,
                }),
            }));
            return Vec::new();
        }
        confirm(app, FlagPost::on(&self.post, &self.topic_title, flag, None))
    }
}

#[derive(Debug)]
struct AskMessage {
    post: Post,
    topic_title: String,
    flag: FlagType,
}

impl PromptNext for AskMessage {
    fn answered(self: Box<Self>, app: &mut App, text: String) -> Effects {
        let write = FlagPost::on(&self.post, &self.topic_title, self.flag, Some(text));
        confirm(app, write)
    }
}

fn confirm(app: &mut App, write: FlagPost) -> Effects {
    if let Err(e) = write.check() {
        app.set_status(App::describe_error(&e), Level::Warning);
        return Vec::new();
    }
    super::write::confirm(app, write);
    Vec::new()
}

impl Lands for FlagPost {
    fn pending(&self) -> String {
        format!("flagging post #{}", self.post_number)
    }

    fn landed(&self, app: &mut App, _: Flagged) -> Effects {
        // The flag made (or joined) a review item: the review view is out of date.
        for view in app.views.iter_mut().filter(|v| v.review.is_some()) {
            view.stale = true;
        }
        app.toast(
            format!(
                "flagged post #{} as {}: it waits in the review queue",
                self.post_number,
                sanitize_line(&self.flag.label)
            ),
            Level::Success,
        );
        Vec::new()
    }

    fn failed(&self, app: &mut App, error: BackendError) -> Effects {
        app.set_status(
            format!("post not flagged: {}", App::describe_error(&error)),
            Level::Error,
        );
        Vec::new()
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
