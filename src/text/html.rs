//! A small, tolerant HTML renderer for Discourse "cooked" post bodies.
//!
//! Tokens come from html5gum (a WHATWG HTML5 tokenizer: unclosed and stray tags, unquoted
//! attributes and character references read as a browser reads them); the renderer here turns
//! them into wrapped, styled ratatui lines.
//! No escape sequence is ever emitted: links are collected in [`RenderedPost::links`] and shown
//! as footnote markers (`[1]`), so the UI can list, open or copy them.

use ratatui::style::Style;
use ratatui::text::{Line, Span};
use unicode_width::UnicodeWidthChar;

use super::sanitize::{sanitize, sanitize_line};

/// The styles the renderer uses; built from the theme by `Theme::post_styles`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PostStyles {
    pub text: Style,
    pub muted: Style,
    pub quote: Style,
    pub code: Style,
    pub link: Style,
    pub mention: Style,
    pub heading: Style,
    pub strong: Style,
    pub emphasis: Style,
}

impl PostStyles {
    /// Every style is `Style::default()`: for tests.
    pub fn plain() -> PostStyles {
        PostStyles::default()
    }
}

/// A post rendered for a given width.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RenderedPost {
    /// Styled lines. Text lines never exceed the width; lines of code blocks are kept verbatim
    /// and may (the view clips them).
    pub lines: Vec<Line<'static>>,
    /// The link targets, sanitized, in order of first appearance; footnote `[n]` is `links[n-1]`.
    /// Relative links (`/t/slug/12`, `/u/name`) are kept relative: join them with the site URL.
    pub links: Vec<String>,
}

/// Renders Discourse cooked HTML into lines wrapped at `width` display columns.
pub fn render_html(cooked: &str, width: u16, styles: &PostStyles) -> RenderedPost {
    let mut r = Renderer::new(width as usize, styles);
    for tok in tokenize(cooked) {
        match tok {
            Token::Text(t) => r.text(&t),
            Token::Start {
                name,
                attrs,
                self_closing,
            } => r.start(&name, &attrs, self_closing),
            Token::End(name) => r.end(&name),
        }
    }
    r.finish()
}

// ---------------------------------------------------------------------------------------------
// Tokenizer

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Start {
        name: String,
        attrs: Vec<(String, String)>,
        self_closing: bool,
    },
    End(String),
    Text(String),
}

/// Elements whose content is never shown (and never rendered as text).
const HIDDEN_CONTENT: &[&str] = &["script", "style", "template", "noscript"];

/// The cooked HTML as tokens, through a WHATWG-conformant tokenizer (html5gum), so stray and
/// unclosed tags, unquoted attributes and character references are read as a browser reads
/// them. Raw-text elements switch the tokenizer's state as a browser's tree builder would, so
/// a `<` inside a `<script>` cannot open a tag; their content is dropped.
fn tokenize(src: &str) -> Vec<Token> {
    let mut emitter = html5gum::DefaultEmitter::default();
    emitter.naively_switch_states(true);
    let mut toks: Vec<Token> = Vec::new();
    let mut hidden: Option<String> = None;
    let text = |s: &html5gum::HtmlString| String::from_utf8_lossy(s).into_owned();
    for token in html5gum::Tokenizer::new_with_emitter(src, emitter) {
        let Ok(token) = token;
        match token {
            html5gum::Token::StartTag(tag) => {
                let name = text(&tag.name);
                if hidden.is_some() {
                    continue;
                }
                if !tag.self_closing && HIDDEN_CONTENT.contains(&name.as_str()) {
                    hidden = Some(name);
                    continue;
                }
                let attrs = tag
                    .attributes
                    .iter()
                    .map(|(k, v)| (text(k), text(&v.value)))
                    .collect();
                toks.push(Token::Start {
                    name,
                    attrs,
                    self_closing: tag.self_closing,
                });
            }
            html5gum::Token::EndTag(tag) => {
                let name = text(&tag.name);
                match &hidden {
                    Some(h) if *h == name => hidden = None,
                    Some(_) => {}
                    None => toks.push(Token::End(name)),
                }
            }
            html5gum::Token::String(s) if hidden.is_none() => {
                let s = text(&s.value);
                match toks.last_mut() {
                    Some(Token::Text(t)) => t.push_str(&s),
                    _ => toks.push(Token::Text(s)),
                }
            }
            // Comments, doctypes, parse errors (recovered from) and hidden text.
            _ => {}
        }
    }
    toks
}

/// A URL made safe to show: sanitized, and only printable, non-space characters kept.
fn clean_url(s: &str) -> String {
    let s: String = sanitize(s)
        .chars()
        .filter(|c| !c.is_control() && !c.is_whitespace())
        .collect();
    if s.len() > 40 && s.get(..5).is_some_and(|p| p.eq_ignore_ascii_case("data:")) {
        return "data:…".to_string();
    }
    s
}

