//! The triage queue: a table of the active view's topics, longest-waiting first, with live
//! wait clocks. Only the rows on screen are built (from the view index's window), and the
//! author and category columns take the width their names need, up to a share of the pane,
//! so the title keeps the rest.

use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table};
use ratatui::Frame;
use unicode_width::UnicodeWidthStr;

use crate::clock::{format_age, Sla, Wait};
use crate::config::Slot;
use crate::domain::TopicSummary;
use crate::text::sanitize_line;

use super::super::app::{App, Pane, RemoteFilter};
use super::{fit, is_focused, pane_block};

/// The pane's title: view, count, order, filter and what the server's half of it is doing.
fn title(app: &App) -> String {
    let view = app.view();
    let mut title = format!(" {} ({}", view.name, view.visible_len());
    if view.next.is_some() && app.filter.is_empty() {
        title.push('+');
    }
    if !app.filter.is_empty() {
        title.push_str(&format!(" of {}", view.len()));
    }
    title.push(')');
    if view.search.is_none() {
        title.push_str(&format!(" · {}", view.query.order.label()));
    }
    if !app.filter.is_empty() || app.filter_active {
        title.push_str(&format!(" · /{}", sanitize_line(&app.filter)));
        if app.filter_active {
            title.push('▏');
        }
        match &app.remote_filter {
            RemoteFilter::Due { .. } | RemoteFilter::Asking { .. } => {
                title.push_str(" · asking the server…")
            }
            RemoteFilter::Found { topics, .. } => {
                title.push_str(&format!(" · {} from the server", topics.len()))
            }
            RemoteFilter::Failed { .. } => title.push_str(" · server search failed"),
            RemoteFilter::Idle => {}
        }
    }
    title.push(' ');
    title
}

/// A column as wide as its widest cell on screen, between `min` and `max`.
fn column_width(cells: &[String], header: &str, min: u16, max: u16) -> u16 {
    let widest = cells
        .iter()
        .map(|c| c.width())
        .chain(std::iter::once(header.width()))
        .max()
        .unwrap_or(0);
    (widest as u16).clamp(min, max.max(min))
}

pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    let theme = &app.config.theme;
    let view = app.view();
    let block = pane_block(theme, title(app), is_focused(app, Pane::Queue));
    let inner = block.inner(area);
    frame.render_widget(block, area);

    if view.visible_len() == 0 {
        let text = if view.loading.is_some() {
            "loading topics…".to_string()
        } else if let Some(e) = &view.error {
            format!("could not load: {}", sanitize_line(e))
        } else if !app.filter.is_empty() {
            match &app.remote_filter {
                RemoteFilter::Due { .. } | RemoteFilter::Asking { .. } => {
                    "no loaded topic matches; asking the server…".to_string()
                }
                _ => "no topic matches the filter".to_string(),
            }
        } else if view.search.is_some() {
            "the search found nothing".to_string()
        } else {
            "nothing waiting: every topic in this view has an answer".to_string()
        };
        frame.render_widget(Paragraph::new(text).style(theme.style(Slot::Muted)), inner);
        return;
    }

    let height = inner.height.saturating_sub(1) as usize;
    let start = view.offset.min(view.visible_len().saturating_sub(1));
    let rows_shown: Vec<&TopicSummary> = view.visible_window(start, height);

    // Narrow panes drop the least important columns.
    let wide = inner.width >= 90;
    let medium = inner.width >= 60;
    let categories: Vec<String> = if wide {
        rows_shown
            .iter()
            .map(|t| sanitize_line(&app.category_name(t.category_id.as_ref())))
            .collect()
    } else {
        Vec::new()
    };
    let authors: Vec<String> = if medium {
        rows_shown
            .iter()
            .map(|t| sanitize_line(t.author.as_deref().unwrap_or("")))
            .collect()
    } else {
        Vec::new()
    };
    // The names take what they need, up to a share of the pane; the title keeps the rest.
    let share = inner.width / 5;
    let category_width = if wide {
        column_width(&categories, "CATEGORY", 8, share)
    } else {
        0
    };
    let author_width = if medium {
        column_width(&authors, "AUTHOR", 6, share)
    } else {
        0
    };
    let fixed = 9
        + 1
        + 1
        + 1
        + if wide { category_width + 1 + 3 + 1 } else { 0 }
        + if medium { author_width + 1 + 3 + 1 } else { 0 };
    let title_width = inner.width.saturating_sub(fixed).max(10) as usize;

    let rows: Vec<Row> = rows_shown
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let index = start + i;
            let wait = Wait::of(t);
            let sla = wait.map_or(Sla::None, |w| w.sla(app.now, &app.config.targets));
            let clock = match wait {
                Some(w) => format!("{}{}", sla.glyph(), format_age(app.now - w.since)),
                None => format!(
                    " {}",
                    format_age(app.now - t.last_posted_at.unwrap_or(t.created_at))
                ),
            };
            let clock_style = match sla {
                Sla::Breach => theme.style(Slot::SlaBreach),
                Sla::Warn => theme.style(Slot::SlaWarn),
                Sla::Ok => theme.style(Slot::SlaOk),
                Sla::None => theme.style(Slot::Muted),
            };
            let solved = if t.has_accepted_answer { "✔" } else { " " };
            let mut title = sanitize_line(&t.title);
            if t.closed {
                title = format!("🔒 {title}");
            }
            let others = app.others_replying(&t.id);
            if !others.is_empty() {
                title = format!("✎{} {title}", sanitize_line(&others[0]));
            }
            let selected = index == view.selected;
            let marker = if selected { "▶" } else { " " };
            let mut cells = vec![Cell::from(Line::from(vec![
                Span::styled(marker, theme.style(Slot::Accent)),
                Span::styled(clock, clock_style),
            ]))];
            if wide {
                cells.push(Cell::from(fit(&categories[i], category_width as usize)));
            }
            cells.push(Cell::from(fit(&title, title_width)));
            if medium {
                cells.push(Cell::from(Span::styled(
                    fit(&authors[i], author_width as usize),
                    theme.style(Slot::Accent),
                )));
                cells.push(Cell::from(format!(
                    "{:>3}",
                    t.posts_count.saturating_sub(1)
                )));
            }
            if wide {
                cells.push(Cell::from(format!("{:>3}", t.like_count)));
            }
            cells.push(Cell::from(Span::styled(solved, theme.style(Slot::Solved))));
            let row = Row::new(cells);
            if selected {
                row.style(theme.style(Slot::Selection))
            } else {
                row
            }
        })
        .collect();

    let mut widths = vec![Constraint::Length(10)];
    let mut header = vec![" WAITING"];
    if wide {
        widths.push(Constraint::Length(category_width));
        header.push("CATEGORY");
    }
    widths.push(Constraint::Min(10));
    header.push("TITLE");
    if medium {
        widths.push(Constraint::Length(author_width));
        header.push("AUTHOR");
        widths.push(Constraint::Length(3));
        header.push(" RE");
    }
    if wide {
        widths.push(Constraint::Length(3));
        header.push("  ♥");
    }
    widths.push(Constraint::Length(1));
    header.push("✔");
    let table = Table::new(rows, widths)
        .header(Row::new(header).style(theme.style(Slot::Header)))
        .column_spacing(1);
    frame.render_widget(table, inner);

    if view.loading.is_some() && inner.height > 2 {
        let note = Line::from(Span::styled(" loading more… ", theme.style(Slot::Muted)));
        let y = inner.y + inner.height - 1;
        frame.render_widget(
            Paragraph::new(note),
            Rect::new(inner.x, y, inner.width.min(16), 1),
        );
    }
}
