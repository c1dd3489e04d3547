//! The queue's logic: loading views page by page as the selection nears the end, a refresh
//! that costs one request, live changes placed by id (a count never falls because of a
//! re-read), and the `/` filter that looks through what is loaded and then asks the server
//! once, never walking every page.

use std::time::{Duration, Instant};

use crate::backend::{Result, SearchQuery, SearchResults};
use crate::domain::*;

use super::app::{App, Level, Pane, RemoteFilter};
use super::msg::Effect;
use super::views::{Loading, Placed};

/// Topics left below the selection before the next page is fetched.
pub const PREFETCH_MARGIN: usize = 10;
/// The filter asks the server once typing has paused this long.
pub const FILTER_PAUSE: Duration = Duration::from_millis(400);
/// A bump of a topic read this recently is the same change (a new topic reaches the bus as
/// two messages, often in two polls).
const JUST_READ: Duration = Duration::from_secs(2);
/// Results asked of the server for the filter (one page).
const FILTER_RESULTS_PAGE: u32 = 1;

impl App {
    /// Whether a topic belongs in a view: the view's own rule and its category.
    pub fn view_admits(&self, index: usize, t: &TopicSummary) -> bool {
        let Some(view) = self.views.get(index) else {
            return false;
        };
        if view.review.is_some() {
            return false; // the review view lists review items, not topics
        }
        if !view.query.admits(t) {
            return false;
        }
        match view.query.category.as_deref() {
            None => true,
            Some(wanted) => t.category_id.as_ref().is_some_and(|id| {
                id.as_str() == wanted
                    || self
                        .categories
                        .get(id)
                        .is_some_and(|c| c.slug == wanted || c.name.eq_ignore_ascii_case(wanted))
            }),
        }
    }

    /// Loads the first page of a view (again).
    pub(super) fn reload_view(&mut self, index: usize, background: bool) -> Vec<Effect> {
        let Some(view) = self.views.get_mut(index) else {
            return Vec::new();
        };
        view.generation += 1;
        view.loading = Some(Loading::First);
        view.error = None;
        view.stale = false;
        if view.review.is_some() {
            return self.load_review(index, false);
        }
        if view.search.is_some() {
            return crate::actions::search::load(view, index, false);
        }
        let mut query = view.query.clone();
        query.page = None;
        vec![Effect::LoadTopics {
            view: index,
            query,
            generation: view.generation,
            background,
        }]
    }

    /// Loads the next page when the selection nears the end of what is loaded. With a filter
    /// the server is asked instead (see [`App::ask_server_for_filter`]).
    pub(super) fn maybe_load_more(&mut self) -> Vec<Effect> {
        if self.review().is_some() {
            return self.maybe_load_more_review();
        }
        if !self.filter.is_empty() {
            return Vec::new();
        }
        let rows = self.queue_rows();
        let index = self.active_view;
        let view = &mut self.views[index];
        // Near the end of what is loaded, or the pane not yet full: a page that fills the
        // screen earns its request; one nobody scrolls to does not.
        let wanted =
            view.selected + PREFETCH_MARGIN >= view.visible_len() || view.visible_len() < rows;
        if view.search.is_some() {
            if view.loading.is_none() && view.next.is_some() && wanted {
                return crate::actions::search::load(view, index, true);
            }
            return Vec::new();
        }
        match view.next.clone() {
            Some(next) if view.loading.is_none() && wanted => {
                view.loading = Some(Loading::More);
                let mut query = view.query.clone();
                query.page = Some(next);
                vec![Effect::LoadTopics {
                    view: index,
                    query,
                    generation: view.generation,
                    background: false,
                }]
            }
            _ => Vec::new(),
        }
    }

    pub(super) fn on_topics(
        &mut self,
        index: usize,
        generation: u64,
        first_page: bool,
        result: Result<TopicPage>,
    ) -> Vec<Effect> {
        if self
            .views
            .get(index)
            .is_none_or(|v| v.generation != generation)
        {
            return Vec::new();
        }
        if first_page && index == self.active_view {
            self.refreshing = false;
        }
        let categories = &self.categories;
        let name_of = |t: &TopicSummary| category_name_in(categories, t);
        let view = &mut self.views[index];
        view.loading = None;
        match result {
            Ok(page) => {
                let before = view.len();
                if first_page && view.loaded {
                    view.refresh_first_page(page.topics, page.next, name_of);
                } else {
                    let brought = page.topics.len();
                    view.append_page(page.topics, name_of);
                    // A page that brings nothing new cannot be followed further: a server
                    // whose paging loops must not make the console ask forever.
                    let progressed = view.len() > before || (first_page && brought > 0);
                    view.next = page.next.filter(|_| progressed || first_page);
                }
                view.loaded = true;
                view.error = None;
                let rows = self.queue_rows();
                self.views[index].scroll_into_view(rows);
                if index == self.active_view {
                    self.maybe_load_more()
                } else {
                    Vec::new()
                }
            }
            Err(e) => {
                view.error = Some(e.to_string());
                let name = view.name.clone();
                self.set_status(
                    format!("{name}: {}", Self::describe_error(&e)),
                    Level::Error,
                );
                Vec::new()
            }
        }
    }

