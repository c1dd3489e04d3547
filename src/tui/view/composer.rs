//! The reply composer: the editor, what it replies to, and the keys that send or leave.

use ratatui::layout::{Constraint, Direction, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::config::{Mode, Slot};
use crate::text::sanitize_line;

use super::super::app::{App, Pane};
use super::{is_focused, pane_block};

pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    let theme = &app.config.theme;
    let Some(composer) = app.composer.as_ref() else {
        return;
    };
    let editing = composer.editing.as_ref();
    let target = match (editing, composer.reply_to) {
        (Some(e), _) => format!("edit #{}", e.post.post_number),
        (None, Some(n)) => format!("reply to #{n}"),
        (None, None) => "reply".to_string(),
    };
    let mut title = format!(" {target} · {} ", sanitize_line(&composer.topic_title));
    if composer.sending.is_some() {
        title.push_str(if editing.is_some() {
            "(saving…) "
        } else {
            "(sending…) "
        });
    } else if composer.checking_sent {
        title.push_str("(checking whether it was posted…) ");
    }
    let block = pane_block(theme, title, is_focused(app, Pane::Composer));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let parts = Layout::default()
        .direction(Direction::Vertical)
        .constraints([Constraint::Min(1), Constraint::Length(1)])
        .split(inner);
    frame.render_widget(&composer.textarea, parts[0]);

    let keymap = &app.config.keymap;
    let key = |action: &str| {
        keymap
            .keys_for(Mode::Composer, action)
            .unwrap_or_else(|| format!(":{action}"))
    };
    // The live count against the site's minimum: too short is refused before sending.
    let count = composer.char_count();
    let count_style = if count < composer.min_chars {
        theme.style(Slot::Warning)
    } else {
        theme.style(Slot::Muted)
    };
    let hint = Line::from(vec![
        Span::styled(
            format!("{count}/{}+ chars  ", composer.min_chars),
            count_style,
        ),
        Span::styled(key("send_reply"), theme.style(Slot::Accent)),
        Span::styled(
            if editing.is_some() {
                " save  "
            } else {
                " send  "
            },
            theme.style(Slot::Muted),
        ),
        Span::styled(key("open_in_editor"), theme.style(Slot::Accent)),
        Span::styled(" $EDITOR  ", theme.style(Slot::Muted)),
        Span::styled(key("cancel"), theme.style(Slot::Accent)),
        Span::styled(
            match editing {
                Some(e) if e.discard_asked => " again discards the changes",
                Some(_) => " discard the edit",
                None => " close (draft kept)",
            },
            theme.style(Slot::Muted),
        ),
    ]);
    frame.render_widget(Paragraph::new(hint), parts[1]);
}
