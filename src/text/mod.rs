//! Remote text made safe and readable: the sanitizer and the HTML renderer.
//!
//! Everything that came from a server goes through [`sanitize`] (or [`sanitize_line`] for
//! one-line fields) before it reaches a widget. Post bodies (HTML) are turned into styled,
//! wrapped lines by [`render_html`], which sanitizes every piece of text and every URL.

mod html;
mod sanitize;

pub use html::{render_html, PostStyles, RenderedPost};
pub use sanitize::{sanitize, sanitize_line};

/// A bit of HTML (an excerpt, a search blurb) as one line of plain, safe text.
pub fn render_plain(html: &str) -> String {
    let rendered = render_html(html, 10_000, &PostStyles::plain());
    let text: Vec<String> = rendered
        .lines
        .iter()
        .map(|l| {
            l.spans
                .iter()
                .map(|s| s.content.as_ref())
                .collect::<String>()
        })
        .filter(|l| !l.trim().is_empty())
        .collect();
    sanitize_line(&text.join(" "))
}
