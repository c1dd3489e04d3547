//! Searching the community: `s` (or `:search words`) asks for the words, and the results open
//! as a queue view of their own (the last tab, "search"), with the same columns, clocks and
//! actions. Saved searches in config are views too. The `/` filter uses the same call when
//! the loaded topics do not hold enough.

use crate::backend::{Result, SearchQuery, SearchResults};
use crate::domain::PageToken;
use crate::text::sanitize_line;
use crate::tui::overlay::{Overlay, Prompt, PromptNext};
use crate::tui::views::{Loading, ViewTab};
use crate::tui::{App, Effect, Level};

type Effects = Vec<Effect>;

/// The name of the tab that holds the latest search.
pub const SEARCH_TAB: &str = "search";

/// The words and operators moderators use, as help for the prompt.
const SYNTAX: &str = "words, \"a phrase\", in:title, status:open|closed|solved|unsolved, \
                      category:slug, @user, #tag, before:/after:YYYY-MM-DD, order:latest";

#[derive(Debug)]
struct AskWords;

impl PromptNext for AskWords {
    fn answered(self: Box<Self>, app: &mut App, text: String) -> Effects {
        run(app, text)
    }
}

pub fn start(app: &mut App, words: Option<String>) -> Effects {
    if let Some(why) = app.site.features.search.reason() {
        app.set_status(format!("search: {why}"), Level::Warning);
        return Vec::new();
    }
    match words.filter(|w| !w.trim().is_empty()) {
        Some(words) => run(app, words),
        None => {
            app.overlay = Some(Overlay::Prompt(Prompt {
                title: "Search".into(),
                input: String::new(),
                hint: SYNTAX.into(),
                next: Box::new(AskWords),
            }));
            Vec::new()
        }
    }
}

/// Opens (or replaces) the search tab with the results of `words`.
fn run(app: &mut App, words: String) -> Effects {
    let words = words.trim().to_string();
    if words.is_empty() {
        app.set_status("nothing to search for", Level::Info);
        return Vec::new();
    }
    let query = SearchQuery {
        text: words.clone(),
        view: None,
        category: None,
        page: 1,
    };
    let tab = ViewTab::for_search(SEARCH_TAB, query);
    let index = match app.views.iter().position(|v| v.name == SEARCH_TAB) {
        Some(i) => {
            let generation = app.views[i].generation;
            app.views[i] = tab;
            app.views[i].generation = generation;
            i
        }
        None => {
            app.views.push(tab);
            app.views.len() - 1
        }
    };
    app.set_status(
        format!("searching for {}…", sanitize_line(&words)),
        Level::Info,
    );
    app.switch_view(index)
}

/// The effect that loads a search view's first (or next) page.
pub fn load(view: &mut ViewTab, index: usize, next: bool) -> Effects {
    let Some(mut query) = view.search.clone() else {
        return Vec::new();
    };
    query.page = 1;
    if next {
        match view
            .next
            .as_ref()
            .and_then(|t| t.as_str().parse::<u32>().ok())
        {
            Some(page) => query.page = page,
            None => return Vec::new(),
        }
    }
    view.loading = Some(if next { Loading::More } else { Loading::First });
    vec![Effect::Search {
        view: index,
        generation: view.generation,
        query,
    }]
}

pub fn on_results(
    app: &mut App,
    index: usize,
    generation: u64,
    result: Result<SearchResults>,
) -> Effects {
    let Some(view) = app.views.get_mut(index) else {
        return Vec::new();
    };
    if view.generation != generation {
        return Vec::new();
    }
    let first = view.loading == Some(Loading::First);
    view.loading = None;
    if first && index == app.active_view {
        app.refreshing = false;
    }
    match result {
        Ok(found) => {
            let page = if first {
                1
            } else {
                view.next
                    .as_ref()
                    .and_then(|t| t.as_str().parse::<u32>().ok())
                    .unwrap_or(1)
            };
            if first {
                view.clear();
            }
            let count = found.topics.len();
            let categories = &app.categories;
            let view = &mut app.views[index];
            view.append_page(found.topics, |t| {
                t.category_id
                    .as_ref()
                    .and_then(|id| categories.get(id))
                    .map(|c| c.name.clone())
                    .unwrap_or_default()
            });
            // Discourse pages its search results up to page 10.
            view.next = (found.more && page < 10).then(|| PageToken::from(u64::from(page + 1)));
            view.loaded = true;
            view.error = None;
            if first {
                let words = view
                    .search
                    .as_ref()
                    .map(|q| q.text.clone())
                    .unwrap_or_default();
                app.set_status(
                    format!("{count} topic(s) found for {}", sanitize_line(&words)),
                    Level::Info,
                );
            }
        }
        Err(e) => {
            view.error = Some(e.to_string());
            app.set_status(format!("search: {}", App::describe_error(&e)), Level::Error);
        }
    }
    Vec::new()
}
