//! Things drawn over the panes: help, the command palette, pickers, prompts, confirmations,
//! the pending-keys popup and toasts.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph, Wrap};
use ratatui::Frame;

use crate::config::{Lookup, Slot, Theme};

use super::super::app::{App, Level};
use super::super::overlay::{help_lines, palette_matches, HelpLine, HelpState, Overlay};
use super::{centered, fit};

pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    let theme = &app.config.theme;
    match &app.overlay {
        Some(Overlay::Help(h)) => help(frame, app, area, h),
        Some(Overlay::Palette { input, selected }) => {
            let items: Vec<Item> = palette_matches(app, input)
                .into_iter()
                .map(|(text, key, description)| Item {
                    label: text,
                    detail: if key.is_empty() {
                        description.to_string()
                    } else {
                        format!("{key} · {description}")
                    },
                    unavailable: false,
                })
                .collect();
            list_dialog(
                frame,
                theme,
                area,
                "Command",
                input,
                &items,
                Some(*selected),
            );
        }
        Some(Overlay::Picker(p)) => {
            let items: Vec<Item> = p
                .matches()
                .into_iter()
                .map(|i| Item {
                    label: i.label,
                    detail: i.detail,
                    unavailable: i.unavailable.is_some(),
                })
                .collect();
            let selected = p.armed.then_some(p.selected);
            list_dialog(frame, theme, area, &p.title, &p.input, &items, selected);
        }
        Some(Overlay::Prompt(p)) => {
            let rect = centered(area, 76, 6);
            frame.render_widget(Clear, rect);
            let block = dialog_block(theme, &p.title);
            let inner = block.inner(rect);
            frame.render_widget(block, rect);
            let lines = vec![
                Line::from(vec![
                    Span::styled("> ", theme.style(Slot::Accent)),
                    Span::styled(format!("{}▏", p.input), theme.style(Slot::Text)),
                ]),
                Line::from(Span::styled(
                    if p.hint.is_empty() {
                        "Enter to continue · Esc to cancel".to_string()
                    } else {
                        p.hint.clone()
                    },
                    theme.style(Slot::Muted),
                )),
            ];
            frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
        }
        Some(Overlay::Confirm { preview, .. }) => {
            // Lines wrap inside the dialog: count the rows they take, plus the answer line.
            let text_width = 76usize.min(area.width as usize).saturating_sub(2).max(1);
            let rows: usize = preview
                .lines
                .iter()
                .map(|l| l.chars().count().max(1).div_ceil(text_width))
                .sum();
            let height = rows as u16 + 4;
            let rect = centered(area, 76, height);
            frame.render_widget(Clear, rect);
            let block = dialog_block(theme, &preview.title);
            let inner = block.inner(rect);
            frame.render_widget(block, rect);
            let mut text: Vec<Line> = preview
                .lines
                .iter()
                .map(|l| Line::from(Span::styled(l.clone(), theme.style(Slot::Text))))
                .collect();
            text.push(Line::default());
            text.push(Line::from(Span::styled(
                "y / Enter: yes · n / Esc: no",
                theme.style(Slot::Accent),
            )));
            frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: false }), inner);
        }
        Some(Overlay::Stale { lines }) => {
            let height = lines.len() as u16 + 2;
            let rect = centered(area, 80, height);
            frame.render_widget(Clear, rect);
            let block = dialog_block(theme, "The topic moved on while you wrote");
            let inner = block.inner(rect);
            frame.render_widget(block, rect);
            let text: Vec<Line> = lines
                .iter()
                .map(|l| {
                    Line::from(Span::styled(
                        fit(l, inner.width as usize),
                        theme.style(Slot::Warning),
                    ))
                })
                .collect();
            frame.render_widget(Paragraph::new(text), inner);
        }
        Some(Overlay::Messages { scroll }) => messages(frame, app, area, *scroll),
        None => {}
    }
    pending_keys(frame, app, area);
    toasts(frame, app, area);
}

