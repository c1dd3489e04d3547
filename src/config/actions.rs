//! The registry of named actions: what keymaps bind and what the command palette runs.

use std::fmt;

/// Whether an action takes an argument, and what it is called.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgKind {
    None,
    Required(&'static str),
    Optional(&'static str),
}

/// One named action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActionSpec {
    pub name: &'static str,
    pub description: &'static str,
    pub arg: ArgKind,
}

const fn a(name: &'static str, description: &'static str) -> ActionSpec {
    ActionSpec {
        name,
        description,
        arg: ArgKind::None,
    }
}

/// Every action the console knows, in the order help lists them.
pub const ACTIONS: &[ActionSpec] = &[
    a("quit", "Quit modterm"),
    a("help", "Show the keys in force here"),
    a("palette", "Open the command palette"),
    a("cancel", "Cancel or close"),
    a("confirm", "Confirm"),
    a("move_down", "Move down"),
    a("move_up", "Move up"),
    a("page_down", "Page down"),
    a("page_up", "Page up"),
    a("first", "Go to the first item"),
    a("last", "Go to the last item"),
    a("open", "Open the selected item"),
    a("back", "Go back"),
    a("next_pane", "Focus the next pane"),
    a("prev_pane", "Focus the previous pane"),
    a("focus_queue", "Focus the queue"),
    a("focus_thread", "Focus the thread"),
    a("focus_profile", "Focus the profile board"),
    a("grow_pane", "Grow the focused pane"),
    a("shrink_pane", "Shrink the focused pane"),
    a("toggle_thread_pane", "Show or hide the thread pane"),
    a("toggle_profile_pane", "Show or hide the profile pane"),
    a("maximize_pane", "Maximize or restore the focused pane"),
    a("filter", "Filter the list"),
    ActionSpec {
        name: "view",
        description: "Switch to a saved view",
        arg: ArgKind::Required("view name"),
    },
    a("refresh", "Refresh"),
    a("reply", "Reply to the topic"),
    a("quote_reply", "Reply quoting the selected post"),
    a("send_reply", "Send the reply"),
    a("open_in_editor", "Edit the reply in $EDITOR"),
    a("accept_solution", "Mark the selected post as the solution"),
    a("unaccept_solution", "Unmark the solution"),
    a("move_topic", "Move the topic to another category"),
    a("move_posts", "Move the selected posts to another topic"),
    a("toggle_select", "Select or unselect the post"),
    a("award_badge", "Award a badge to the post's author"),
    a("open_profile", "Open the author's profile"),
    ActionSpec {
        name: "profile",
        description: "Open a member's profile",
        arg: ArgKind::Required("username"),
    },
    a("copy_link", "Copy the link to the clipboard"),
    a("drafts", "List saved drafts"),
    ActionSpec {
        name: "board_channel",
        description: "Cycle the profile timeline's channel filter",
        arg: ArgKind::Optional("channel"),
    },
    ActionSpec {
        name: "theme",
        description: "Switch the colour theme",
        arg: ArgKind::Required("theme name"),
    },
    a("next_link", "Copy the next link of the post"),
    ActionSpec {
        name: "open_topic",
        description: "Open a topic by its id",
        arg: ArgKind::Required("topic id"),
    },
];

/// Looks an action up by name.
pub fn find_action(name: &str) -> Option<&'static ActionSpec> {
    ACTIONS.iter().find(|s| s.name == name)
}

/// An action with its argument, as bound to a key or typed in the palette.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Command {
    pub name: &'static str,
    pub arg: Option<String>,
}

impl Command {
    /// Parses `"name"` or `"name argument"` (the argument is the rest of the text, trimmed).
    pub fn parse(s: &str) -> Result<Command, String> {
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
            _ => Ok(Command {
                name: spec.name,
                arg,
            }),
        }
    }

    /// A command without argument for a known action name.
    pub fn simple(name: &str) -> Option<Command> {
        find_action(name).map(|s| Command {
            name: s.name,
            arg: None,
        })
    }

    /// The action's spec. (A `Command` is only made for registered names.)
    pub fn spec(&self) -> &'static ActionSpec {
        find_action(self.name).unwrap_or(&ACTIONS[0])
    }
}

impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.arg {
            Some(a) => write!(f, "{} {}", self.name, a),
            None => f.write_str(self.name),
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
    fn actions_registry_has_required_names_and_no_duplicates() {
        let required = [
            "quit",
            "help",
            "palette",
            "cancel",
            "confirm",
            "move_down",
            "move_up",
            "page_down",
            "page_up",
            "first",
            "last",
            "open",
            "back",
            "next_pane",
            "prev_pane",
            "focus_queue",
            "focus_thread",
            "focus_profile",
            "grow_pane",
            "shrink_pane",
            "toggle_thread_pane",
            "toggle_profile_pane",
            "maximize_pane",
            "filter",
            "view",
            "refresh",
            "reply",
            "quote_reply",
            "send_reply",
            "open_in_editor",
            "accept_solution",
            "unaccept_solution",
            "move_topic",
            "move_posts",
            "toggle_select",
            "award_badge",
            "open_profile",
            "profile",
            "copy_link",
            "drafts",
            "board_channel",
            "theme",
            "next_link",
        ];
        for r in required {
            assert!(find_action(r).is_some(), "missing {r}");
        }
        let mut names: Vec<_> = ACTIONS.iter().map(|a| a.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), ACTIONS.len());
    }

    #[test]
    fn command_parse_without_and_with_args() {
        let c = Command::parse("quit").expect("quit");
        assert_eq!(c.name, "quit");
        assert_eq!(c.arg, None);
        let c = Command::parse("  view   needs-reply ").expect("view");
        assert_eq!(c.name, "view");
        assert_eq!(c.arg.as_deref(), Some("needs-reply"));
        assert_eq!(c.to_string(), "view needs-reply");
        assert_eq!(c.spec().arg, ArgKind::Required("view name"));
        let c = Command::parse("profile John Smith").expect("profile");
        assert_eq!(c.arg.as_deref(), Some("John Smith"));
        assert_eq!(Command::parse("board_channel").expect("b").arg, None);
        assert_eq!(
            Command::parse("board_channel forum")
                .expect("b")
                .arg
                .as_deref(),
            Some("forum")
        );
    }

    #[test]
    fn command_parse_errors() {
        assert!(Command::parse("view")
            .unwrap_err()
            .contains("needs an argument: view name"));
        assert!(Command::parse("quit now")
            .unwrap_err()
            .contains("takes no argument"));
        let e = Command::parse("qiut").unwrap_err();
        assert!(e.contains("unknown action \"qiut\""), "{e}");
        assert!(Command::parse("  ").is_err());
    }

    #[test]
    fn fuzzy_score_orders_matches() {
        assert_eq!(fuzzy_score("", "anything"), Some(0));
        assert_eq!(fuzzy_score("xyz", "reply"), None);
        let s = |p, c| fuzzy_score(p, c).unwrap_or(i64::MIN);
        // Prefix beats a match inside a word.
        assert!(s("rep", "reply") > s("rep", "quote_reply"));
        // Word starts beat scattered letters.
        assert!(s("qr", "quote_reply") > s("qr", "unanswered_queue_for_r"));
        // Consecutive beats scattered.
        assert!(s("move", "move_topic") > s("move", "maximize_over_view_e"));
        // Case-insensitive.
        assert!(fuzzy_score("MT", "move_topic").is_some());
        // Shorter candidate wins on equal matches.
        assert!(s("ref", "refresh") > s("ref", "refresh_everything_now"));
        // Ranking the registry: "acc" should put accept_solution first.
        let mut ranked: Vec<_> = ACTIONS
            .iter()
            .filter_map(|a| fuzzy_score("acc", a.name).map(|sc| (sc, a.name)))
            .collect();
        ranked.sort_by(|a, b| b.cmp(a));
        assert_eq!(ranked.first().map(|r| r.1), Some("accept_solution"));
    }
}