// ---------------------------------------------------------------------------------------------
// Renderer

#[derive(Debug)]
enum Inline {
    Text(String, Style),
    Break,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Effect {
    /// A block: flush on close, with a blank line after when true.
    Block(bool),
    Bold,
    Italic,
    Code,
    Heading,
    Mention,
    Skip,
    Pre,
    Quote,
    List,
    Link,
    Title,
}

#[derive(Debug)]
struct Elem {
    name: String,
    effects: Vec<Effect>,
    /// For `<aside class="quote">`: the quoted author from `data-username`, if any.
    quote_aside: Option<Option<String>>,
}

#[derive(Debug)]
struct ListCtx {
    ordered: bool,
    counter: usize,
    marker: Option<String>,
    indent: usize,
}

#[derive(Debug)]
struct LinkCtx {
    href: String,
    text: String,
}

struct Renderer<'a> {
    width: usize,
    st: &'a PostStyles,
    lines: Vec<Line<'static>>,
    links: Vec<String>,
    inline: Vec<Inline>,
    space_pending: bool,
    has_content: bool,
    pending_blank: Option<usize>,
    /// Set after a quote's "user wrote:" line: the quoted text follows without a gap.
    no_blank: bool,
    stack: Vec<Elem>,
    quote_depth: usize,
    lists: Vec<ListCtx>,
    bold: usize,
    italic: usize,
    code: usize,
    heading: usize,
    mention: usize,
    skip: usize,
    pre: usize,
    pre_buf: String,
    link: Option<LinkCtx>,
    title: Option<String>,
    cell: usize,
}

const BLOCKS_CLOSING_P: &[&str] = &[
    "p",
    "div",
    "ul",
    "ol",
    "pre",
    "blockquote",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "hr",
    "aside",
    "details",
    "section",
];

const VOID: &[&str] = &[
    "br", "img", "hr", "meta", "link", "input", "wbr", "source", "col", "area", "embed", "param",
    "track", "base",
];

fn has_class(attrs: &[(String, String)], class: &str) -> bool {
    attr(attrs, "class").is_some_and(|v| v.split_whitespace().any(|c| c == class))
}

fn attr<'b>(attrs: &'b [(String, String)], name: &str) -> Option<&'b str> {
    attrs
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

impl<'a> Renderer<'a> {
    fn new(width: usize, st: &'a PostStyles) -> Self {
        Renderer {
            width,
            st,
            lines: Vec::new(),
            links: Vec::new(),
            inline: Vec::new(),
            space_pending: false,
            has_content: false,
            pending_blank: None,
            no_blank: false,
            stack: Vec::new(),
            quote_depth: 0,
            lists: Vec::new(),
            bold: 0,
            italic: 0,
            code: 0,
            heading: 0,
            mention: 0,
            skip: 0,
            pre: 0,
            pre_buf: String::new(),
            link: None,
            title: None,
            cell: 0,
        }
    }

    fn style(&self) -> Style {
        let mut s = if self.quote_depth > 0 {
            self.st.quote
        } else {
            self.st.text
        };
        if self.heading > 0 {
            s = s.patch(self.st.heading);
        }
        if self.bold > 0 {
            s = s.patch(self.st.strong);
        }
        if self.italic > 0 {
            s = s.patch(self.st.emphasis);
        }
        if self.code > 0 {
            s = s.patch(self.st.code);
        }
        if self.mention > 0 {
            s = s.patch(self.st.mention);
        } else if self.link.is_some() {
            s = s.patch(self.st.link);
        }
        s
    }

    // --- tokens ---

    fn text(&mut self, raw: &str) {
        if self.skip > 0 {
            return;
        }
        if let Some(t) = self.title.as_mut() {
            t.push_str(raw);
            return;
        }
        if self.pre > 0 {
            self.pre_buf.push_str(raw);
            return;
        }
        let clean = sanitize(raw);
        if let Some(l) = self.link.as_mut() {
            l.text.push_str(&clean);
        }
        let style = self.style();
        self.push_text(&clean, style);
    }

