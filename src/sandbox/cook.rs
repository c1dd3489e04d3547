//! Cooking: a post's raw markdown to the HTML the API serves as `cooked`, the way Discourse
//! cooks (CommonMark, with tables and strikethrough), through pulldown-cmark, then
//! [`super::sanitize`].
//!
//! Discourse's own additions that the demo and the console rely on:
//! - a newline inside a paragraph is a line break (`<br>`), as on a Discourse site;
//! - `@username` becomes `<a class="mention" href="/u/username">@username</a>` (outside code
//!   and links);
//! - `[quote="user, post:N, topic:M"] … [/quote]` becomes Discourse's quote `aside`, its
//!   inside cooked as a post of its own (nested quotes too);
//! - `![alt|690x388](url)` sets the image's width and height;
//! - bare `http(s)://` URLs become links (linkify). No oneboxes.

use pulldown_cmark::{html, CowStr, Event, Options, Parser, Tag, TagEnd};

use super::sanitize::{safe_url, sanitize};
use super::store::escape_html;

/// How deeply quotes nest before the rest is cooked as plain markdown.
const MAX_QUOTE_DEPTH: usize = 8;

/// The cooked HTML of `raw`.
pub(crate) fn cook(raw: &str) -> String {
    let mut html = String::new();
    cook_into(raw, 0, &mut html);
    // Everything once more, the quote markup included (it carries user-given names).
    sanitize(&html).trim().to_string()
}

