//! The queue's views: each tab's topics, and its index, the sorted and filtered positions of
//! those topics kept in state so that a key costs the same at a million topics as at a hundred.
//!
//! - `topics` is storage: a page appends to it, a live update changes a topic in place, a
//!   topic that leaves the view is taken out.
//! - `order` holds storage positions sorted by the view's order (the same order the server
//!   pages in, so an arriving page is usually a plain append).
//! - `visible` is `order` narrowed by the `/` filter; with no filter it is not kept at all.
//! - `hay` is each topic's lowercased search text, computed once per topic.
//!
//! Every list index here is checked: an empty view, one topic, and a million all work.

use std::collections::HashMap;

use crate::domain::*;

/// Where a topic sorts in a view: ascending keys are display order.
pub fn sort_key(view: &QueueView, order: TopicOrder, t: &TopicSummary) -> i64 {
    let ms = |ts: Timestamp| ts.timestamp_millis();
    let active = t.last_posted_at.unwrap_or(t.created_at);
    match order {
        TopicOrder::OldestFirst => match view {
            // The member's last post is the last activity: the oldest waits longest.
            QueueView::NeedsReply => ms(active),
            QueueView::Latest => -ms(active),
            QueueView::Unanswered | QueueView::Unsolved => ms(t.created_at),
        },
        TopicOrder::NewestFirst => -ms(t.created_at),
        TopicOrder::Activity => -ms(active),
        TopicOrder::Replies => -i64::from(t.posts_count),
        TopicOrder::Likes => -i64::from(t.like_count),
    }
}

/// What the filter looks through: title, author, category name, id.
fn haystack(t: &TopicSummary, category: &str) -> String {
    let mut hay = String::with_capacity(t.title.len() + 32);
    for part in [
        t.title.as_str(),
        t.author.as_deref().unwrap_or(""),
        category,
        t.id.as_str(),
    ] {
        for c in part.chars() {
            hay.extend(c.to_lowercase());
        }
        hay.push('\n');
    }
    hay
}

/// How a view is being loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Loading {
    /// The first page, or a refresh of it.
    First,
    /// The next page.
    More,
}

/// One tab of the queue: a built-in view or a saved one from config.
#[derive(Debug, Clone)]
pub struct ViewTab {
    pub name: String,
    pub query: QueueQuery,
    /// A search view lists what this search finds, in the server's order.
    pub search: Option<crate::backend::SearchQuery>,
    /// The review view lists review items instead of topics.
    pub review: Option<super::review::ReviewList>,
    topics: Vec<TopicSummary>,
    by_id: HashMap<TopicId, usize>,
    order: Vec<usize>,
    keys: Vec<i64>,
    hay: Vec<String>,
    needle: String,
    visible: Option<Vec<usize>>,
    /// The matches of each shorter needle of the current typing run, so Backspace restores
    /// them without a scan. Dropped when the topics change.
    narrower: Vec<(String, Vec<usize>)>,
    /// Topics the server found for the needle (by their body text, say) that the local
    /// search text does not hold: visible while the needle stays.
    server_matches: std::collections::HashSet<TopicId>,
    /// Where the next page starts, when the server has more.
    pub next: Option<PageToken>,
    pub loading: Option<Loading>,
    /// Shown at least once (a first page arrived).
    pub loaded: bool,
    /// Something changed while the tab was not on screen: refresh it when shown.
    pub stale: bool,
    pub error: Option<String>,
    /// Which load the next answer must belong to (older answers are dropped).
    pub generation: u64,
    /// The selected row, as a position in the visible list, and the first row shown.
    pub selected: usize,
    pub offset: usize,
}

