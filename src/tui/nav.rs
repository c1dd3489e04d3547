//! The actions that move around the console rather than change the site: selection, panes,
//! views, overlays, links, the help, the palette and the message log. Each is a handler of
//! the action registry (`crate::actions`).

use crate::actions::Action;
use crate::domain::*;
use crate::text::sanitize_line;

use super::app::{App, Exit, Level, Pane};
use super::layout;
use super::msg::Effect;
use super::overlay::{help_lines, HelpState, Overlay, PickItem, PickNext, PickValue};
use super::views::step;

type Effects = Vec<Effect>;

fn none() -> Effects {
    Vec::new()
}

// ---- global ---------------------------------------------------------------------------------

pub fn quit(app: &mut App, _: Option<String>) -> Effects {
    if crate::actions::edit::ask_before_discarding(app, "quit") {
        return none();
    }
    let mut effects = crate::actions::reply::flush_draft(app);
    app.exit = Some(Exit::Quit);
    effects.push(Effect::Quit);
    effects
}

pub fn help(app: &mut App, _: Option<String>) -> Effects {
    app.overlay = Some(Overlay::Help(HelpState {
        mode: app.pane_mode(),
        scroll: 0,
        search: String::new(),
        searching: false,
    }));
    none()
}

pub fn palette(app: &mut App, _: Option<String>) -> Effects {
    app.overlay = Some(Overlay::Palette {
        input: String::new(),
        selected: 0,
    });
    none()
}

pub fn messages(app: &mut App, _: Option<String>) -> Effects {
    // Newest at the bottom, in sight.
    let scroll = app.messages.len().saturating_sub(1);
    app.overlay = Some(Overlay::Messages { scroll });
    none()
}

pub fn cancel(app: &mut App, _: Option<String>) -> Effects {
    if app.overlay.take().is_some() {
        return none();
    }
    if !app.pending_keys.is_empty() {
        app.pending_keys.clear();
        return none();
    }
    match app.focus {
        Pane::Composer => crate::actions::reply::close_composer(app, true),
        Pane::Profile => {
            if let Some(p) = app.profile.as_mut().filter(|p| p.full_screen) {
                p.full_screen = false;
            } else {
                app.focus = if app.thread.is_some() {
                    Pane::Thread
                } else {
                    Pane::Queue
                };
            }
            app.rerender_thread();
            none()
        }
        Pane::Thread => {
            app.focus = Pane::Queue;
            none()
        }
        Pane::Queue => {
            if !app.filter.is_empty() {
                app.set_filter(String::new());
            }
            none()
        }
    }
}

/// Enter in a dialog: run the palette entry, take the picker's choice, confirm.
pub fn confirm(app: &mut App, _: Option<String>) -> Effects {
    match app.overlay.take() {
        Some(Overlay::Palette { input, selected }) => {
            let typed = Action::parse(input.trim());
            let chosen = super::overlay::palette_matches(app, &input)
                .get(selected)
                .map(|(text, _, _)| text.clone());
            // An exact command typed in full wins over the fuzzy choice.
            let action = match (typed, chosen) {
                (Ok(a), _) => Ok(a),
                (Err(_), Some(text)) => Action::parse(&text),
                (Err(e), None) => Err(e),
            };
            match action {
                Ok(action) => action.run(app),
                Err(e) => {
                    app.set_status(e, Level::Error);
                    none()
                }
            }
        }
        Some(Overlay::Picker(picker)) if !picker.armed => {
            app.set_status("type to choose (or move with ↓), then Enter", Level::Info);
            app.overlay = Some(Overlay::Picker(picker));
            none()
        }
        Some(Overlay::Picker(picker)) => {
            let matches = picker.matches();
            match matches.get(picker.selected) {
                Some(item) if item.unavailable.is_some() => {
                    let why = item.unavailable.clone().unwrap_or_default();
                    app.set_status(format!("{}: {why}", item.label), Level::Info);
                    app.overlay = Some(Overlay::Picker(picker));
                    none()
                }
                Some(item) => {
                    let value = item.value.clone();
                    picker.next.picked(app, value)
                }
                None => {
                    app.set_status("nothing matches: type something else, or Esc", Level::Info);
                    app.overlay = Some(Overlay::Picker(picker));
                    none()
                }
            }
        }
        Some(Overlay::Prompt(prompt)) => prompt.next.answered(app, prompt.input),
        Some(Overlay::Confirm { next, .. }) => next.confirmed(app),
        // The stale-reply guard wants an explicit y, e or d.
        Some(stale @ Overlay::Stale { .. }) => {
            app.overlay = Some(stale);
            none()
        }
        Some(Overlay::Help(_) | Overlay::Messages { .. }) | None => none(),
    }
}

