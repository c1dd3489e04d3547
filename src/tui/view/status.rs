//! The view tabs on top and the status bar below: site, account and role, pending operations
//! with a spinner, the last result, and key hints from the keymap in force.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::config::{Mode, Slot};
use crate::text::sanitize_line;

use super::super::app::{App, Level};
use super::fit;

const SPINNER: [&str; 4] = ["⠋", "⠙", "⠸", "⠴"];

pub fn tabs(frame: &mut Frame, app: &App, area: Rect) {
    let theme = &app.config.theme;
    let mut spans = Vec::new();
    for (i, view) in app.views.iter().enumerate() {
        let count = if view.loaded {
            let mut n = view.topics.len().to_string();
            if view.next_page.is_some() {
                n.push('+');
            }
            n
        } else if view.loading {
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
    let site = app
        .config
        .site
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .to_string();
    let mut spans = vec![
        Span::styled(who, theme.style(Slot::StatusBar)),
        Span::styled(format!(" {} ", fit(&site, 24)), theme.style(Slot::Muted)),
    ];
    if let Some(live) = &app.live_status {
        let glyph = if live == "live" { "● live" } else { "○ " };
        let text = if live == "live" {
            glyph.to_string()
        } else {
            format!("{glyph}{live}")
        };
        spans.push(Span::styled(format!("{text} "), theme.style(Slot::Muted)));
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
    let room = width.saturating_sub(used + hints.chars().count());
    spans.push(Span::styled(
        format!(" {}", fit(&middle, room.saturating_sub(1))),
        style,
    ));
    let used: usize = spans.iter().map(|s| s.width()).sum();
    if used + hints.chars().count() <= width {
        spans.push(Span::raw(" ".repeat(width - used - hints.chars().count())));
        spans.push(Span::styled(hints, theme.style(Slot::Muted)));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
