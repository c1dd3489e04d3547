//! What each named action does. Keys, the palette and tests all arrive here as a `Command`.

use crate::config::{fuzzy_score, Command, ACTIONS};
use crate::domain::TopicId;

use super::app::*;
use super::msg::Effect;

impl App {
    pub fn exec(&mut self, command: Command) -> Vec<Effect> {
        self.dirty = true;
        let arg = command.arg.clone();
        match command.name {
            "quit" => {
                self.save_draft();
                self.quit = true;
                vec![Effect::Quit]
            }
            "help" => {
                let mode = match self.focus {
                    Pane::Queue => crate::config::Mode::Queue,
                    Pane::Thread => crate::config::Mode::Thread,
                    Pane::Profile => crate::config::Mode::Profile,
                    Pane::Composer => crate::config::Mode::Composer,
                };
                self.overlay = Some(Overlay::Help { mode, scroll: 0 });
                Vec::new()
            }
            "palette" => {
                self.overlay = Some(Overlay::Palette {
                    input: String::new(),
                    selected: 0,
                });
                Vec::new()
            }
            "cancel" => self.cancel(),
            "confirm" => self.confirm(),
            "move_down" => self.move_by(1),
            "move_up" => self.move_by(-1),
            "page_down" => self.move_by(self.page_size() as isize),
            "page_up" => self.move_by(-(self.page_size() as isize)),
            "first" => self.move_by(isize::MIN / 2),
            "last" => self.move_by(isize::MAX / 2),
            "open" => self.open(),
            "back" => {
                self.focus = match self.focus {
                    Pane::Composer | Pane::Profile if self.thread.is_some() => Pane::Thread,
                    _ => Pane::Queue,
                };
                if let Some(p) = self.profile.as_mut() {
                    p.full_screen = false;
                }
                Vec::new()
            }
            "next_pane" => {
                self.cycle_focus(1);
                Vec::new()
            }
            "prev_pane" => {
                self.cycle_focus(-1);
                Vec::new()
            }
            "focus_queue" => self.focus_pane(Pane::Queue),
            "focus_thread" => self.focus_pane(Pane::Thread),
            "focus_profile" => self.focus_pane(Pane::Profile),
            "grow_pane" | "shrink_pane" => {
                // The focused pane grows: the queue's share moves against the right column.
                let grow = command.name == "grow_pane";
                let queue_focused = self.focus == Pane::Queue;
                let delta: i16 = if grow == queue_focused { 5 } else { -5 };
                self.layout.queue_percent =
                    (self.layout.queue_percent as i16 + delta).clamp(20, 80) as u16;
                self.rerender_thread();
                Vec::new()
            }
            "toggle_thread_pane" => {
                self.layout.thread_hidden = !self.layout.thread_hidden;
                if self.layout.thread_hidden && self.focus == Pane::Thread {
                    self.focus = Pane::Queue;
                }
                self.rerender_thread();
                Vec::new()
            }
            "toggle_profile_pane" => {
                self.layout.profile_hidden = !self.layout.profile_hidden;
                if self.layout.profile_hidden && self.focus == Pane::Profile {
                    self.focus = Pane::Queue;
                }
                self.rerender_thread();
                Vec::new()
            }
            "maximize_pane" => {
                if self.focus == Pane::Profile {
                    if let Some(p) = self.profile.as_mut() {
                        p.full_screen = !p.full_screen;
                    }
                } else {
                    self.layout.maximized = !self.layout.maximized;
                }
                self.rerender_thread();
                Vec::new()
            }
            "filter" => {
                self.focus = Pane::Queue;
                self.filter_active = true;
                Vec::new()
            }
            "view" => self.switch_view(arg.as_deref().unwrap_or("")),
            "refresh" => self.refresh(),
            "reply" => self.open_composer(false),
            "quote_reply" => self.open_composer(true),
            "send_reply" => self.ask_send_reply(),
            "open_in_editor" => match self.composer.as_ref() {
                Some(c) if c.sending.is_none() => vec![Effect::Editor(c.text())],
                _ => {
                    self.set_status("open the composer first (r)", Level::Info);
                    Vec::new()
                }
            },
            "accept_solution" => self.ask_solution(true),
            "unaccept_solution" => self.ask_solution(false),
            "move_topic" => self.ask_move_topic(),
            "move_posts" => self.ask_move_posts(),
            "toggle_select" => {
                self.toggle_mark();
                Vec::new()
            }
            "award_badge" => self.ask_award_badge(),
            "open_profile" => match self.focused_username() {
                Some(username) => self.open_profile(&username, false),
                None => {
                    self.set_status("select a post or topic first", Level::Info);
                    Vec::new()
                }
            },
            "profile" => match arg.filter(|a| !a.trim().is_empty()) {
                Some(username) => self.open_profile(username.trim().trim_start_matches('@'), false),
                None => {
                    self.set_status("profile needs a username: :profile NAME", Level::Info);
                    Vec::new()
                }
            },
            "open_topic" => {
                match arg
                    .as_deref()
                    .map(|a| a.trim().trim_start_matches('#').parse::<TopicId>())
                {
                    Some(Ok(id)) => {
                        let effects = self.open_thread(id, format!("topic {id}"));
                        self.focus = Pane::Thread;
                        self.rerender_thread();
                        effects
                    }
                    _ => {
                        self.set_status(
                            "open_topic needs a topic id: :open_topic 123",
                            Level::Info,
                        );
                        Vec::new()
                    }
                }
            }
            "copy_link" => self.copy_link(),
            "next_link" => self.next_link(),
            "drafts" => self.show_drafts(),
            "board_channel" => {
                if let Some(p) = self.profile.as_mut() {
                    p.board.next_channel_filter();
                    p.selected = 0;
                    let label = p.board.channel_filter.map_or("all channels", |c| c.label());
                    self.set_status(format!("timeline: {label}"), Level::Info);
                }
                Vec::new()
            }
            "theme" => {
                let name = arg.unwrap_or_default();
                match crate::config::Theme::builtin(&name) {
                    Ok(theme) => {
                        self.config.theme = theme;
                        self.rerender_thread();
                        self.set_status(format!("theme {name}"), Level::Info);
                    }
                    Err(e) => self.set_status(e.to_string(), Level::Error),
                }
                Vec::new()
            }
            other => {
                self.set_status(format!("{other} is not available here"), Level::Info);
                Vec::new()
            }
        }
    }

