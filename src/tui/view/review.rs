//! The review view in the queue pane: one row per item (how long it has waited, what it is,
//! why it is there, whose it is, its score), and under the list the selected item in full:
//! who flagged and what they said, the text, and the keys for what its kind allows.

use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

use crate::clock::format_age;
use crate::config::{Mode, Slot};
use crate::domain::{ReviewKind, Reviewable};
use crate::text::sanitize_line;

use super::super::app::{App, Pane};
use super::super::review::ReviewList;
use super::{cell, fit, is_focused, pane_block};

/// The review actions with a key of their own, in the order the details list them, with the
/// word the key hint uses (the server's labels are often just "Yes" or "No").
const KEYED_ACTIONS: [(&str, &str); 6] = [
    ("agree_and_hide", "hide"),
    ("agree_and_keep", "keep"),
    ("disagree", "disagree"),
    ("ignore", "ignore"),
    ("approve", "approve"),
    ("reject", "reject"),
];

/// Rows the details take under the list: a third of the pane, between 4 and 12.
fn detail_rows(inner_height: u16) -> u16 {
    (inner_height / 3)
        .clamp(4, 12)
        .min(inner_height.saturating_sub(3))
}

/// Rows of items the pane shows (inside the border, under the header, above the details).
pub fn list_rows(area: Option<Rect>) -> usize {
    let Some(area) = area else { return 0 };
    let inner = area.height.saturating_sub(2);
    inner.saturating_sub(1).saturating_sub(detail_rows(inner)) as usize
}

fn title(app: &App, list: &ReviewList) -> String {
    let view = app.view();
    let mut t = format!(" {} ({}", view.name, list.items.len());
    match list.total {
        Some(total) if total > list.items.len() as u64 => t.push_str(&format!(" of {total}")),
        _ if list.next.is_some() => t.push('+'),
        _ => {}
    }
    t.push(')');
    if !list.marked.is_empty() {
        t.push_str(&format!(" · {} marked", list.marked.len()));
    }
    t.push(' ');
    t
}

/// How wide the columns are: a narrow pane gives up the score and shortens why and whose, so
/// the topic keeps some room.
struct ReviewColumns {
    why: usize,
    whose: usize,
    score: bool,
}

impl ReviewColumns {
    fn for_width(width: usize) -> ReviewColumns {
        if width >= 100 {
            ReviewColumns {
                why: 24,
                whose: 16,
                score: true,
            }
        } else {
            ReviewColumns {
                why: 17,
                whose: 13,
                score: false,
            }
        }
    }

    fn header(&self) -> String {
        let mut h = format!(
            "{:9}{:13}{:why$}{:whose$}",
            "WAITING",
            "WHAT",
            "WHY",
            "WHOSE",
            why = self.why,
            whose = self.whose
        );
        if self.score {
            h.push_str(&format!("{:>6}", "SCORE"));
        }
        h.push_str("  TOPIC");
        h
    }

    fn row(&self, age: &str, item: &Reviewable, author: &str, topic: &str) -> String {
        let mut r = cell(age, 9);
        r.push_str(&cell(item.kind.label(), 13));
        r.push_str(&cell(&crate::actions::review::reasons(item), self.why));
        r.push_str(&cell(author, self.whose));
        if self.score {
            r.push_str(&format!("{:>6.1}", item.score));
        }
        r.push_str("  ");
        r.push_str(topic);
        r
    }
}

pub fn draw(frame: &mut Frame, app: &App, area: Rect, list: &ReviewList) {
    let theme = &app.config.theme;
    let view = app.view();
    let block = pane_block(theme, title(app, list), is_focused(app, Pane::Queue));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.width == 0 || inner.height == 0 {
        return;
    }
    if list.items.is_empty() {
        let text = if view.loading.is_some() {
            "loading the review queue…".to_string()
        } else if let Some(e) = &view.error {
            format!("could not load: {}", sanitize_line(e))
        } else {
            "the review queue is empty: nothing waits for a moderator".to_string()
        };
        frame.render_widget(Paragraph::new(text).style(theme.style(Slot::Muted)), inner);
        return;
    }

    let details = detail_rows(inner.height);
    let rows = list_rows(Some(area));
    let text = theme.style(Slot::Text);
    let muted = theme.style(Slot::Muted);
    let accent = theme.style(Slot::Accent);
    let selection = theme.style(Slot::Selection);
    let width = inner.width as usize;

    let columns = ReviewColumns::for_width(width);
    let header = fit(&format!("{:3}{}", "", columns.header()), width);
    let mut lines: Vec<Line> = vec![Line::from(Span::styled(header, theme.style(Slot::Header)))];
    let start = list.offset.min(list.items.len().saturating_sub(1));
    for (i, item) in list.items.iter().enumerate().skip(start).take(rows) {
        let selected = i == list.selected;
        let marker = if selected { "▶" } else { " " };
        let mark = if list.marked.contains(&item.id) {
            "● "
        } else {
            "  "
        };
        let age = item
            .created_at
            .map(|t| format_age(app.now - t))
            .unwrap_or_default();
        let author = item
            .target_author
            .as_ref()
            .map(|a| sanitize_line(&a.username))
            .unwrap_or_default();
        let topic = item
            .topic_title
            .as_deref()
            .map(sanitize_line)
            .unwrap_or_default();
        let row = fit(
            &columns.row(&age, item, &author, &topic),
            width.saturating_sub(3),
        );
        let (marker_style, row_style) = if selected {
            (selection, selection)
        } else {
            (accent, text)
        };
        lines.push(Line::from(vec![
            Span::styled(marker, marker_style),
            Span::styled(mark, accent),
            Span::styled(row, row_style),
        ]));
    }
    let list_area = Rect::new(
        inner.x,
        inner.y,
        inner.width,
        inner.height.saturating_sub(details),
    );
    frame.render_widget(Paragraph::new(lines), list_area);

    if let Some(item) = list.selected_item() {
        let detail_area = Rect::new(
            inner.x,
            inner.y + inner.height.saturating_sub(details),
            inner.width,
            details,
        );
        frame.render_widget(
            Paragraph::new(detail_lines(app, item, inner.width))
                .style(text)
                .wrap(Wrap { trim: false }),
            detail_area,
        );
    }
    if view.loading.is_some() && rows > 0 {
        let note = Line::from(Span::styled(" loading more… ", muted));
        let y = inner.y + inner.height.saturating_sub(details + 1);
        frame.render_widget(
            Paragraph::new(note),
            Rect::new(inner.x, y, inner.width.min(16), 1),
        );
    }
}

