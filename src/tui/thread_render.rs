//! A topic turned into styled lines for one width. Done in `update` when the topic or the
//! width changes, never per frame.

use std::collections::BTreeSet;

use ratatui::text::{Line, Span};

use crate::config::{Slot, Theme};
use crate::domain::{PostId, PostKind, Topic};
use crate::text::{render_html, sanitize_line, PostStyles};

use super::app::RenderedThread;

/// Body text is indented under its header by this many columns.
const INDENT: u16 = 2;

pub fn render_thread(
    topic: &Topic,
    width: u16,
    theme: &Theme,
    styles: &PostStyles,
    marked: &BTreeSet<PostId>,
) -> RenderedThread {
    let mut out = RenderedThread {
        width,
        ..RenderedThread::default()
    };
    for post in &topic.posts {
        out.post_starts.push(out.lines.len());
        let mut header = vec![
            Span::styled(format!("#{} ", post.post_number), theme.style(Slot::Muted)),
            Span::styled(
                sanitize_line(&post.author.username),
                theme.style(Slot::Accent),
            ),
        ];
        // The marks come first so a narrow pane never cuts them off.
        if post.accepted_answer {
            header.push(Span::styled(" ✔ SOLUTION", theme.style(Slot::Solved)));
        }
        if marked.contains(&post.id) {
            header.push(Span::styled(" [● marked]", theme.style(Slot::Warning)));
        }
        let mut role = post.author.role.label().to_string();
        role.push_str(&format!(" · TL{}", post.author.trust_level));
        header.push(Span::styled(format!(" ({role})"), theme.style(Slot::Role)));
        header.push(Span::styled(
            format!(
                "  {}  ♥ {}",
                post.created_at.format("%Y-%m-%d %H:%M"),
                post.like_count
            ),
            theme.style(Slot::Muted),
        ));
        if let Some(n) = post.reply_to_post_number {
            header.push(Span::styled(format!("  ↳ #{n}"), theme.style(Slot::Muted)));
        }
        if post.kind == PostKind::Whisper {
            header.push(Span::styled("  (whisper)", theme.style(Slot::Muted)));
        }
        out.lines.push(Line::from(header));
        let rendered = render_html(&post.cooked, width.saturating_sub(INDENT).max(10), styles);
        for line in rendered.lines {
            let mut spans = vec![Span::raw(" ".repeat(INDENT as usize))];
            spans.extend(line.spans);
            out.lines.push(Line::from(spans).style(line.style));
        }
        for (i, link) in rendered.links.iter().enumerate() {
            let label = format!("[{}] ", i + 1);
            out.link_lines
                .push((out.lines.len(), INDENT + label.len() as u16, link.clone()));
            out.lines.push(Line::from(vec![
                Span::raw(" ".repeat(INDENT as usize)),
                Span::styled(format!("{label}{link}"), theme.style(Slot::Link)),
            ]));
        }
        out.post_links.push(rendered.links);
        out.lines.push(Line::default());
    }
    out
}