    fn page_size(&self) -> usize {
        let areas = self.areas();
        let rect = match self.focus {
            Pane::Thread => areas.thread,
            Pane::Profile => areas.profile,
            _ => areas.queue,
        };
        super::layout::inner_height(rect).saturating_sub(1).max(1)
    }

    fn focus_pane(&mut self, pane: Pane) -> Vec<Effect> {
        let available = match pane {
            Pane::Queue => true,
            Pane::Thread => self.thread.is_some(),
            Pane::Profile => self.profile.is_some(),
            Pane::Composer => self.composer.is_some(),
        };
        if available {
            self.focus = pane;
            match pane {
                Pane::Thread => self.layout.thread_hidden = false,
                Pane::Profile => self.layout.profile_hidden = false,
                _ => {}
            }
            self.rerender_thread();
        }
        Vec::new()
    }

    fn cycle_focus(&mut self, step: isize) {
        let mut panes = vec![Pane::Queue];
        if self.thread.is_some() && !self.layout.thread_hidden {
            panes.push(Pane::Thread);
        }
        if self.composer.is_some() {
            panes.push(Pane::Composer);
        }
        if self.profile.is_some() && !self.layout.profile_hidden {
            panes.push(Pane::Profile);
        }
        let pos = panes.iter().position(|p| *p == self.focus).unwrap_or(0) as isize;
        let next = (pos + step).rem_euclid(panes.len() as isize) as usize;
        self.focus = panes[next];
        self.rerender_thread();
    }

    fn move_by(&mut self, delta: isize) -> Vec<Effect> {
        if let Some(overlay) = self.overlay.as_mut() {
            match overlay {
                // Clamped to the real list length just below.
                Overlay::Palette { selected, .. } | Overlay::Picker { selected, .. } => {
                    *selected = step(*selected, delta, usize::MAX / 2);
                }
                Overlay::Help { scroll, .. } => *scroll = step(*scroll, delta, 10_000),
                _ => {}
            }
            self.clamp_overlay_selection();
            return Vec::new();
        }
        match self.focus {
            Pane::Queue => {
                let len = self.visible_topics().len();
                self.selected = step(self.selected, delta, len);
                self.scroll_queue_into_view();
                self.maybe_load_more()
            }
            Pane::Thread => {
                if let Some(thread) = self.thread.as_mut() {
                    let len = thread.topic.as_ref().map_or(0, |t| t.posts.len());
                    thread.selected = step(thread.selected, delta, len);
                    thread.link_cursor = 0;
                }
                self.scroll_thread_into_view();
                Vec::new()
            }
            Pane::Profile => {
                if let Some(p) = self.profile.as_mut() {
                    let len = p.board.timeline().len();
                    p.selected = step(p.selected, delta, len);
                }
                Vec::new()
            }
            Pane::Composer => Vec::new(),
        }
    }