pub fn undo(app: &mut App, _: Option<String>) -> Effects {
    let now = std::time::Instant::now();
    match app.undo.take() {
        Some(undo) if undo.until > now => {
            let op = app.start_op(undo.write.pending());
            app.set_status(format!("undoing: {}", undo.label), Level::Info);
            vec![Effect::Write {
                op,
                write: undo.write,
            }]
        }
        _ => {
            app.set_status("nothing to undo", Level::Info);
            none()
        }
    }
}

pub fn theme(app: &mut App, name: Option<String>) -> Effects {
    let name = name.unwrap_or_default();
    match crate::config::Theme::builtin(&name) {
        Ok(theme) => {
            app.config.theme = theme;
            app.rerender_thread();
            app.set_status(format!("theme {name}"), Level::Info);
        }
        Err(e) => app.set_status(e.to_string(), Level::Error),
    }
    none()
}

// ---- moving ---------------------------------------------------------------------------------

fn page_size(app: &App) -> usize {
    let areas = app.areas();
    let rect = match app.focus {
        Pane::Thread => areas.thread,
        Pane::Profile => areas.profile,
        _ => areas.queue,
    };
    layout::inner_height(rect).saturating_sub(1).max(1)
}

/// Moves whatever has the selection: an overlay's list, the queue, the thread, the board.
fn move_by(app: &mut App, delta: isize) -> Effects {
    if app.overlay.is_some() {
        let help_len = match &app.overlay {
            Some(Overlay::Help(h)) => help_lines(app, h.mode, &h.search).len(),
            _ => 0,
        };
        let messages_len = app.messages.len();
        match app.overlay.as_mut() {
            Some(Overlay::Palette { selected, .. }) => {
                *selected = step(*selected, delta, usize::MAX / 2)
            }
            Some(Overlay::Picker(p)) => {
                // The first move of an unarmed picker chooses the first item.
                if p.armed {
                    p.selected = step(p.selected, delta, usize::MAX / 2);
                } else {
                    p.armed = true;
                    p.selected = 0;
                }
            }
            Some(Overlay::Help(h)) => h.scroll = step(h.scroll, delta, help_len),
            Some(Overlay::Messages { scroll }) => *scroll = step(*scroll, delta, messages_len),
            _ => {}
        }
        app.clamp_overlay_selection();
        return none();
    }
    match app.focus {
        Pane::Queue => app.move_queue(delta),
        Pane::Thread => {
            if let Some(thread) = app.thread.as_mut() {
                let len = thread.topic.as_ref().map_or(0, |t| t.posts.len());
                thread.selected = step(thread.selected, delta, len);
                thread.link_cursor = 0;
            }
            app.scroll_thread_into_view();
            none()
        }
        Pane::Profile => {
            if let Some(p) = app.profile.as_mut() {
                let len = p.board.timeline().len();
                p.selected = step(p.selected, delta, len);
            }
            none()
        }
        Pane::Composer => none(),
    }
}

pub fn move_down(app: &mut App, _: Option<String>) -> Effects {
    move_by(app, 1)
}

pub fn move_up(app: &mut App, _: Option<String>) -> Effects {
    move_by(app, -1)
}

pub fn page_down(app: &mut App, _: Option<String>) -> Effects {
    let n = page_size(app) as isize;
    move_by(app, n)
}

