//! The allow-list sanitizer cooked HTML goes through, as Discourse sanitizes what its cooker
//! produced (raw HTML in a post is allowed only within a safe list): known-safe tags keep
//! known-safe attributes; links keep `http`, `https`, `mailto` and relative targets only
//! (a `javascript:`, `data:`, `vbscript:` or `file:` link loses its tag, not its text); event
//! handlers, `style` and `id` never pass; `script`, `style`, `iframe` and the like go with
//! their content. The output is well formed: every element kept is closed, stray end tags are
//! dropped, so a post cannot close the markup around it.
//!
//! Tokens come from html5gum (a WHATWG tokenizer), so entities, unquoted attributes and
//! broken markup are read as a browser would read them; raw-text elements switch its state so
//! a `<` inside a `<script>` opens nothing.

use std::collections::BTreeMap;

/// Elements dropped together with everything inside them.
const DROP_WITH_CONTENT: &[&str] = &[
    "script",
    "style",
    "template",
    "noscript",
    "iframe",
    "object",
    "embed",
    "textarea",
    "title",
    "xmp",
    "noembed",
    "noframes",
    "plaintext",
    "select",
    "svg",
    "math",
    "frameset",
    "frame",
    "head",
    "applet",
    "audio",
    "video",
    "canvas",
    "form",
];

/// Elements that have no end tag.
const VOID: &[&str] = &["br", "hr", "img"];

/// Elements kept (their attributes are checked by [`attr`]).
const ALLOWED: &[&str] = &[
    "a",
    "abbr",
    "aside",
    "b",
    "big",
    "blockquote",
    "br",
    "code",
    "dd",
    "del",
    "details",
    "div",
    "dl",
    "dt",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "ins",
    "kbd",
    "li",
    "mark",
    "ol",
    "p",
    "pre",
    "s",
    "small",
    "span",
    "strike",
    "strong",
    "sub",
    "summary",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "tt",
    "u",
    "ul",
];

/// How deeply elements may nest; deeper start tags are dropped (their text is kept).
const MAX_DEPTH: usize = 100;

/// The sanitized HTML.
pub(crate) fn sanitize(html: &str) -> String {
    let mut emitter = html5gum::DefaultEmitter::default();
    emitter.naively_switch_states(true);
    let mut out = String::with_capacity(html.len());
    let mut open: Vec<String> = Vec::new();
    // Inside an element dropped with its content: its name and how deep it nests.
    let mut hidden: Option<(String, usize)> = None;
    let text = |s: &[u8]| String::from_utf8_lossy(s).into_owned();
    for token in html5gum::Tokenizer::new_with_emitter(html, emitter) {
        let Ok(token) = token;
        match token {
            html5gum::Token::StartTag(tag) => {
                let name = text(&tag.name).to_ascii_lowercase();
                if let Some((h, depth)) = hidden.as_mut() {
                    if *h == name && !tag.self_closing {
                        *depth += 1;
                    }
                    continue;
                }
                if DROP_WITH_CONTENT.contains(&name.as_str()) {
                    // Raw-text elements have content even when written `<script/>`.
                    hidden = Some((name, 1));
                    continue;
                }
                if !ALLOWED.contains(&name.as_str()) || open.len() >= MAX_DEPTH {
                    continue;
                }
                let attrs: BTreeMap<String, String> = tag
                    .attributes
                    .iter()
                    .map(|(k, v)| (text(k).to_ascii_lowercase(), text(&v.value)))
                    .collect();
                let kept: Vec<(String, String)> = attrs
                    .iter()
                    .filter_map(|(k, v)| attr(&name, k, v).map(|v| (k.clone(), v)))
                    .collect();
                // A link or image whose target was refused is not a link or image at all.
                if (name == "a"
                    && attrs.contains_key("href")
                    && !kept.iter().any(|(k, _)| k == "href"))
                    || (name == "img" && !kept.iter().any(|(k, _)| k == "src"))
                {
                    if name == "img" {
                        if let Some(alt) = attrs.get("alt") {
                            out.push_str(&escape(alt, false));
                        }
                    }
                    continue;
                }
                out.push('<');
                out.push_str(&name);
                for (k, v) in kept {
                    out.push(' ');
                    out.push_str(&k);
                    out.push_str("=\"");
                    out.push_str(&escape(&v, true));
                    out.push('"');
                }
                out.push('>');
                if !VOID.contains(&name.as_str()) {
                    open.push(name);
                }
            }
            html5gum::Token::EndTag(tag) => {
                let name = text(&tag.name).to_ascii_lowercase();
                if let Some((h, depth)) = hidden.as_mut() {
                    if *h == name {
                        *depth -= 1;
                        if *depth == 0 {
                            hidden = None;
                        }
                    }
                    continue;
                }
                // Close what is open down to it; an end tag of nothing open is dropped.
                if let Some(pos) = open.iter().rposition(|o| *o == name) {
                    for o in open.drain(pos..).rev() {
                        out.push_str("</");
                        out.push_str(&o);
                        out.push('>');
                    }
                }
            }
            html5gum::Token::String(s) if hidden.is_none() => {
                out.push_str(&escape(&text(&s.value), false));
            }
            // Comments, doctypes, recovered parse errors, hidden content.
            _ => {}
        }
    }
    for o in open.drain(..).rev() {
        out.push_str("</");
        out.push_str(&o);
        out.push('>');
    }
    out
}