    fn open(&mut self) -> Vec<Effect> {
        if self.overlay.is_some() {
            return self.confirm();
        }
        match self.focus {
            Pane::Queue => {
                let Some(topic) = self.selected_topic() else {
                    return Vec::new();
                };
                let (id, title) = (topic.id, topic.title.clone());
                let effects = self.open_thread(id, title);
                self.focus = Pane::Thread;
                self.rerender_thread();
                effects
            }
            Pane::Profile => {
                let target = self.profile.as_ref().and_then(|p| {
                    p.board
                        .timeline()
                        .get(p.selected)
                        .and_then(|a| a.topic_id.map(|id| (id, a.title.clone())))
                });
                match target {
                    Some((id, title)) => {
                        if let Some(p) = self.profile.as_mut() {
                            p.full_screen = false;
                        }
                        let effects = self.open_thread(id, title);
                        self.focus = Pane::Thread;
                        self.rerender_thread();
                        effects
                    }
                    None => {
                        self.set_status("this item has no topic to open", Level::Info);
                        Vec::new()
                    }
                }
            }
            Pane::Thread => self.open_composer(false),
            Pane::Composer => Vec::new(),
        }
    }

    fn switch_view(&mut self, name: &str) -> Vec<Effect> {
        let index = name
            .parse::<usize>()
            .ok()
            .and_then(|n| n.checked_sub(1))
            .filter(|i| *i < self.views.len())
            .or_else(|| {
                self.views
                    .iter()
                    .position(|v| v.name == name || v.name.replace('-', "_") == name)
            })
            .or_else(|| {
                // A partial name picks the best fuzzy match ("unsol" → unsolved).
                self.views
                    .iter()
                    .enumerate()
                    .filter_map(|(i, v)| fuzzy_score(name, &v.name).map(|s| (s, i)))
                    .max()
                    .map(|(_, i)| i)
            })
            .filter(|_| !name.trim().is_empty());
        let Some(index) = index else {
            let names: Vec<&str> = self.views.iter().map(|v| v.name.as_str()).collect();
            self.set_status(
                format!("no view {name:?}; views: {}", names.join(", ")),
                Level::Error,
            );
            return Vec::new();
        };
        self.active_view = index;
        self.focus = Pane::Queue;
        self.selected = 0;
        self.offset = 0;
        if self.views[index].loaded || self.views[index].loading {
            Vec::new()
        } else {
            self.reload_view(index)
        }
    }

    pub(super) fn refresh(&mut self) -> Vec<Effect> {
        let mut effects = self.reload_view(self.active_view);
        // The other views' counts go stale too: reload those already loaded.
        for i in 0..self.views.len() {
            if i != self.active_view && self.views[i].loaded {
                effects.extend(self.reload_view(i));
            }
        }
        if let Some(thread) = self.thread.as_mut() {
            thread.loading = true;
            effects.push(Effect::LoadTopic(thread.topic_id));
        }
        if self.focus == Pane::Profile {
            if let Some(username) = self.profile.as_ref().map(|p| p.board.username.clone()) {
                effects.extend(self.open_profile(&username, true));
            }
        }
        self.set_status("refreshing…", Level::Info);
        effects
    }

    /// The member the focused item is about: the selected post's author, else the topic's.
    pub(super) fn focused_username(&self) -> Option<String> {
        match self.focus {
            Pane::Profile => self.profile.as_ref().map(|p| p.board.username.clone()),
            Pane::Thread | Pane::Composer => self
                .selected_post()
                .map(|p| p.author.username.clone())
                .or_else(|| self.selected_topic().and_then(|t| t.author.clone())),
            Pane::Queue => self.selected_topic().and_then(|t| t.author.clone()),
        }
    }