impl ViewTab {
    pub fn new(name: &str, query: QueueQuery) -> ViewTab {
        ViewTab {
            name: name.to_string(),
            query,
            search: None,
            review: None,
            topics: Vec::new(),
            by_id: HashMap::new(),
            order: Vec::new(),
            keys: Vec::new(),
            hay: Vec::new(),
            needle: String::new(),
            visible: None,
            narrower: Vec::new(),
            server_matches: Default::default(),
            next: None,
            loading: None,
            loaded: false,
            stale: false,
            error: None,
            generation: 0,
            selected: 0,
            offset: 0,
        }
    }

    /// The review queue (its items are not topics: see `tui::review`).
    pub fn for_review(name: &str) -> ViewTab {
        let mut tab = ViewTab::new(name, QueueQuery::default());
        tab.review = Some(super::review::ReviewList::default());
        tab
    }

    /// A view of search results (kept in the server's order).
    pub fn for_search(name: &str, search: crate::backend::SearchQuery) -> ViewTab {
        let mut tab = ViewTab::new(
            name,
            QueueQuery {
                view: QueueView::Latest,
                ..QueueQuery::default()
            },
        );
        tab.search = Some(search);
        tab
    }

    fn key_of(&self, t: &TopicSummary) -> i64 {
        if self.search.is_some() {
            // The server's ranking: arrival order (a topic seen before keeps its place).
            return self
                .by_id
                .get(&t.id)
                .and_then(|p| self.keys.get(*p).copied())
                .unwrap_or(self.topics.len() as i64);
        }
        sort_key(&self.query.view, self.query.order, t)
    }

    /// How many topics the view holds (loaded so far).
    pub fn len(&self) -> usize {
        self.order.len()
    }

    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// How many topics pass the filter.
    pub fn visible_len(&self) -> usize {
        self.visible.as_ref().map_or(self.order.len(), Vec::len)
    }

    /// The `i`-th visible topic.
    pub fn visible_topic(&self, i: usize) -> Option<&TopicSummary> {
        let pos = match &self.visible {
            Some(v) => *v.get(i)?,
            None => *self.order.get(i)?,
        };
        self.topics.get(pos)
    }

    /// The visible topics from `start`, at most `count` of them (only what is on screen).
    pub fn visible_window(&self, start: usize, count: usize) -> Vec<&TopicSummary> {
        let positions = self.visible.as_deref().unwrap_or(&self.order);
        let start = start.min(positions.len());
        let end = start.saturating_add(count).min(positions.len());
        positions[start..end]
            .iter()
            .filter_map(|p| self.topics.get(*p))
            .collect()
    }

    pub fn selected_topic(&self) -> Option<&TopicSummary> {
        self.visible_topic(self.selected)
    }

    pub fn get(&self, id: &TopicId) -> Option<&TopicSummary> {
        self.by_id.get(id).and_then(|p| self.topics.get(*p))
    }

    pub fn contains(&self, id: &TopicId) -> bool {
        self.by_id.contains_key(id)
    }

    /// Every topic, in storage order.
    pub fn topics(&self) -> impl Iterator<Item = &TopicSummary> {
        self.topics.iter()
    }

    fn matches(&self, pos: usize) -> bool {
        self.needle.is_empty()
            || self.hay.get(pos).is_some_and(|h| h.contains(&self.needle))
            || self
                .topics
                .get(pos)
                .is_some_and(|t| self.server_matches.contains(&t.id))
    }

    /// The filter's text, lowercased.
    pub fn needle(&self) -> &str {
        &self.needle
    }

    /// Adds what the server found for the current needle: each topic joins the view (it is
    /// one of the view's, from pages not loaded yet, so it sorts after what is loaded) and
    /// shows while the needle stays. Returns how many were new.
    pub fn add_server_matches(
        &mut self,
        topics: Vec<TopicSummary>,
        category_name: impl Fn(&TopicSummary) -> String,
    ) -> usize {
        let selected_id = self.selected_topic().map(|t| t.id.clone());
        let mut added = 0;
        for t in topics {
            let id = t.id.clone();
            let category = category_name(&t);
            if self.upsert(t, &category) {
                added += 1;
            }
            if self.server_matches.insert(id.clone()) {
                // Already placed but not visible by its search text: show it now.
                if let (Some(&pos), Some(visible)) = (self.by_id.get(&id), self.visible.as_mut()) {
                    if !visible.contains(&pos) {
                        insert_sorted(visible, &self.keys, pos, self.keys[pos]);
                    }
                }
            }
        }
        self.keep_selection(selected_id.as_ref());
        added
    }

