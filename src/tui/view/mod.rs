//! `draw` is a pure function of the state: it builds widgets for what is on screen (only the
//! visible slice of long lists) and never changes the state or calls the network.

mod composer;
mod overlay;
mod profile;
mod queue;
mod review;
mod status;
mod thread;

pub use queue::body_rows as queue_body_rows;
pub use review::list_rows as review_list_rows;

use ratatui::layout::Rect;
use ratatui::widgets::{Block, BorderType, Borders};
use ratatui::Frame;

use crate::config::{Slot, Theme};

use super::app::{App, Pane};
use super::layout;

pub fn draw(frame: &mut Frame, app: &App) {
    let areas = layout::compute(app, frame.area());
    status::tabs(frame, app, areas.tabs);
    if let Some(rect) = areas.queue {
        match app.review() {
            Some(list) => review::draw(frame, app, rect, list),
            None => queue::draw(frame, app, rect),
        }
    }
    if let Some(rect) = areas.thread {
        thread::draw(frame, app, rect);
    }
    if let Some(rect) = areas.composer {
        composer::draw(frame, app, rect);
    }
    if let Some(rect) = areas.profile {
        profile::draw(frame, app, rect);
    }
    status::bar(frame, app, areas.status);
    overlay::draw(frame, app, frame.area());
}

/// A pane's frame: the focused one has a bold, double border (not only a colour).
fn pane_block<'a>(theme: &Theme, title: String, focused: bool) -> Block<'a> {
    let (border, border_type) = if focused {
        (theme.style(Slot::BorderFocused), BorderType::Double)
    } else {
        (theme.style(Slot::Border), BorderType::Plain)
    };
    let title_style = if focused {
        theme.style(Slot::Title)
    } else {
        theme.style(Slot::Muted)
    };
    Block::default()
        .borders(Borders::ALL)
        .border_type(border_type)
        .border_style(border)
        .title(ratatui::text::Span::styled(title, title_style))
}

fn is_focused(app: &App, pane: Pane) -> bool {
    app.overlay.is_none() && app.focus == pane
}

/// Truncates to a display width, marking the cut with an ellipsis.
fn fit(text: &str, width: usize) -> String {
    use unicode_width::UnicodeWidthChar;
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > width {
            if width > 0 {
                // Make room for the ellipsis.
                while used + 1 > width {
                    match out.pop() {
                        Some(p) => used -= p.width().unwrap_or(0),
                        None => break,
                    }
                }
                out.push('…');
            }
            return out;
        }
        used += w;
        out.push(c);
    }
    out
}

/// A column cell: `text` fitted to `width - 1` display columns, then padded with spaces to
/// `width` (`format!("{:w$}")` pads by characters, which misaligns wide ones).
fn cell(text: &str, width: usize) -> String {
    use unicode_width::UnicodeWidthStr;
    let mut out = fit(text, width.saturating_sub(1));
    let used = out.width();
    out.extend(std::iter::repeat_n(' ', width.saturating_sub(used)));
    out
}

fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 3,
        w,
        h,
    )
}

#[cfg(test)]
mod tests {
    use super::{cell, fit};
    use unicode_width::UnicodeWidthStr;

    #[test]
    fn fit_truncates_by_display_width() {
        assert_eq!(fit("hello", 10), "hello");
        assert_eq!(fit("hello world", 6), "hello…");
        assert_eq!(fit("漢字漢字", 5), "漢字…");
        assert_eq!(fit("abc", 0), "");
    }

    #[test]
    fn cells_pad_to_display_width() {
        assert_eq!(cell("anna", 8), "anna    ");
        assert_eq!(cell("漢字", 8).width(), 8);
        assert_eq!(cell("漢字漢字漢字", 8), "漢字漢… ");
        assert_eq!(cell("", 3), "   ");
        assert_eq!(cell("x", 0), "");
    }
}