    /// Places a changed topic in every loaded view. Returns the views it entered.
    pub fn place_everywhere(&mut self, topic: &TopicSummary) -> Vec<usize> {
        let mut entered = Vec::new();
        let category = self.category_name(topic.category_id.as_ref());
        for i in 0..self.views.len() {
            if !self.views[i].loaded {
                continue;
            }
            let admits = self.view_admits(i, topic);
            if self.views[i].place_topic(topic.clone(), admits, &category) == Placed::Entered {
                entered.push(i);
            }
        }
        let rows = self.queue_rows();
        self.view_mut().scroll_into_view(rows);
        entered
    }

    /// Takes a topic out of every view (deleted, or no longer visible to this account).
    pub fn remove_everywhere(&mut self, id: &TopicId) {
        for view in &mut self.views {
            view.remove(id);
        }
    }

    /// The topics a live feed named, as they are now.
    pub(super) fn on_topics_by_id(
        &mut self,
        asked: Vec<TopicId>,
        result: Result<Vec<TopicSummary>>,
    ) -> Vec<Effect> {
        let topics = match result {
            Ok(t) => t,
            Err(e) => {
                crate::logging::warn(&format!("live update of {} topic(s): {e}", asked.len()));
                return Vec::new();
            }
        };
        let now = Instant::now();
        self.just_read
            .retain(|_, at| now.duration_since(*at) < JUST_READ);
        for id in &asked {
            self.just_read.insert(id.clone(), now);
        }
        for id in asked
            .iter()
            .filter(|id| !topics.iter().any(|t| t.id == **id))
        {
            self.remove_everywhere(id);
        }
        let mut announced = Vec::new();
        for topic in topics {
            if let Some(thread) = self.thread.as_mut().filter(|t| t.topic_id == topic.id) {
                thread.title = topic.title.clone();
                if let Some(t) = thread.topic.as_mut() {
                    t.summary = topic.clone();
                }
            }
            if self.place_everywhere(&topic).contains(&self.active_view) {
                announced.push(topic.title.clone());
            }
        }
        // A topic that enters the view on screen is announced: oldest first, it may land
        // at the end, out of sight.
        if let Some(first) = announced.first() {
            let more = match announced.len() {
                1 => String::new(),
                n => format!(" and {} more", n - 1),
            };
            let title: String = first.chars().take(48).collect();
            let name = self.view().name.clone();
            self.toast(
                format!("+{} {name}: {title}{more}", announced.len()),
                Level::Info,
            );
        }
        Vec::new()
    }

