//! Actions are values. One typed list, [`ACTIONS`], names every action the console has; the
//! keymap binds its names, the palette runs them, the help lists them by group, and the CLI's
//! writes use the same [`write::Write`]s the console's flows build.
//!
//! Each moderation action lives in a file of its own here (`reply`, `solution`, `move_posts`,
//! `move_topic`, `award`...): its flow in the console (pick, prompt, confirm), the write it
//! sends (which also gives the CLI its `--dry-run`), and how the answer lands in the state.
//! Adding an action is that file plus one line in the registry below. Actions that only move
//! around the screen are handled in `tui::nav`.

pub mod award;
pub mod edit;
pub mod flag;
pub mod like;
pub mod move_posts;
pub mod move_topic;
pub mod reply;
pub mod review;
pub mod review_flow;
pub mod search;
pub mod solution;
pub mod write;

use std::fmt;

use crate::tui::nav;
use crate::tui::{App, Effect};

/// Whether an action takes an argument, and what it is called.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgKind {
    None,
    Required(&'static str),
    Optional(&'static str),
}

const NONE: ArgKind = ArgKind::None;

const fn req(what: &'static str) -> ArgKind {
    ArgKind::Required(what)
}

const fn opt(what: &'static str) -> ArgKind {
    ArgKind::Optional(what)
}

/// How help groups the actions, in this order after the focused pane's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Group {
    Moderation,
    Navigation,
    Views,
    Global,
}

impl Group {
    pub const ALL: [Group; 4] = [
        Group::Moderation,
        Group::Navigation,
        Group::Views,
        Group::Global,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Group::Moderation => "moderation",
            Group::Navigation => "navigation",
            Group::Views => "views",
            Group::Global => "global",
        }
    }
}

/// One named action of the registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActionSpec {
    pub kind: ActionKind,
    pub name: &'static str,
    pub group: Group,
    pub arg: ArgKind,
    pub description: &'static str,
}

/// The handler an action runs in the console.
type Handler = fn(&mut App, Option<String>) -> Vec<Effect>;

macro_rules! registry {
    ($( $kind:ident = $name:literal, $group:ident, $arg:expr, $desc:literal, $handler:path; )*) => {
        /// Every action the console knows, by kind.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum ActionKind { $($kind,)* }

        /// Every action, in the order help lists them within a group.
        pub const ACTIONS: &[ActionSpec] = &[
            $(ActionSpec {
                kind: ActionKind::$kind,
                name: $name,
                group: Group::$group,
                arg: $arg,
                description: $desc,
            },)*
        ];

        fn handler(kind: ActionKind) -> Handler {
            match kind { $(ActionKind::$kind => $handler,)* }
        }
    };
}