pub fn page_up(app: &mut App, _: Option<String>) -> Effects {
    let n = page_size(app) as isize;
    move_by(app, -n)
}

pub fn first(app: &mut App, _: Option<String>) -> Effects {
    move_by(app, isize::MIN / 2)
}

pub fn last(app: &mut App, _: Option<String>) -> Effects {
    move_by(app, isize::MAX / 2)
}

pub fn open(app: &mut App, _: Option<String>) -> Effects {
    if app.overlay.is_some() {
        return confirm(app, None);
    }
    match app.focus {
        Pane::Queue if app.review().is_some() => app.open_review_item(),
        Pane::Queue => {
            let Some(topic) = app.selected_topic() else {
                return none();
            };
            let (id, title) = (topic.id.clone(), topic.title.clone());
            let effects = app.open_thread(id, title);
            app.focus = Pane::Thread;
            app.rerender_thread();
            effects
        }
        Pane::Profile => {
            let target = app.profile.as_ref().and_then(|p| {
                p.board
                    .timeline()
                    .get(p.selected)
                    .and_then(|a| a.topic_id.clone().map(|id| (id, a.title.clone())))
            });
            match target {
                Some((id, title)) => {
                    if let Some(p) = app.profile.as_mut() {
                        p.full_screen = false;
                    }
                    let effects = app.open_thread(id, title);
                    app.focus = Pane::Thread;
                    app.rerender_thread();
                    effects
                }
                None => {
                    app.set_status("this item has no topic to open", Level::Info);
                    none()
                }
            }
        }
        Pane::Thread => crate::actions::reply::reply(app, None),
        Pane::Composer => none(),
    }
}

pub fn back(app: &mut App, _: Option<String>) -> Effects {
    app.focus = match app.focus {
        Pane::Composer | Pane::Profile if app.thread.is_some() => Pane::Thread,
        _ => Pane::Queue,
    };
    if let Some(p) = app.profile.as_mut() {
        p.full_screen = false;
    }
    app.rerender_thread();
    none()
}

fn cycle_focus(app: &mut App, step: isize) -> Effects {
    let mut panes = vec![Pane::Queue];
    if app.thread.is_some() && !app.layout.thread_hidden {
        panes.push(Pane::Thread);
    }
    if app.composer.is_some() {
        panes.push(Pane::Composer);
    }
    if app.profile.is_some() && !app.layout.profile_hidden {
        panes.push(Pane::Profile);
    }
    let pos = panes.iter().position(|p| *p == app.focus).unwrap_or(0) as isize;
    let next = (pos + step).rem_euclid(panes.len() as isize) as usize;
    app.focus = panes[next];
    app.rerender_thread();
    none()
}

pub fn next_pane(app: &mut App, _: Option<String>) -> Effects {
    cycle_focus(app, 1)
}

pub fn prev_pane(app: &mut App, _: Option<String>) -> Effects {
    cycle_focus(app, -1)
}

fn focus(app: &mut App, pane: Pane) -> Effects {
    let available = match pane {
        Pane::Queue => true,
        Pane::Thread => app.thread.is_some(),
        Pane::Profile => app.profile.is_some(),
        Pane::Composer => app.composer.is_some(),
    };
    if available {
        app.focus = pane;
        match pane {
            Pane::Thread => app.layout.thread_hidden = false,
            Pane::Profile => app.layout.profile_hidden = false,
            _ => {}
        }
        app.rerender_thread();
    }
    none()
}

pub fn focus_queue(app: &mut App, _: Option<String>) -> Effects {
    focus(app, Pane::Queue)
}

pub fn focus_thread(app: &mut App, _: Option<String>) -> Effects {
    focus(app, Pane::Thread)
}

pub fn focus_profile(app: &mut App, _: Option<String>) -> Effects {
    focus(app, Pane::Profile)
}