/// One row of a list dialog.
struct Item {
    label: String,
    detail: String,
    /// Shown but not offered (a badge already held).
    unavailable: bool,
}

fn dialog_block<'a>(theme: &Theme, title: &str) -> Block<'a> {
    Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Double)
        .border_style(theme.style(Slot::BorderFocused))
        .style(theme.style(Slot::Popup))
        .title(Span::styled(format!(" {title} "), theme.style(Slot::Title)))
}

fn list_dialog(
    frame: &mut Frame,
    theme: &Theme,
    area: Rect,
    title: &str,
    input: &str,
    items: &[Item],
    selected: Option<usize>,
) {
    let height = (items.len() as u16 + 4).clamp(6, area.height.saturating_sub(2).max(6));
    let rect = centered(area, 80, height);
    frame.render_widget(Clear, rect);
    let block = dialog_block(theme, title);
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let width = inner.width as usize;
    let mut lines = vec![Line::from(vec![
        Span::styled(": ", theme.style(Slot::Accent)),
        Span::styled(format!("{input}▏"), theme.style(Slot::Text)),
    ])];
    let rows = inner.height.saturating_sub(1) as usize;
    let at = selected.unwrap_or(0);
    let start = at.saturating_sub(rows.saturating_sub(1));
    for (i, item) in items.iter().enumerate().skip(start).take(rows) {
        let label_width = unicode_width::UnicodeWidthStr::width(item.label.as_str());
        if Some(i) == selected {
            let text = fit(
                &format!("{}  {}", item.label, item.detail),
                width.saturating_sub(2),
            );
            lines.push(Line::from(Span::styled(
                format!("▶ {text}"),
                theme.style(Slot::Selection),
            )));
        } else {
            let label_style = if item.unavailable {
                theme.style(Slot::Muted)
            } else {
                theme.style(Slot::Text)
            };
            lines.push(Line::from(vec![
                Span::raw("  "),
                Span::styled(fit(&item.label, width.saturating_sub(2)), label_style),
                Span::styled(
                    fit(
                        &format!("  {}", item.detail),
                        width.saturating_sub(2 + label_width),
                    ),
                    theme.style(Slot::Muted),
                ),
            ]));
        }
    }
    if items.is_empty() {
        lines.push(Line::from(Span::styled(
            "  no match",
            theme.style(Slot::Muted),
        )));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

fn help(frame: &mut Frame, app: &App, area: Rect, h: &HelpState) {
    let theme = &app.config.theme;
    let lines = help_lines(app, h.mode, &h.search);
    let rect = centered(area, 84, area.height.saturating_sub(2));
    frame.render_widget(Clear, rect);
    let search = if h.searching || !h.search.is_empty() {
        format!(" · /{}{}", h.search, if h.searching { "▏" } else { "" })
    } else {
        " · / searches".to_string()
    };
    let block = dialog_block(
        theme,
        &format!("Keys · {} · j/k scroll{search} · Esc closes", h.mode.name()),
    );
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let key_width = lines
        .iter()
        .filter_map(|l| match l {
            HelpLine::Binding { keys, .. } => Some(keys.chars().count()),
            HelpLine::Heading(_) => None,
        })
        .max()
        .unwrap_or(4)
        .min(18);
    let height = inner.height as usize;
    // The last screenful stays full: scrolling stops when the end is in sight.
    let scroll = h.scroll.min(lines.len().saturating_sub(height));
    let shown: Vec<Line> = lines
        .iter()
        .skip(scroll)
        .take(height)
        .map(|l| match l {
            HelpLine::Heading(text) => {
                Line::from(Span::styled(format!(" {text}"), theme.style(Slot::Header)))
            }
            HelpLine::Binding {
                keys,
                description,
                action,
            } => Line::from(vec![
                Span::styled(
                    format!("  {:<key_width$} ", fit(keys, key_width)),
                    theme.style(Slot::Accent),
                ),
                Span::styled(
                    fit(
                        &format!("{description}  ({action})"),
                        (inner.width as usize).saturating_sub(key_width + 4),
                    ),
                    theme.style(Slot::Text),
                ),
            ]),
        })
        .collect();
    if shown.is_empty() {
        frame.render_widget(
            Paragraph::new("  nothing matches the search").style(theme.style(Slot::Muted)),
            inner,
        );
    } else {
        frame.render_widget(Paragraph::new(shown), inner);
    }
}

/// The message log: every status message of this session, newest last.
fn messages(frame: &mut Frame, app: &App, area: Rect, scroll: usize) {
    let theme = &app.config.theme;
    let rect = centered(area, 100, area.height.saturating_sub(2));
    frame.render_widget(Clear, rect);
    let block = dialog_block(theme, "Messages · j/k scroll · Esc closes");
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let width = inner.width as usize;
    let mut lines: Vec<Line> = Vec::new();
    let mut selected_line = 0;
    for (i, m) in app.messages.iter().enumerate() {
        let slot = match m.level {
            Level::Error => Slot::Error,
            Level::Warning => Slot::Warning,
            Level::Success => Slot::Success,
            Level::Info => Slot::Text,
        };
        if i == scroll {
            selected_line = lines.len();
        }
        // Wrapped in full: the log is where a long message is read.
        let text = format!("{} {}", m.at.format("%H:%M:%S"), m.text);
        let chars: Vec<char> = text.chars().collect();
        for chunk in chars.chunks(width.max(10)) {
            lines.push(Line::from(Span::styled(
                chunk.iter().collect::<String>(),
                theme.style(slot),
            )));
        }
    }
    if lines.is_empty() {
        lines.push(Line::from(Span::styled(
            "no messages yet",
            theme.style(Slot::Muted),
        )));
    }
    let height = inner.height as usize;
    let start = (selected_line + 1).saturating_sub(height);
    let shown: Vec<Line> = lines.into_iter().skip(start).take(height).collect();
    frame.render_widget(Paragraph::new(shown), inner);
}

/// While a key sequence is pending, show what can follow.
fn pending_keys(frame: &mut Frame, app: &App, area: Rect) {
    if app.pending_keys.is_empty() {
        return;
    }
    let theme = &app.config.theme;
    let Lookup::Pending(next) = app.config.keymap.lookup(app.mode(), &app.pending_keys) else {
        return;
    };
    let height = (next.len() as u16 + 2).min(area.height.saturating_sub(2));
    let width = 40.min(area.width);
    let rect = Rect::new(
        area.x + area.width.saturating_sub(width + 1),
        area.y + area.height.saturating_sub(height + 1),
        width,
        height,
    );
    frame.render_widget(Clear, rect);
    let block = dialog_block(theme, "next key");
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let lines: Vec<Line> = next
        .iter()
        .map(|(key, desc)| {
            Line::from(vec![
                Span::styled(format!(" {key:<6}"), theme.style(Slot::Accent)),
                Span::styled(
                    fit(desc, inner.width.saturating_sub(8) as usize),
                    theme.style(Slot::Text),
                ),
            ])
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

fn toasts(frame: &mut Frame, app: &App, area: Rect) {
    let theme = &app.config.theme;
    for (i, toast) in app.toasts.iter().rev().take(3).enumerate() {
        let text = fit(&toast.text, (area.width as usize).saturating_sub(6).min(72));
        let width = (text.chars().count() as u16 + 4).min(area.width);
        let y = area.y + 1 + (i as u16) * 3;
        if y + 3 > area.height {
            break;
        }
        let rect = Rect::new(area.x + area.width.saturating_sub(width + 1), y, width, 3);
        let slot = match toast.level {
            Level::Success => Slot::Success,
            Level::Error => Slot::Error,
            Level::Warning => Slot::Warning,
            Level::Info => Slot::Text,
        };
        frame.render_widget(Clear, rect);
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(theme.style(slot))
            .style(theme.style(Slot::Popup));
        let inner = block.inner(rect);
        frame.render_widget(block, rect);
        frame.render_widget(Paragraph::new(Span::styled(text, theme.style(slot))), inner);
    }
}