    fn start(&mut self, name: &str, attrs: &[(String, String)], self_closing: bool) {
        if BLOCKS_CLOSING_P.contains(&name) && self.stack.last().is_some_and(|e| e.name == "p") {
            self.close_top();
        }
        if name == "li" {
            // An open <li> of the same list is closed by a new one.
            let li = self.stack.iter().rposition(|e| e.name == "li");
            let list = self
                .stack
                .iter()
                .rposition(|e| e.name == "ul" || e.name == "ol");
            if let (Some(li), list) = (li, list) {
                if list.is_none_or(|l| li > l) {
                    while self.stack.len() > li {
                        self.close_top();
                    }
                }
            }
        }
        if self.skip > 0 && !VOID.contains(&name) && !self_closing {
            self.stack.push(Elem {
                name: name.to_string(),
                effects: vec![],
                quote_aside: None,
            });
            return;
        }
        let mut effects = Vec::new();
        let mut quote_aside = None;
        match name {
            "br" => {
                if self.pre > 0 {
                    self.pre_buf.push('\n');
                } else if self.title.is_none() {
                    self.inline.push(Inline::Break);
                    self.has_content = false;
                    self.space_pending = false;
                }
            }
            "img" => self.image(attrs),
            "hr" => {
                self.flush_inline();
                self.request_blank();
                let (p, w) = self.prefix(false);
                let n = self.width.saturating_sub(w).max(1);
                let mut spans = p;
                spans.push(Span::styled("─".repeat(n), self.st.muted));
                self.push_line(spans);
                self.request_blank();
            }
            "p" => {
                self.block_start(true);
                effects.push(Effect::Block(true));
            }
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => {
                self.block_start(true);
                effects.push(Effect::Block(true));
                effects.push(Effect::Heading);
                self.heading += 1;
            }
            "blockquote" => {
                let in_aside = self
                    .stack
                    .last()
                    .is_some_and(|e| e.quote_aside.is_some() && e.name == "aside");
                self.block_start(!in_aside);
                if !in_aside {
                    self.quote_depth += 1;
                    effects.push(Effect::Quote);
                }
                effects.push(Effect::Block(true));
            }
            "aside" => {
                self.block_start(true);
                if has_class(attrs, "quote") {
                    self.quote_depth += 1;
                    effects.push(Effect::Quote);
                    quote_aside = Some(
                        attr(attrs, "data-username")
                            .map(sanitize_line)
                            .filter(|u| !u.is_empty()),
                    );
                }
                effects.push(Effect::Block(true));
            }
            "div" if has_class(attrs, "meta") || has_class(attrs, "quote-controls") => {
                self.skip += 1;
                effects.push(Effect::Skip);
            }
            "div"
                if has_class(attrs, "title")
                    && self.title.is_none()
                    && self.stack.last().is_some_and(|e| e.quote_aside.is_some()) =>
            {
                self.flush_inline();
                self.title = Some(String::new());
                effects.push(Effect::Title);
            }
            "pre" => {
                self.block_start(true);
                self.pre += 1;
                effects.push(Effect::Block(true));
                effects.push(Effect::Pre);
            }
            "code" | "kbd" | "samp" | "tt" if self.pre == 0 => {
                self.code += 1;
                effects.push(Effect::Code);
            }
            "ul" | "ol" => {
                let top = self.lists.is_empty();
                self.block_start(top);
                let start = attr(attrs, "start")
                    .and_then(|s| s.trim().parse::<usize>().ok())
                    .unwrap_or(1)
                    .min(1_000_000);
                self.lists.push(ListCtx {
                    ordered: name == "ol",
                    counter: start.saturating_sub(1),
                    marker: None,
                    indent: 2,
                });
                effects.push(Effect::Block(top));
                effects.push(Effect::List);
            }
            "li" => {
                self.block_start(false);
                if let Some(l) = self.lists.last_mut() {
                    l.counter += 1;
                    let m = if l.ordered {
                        format!("{}. ", l.counter)
                    } else {
                        "• ".to_string()
                    };
                    l.indent = m.chars().count();
                    l.marker = Some(m);
                }
                effects.push(Effect::Block(false));
            }
            "div" | "section" | "article" | "header" | "footer" | "figure" | "figcaption"
            | "details" | "summary" | "dl" | "dt" | "dd" | "nav" | "center" => {
                self.block_start(false);
                effects.push(Effect::Block(false));
            }
            "table" => {
                self.block_start(true);
                effects.push(Effect::Block(true));
            }
            "tr" => {
                self.block_start(false);
                self.cell = 0;
                effects.push(Effect::Block(false));
            }
            "td" | "th" => {
                if self.cell > 0 {
                    self.space_pending = true;
                    let muted = self.st.muted;
                    self.push_raw("│", muted);
                    self.space_pending = true;
                }
                self.cell += 1;
                if name == "th" {
                    self.bold += 1;
                    effects.push(Effect::Bold);
                }
            }
            "strong" | "b" => {
                self.bold += 1;
                effects.push(Effect::Bold);
            }
            "em" | "i" | "cite" => {
                self.italic += 1;
                effects.push(Effect::Italic);
            }
            "a" | "span" if has_class(attrs, "mention") || has_class(attrs, "mention-group") => {
                self.mention += 1;
                effects.push(Effect::Mention);
            }
            "a" if !has_class(attrs, "lightbox") && self.link.is_none() => {
                if let Some(href) = attr(attrs, "href") {
                    self.link = Some(LinkCtx {
                        href: href.to_string(),
                        text: String::new(),
                    });
                    effects.push(Effect::Link);
                }
            }
            "svg" | "noscript" | "button" | "select" | "textarea" | "iframe" | "object" => {
                self.skip += 1;
                effects.push(Effect::Skip);
            }
            _ => {}
        }
        if !VOID.contains(&name) && !self_closing {
            self.stack.push(Elem {
                name: name.to_string(),
                effects,
                quote_aside,
            });
        } else {
            // Self-closing non-void tags (`<p/>`): undo at once.
            for e in effects.into_iter().rev() {
                self.undo(e, None);
            }
        }
    }

