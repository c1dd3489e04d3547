//! The triage queue: a table of the active view's topics, longest-waiting first, with live
//! wait clocks. Only the rows on screen are built.

use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table};
use ratatui::Frame;

use crate::clock::{format_age, Sla, Wait};
use crate::config::Slot;
use crate::text::sanitize_line;

use super::super::app::{App, Pane};
use super::{fit, is_focused, pane_block};

pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    let theme = &app.config.theme;
    let view = app.view();
    let topics = app.visible_topics();
    let mut title = format!(" {} ({}", view.name, topics.len());
    if view.next_page.is_some() {
        title.push('+');
    }
    title.push(')');
    if !app.filter.is_empty() || app.filter_active {
        title.push_str(&format!(" /{}", app.filter));
        if app.filter_active {
            title.push('▏');
        }
    }
    title.push(' ');
    let block = pane_block(theme, title, is_focused(app, Pane::Queue));
    let inner = block.inner(area);
    frame.render_widget(block, area);

    if topics.is_empty() {
        let text = if view.loading {
            "loading topics…".to_string()
        } else if let Some(e) = &view.error {
            format!("could not load: {}", sanitize_line(e))
        } else if !app.filter.is_empty() {
            "no topic matches the filter".to_string()
        } else {
            "nothing waiting: every topic in this view has an answer".to_string()
        };
        frame.render_widget(Paragraph::new(text).style(theme.style(Slot::Muted)), inner);
        return;
    }

    // Narrow panes drop the least important columns.
    let wide = inner.width >= 90;
    let medium = inner.width >= 60;
    let height = inner.height.saturating_sub(1) as usize;
    let start = app.offset.min(topics.len().saturating_sub(1));
    let end = (start + height).min(topics.len());
    let title_width = inner.width.saturating_sub(if wide {
        9 + 15 + 13 + 4 + 4 + 2 + 7
    } else if medium {
        9 + 13 + 4 + 2 + 4
    } else {
        9 + 2 + 2
    }) as usize;

    let rows: Vec<Row> = topics[start..end]
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
            let others = app.others_replying(t.id);
            if !others.is_empty() {
                title = format!("✎{} {title}", sanitize_line(&others[0]));
            }
            let mut cells = vec![Cell::from(Span::styled(clock, clock_style))];
            if wide {
                cells.push(Cell::from(fit(
                    &sanitize_line(&app.category_name(t.category_id)),
                    14,
                )));
            }
            cells.push(Cell::from(fit(&title, title_width)));
            if medium {
                cells.push(Cell::from(Span::styled(
                    fit(&sanitize_line(t.author.as_deref().unwrap_or("")), 12),
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
            if index == app.selected {
                row.style(theme.style(Slot::Selection))
            } else {
                row
            }
        })
        .collect();

    let mut widths = vec![Constraint::Length(9)];
    let mut header = vec!["WAITING"];
    if wide {
        widths.push(Constraint::Length(14));
        header.push("CATEGORY");
    }
    widths.push(Constraint::Min(10));
    header.push("TITLE");
    if medium {
        widths.push(Constraint::Length(12));
        header.push("AUTHOR");
        widths.push(Constraint::Length(3));
        header.push("RE");
    }
    if wide {
        widths.push(Constraint::Length(3));
        header.push("♥");
    }
    widths.push(Constraint::Length(1));
    header.push("✔");
    let table = Table::new(rows, widths)
        .header(Row::new(header).style(theme.style(Slot::Header)))
        .column_spacing(1);
    frame.render_widget(table, inner);

    if view.loading && inner.height > 2 {
        let note = Line::from(Span::styled(" loading more… ", theme.style(Slot::Muted)));
        let y = inner.y + inner.height - 1;
        frame.render_widget(
            Paragraph::new(note),
            Rect::new(inner.x, y, inner.width.min(16), 1),
        );
    }
}