// One line per action: kind = name, group, argument, description, handler.
registry! {
    Quit = "quit", Global, NONE, "Quit modterm", nav::quit;
    Help = "help", Global, NONE, "Show the keys in force here", nav::help;
    Palette = "palette", Global, NONE, "Open the command palette", nav::palette;
    Messages = "messages", Global, NONE, "Show the message log", nav::messages;
    Cancel = "cancel", Global, NONE, "Cancel or close", nav::cancel;
    Confirm = "confirm", Global, NONE, "Confirm", nav::confirm;
    Undo = "undo", Global, NONE, "Undo the last reversible action", nav::undo;
    Theme = "theme", Global, req("theme name"), "Switch the colour theme", nav::theme;
    MoveDown = "move_down", Navigation, NONE, "Move down", nav::move_down;
    MoveUp = "move_up", Navigation, NONE, "Move up", nav::move_up;
    PageDown = "page_down", Navigation, NONE, "Page down", nav::page_down;
    PageUp = "page_up", Navigation, NONE, "Page up", nav::page_up;
    First = "first", Navigation, NONE, "Go to the first item", nav::first;
    Last = "last", Navigation, NONE, "Go to the last item", nav::last;
    Open = "open", Navigation, NONE, "Open the selected item", nav::open;
    Back = "back", Navigation, NONE, "Go back", nav::back;
    NextPane = "next_pane", Navigation, NONE, "Focus the next pane", nav::next_pane;
    PrevPane = "prev_pane", Navigation, NONE, "Focus the previous pane", nav::prev_pane;
    FocusQueue = "focus_queue", Navigation, NONE, "Focus the queue", nav::focus_queue;
    FocusThread = "focus_thread", Navigation, NONE, "Focus the thread", nav::focus_thread;
    FocusProfile = "focus_profile", Navigation, NONE, "Focus the profile board", nav::focus_profile;
    GrowPane = "grow_pane", Navigation, NONE, "Grow the focused pane", nav::grow_pane;
    ShrinkPane = "shrink_pane", Navigation, NONE, "Shrink the focused pane", nav::shrink_pane;
    ToggleThreadPane = "toggle_thread_pane", Navigation, NONE, "Show or hide the thread pane", nav::toggle_thread_pane;
    ToggleProfilePane = "toggle_profile_pane", Navigation, NONE, "Show or hide the profile pane", nav::toggle_profile_pane;
    MaximizePane = "maximize_pane", Navigation, NONE, "Maximize or restore the focused pane", nav::maximize_pane;
    CopyLink = "copy_link", Navigation, NONE, "Copy the link to the clipboard", nav::copy_link;
    NextLink = "next_link", Navigation, NONE, "Copy the next link of the post", nav::next_link;
    OpenTopic = "open_topic", Navigation, req("topic id"), "Open a topic by its id", nav::open_topic;
    Profile = "profile", Navigation, req("username"), "Open a member's profile", nav::profile;
    Filter = "filter", Views, NONE, "Filter the list as you type", nav::filter;
    View = "view", Views, req("view name"), "Switch to a view", nav::view;
    CycleOrder = "cycle_order", Views, NONE, "Sort by: waiting, newest, replies, likes", nav::cycle_order;
    Refresh = "refresh", Views, NONE, "Refresh what the focused pane shows", nav::refresh;
    Drafts = "drafts", Views, NONE, "List saved drafts", nav::drafts;
    Search = "search", Views, opt("words"), "Search the community", search::start;
    Reply = "reply", Moderation, NONE, "Reply to the topic", reply::reply;
    QuoteReply = "quote_reply", Moderation, NONE, "Reply quoting the selected post", reply::quote_reply;
    SendReply = "send_reply", Moderation, NONE, "Send the reply (asks to confirm)", reply::send;
    OpenInEditor = "open_in_editor", Moderation, NONE, "Edit the reply in $EDITOR", reply::open_in_editor;
    AcceptSolution = "accept_solution", Moderation, NONE, "Accept the selected post as the solution (u undoes)", solution::accept;
    UnacceptSolution = "unaccept_solution", Moderation, NONE, "Remove the accepted solution (u undoes)", solution::unaccept;
    MoveTopic = "move_topic", Moderation, NONE, "Move the topic to another category", move_topic::start;
    MovePosts = "move_posts", Moderation, NONE, "Move the marked posts to another or a new topic", move_posts::start;
    ToggleSelect = "toggle_select", Moderation, NONE, "Mark or unmark the post (for a move)", nav::toggle_select;
    SelectBelow = "select_below", Moderation, NONE, "Mark this post and every one after it", nav::select_below;
    AwardBadge = "award_badge", Moderation, NONE, "Award a badge to the post's author", award::start;
    OpenProfile = "open_profile", Moderation, NONE, "Open the author's profile board", nav::open_profile;
    BoardChannel = "board_channel", Moderation, opt("channel"), "Cycle the timeline's channel filter", nav::board_channel;
    BoardLoadAll = "board_load_all", Moderation, NONE, "Load the board's on-demand parts (chat, pending reviews)", nav::board_load_all;
    FlagPost = "flag_post", Moderation, NONE, "Flag the selected post for the staff", flag::start;
    LikePost = "like_post", Moderation, NONE, "Like the selected post (a kudo on Khoros)", like::start;
    EditPost = "edit_post", Moderation, NONE, "Edit the selected post in the composer (staff, or your own)", edit::start;
    ReviewMark = "review_mark", Moderation, NONE, "Mark or unmark the review item (for a bulk action)", review_flow::mark;
    ReviewPerform = "review_perform", Moderation, opt("action"), "Decide the marked review items, or the selected one (asks to confirm)", review_flow::perform;
}