    fn end(&mut self, name: &str) {
        if let Some(pos) = self.stack.iter().rposition(|e| e.name == name) {
            while self.stack.len() > pos {
                self.close_top();
            }
        }
    }

    fn close_top(&mut self) {
        if let Some(e) = self.stack.pop() {
            let user = e.quote_aside.clone().flatten();
            for eff in e.effects.into_iter().rev() {
                self.undo(eff, user.as_deref());
            }
        }
    }

    fn undo(&mut self, eff: Effect, _aside_user: Option<&str>) {
        match eff {
            Effect::Block(blank) => {
                self.flush_inline();
                if blank {
                    self.request_blank();
                }
            }
            Effect::Bold => self.bold = self.bold.saturating_sub(1),
            Effect::Italic => self.italic = self.italic.saturating_sub(1),
            Effect::Code => self.code = self.code.saturating_sub(1),
            Effect::Heading => self.heading = self.heading.saturating_sub(1),
            Effect::Mention => self.mention = self.mention.saturating_sub(1),
            Effect::Skip => self.skip = self.skip.saturating_sub(1),
            Effect::Quote => {
                self.flush_inline();
                self.request_blank();
                self.quote_depth = self.quote_depth.saturating_sub(1);
                self.request_blank();
            }
            Effect::List => {
                self.flush_inline();
                self.lists.pop();
            }
            Effect::Pre => {
                self.pre = self.pre.saturating_sub(1);
                if self.pre == 0 {
                    self.emit_pre();
                }
            }
            Effect::Link => self.finish_link(),
            Effect::Title => {
                let captured = self.title.take().unwrap_or_default();
                let user = self
                    .stack
                    .iter()
                    .rev()
                    .find_map(|e| e.quote_aside.clone())
                    .flatten();
                let author = user.unwrap_or_else(|| {
                    sanitize_line(&captured)
                        .trim_end_matches(':')
                        .trim()
                        .to_string()
                });
                if !author.is_empty() {
                    let muted = self.st.muted;
                    self.push_raw(&format!("{author} wrote:"), muted);
                    self.flush_inline();
                    self.no_blank = true;
                }
            }
        }
    }

    fn finish(mut self) -> RenderedPost {
        while !self.stack.is_empty() {
            self.close_top();
        }
        if self.link.is_some() {
            self.finish_link();
        }
        self.flush_inline();
        if !self.pre_buf.is_empty() {
            self.emit_pre();
        }
        while self.lines.last().is_some_and(|l| l.width() == 0) {
            self.lines.pop();
        }
        RenderedPost {
            lines: self.lines,
            links: self.links,
        }
    }

    // --- pieces ---

    fn image(&mut self, attrs: &[(String, String)]) {
        if self.skip > 0 || self.title.is_some() || self.pre > 0 || has_class(attrs, "avatar") {
            return;
        }
        let alt = sanitize_line(attr(attrs, "alt").unwrap_or(""));
        if has_class(attrs, "emoji") {
            let t = if alt.is_empty() {
                sanitize_line(attr(attrs, "title").unwrap_or(""))
            } else {
                alt
            };
            let style = self.style();
            self.push_text(&t, style);
            return;
        }
        let src = clean_url(attr(attrs, "src").unwrap_or(""));
        let mut t = if alt.is_empty() {
            "[image]".to_string()
        } else {
            format!("[image: {alt}]")
        };
        if !src.is_empty() {
            t.push_str(&format!(" <{src}>"));
        }
        let muted = self.st.muted;
        self.push_raw(&t, muted);
    }

    fn finish_link(&mut self) {
        let Some(l) = self.link.take() else { return };
        let href = clean_url(&l.href);
        if href.is_empty() {
            return;
        }
        let n = match self.links.iter().position(|h| *h == href) {
            Some(i) => i + 1,
            None => {
                self.links.push(href.clone());
                self.links.len()
            }
        };
        let text = sanitize_line(&l.text);
        let same = |a: &str, b: &str| a.trim_end_matches('/') == b.trim_end_matches('/');
        let bare = href
            .strip_prefix("https://")
            .or_else(|| href.strip_prefix("http://"))
            .unwrap_or(&href);
        if !(same(&text, &href) || same(&text, bare)) {
            let style = self.st.link;
            // Attached to the link text, like a footnote.
            self.space_pending = false;
            self.push_raw(&format!("[{n}]"), style);
        }
    }

