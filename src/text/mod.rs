//! Remote text made safe and readable: the sanitizer and the HTML renderer.
//!
//! Everything that came from a server goes through [`sanitize`] (or [`sanitize_line`] for
//! one-line fields) before it reaches a widget. Post bodies ("cooked" HTML) are turned into
//! styled, wrapped lines by [`render_html`], which sanitizes every piece of text and every URL.

mod html;
mod sanitize;

pub use html::{render_html, PostStyles, RenderedPost};
pub use sanitize::{sanitize, sanitize_line};