fn cook_into(raw: &str, depth: usize, out: &mut String) {
    for seg in split_quotes(raw, depth) {
        match seg {
            Segment::Markdown(md) => {
                // Each piece on its own, so its stray end tags cannot close a quote around it.
                let mut html = String::new();
                markdown(&md, &mut html);
                out.push_str(&sanitize(&html));
            }
            Segment::Quote { attrs, inner } => quote(&attrs, &inner, depth, out),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Quotes

enum Segment {
    Markdown(String),
    Quote { attrs: String, inner: String },
}

/// `[quote…]` opening a line: the attributes (what follows `=`) and the rest of the line.
fn quote_open(line: &str) -> Option<(String, &str)> {
    let rest = line.trim_start().strip_prefix("[quote")?;
    if let Some(after) = rest.strip_prefix(']') {
        return Some((String::new(), after));
    }
    let rest = rest.strip_prefix('=')?;
    let end = rest.find(']')?;
    Some((rest[..end].to_string(), &rest[end + 1..]))
}

fn fence_marker(line: &str) -> Option<&'static str> {
    let t = line.trim_start();
    if line.len() - t.len() > 3 {
        return None;
    }
    if t.starts_with("```") {
        Some("```")
    } else if t.starts_with("~~~") {
        Some("~~~")
    } else {
        None
    }
}

/// Splits `raw` into markdown and (balanced, line-based) quote blocks; quote tags inside
/// code fences are text. An unclosed quote is text too.
fn split_quotes(raw: &str, depth: usize) -> Vec<Segment> {
    let lines: Vec<&str> = raw.split('\n').map(|l| l.trim_end_matches('\r')).collect();
    let mut segs = Vec::new();
    let mut md = String::new();
    let mut fence: Option<&'static str> = None;
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if let Some(f) = fence {
            if fence_marker(line) == Some(f) {
                fence = None;
            }
        } else if let Some(f) = fence_marker(line) {
            fence = Some(f);
        } else if depth < MAX_QUOTE_DEPTH {
            if let Some((attrs, first)) = quote_open(line) {
                if let Some((inner, next)) = quote_body(&lines, i, first) {
                    if !md.is_empty() {
                        segs.push(Segment::Markdown(std::mem::take(&mut md)));
                    }
                    segs.push(Segment::Quote { attrs, inner });
                    i = next;
                    continue;
                }
            }
        }
        md.push_str(line);
        md.push('\n');
        i += 1;
    }
    if !md.is_empty() {
        segs.push(Segment::Markdown(md));
    }
    segs
}

/// The inside of the quote opened on line `start` (whose rest is `first`) and the line after
/// its `[/quote]`; `None` when it is never closed.
fn quote_body(lines: &[&str], start: usize, first: &str) -> Option<(String, usize)> {
    const CLOSE: &str = "[/quote]";
    let mut depth = 1usize;
    let mut inner = String::new();
    let mut take = |text: &str, inner: &mut String| -> bool {
        // true when this text closes the quote (its close is not kept).
        if quote_open(text).is_some() {
            depth += 1;
        }
        let t = text.trim_end();
        if let Some(before) = t.strip_suffix(CLOSE) {
            depth -= 1;
            if depth == 0 {
                if !before.trim().is_empty() {
                    inner.push_str(before);
                    inner.push('\n');
                }
                return true;
            }
        }
        inner.push_str(text);
        inner.push('\n');
        false
    };
    if !first.trim().is_empty() {
        // `[quote]text[/quote]` on one line, or text right after the opening tag.
        let t = first.trim_end();
        if let Some(before) = t.strip_suffix(CLOSE) {
            if quote_open(before).is_none() {
                inner.push_str(before);
                return Some((inner, start + 1));
            }
        }
        inner.push_str(first);
        inner.push('\n');
    }
    for (k, line) in lines.iter().enumerate().skip(start + 1) {
        if take(line, &mut inner) {
            return Some((inner, k + 1));
        }
    }
    None
}

/// Discourse's quote block (the shape the seed writes).
fn quote(attrs: &str, inner: &str, depth: usize, out: &mut String) {
    let attrs = attrs.trim().trim_matches('"');
    let mut username: Option<&str> = None;
    let mut post: Option<&str> = None;
    let mut topic: Option<&str> = None;
    for (i, part) in attrs.split(',').map(str::trim).enumerate() {
        if let Some(n) = part.strip_prefix("post:") {
            post = Some(n.trim());
        } else if let Some(n) = part.strip_prefix("topic:") {
            topic = Some(n.trim());
        } else if i == 0 && !part.is_empty() && !part.contains(':') {
            username = Some(part);
        }
    }
    fn digits(s: Option<&str>) -> Option<&str> {
        s.filter(|s| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit()))
    }
    out.push_str("<aside class=\"quote no-group\"");
    if let Some(u) = username {
        out.push_str(&format!(" data-username=\"{}\"", escape_html(u)));
    }
    if let Some(n) = digits(post) {
        out.push_str(&format!(" data-post=\"{n}\""));
    }
    if let Some(n) = digits(topic) {
        out.push_str(&format!(" data-topic=\"{n}\""));
    }
    out.push_str(">\n");
    if let Some(u) = username {
        out.push_str(&format!(
            "<div class=\"title\">\n<div class=\"quote-controls\"></div>\n{}:</div>\n",
            escape_html(u)
        ));
    }
    out.push_str("<blockquote>\n");
    cook_into(inner, depth + 1, out);
    out.push_str("</blockquote>\n</aside>\n");
}

// ---------------------------------------------------------------------------------------------
// Markdown

/// An image being read: its target, title and the alt text gathered so far.
struct PendingImage {
    url: String,
    title: String,
    alt: String,
    /// Images opened inside the alt text and not yet closed.
    nested: usize,
}