    fn place(&mut self, pos: usize) {
        let key = self.keys[pos];
        insert_sorted(&mut self.order, &self.keys, pos, key);
        if self.visible.is_some() && self.matches(pos) {
            if let Some(visible) = self.visible.as_mut() {
                insert_sorted(visible, &self.keys, pos, key);
            }
        }
    }

    fn unplace(&mut self, pos: usize) {
        let key = self.keys[pos];
        let remove = |list: &mut Vec<usize>, keys: &[i64]| {
            // Among the run of equal keys, find this position.
            let start = list.partition_point(|p| keys[*p] < key);
            if let Some(offset) = list[start..].iter().position(|p| *p == pos) {
                list.remove(start + offset);
            }
        };
        remove(&mut self.order, &self.keys);
        if let Some(visible) = self.visible.as_mut() {
            remove(visible, &self.keys);
        }
    }

    /// Appends or updates a topic. Returns whether it was new to the view.
    fn upsert(&mut self, topic: TopicSummary, category: &str) -> bool {
        self.narrower.clear();
        if let Some(&pos) = self.by_id.get(&topic.id) {
            let key = self.key_of(&topic);
            self.unplace(pos);
            self.hay[pos] = haystack(&topic, category);
            self.keys[pos] = key;
            self.topics[pos] = topic;
            self.place(pos);
            return false;
        }
        let pos = self.topics.len();
        self.by_id.insert(topic.id.clone(), pos);
        self.keys.push(self.key_of(&topic));
        self.hay.push(haystack(&topic, category));
        self.topics.push(topic);
        self.place(pos);
        true
    }

    /// Takes a topic out of the view. Returns it if it was there.
    pub fn remove(&mut self, id: &TopicId) -> Option<TopicSummary> {
        let selected_id = self.selected_topic().map(|t| t.id.clone());
        let pos = self.by_id.remove(id)?;
        self.narrower.clear();
        self.unplace(pos);
        // Keep storage dense: the last topic takes the freed slot.
        let last = self.topics.len() - 1;
        let removed = self.topics.swap_remove(pos);
        self.keys.swap_remove(pos);
        self.hay.swap_remove(pos);
        if pos != last {
            if let Some(moved) = self.topics.get(pos) {
                self.by_id.insert(moved.id.clone(), pos);
            }
            let renumber = |list: &mut Vec<usize>| {
                if let Some(p) = list.iter_mut().find(|p| **p == last) {
                    *p = pos;
                }
            };
            renumber(&mut self.order);
            if let Some(v) = self.visible.as_mut() {
                renumber(v);
            }
        }
        self.keep_selection(selected_id.as_ref());
        Some(removed)
    }

    /// Adds the topics of a page (dropping ones already here).
    pub fn append_page(
        &mut self,
        topics: Vec<TopicSummary>,
        category_name: impl Fn(&TopicSummary) -> String,
    ) {
        let selected_id = self.selected_topic().map(|t| t.id.clone());
        for t in topics {
            let category = category_name(&t);
            self.upsert(t, &category);
        }
        self.keep_selection(selected_id.as_ref());
    }