fn resize_panes(app: &mut App, grow: bool) -> Effects {
    // The focused pane grows: the queue's share moves against the right column.
    let queue_focused = app.focus == Pane::Queue;
    let delta: i16 = if grow == queue_focused { 5 } else { -5 };
    app.layout.queue_percent = (app.layout.queue_percent as i16 + delta).clamp(20, 80) as u16;
    app.rerender_thread();
    none()
}

pub fn grow_pane(app: &mut App, _: Option<String>) -> Effects {
    resize_panes(app, true)
}

pub fn shrink_pane(app: &mut App, _: Option<String>) -> Effects {
    resize_panes(app, false)
}

pub fn toggle_thread_pane(app: &mut App, _: Option<String>) -> Effects {
    app.layout.thread_hidden = !app.layout.thread_hidden;
    if app.layout.thread_hidden && app.focus == Pane::Thread {
        app.focus = Pane::Queue;
    }
    app.rerender_thread();
    none()
}

pub fn toggle_profile_pane(app: &mut App, _: Option<String>) -> Effects {
    app.layout.profile_hidden = !app.layout.profile_hidden;
    if app.layout.profile_hidden && app.focus == Pane::Profile {
        app.focus = Pane::Queue;
    }
    app.rerender_thread();
    none()
}

pub fn maximize_pane(app: &mut App, _: Option<String>) -> Effects {
    if app.focus == Pane::Profile {
        if let Some(p) = app.profile.as_mut() {
            p.full_screen = !p.full_screen;
        }
    } else {
        app.layout.maximized = !app.layout.maximized;
    }
    app.rerender_thread();
    none()
}

// ---- links ----------------------------------------------------------------------------------

/// Puts a link on the clipboard, cleaned first: whatever a server said goes through the
/// sanitizer, and only web and mail links are copied.
fn copy(app: &mut App, link: String, what: &str) -> Effects {
    let link = sanitize_line(&link);
    match app.site.resolve_link(&link) {
        Some(link) => {
            app.toast(format!("{what} {link}"), Level::Success);
            vec![Effect::Copy(link)]
        }
        None => {
            app.set_status(
                "that link is not a web or mail link; not copied",
                Level::Warning,
            );
            none()
        }
    }
}

pub fn copy_link(app: &mut App, _: Option<String>) -> Effects {
    let link = match app.focus {
        Pane::Profile => app
            .profile
            .as_ref()
            .map(|p| app.site.member_link(&p.board.username)),
        Pane::Thread | Pane::Composer => app.thread.as_ref().and_then(|t| {
            let topic = t.topic.as_ref()?;
            let post = topic.posts.get(t.selected)?;
            Some(app.site.post_link(&topic.summary, post))
        }),
        Pane::Queue => app.selected_topic().map(|t| app.site.topic_link(t)),
    };
    match link {
        Some(link) => copy(app, link, "copied"),
        None => none(),
    }
}

pub fn next_link(app: &mut App, _: Option<String>) -> Effects {
    let Some(thread) = app.thread.as_mut() else {
        return none();
    };
    let links = thread
        .rendered
        .post_links
        .get(thread.selected)
        .cloned()
        .unwrap_or_default();
    if links.is_empty() {
        app.set_status("this post has no links", Level::Info);
        return none();
    }
    let index = thread.link_cursor % links.len();
    thread.link_cursor = index + 1;
    let label = format!("link [{}] (copied)", index + 1);
    copy(app, links[index].clone(), &label)
}

pub fn open_topic(app: &mut App, arg: Option<String>) -> Effects {
    let id = arg
        .as_deref()
        .map(|a| a.trim().trim_start_matches('#'))
        .filter(|a| {
            !a.is_empty()
                && a.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_".contains(c))
        });
    match id {
        Some(id) => {
            let id = TopicId::new(id);
            let effects = app.open_thread(id.clone(), format!("topic {id}"));
            app.focus = Pane::Thread;
            app.rerender_thread();
            effects
        }
        None => {
            app.set_status("open_topic needs a topic id: :open_topic 123", Level::Info);
            none()
        }
    }
}