    fn toggle_mark(&mut self) {
        let Some(post_id) = self.selected_post().map(|p| p.id) else {
            self.set_status("select a post in the thread to mark it", Level::Info);
            return;
        };
        if let Some(thread) = self.thread.as_mut() {
            if !thread.marked.remove(&post_id) {
                thread.marked.insert(post_id);
            }
            let count = thread.marked.len();
            self.set_status(format!("{count} post(s) marked to move"), Level::Info);
        }
        self.rerender_thread();
        self.move_by(1);
    }

    fn copy_link(&mut self) -> Vec<Effect> {
        let site = self.config.site.trim_end_matches('/').to_string();
        let link = match self.focus {
            Pane::Profile => self
                .profile
                .as_ref()
                .map(|p| format!("{site}/u/{}", p.board.username)),
            Pane::Thread | Pane::Composer => self.thread.as_ref().and_then(|t| {
                let topic = t.topic.as_ref()?;
                let post = topic.posts.get(t.selected)?;
                Some(format!("{}/{}", topic.url, post.post_number))
            }),
            Pane::Queue => self
                .selected_topic()
                .map(|t| format!("{site}/t/{}/{}", t.slug, t.id)),
        };
        match link {
            Some(link) => {
                self.toast(format!("copied {link}"), Level::Success);
                vec![Effect::Copy(link)]
            }
            None => Vec::new(),
        }
    }

    fn next_link(&mut self) -> Vec<Effect> {
        let Some(thread) = self.thread.as_mut() else {
            return Vec::new();
        };
        let links = thread
            .rendered
            .post_links
            .get(thread.selected)
            .cloned()
            .unwrap_or_default();
        if links.is_empty() {
            self.set_status("this post has no links", Level::Info);
            return Vec::new();
        }
        let index = thread.link_cursor % links.len();
        thread.link_cursor = index + 1;
        // Relative links (/t/…, /u/…) belong to this site.
        let link = if links[index].starts_with('/') {
            format!("{}{}", self.config.site.trim_end_matches('/'), links[index])
        } else {
            links[index].clone()
        };
        self.toast(
            format!("link [{}] {link} (copied)", index + 1),
            Level::Success,
        );
        vec![Effect::Copy(link)]
    }

    fn show_drafts(&mut self) -> Vec<Effect> {
        let drafts = self.config.drafts.list(&self.config.site);
        if drafts.is_empty() {
            self.set_status("no drafts saved for this site", Level::Info);
            return Vec::new();
        }
        let items = drafts
            .into_iter()
            .map(|d| PickItem {
                label: format!("#{} {}", d.topic_id, d.topic_title),
                detail: d
                    .text
                    .lines()
                    .next()
                    .unwrap_or("")
                    .chars()
                    .take(60)
                    .collect(),
                value: PickValue::Draft(d.topic_id),
            })
            .collect();
        self.open_picker("Drafts", items, PickPurpose::Drafts);
        Vec::new()
    }

    pub(super) fn open_picker(&mut self, title: &str, items: Vec<PickItem>, purpose: PickPurpose) {
        self.overlay = Some(Overlay::Picker {
            title: title.to_string(),
            items,
            input: String::new(),
            selected: 0,
            purpose,
        });
    }

