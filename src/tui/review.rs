//! The review queue as a view of the queue pane (`5`, `:view review`): the items waiting for a
//! moderator (flagged posts, held posts, sign-ups), each with why it is there, marked with
//! `Space` and decided in bulk with one confirmation that counts what will happen. The flows
//! that decide are in `actions::review`; this is the list's state and how it loads.

use std::collections::BTreeSet;

use crate::backend::Result;
use crate::domain::*;

use super::app::{App, Level, Pane};
use super::msg::Effect;
use super::views::{step, Loading};

/// The review view's name (`:view review`).
pub const REVIEW_TAB: &str = "review";

/// Items left below the selection before the next page is fetched.
const PREFETCH_MARGIN: usize = 5;

/// The items of the review view, as loaded, in the server's order (most urgent first).
#[derive(Debug, Clone, Default)]
pub struct ReviewList {
    pub query: ReviewQuery,
    pub items: Vec<Reviewable>,
    /// Items marked with `Space` for a bulk action.
    pub marked: BTreeSet<ReviewId>,
    /// Where the next page starts, when the server has more.
    pub next: Option<PageToken>,
    /// How many items the queue holds, where the server says.
    pub total: Option<u64>,
    pub selected: usize,
    pub offset: usize,
    /// Items a decision is on its way for: not offered again until it lands.
    pub deciding: BTreeSet<ReviewId>,
}

impl ReviewList {
    pub fn selected_item(&self) -> Option<&Reviewable> {
        self.items.get(self.selected)
    }

    /// What a bulk action applies to: the marked items, else the selected one (never an
    /// item whose decision is on its way).
    pub fn targets(&self) -> Vec<Reviewable> {
        let free = |i: &&Reviewable| !self.deciding.contains(&i.id);
        if self.marked.is_empty() {
            return self
                .selected_item()
                .filter(free)
                .cloned()
                .into_iter()
                .collect();
        }
        self.items
            .iter()
            .filter(|i| self.marked.contains(&i.id))
            .filter(free)
            .cloned()
            .collect()
    }

    /// Adds a page, an item already listed keeping its place (pages shift as items close).
    fn append(&mut self, page: ReviewPage) -> usize {
        let before = self.items.len();
        for item in page.items {
            match self.items.iter_mut().find(|i| i.id == item.id) {
                Some(known) => *known = item,
                None => self.items.push(item),
            }
        }
        // A page that brought nothing new ends the paging (a server that repeats itself).
        self.next = if self.items.len() > before {
            page.next
        } else {
            None
        };
        self.total = page.total.or(self.total);
        self.items.len() - before
    }

    /// Takes decided items out of the list (and out of the marks).
    pub fn remove(&mut self, ids: &[ReviewId]) {
        let selected_id = self.selected_item().map(|i| i.id.clone());
        self.items.retain(|i| !ids.contains(&i.id));
        self.marked.retain(|m| !ids.contains(m));
        self.total = self.total.map(|t| {
            t.saturating_sub(ids.len() as u64)
                .max(self.items.len() as u64)
        });
        // The selection stays on its item, or on the one that took its place.
        if let Some(i) = selected_id.and_then(|id| self.items.iter().position(|i| i.id == id)) {
            self.selected = i;
        }
        self.clamp();
    }

    fn clamp(&mut self) {
        self.selected = self.selected.min(self.items.len().saturating_sub(1));
        self.offset = self.offset.min(self.selected);
    }

    pub fn move_selection(&mut self, delta: isize, rows: usize) {
        self.selected = step(self.selected, delta, self.items.len());
        let rows = rows.max(1);
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + rows {
            self.offset = self.selected + 1 - rows;
        }
    }

    /// Marks or unmarks the selected item; returns whether it is marked now.
    pub fn toggle_mark(&mut self) -> Option<bool> {
        let id = self.selected_item()?.id.clone();
        if self.marked.remove(&id) {
            Some(false)
        } else {
            self.marked.insert(id);
            Some(true)
        }
    }
}

impl App {
    /// The review list of the active view, when it is the review view.
    pub fn review(&self) -> Option<&ReviewList> {
        self.view().review.as_ref()
    }

    pub fn review_mut(&mut self) -> Option<&mut ReviewList> {
        self.view_mut().review.as_mut()
    }

    /// The connected site. What it lacks is not offered: a platform without a review queue
    /// has no review tab (`5` then says why).
    pub fn set_site(&mut self, site: SiteInfo) {
        if !site.features.review_queue.is_available() {
            let tab = self.views.iter().position(|v| v.review.is_some());
            if let Some(i) = tab.filter(|i| *i != self.active_view) {
                // Nothing has been asked for it yet (no load carries its index).
                if self.views[i].loading.is_none() {
                    self.views.remove(i);
                    if self.active_view > i {
                        self.active_view -= 1;
                    }
                }
            }
        }
        self.site = site;
    }

    /// Whether the queue pane shows the review queue.
    pub fn in_review(&self) -> bool {
        self.focus == Pane::Queue && self.review().is_some()
    }

