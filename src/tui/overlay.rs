//! What can be drawn over the panes, and what each one does next. A flow (an action's file)
//! opens a picker, a prompt or a confirmation with a continuation of its own type, so the
//! overlay code knows no action.

use std::fmt::Debug;

use crate::actions::write::Preview;
use crate::actions::{fuzzy_score, ACTIONS};
use crate::config::Mode;
use crate::domain::*;

use super::app::App;
use super::msg::Effect;

/// One entry of a fuzzy picker.
#[derive(Debug, Clone, PartialEq)]
pub struct PickItem {
    pub label: String,
    pub detail: String,
    pub value: PickValue,
    /// Shown, but not offered: why ("held").
    pub unavailable: Option<String>,
}

impl PickItem {
    pub fn new(label: impl Into<String>, detail: impl Into<String>, value: PickValue) -> PickItem {
        PickItem {
            label: label.into(),
            detail: detail.into(),
            value,
            unavailable: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum PickValue {
    Category(CategoryId),
    Topic(TopicId),
    /// A new topic with this title.
    NewTopic(String),
    Badge(BadgeId),
    Draft(TopicId),
    /// A review action's id.
    ReviewAction(String),
    /// A flag type's id.
    FlagType(String),
}

/// What a picker's choice is for.
pub trait PickNext: Debug + Send {
    /// The item the typed text itself stands for, offered first ("New topic: «…»").
    fn typed_item(&self, input: &str) -> Option<PickItem> {
        let _ = input;
        None
    }
    fn picked(self: Box<Self>, app: &mut App, value: PickValue) -> Vec<Effect>;
}

/// What a free-text prompt's answer is for.
pub trait PromptNext: Debug + Send {
    fn answered(self: Box<Self>, app: &mut App, text: String) -> Vec<Effect>;
}

/// What a confirmation's yes does.
pub trait ConfirmNext: Debug + Send {
    fn confirmed(self: Box<Self>, app: &mut App) -> Vec<Effect>;
}

pub struct Picker {
    pub title: String,
    pub items: Vec<PickItem>,
    pub input: String,
    pub selected: usize,
    /// Whether an item is chosen at all: a picker opened unarmed chooses nothing on Enter
    /// until the user types or moves (so `b Enter` grants no badge by accident).
    pub armed: bool,
    /// Whom or what the picker is about (the badge picker: the member), for updates.
    pub about: Option<String>,
    pub next: Box<dyn PickNext>,
}

impl Picker {
    /// The items that match the typed text, best first, after the typed text's own item.
    pub fn matches(&self) -> Vec<PickItem> {
        let mut out: Vec<PickItem> = self.next.typed_item(&self.input).into_iter().collect();
        if self.input.trim().is_empty() {
            out.extend(self.items.iter().cloned());
            return out;
        }
        let mut scored: Vec<(i64, usize)> = self
            .items
            .iter()
            .enumerate()
            .filter_map(|(i, item)| {
                let hay = format!("{} {}", item.label, item.detail);
                fuzzy_score(&self.input, &hay).map(|s| (s, i))
            })
            .collect();
        // Best match first; the given order (by use) breaks ties.
        scored.sort_by_key(|(s, i)| (std::cmp::Reverse(*s), *i));
        out.extend(scored.into_iter().map(|(_, i)| self.items[i].clone()));
        out
    }
}

pub struct Prompt {
    pub title: String,
    pub input: String,
    /// Shown under the input (what is needed, why the last answer was refused).
    pub hint: String,
    pub next: Box<dyn PromptNext>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelpState {
    pub mode: Mode,
    pub scroll: usize,
    /// `/` in help searches its lines.
    pub search: String,
    pub searching: bool,
}

pub enum Overlay {
    Help(HelpState),
    Palette {
        input: String,
        selected: usize,
    },
    Picker(Picker),
    Prompt(Prompt),
    Confirm {
        preview: Preview,
        next: Box<dyn ConfirmNext>,
    },
    /// The stale-reply guard: posts arrived or someone else is replying since the composer
    /// opened. Send anyway, edit, or keep as a draft.
    Stale {
        lines: Vec<String>,
    },
    /// The message log.
    Messages {
        scroll: usize,
    },
}

impl Debug for Overlay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Overlay::Help(h) => f.debug_tuple("Help").field(h).finish(),
            Overlay::Palette { input, selected } => f
                .debug_struct("Palette")
                .field("input", input)
                .field("selected", selected)
                .finish(),
            Overlay::Picker(p) => f
                .debug_struct("Picker")
                .field("title", &p.title)
                .field("items", &p.items.len())
                .field("input", &p.input)
                .field("selected", &p.selected)
                .field("next", &p.next)
                .finish(),
            Overlay::Prompt(p) => f
                .debug_struct("Prompt")
                .field("title", &p.title)
                .field("input", &p.input)
                .finish(),
            Overlay::Confirm { preview, next } => f
                .debug_struct("Confirm")
                .field("preview", preview)
                .field("next", next)
                .finish(),
            Overlay::Stale { lines } => f.debug_struct("Stale").field("lines", lines).finish(),
            Overlay::Messages { scroll } => {
                f.debug_struct("Messages").field("scroll", scroll).finish()
            }
        }
    }
}

/// Palette entries that match the typed text: (command text, key in force, description).
pub fn palette_matches(app: &App, input: &str) -> Vec<(String, String, &'static str)> {
    let word = input.split_whitespace().next().unwrap_or("");
    let rest = input.trim_start().get(word.len()..).unwrap_or("").trim();
    let mode = app.pane_mode();
    let mut scored: Vec<(i64, String, String, &'static str)> = ACTIONS
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
            let key = app
                .config
                .keymap
                .keys_for(mode, spec.name)
                .or_else(|| app.config.keymap.keys_for(Mode::Global, spec.name))
                .unwrap_or_default();
            Some((score, text, key, spec.description))
        })
        .collect();
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.len().cmp(&b.1.len())));
    scored.into_iter().map(|(_, t, k, d)| (t, k, d)).collect()
}