    /// Replaces the first page with a fresh one: topics it holds are updated or added, and
    /// topics that sorted within it before but are absent now have left the view. Topics
    /// beyond the page stay as they are, so a refresh never shortens what was loaded.
    pub fn refresh_first_page(
        &mut self,
        topics: Vec<TopicSummary>,
        next: Option<PageToken>,
        category_name: impl Fn(&TopicSummary) -> String,
    ) -> Vec<TopicId> {
        let selected_id = self.selected_topic().map(|t| t.id.clone());
        let gone: Vec<TopicId> = if let Some(last_key) = topics.iter().map(|t| self.key_of(t)).max()
        {
            let fresh: std::collections::HashSet<&TopicId> = topics.iter().map(|t| &t.id).collect();
            let whole = next.is_none();
            self.order
                .iter()
                .filter_map(|p| self.topics.get(*p))
                .filter(|t| !fresh.contains(&t.id) && (whole || self.key_of(t) <= last_key))
                .map(|t| t.id.clone())
                .collect()
        } else {
            self.topics.iter().map(|t| t.id.clone()).collect()
        };
        for id in &gone {
            self.remove(id);
        }
        if self.topics.is_empty() || !self.loaded {
            self.next = next;
        }
        for t in topics {
            let category = category_name(&t);
            self.upsert(t, &category);
        }
        self.keep_selection(selected_id.as_ref());
        gone
    }

    /// Places a changed topic: in the view if the view admits it, out if not. Returns whether
    /// it entered (it was not here before).
    pub fn place_topic(&mut self, topic: TopicSummary, admits: bool, category: &str) -> Placed {
        let selected_id = self.selected_topic().map(|t| t.id.clone());
        let placed = match (admits, self.contains(&topic.id)) {
            (true, had) => {
                self.upsert(topic, category);
                if had {
                    Placed::Updated
                } else {
                    Placed::Entered
                }
            }
            (false, true) => {
                self.remove(&topic.id);
                Placed::Left
            }
            (false, false) => Placed::Outside,
        };
        self.keep_selection(selected_id.as_ref());
        placed
    }

    /// Drops every topic (a new order or a changed query starts from the first page).
    pub fn clear(&mut self) {
        let needle = std::mem::take(&mut self.needle);
        *self = ViewTab {
            name: std::mem::take(&mut self.name),
            query: self.query.clone(),
            search: self.search.take(),
            generation: self.generation,
            ..ViewTab::new("", QueueQuery::default())
        };
        self.set_filter(&needle);
    }

    /// Narrows the visible topics to those whose search text holds `needle` (lowercased).
    /// A longer needle that extends the current one only looks through the current matches;
    /// a shorter one met on the way in (Backspace) gets its matches back without a scan.
    pub fn set_filter(&mut self, needle: &str) {
        let needle = needle.to_lowercase();
        if needle == self.needle {
            return;
        }
        let selected_id = self.selected_topic().map(|t| t.id.clone());
        if !needle.is_empty() && self.server_matches.is_empty() {
            if let Some(i) = self.narrower.iter().rposition(|(n, _)| *n == needle) {
                self.narrower.truncate(i + 1);
                let (_, visible) = self.narrower.pop().unwrap_or_default();
                self.visible = Some(visible);
                self.needle = needle;
                self.keep_selection(selected_id.as_ref());
                return;
            }
        }
        let narrowing = !self.needle.is_empty()
            && needle.starts_with(&self.needle)
            && self.server_matches.is_empty();
        self.server_matches.clear();
        if needle.is_empty() {
            self.visible = None;
            self.narrower.clear();
        } else {
            let from = match (&self.visible, narrowing) {
                (Some(v), true) => {
                    self.narrower.push((self.needle.clone(), v.clone()));
                    v
                }
                _ => {
                    self.narrower.clear();
                    &self.order
                }
            };
            // One searcher for the whole scan (SIMD where the CPU has it): a filter key
            // looks through every loaded topic's text once.
            let finder = memchr::memmem::Finder::new(needle.as_bytes());
            let hay = &self.hay;
            let found: Vec<usize> = from
                .iter()
                .copied()
                .filter(|p| {
                    hay.get(*p)
                        .is_some_and(|h| finder.find(h.as_bytes()).is_some())
                })
                .collect();
            self.visible = Some(found);
        }
        self.needle = needle;
        self.keep_selection(selected_id.as_ref());
    }

