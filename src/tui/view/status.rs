//! The view tabs on top and the status bar below: site, account and role, pending operations
//! with a spinner, the last result, and key hints from the keymap in force.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::config::{Mode, Slot};
use crate::text::sanitize_line;

use super::super::app::{App, Level, LiveState};
use super::fit;

const SPINNER: [&str; 4] = ["⠋", "⠙", "⠸", "⠴"];

pub fn tabs(frame: &mut Frame, app: &App, area: Rect) {
    let theme = &app.config.theme;
    let mut spans = Vec::new();
    for (i, view) in app.views.iter().enumerate() {
        let count = if let (true, Some(list)) = (view.loaded, view.review.as_ref()) {
            let mut n = list.items.len().to_string();
            if list.next.is_some() || list.total.is_some_and(|t| t > list.items.len() as u64) {
                n.push('+');
            }
            n
        } else if view.loaded {
            let mut n = view.len().to_string();
            if view.next.is_some() {
                n.push('+');
            }
            n
        } else if view.loading.is_some() {
            "…".into()
        } else {
            "-".into()
        };
        let text = format!(" {} {} {} ", i + 1, view.name, count);
        let style = if i == app.active_view {
            theme.style(Slot::TabActive)
        } else {
            theme.style(Slot::Tab)
        };
        spans.push(Span::styled(text, style));
        spans.push(Span::raw(" "));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

pub fn bar(frame: &mut Frame, app: &App, area: Rect) {
    let theme = &app.config.theme;
    let width = area.width as usize;
    let who = match &app.account {
        Some(a) => format!(" {} ({}) ", sanitize_line(&a.username), a.role.label()),
        None => format!(" {} (…) ", sanitize_line(&app.config.username)),
    };
    let site = sanitize_line(&app.site.title);
    let mut spans = vec![
        Span::styled(who, theme.style(Slot::StatusBar)),
        Span::styled(format!(" {} ", fit(&site, 24)), theme.style(Slot::Muted)),
    ];
    // Never "live" while the feed waits (a pause after a 429, no answer).
    let live = match &app.live {
        LiveState::Live if app.budget.paused_for.is_none() => Some("● live".to_string()),
        LiveState::Live => Some("○ paused".to_string()),
        LiveState::Waiting(_) => Some("○ waiting".to_string()),
        LiveState::Periodic { every, .. } => Some(format!("○ every {}s", every.as_secs())),
        LiveState::Connecting => None,
    };
    if let Some(live) = live {
        spans.push(Span::styled(format!("{live} "), theme.style(Slot::Muted)));
    }
    // The request budget, when it is tight: `api 17/20 per min`, `api paused 23s`.
    if app.budget.is_tight() {
        let slot = if app.budget.paused_for.is_some() {
            Slot::Warning
        } else {
            Slot::Accent
        };
        spans.push(Span::styled(
            format!("{} ", app.budget.label()),
            theme.style(slot),
        ));
    }
    let used: usize = spans.iter().map(|s| s.width()).sum();

    let (middle, style) = if !app.pending_keys.is_empty() {
        let keys: Vec<String> = app
            .pending_keys
            .iter()
            .map(crate::config::key_to_string)
            .collect();
        (format!("{} …", keys.join(" ")), theme.style(Slot::Accent))
    } else if let Some(label) = app.pending_ops.values().next() {
        let more = app.pending_ops.len().saturating_sub(1);
        let extra = if more > 0 {
            format!(" (+{more})")
        } else {
            String::new()
        };
        (
            format!("{} {label}{extra}", SPINNER[app.spinner % SPINNER.len()]),
            theme.style(Slot::Accent),
        )
    } else if let Some((text, level)) = &app.status {
        let slot = match level {
            Level::Error => Slot::Error,
            Level::Warning => Slot::Warning,
            Level::Success => Slot::Success,
            Level::Info => Slot::Text,
        };
        let glyph = match level {
            Level::Error => "✖ ",
            Level::Warning => "! ",
            Level::Success => "✔ ",
            Level::Info => "",
        };
        (format!("{glyph}{text}"), theme.style(slot))
    } else {
        (String::new(), theme.style(Slot::Text))
    };

    let keymap = &app.config.keymap;
    let mode = app.mode();
    let hint_of = |action: &str, label: &str| {
        keymap
            .keys_for(mode, action)
            .or_else(|| keymap.keys_for(Mode::Global, action))
            .map(|k| format!("{k} {label}"))
    };
    let hints: Vec<String> = [("help", "help"), ("palette", "palette"), ("quit", "quit")]
        .iter()
        .filter_map(|(a, l)| hint_of(a, l))
        .collect();
    let hints = format!(" {} ", hints.join(" · "));
    let hints_width = unicode_width::UnicodeWidthStr::width(hints.as_str());
    let middle_width = unicode_width::UnicodeWidthStr::width(middle.as_str()) + 1;
    let free = width.saturating_sub(used);
    // The message goes first: the hints give way when it needs the room.
    let show_hints = middle_width + hints_width <= free;
    let room = if show_hints { free - hints_width } else { free };
    // A message longer than the bar is never cut off unread: the bar says where it is.
    let log_key = hint_of("messages", "")
        .map(|k| k.trim().to_string())
        .unwrap_or_else(|| ":messages".into());
    let shown = if middle_width > room && room > log_key.len() + 4 {
        format!(
            " {} {log_key}",
            fit(&middle, room.saturating_sub(log_key.len() + 2))
        )
    } else {
        format!(" {}", fit(&middle, room.saturating_sub(1)))
    };
    spans.push(Span::styled(shown, style));
    let used: usize = spans.iter().map(|s| s.width()).sum();
    if show_hints && used + hints_width <= width {
        spans.push(Span::raw(" ".repeat(width - used - hints_width)));
        spans.push(Span::styled(hints, theme.style(Slot::Muted)));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