    /// Picker items that match the typed text, best first.
    pub fn picker_matches<'a>(items: &'a [PickItem], input: &str) -> Vec<&'a PickItem> {
        if input.is_empty() {
            return items.iter().collect();
        }
        let mut scored: Vec<(i64, &PickItem)> = items
            .iter()
            .filter_map(|item| {
                let hay = format!("{} {}", item.label, item.detail);
                fuzzy_score(input, &hay).map(|s| (s, item))
            })
            .collect();
        scored.sort_by_key(|s| std::cmp::Reverse(s.0));
        scored.into_iter().map(|(_, i)| i).collect()
    }

    /// Palette entries that match the typed text: (command text, description).
    pub fn palette_matches(input: &str) -> Vec<(String, &'static str)> {
        let word = input.split_whitespace().next().unwrap_or("");
        let rest = input.trim_start().get(word.len()..).unwrap_or("").trim();
        let mut scored: Vec<(i64, String, &'static str)> = ACTIONS
            .iter()
            .filter_map(|spec| {
                let score = if word.is_empty() {
                    Some(0)
                } else {
                    fuzzy_score(word, spec.name)
                }?;
                let text = if rest.is_empty() {
                    spec.name.to_string()
                } else {
                    format!("{} {rest}", spec.name)
                };
                Some((score, text, spec.description))
            })
            .collect();
        scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.len().cmp(&b.1.len())));
        scored.into_iter().map(|(_, t, d)| (t, d)).collect()
    }

    fn clamp_overlay_selection(&mut self) {
        match self.overlay.as_mut() {
            Some(Overlay::Palette { input, selected }) => {
                let len = Self::palette_matches(input).len();
                *selected = (*selected).min(len.saturating_sub(1));
            }
            Some(Overlay::Picker {
                items,
                input,
                selected,
                ..
            }) => {
                let len = Self::picker_matches(items, input).len();
                *selected = (*selected).min(len.saturating_sub(1));
            }
            _ => {}
        }
    }

    fn cancel(&mut self) -> Vec<Effect> {
        if self.overlay.take().is_some() {
            return Vec::new();
        }
        if !self.pending_keys.is_empty() {
            self.pending_keys.clear();
            return Vec::new();
        }
        match self.focus {
            Pane::Composer => {
                self.close_composer(true);
                Vec::new()
            }
            Pane::Profile => {
                if let Some(p) = self.profile.as_mut().filter(|p| p.full_screen) {
                    p.full_screen = false;
                } else {
                    self.focus = if self.thread.is_some() {
                        Pane::Thread
                    } else {
                        Pane::Queue
                    };
                }
                self.rerender_thread();
                Vec::new()
            }
            Pane::Thread => {
                self.focus = Pane::Queue;
                Vec::new()
            }
            Pane::Queue => {
                if !self.filter.is_empty() {
                    self.filter.clear();
                    self.selected = 0;
                    self.offset = 0;
                }
                Vec::new()
            }
        }
    }

    /// Enter in a dialog: run the palette entry, take the picker's choice, confirm.
    fn confirm(&mut self) -> Vec<Effect> {
        match self.overlay.take() {
            Some(Overlay::Palette { input, selected }) => {
                let typed = Command::parse(input.trim());
                let chosen = Self::palette_matches(&input)
                    .get(selected)
                    .map(|(text, _)| text.clone());
                // An exact command typed in full wins over the fuzzy choice.
                let command = match (typed, chosen) {
                    (Ok(c), _) => Ok(c),
                    (Err(_), Some(text)) => Command::parse(&text),
                    (Err(e), None) => Err(e),
                };
                match command {
                    Ok(command) => self.exec(command),
                    Err(e) => {
                        self.set_status(e, Level::Error);
                        Vec::new()
                    }
                }
            }
            Some(Overlay::Picker {
                items,
                input,
                selected,
                purpose,
                ..
            }) => {
                let choice = Self::picker_matches(&items, &input)
                    .get(selected)
                    .map(|i| i.value.clone());
                match choice {
                    Some(value) => self.picked(purpose, value, &input),
                    None => self.picked_typed(purpose, &input),
                }
            }
            Some(Overlay::Prompt { input, purpose, .. }) => self.prompted(purpose, input),
            Some(Overlay::Confirm { action, .. }) => self.confirmed(action),
            // Enter closes help.
            Some(Overlay::Help { .. }) => Vec::new(),
            // The stale-reply guard wants an explicit y, e or d.
            Some(stale @ Overlay::Stale { .. }) => {
                self.overlay = Some(stale);
                Vec::new()
            }
            None => Vec::new(),
        }
    }
}

/// Moves an index by `delta` within `0..len` (saturating at both ends).
fn step(current: usize, delta: isize, len: usize) -> usize {
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
    use super::step;

    #[test]
    fn step_saturates_for_every_length() {
        assert_eq!(step(0, 1, 0), 0);
        assert_eq!(step(0, -1, 1), 0);
        assert_eq!(step(0, 5, 1), 0);
        assert_eq!(step(3, isize::MIN / 2, 10), 0);
        assert_eq!(step(3, isize::MAX / 2, 10), 9);
        // The overlays step within usize::MAX: this once clamped with a max of -2 and panicked.
        assert_eq!(step(0, 1, usize::MAX), 1);
        assert_eq!(step(7, -1, usize::MAX), 6);
    }
}