/// One line of the help.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HelpLine {
    Heading(String),
    Binding {
        keys: String,
        description: String,
        action: String,
    },
}

/// The help for a pane, built from the keymap in force: the pane's own actions first, then
/// those that work everywhere, each part grouped (moderation, navigation, views, global), one
/// line per action with all its keys. `search` keeps the lines that mention it.
pub fn help_lines(app: &App, mode: Mode, search: &str) -> Vec<HelpLine> {
    use crate::actions::Group;
    use crate::config::Binding;

    let keymap = &app.config.keymap;
    let own = keymap.own_bindings(mode);
    let own_keys: std::collections::HashSet<&str> =
        own.iter().map(|b| b.keys_text.as_str()).collect();
    let everywhere: Vec<Binding> = keymap
        .bindings(mode)
        .into_iter()
        .filter(|b| !own_keys.contains(b.keys_text.as_str()))
        .collect();
    let needle = search.trim().to_lowercase();
    let mut lines = Vec::new();
    let sections: [(String, &[Binding]); 2] = [
        (mode.name().to_string(), &own),
        ("everywhere".to_string(), &everywhere),
    ];
    for (section, bindings) in sections {
        for group in Group::ALL {
            // One line per action, its keys together ("j, Down").
            let mut entries: Vec<(String, Vec<&str>, String)> = Vec::new();
            for b in bindings.iter().filter(|b| b.action.spec().group == group) {
                let action = b.action.to_string();
                match entries.iter_mut().find(|(a, _, _)| *a == action) {
                    Some((_, keys, _)) => keys.push(&b.keys_text),
                    None => entries.push((action, vec![&b.keys_text], b.description.clone())),
                }
            }
            let entries: Vec<HelpLine> = entries
                .into_iter()
                .map(|(action, keys, description)| HelpLine::Binding {
                    keys: keys.join(", "),
                    description,
                    action,
                })
                .filter(|line| match line {
                    HelpLine::Binding {
                        keys,
                        description,
                        action,
                    } => {
                        needle.is_empty()
                            || keys.to_lowercase().contains(&needle)
                            || description.to_lowercase().contains(&needle)
                            || action.contains(&needle)
                    }
                    HelpLine::Heading(_) => true,
                })
                .collect();
            if !entries.is_empty() {
                lines.push(HelpLine::Heading(format!("{section} · {}", group.label())));
                lines.extend(entries);
            }
        }
    }
    lines
}