impl ActionKind {
    pub fn spec(self) -> &'static ActionSpec {
        // The registry lists every kind once, in declaration order.
        &ACTIONS[self as usize]
    }

    pub fn name(self) -> &'static str {
        self.spec().name
    }
}

/// Looks an action up by name.
pub fn find_action(name: &str) -> Option<&'static ActionSpec> {
    ACTIONS.iter().find(|s| s.name == name)
}

/// An action with its argument, as bound to a key, typed in the palette, or sent by a test.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Action {
    pub kind: ActionKind,
    pub arg: Option<String>,
}

impl Action {
    pub fn new(kind: ActionKind) -> Action {
        Action { kind, arg: None }
    }

    pub fn with_arg(kind: ActionKind, arg: impl Into<String>) -> Action {
        Action {
            kind,
            arg: Some(arg.into()),
        }
    }

    /// Parses `"name"` or `"name argument"` (the argument is the rest of the text, trimmed).
    pub fn parse(s: &str) -> Result<Action, String> {
        let s = s.trim();
        let (name, rest) = match s.split_once(char::is_whitespace) {
            Some((n, r)) => (n, r.trim()),
            None => (s, ""),
        };
        if name.is_empty() {
            return Err("empty command".to_string());
        }
        let Some(spec) = find_action(name) else {
            let best = ACTIONS
                .iter()
                .filter_map(|a| fuzzy_score(name, a.name).map(|sc| (sc, a.name)))
                .max();
            return Err(match best {
                Some((_, b)) => format!("unknown action \"{name}\" (did you mean \"{b}\"?)"),
                None => format!("unknown action \"{name}\""),
            });
        };
        let arg = (!rest.is_empty()).then(|| rest.to_string());
        match (spec.arg, &arg) {
            (ArgKind::None, Some(_)) => Err(format!("action \"{name}\" takes no argument")),
            (ArgKind::Required(what), None) => {
                Err(format!("action \"{name}\" needs an argument: {what}"))
            }
            _ => Ok(Action {
                kind: spec.kind,
                arg,
            }),
        }
    }

    pub fn spec(&self) -> &'static ActionSpec {
        self.kind.spec()
    }

    pub fn name(&self) -> &'static str {
        self.kind.name()
    }

    /// Runs the action in the console.
    pub fn run(self, app: &mut App) -> Vec<Effect> {
        handler(self.kind)(app, self.arg)
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.arg {
            Some(a) => write!(f, "{} {}", self.name(), a),
            None => f.write_str(self.name()),
        }
    }
}