    fn push_text(&mut self, text: &str, style: Style) {
        let mut buf = String::new();
        for c in text.chars() {
            if c == ' ' || c == '\n' {
                self.space_pending = true;
            } else {
                if self.space_pending && self.has_content {
                    buf.push(' ');
                }
                self.space_pending = false;
                self.has_content = true;
                buf.push(c);
            }
        }
        if !buf.is_empty() {
            self.inline.push(Inline::Text(buf, style));
        }
    }

    /// Text that is not subject to whitespace collapsing (markers, placeholders).
    fn push_raw(&mut self, text: &str, style: Style) {
        let mut buf = String::new();
        if self.space_pending && self.has_content {
            buf.push(' ');
        }
        self.space_pending = false;
        self.has_content = true;
        buf.push_str(text);
        self.inline.push(Inline::Text(buf, style));
    }

    fn block_start(&mut self, blank: bool) {
        self.flush_inline();
        if blank {
            self.request_blank();
        }
    }

    fn request_blank(&mut self) {
        if self.no_blank {
            return;
        }
        let d = self.quote_depth;
        self.pending_blank = Some(self.pending_blank.map_or(d, |p| p.min(d)));
    }

    fn push_line(&mut self, spans: Vec<Span<'static>>) {
        self.no_blank = false;
        if let Some(d) = self.pending_blank.take() {
            if !self.lines.is_empty() {
                let bar = "│ ".repeat(d);
                let bar = bar.trim_end();
                self.lines.push(if bar.is_empty() {
                    Line::default()
                } else {
                    Line::from(Span::styled(bar.to_string(), self.st.quote))
                });
            }
        }
        self.lines.push(Line::from(spans));
    }

    /// The prefix of a line: quote bars and list indentation (with the pending item marker on
    /// the first line of an item when `first`).
    fn prefix(&mut self, first: bool) -> (Vec<Span<'static>>, usize) {
        let mut spans = Vec::new();
        let mut w = 0;
        if self.quote_depth > 0 {
            spans.push(Span::styled("│ ".repeat(self.quote_depth), self.st.quote));
            w += 2 * self.quote_depth;
        }
        let mut indent = String::new();
        for l in self.lists.iter_mut() {
            match (first, l.marker.take()) {
                (true, Some(m)) => {
                    indent.push_str(&m);
                }
                (false, m) => {
                    l.marker = m;
                    indent.push_str(&" ".repeat(l.indent));
                }
                (true, None) => indent.push_str(&" ".repeat(l.indent)),
            }
            w += l.indent;
        }
        if !indent.is_empty() {
            spans.push(Span::styled(indent, self.st.text));
        }
        (spans, w)
    }

    fn flush_inline(&mut self) {
        let items = std::mem::take(&mut self.inline);
        self.space_pending = false;
        self.has_content = false;
        let any = items
            .iter()
            .any(|i| matches!(i, Inline::Text(t, _) if !t.trim().is_empty()));
        if !any {
            return;
        }
        let (p2, w2) = self.prefix(false);
        let (p1, w1) = self.prefix(true);
        let a1 = self.width.saturating_sub(w1).max(1);
        let a2 = self.width.saturating_sub(w2).max(1);
        for (i, l) in wrap(items, a1, a2).into_iter().enumerate() {
            let mut spans = if i == 0 { p1.clone() } else { p2.clone() };
            spans.extend(l);
            self.push_line(spans);
        }
    }