    /// Changes on the site, from the live feed: the topics they name are read again in one
    /// request and placed in (or out of) every loaded view; the open thread reloads when
    /// something happened inside it.
    pub(super) fn on_live(&mut self, events: Vec<LiveEvent>) -> Vec<Effect> {
        let mut ids: Vec<TopicId> = Vec::new();
        let mut effects = Vec::new();
        // The post numbers the open thread holds: a "created" event for one of them is the
        // console's own write, already applied (a number it lacks is someone else's post,
        // even below the highest one).
        let held: Option<(TopicId, std::collections::HashSet<u32>)> =
            self.thread.as_ref().and_then(|t| {
                let numbers = t.topic.as_ref()?.posts.iter().map(|p| p.post_number);
                Some((t.topic_id.clone(), numbers.collect()))
            });
        let now = std::time::Instant::now();
        let events: Vec<LiveEvent> = events
            .into_iter()
            .filter_map(|e| {
                self.echoes.sort(e, now, |topic, n| {
                    held.as_ref()
                        .is_some_and(|(t, numbers)| t == topic && numbers.contains(&n))
                })
            })
            .collect();
        // A bump ("latest": a post somewhere, nothing else said) can bring a topic no view
        // holds into a view only if some loaded view lists answered topics; an unanswered view
        // takes a topic in only as new ("new_topic", which is read). So with only unanswered
        // views loaded, the bumps of topics they do not hold cost nothing, and a bump of a
        // topic read a moment ago (a new topic's two messages) is not read twice.
        let bump_can_enter = self.views.iter().any(|v| {
            v.loaded
                && v.review.is_none()
                && v.search.is_none()
                && v.query.view != QueueView::Unanswered
        });
        for event in events {
            match event {
                LiveEvent::TopicListChanged {
                    topic_id: Some(id),
                    reason,
                } if reason == "latest" => {
                    let loaded = self.views.iter().any(|v| v.contains(&id))
                        || self.thread.as_ref().is_some_and(|t| t.topic_id == id);
                    let just_read = self
                        .just_read
                        .get(&id)
                        .is_some_and(|at| now.duration_since(*at) < JUST_READ);
                    if (loaded || bump_can_enter) && !just_read {
                        ids.push(id);
                    }
                }
                LiveEvent::TopicListChanged { topic_id, .. } => ids.extend(topic_id),
                LiveEvent::TopicChanged { topic_id, .. } => {
                    if let Some(thread) = self.thread.as_mut().filter(|t| t.topic_id == topic_id) {
                        if !thread.loading {
                            thread.loading = true;
                            effects.push(Effect::LoadTopic {
                                id: topic_id.clone(),
                                background: true,
                            });
                        }
                    } else {
                        ids.push(topic_id);
                    }
                }
                LiveEvent::Replying {
                    topic_id,
                    usernames,
                } => {
                    if usernames.is_empty() {
                        self.replying.remove(&topic_id);
                    } else {
                        self.replying.insert(topic_id, usernames);
                    }
                }
            }
        }
        // The open thread's reload carries its summary: no need to ask for it twice.
        if let Some(open) = self.thread.as_ref().filter(|t| t.loading) {
            ids.retain(|id| *id != open.topic_id);
        }
        ids.sort();
        ids.dedup();
        if !ids.is_empty() {
            effects.push(Effect::LoadTopicsById(ids));
        }
        effects
    }

    /// `R`: refreshes what the focused pane shows, once: pressed again while the refresh is in
    /// flight it sends nothing. A view refresh is one request for its first page.
    pub(super) fn refresh(&mut self) -> Vec<Effect> {
        if self.focus == Pane::Composer {
            if let Some(effects) = crate::actions::reply::check_again(self) {
                return effects;
            }
        }
        if self.refreshing {
            self.set_status("already refreshing…", Level::Info);
            return Vec::new();
        }
        match self.focus {
            Pane::Thread | Pane::Composer => {
                if let Some(thread) = self.thread.as_mut() {
                    if thread.loading {
                        self.set_status("already refreshing…", Level::Info);
                        return Vec::new();
                    }
                    thread.loading = true;
                    let id = thread.topic_id.clone();
                    self.set_status("refreshing the thread…", Level::Info);
                    return vec![Effect::LoadTopic {
                        id,
                        background: false,
                    }];
                }
            }
            Pane::Profile => {
                if let Some(username) = self.profile.as_ref().map(|p| p.board.username.clone()) {
                    if self.profile.as_ref().is_some_and(|p| p.board.is_loading()) {
                        self.set_status("already refreshing…", Level::Info);
                        return Vec::new();
                    }
                    self.set_status("refreshing the board…", Level::Info);
                    return self.open_profile(&username, true);
                }
            }
            Pane::Queue => {}
        }
        self.refreshing = true;
        // The other views go stale: each refreshes when it is shown next.
        for (i, view) in self.views.iter_mut().enumerate() {
            if i != self.active_view && view.loaded {
                view.stale = true;
            }
        }
        self.set_status("refreshing…", Level::Info);
        self.reload_view(self.active_view, false)
    }

    /// Without a live feed, every so often: the view on screen, in the background.
    pub(super) fn refresh_views_quietly(&mut self) -> Vec<Effect> {
        for (i, view) in self.views.iter_mut().enumerate() {
            if i != self.active_view && view.loaded {
                view.stale = true;
            }
        }
        if self.view().loading.is_some() {
            return Vec::new();
        }
        self.reload_view(self.active_view, true)
    }