pub fn profile(app: &mut App, arg: Option<String>) -> Effects {
    match arg.filter(|a| !a.trim().is_empty()) {
        Some(username) => app.open_profile(username.trim().trim_start_matches('@'), false),
        None => {
            app.set_status("profile needs a username: :profile NAME", Level::Info);
            none()
        }
    }
}

/// The member the focused item is about: the selected post's author, else the topic's.
pub fn focused_username(app: &App) -> Option<String> {
    if let Some(list) = app.review().filter(|_| app.focus == Pane::Queue) {
        return list
            .selected_item()
            .and_then(|i| i.target_author.as_ref())
            .map(|a| a.username.clone());
    }
    match app.focus {
        Pane::Profile => app.profile.as_ref().map(|p| p.board.username.clone()),
        Pane::Thread | Pane::Composer => app
            .selected_post()
            .map(|p| p.author.username.clone())
            .or_else(|| app.selected_topic().and_then(|t| t.author.clone())),
        Pane::Queue => app.selected_topic().and_then(|t| t.author.clone()),
    }
}

pub fn open_profile(app: &mut App, _: Option<String>) -> Effects {
    match focused_username(app) {
        Some(username) => app.open_profile(&username, false),
        None => {
            app.set_status("select a post or topic first", Level::Info);
            none()
        }
    }
}

pub fn board_channel(app: &mut App, arg: Option<String>) -> Effects {
    let Some(p) = app.profile.as_mut() else {
        app.set_status("open a profile board first (p)", Level::Info);
        return none();
    };
    match arg.as_deref().map(str::trim) {
        Some("all") => p.board.channel_filter = None,
        Some(name) => match Channel::ALL.into_iter().find(|c| c.label() == name) {
            Some(c) => p.board.channel_filter = Some(c),
            None => {
                app.set_status(format!("no channel {name:?}"), Level::Error);
                return none();
            }
        },
        None => p.board.next_channel_filter(),
    }
    p.selected = 0;
    let filter = p.board.channel_filter;
    let username = p.board.username.clone();
    let label = filter.map_or("all channels", |c| c.label());
    app.set_status(format!("timeline: {label}"), Level::Info);
    // Chat is read channel by channel: only when it is asked for.
    if filter == Some(Channel::Chat) {
        return app.load_board_parts(&username, &[BoardPart::Chat]);
    }
    none()
}

pub fn board_load_all(app: &mut App, _: Option<String>) -> Effects {
    let Some(p) = app.profile.as_ref() else {
        app.set_status("open a profile board first (p)", Level::Info);
        return none();
    };
    let username = p.board.username.clone();
    let missing = p.board.on_demand_missing();
    if missing.is_empty() {
        app.set_status("everything on this board is loaded", Level::Info);
        return none();
    }
    app.load_board_parts(&username, &missing)
}

pub fn toggle_select(app: &mut App, _: Option<String>) -> Effects {
    let Some(post_id) = app.selected_post().map(|p| p.id.clone()) else {
        app.set_status("select a post in the thread to mark it", Level::Info);
        return none();
    };
    if let Some(thread) = app.thread.as_mut() {
        if !thread.marked.remove(&post_id) {
            thread.marked.insert(post_id);
        }
        let count = thread.marked.len();
        app.set_status(
            format!("{count} post(s) marked to move (m moves them)"),
            Level::Info,
        );
    }
    app.rerender_thread();
    move_by(app, 1)
}

/// Marks the selected post and every post after it (a tangent split off in one key).
pub fn select_below(app: &mut App, _: Option<String>) -> Effects {
    let Some(thread) = app.thread.as_mut() else {
        app.set_status("open a thread first", Level::Info);
        return none();
    };
    let Some(topic) = thread.topic.as_ref() else {
        return none();
    };
    let from = thread.selected;
    for post in topic.posts.iter().skip(from) {
        thread.marked.insert(post.id.clone());
    }
    let count = thread.marked.len();
    app.set_status(
        format!("{count} post(s) marked to move (m moves them)"),
        Level::Info,
    );
    app.rerender_thread();
    none()
}