/// The selected item in full: a rule, who and why, the keys, then its text.
fn detail_lines(app: &App, item: &Reviewable, width: u16) -> Vec<Line<'static>> {
    let theme = &app.config.theme;
    let muted = theme.style(Slot::Muted);
    let accent = theme.style(Slot::Accent);
    let mut lines = vec![Line::from(Span::styled(
        "─".repeat(width as usize),
        theme.style(Slot::Border),
    ))];
    lines.push(Line::from(Span::styled(
        crate::actions::review::describe(item),
        theme.style(Slot::Title),
    )));
    for r in &item.reasons {
        let by: Vec<String> = r.by.iter().map(|b| sanitize_line(b)).collect();
        let mut line = format!("{} ×{}", sanitize_line(&r.label), r.count);
        if !by.is_empty() {
            line.push_str(&format!(" by {}", by.join(", ")));
        }
        for note in &r.notes_html {
            let said = crate::text::render_html(note, width, &crate::text::PostStyles::plain());
            let said: Vec<String> = said.lines.iter().map(line_text).collect();
            let said = said.join(" ");
            if !said.trim().is_empty() {
                line.push_str(&format!(" · «{}»", said.trim()));
            }
        }
        lines.push(Line::from(Span::styled(line, muted)));
    }
    let keys = action_keys(app, item);
    if !keys.is_empty() {
        let mut spans = Vec::new();
        for (i, (key, label)) in keys.into_iter().enumerate() {
            if i > 0 {
                spans.push(Span::styled(" · ", muted));
            }
            spans.push(Span::styled(key, accent));
            spans.push(Span::styled(format!(" {label}"), Style::default()));
        }
        lines.push(Line::from(spans));
    }
    // The text: a flagged post's HTML, else what was written (a held post has no HTML yet).
    let body: Vec<Line<'static>> = match (&item.body_html, &item.raw) {
        (Some(html), _) if !html.trim().is_empty() => {
            crate::text::render_html(html, width, &theme.post_styles()).lines
        }
        (_, Some(raw)) => raw.lines().map(|l| Line::from(sanitize_line(l))).collect(),
        _ => Vec::new(),
    };
    lines.extend(body);
    lines
}

fn line_text(line: &Line) -> String {
    line.spans.iter().map(|s| s.content.as_ref()).collect()
}

/// The keys of the actions this item offers: the keyed ones with their key, the rest under
/// the key that lists every action.
fn action_keys(app: &App, item: &Reviewable) -> Vec<(String, String)> {
    let keymap = &app.config.keymap;
    let mut out = Vec::new();
    for (wanted, word) in KEYED_ACTIONS {
        if crate::actions::review_flow::offered(item, wanted).is_none() {
            continue;
        }
        let name = format!("review_perform {wanted}");
        if let Some(key) = keymap.keys_for(Mode::Review, &name) {
            out.push((key, word.to_string()));
        }
    }
    if let Some(key) = keymap.keys_for(Mode::Review, "review_perform") {
        out.push((key, "every action".into()));
    }
    if let Some(key) = keymap.keys_for(Mode::Review, "review_mark") {
        out.push((key, "mark".into()));
    }
    if item.kind == ReviewKind::User {
        return out;
    }
    if let Some(key) = keymap.keys_for(Mode::Review, "open") {
        out.push((key, "open the post".into()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{ReviewId, ReviewReason, ReviewStatus};
    use unicode_width::UnicodeWidthStr;

    fn item() -> Reviewable {
        Reviewable {
            id: ReviewId::from(1),
            kind: ReviewKind::FlaggedPost,
            status: ReviewStatus::Pending,
            topic_id: None,
            post_id: None,
            category_id: None,
            created_at: None,
            score: 3.0,
            version: 1,
            reasons: vec![ReviewReason {
                flag_type: "spam".into(),
                label: "Spam".into(),
                count: 1,
                by: vec![],
                notes_html: vec![],
            }],
            target_author: None,
            topic_title: None,
            body_html: None,
            raw: None,
            url: None,
            actions: vec![],
        }
    }

    #[test]
    fn wide_names_keep_the_columns_in_line() {
        for width in [80, 120] {
            let columns = ReviewColumns::for_width(width);
            let topic_at = |author: &str| {
                let row = columns.row("3h", &item(), author, "TOPIC");
                row[..row.find("TOPIC").unwrap()].width()
            };
            let header = columns.header();
            let header_at = header[..header.find("TOPIC").unwrap()].width();
            assert_eq!(topic_at("anna"), header_at);
            assert_eq!(topic_at("山田太郎"), header_at, "width {width}");
            assert_eq!(
                topic_at("山田太郎山田太郎山田太郎"),
                header_at,
                "cut to fit"
            );
        }
    }
}