    /// The effect that loads the review view's first page (again) or its next one.
    pub(super) fn load_review(&mut self, index: usize, next: bool) -> Vec<Effect> {
        if let Some(why) = self.site.features.review_queue.reason() {
            let why = format!("the review queue: {why}");
            if let Some(view) = self.views.get_mut(index) {
                view.error = Some(why.clone());
                view.loading = None;
            }
            self.refreshing = false;
            self.set_status(why, Level::Warning);
            return Vec::new();
        }
        let Some(view) = self.views.get_mut(index) else {
            return Vec::new();
        };
        let Some(list) = view.review.as_ref() else {
            return Vec::new();
        };
        let mut query = list.query.clone();
        query.page = None;
        if next {
            match list.next.clone() {
                Some(page) => query.page = Some(page),
                None => return Vec::new(),
            }
        }
        view.loading = Some(if next { Loading::More } else { Loading::First });
        vec![Effect::LoadReview {
            view: index,
            generation: view.generation,
            query,
        }]
    }

    pub(super) fn on_review_page(
        &mut self,
        index: usize,
        generation: u64,
        result: Result<ReviewPage>,
    ) -> Vec<Effect> {
        let Some(view) = self.views.get_mut(index) else {
            return Vec::new();
        };
        if view.generation != generation {
            return Vec::new();
        }
        let first = view.loading == Some(Loading::First);
        view.loading = None;
        if first && index == self.active_view {
            self.refreshing = false;
        }
        let Some(list) = view.review.as_mut() else {
            return Vec::new();
        };
        match result {
            Ok(page) => {
                if first {
                    // A reload replaces what was listed; marks stay on items still waiting.
                    let marked = std::mem::take(&mut list.marked);
                    let selected = list.selected_item().map(|i| i.id.clone());
                    list.items.clear();
                    list.append(page);
                    list.marked = marked
                        .into_iter()
                        .filter(|m| list.items.iter().any(|i| i.id == *m))
                        .collect();
                    // The selection stays on its item (an action acts on what is selected).
                    if let Some(i) =
                        selected.and_then(|id| list.items.iter().position(|i| i.id == id))
                    {
                        list.selected = i;
                    }
                    list.clamp();
                } else {
                    list.append(page);
                }
                view.loaded = true;
                view.error = None;
                if index == self.active_view {
                    return self.maybe_load_more_review();
                }
                Vec::new()
            }
            Err(e) => {
                view.error = Some(e.to_string());
                let message = format!("the review queue: {}", Self::describe_error(&e));
                self.set_status(message, Level::Error);
                Vec::new()
            }
        }
    }

    /// The next page when the selection nears the end of what is loaded, or the pane is not
    /// full yet.
    pub(super) fn maybe_load_more_review(&mut self) -> Vec<Effect> {
        let rows = self.review_rows();
        let index = self.active_view;
        let Some(view) = self.views.get(index) else {
            return Vec::new();
        };
        let Some(list) = view.review.as_ref() else {
            return Vec::new();
        };
        let wanted = list.selected + PREFETCH_MARGIN >= list.items.len() || list.items.len() < rows;
        if view.loading.is_none() && list.next.is_some() && wanted {
            return self.load_review(index, true);
        }
        Vec::new()
    }

    pub(crate) fn move_review(&mut self, delta: isize) -> Vec<Effect> {
        let rows = self.review_rows();
        if let Some(list) = self.review_mut() {
            list.move_selection(delta, rows);
        }
        self.maybe_load_more_review()
    }

    /// Rows of the review list on screen (the pane also shows the selected item's details).
    pub fn review_rows(&self) -> usize {
        super::view::review_list_rows(self.areas().queue).max(1)
    }

    /// `Enter` on a review item: its post in the thread pane, selected.
    pub(super) fn open_review_item(&mut self) -> Vec<Effect> {
        let Some(item) = self.review().and_then(|l| l.selected_item()).cloned() else {
            return Vec::new();
        };
        let Some(topic_id) = item.topic_id.clone() else {
            let what = if item.kind == ReviewKind::User {
                "a sign-up has no thread: its details are below the list"
            } else {
                "this item has no topic yet: its text is below the list"
            };
            self.set_status(what, Level::Info);
            return Vec::new();
        };
        if item.kind == ReviewKind::QueuedPost && item.post_id.is_none() {
            self.set_status(
                "a held post is not published: its text is below the list; the thread shows \
                 where it would go",
                Level::Info,
            );
        }
        let title = item.topic_title.clone().unwrap_or_default();
        let effects = self.open_thread(topic_id, title);
        if let Some(thread) = self.thread.as_mut() {
            thread.focus_post = item.post_id.clone();
            // Already loaded (the same topic): select the post now.
            let at = thread.topic.as_ref().and_then(|t| {
                item.post_id
                    .as_ref()
                    .and_then(|p| t.posts.iter().position(|x| x.id == *p))
            });
            if let Some(i) = at {
                thread.selected = i;
                thread.focus_post = None;
            }
        }
        self.focus = Pane::Thread;
        self.rerender_thread();
        effects
    }
}