/// The value to keep for attribute `name` of element `tag`, or `None` to drop it.
fn attr(tag: &str, name: &str, value: &str) -> Option<String> {
    let class = || safe_class(value);
    match (tag, name) {
        ("a", "href") => safe_url(value, true),
        ("img", "src") => safe_url(value, false),
        ("a" | "abbr" | "img", "title") | ("img", "alt") => Some(value.to_string()),
        ("img", "width" | "height") | ("ol", "start") => digits(value),
        ("a" | "aside" | "div" | "span" | "code" | "pre" | "img" | "p", "class") => class(),
        ("aside", "data-username") => Some(value.to_string()),
        ("aside", "data-post" | "data-topic") => digits(value),
        ("aside", "data-full") => (value == "true" || value == "false").then(|| value.to_string()),
        ("details", "open") => Some(String::new()),
        _ => None,
    }
}

/// A link target that cannot run code: `http`, `https` (and `mailto` for links), or
/// relative. Browsers ignore tabs and newlines inside a URL and read entities, so the scheme
/// is read after dropping whitespace and controls (html5gum has decoded the entities).
pub(crate) fn safe_url(value: &str, allow_mailto: bool) -> Option<String> {
    let squeezed: String = value
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .collect();
    let lower = squeezed.to_ascii_lowercase();
    let scheme_end = lower.find([':', '/', '?', '#']);
    let ok = match scheme_end {
        Some(i) if lower.as_bytes()[i] == b':' => {
            matches!(&lower[..i], "http" | "https") || (allow_mailto && &lower[..i] == "mailto")
        }
        _ => true,
    };
    ok.then(|| value.trim().to_string())
}

fn safe_class(value: &str) -> Option<String> {
    let ok = !value.is_empty()
        && value.len() <= 200
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == ' ');
    ok.then(|| value.to_string())
}

fn digits(value: &str) -> Option<String> {
    let v = value.trim();
    (!v.is_empty() && v.len() <= 9 && v.chars().all(|c| c.is_ascii_digit())).then(|| v.to_string())
}

fn escape(s: &str, attribute: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attribute => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_handlers_and_bad_links_go() {
        assert_eq!(
            sanitize("<p>hi<script>alert(1)</script> there</p>"),
            "<p>hi there</p>"
        );
        assert_eq!(
            sanitize("<img src=\"x.png\" onerror=\"alert(1)\" alt=\"a\">"),
            "<img alt=\"a\" src=\"x.png\">"
        );
        assert_eq!(sanitize("<a href=\"javascript:alert(1)\">x</a>"), "x");
        assert_eq!(sanitize("<a href=\" JaVa\tScRiPt:alert(1)\">x</a>"), "x");
        assert_eq!(sanitize("<a href=\"&#106;avascript:alert(1)\">x</a>"), "x");
        assert_eq!(sanitize("<a href=\"data:text/html,hi\">x</a>"), "x");
        assert_eq!(
            sanitize("<a href=\"vbscript:x\">x</a><a href=\"file:///etc\">y</a>"),
            "xy"
        );
        assert_eq!(
            sanitize("<img src=\"data:image/png;base64,AAAA\" alt=\"pic\">"),
            "pic"
        );
        assert_eq!(
            sanitize("<a href=\"/t/x/1\">a</a> <a href=\"mailto:a@b.c\">b</a>"),
            "<a href=\"/t/x/1\">a</a> <a href=\"mailto:a@b.c\">b</a>"
        );
        assert_eq!(
            sanitize("<iframe src=\"https://e.test\">no</iframe>ok"),
            "ok"
        );
        assert_eq!(
            sanitize("<style>p{}</style><p style=\"x\" id=\"y\">t</p>"),
            "<p>t</p>"
        );
        assert_eq!(sanitize("<script/>alert(1)</script>after"), "after");
    }

    #[test]
    fn output_is_balanced() {
        assert_eq!(sanitize("<b>open"), "<b>open</b>");
        assert_eq!(sanitize("</blockquote></aside>text"), "text");
        assert_eq!(sanitize("<p><em>a</p>b"), "<p><em>a</em></p>b");
        let deep = "<div>".repeat(500);
        assert_eq!(sanitize(&deep).matches("<div>").count(), MAX_DEPTH);
    }

    #[test]
    fn text_stays_text() {
        assert_eq!(sanitize("a &lt;b&gt; &amp; c"), "a &lt;b&gt; &amp; c");
        assert_eq!(sanitize("x <unknown>y</unknown> z"), "x y z");
    }
}