    /// Recomputes the search texts (category names arrived or changed).
    pub fn rebuild_search_text(&mut self, category_name: impl Fn(&TopicSummary) -> String) {
        self.hay = self
            .topics
            .iter()
            .map(|t| haystack(t, &category_name(t)))
            .collect();
        let needle = std::mem::take(&mut self.needle);
        self.visible = None;
        self.set_filter(&needle);
    }

    /// Keeps the same topic selected after the list changed, else clamps the selection.
    fn keep_selection(&mut self, id: Option<&TopicId>) {
        if let Some(id) = id {
            if self.selected_topic().map(|t| &t.id) != Some(id) {
                if let Some(i) = self.visible_position(id) {
                    self.selected = i;
                }
            }
        }
        self.clamp_selection();
    }

    /// The position of a topic in the visible list.
    pub fn visible_position(&self, id: &TopicId) -> Option<usize> {
        let pos = *self.by_id.get(id)?;
        let key = *self.keys.get(pos)?;
        let positions = self.visible.as_deref().unwrap_or(&self.order);
        let start = positions.partition_point(|p| self.keys[*p] < key);
        positions[start..]
            .iter()
            .take_while(|p| self.keys[**p] == key)
            .position(|p| *p == pos)
            .map(|i| start + i)
    }

    pub fn clamp_selection(&mut self) {
        let len = self.visible_len();
        if self.selected >= len {
            self.selected = len.saturating_sub(1);
        }
        if self.offset > self.selected {
            self.offset = self.selected;
        }
    }

    /// Moves the selection by `delta` rows (saturating) and keeps it on screen.
    pub fn move_selection(&mut self, delta: isize, rows: usize) {
        self.selected = step(self.selected, delta, self.visible_len());
        self.scroll_into_view(rows);
    }

    pub fn select(&mut self, index: usize, rows: usize) {
        self.selected = index.min(self.visible_len().saturating_sub(1));
        self.scroll_into_view(rows);
    }

    /// Makes the selected row one of the `rows` on screen.
    pub fn scroll_into_view(&mut self, rows: usize) {
        let rows = rows.max(1);
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + rows {
            self.offset = self.selected + 1 - rows;
        }
        let max_offset = self.visible_len().saturating_sub(rows);
        self.offset = self
            .offset
            .min(max_offset.max(self.selected.saturating_sub(rows - 1)));
    }
}

/// Inserts `pos` into a list sorted by `keys`, after equal keys (so arrival order holds). The
/// usual case, a page that arrives in the view's order, is an append.
fn insert_sorted(list: &mut Vec<usize>, keys: &[i64], pos: usize, key: i64) {
    let at = match list.last() {
        Some(last) if keys[*last] > key => list.partition_point(|p| keys[*p] <= key),
        _ => list.len(),
    };
    list.insert(at, pos);
}

/// What placing a changed topic did to a view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placed {
    Entered,
    Updated,
    Left,
    Outside,
}

