//! The member's profile board: identity, stars and standing, badges, the cross-channel
//! timeline and (for staff) the moderation record. Each part shows its own state.

use ratatui::layout::{Constraint, Direction, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::board::{Board, PartState};
use crate::clock::format_age;
use crate::config::{Slot, Theme};
use crate::domain::{BoardPart, Timestamp};
use crate::text::sanitize_line;

use super::super::app::{App, Pane};
use super::{fit, is_focused, pane_block};

pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    let theme = &app.config.theme;
    let Some(profile) = app.profile.as_ref() else {
        return;
    };
    let board = &profile.board;
    let mut title = format!(" @{} ", sanitize_line(&board.username));
    if board.is_loading() {
        title.push_str("(loading…) ");
    }
    let block = pane_block(theme, title, is_focused(app, Pane::Profile));
    let inner = block.inner(area);
    frame.render_widget(block, area);

    // Wide: summary on the left, timeline on the right. Narrow: one column.
    if inner.width >= 90 {
        let columns = Layout::default()
            .direction(Direction::Horizontal)
            .constraints([Constraint::Percentage(45), Constraint::Percentage(55)])
            .split(inner);
        let summary = summary_lines(board, theme, app.now, columns[0].width as usize);
        frame.render_widget(
            Paragraph::new(summary).wrap(ratatui::widgets::Wrap { trim: false }),
            columns[0],
        );
        let (timeline, selected) = timeline_lines(
            board,
            theme,
            app.now,
            columns[1].width as usize,
            profile.selected,
        );
        render_scrolled(frame, timeline, selected, columns[1]);
    } else {
        let width = inner.width as usize;
        let mut lines = summary_lines(board, theme, app.now, width);
        let (timeline, selected) = timeline_lines(board, theme, app.now, width, profile.selected);
        let offset = lines.len();
        lines.extend(timeline);
        render_scrolled(frame, lines, selected.map(|l| l + offset), inner);
    }
}

/// Draws lines, scrolled so the selected one is in sight.
fn render_scrolled(
    frame: &mut Frame,
    lines: Vec<Line<'static>>,
    selected: Option<usize>,
    area: Rect,
) {
    let height = area.height as usize;
    let scroll = match selected {
        Some(line) if line >= height => line + 1 - height,
        _ => 0,
    };
    let visible: Vec<Line> = lines.into_iter().skip(scroll).take(height).collect();
    frame.render_widget(Paragraph::new(visible), area);
}