fn markdown(md: &str, out: &mut String) {
    let parser = Parser::new_ext(md, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH);
    let mut events: Vec<Event<'_>> = Vec::new();
    // Text is gathered across events (the parser splits it at `_`, `*`, escapes…) so a
    // mention or URL is seen whole.
    let mut text = String::new();
    let mut in_code = 0usize;
    let mut in_link = 0usize;
    let mut image: Option<PendingImage> = None;
    for ev in parser {
        if let Some(img) = image.as_mut() {
            match ev {
                Event::Text(t) | Event::Code(t) => img.alt.push_str(&t),
                Event::SoftBreak | Event::HardBreak => img.alt.push(' '),
                // An image inside the alt text only lends its words.
                Event::Start(Tag::Image { .. }) => img.nested += 1,
                Event::End(TagEnd::Image) if img.nested > 0 => img.nested -= 1,
                Event::End(TagEnd::Image) => {
                    if let Some(img) = image.take() {
                        events.push(Event::Html(CowStr::from(image_html(&img))));
                    }
                }
                _ => {}
            }
            continue;
        }
        if let Event::Text(t) = &ev {
            text.push_str(t);
            continue;
        }
        flush_text(&mut text, in_code > 0 || in_link > 0, &mut events);
        match ev {
            Event::Start(Tag::CodeBlock(_)) => in_code += 1,
            Event::End(TagEnd::CodeBlock) => in_code = in_code.saturating_sub(1),
            Event::Start(Tag::Link { .. }) => in_link += 1,
            Event::End(TagEnd::Link) => in_link = in_link.saturating_sub(1),
            _ => {}
        }
        match ev {
            Event::Start(Tag::Image {
                dest_url, title, ..
            }) => {
                image = Some(PendingImage {
                    url: dest_url.to_string(),
                    title: title.to_string(),
                    alt: String::new(),
                    nested: 0,
                });
            }
            // A newline in a paragraph is a line break on Discourse.
            Event::SoftBreak => events.push(Event::Html(CowStr::Borrowed("<br>\n"))),
            other => events.push(other),
        }
    }
    flush_text(&mut text, in_code > 0 || in_link > 0, &mut events);
    html::push_html(out, events.into_iter());
}

/// `![alt|690x388](url "title")`: Discourse's size suffix becomes width and height. An image
/// whose target is refused leaves its alt text.
fn image_html(img: &PendingImage) -> String {
    let (alt, size) = match img.alt.rsplit_once('|') {
        Some((alt, size)) => match size.split_once('x') {
            Some((w, h))
                if !w.is_empty()
                    && !h.is_empty()
                    && w.len() <= 5
                    && h.len() <= 5
                    && w.chars().chain(h.chars()).all(|c| c.is_ascii_digit()) =>
            {
                (alt, Some((w, h)))
            }
            _ => (img.alt.as_str(), None),
        },
        None => (img.alt.as_str(), None),
    };
    let Some(src) = safe_url(&img.url, false) else {
        return escape_html(alt);
    };
    let mut s = format!(
        "<img src=\"{}\" alt=\"{}\"",
        escape_html(&src),
        escape_html(alt)
    );
    if !img.title.is_empty() {
        s.push_str(&format!(" title=\"{}\"", escape_html(&img.title)));
    }
    if let Some((w, h)) = size {
        s.push_str(&format!(" width=\"{w}\" height=\"{h}\""));
    }
    s.push('>');
    s
}

/// Emits gathered text: as is inside code and links, otherwise with mentions and bare URLs
/// turned into links.
fn flush_text(text: &mut String, verbatim: bool, events: &mut Vec<Event<'_>>) {
    if text.is_empty() {
        return;
    }
    let t = std::mem::take(text);
    if verbatim {
        events.push(Event::Text(CowStr::from(t)));
        return;
    }
    let mut plain = String::new();
    let chars: Vec<(usize, char)> = t.char_indices().collect();
    let mut i = 0;
    while i < chars.len() {
        let (at, c) = chars[i];
        let boundary = i == 0 || {
            let p = chars[i - 1].1;
            p.is_whitespace() || matches!(p, '(' | '[' | '{' | '"' | '\'' | ',' | ';')
        };
        if boundary && c == '@' {
            let mut j = i + 1;
            while j < chars.len()
                && (chars[j].1.is_ascii_alphanumeric() || chars[j].1 == '_' || chars[j].1 == '-')
            {
                j += 1;
            }
            if j > i + 1 {
                let end = chars.get(j).map_or(t.len(), |c| c.0);
                let name = &t[at + 1..end];
                push_plain(&mut plain, events);
                events.push(Event::Html(CowStr::from(format!(
                    "<a class=\"mention\" href=\"/u/{}\">@{}</a>",
                    escape_html(&name.to_lowercase()),
                    escape_html(name)
                ))));
                i = j;
                continue;
            }
        }
        if boundary && (t[at..].starts_with("https://") || t[at..].starts_with("http://")) {
            let rest = &t[at..];
            let mut len = rest
                .find(|ch: char| ch.is_whitespace() || ch == '<' || ch == '"')
                .unwrap_or(rest.len());
            // Trailing punctuation belongs to the sentence, not the URL.
            while len > 0 {
                let last = rest[..len].chars().next_back().unwrap_or(' ');
                let unbalanced_paren = last == ')'
                    && rest[..len].matches('(').count() < rest[..len].matches(')').count();
                if matches!(last, '.' | ',' | ';' | ':' | '!' | '?' | '\'') || unbalanced_paren {
                    len -= last.len_utf8();
                } else {
                    break;
                }
            }
            let url = &rest[..len];
            if url.len() > "https://".len() {
                push_plain(&mut plain, events);
                events.push(Event::Html(CowStr::from(format!(
                    "<a href=\"{0}\">{0}</a>",
                    escape_html(url)
                ))));
                let end = at + len;
                while i < chars.len() && chars[i].0 < end {
                    i += 1;
                }
                continue;
            }
        }
        plain.push(c);
        i += 1;
    }
    push_plain(&mut plain, events);
}

