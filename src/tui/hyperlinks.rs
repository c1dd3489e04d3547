//! OSC 8 hyperlinks for the URLs the thread pane shows. ratatui cells cannot carry escape
//! sequences, so after each frame the loop prints the visible URLs again, at the same place and
//! with the same text, wrapped in OSC 8. Cells ratatui later changes are simply redrawn plain.

use std::io::Write;

use ratatui::layout::Rect;

use super::app::App;
use super::layout;

/// One URL on screen: where it starts, the URL, and the text shown there (possibly clipped).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hyperlink {
    pub x: u16,
    pub y: u16,
    pub url: String,
    pub text: String,
}

/// The hyperlinks visible in the thread pane for a terminal of `area`.
pub fn visible(app: &App, area: Rect) -> Vec<Hyperlink> {
    let Some(thread) = app.thread.as_ref() else {
        return Vec::new();
    };
    let Some(rect) = layout::compute(app, area).thread else {
        return Vec::new();
    };
    if app.overlay.is_some() {
        // Dialogs may cover the pane; print nothing over them.
        return Vec::new();
    }
    let inner = Rect::new(
        rect.x + 1,
        rect.y + 1,
        rect.width.saturating_sub(2),
        rect.height.saturating_sub(2),
    );
    thread
        .rendered
        .link_lines
        .iter()
        .filter(|(line, _, _)| {
            *line >= thread.scroll && *line < thread.scroll + inner.height as usize
        })
        .filter_map(|(line, column, url)| {
            let room = inner.width.checked_sub(*column)? as usize;
            let text: String = url.chars().take(room).collect();
            (!text.is_empty()).then(|| Hyperlink {
                x: inner.x + column,
                y: inner.y + (line - thread.scroll) as u16,
                url: url.clone(),
                text,
            })
        })
        .collect()
}

/// Prints the hyperlinks over the frame just drawn (underlined, as a link).
pub fn write(out: &mut impl Write, links: &[Hyperlink]) -> std::io::Result<()> {
    for link in links {
        // The URL came through the sanitizer; refuse anything that could end the sequence.
        if link.url.chars().any(|c| c.is_control()) || link.url.len() > 2048 {
            continue;
        }
        crossterm::queue!(out, crossterm::cursor::MoveTo(link.x, link.y))?;
        write!(
            out,
            "\x1b]8;;{}\x1b\\\x1b[4m{}\x1b[24m\x1b]8;;\x1b\\",
            link.url, link.text
        )?;
    }
    out.flush()
}