/// Identity, standing, badges and the moderation record.
pub fn summary_lines(
    board: &Board,
    theme: &Theme,
    now: Timestamp,
    width: usize,
) -> Vec<Line<'static>> {
    let mut lines: Vec<Line<'static>> = Vec::new();
    let muted = theme.style(Slot::Muted);
    let heading =
        |text: &str| Line::from(Span::styled(text.to_string(), theme.style(Slot::Header)));
    let age = |t: Option<Timestamp>| {
        t.map(|t| format!("{} ago", format_age(now - t)))
            .unwrap_or_else(|| "-".into())
    };

    // Identity
    match board.member() {
        Some(m) => {
            lines.push(Line::from(vec![
                Span::styled(
                    sanitize_line(
                        m.name
                            .as_deref()
                            .filter(|n| !n.is_empty())
                            .unwrap_or(&m.username),
                    ),
                    theme.style(Slot::Title),
                ),
                Span::styled(
                    format!(" @{}", sanitize_line(&m.username)),
                    theme.style(Slot::Accent),
                ),
                Span::styled(
                    format!(
                        "  {}{}",
                        m.role.label(),
                        m.rank
                            .as_deref()
                            .map(|r| format!(" · {}", sanitize_line(r)))
                            .unwrap_or_default()
                    ),
                    theme.style(Slot::Role),
                ),
            ]));
            let mut second = Vec::new();
            if let Some(t) = &m.title {
                second.push(format!("“{}”", sanitize_line(t)));
            }
            if let Some(g) = &m.primary_group {
                second.push(format!("group {}", sanitize_line(g)));
            }
            second.push(format!("joined {}", age(m.created_at)));
            second.push(format!("seen {}", age(m.last_seen_at)));
            lines.push(Line::from(Span::styled(
                fit(&second.join(" · "), width),
                muted,
            )));
            if let Some(until) = m.suspended_till.filter(|t| *t > now) {
                lines.push(Line::from(Span::styled(
                    format!("⛔ suspended until {}", until.format("%Y-%m-%d")),
                    theme.style(Slot::Error),
                )));
            }
            if let Some(until) = m.silenced_till.filter(|t| *t > now) {
                lines.push(Line::from(Span::styled(
                    format!("🔇 silenced until {}", until.format("%Y-%m-%d")),
                    theme.style(Slot::Warning),
                )));
            }
        }
        None => lines.extend(state_lines(
            board.state(BoardPart::Identity),
            "identity",
            theme,
        )),
    }

    // Stars and standing
    match board.stats() {
        Some(s) => {
            lines.push(Line::from(vec![
                Span::styled(
                    format!("★ {} stars", s.likes_received),
                    theme.style(Slot::Badge),
                ),
                Span::styled(
                    format!(
                        "  ♥ given {}  topics {}  posts {}  ✔ solutions {}",
                        s.likes_given, s.topic_count, s.post_count, s.solutions
                    ),
                    theme.style(Slot::Text),
                ),
            ]));
            let badge_count = board.badges().map(|b| b.len()).unwrap_or(0);
            lines.push(Line::from(Span::styled(
                fit(
                    &format!(
                        "days visited {}  read {}h  badges {}{}",
                        s.days_visited,
                        s.time_read_secs / 3600,
                        badge_count,
                        s.likes_rank
                            .map(|r| format!("  rank #{r}"))
                            .unwrap_or_default()
                    ),
                    width,
                ),
                muted,
            )));
        }
        None => lines.extend(state_lines(board.state(BoardPart::Stats), "stats", theme)),
    }

    // Badges
    lines.push(heading("Badges"));
    match board.state(BoardPart::Badges) {
        PartState::Loaded(_) => {
            let groups = board.badges_grouped();
            if groups.is_empty() {
                lines.push(Line::from(Span::styled("  none yet", muted)));
            }
            for (kind, badges) in groups {
                let glyph = match kind {
                    crate::domain::BadgeType::Gold => "●",
                    crate::domain::BadgeType::Silver => "◐",
                    crate::domain::BadgeType::Bronze => "○",
                };
                for b in badges.iter().take(6) {
                    let why = match (&b.topic_id, b.post_number) {
                        (Some(t), Some(p)) => format!(" for t/{t}/{p}"),
                        (Some(t), None) => format!(" for t/{t}"),
                        _ => String::new(),
                    };
                    let by = b
                        .granted_by
                        .as_deref()
                        .map(|g| format!(" by {}", sanitize_line(g)))
                        .unwrap_or_default();
                    lines.push(Line::from(vec![
                        Span::styled(format!("  {glyph} "), theme.style(Slot::Badge)),
                        Span::styled(sanitize_line(&b.badge.name), theme.style(Slot::Text)),
                        Span::styled(
                            fit(
                                &format!("  {}{by}{why}", b.granted_at.format("%Y-%m-%d")),
                                width.saturating_sub(b.badge.name.len() + 4),
                            ),
                            muted,
                        ),
                    ]));
                }
                if badges.len() > 6 {
                    lines.push(Line::from(Span::styled(
                        format!("    … {} more {:?}", badges.len() - 6, kind).to_lowercase(),
                        muted,
                    )));
                }
            }
        }
        state => lines.extend(state_lines(state, "badges", theme)),
    }

    // Moderation record (staff)
    match board.state(BoardPart::Moderation) {
        PartState::Loaded(_) => {
            if let Some(m) = board.moderation() {
                lines.push(heading("Moderation record"));
                let (counts, style) = match &m.counts_unavailable {
                    Some(why) => (
                        format!(
                            "  flags, warnings, suspensions: not on this platform ({})",
                            sanitize_line(why)
                        ),
                        muted,
                    ),
                    None => (
                        format!(
                            "  flags given {} · received {} · warnings {} · suspensions {} · silences {} · pending reviews {}",
                            m.flags_given,
                            m.flags_received,
                            m.warnings_received,
                            m.suspensions,
                            m.silences,
                            match board.pending_reviews() {
                                Some(r) => r.len().to_string(),
                                None => "not loaded".to_string(),
                            }
                        ),
                        theme.style(Slot::Text),
                    ),
                };
                lines.push(Line::from(Span::styled(fit(&counts, width), style)));
                for p in &m.current {
                    lines.push(Line::from(Span::styled(
                        fit(
                            &format!(
                                "  {:?} until {}: {}",
                                p.kind,
                                p.until
                                    .map(|t| t.format("%Y-%m-%d").to_string())
                                    .unwrap_or_else(|| "-".into()),
                                p.reason.as_deref().map(sanitize_line).unwrap_or_default()
                            ),
                            width,
                        ),
                        theme.style(Slot::Warning),
                    )));
                }
                if !m.linked_accounts.is_empty() {
                    let linked: Vec<String> = m
                        .linked_accounts
                        .iter()
                        .map(|l| {
                            format!("{}: {}", sanitize_line(&l.provider), sanitize_line(&l.uid))
                        })
                        .collect();
                    lines.push(Line::from(Span::styled(
                        fit(&format!("  linked: {}", linked.join(" · ")), width),
                        muted,
                    )));
                }
            }
        }
        PartState::NotPermitted(_) => {}
        state => {
            lines.push(heading("Moderation record"));
            lines.extend(state_lines(state, "moderation record", theme));
        }
    }

    lines
}