// ---- views ----------------------------------------------------------------------------------

pub fn filter(app: &mut App, _: Option<String>) -> Effects {
    if app.review().is_some() {
        app.set_status(
            "the review queue is not filtered: it lists what waits, most urgent first",
            Level::Info,
        );
        return none();
    }
    app.focus = Pane::Queue;
    app.filter_active = true;
    none()
}

pub fn view(app: &mut App, name: Option<String>) -> Effects {
    let name = name.unwrap_or_default();
    let name = name.trim();
    let index = name
        .parse::<usize>()
        .ok()
        .and_then(|n| n.checked_sub(1))
        .filter(|i| *i < app.views.len())
        .or_else(|| {
            app.views
                .iter()
                .position(|v| v.name == name || v.name.replace('-', "_") == name)
        })
        .or_else(|| {
            // A partial name picks the best fuzzy match ("unsol" → unsolved).
            app.views
                .iter()
                .enumerate()
                .filter_map(|(i, v)| crate::actions::fuzzy_score(name, &v.name).map(|s| (s, i)))
                .max()
                .map(|(_, i)| i)
        })
        .filter(|_| !name.is_empty());
    match index {
        Some(index) => app.switch_view(index),
        None if name == crate::tui::review::REVIEW_TAB => {
            let why = app
                .site
                .features
                .review_queue
                .reason()
                .unwrap_or("there is no review view");
            app.set_status(format!("the review queue: {why}"), Level::Warning);
            none()
        }
        None => {
            let names: Vec<&str> = app.views.iter().map(|v| v.name.as_str()).collect();
            app.set_status(
                format!("no view {name:?}; views: {}", names.join(", ")),
                Level::Error,
            );
            none()
        }
    }
}

pub fn cycle_order(app: &mut App, _: Option<String>) -> Effects {
    if app.review().is_some() {
        app.set_status(
            "the review queue is in the server's order (most urgent first)",
            Level::Info,
        );
        return none();
    }
    app.cycle_order()
}

pub fn refresh(app: &mut App, _: Option<String>) -> Effects {
    app.refresh()
}

#[derive(Debug)]
struct DraftPick;

impl PickNext for DraftPick {
    fn picked(self: Box<Self>, app: &mut App, value: PickValue) -> Effects {
        let PickValue::Draft(topic_id) = value else {
            return none();
        };
        let title = match app.config.drafts.load(&app.draft_site, &topic_id) {
            Ok(Some(d)) => d.topic_title,
            _ => format!("topic {topic_id}"),
        };
        let mut effects = app.open_thread(topic_id, title);
        app.focus = Pane::Thread;
        effects.extend(crate::actions::reply::reply(app, None));
        effects
    }
}

pub fn drafts(app: &mut App, _: Option<String>) -> Effects {
    let (drafts, problems) = app.config.drafts.list(&app.draft_site);
    for p in &problems {
        app.set_status(p.to_string(), Level::Error);
    }
    if drafts.is_empty() {
        if problems.is_empty() {
            app.set_status("no drafts saved for this site", Level::Info);
        }
        return none();
    }
    let items = drafts
        .into_iter()
        .map(|d| {
            PickItem::new(
                format!("#{} {}", d.topic_id, sanitize_line(&d.topic_title)),
                sanitize_line(d.text.lines().next().unwrap_or(""))
                    .chars()
                    .take(60)
                    .collect::<String>(),
                PickValue::Draft(d.topic_id),
            )
        })
        .collect();
    app.open_picker("Drafts", items, Box::new(DraftPick));
    none()
}

impl App {
    pub(crate) fn open_picker(
        &mut self,
        title: &str,
        items: Vec<PickItem>,
        next: Box<dyn PickNext>,
    ) {
        self.overlay = Some(Overlay::Picker(super::overlay::Picker {
            title: title.to_string(),
            items,
            input: String::new(),
            selected: 0,
            armed: true,
            about: None,
            next,
        }));
    }
}