/// Fuzzy match for the palette and pickers: `pattern` must be a case-insensitive subsequence of
/// `candidate`. Higher is better: consecutive matches, matches at word starts (after `_`, `-`,
/// space, `/`, `.` or a lower→upper case change) and at the very start score more; unmatched
/// characters and longer candidates score a little less. An empty pattern matches with 0.
pub fn fuzzy_score(pattern: &str, candidate: &str) -> Option<i64> {
    let pat: Vec<char> = pattern
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect();
    if pat.is_empty() {
        return Some(0);
    }
    let cand: Vec<char> = candidate.chars().collect();
    let mut score: i64 = 0;
    let mut pi = 0;
    let mut prev_match: Option<usize> = None;
    let mut first_match = None;
    for (i, &c) in cand.iter().enumerate() {
        if pi == pat.len() {
            break;
        }
        let lc = c.to_lowercase().next().unwrap_or(c);
        if lc != pat[pi] {
            continue;
        }
        let word_start = i == 0
            || matches!(cand[i - 1], '_' | '-' | ' ' | '/' | '.' | ':')
            || (cand[i - 1].is_lowercase() && c.is_uppercase());
        score += 10;
        if word_start {
            score += 8;
        }
        if prev_match.is_some_and(|p| p + 1 == i) {
            score += 12;
        } else if let Some(p) = prev_match {
            score -= (i - p - 1).min(10) as i64;
        }
        if i == 0 {
            score += 6;
        }
        first_match.get_or_insert(i);
        prev_match = Some(i);
        pi += 1;
    }
    if pi < pat.len() {
        return None;
    }
    score -= first_match.unwrap_or(0).min(10) as i64;
    score -= (cand.len().saturating_sub(pat.len())).min(40) as i64 / 4;
    Some(score)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_is_consistent() {
        let mut names: Vec<_> = ACTIONS.iter().map(|a| a.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), ACTIONS.len(), "names are unique");
        for (i, spec) in ACTIONS.iter().enumerate() {
            assert_eq!(
                spec.kind as usize, i,
                "{} is at its kind's index",
                spec.name
            );
            assert_eq!(spec.kind.spec().name, spec.name);
            assert!(!spec.description.is_empty());
        }
        for required in [
            "quit",
            "help",
            "palette",
            "move_down",
            "view",
            "refresh",
            "reply",
            "send_reply",
            "accept_solution",
            "move_topic",
            "move_posts",
            "award_badge",
            "open_profile",
            "undo",
            "messages",
            "cycle_order",
            "search",
        ] {
            assert!(find_action(required).is_some(), "missing {required}");
        }
    }

    #[test]
    fn parse_without_and_with_args() {
        let c = Action::parse("quit").expect("quit");
        assert_eq!(c.kind, ActionKind::Quit);
        assert_eq!(c.arg, None);
        let c = Action::parse("  view   needs-reply ").expect("view");
        assert_eq!(c.kind, ActionKind::View);
        assert_eq!(c.arg.as_deref(), Some("needs-reply"));
        assert_eq!(c.to_string(), "view needs-reply");
        assert_eq!(c.spec().arg, ArgKind::Required("view name"));
        let c = Action::parse("profile John Smith").expect("profile");
        assert_eq!(c.arg.as_deref(), Some("John Smith"));
        assert_eq!(Action::parse("board_channel").expect("b").arg, None);
        assert_eq!(Action::parse("search").expect("s").arg, None);
    }

    #[test]
    fn parse_errors() {
        assert!(Action::parse("view")
            .unwrap_err()
            .contains("needs an argument: view name"));
        assert!(Action::parse("quit now")
            .unwrap_err()
            .contains("takes no argument"));
        let e = Action::parse("qiut").unwrap_err();
        assert!(e.contains("unknown action \"qiut\""), "{e}");
        assert!(Action::parse("  ").is_err());
    }

    #[test]
    fn fuzzy_score_orders_matches() {
        assert_eq!(fuzzy_score("", "anything"), Some(0));
        assert_eq!(fuzzy_score("xyz", "reply"), None);
        let s = |p, c| fuzzy_score(p, c).unwrap_or(i64::MIN);
        assert!(s("rep", "reply") > s("rep", "quote_reply"));
        assert!(s("qr", "quote_reply") > s("qr", "unanswered_queue_for_r"));
        assert!(s("move", "move_topic") > s("move", "maximize_over_view_e"));
        assert!(fuzzy_score("MT", "move_topic").is_some());
        assert!(s("ref", "refresh") > s("ref", "refresh_everything_now"));
        let mut ranked: Vec<_> = ACTIONS
            .iter()
            .filter_map(|a| fuzzy_score("acc", a.name).map(|sc| (sc, a.name)))
            .collect();
        ranked.sort_by(|a, b| b.cmp(a));
        assert_eq!(ranked.first().map(|r| r.1), Some("accept_solution"));
    }
}