/// The cross-channel timeline, and which line holds the selected item.
pub fn timeline_lines(
    board: &Board,
    theme: &Theme,
    now: Timestamp,
    width: usize,
    selected: usize,
) -> (Vec<Line<'static>>, Option<usize>) {
    let mut lines: Vec<Line<'static>> = Vec::new();
    let muted = theme.style(Slot::Muted);
    let heading =
        |text: &str| Line::from(Span::styled(text.to_string(), theme.style(Slot::Header)));
    // Timeline
    let filter = board
        .channel_filter
        .map_or("all channels".to_string(), |c| c.label().to_string());
    lines.push(heading(&format!("Timeline · {filter}")));
    for part in Board::TIMELINE_PARTS {
        match board.state(part) {
            PartState::Loaded(_) | PartState::Unavailable(_) => {}
            PartState::NotLoaded if part.on_demand() => lines.push(Line::from(Span::styled(
                format!(
                    "  {}: not loaded ({} loads it)",
                    part.label(),
                    if part == BoardPart::Chat {
                        "c to the chat channel, or L,"
                    } else {
                        "L"
                    }
                ),
                muted,
            ))),
            state => lines.extend(state_lines(state, part.label(), theme)),
        }
    }
    let mut selected_line = None;
    let timeline = board.timeline();
    if timeline.is_empty() && !board.is_loading() {
        lines.push(Line::from(Span::styled("  nothing in this channel", muted)));
    }
    for (i, a) in timeline.iter().enumerate() {
        let text = format!(
            "{:>8} {:<8} {} {} {}",
            format_age(now - a.at),
            a.channel.label(),
            sanitize_line(&a.action),
            sanitize_line(&a.title),
            sanitize_line(&a.excerpt)
        );
        let style = if i == selected {
            selected_line = Some(lines.len());
            theme.style(Slot::Selection)
        } else {
            theme.style(Slot::Text)
        };
        let marker = if i == selected { "▶" } else { " " };
        lines.push(Line::from(Span::styled(
            fit(&format!("{marker}{text}"), width),
            style,
        )));
    }
    (lines, selected_line)
}

/// A part with no data to show: its state, and on a line of its own what the server said.
fn state_lines(state: &PartState, label: &str, theme: &Theme) -> Vec<Line<'static>> {
    let (kind, message, style) = match state {
        PartState::Failed(m) => ("failed", Some(m), theme.style(Slot::Error)),
        PartState::NotPermitted(m) => ("not permitted", Some(m), theme.style(Slot::Warning)),
        PartState::Loading => ("loading…", None, theme.style(Slot::Muted)),
        PartState::NotLoaded => ("not loaded", None, theme.style(Slot::Muted)),
        PartState::Unavailable(m) => ("not on this platform", Some(m), theme.style(Slot::Muted)),
        PartState::Loaded(_) => ("loaded", None, theme.style(Slot::Muted)),
    };
    let mut lines = vec![Line::from(Span::styled(
        format!("  {label}: {kind}"),
        style,
    ))];
    if let Some(m) = message {
        lines.push(Line::from(Span::styled(
            format!("    {}", sanitize_line(m)),
            theme.style(Slot::Muted),
        )));
    }
    lines
}
