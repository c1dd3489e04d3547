//! The open thread's logic: opening, loading, rendering for the pane's width, keeping the
//! selected post on screen, and taking in a post this account just wrote.

use crate::backend::Result;
use crate::domain::*;

use super::app::{App, Level, RenderedThread, ThreadState};
use super::layout;
use super::msg::Effect;
use super::thread_render::render_thread;

impl App {
    pub(crate) fn open_thread(&mut self, id: TopicId, title: String) -> Vec<Effect> {
        let same = self.thread.as_ref().is_some_and(|t| t.topic_id == id);
        if !same {
            self.thread = Some(ThreadState {
                topic_id: id.clone(),
                title,
                topic: None,
                loading: true,
                error: None,
                selected: 0,
                scroll: 0,
                marked: Default::default(),
                rendered: RenderedThread::default(),
                link_cursor: 0,
                focus_post: None,
            });
        } else if let Some(thread) = self.thread.as_mut() {
            if thread.loading {
                self.layout.thread_hidden = false;
                return Vec::new();
            }
            thread.loading = true;
        }
        self.layout.thread_hidden = false;
        vec![Effect::LoadTopic {
            id,
            background: false,
        }]
    }

    pub(super) fn on_topic(&mut self, id: &TopicId, result: Result<Topic>) {
        let Some(thread) = self.thread.as_mut().filter(|t| t.topic_id == *id) else {
            return;
        };
        thread.loading = false;
        match result {
            Ok(topic) => {
                // Keep the same post selected across a reload.
                let selected_id = thread
                    .topic
                    .as_ref()
                    .and_then(|t| t.posts.get(thread.selected))
                    .map(|p| p.id.clone());
                thread.title = topic.summary.title.clone();
                // A post asked for (a review item's) wins over the selection kept.
                let selected_id = thread.focus_post.take().or(selected_id);
                if let Some(i) =
                    selected_id.and_then(|sid| topic.posts.iter().position(|p| p.id == sid))
                {
                    thread.selected = i;
                }
                let count = topic.posts.len();
                if thread.selected >= count {
                    thread.selected = count.saturating_sub(1);
                }
                thread
                    .marked
                    .retain(|m| topic.posts.iter().any(|p| p.id == *m));
                let summary = topic.summary.clone();
                // A composer opened before the thread loaded has now seen these posts.
                let highest = topic.posts.iter().map(|p| p.post_number).max().unwrap_or(1);
                if let Some(c) = self
                    .composer
                    .as_mut()
                    .filter(|c| c.topic_id == *id && c.seen_post_number == 0)
                {
                    c.seen_post_number = highest;
                }
                thread.topic = Some(topic);
                thread.error = None;
                self.rerender_thread();
                // What the thread says about the topic is the newest there is.
                self.place_everywhere(&summary);
            }
            Err(e) => {
                thread.error = Some(e.to_string());
                self.set_status(
                    format!("topic {id}: {}", Self::describe_error(&e)),
                    Level::Error,
                );
            }
        }
    }

    pub(crate) fn rerender_thread(&mut self) {
        let width = layout::inner_width(self.areas().thread).max(20);
        let styles = self.config.theme.post_styles();
        let theme = &self.config.theme;
        let site = &self.site;
        if let Some(thread) = self.thread.as_mut() {
            if let Some(topic) = &thread.topic {
                thread.rendered = render_thread(topic, width, theme, &styles, &thread.marked, site);
            }
        }
        self.scroll_thread_into_view();
    }

    pub(crate) fn scroll_thread_into_view(&mut self) {
        let height = layout::inner_height(self.areas().thread).max(1);
        let Some(thread) = self.thread.as_mut() else {
            return;
        };
        let Some(&start) = thread.rendered.post_starts.get(thread.selected) else {
            return;
        };
        let end = thread
            .rendered
            .post_starts
            .get(thread.selected + 1)
            .copied()
            .unwrap_or(thread.rendered.lines.len());
        if start < thread.scroll || end.saturating_sub(start) > height {
            thread.scroll = start;
        } else if end > thread.scroll + height {
            thread.scroll = end - height;
        }
    }

    /// A post this account wrote, from the server's answer: it joins the open thread (and is
    /// selected, so accepting it is one key), and the topic's summary changes everywhere.
    pub(crate) fn take_in_own_post(&mut self, post: Post) {
        let topic_id = post.topic_id.clone();
        let mut summary = self.topic_summary(&topic_id).cloned();
        if let Some(s) = summary.as_mut() {
            s.posts_count = s.posts_count.saturating_add(1).max(2);
            s.last_poster = Some(post.author.username.clone());
            s.last_posted_at = Some(post.created_at);
        }
        if let Some(thread) = self.thread.as_mut().filter(|t| t.topic_id == topic_id) {
            if let Some(topic) = thread.topic.as_mut() {
                if !topic.posts.iter().any(|p| p.id == post.id) {
                    topic.posts.push(post);
                }
                if let Some(s) = &summary {
                    topic.summary = s.clone();
                }
                thread.selected = topic.posts.len().saturating_sub(1);
            }
            self.rerender_thread();
        }
        if let Some(s) = summary {
            self.place_everywhere(&s);
        }
    }

    /// Changes the open thread's topic in place (and everywhere it is listed).
    pub(crate) fn change_topic(&mut self, topic_id: &TopicId, change: impl Fn(&mut Topic)) {
        let mut changed = None;
        if let Some(thread) = self.thread.as_mut().filter(|t| t.topic_id == *topic_id) {
            if let Some(topic) = thread.topic.as_mut() {
                change(topic);
                changed = Some(topic.summary.clone());
            }
        }
        if changed.is_some() {
            self.rerender_thread();
        }
        if let Some(summary) = changed {
            self.place_everywhere(&summary);
        }
    }
}
