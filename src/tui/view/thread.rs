//! The thread pane: the pre-rendered lines of the open topic, scrolled, with the selected
//! post's header highlighted.

use ratatui::layout::Rect;
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::config::Slot;
use crate::text::sanitize_line;

use super::super::app::{App, Pane};
use super::{is_focused, pane_block};

pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    let theme = &app.config.theme;
    let Some(thread) = app.thread.as_ref() else {
        return;
    };
    let mut title = format!(" #{} {} ", thread.topic_id, sanitize_line(&thread.title));
    if let Some(topic) = &thread.topic {
        title = format!(
            " #{} {} · {} post{}{} ",
            thread.topic_id,
            sanitize_line(&thread.title),
            topic.posts.len(),
            if topic.posts.len() == 1 { "" } else { "s" },
            if topic.accepted_answer.is_some() {
                " · ✔ solved"
            } else {
                ""
            }
        );
    }
    let others = app.others_replying(&thread.topic_id);
    if !others.is_empty() {
        // First, so a narrow pane never cuts it off.
        title = format!(" ✎ {} replying ·{title}", sanitize_line(&others.join(", ")));
    }
    if thread.loading {
        title.push_str("(loading…) ");
    }
    let block = pane_block(theme, title, is_focused(app, Pane::Thread));
    let inner = block.inner(area);
    frame.render_widget(block, area);

    if thread.topic.is_none() {
        let text = match &thread.error {
            Some(e) => format!("could not load: {}", sanitize_line(e)),
            None => "loading…".to_string(),
        };
        frame.render_widget(Paragraph::new(text).style(theme.style(Slot::Muted)), inner);
        return;
    }
    let rendered = &thread.rendered;
    let height = inner.height as usize;
    let start = thread.scroll.min(rendered.lines.len());
    let end = (start + height).min(rendered.lines.len());
    let selected_header = rendered.post_starts.get(thread.selected).copied();
    let lines: Vec<_> = rendered.lines[start..end]
        .iter()
        .enumerate()
        .map(|(i, line)| {
            if Some(start + i) == selected_header {
                // Every span in the selection's own colours: a span keeping its colour (the
                // author's accent) could be the selection's background colour and vanish.
                let selection = theme.style(Slot::Selection);
                let mut spans = vec![ratatui::text::Span::styled("▶ ", selection)];
                spans.extend(
                    line.spans
                        .iter()
                        .map(|s| ratatui::text::Span::styled(s.content.clone(), selection)),
                );
                ratatui::text::Line::from(spans).style(selection)
            } else {
                line.clone()
            }
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}
