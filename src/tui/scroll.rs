//! A one-row scroll of the queue costs one row of output, not a repaint of the pane.
//!
//! When the queue spans the terminal's width and its list moved by fewer rows than it shows,
//! the terminal itself shifts those rows (a scroll region: DECSTBM with SU/SD, which ratatui's
//! backend sends), and ratatui is told that the screen now holds the previous frame shifted the
//! same way. Its diff against the next frame then writes only the rows that came into view and
//! whatever else changed. The result is the same screen as a full diff would make, whatever
//! the rows hold: the shift only changes what ratatui believes is on screen to what is.

use std::ops::Range;
use std::sync::atomic::Ordering;

use ratatui::backend::Backend;
use ratatui::buffer::{Buffer, Cell};
use ratatui::layout::Rect;
use ratatui::Terminal;

use super::app::App;
use super::layout;
use super::terminal::SCREEN_EPOCH;

/// Where the queue's rows were and what they showed.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Spot {
    body: Range<u16>,
    view: (usize, u64),
    offset: usize,
}

impl Spot {
    /// The queue's rows in a frame of `area`, when the pane spans the width (a scroll region
    /// moves whole lines, so a pane beside it would move too).
    fn of(app: &App, area: Rect) -> Option<Spot> {
        let queue = layout::compute(app, area).queue?;
        if queue.x != area.x || queue.width != area.width {
            return None;
        }
        let body = super::view::queue_body_rows(queue);
        if body.len() < 2 {
            return None;
        }
        let view = app.view();
        Some(Spot {
            body,
            view: (app.active_view, view.generation),
            offset: view.offset.min(view.visible_len().saturating_sub(1)),
        })
    }
}

/// The last frame as the terminal shows it, kept while the queue spans the width.
#[derive(Debug, Default)]
pub struct Scroller {
    last: Option<(Buffer, Spot, u64)>,
    scrolled: u64,
}

impl Scroller {
    /// Before drawing `app`: when its queue moved by a few rows since the last frame, scroll
    /// the terminal's region and make the shifted frame ratatui's idea of the screen.
    pub fn before_draw<B: Backend>(
        &mut self,
        term: &mut Terminal<B>,
        app: &App,
    ) -> Result<(), B::Error> {
        let Some((mut screen, was, epoch)) = self.last.take() else {
            return Ok(());
        };
        let size = term.size()?;
        let area = Rect::new(0, 0, size.width, size.height);
        if screen.area != area || epoch != SCREEN_EPOCH.load(Ordering::Relaxed) {
            return Ok(()); // resized, or the screen was given away: nothing to reuse
        }
        let Some(now) = Spot::of(app, area) else {
            return Ok(());
        };
        if now.body != was.body || now.view != was.view {
            return Ok(());
        }
        let rows = now.body.len();
        let delta = now.offset as i64 - was.offset as i64;
        if delta == 0 || delta.unsigned_abs() as usize >= rows {
            return Ok(());
        }
        let by = delta.unsigned_abs() as u16;
        if delta > 0 {
            term.backend_mut().scroll_region_up(now.body.clone(), by)?;
            shift(&mut screen, &now.body, -(by as i32));
        } else {
            term.backend_mut()
                .scroll_region_down(now.body.clone(), by)?;
            shift(&mut screen, &now.body, by as i32);
        }
        // The current buffer becomes the "previous" one at the swap (and the other is reset
        // for the frame about to be drawn).
        *term.current_buffer_mut() = screen;
        term.swap_buffers();
        self.scrolled += 1;
        Ok(())
    }

    /// How many frames reused the screen through a scroll region.
    pub fn scrolls(&self) -> u64 {
        self.scrolled
    }

    /// After a frame was drawn: remember it when the next one could scroll.
    pub fn after_draw(&mut self, screen: &Buffer, app: &App) {
        self.last = Spot::of(app, screen.area)
            .map(|spot| (screen.clone(), spot, SCREEN_EPOCH.load(Ordering::Relaxed)));
    }
}

/// Moves the rows of `region` by `by` lines (negative: up), as the terminal does with a scroll
/// region. The rows that come into view are blank on the terminal; here they get a cell no frame
/// ever draws, so the next diff writes those rows whole, in one run, instead of skipping every
/// blank between words with a cursor move (which costs more than the spaces it skips).
fn shift(buffer: &mut Buffer, region: &Range<u16>, by: i32) {
    shift_filling(buffer, region, by, never_drawn)
}

/// A blank that differs from every cell the views draw: they never use the hidden attribute
/// (no theme can ask for it), so the diff always rewrites a cell holding this.
fn never_drawn() -> Cell {
    let mut cell = Cell::new(" ");
    cell.set_style(ratatui::style::Style::default().add_modifier(ratatui::style::Modifier::HIDDEN));
    cell
}

fn shift_filling(buffer: &mut Buffer, region: &Range<u16>, by: i32, fill: impl FnMut() -> Cell) {
    let width = buffer.area.width as usize;
    let top = region.start as usize * width;
    let bottom = region.end.min(buffer.area.height) as usize * width;
    if top >= bottom {
        return;
    }
    let cells = &mut buffer.content[top..bottom];
    let n = (by.unsigned_abs() as usize * width).min(cells.len());
    if by < 0 {
        cells.rotate_left(n);
        let len = cells.len();
        cells[len - n..].fill_with(fill);
    } else {
        cells.rotate_right(n);
        cells[..n].fill_with(fill);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::backend::TestBackend;

    fn rows(buffer: &Buffer) -> Vec<String> {
        (0..buffer.area.height)
            .map(|y| {
                (0..buffer.area.width)
                    .map(|x| buffer[(x, y)].symbol().to_string())
                    .collect()
            })
            .collect()
    }

    #[test]
    fn shift_models_the_terminal_scroll_region() {
        let mut buffer = Buffer::with_lines(["head", "aaaa", "bbbb", "cccc", "foot"]);
        let mut backend = TestBackend::new(4, 5);
        let mut expected = buffer.clone();
        // The backend's own model of a scroll region is the reference.
        let area = buffer.area;
        backend
            .draw(
                area.positions()
                    .map(|p| (p.x, p.y, &buffer[(p.x, p.y)]))
                    .collect::<Vec<(u16, u16, &Cell)>>()
                    .into_iter(),
            )
            .unwrap();
        backend.scroll_region_up(1..4, 1).unwrap();
        shift_filling(&mut buffer, &(1..4), -1, Cell::default);
        assert_eq!(rows(&buffer), rows(backend.buffer()));
        assert_eq!(rows(&buffer), ["head", "bbbb", "cccc", "    ", "foot"]);
        backend.scroll_region_down(1..4, 2).unwrap();
        shift_filling(&mut buffer, &(1..4), 2, Cell::default);
        assert_eq!(rows(&buffer), rows(backend.buffer()));
        shift_filling(&mut expected, &(1..4), 9, Cell::default); // more than the region
        assert_eq!(rows(&expected)[1..4], ["    ", "    ", "    "]);
        // The console's own fill is a cell no frame draws, so the next diff rewrites the rows.
        shift(&mut expected, &(1..4), -1);
        assert_eq!(expected[(0, 3)], never_drawn());
    }
}
