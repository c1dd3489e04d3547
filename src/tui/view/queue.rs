//! The triage queue: a table of the active view's topics, longest-waiting first, with live
//! wait clocks. Only the rows on screen are built (from the view index's window), and the
//! author and category columns take the width their names need, up to a share of the pane,
//! so the title keeps the rest.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
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

/// The marker and the waiting clock.
const CLOCK_WIDTH: u16 = 10;

/// The rows of the pane that hold topics (inside the border, under the header): the region
/// the console scrolls with the terminal's scroll region when the pane spans the width.
pub fn body_rows(area: Rect) -> std::ops::Range<u16> {
    let top = area.y.saturating_add(2);
    let bottom = (area.y + area.height).saturating_sub(1);
    top..bottom.max(top)
}

/// Which columns a pane of this width shows, and how wide each is.
struct Columns {
    category: Option<u16>,
    author: Option<u16>,
    counts: bool,
    likes: bool,
    width: u16,
}

impl Columns {
    /// The title takes what the others leave (each column but the last is followed by one
    /// space, the title's own included).
    fn title(&self) -> u16 {
        let others = CLOCK_WIDTH
            + 1
            + 1
            + self.category.map_or(0, |w| w + 1)
            + self.author.map_or(0, |w| w + 1)
            + if self.counts { 4 } else { 0 }
            + if self.likes { 4 } else { 0 }
            + 1;
        self.width.saturating_sub(others).max(1)
    }
}

/// Writes cells side by side (each padded to its width) from `x`; returns where it stopped.
fn write_cells(buf: &mut Buffer, x: u16, y: u16, max: u16, cells: &[(&str, u16, Style)]) -> u16 {
    let end = x.saturating_add(max);
    let mut x = x;
    for (text, width, style) in cells {
        if x >= end {
            break;
        }
        let width = (*width).min(end - x);
        let (written, _) = buf.set_stringn(x, y, text, width as usize, *style);
        // Pad the rest of the column in the cell's style.
        if written < x + width {
            buf.set_style(Rect::new(written, y, x + width - written, 1), *style);
        }
        x += width;
    }
    x
}

/// Writes cells with one space between them.
fn write_row(buf: &mut Buffer, x: u16, y: u16, max: u16, cells: &[(&str, u16, Style)]) {
    let end = x.saturating_add(max);
    let mut x = x;
    for (text, width, style) in cells {
        if x >= end {
            break;
        }
        x = write_cells(buf, x, y, end - x, &[(text, *width, *style)]);
        x = x.saturating_add(1);
    }
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

    if inner.width == 0 || inner.height == 0 {
        return; // a pane too small for a header: nothing to write inside the border
    }
    let height = body_rows(area).len();
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
    let columns = Columns {
        category: wide.then(|| column_width(&categories, "CATEGORY", 8, share)),
        author: medium.then(|| column_width(&authors, "AUTHOR", 6, share)),
        counts: medium,
        likes: wide,
        width: inner.width,
    };

    // Rows are written straight into the buffer: a table widget would lay out, style and
    // re-render every cell through three layers each frame, which is most of a key's cost.
    let buf = frame.buffer_mut();
    let header_style = theme.style(Slot::Header);
    let mut header = vec![(" WAITING", CLOCK_WIDTH, header_style)];
    if let Some(w) = columns.category {
        header.push(("CATEGORY", w, header_style));
    }
    header.push(("TITLE", columns.title(), header_style));
    if let Some(w) = columns.author {
        header.push(("AUTHOR", w, header_style));
    }
    if columns.counts {
        header.push((" RE", 3, header_style));
    }
    if columns.likes {
        header.push(("  ♥", 3, header_style));
    }
    header.push(("✔", 1, header_style));
    write_row(buf, inner.x, inner.y, inner.width, &header);

    let selection = theme.style(Slot::Selection);
    let accent = theme.style(Slot::Accent);
    for (i, t) in rows_shown.iter().enumerate() {
        let index = start + i;
        let y = inner.y + 1 + i as u16;
        let wait = Wait::of(t);
        let sla = wait.map_or(Sla::None, |w| w.sla(app.now, &app.config.targets));
        let clock = match wait {
            Some(w) => format!("{}{}", sla.glyph(), format_age(app.now - w.since)),
            None => format!(
                " {}",
                format_age(app.now - t.last_posted_at.unwrap_or(t.created_at))
            ),
        };
        let selected = index == view.selected;
        // The selection is a marker and a bar over the waiting column, not a full-width
        // background: moving it rewrites a dozen cells instead of two whole rows (see
        // docs/performance.md for both figures).
        let (marker, marker_style, clock_style) = if selected {
            ("▶", selection, selection)
        } else {
            let clock_style = match sla {
                Sla::Breach => theme.style(Slot::SlaBreach),
                Sla::Warn => theme.style(Slot::SlaWarn),
                Sla::Ok => theme.style(Slot::SlaOk),
                Sla::None => theme.style(Slot::Muted),
            };
            (" ", accent, clock_style)
        };
        let mut title = sanitize_line(&t.title);
        if t.closed {
            title = format!("🔒 {title}");
        }
        let others = app.others_replying(&t.id);
        if !others.is_empty() {
            title = format!("✎{} {title}", sanitize_line(&others[0]));
        }
        let title_width = columns.title();
        let title = fit(&title, title_width as usize);
        let clock = format!("{clock:<width$}", width = CLOCK_WIDTH as usize - 1);
        let text = theme.style(Slot::Text);
        let category = columns
            .category
            .map(|w| fit(&categories[i], w as usize))
            .unwrap_or_default();
        let author = columns
            .author
            .map(|w| fit(&authors[i], w as usize))
            .unwrap_or_default();
        let replies = format!("{:>3}", t.posts_count.saturating_sub(1));
        let likes = format!("{:>3}", t.like_count);
        let solved = if t.has_accepted_answer { "✔" } else { " " };

        let mut spaced: Vec<(&str, u16, Style)> = Vec::with_capacity(7);
        if let Some(w) = columns.category {
            spaced.push((&category, w, text));
        }
        spaced.push((&title, title_width, text));
        if let Some(w) = columns.author {
            spaced.push((&author, w, accent));
        }
        if columns.counts {
            spaced.push((&replies, 3, text));
        }
        if columns.likes {
            spaced.push((&likes, 3, text));
        }
        spaced.push((solved, 1, theme.style(Slot::Solved)));
        // The marker and the clock share the first column (no space between them).
        let first = [
            (marker, 1, marker_style),
            (clock.as_str(), CLOCK_WIDTH - 1, clock_style),
        ];
        let x = write_cells(buf, inner.x, y, inner.width, &first);
        write_row(
            buf,
            x + 1,
            y,
            (inner.x + inner.width).saturating_sub(x + 1),
            &spaced,
        );
    }

    if view.loading.is_some() && inner.height > 2 {
        let note = Line::from(Span::styled(" loading more… ", theme.style(Slot::Muted)));
        let y = inner.y + inner.height - 1;
        frame.render_widget(
            Paragraph::new(note),
            Rect::new(inner.x, y, inner.width.min(16), 1),
        );
    }
}