    pub(crate) fn switch_view(&mut self, index: usize) -> Vec<Effect> {
        self.active_view = index.min(self.views.len().saturating_sub(1));
        self.focus = Pane::Queue;
        let filter = self.filter.clone();
        self.views[self.active_view].set_filter(&filter);
        self.schedule_remote_filter();
        let view = self.view();
        if view.loading.is_some() {
            Vec::new()
        } else if !view.loaded || view.stale {
            self.reload_view(self.active_view, false)
        } else {
            Vec::new()
        }
    }

    /// `o`: the next sort order for the active view (asked of the server: the loaded topics
    /// are a prefix of the old order, not of the new one).
    pub(super) fn cycle_order(&mut self) -> Vec<Effect> {
        let view = self.view_mut();
        let i = TopicOrder::CYCLE
            .iter()
            .position(|o| *o == view.query.order)
            .map_or(0, |i| (i + 1) % TopicOrder::CYCLE.len());
        view.query.order = TopicOrder::CYCLE[i];
        view.clear();
        let label = view.query.order.label();
        self.set_status(format!("sorted by {label}"), Level::Info);
        self.reload_view(self.active_view, false)
    }

    /// The filter text changed: narrow the view, and schedule the server's half.
    pub fn set_filter(&mut self, text: String) {
        self.filter = text;
        let filter = self.filter.clone();
        let view = self.view_mut();
        view.set_filter(&filter);
        view.selected = 0;
        view.offset = 0;
        self.schedule_remote_filter();
    }

    fn schedule_remote_filter(&mut self) {
        let text = self.filter.trim().to_string();
        let needs_server = !text.is_empty()
            && self.view().next.is_some()
            && self.site.features.search.is_available();
        self.remote_filter = if needs_server {
            RemoteFilter::Due {
                text,
                at: Instant::now() + FILTER_PAUSE,
            }
        } else {
            RemoteFilter::Idle
        };
    }

    /// Once typing has paused: one search for the words, within the view.
    pub(super) fn ask_server_for_filter(&mut self, now: Instant) -> Vec<Effect> {
        let RemoteFilter::Due { text, at } = &self.remote_filter else {
            return Vec::new();
        };
        if *at > now {
            return Vec::new();
        }
        let text = text.clone();
        let view = self.view();
        let query = SearchQuery {
            text: text.clone(),
            view: Some(view.query.view.clone()),
            category: view.query.category.clone(),
            page: FILTER_RESULTS_PAGE,
        };
        self.remote_filter = RemoteFilter::Asking { text: text.clone() };
        vec![Effect::FilterSearch { text, query }]
    }

    pub(super) fn on_filter_found(&mut self, text: String, result: Result<SearchResults>) {
        if self.remote_filter != (RemoteFilter::Asking { text: text.clone() }) {
            return; // the filter changed meanwhile
        }
        match result {
            Ok(found) => {
                let index = self.active_view;
                let topics: Vec<TopicSummary> = found
                    .topics
                    .into_iter()
                    .filter(|t| self.view_admits(index, t))
                    .collect();
                let categories = &self.categories;
                let added = self.views[index]
                    .add_server_matches(topics.clone(), |t| category_name_in(categories, t));
                self.remote_filter = RemoteFilter::Found { text, topics };
                if added > 0 {
                    self.set_status(
                        format!("{added} more from the server (not loaded before)"),
                        Level::Info,
                    );
                }
            }
            Err(e) => {
                self.remote_filter = RemoteFilter::Failed {
                    text,
                    error: e.to_string(),
                };
                self.set_status(
                    format!("the server's search failed: {}", Self::describe_error(&e)),
                    Level::Warning,
                );
            }
        }
    }

    pub(super) fn rebuild_search_text(&mut self) {
        let categories = &self.categories;
        for view in &mut self.views {
            view.rebuild_search_text(|t| category_name_in(categories, t));
        }
    }

    /// Moves the queue's selection and loads more when it nears the end.
    pub(super) fn move_queue(&mut self, delta: isize) -> Vec<Effect> {
        if self.review().is_some() {
            return self.move_review(delta);
        }
        let rows = self.queue_rows();
        self.view_mut().move_selection(delta, rows);
        self.maybe_load_more()
    }
}

/// A topic's category name, for the filter's search text.
fn category_name_in(
    categories: &std::collections::HashMap<CategoryId, Category>,
    t: &TopicSummary,
) -> String {
    t.category_id
        .as_ref()
        .and_then(|id| categories.get(id))
        .map(|c| c.name.clone())
        .unwrap_or_default()
}
