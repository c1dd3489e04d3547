//! Things drawn over the panes: help, the command palette, pickers, prompts, confirmations,
//! the pending-keys popup and toasts.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph, Wrap};
use ratatui::Frame;

use crate::config::{Lookup, Slot, Theme};

use super::super::app::{App, Level, Overlay};
use super::{centered, fit};

pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    let theme = &app.config.theme;
    match &app.overlay {
        Some(Overlay::Help { mode, scroll }) => help(frame, app, area, *mode, *scroll),
        Some(Overlay::Palette { input, selected }) => {
            let matches = App::palette_matches(input);
            let items: Vec<(String, String)> = matches
                .into_iter()
                .map(|(t, d)| (t, d.to_string()))
                .collect();
            list_dialog(frame, theme, area, "Command", input, &items, *selected);
        }
        Some(Overlay::Picker {
            title,
            items,
            input,
            selected,
            ..
        }) => {
            let matches: Vec<(String, String)> = App::picker_matches(items, input)
                .into_iter()
                .map(|i| (i.label.clone(), i.detail.clone()))
                .collect();
            list_dialog(frame, theme, area, title, input, &matches, *selected);
        }
        Some(Overlay::Prompt { title, input, .. }) => {
            let rect = centered(area, 70, 5);
            frame.render_widget(Clear, rect);
            let block = dialog_block(theme, title);
            let inner = block.inner(rect);
            frame.render_widget(block, rect);
            let lines = vec![
                Line::from(vec![
                    Span::styled("> ", theme.style(Slot::Accent)),
                    Span::styled(format!("{input}▏"), theme.style(Slot::Text)),
                ]),
                Line::from(Span::styled(
                    "Enter to continue · Esc to cancel",
                    theme.style(Slot::Muted),
                )),
            ];
            frame.render_widget(Paragraph::new(lines), inner);
        }
        Some(Overlay::Confirm { title, lines, .. }) => {
            // Lines wrap inside the dialog: count the rows they take, plus the answer line.
            let text_width = 76usize.min(area.width as usize).saturating_sub(2).max(1);
            let rows: usize = lines
                .iter()
                .map(|l| l.chars().count().max(1).div_ceil(text_width))
                .sum();
            let height = rows as u16 + 4;
            let rect = centered(area, 76, height);
            frame.render_widget(Clear, rect);
            let block = dialog_block(theme, title);
            let inner = block.inner(rect);
            frame.render_widget(block, rect);
            let mut text: Vec<Line> = lines
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
        None => {}
    }
    pending_keys(frame, app, area);
    toasts(frame, app, area);
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
    items: &[(String, String)],
    selected: usize,
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
    let start = selected.saturating_sub(rows.saturating_sub(1));
    for (i, (label, detail)) in items.iter().enumerate().skip(start).take(rows) {
        let text = fit(&format!("{label}  {detail}"), width.saturating_sub(2));
        if i == selected {
            lines.push(Line::from(Span::styled(
                format!("▶ {text}"),
                theme.style(Slot::Selection),
            )));
        } else {
            lines.push(Line::from(vec![
                Span::raw("  "),
                Span::styled(fit(label, width.saturating_sub(2)), theme.style(Slot::Text)),
                Span::styled(
                    fit(
                        &format!("  {detail}"),
                        width.saturating_sub(2 + label.chars().count()),
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

fn help(frame: &mut Frame, app: &App, area: Rect, mode: crate::config::Mode, scroll: usize) {
    let theme = &app.config.theme;
    let bindings = app.config.keymap.bindings(mode);
    let rect = centered(area, 78, area.height.saturating_sub(2));
    frame.render_widget(Clear, rect);
    let block = dialog_block(theme, &format!("Keys · {} (Esc closes)", mode.name()));
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let key_width = bindings
        .iter()
        .map(|b| b.keys_text.chars().count())
        .max()
        .unwrap_or(4)
        .min(14);
    let lines: Vec<Line> = bindings
        .iter()
        .skip(scroll)
        .map(|b| {
            Line::from(vec![
                Span::styled(
                    format!(" {:<key_width$} ", b.keys_text),
                    theme.style(Slot::Accent),
                ),
                Span::styled(
                    fit(
                        &format!("{}  ({})", b.description, b.command),
                        (inner.width as usize).saturating_sub(key_width + 3),
                    ),
                    theme.style(Slot::Text),
                ),
            ])
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
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
        let text = fit(&toast.text, 50);
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
