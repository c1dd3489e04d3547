//! Where each pane goes for a terminal size. Pure, so `update` (scrolling, wrapping width)
//! and the views agree on the same rectangles.

use ratatui::layout::{Constraint, Direction, Layout, Rect};

use super::app::{App, Pane};

/// Below this width the console shows one pane at a time (the focused one).
pub const NARROW_WIDTH: u16 = 100;
/// From this width the profile gets a column of its own.
pub const WIDE_WIDTH: u16 = 160;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Areas {
    pub tabs: Rect,
    pub queue: Option<Rect>,
    pub thread: Option<Rect>,
    pub composer: Option<Rect>,
    pub profile: Option<Rect>,
    pub status: Rect,
}

pub fn compute(app: &App, area: Rect) -> Areas {
    let rows = Layout::default()
        .direction(Direction::Vertical)
        .constraints([
            Constraint::Length(1),
            Constraint::Min(1),
            Constraint::Length(1),
        ])
        .split(area);
    let (tabs, main, status) = (rows[0], rows[1], rows[2]);
    let mut areas = Areas {
        tabs,
        status,
        ..Areas::default()
    };

    let has_thread = app.thread.is_some() && !app.layout.thread_hidden;
    let has_profile = app.profile.is_some() && !app.layout.profile_hidden;
    let has_composer = app.composer.is_some();
    let full_profile = app.profile.as_ref().is_some_and(|p| p.full_screen);

    let single = app.layout.maximized || full_profile || area.width < NARROW_WIDTH;
    if single {
        let pane = if full_profile {
            Pane::Profile
        } else {
            app.focus
        };
        match pane {
            Pane::Queue => areas.queue = Some(main),
            Pane::Thread if app.thread.is_some() => areas.thread = Some(main),
            Pane::Profile if app.profile.is_some() => areas.profile = Some(main),
            Pane::Composer if has_composer => {
                // Keep a little of the thread in sight above the composer when there is room.
                if app.thread.is_some() && main.height >= 18 && !app.layout.maximized {
                    let split = vsplit(main, 35);
                    areas.thread = Some(split[0]);
                    areas.composer = Some(split[1]);
                } else {
                    areas.composer = Some(main);
                }
            }
            _ => areas.queue = Some(main),
        }
        return areas;
    }

    let right_needed = has_thread || has_profile || has_composer;
    if !right_needed {
        areas.queue = Some(main);
        return areas;
    }
    let queue_percent = app.layout.queue_percent.clamp(20, 80);
    let three_columns = area.width >= WIDE_WIDTH && has_profile && (has_thread || has_composer);
    let columns = if three_columns {
        Layout::default()
            .direction(Direction::Horizontal)
            .constraints([
                Constraint::Percentage(queue_percent.min(40)),
                Constraint::Min(20),
                Constraint::Percentage(30),
            ])
            .split(main)
    } else {
        Layout::default()
            .direction(Direction::Horizontal)
            .constraints([
                Constraint::Percentage(queue_percent),
                Constraint::Percentage(100 - queue_percent),
            ])
            .split(main)
    };
    areas.queue = Some(columns[0]);
    let right = columns[1];
    if three_columns {
        areas.profile = Some(columns[2]);
    }

    // Stack in the right column: thread, composer, and the profile unless it has a column.
    let mut stack: Vec<(Pane, u16)> = Vec::new();
    if has_thread {
        stack.push((Pane::Thread, 50));
    }
    if has_composer {
        stack.push((Pane::Composer, 40));
    }
    if has_profile && !three_columns {
        stack.push((Pane::Profile, 40));
    }
    // The focused pane of the column gets the larger share.
    for (pane, weight) in stack.iter_mut() {
        if *pane == app.focus {
            *weight *= 2;
        }
    }
    let total: u16 = stack.iter().map(|(_, w)| *w).sum();
    let constraints: Vec<Constraint> = stack
        .iter()
        .map(|(_, w)| Constraint::Ratio(u32::from(*w), u32::from(total.max(1))))
        .collect();
    let parts = Layout::default()
        .direction(Direction::Vertical)
        .constraints(constraints)
        .split(right);
    for ((pane, _), rect) in stack.iter().zip(parts.iter()) {
        match pane {
            Pane::Thread => areas.thread = Some(*rect),
            Pane::Composer => areas.composer = Some(*rect),
            Pane::Profile => areas.profile = Some(*rect),
            Pane::Queue => {}
        }
    }
    areas
}

fn vsplit(area: Rect, top_percent: u16) -> std::rc::Rc<[Rect]> {
    Layout::default()
        .direction(Direction::Vertical)
        .constraints([
            Constraint::Percentage(top_percent),
            Constraint::Percentage(100 - top_percent),
        ])
        .split(area)
}

/// Rows inside a bordered pane.
pub fn inner_height(rect: Option<Rect>) -> usize {
    rect.map(|r| r.height.saturating_sub(2) as usize)
        .unwrap_or(0)
}

/// Columns inside a bordered pane.
pub fn inner_width(rect: Option<Rect>) -> u16 {
    rect.map(|r| r.width.saturating_sub(2)).unwrap_or(0)
}
