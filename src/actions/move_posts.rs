//! Moving posts to another topic or to a new one. In the target picker, typed text offers
//! "New topic: «typed title»" first (a new topic in the source topic's category); an existing
//! topic is picked by title or `#id`. One confirmation says exactly what moves where. The
//! posts leave the open thread from the answer itself, without reading the topic again.

use async_trait::async_trait;
use serde::Serialize;

use super::write::{Lands, Preview, Write};
use crate::backend::{Backend, BackendError, Result};
use crate::domain::*;
use crate::text::sanitize_line;
use crate::tui::overlay::{Overlay, PickItem, PickNext, PickValue, Prompt, PromptNext};
use crate::tui::{App, Effect, Level};

type Effects = Vec<Effect>;

#[derive(Debug, Clone, Serialize)]
pub struct MovePosts {
    pub topic_id: TopicId,
    pub posts: Vec<PostId>,
    pub to: MoveDestination,
    #[serde(skip)]
    pub post_numbers: Vec<u32>,
    #[serde(skip)]
    pub topic_title: String,
    /// The destination's title, or the new topic's category name.
    #[serde(skip)]
    pub destination: String,
}

#[async_trait]
impl Write for MovePosts {
    type Answer = MoveResult;

    fn kind(&self) -> &'static str {
        "move_posts"
    }

    fn target(&self) -> String {
        let ids: Vec<&str> = self.posts.iter().map(PostId::as_str).collect();
        format!("topic {} posts {}", self.topic_id, ids.join(","))
    }

    fn preview(&self) -> Preview {
        let numbers = if self.post_numbers.is_empty() {
            String::new()
        } else {
            let n: Vec<String> = self.post_numbers.iter().map(|n| format!("#{n}")).collect();
            format!(" ({})", n.join(", "))
        };
        let from = if self.topic_title.is_empty() {
            format!("topic {}", self.topic_id)
        } else {
            format!("«{}»", sanitize_line(&self.topic_title))
        };
        let to = match &self.to {
            MoveDestination::ExistingTopic(id) => format!(
                "to the existing topic #{id} «{}»",
                sanitize_line(&self.destination)
            ),
            MoveDestination::NewTopic { title, .. } => {
                let category = if self.destination.is_empty() {
                    String::new()
                } else {
                    format!(" in {}", sanitize_line(&self.destination))
                };
                format!("to a new topic «{}»{category}", sanitize_line(title))
            }
        };
        Preview {
            title: "Move posts".into(),
            lines: vec![
                format!("Move {} post(s){numbers} out of {from}", self.posts.len()),
                to,
            ],
        }
    }

    async fn send(&self, backend: &dyn Backend) -> Result<MoveResult> {
        let feature = &backend.site().features.move_posts;
        if !feature.is_available() {
            return Err(crate::backend::unsupported(feature));
        }
        if let MoveDestination::NewTopic { title, .. } = &self.to {
            let min = backend.site().min_title_chars;
            if title.trim().chars().count() < min {
                return Err(BackendError::Refused(format!(
                    "the new topic's title needs at least {min} characters"
                )));
            }
        }
        backend
            .move_posts(&self.topic_id, &self.posts, &self.to)
            .await
    }

    fn done(&self, answer: &MoveResult) -> String {
        format!(
            "moved {} post(s) to {}",
            self.posts.len(),
            sanitize_line(&answer.url)
        )
    }
}

impl Lands for MovePosts {
    fn echoes(&self) -> Vec<TopicId> {
        let mut topics = vec![self.topic_id.clone()];
        if let MoveDestination::ExistingTopic(to) = &self.to {
            topics.push(to.clone());
        }
        topics
    }

    fn creates_topic(&self) -> bool {
        matches!(self.to, MoveDestination::NewTopic { .. })
    }

    fn pending(&self) -> String {
        format!("moving {} post(s)", self.posts.len())
    }

    fn landed(&self, app: &mut App, moved: MoveResult) -> Effects {
        let gone = self.posts.clone();
        app.change_topic(&self.topic_id, |topic| {
            let before = topic.posts.len();
            topic.posts.retain(|p| !gone.contains(&p.id));
            let removed = (before - topic.posts.len()) as u32;
            topic.summary.posts_count = topic.summary.posts_count.saturating_sub(removed).max(1);
            if let Some(last) = topic.posts.last() {
                topic.summary.last_poster = Some(last.author.username.clone());
                topic.summary.last_posted_at = Some(last.created_at);
            }
        });
        if let Some(thread) = app.thread.as_mut().filter(|t| t.topic_id == self.topic_id) {
            thread.marked.clear();
            let len = thread.topic.as_ref().map_or(0, |t| t.posts.len());
            thread.selected = thread.selected.min(len.saturating_sub(1));
        }
        app.rerender_thread();
        if let Some(id) = &moved.topic_id {
            // The feed announces the topic this move made; the console has nothing to read.
            app.echoes.expect(id, std::time::Instant::now());
        }
        let target = match moved.topic_id {
            Some(id) => format!("topic #{id}"),
            None => sanitize_line(&moved.url),
        };
        app.toast(
            format!("{} post(s) moved to {target}", self.posts.len()),
            Level::Success,
        );
        Vec::new()
    }

    fn failed(&self, app: &mut App, error: BackendError) -> Effects {
        app.set_status(
            format!("posts not moved: {}", App::describe_error(&error)),
            Level::Error,
        );
        Vec::new()
    }
}

