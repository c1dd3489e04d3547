//! A topic turned into styled lines for one width. Done in `update` when the topic or the
//! width changes, never per frame.

use std::collections::BTreeSet;

use ratatui::text::{Line, Span};

use crate::config::{Slot, Theme};
use crate::domain::{PostId, PostKind, SiteInfo, Topic};
use crate::text::{render_html, sanitize_line, PostStyles};

use super::app::RenderedThread;

/// Body text is indented under its header by this many columns.
const INDENT: u16 = 2;
/// The most of one post's HTML that is rendered; a longer post shows a line that says so
/// (a 5 MB post must not take hundreds of MB of styled lines).
pub const MAX_RENDERED_BYTES: usize = 64 * 1024;

pub fn render_thread(
    topic: &Topic,
    width: u16,
    theme: &Theme,
    styles: &PostStyles,
    marked: &BTreeSet<PostId>,
    site: &SiteInfo,
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
        if let Some(rank) = &post.author.rank {
            role.push_str(&format!(" · {}", sanitize_line(rank)));
        }
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
        let (html, cut) = bounded(&post.body_html);
        let rendered = render_html(html, width.saturating_sub(INDENT).max(10), styles);
        for line in rendered.lines {
            let mut spans = vec![Span::raw(" ".repeat(INDENT as usize))];
            spans.extend(line.spans);
            out.lines.push(Line::from(spans).style(line.style));
        }
        if cut {
            out.lines.push(Line::from(vec![
                Span::raw(" ".repeat(INDENT as usize)),
                Span::styled(
                    format!(
                        "… post truncated: {} KB, open it in the browser (y copies its link)",
                        post.body_html.len() / 1024
                    ),
                    theme.style(Slot::Warning),
                ),
            ]));
        }
        // Only web and mail links, relative ones joined with the site: a `javascript:` or
        // `file:` link never becomes something to click or copy.
        let links: Vec<String> = rendered
            .links
            .iter()
            .filter_map(|l| site.resolve_link(l))
            .collect();
        for (i, link) in links.iter().enumerate() {
            let label = format!("[{}] ", i + 1);
            out.link_lines
                .push((out.lines.len(), INDENT + label.len() as u16, link.clone()));
            out.lines.push(Line::from(vec![
                Span::raw(" ".repeat(INDENT as usize)),
                Span::styled(format!("{label}{link}"), theme.style(Slot::Link)),
            ]));
        }
        out.post_links.push(links);
        out.lines.push(Line::default());
    }
    out
}

/// The first `MAX_RENDERED_BYTES` of a post's HTML (cut at a character boundary), and whether
/// it was cut.
fn bounded(html: &str) -> (&str, bool) {
    if html.len() <= MAX_RENDERED_BYTES {
        return (html, false);
    }
    let mut end = MAX_RENDERED_BYTES;
    while !html.is_char_boundary(end) {
        end -= 1;
    }
    (&html[..end], true)
}