fn push_plain(plain: &mut String, events: &mut Vec<Event<'_>>) {
    if !plain.is_empty() {
        events.push(Event::Text(CowStr::from(std::mem::take(plain))));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_breaks_and_mentions_as_before() {
        assert_eq!(
            cook("Hello @Mod_Anna, see\nthis.\n\nSecond"),
            "<p>Hello <a class=\"mention\" href=\"/u/mod_anna\">@Mod_Anna</a>, see<br>\nthis.</p>\n<p>Second</p>"
        );
        assert_eq!(cook("mail a@b.example"), "<p>mail a@b.example</p>");
        assert_eq!(
            cook("`@x` and\n```\n@y <b>\n```"),
            "<p><code>@x</code> and</p>\n<pre><code>@y &lt;b&gt;\n</code></pre>"
        );
    }

    #[test]
    fn markdown_features() {
        let html = cook("# Title\n\n*em* **strong** ~~gone~~\n\n- a\n- b\n\n1. one\n\n> quoted\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n[link](https://example.com/x) and https://example.org/y.");
        for part in [
            "<h1>Title</h1>",
            "<em>em</em>",
            "<strong>strong</strong>",
            "<del>gone</del>",
            "<ul>\n<li>a</li>",
            "<ol>\n<li>one</li>",
            "<blockquote>\n<p>quoted</p>\n</blockquote>",
            "<table>",
            "<td>2</td>",
            "<a href=\"https://example.com/x\">link</a>",
            "<a href=\"https://example.org/y\">https://example.org/y</a>.",
        ] {
            assert!(html.contains(part), "{part} not in {html}");
        }
    }

    #[test]
    fn discourse_quotes_and_image_sizes() {
        let html =
            cook("[quote=\"member_mia, post:2, topic:17\"]\nIt *works*\n[/quote]\n\nThanks!");
        assert_eq!(
            html,
            "<aside class=\"quote no-group\" data-post=\"2\" data-topic=\"17\" data-username=\"member_mia\">\n\
             <div class=\"title\">\n<div class=\"quote-controls\"></div>\nmember_mia:</div>\n\
             <blockquote>\n<p>It <em>works</em></p>\n</blockquote>\n</aside>\n<p>Thanks!</p>"
        );
        let nested = cook("[quote]\nouter\n[quote=\"bob\"]\ninner\n[/quote]\n[/quote]");
        assert_eq!(nested.matches("<aside").count(), 2, "{nested}");
        assert_eq!(nested.matches("</aside>").count(), 2, "{nested}");
        assert!(cook("[quote]\nnever closed").contains("[quote]"));
        assert!(cook("```\n[quote]\n[/quote]\n```").contains("[quote]"));
        assert_eq!(
            cook("![router lights|690x388](/uploads/a.png)"),
            "<p><img alt=\"router lights\" height=\"388\" src=\"/uploads/a.png\" width=\"690\"></p>"
        );
    }

    #[test]
    fn hostile_input_is_defused() {
        assert_eq!(cook("[x](javascript:alert(1))"), "<p>x</p>");
        assert_eq!(cook("[x](JAVASCRIPT:alert(1)) [y](data:text/html;base64,xx) [z](vbscript:m) [w](file:///etc/passwd)"), "<p>x y z w</p>");
        assert_eq!(cook("<script>alert(1)</script>\n\nok"), "<p>ok</p>");
        let img = cook("<img src=x onerror=alert(1)>");
        assert!(!img.contains("onerror"), "{img}");
        assert_eq!(cook("![a](javascript:alert(1))"), "<p>a</p>");
        let html = cook("<div onclick=\"x()\" style=\"color:red\">hi <iframe src=\"https://evil.test\"></iframe><a href=\"https://ok.test\" onmouseover=\"x()\">ok</a></div>");
        assert!(
            !html.contains("onclick")
                && !html.contains("style")
                && !html.contains("iframe")
                && !html.contains("onmouseover"),
            "{html}"
        );
        assert!(
            html.contains("<a href=\"https://ok.test\">ok</a>"),
            "{html}"
        );
        // A post cannot close the quote it is in.
        let q = cook("[quote=\"a\"]\n</blockquote></aside><b>x\n[/quote]\nafter");
        assert!(q.ends_with("</blockquote>\n</aside>\n<p>after</p>"), "{q}");
        // Odd nesting neither panics nor leaks markup.
        let nested = cook("![a ![b](x.png) c](y.png) [l [m](/m) ![i](javascript:x)](/l)");
        assert!(
            nested.contains("<img alt=\"a b c\" src=\"y.png\">"),
            "{nested}"
        );
        assert!(!nested.contains("javascript"), "{nested}");
        // Terminal escapes stay text (the console's sanitizer removes them).
        assert!(cook("a \u{1b}[31m b").contains('\u{1b}'));
    }

    /// Random mixes of markup never panic, never let a dangerous tag or attribute through and
    /// never unbalance the quote structure (a bounded, deterministic run).
    #[test]
    fn random_markup_never_panics_or_leaks() {
        let pieces = [
            "[quote=\"a, post:1, topic:2\"]\n",
            "[/quote]\n",
            "[quote]",
            "```\n",
            "~~~",
            "\n",
            "\n\n",
            "@bob",
            " ",
            "*",
            "_",
            "**",
            "`",
            "<",
            ">",
            "<script>",
            "</script>",
            "<img src=x onerror=y>",
            "[x](javascript:a)",
            "![i|1x2](data:x)",
            "https://a.b/c.",
            "(",
            ")",
            "[",
            "]",
            "<a href='vbscript:x'>",
            "</a>",
            "&#106;",
            "<div>",
            "</div>",
            "| a |\n|---|\n",
            "> ",
            "- ",
            "1. ",
            "<!--",
            "-->",
            "<svg><script>x</script></svg>",
            "\u{1b}[31m",
            "é",
            "<style>",
            "<iframe>",
            "</aside>",
            "</blockquote>",
        ];
        let mut state: u64 = 0x1234_5678;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..5000 {
            let n = 1 + (next() % 12) as usize;
            let raw: String = (0..n)
                .map(|_| pieces[(next() % pieces.len() as u64) as usize])
                .collect();
            let out = cook(&raw);
            let low = out.to_lowercase();
            // Every literal `<` opens a tag the sanitizer wrote (text `<` is escaped).
            for tag in low.split('<').skip(1) {
                let tag = tag.split('>').next().unwrap_or("");
                let name = tag.split([' ', '/']).next().unwrap_or("");
                assert!(
                    !["script", "iframe", "style", "svg"].contains(&name),
                    "{raw:?} -> {out}"
                );
                for bad in [
                    " on",
                    "=\"javascript:",
                    "=\"vbscript:",
                    "=\"data:",
                    "style=",
                ] {
                    assert!(!tag.contains(bad), "{raw:?} -> {out}");
                }
            }
            assert_eq!(
                out.matches("<aside").count(),
                out.matches("</aside>").count(),
                "{raw:?} -> {out}"
            );
        }
    }
}