/// Moves an index by `delta` within `0..len` (saturating at both ends).
pub fn step(current: usize, delta: isize, len: usize) -> usize {
    if len == 0 {
        return 0;
    }
    let last = isize::try_from(len - 1).unwrap_or(isize::MAX);
    let target = isize::try_from(current)
        .unwrap_or(isize::MAX)
        .saturating_add(delta);
    target.clamp(0, last) as usize
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone, Utc};

    fn topic(id: u64, minutes_ago: i64, title: &str) -> TopicSummary {
        let now = Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap();
        TopicSummary {
            id: TopicId::from(id),
            title: title.into(),
            slug: "t".into(),
            category_id: None,
            created_at: now - Duration::minutes(minutes_ago),
            last_posted_at: Some(now - Duration::minutes(minutes_ago)),
            author: Some(format!("member{id}")),
            last_poster: Some(format!("member{id}")),
            posts_count: 1,
            reply_count: 0,
            like_count: id as u32,
            views: 0,
            has_accepted_answer: false,
            closed: false,
            archived: false,
            pinned: false,
            tags: vec![],
        }
    }

    fn view() -> ViewTab {
        ViewTab::new("unanswered", QueueQuery::default())
    }

    #[test]
    fn backspace_restores_the_shorter_needles_matches_and_a_new_page_is_searched() {
        let mut v = view();
        v.append_page(
            vec![
                topic(1, 50, "Router drops"),
                topic(2, 40, "Roaming charge"),
                topic(3, 30, "Router reboots"),
                topic(4, 20, "Bill"),
            ],
            |_| String::new(),
        );
        let fresh = |needle: &str, v: &ViewTab| {
            let mut f = view();
            f.append_page(v.topics().cloned().collect(), |_| String::new());
            f.set_filter(needle);
            ids(&f)
        };
        v.set_filter("r");
        v.set_filter("ro");
        v.set_filter("rou");
        assert_eq!(ids(&v), ["1", "3"]);
        v.set_filter("ro");
        assert_eq!(ids(&v), fresh("ro", &v), "restored without a scan");
        v.set_filter("r");
        assert_eq!(ids(&v), fresh("r", &v));
        // A page arriving drops what was kept: the new topic is searched too.
        v.set_filter("ro");
        v.append_page(vec![topic(5, 10, "Roaming in Italy")], |_| String::new());
        v.set_filter("r");
        assert_eq!(ids(&v), fresh("r", &v));
        assert!(ids(&v).contains(&"5".to_string()));
        v.set_filter("");
        assert_eq!(ids(&v).len(), 5);
    }

    fn ids(v: &ViewTab) -> Vec<String> {
        v.visible_window(0, usize::MAX)
            .iter()
            .map(|t| t.id.to_string())
            .collect()
    }

    #[test]
    fn pages_append_in_order_and_live_topics_insert_in_place() {
        let mut v = view();
        v.append_page(vec![topic(1, 90, "a"), topic(2, 60, "b")], |_| {
            String::new()
        });
        v.append_page(vec![topic(3, 30, "c")], |_| String::new());
        assert_eq!(ids(&v), ["1", "2", "3"]);
        // A topic created 45 minutes ago sorts between 2 and 3.
        assert_eq!(v.place_topic(topic(4, 45, "d"), true, ""), Placed::Entered);
        assert_eq!(ids(&v), ["1", "2", "4", "3"]);
        // A duplicate on a later page is not added twice.
        v.append_page(vec![topic(4, 45, "d")], |_| String::new());
        assert_eq!(v.len(), 4);
        assert_eq!(v.place_topic(topic(2, 60, "b"), false, ""), Placed::Left);
        assert_eq!(ids(&v), ["1", "4", "3"]);
        assert_eq!(v.place_topic(topic(9, 5, "z"), false, ""), Placed::Outside);
    }

    #[test]
    fn the_filter_narrows_and_follows_changes() {
        let mut v = view();
        v.append_page(
            vec![
                topic(1, 90, "Router drops Wi-Fi"),
                topic(2, 60, "Bill shows roaming"),
                topic(3, 30, "Wi-Fi calling"),
            ],
            |_| String::new(),
        );
        v.set_filter("wi");
        assert_eq!(ids(&v), ["1", "3"]);
        v.set_filter("wi-fi c");
        assert_eq!(ids(&v), ["3"]);
        v.set_filter("WI");
        assert_eq!(ids(&v), ["1", "3"]);
        // Matching is on the author too.
        v.set_filter("member2");
        assert_eq!(ids(&v), ["2"]);
        v.set_filter("wi");
        v.place_topic(topic(4, 45, "More wi-fi"), true, "");
        v.place_topic(topic(5, 40, "Billing"), true, "");
        assert_eq!(ids(&v), ["1", "4", "3"]);
        v.set_filter("");
        assert_eq!(v.visible_len(), 5);
    }

    #[test]
    fn the_selection_stays_on_its_topic() {
        let mut v = view();
        v.append_page(
            vec![topic(1, 90, "a"), topic(2, 60, "b"), topic(3, 30, "c")],
            |_| String::new(),
        );
        v.select(1, 10);
        assert_eq!(
            v.selected_topic().map(|t| t.id.to_string()),
            Some("2".into())
        );
        v.place_topic(topic(4, 95, "older"), true, "");
        assert_eq!(
            v.selected_topic().map(|t| t.id.to_string()),
            Some("2".into())
        );
        v.remove(&TopicId::from(1));
        assert_eq!(
            v.selected_topic().map(|t| t.id.to_string()),
            Some("2".into())
        );
        v.remove(&TopicId::from(2));
        assert!(v.selected_topic().is_some(), "a neighbour is selected");
        for id in [3, 4] {
            v.remove(&TopicId::from(id));
        }
        assert!(v.is_empty());
        assert_eq!(v.selected, 0);
        assert!(v.selected_topic().is_none());
        v.move_selection(5, 10);
        v.move_selection(-5, 10);
        assert_eq!(v.selected, 0);
    }

    #[test]
    fn a_refresh_never_shortens_what_was_loaded() {
        let mut v = view();
        v.append_page(
            (1..=6)
                .map(|i| topic(i, 100 - i as i64 * 10, "t"))
                .collect(),
            |_| String::new(),
        );
        v.next = Some(PageToken::from(2));
        // The fresh first page: topic 2 was answered, a new old topic 7 appeared.
        let gone = v.refresh_first_page(
            vec![topic(7, 95, "t"), topic(1, 90, "t"), topic(3, 70, "t")],
            Some(PageToken::from(1)),
            |_| String::new(),
        );
        assert_eq!(gone, [TopicId::from(2)]);
        assert_eq!(ids(&v), ["7", "1", "3", "4", "5", "6"]);
    }

    #[test]
    fn orders_sort_by_their_key() {
        let mut q = QueueQuery {
            order: TopicOrder::Likes,
            ..QueueQuery::default()
        };
        q.view = QueueView::Unanswered;
        let mut v = ViewTab::new("likes", q);
        v.append_page(
            vec![topic(1, 10, "a"), topic(3, 20, "b"), topic(2, 30, "c")],
            |_| String::new(),
        );
        assert_eq!(ids(&v), ["3", "2", "1"]);
    }

    #[test]
    fn every_index_is_checked() {
        let mut v = view();
        assert!(v.visible_topic(0).is_none());
        assert!(v.visible_window(5, 10).is_empty());
        assert!(v.remove(&TopicId::from(1)).is_none());
        v.scroll_into_view(0);
        v.append_page(vec![topic(1, 1, "only")], |_| String::new());
        assert!(v.visible_window(1, 10).is_empty());
        assert_eq!(v.visible_window(0, usize::MAX).len(), 1);
        v.move_selection(isize::MAX, 3);
        assert_eq!(v.selected, 0);
        v.move_selection(isize::MIN, 3);
        assert_eq!(v.selected, 0);
        assert_eq!(step(0, 1, usize::MAX), 1);
    }

    #[test]
    fn a_huge_view_costs_a_key_like_a_small_one() {
        let mut v = view();
        let big: Vec<TopicSummary> = (0..100_000u64)
            .map(|i| topic(i, 200_000 - i as i64, "Router drops Wi-Fi"))
            .collect();
        v.append_page(big, |_| String::new());
        assert_eq!(v.len(), 100_000);
        v.select(99_999, 30);
        assert_eq!(v.offset, 99_999 + 1 - 30);
        v.set_filter("router");
        assert_eq!(v.visible_len(), 100_000);
        assert_eq!(
            v.selected_topic().map(|t| t.id.to_string()),
            Some("99999".into()),
            "the selection follows its topic through the filter"
        );
    }
}