    fn emit_pre(&mut self) {
        let raw = std::mem::take(&mut self.pre_buf);
        let clean = sanitize(&raw);
        let body = clean.strip_prefix('\n').unwrap_or(&clean).trim_end();
        if body.is_empty() {
            return;
        }
        let code = self.st.code;
        for (i, line) in body.split('\n').enumerate() {
            let (mut spans, _) = self.prefix(i == 0);
            spans.push(Span::styled("  ", code));
            spans.push(Span::styled(line.to_string(), code));
            self.push_line(spans);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Wrapping

enum Tok {
    Word(Vec<(String, Style)>, usize),
    Space(Style),
}

fn cw(c: char) -> usize {
    c.width().unwrap_or(0)
}

/// Splits inline content into logical lines (at `<br>`), then into words and spaces.
fn tokens(items: Vec<Inline>) -> Vec<Vec<Tok>> {
    let mut lines = vec![Vec::new()];
    let mut word: Vec<(String, Style)> = Vec::new();
    let mut ww = 0;
    fn end_word(line: &mut Vec<Tok>, word: &mut Vec<(String, Style)>, ww: &mut usize) {
        if !word.is_empty() {
            line.push(Tok::Word(std::mem::take(word), *ww));
            *ww = 0;
        }
    }
    for it in items {
        match it {
            Inline::Break => {
                let Some(line) = lines.last_mut() else {
                    continue;
                };
                end_word(line, &mut word, &mut ww);
                lines.push(Vec::new());
            }
            Inline::Text(t, st) => {
                for c in t.chars() {
                    let Some(line) = lines.last_mut() else {
                        continue;
                    };
                    if c == ' ' {
                        end_word(line, &mut word, &mut ww);
                        line.push(Tok::Space(st));
                    } else {
                        let c = if c == '\u{a0}' { ' ' } else { c };
                        match word.last_mut() {
                            Some((s, ws)) if *ws == st => s.push(c),
                            _ => word.push((c.to_string(), st)),
                        }
                        ww += cw(c);
                    }
                }
            }
        }
    }
    if let Some(line) = lines.last_mut() {
        end_word(line, &mut word, &mut ww);
    }
    lines
}

fn push_piece(cur: &mut Vec<Span<'static>>, s: &str, st: Style) {
    if let Some(last) = cur.last_mut() {
        if last.style == st {
            last.content.to_mut().push_str(s);
            return;
        }
    }
    cur.push(Span::styled(s.to_string(), st));
}

/// Greedy word wrap: `first` columns on the first line, `rest` on the others. Words longer than
/// the line are broken at character boundaries.
fn wrap(items: Vec<Inline>, first: usize, rest: usize) -> Vec<Vec<Span<'static>>> {
    let mut out: Vec<Vec<Span<'static>>> = Vec::new();
    let mut logical = tokens(items);
    while logical.first().is_some_and(|l| l.is_empty()) {
        logical.remove(0);
    }
    while logical.last().is_some_and(|l| l.is_empty()) {
        logical.pop();
    }
    for toks in logical {
        let mut cur: Vec<Span<'static>> = Vec::new();
        let mut cur_w = 0;
        let mut space: Option<Style> = None;
        let avail = |out: &Vec<Vec<Span<'static>>>| if out.is_empty() { first } else { rest };
        for tok in toks {
            match tok {
                Tok::Space(st) => {
                    if cur_w > 0 {
                        space = Some(st);
                    }
                }
                Tok::Word(pieces, w) => {
                    let sp = usize::from(space.is_some());
                    if cur_w + sp + w <= avail(&out) {
                        if let Some(st) = space.take() {
                            push_piece(&mut cur, " ", st);
                            cur_w += 1;
                        }
                        for (s, st) in &pieces {
                            push_piece(&mut cur, s, *st);
                        }
                        cur_w += w;
                        continue;
                    }
                    space = None;
                    if cur_w > 0 {
                        out.push(std::mem::take(&mut cur));
                        cur_w = 0;
                    }
                    if w <= avail(&out) {
                        for (s, st) in &pieces {
                            push_piece(&mut cur, s, *st);
                        }
                        cur_w = w;
                        continue;
                    }
                    // A word longer than a line: break it.
                    for (s, st) in &pieces {
                        for c in s.chars() {
                            let w = cw(c);
                            if cur_w > 0 && cur_w + w > avail(&out) {
                                out.push(std::mem::take(&mut cur));
                                cur_w = 0;
                            }
                            let mut b = [0u8; 4];
                            push_piece(&mut cur, c.encode_utf8(&mut b), *st);
                            cur_w += w;
                        }
                    }
                }
            }
        }
        out.push(cur);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::style::{Color, Modifier};

    fn render(html: &str, width: u16) -> RenderedPost {
        render_html(html, width, &PostStyles::plain())
    }

    fn text(p: &RenderedPost) -> Vec<String> {
        p.lines.iter().map(|l| l.to_string()).collect()
    }

    fn colored() -> PostStyles {
        PostStyles {
            text: Style::default(),
            muted: Style::default().fg(Color::DarkGray),
            quote: Style::default().fg(Color::Cyan),
            code: Style::default().fg(Color::Green),
            link: Style::default().fg(Color::Blue),
            mention: Style::default().fg(Color::Magenta),
            heading: Style::default().add_modifier(Modifier::BOLD),
            strong: Style::default().add_modifier(Modifier::BOLD),
            emphasis: Style::default().add_modifier(Modifier::ITALIC),
        }
    }

    fn span_style(p: &RenderedPost, needle: &str) -> Option<Style> {
        p.lines
            .iter()
            .flat_map(|l| l.spans.iter())
            .find(|s| s.content.contains(needle))
            .map(|s| s.style)
    }

    #[test]
    fn html_paragraphs_have_blank_line_between() {
        let p = render("<p>Hello   world\n again</p><p>Second</p>", 80);
        assert_eq!(text(&p), ["Hello world again", "", "Second"]);
    }

    #[test]
    fn html_br_breaks_line() {
        let p = render("<p>one<br>two<br/>three</p>", 80);
        assert_eq!(text(&p), ["one", "two", "three"]);
    }

    #[test]
    fn html_discourse_quote_with_author() {
        let html = r#"<aside class="quote no-group" data-username="alice" data-post="1" data-topic="2">
<div class="title">
<div class="quote-controls"></div>
<img alt="" width="24" height="24" src="/a.png" class="avatar"> alice:</div>
<blockquote>
<p>Quoted text</p>
</blockquote>
</aside>
<p>My answer</p>"#;
        let p = render(html, 80);
        assert_eq!(
            text(&p),
            ["│ alice wrote:", "│ Quoted text", "", "My answer"]
        );
    }

    #[test]
    fn html_quote_author_from_title_when_no_data_attribute() {
        let html = r#"<aside class="quote"><div class="title">bob:</div><blockquote><p>x</p></blockquote></aside>"#;
        assert_eq!(text(&render(html, 80)), ["│ bob wrote:", "│ x"]);
    }

    #[test]
    fn html_plain_blockquote_and_style() {
        let p = render_html("<blockquote><p>a</p><p>b</p></blockquote>", 80, &colored());
        assert_eq!(text(&p), ["│ a", "│", "│ b"]);
        assert_eq!(span_style(&p, "a").map(|s| s.fg), Some(Some(Color::Cyan)));
    }

    #[test]
    fn html_code_block_verbatim_not_wrapped() {
        let html = "<pre><code class=\"lang-rust\">fn main() {\n    let x = a &lt; b &amp;&amp; c;   // a very long comment line that is longer than the width\n}\n</code></pre><p>after</p>";
        let p = render(html, 30);
        let t = text(&p);
        assert_eq!(t[0], "  fn main() {");
        assert_eq!(
            t[1],
            "      let x = a < b && c;   // a very long comment line that is longer than the width"
        );
        assert_eq!(t[2], "  }");
        assert_eq!(t[3], "");
        assert_eq!(t[4], "after");
    }

    #[test]
    fn html_inline_code_styled() {
        let p = render_html("<p>run <code>cargo  test</code> now</p>", 80, &colored());
        assert_eq!(text(&p), ["run cargo test now"]);
        assert_eq!(
            span_style(&p, "cargo").map(|s| s.fg),
            Some(Some(Color::Green))
        );
    }

    #[test]
    fn html_nested_lists() {
        let html = "<ul><li>one</li><li>two<ul><li>inner</li><li>inner2</li></ul></li></ul><ol><li>first</li><li>second</li></ol>";
        let p = render(html, 80);
        assert_eq!(
            text(&p),
            [
                "• one",
                "• two",
                "  • inner",
                "  • inner2",
                "",
                "1. first",
                "2. second"
            ]
        );
    }

    #[test]
    fn html_list_item_wraps_with_hanging_indent() {
        let p = render("<ul><li>aaa bbb ccc ddd</li></ul>", 9);
        assert_eq!(text(&p), ["• aaa bbb", "  ccc ddd"]);
    }

    #[test]
    fn html_link_footnotes_and_links_collected() {
        let html = r#"<p>See <a href="https://example.com/docs">the docs</a> and <a href="https://example.com/x">https://example.com/x</a> and <a href="https://example.com/docs">again</a>.</p>"#;
        let p = render(html, 200);
        assert_eq!(
            text(&p),
            ["See the docs[1] and https://example.com/x and again[1]."]
        );
        assert_eq!(
            p.links,
            ["https://example.com/docs", "https://example.com/x"]
        );
    }

    #[test]
    fn html_mention_styled_without_footnote() {
        let html = r#"<p>Hi <a class="mention" href="/u/alice">@alice</a>!</p>"#;
        let p = render_html(html, 80, &colored());
        assert_eq!(text(&p), ["Hi @alice!"]);
        assert!(p.links.is_empty());
        assert_eq!(
            span_style(&p, "@alice").map(|s| s.fg),
            Some(Some(Color::Magenta))
        );
    }

    #[test]
    fn html_image_placeholder_and_emoji() {
        let html = r#"<p>Look: <img src="https://cdn.example/x.png" alt="screen shot"> <img src="/images/emoji/smile.png" class="emoji" alt=":smile:"></p>"#;
        let p = render(html, 200);
        assert_eq!(
            text(&p),
            ["Look: [image: screen shot] <https://cdn.example/x.png> :smile:"]
        );
    }

    #[test]
    fn html_entities_decoded() {
        let p = render(
            "<p>a &amp; b &lt;c&gt; &quot;d&quot; &#39;e&#39; &#233; &#x6F22; f&nbsp;g &hellip; &bogus; & h</p>",
            200,
        );
        assert_eq!(text(&p), ["a & b <c> \"d\" 'e' é 漢 f g … &bogus; & h"]);
    }

    #[test]
    fn html_headings_and_emphasis() {
        let p = render_html(
            "<h2>Title</h2><p><strong>bold</strong> <em>slanted</em></p>",
            80,
            &colored(),
        );
        assert_eq!(text(&p), ["Title", "", "bold slanted"]);
        assert!(span_style(&p, "Title").is_some_and(|s| s.add_modifier.contains(Modifier::BOLD)));
        assert!(
            span_style(&p, "slanted").is_some_and(|s| s.add_modifier.contains(Modifier::ITALIC))
        );
    }

    #[test]
    fn html_wraps_at_width() {
        let p = render(
            "<p>the quick brown fox jumps over the lazy dog again and again</p>",
            16,
        );
        let t = text(&p);
        assert_eq!(
            t,
            [
                "the quick brown",
                "fox jumps over",
                "the lazy dog",
                "again and again"
            ]
        );
        for l in &p.lines {
            assert!(l.width() <= 16);
        }
    }

    #[test]
    fn html_wraps_wide_chars_by_display_width() {
        let p = render("<p>漢字漢字漢字漢字漢字</p>", 8);
        assert_eq!(text(&p), ["漢字漢字", "漢字漢字", "漢字"]);
    }

    #[test]
    fn html_long_word_broken() {
        let word = "x".repeat(300);
        let p = render(&format!("<p>start {word} end</p>"), 40);
        let t = text(&p);
        assert_eq!(t[0], "start");
        assert!(p.lines.iter().all(|l| l.width() <= 40));
        assert_eq!(t.concat().matches('x').count(), 300);
        assert_eq!(
            t.last().map(String::as_str),
            Some("xxxxxxxxxxxxxxxxxxxx end")
        );
    }

    #[test]
    fn html_hostile_content_is_sanitized() {
        let html = "<p>a\x1b[31mred\x1b]52;c;ZXZpbA==\x07 &#27;[2J &#x9b;31m \u{202e}evil</p>\
            <a href=\"https://x.example/\x1b]8;;evil\x07p ath\">l\x1b[0mink</a>\
            <img alt=\"\x1b[5mx\" src=\"java\nscript:\x07\">\
            <script>alert(1)</script><style>p{}</style>";
        let p = render(html, 200);
        let all: String = text(&p).concat();
        assert!(
            !all.chars().any(|c| c.is_control()),
            "control characters left: {all:?}"
        );
        assert!(!all.contains("alert"));
        assert!(!all.contains('\u{202e}'));
        assert!(all.contains("ared"));
        assert!(all.contains("evil"));
        for l in &p.links {
            assert!(!l.chars().any(|c| c.is_control() || c.is_whitespace()));
        }
        assert_eq!(p.links, ["https://x.example/path"]);
    }

    #[test]
    fn html_urls_with_non_ascii_and_data_uris() {
        let long = format!("é{}", "x".repeat(50));
        assert_eq!(clean_url(&long), long);
        let data = format!("data:image/png;base64,{}", "A".repeat(100));
        assert_eq!(clean_url(&data), "data:…");
        let p = render(&format!("<img src=\"{data}\">"), 80);
        assert_eq!(text(&p), ["[image] <data:…>"]);
    }

    #[test]
    fn html_tolerates_broken_markup() {
        let p = render("<p>one<p>two<div>three</span></b><i>four", 80);
        // The <div> closes the <p>; "three" and "four" are one run of inline text.
        assert_eq!(text(&p), ["one", "", "two", "", "threefour"]);
        let p = render("<p>unterminated <a href=\"x", 80);
        assert_eq!(text(&p), ["unterminated"]);
        let p = render("a < b and c<3", 80);
        assert_eq!(text(&p), ["a < b and c<3"]);
    }

    #[test]
    fn html_unknown_tags_keep_text_and_hr() {
        let p = render("<p><foo>kept</foo></p><hr><p>x</p>", 10);
        assert_eq!(text(&p), ["kept", "", "──────────", "", "x"]);
    }

    #[test]
    fn html_table_cells_separated() {
        let p = render(
            "<table><tr><th>a</th><th>b</th></tr><tr><td>1</td><td>2</td></tr></table>",
            80,
        );
        assert_eq!(text(&p), ["a │ b", "1 │ 2"]);
    }

    #[test]
    fn html_lines_never_exceed_width_in_quotes_and_lists() {
        let html = "<blockquote><ul><li>word word word word word word word word word</li></ul></blockquote>";
        let p = render(html, 14);
        assert!(p.lines.iter().all(|l| l.width() <= 14), "{:?}", text(&p));
        assert_eq!(text(&p)[0], "│ • word word");
    }
}