/// The posts to move and where they come from.
#[derive(Debug, Clone)]
struct Source {
    topic_id: TopicId,
    topic_title: String,
    category: Option<CategoryId>,
    posts: Vec<PostId>,
    numbers: Vec<u32>,
}

impl Source {
    fn into_write(self, to: MoveDestination, destination: String) -> MovePosts {
        MovePosts {
            topic_id: self.topic_id,
            posts: self.posts,
            to,
            post_numbers: self.numbers,
            topic_title: self.topic_title,
            destination,
        }
    }
}

#[derive(Debug)]
struct PickTarget(Source);

impl PickNext for PickTarget {
    fn typed_item(&self, input: &str) -> Option<PickItem> {
        let title = input.trim();
        // A typed `#123` or `123` names a topic; anything else is a new topic's title.
        let id = title.trim_start_matches('#');
        if !id.is_empty() && id.chars().all(|c| c.is_ascii_digit()) {
            return Some(PickItem::new(
                format!("Topic #{id}"),
                "the existing topic with this id",
                PickValue::Topic(TopicId::new(id)),
            ));
        }
        (!title.is_empty()).then(|| {
            PickItem::new(
                format!("New topic: «{title}»"),
                "a new topic with the marked posts",
                PickValue::NewTopic(title.to_string()),
            )
        })
    }

    fn picked(self: Box<Self>, app: &mut App, value: PickValue) -> Effects {
        match value {
            PickValue::NewTopic(title) => new_topic(app, self.0, title),
            PickValue::Topic(dest) => {
                let write = self.0.into_write(
                    MoveDestination::ExistingTopic(dest.clone()),
                    app.topic_title(&dest),
                );
                confirm(app, write);
                Vec::new()
            }
            _ => Vec::new(),
        }
    }
}

/// A new topic's title: checked against the site's minimum, asked again when too short.
fn new_topic(app: &mut App, source: Source, title: String) -> Effects {
    let min = app.site.min_title_chars;
    let title = title.trim().to_string();
    if title.chars().count() < min {
        app.overlay = Some(Overlay::Prompt(Prompt {
            title: "Title of the new topic".into(),
            hint: format!(
                "at least {min} characters ({} so far) · Enter to continue · Esc to cancel",
                title.chars().count()
            ),
            input: title,
            next: Box::new(AskTitle(source)),
        }));
        return Vec::new();
    }
    let category = source.category.clone();
    let category_name = app.category_name(category.as_ref());
    let write = source.into_write(
        MoveDestination::NewTopic {
            title,
            category_id: category,
        },
        category_name,
    );
    confirm(app, write);
    Vec::new()
}

#[derive(Debug)]
struct AskTitle(Source);

impl PromptNext for AskTitle {
    fn answered(self: Box<Self>, app: &mut App, text: String) -> Effects {
        new_topic(app, self.0, text)
    }
}

fn confirm(app: &mut App, write: MovePosts) {
    super::write::confirm(app, write);
}

fn may_move(app: &App) -> bool {
    let caps = app.capabilities();
    let server_says = app
        .thread
        .as_ref()
        .and_then(|t| t.topic.as_ref())
        .map(|t| t.rights.can_move_posts);
    server_says.unwrap_or(caps.move_posts) || caps.move_posts
}

pub fn start(app: &mut App, _: Option<String>) -> Effects {
    if let Some(why) = app.site.features.move_posts.reason() {
        app.set_status(format!("moving posts: {why}"), Level::Warning);
        return Vec::new();
    }
    if !may_move(app) {
        app.set_status(
            "moving posts needs staff or leader rights on this site",
            Level::Warning,
        );
        return Vec::new();
    }
    let Some(thread) = app.thread.as_ref() else {
        app.set_status("open a thread and mark posts with Space", Level::Info);
        return Vec::new();
    };
    let Some(topic) = thread.topic.as_ref() else {
        app.set_status("the thread is still loading", Level::Info);
        return Vec::new();
    };
    let mut chosen: Vec<&Post> = topic
        .posts
        .iter()
        .filter(|p| thread.marked.contains(&p.id))
        .collect();
    if chosen.is_empty() {
        match topic.posts.get(thread.selected) {
            Some(p) => chosen.push(p),
            None => return Vec::new(),
        }
    }
    let source = Source {
        topic_id: thread.topic_id.clone(),
        topic_title: thread.title.clone(),
        category: topic.summary.category_id.clone(),
        posts: chosen.iter().map(|p| p.id.clone()).collect(),
        numbers: chosen.iter().map(|p| p.post_number).collect(),
    };
    let mut items = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for view in &app.views {
        for t in view.topics() {
            if t.id != source.topic_id && seen.insert(t.id.clone()) {
                items.push(PickItem::new(
                    format!("#{} {}", t.id, sanitize_line(&t.title)),
                    sanitize_line(&app.category_name(t.category_id.as_ref())),
                    PickValue::Topic(t.id.clone()),
                ));
            }
            if items.len() >= 2000 {
                break;
            }
        }
    }
    let count = source.posts.len();
    app.open_picker(
        &format!("Move {count} post(s) to… (type a new title, or a topic's title or #id)"),
        items,
        Box::new(PickTarget(source)),
    );
    Vec::new()
}
