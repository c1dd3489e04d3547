//! Moving a topic to another category. The picker never offers the category the topic is in,
//! ranks by match and then by use, and the move runs at once with an undo (it is reversible:
//! moving it back).

use std::sync::Arc;

use async_trait::async_trait;
use serde::Serialize;

use super::write::{Lands, Preview, Write};
use crate::backend::{Backend, BackendError, Result};
use crate::domain::*;
use crate::text::sanitize_line;
use crate::tui::overlay::{PickItem, PickNext, PickValue};
use crate::tui::{App, Effect, Level, Pane, Undo, UNDO_FOR};

type Effects = Vec<Effect>;

#[derive(Debug, Clone, Serialize)]
pub struct MoveTopic {
    pub topic_id: TopicId,
    pub category_id: CategoryId,
    #[serde(skip)]
    pub topic_title: String,
    #[serde(skip)]
    pub category_name: String,
    /// Where it was: the undo moves it back there.
    #[serde(skip)]
    pub from: Option<(CategoryId, String)>,
}

/// Where the topic is now.
#[derive(Debug, Clone, Serialize)]
pub struct TopicMoved {
    pub topic_id: TopicId,
    pub category_id: CategoryId,
}

#[async_trait]
impl Write for MoveTopic {
    type Answer = TopicMoved;

    fn kind(&self) -> &'static str {
        "move_topic"
    }

    fn target(&self) -> String {
        format!("topic {} to category {}", self.topic_id, self.category_id)
    }

    fn preview(&self) -> Preview {
        let from = self
            .from
            .as_ref()
            .map(|(_, name)| format!(" from {}", sanitize_line(name)))
            .unwrap_or_default();
        Preview {
            title: "Move topic".into(),
            lines: vec![format!(
                "Move «{}»{from} to {}",
                sanitize_line(&self.topic_title),
                sanitize_line(&self.category_name)
            )],
        }
    }

    async fn send(&self, backend: &dyn Backend) -> Result<TopicMoved> {
        let feature = &backend.site().features.move_topics;
        if !feature.is_available() {
            return Err(crate::backend::unsupported(feature));
        }
        backend
            .move_topic(&self.topic_id, &self.category_id)
            .await?;
        Ok(TopicMoved {
            topic_id: self.topic_id.clone(),
            category_id: self.category_id.clone(),
        })
    }

    fn done(&self, _: &TopicMoved) -> String {
        format!(
            "moved topic {} to {}",
            self.topic_id,
            sanitize_line(&self.category_name)
        )
    }
}

impl Lands for MoveTopic {
    fn echoes(&self) -> Vec<TopicId> {
        vec![self.topic_id.clone()]
    }

    fn pending(&self) -> String {
        format!("moving topic #{}", self.topic_id)
    }

    fn landed(&self, app: &mut App, _: TopicMoved) -> Effects {
        let category = self.category_id.clone();
        app.change_topic(&self.topic_id, |t| {
            t.summary.category_id = Some(category.clone())
        });
        if let Some(mut summary) = app.topic_summary(&self.topic_id).cloned() {
            summary.category_id = Some(self.category_id.clone());
            app.place_everywhere(&summary);
        }
        app.recent_categories.retain(|c| *c != self.category_id);
        app.recent_categories.insert(0, self.category_id.clone());
        let label = format!("moved to {}", sanitize_line(&self.category_name));
        if let Some((from_id, from_name)) = &self.from {
            let undo_key = app
                .config
                .keymap
                .keys_for(crate::config::Mode::Global, "undo")
                .unwrap_or_else(|| ":undo".into());
            app.toast(format!("{label} · {undo_key} undoes"), Level::Success);
            app.undo = Some(Undo {
                label: label.clone(),
                until: std::time::Instant::now() + UNDO_FOR,
                write: Arc::new(MoveTopic {
                    topic_id: self.topic_id.clone(),
                    category_id: from_id.clone(),
                    topic_title: self.topic_title.clone(),
                    category_name: from_name.clone(),
                    from: Some((self.category_id.clone(), self.category_name.clone())),
                }),
            });
        } else {
            app.toast(label, Level::Success);
        }
        Vec::new()
    }

    fn failed(&self, app: &mut App, error: BackendError) -> Effects {
        app.set_status(
            format!("topic not moved: {}", App::describe_error(&error)),
            Level::Error,
        );
        Vec::new()
    }
}

#[derive(Debug)]
struct PickCategory {
    topic_id: TopicId,
    topic_title: String,
    from: Option<(CategoryId, String)>,
}

impl PickNext for PickCategory {
    fn picked(self: Box<Self>, app: &mut App, value: PickValue) -> Effects {
        let PickValue::Category(category_id) = value else {
            return Vec::new();
        };
        let write = MoveTopic {
            topic_id: self.topic_id,
            category_name: app.category_name(Some(&category_id)),
            category_id,
            topic_title: self.topic_title,
            from: self.from,
        };
        super::write::send(app, write)
    }
}

/// Category picker items, every category but `except`: recently used first, then by name.
pub fn category_items(app: &App, except: Option<&CategoryId>) -> Vec<PickItem> {
    let mut categories: Vec<&Category> = app
        .categories
        .values()
        .filter(|c| Some(&c.id) != except)
        .collect();
    let used = |c: &Category| {
        app.recent_categories
            .iter()
            .position(|r| *r == c.id)
            .unwrap_or(usize::MAX)
    };
    categories.sort_by(|a, b| used(a).cmp(&used(b)).then(a.name.cmp(&b.name)));
    categories
        .into_iter()
        .map(|c| {
            PickItem::new(
                sanitize_line(&c.name),
                sanitize_line(&c.slug),
                PickValue::Category(c.id.clone()),
            )
        })
        .collect()
}

pub fn start(app: &mut App, _: Option<String>) -> Effects {
    if let Some(why) = app.site.features.move_topics.reason() {
        app.set_status(format!("moving topics: {why}"), Level::Warning);
        return Vec::new();
    }
    if !app.capabilities().move_topics {
        app.set_status(
            "moving topics needs staff or leader rights on this site",
            Level::Warning,
        );
        return Vec::new();
    }
    let topic = match app.focus {
        Pane::Queue => app
            .selected_topic()
            .map(|t| (t.id.clone(), t.title.clone(), t.category_id.clone())),
        _ => app.thread.as_ref().and_then(|t| {
            t.topic.as_ref().map(|x| {
                (
                    x.summary.id.clone(),
                    x.summary.title.clone(),
                    x.summary.category_id.clone(),
                )
            })
        }),
    };
    let Some((topic_id, title, current)) = topic else {
        app.set_status("select a topic first", Level::Info);
        return Vec::new();
    };
    let items = category_items(app, current.as_ref());
    if items.is_empty() {
        app.set_status(
            "no other category to move to (categories not loaded?)",
            Level::Info,
        );
        return Vec::new();
    }
    let from = current.map(|id| {
        let name = app.category_name(Some(&id));
        (id, name)
    });
    app.open_picker(
        &format!("Move «{}» to category", sanitize_line(&title)),
        items,
        Box::new(PickCategory {
            topic_id,
            topic_title: title,
            from,
        }),
    );
    Vec::new()
}
