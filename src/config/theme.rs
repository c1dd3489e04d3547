//! Themes: styles keyed by meaning (slots), loaded from `themes/*.toml`, mapped down to the
//! terminal's colour depth.
//!
//! A theme file has one entry per slot (`selection = { fg = "#1e1e2e", bg = "#89b4fa",
//! modifiers = ["bold"] }` or just `muted = "bright-black"`) and may `inherits = "dark"`; a slot
//! given in a file replaces the inherited one whole. Colours: `"#rrggbb"`, `"#rgb"`, the 16
//! ANSI names (`"red"`, `"bright-blue"`, `"white"` is ANSI 7 and `"bright-white"` ANSI 15),
//! `"ansi:208"`, or `"reset"`.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use ratatui::style::{Color, Modifier, Style};
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use toml::Spanned;

use super::error::{line_of, read_file, ConfigError};
use super::paths::Paths;
use crate::text::PostStyles;

/// What a style is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Slot {
    Text,
    Muted,
    Accent,
    Title,
    Selection,
    Border,
    BorderFocused,
    Header,
    StatusBar,
    Error,
    Warning,
    Success,
    SlaOk,
    SlaWarn,
    SlaBreach,
    Solved,
    Badge,
    Link,
    Quote,
    Code,
    Mention,
    Tab,
    TabActive,
    Popup,
    Role,
}

impl Slot {
    pub const ALL: [Slot; 25] = [
        Slot::Text,
        Slot::Muted,
        Slot::Accent,
        Slot::Title,
        Slot::Selection,
        Slot::Border,
        Slot::BorderFocused,
        Slot::Header,
        Slot::StatusBar,
        Slot::Error,
        Slot::Warning,
        Slot::Success,
        Slot::SlaOk,
        Slot::SlaWarn,
        Slot::SlaBreach,
        Slot::Solved,
        Slot::Badge,
        Slot::Link,
        Slot::Quote,
        Slot::Code,
        Slot::Mention,
        Slot::Tab,
        Slot::TabActive,
        Slot::Popup,
        Slot::Role,
    ];

    /// The key in theme files.
    pub fn name(self) -> &'static str {
        match self {
            Slot::Text => "text",
            Slot::Muted => "muted",
            Slot::Accent => "accent",
            Slot::Title => "title",
            Slot::Selection => "selection",
            Slot::Border => "border",
            Slot::BorderFocused => "border_focused",
            Slot::Header => "header",
            Slot::StatusBar => "status_bar",
            Slot::Error => "error",
            Slot::Warning => "warning",
            Slot::Success => "success",
            Slot::SlaOk => "sla_ok",
            Slot::SlaWarn => "sla_warn",
            Slot::SlaBreach => "sla_breach",
            Slot::Solved => "solved",
            Slot::Badge => "badge",
            Slot::Link => "link",
            Slot::Quote => "quote",
            Slot::Code => "code",
            Slot::Mention => "mention",
            Slot::Tab => "tab",
            Slot::TabActive => "tab_active",
            Slot::Popup => "popup",
            Slot::Role => "role",
        }
    }

    pub fn parse(s: &str) -> Option<Slot> {
        Slot::ALL.into_iter().find(|x| x.name() == s)
    }
}

/// How many colours the terminal can show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColorDepth {
    TrueColor,
    Ansi256,
    Ansi16,
    /// No colours at all (NO_COLOR): modifiers only.
    None,
}

/// From the environment: NO_COLOR (non-empty) → None; COLORTERM truecolor/24bit → TrueColor;
/// TERM containing "256color" → Ansi256; else Ansi16.
pub fn detect_color_depth() -> ColorDepth {
    let var = |k: &str| std::env::var(k).ok();
    color_depth_from(
        var("NO_COLOR").as_deref(),
        var("COLORTERM").as_deref(),
        var("TERM").as_deref(),
    )
}

/// [`detect_color_depth`] on given values (for tests).
pub fn color_depth_from(
    no_color: Option<&str>,
    colorterm: Option<&str>,
    term: Option<&str>,
) -> ColorDepth {
    if no_color.is_some_and(|v| !v.is_empty()) {
        return ColorDepth::None;
    }
    let ct = colorterm.unwrap_or("").to_ascii_lowercase();
    if ct.contains("truecolor") || ct.contains("24bit") {
        return ColorDepth::TrueColor;
    }
    if term.unwrap_or("").contains("256color") {
        return ColorDepth::Ansi256;
    }
    ColorDepth::Ansi16
}

/// A resolved theme.
#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    name: String,
    styles: [Style; 25],
}

const DARK: &str = include_str!("../../themes/dark.toml");
const LIGHT: &str = include_str!("../../themes/light.toml");
const HIGH_CONTRAST: &str = include_str!("../../themes/high-contrast.toml");
const MONO: &str = include_str!("../../themes/mono.toml");

/// The built-in themes.
pub const BUILTIN_THEMES: &[&str] = &["dark", "light", "high-contrast", "mono"];

fn builtin_src(name: &str) -> Option<&'static str> {
    match name {
        "dark" => Some(DARK),
        "light" => Some(LIGHT),
        "high-contrast" => Some(HIGH_CONTRAST),
        "mono" => Some(MONO),
        _ => None,
    }
}

// --- file format ---

#[derive(Debug)]
enum RawEntry {
    Str(String),
    Table {
        fg: Option<String>,
        bg: Option<String>,
        modifiers: Vec<String>,
    },
}

impl<'de> Deserialize<'de> for RawEntry {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawEntry;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(
                    "a colour (\"#rrggbb\", \"red\", \"ansi:208\") or a table \
                     { fg = \"...\", bg = \"...\", modifiers = [\"bold\"] }",
                )
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawEntry, E> {
                Ok(RawEntry::Str(v.to_string()))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<RawEntry, A::Error> {
                let (mut fg, mut bg, mut modifiers) = (None, None, Vec::new());
                while let Some(k) = m.next_key::<String>()? {
                    match k.as_str() {
                        "fg" => fg = Some(m.next_value::<String>()?),
                        "bg" => bg = Some(m.next_value::<String>()?),
                        "modifiers" => modifiers = m.next_value::<Vec<String>>()?,
                        other => {
                            return Err(de::Error::unknown_field(other, &["fg", "bg", "modifiers"]))
                        }
                    }
                }
                Ok(RawEntry::Table { fg, bg, modifiers })
            }
        }
        d.deserialize_any(V)
    }
}

/// Parses a colour name or value.
pub fn parse_color(s: &str) -> Result<Color, String> {
    let t = s.trim().to_ascii_lowercase();
    if let Some(hex) = t.strip_prefix('#') {
        let ok = hex.chars().all(|c| c.is_ascii_hexdigit());
        let v = |h: &str| u8::from_str_radix(h, 16).map_err(|_| format!("invalid colour \"{s}\""));
        return match hex.len() {
            6 if ok => Ok(Color::Rgb(v(&hex[0..2])?, v(&hex[2..4])?, v(&hex[4..6])?)),
            3 if ok => {
                let d = |i: usize| v(&hex[i..i + 1]).map(|x| x * 17);
                Ok(Color::Rgb(d(0)?, d(1)?, d(2)?))
            }
            _ => Err(format!("invalid colour \"{s}\" (expected #rrggbb)")),
        };
    }
    if let Some(n) = t.strip_prefix("ansi:") {
        return n
            .parse::<u8>()
            .map(Color::Indexed)
            .map_err(|_| format!("invalid colour \"{s}\" (ansi:0 to ansi:255)"));
    }
    Ok(match t.replace('_', "-").as_str() {
        "reset" | "default" => Color::Reset,
        "black" => Color::Black,
        "red" => Color::Red,
        "green" => Color::Green,
        "yellow" => Color::Yellow,
        "blue" => Color::Blue,
        "magenta" => Color::Magenta,
        "cyan" => Color::Cyan,
        "white" | "gray" | "grey" => Color::Gray,
        "bright-black" | "dark-gray" | "dark-grey" => Color::DarkGray,
        "bright-red" => Color::LightRed,
        "bright-green" => Color::LightGreen,
        "bright-yellow" => Color::LightYellow,
        "bright-blue" => Color::LightBlue,
        "bright-magenta" => Color::LightMagenta,
        "bright-cyan" => Color::LightCyan,
        "bright-white" => Color::White,
        _ => {
            return Err(format!(
                "invalid colour \"{s}\" (expected \"#rrggbb\", an ANSI name like \"red\" or \
                 \"bright-blue\", \"ansi:N\" or \"reset\")"
            ))
        }
    })
}

fn parse_modifier(s: &str) -> Result<Modifier, String> {
    Ok(match s.trim().to_ascii_lowercase().as_str() {
        "bold" => Modifier::BOLD,
        "dim" => Modifier::DIM,
        "italic" => Modifier::ITALIC,
        "underlined" | "underline" => Modifier::UNDERLINED,
        "reversed" | "reverse" => Modifier::REVERSED,
        "crossed-out" | "crossed_out" => Modifier::CROSSED_OUT,
        _ => {
            return Err(format!(
                "unknown modifier \"{s}\" (bold, dim, italic, underlined, reversed, crossed_out)"
            ))
        }
    })
}

fn entry_style(e: &RawEntry) -> Result<Style, String> {
    match e {
        RawEntry::Str(c) => Ok(Style::default().fg(parse_color(c)?)),
        RawEntry::Table { fg, bg, modifiers } => {
            let mut st = Style::default();
            if let Some(c) = fg {
                st = st.fg(parse_color(c)?);
            }
            if let Some(c) = bg {
                st = st.bg(parse_color(c)?);
            }
            for m in modifiers {
                st = st.add_modifier(parse_modifier(m)?);
            }
            Ok(st)
        }
    }
}

// --- colour depth ---

const ANSI16: [(Color, (u8, u8, u8)); 16] = [
    (Color::Black, (0, 0, 0)),
    (Color::Red, (205, 0, 0)),
    (Color::Green, (0, 205, 0)),
    (Color::Yellow, (205, 205, 0)),
    (Color::Blue, (0, 0, 238)),
    (Color::Magenta, (205, 0, 205)),
    (Color::Cyan, (0, 205, 205)),
    (Color::Gray, (229, 229, 229)),
    (Color::DarkGray, (127, 127, 127)),
    (Color::LightRed, (255, 0, 0)),
    (Color::LightGreen, (0, 255, 0)),
    (Color::LightYellow, (255, 255, 0)),
    (Color::LightBlue, (92, 92, 255)),
    (Color::LightMagenta, (255, 0, 255)),
    (Color::LightCyan, (0, 255, 255)),
    (Color::White, (255, 255, 255)),
];

const CUBE: [u8; 6] = [0, 95, 135, 175, 215, 255];

fn dist(a: (u8, u8, u8), b: (u8, u8, u8)) -> u32 {
    let d = |x: u8, y: u8| (i32::from(x) - i32::from(y)).pow(2) as u32;
    d(a.0, b.0) + d(a.1, b.1) + d(a.2, b.2)
}

/// The RGB value of an xterm-256 index.
fn indexed_rgb(i: u8) -> (u8, u8, u8) {
    match i {
        0..=15 => ANSI16[usize::from(i)].1,
        16..=231 => {
            let n = i - 16;
            (
                CUBE[usize::from(n / 36)],
                CUBE[usize::from((n / 6) % 6)],
                CUBE[usize::from(n % 6)],
            )
        }
        _ => {
            let v = 8 + 10 * (i - 232);
            (v, v, v)
        }
    }
}

/// The nearest xterm-256 colour (from the 6×6×6 cube and the grey ramp) to an RGB value.
pub fn rgb_to_256(r: u8, g: u8, b: u8) -> u8 {
    let near = |v: u8| {
        CUBE.iter()
            .enumerate()
            .min_by_key(|(_, &c)| (i32::from(c) - i32::from(v)).abs())
            .map_or(0, |(i, _)| i as u8)
    };
    let (ri, gi, bi) = (near(r), near(g), near(b));
    let cube = 16 + 36 * ri + 6 * gi + bi;
    let avg = (u32::from(r) + u32::from(g) + u32::from(b)) / 3;
    let gi = ((avg.saturating_sub(3)) / 10).min(23) as u8;
    let grey = 232 + gi;
    if dist((r, g, b), indexed_rgb(grey)) < dist((r, g, b), indexed_rgb(cube)) {
        grey
    } else {
        cube
    }
}

/// The nearest of the 16 ANSI colours to an RGB value.
pub fn rgb_to_16(r: u8, g: u8, b: u8) -> Color {
    ANSI16
        .iter()
        .min_by_key(|(_, rgb)| dist((r, g, b), *rgb))
        .map_or(Color::Reset, |(c, _)| *c)
}

fn map_color(c: Color, depth: ColorDepth) -> Option<Color> {
    match (depth, c) {
        (ColorDepth::None, _) => None,
        (ColorDepth::TrueColor, c) => Some(c),
        (ColorDepth::Ansi256, Color::Rgb(r, g, b)) => Some(Color::Indexed(rgb_to_256(r, g, b))),
        (ColorDepth::Ansi256, c) => Some(c),
        (ColorDepth::Ansi16, Color::Rgb(r, g, b)) => Some(rgb_to_16(r, g, b)),
        (ColorDepth::Ansi16, Color::Indexed(i)) => {
            let (r, g, b) = indexed_rgb(i);
            Some(if i < 16 {
                ANSI16[usize::from(i)].0
            } else {
                rgb_to_16(r, g, b)
            })
        }
        (ColorDepth::Ansi16, c) => Some(c),
    }
}

fn map_style(s: Style, depth: ColorDepth) -> Style {
    Style {
        fg: s.fg.and_then(|c| map_color(c, depth)),
        bg: s.bg.and_then(|c| map_color(c, depth)),
        underline_color: s.underline_color.and_then(|c| map_color(c, depth)),
        add_modifier: s.add_modifier,
        sub_modifier: s.sub_modifier,
    }
}

// --- loading ---

const MAX_INHERIT_DEPTH: usize = 8;

impl Theme {
    fn empty(name: &str) -> Theme {
        Theme {
            name: name.to_string(),
            styles: [Style::default(); 25],
        }
    }

    /// A built-in theme (dark, light, high-contrast, mono), in full colour.
    pub fn builtin(name: &str) -> Result<Theme, ConfigError> {
        Theme::builtin_depth(name, 0)
    }

    fn builtin_depth(name: &str, depth: usize) -> Result<Theme, ConfigError> {
        let src = builtin_src(name).ok_or_else(|| {
            ConfigError::new(format!(
                "no built-in theme \"{name}\" (built in: {})",
                BUILTIN_THEMES.join(", ")
            ))
        })?;
        let file = PathBuf::from(format!("<built-in>/themes/{name}.toml"));
        Theme::from_source(name, &file, src, depth, &|parent, d| {
            Theme::builtin_depth(parent, d)
        })
    }

    /// Loads theme `name` (built in, else `config_dir/themes/NAME.toml`, which may inherit
    /// from a built-in or another user theme) and maps its colours to `depth`.
    pub fn load(name: &str, paths: &Paths, depth: ColorDepth) -> Result<Theme, ConfigError> {
        Ok(Theme::load_named(name, paths, 0)?.with_depth(depth))
    }

    fn load_named(name: &str, paths: &Paths, depth: usize) -> Result<Theme, ConfigError> {
        if builtin_src(name).is_some() {
            return Theme::builtin_depth(name, depth);
        }
        let file = paths.user_theme(name);
        if !file.is_file() {
            return Err(ConfigError::at(
                &file,
                None,
                format!(
                    "no theme \"{name}\": not built in ({}) and no such file",
                    BUILTIN_THEMES.join(", ")
                ),
            ));
        }
        let src = read_file(&file)?;
        Theme::from_source(name, &file, &src, depth, &|parent, d| {
            if parent == name {
                Err(ConfigError::at(
                    &file,
                    None,
                    format!("theme \"{name}\" inherits from itself"),
                ))
            } else {
                Theme::load_named(parent, paths, d)
            }
        })
    }

    fn from_source(
        name: &str,
        file: &Path,
        src: &str,
        depth: usize,
        parent: &dyn Fn(&str, usize) -> Result<Theme, ConfigError>,
    ) -> Result<Theme, ConfigError> {
        let raw: BTreeMap<Spanned<String>, Spanned<RawEntry>> =
            toml::from_str(src).map_err(|e| ConfigError::from_toml(file, src, &e))?;
        let inherits = raw.iter().find(|(k, _)| k.get_ref() == "inherits");
        let mut theme = match inherits {
            Some((k, v)) => {
                let line = Some(line_of(src, k.span().start));
                let RawEntry::Str(p) = v.get_ref() else {
                    return Err(ConfigError::at(file, line, "inherits must be a theme name"));
                };
                if depth >= MAX_INHERIT_DEPTH {
                    return Err(ConfigError::at(
                        file,
                        line,
                        "themes inherit too deeply (a cycle?)",
                    ));
                }
                parent(p, depth + 1)?
            }
            None => Theme::empty(name),
        };
        theme.name = name.to_string();
        for (k, v) in &raw {
            if k.get_ref() == "inherits" {
                continue;
            }
            let kline = Some(line_of(src, k.span().start));
            let slot = Slot::parse(k.get_ref()).ok_or_else(|| {
                ConfigError::at(
                    file,
                    kline,
                    format!(
                        "unknown slot \"{}\" (slots: {})",
                        k.get_ref(),
                        Slot::ALL.map(Slot::name).join(", ")
                    ),
                )
            })?;
            let vline = Some(line_of(src, v.span().start));
            let style = entry_style(v.get_ref())
                .map_err(|m| ConfigError::at(file, vline, format!("{}: {m}", slot.name())))?;
            theme.styles[slot as usize] = style;
        }
        Ok(theme)
    }

    /// This theme with its colours mapped to `depth` (None removes them; modifiers stay).
    pub fn with_depth(mut self, depth: ColorDepth) -> Theme {
        for s in self.styles.iter_mut() {
            *s = map_style(*s, depth);
        }
        self
    }

    /// Colourless, modifiers kept (the mono theme without colours): for snapshot tests.
    pub fn plain() -> Theme {
        let mut t = Theme::builtin("mono")
            .map(|t| t.with_depth(ColorDepth::None))
            .unwrap_or_else(|_| Theme::empty("plain"));
        t.name = "plain".to_string();
        t
    }

    pub fn style(&self, slot: Slot) -> Style {
        self.styles[slot as usize]
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The styles the post renderer uses.
    pub fn post_styles(&self) -> PostStyles {
        let text = self.style(Slot::Text);
        PostStyles {
            text,
            muted: self.style(Slot::Muted),
            quote: self.style(Slot::Quote),
            code: self.style(Slot::Code),
            link: self.style(Slot::Link),
            mention: self.style(Slot::Mention),
            heading: self.style(Slot::Title).add_modifier(Modifier::BOLD),
            strong: Style::default().add_modifier(Modifier::BOLD),
            emphasis: Style::default().add_modifier(Modifier::ITALIC),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmp_paths() -> (tempfile::TempDir, Paths) {
        let dir = tempfile::tempdir().expect("tempdir");
        let paths = Paths::new(dir.path().join("config"), dir.path().join("data"));
        std::fs::create_dir_all(paths.config_dir.join("themes")).expect("mkdir");
        (dir, paths)
    }

    fn has(st: Style, m: Modifier) -> bool {
        st.add_modifier.intersects(m)
    }

    #[test]
    fn theme_builtins_parse_and_define_every_slot() {
        for name in BUILTIN_THEMES {
            let src = builtin_src(name).expect("src");
            let raw: BTreeMap<String, toml::Value> = toml::from_str(src).expect("toml");
            for slot in Slot::ALL {
                assert!(
                    raw.contains_key(slot.name()),
                    "{name} does not define {}",
                    slot.name()
                );
            }
            let t = Theme::builtin(name).expect(name);
            assert_eq!(t.name(), *name);
        }
    }

    #[test]
    fn theme_state_cues_never_hue_only() {
        for name in BUILTIN_THEMES {
            let t = Theme::builtin(name).expect(name);
            let br = Modifier::BOLD | Modifier::REVERSED;
            assert!(has(t.style(Slot::Selection), br), "{name} selection");
            assert!(
                has(t.style(Slot::BorderFocused), Modifier::BOLD),
                "{name} focus"
            );
            assert!(
                has(t.style(Slot::SlaBreach), Modifier::BOLD),
                "{name} breach"
            );
            assert!(has(t.style(Slot::Solved), Modifier::BOLD), "{name} solved");
            assert!(has(t.style(Slot::TabActive), br), "{name} tab");
            assert!(has(t.style(Slot::Error), Modifier::BOLD), "{name} error");
            // Warn and breach must differ without colour.
            assert_ne!(
                t.style(Slot::SlaWarn).add_modifier,
                t.style(Slot::SlaBreach).add_modifier,
                "{name} warn/breach"
            );
        }
    }

    #[test]
    fn theme_mono_uses_only_ansi16_names() {
        let t = Theme::builtin("mono").expect("mono");
        for slot in Slot::ALL {
            let st = t.style(slot);
            for c in [st.fg, st.bg].into_iter().flatten() {
                assert!(
                    !matches!(c, Color::Rgb(..) | Color::Indexed(_)),
                    "mono {} uses {c:?}",
                    slot.name()
                );
            }
        }
    }

    #[test]
    fn theme_inheritance_overrides_slots() {
        let (_d, paths) = tmp_paths();
        std::fs::write(
            paths.user_theme("mine"),
            "inherits = \"dark\"\nerror = { fg = \"#ff0000\", modifiers = [\"bold\", \"underlined\"] }\n",
        )
        .expect("write");
        let t = Theme::load("mine", &paths, ColorDepth::TrueColor).expect("load");
        let dark = Theme::builtin("dark").expect("dark");
        assert_eq!(t.name(), "mine");
        assert_eq!(t.style(Slot::Error).fg, Some(Color::Rgb(255, 0, 0)));
        assert!(has(t.style(Slot::Error), Modifier::UNDERLINED));
        assert_eq!(t.style(Slot::Selection), dark.style(Slot::Selection));
        // A user theme inheriting another user theme.
        std::fs::write(
            paths.user_theme("child"),
            "inherits = \"mine\"\nmuted = \"red\"\n",
        )
        .expect("write");
        let c = Theme::load("child", &paths, ColorDepth::TrueColor).expect("child");
        assert_eq!(c.style(Slot::Error).fg, Some(Color::Rgb(255, 0, 0)));
        assert_eq!(c.style(Slot::Muted).fg, Some(Color::Red));
        std::fs::write(paths.user_theme("loop"), "inherits = \"loop\"\n").expect("write");
        assert!(Theme::load("loop", &paths, ColorDepth::TrueColor).is_err());
    }

    #[test]
    fn theme_invalid_colour_names_file_and_line() {
        let (_d, paths) = tmp_paths();
        std::fs::write(
            paths.user_theme("bad"),
            "inherits = \"dark\"\n\nmuted = \"#12345\"\n",
        )
        .expect("write");
        let e = Theme::load("bad", &paths, ColorDepth::TrueColor).unwrap_err();
        assert_eq!(e.file.as_deref(), Some(paths.user_theme("bad").as_path()));
        assert_eq!(e.line, Some(3), "{e}");
        assert!(e.message.contains("invalid colour \"#12345\""), "{e}");
        std::fs::write(
            paths.user_theme("bad2"),
            "text = \"red\"\nselektion = \"red\"\n",
        )
        .expect("write");
        let e = Theme::load("bad2", &paths, ColorDepth::TrueColor).unwrap_err();
        assert_eq!(e.line, Some(2), "{e}");
        assert!(e.message.contains("unknown slot \"selektion\""), "{e}");
        std::fs::write(
            paths.user_theme("bad3"),
            "text = { fg = \"red\", modifiers = [\"blink\"] }\n",
        )
        .expect("write");
        let e = Theme::load("bad3", &paths, ColorDepth::TrueColor).unwrap_err();
        assert!(e.message.contains("unknown modifier \"blink\""), "{e}");
        let e = Theme::load("nope", &paths, ColorDepth::TrueColor).unwrap_err();
        assert!(e.message.contains("no theme \"nope\""), "{e}");
    }

    #[test]
    fn theme_parse_colours() {
        assert_eq!(parse_color("#FF8000"), Ok(Color::Rgb(255, 128, 0)));
        assert_eq!(parse_color("#f80"), Ok(Color::Rgb(255, 136, 0)));
        assert_eq!(parse_color("bright-blue"), Ok(Color::LightBlue));
        assert_eq!(parse_color("white"), Ok(Color::Gray));
        assert_eq!(parse_color("bright-white"), Ok(Color::White));
        assert_eq!(parse_color("ansi:208"), Ok(Color::Indexed(208)));
        assert_eq!(parse_color("reset"), Ok(Color::Reset));
        assert!(parse_color("ansi:256").is_err());
        assert!(parse_color("#gggggg").is_err());
        assert!(parse_color("purple").is_err());
    }

    #[test]
    fn theme_rgb_maps_to_256_and_16() {
        assert_eq!(rgb_to_256(255, 0, 0), 196);
        assert_eq!(rgb_to_256(0, 0, 0), 16);
        assert_eq!(rgb_to_256(128, 128, 128), 244);
        assert_eq!(rgb_to_256(0x87, 0xaf, 0xff), 111);
        assert_eq!(rgb_to_16(250, 10, 10), Color::LightRed);
        assert_eq!(rgb_to_16(30, 30, 46), Color::Black);
        assert_eq!(rgb_to_16(0, 190, 0), Color::Green);
        assert_eq!(rgb_to_16(250, 250, 250), Color::White);
        assert_eq!(rgb_to_16(230, 230, 230), Color::Gray);
        let t = Theme::builtin("dark").expect("dark");
        let t256 = t.clone().with_depth(ColorDepth::Ansi256);
        let t16 = t.with_depth(ColorDepth::Ansi16);
        for slot in Slot::ALL {
            for c in [t256.style(slot).fg, t256.style(slot).bg]
                .into_iter()
                .flatten()
            {
                assert!(!matches!(c, Color::Rgb(..)), "256: {c:?}");
            }
            for c in [t16.style(slot).fg, t16.style(slot).bg]
                .into_iter()
                .flatten()
            {
                assert!(
                    !matches!(c, Color::Rgb(..) | Color::Indexed(_)),
                    "16: {c:?}"
                );
            }
        }
        assert_eq!(
            map_color(Color::Indexed(196), ColorDepth::Ansi16),
            Some(Color::LightRed)
        );
    }

    #[test]
    fn theme_no_color_removes_colours_keeps_modifiers() {
        assert_eq!(
            color_depth_from(Some("1"), Some("truecolor"), None),
            ColorDepth::None
        );
        assert_eq!(
            color_depth_from(Some(""), Some("truecolor"), None),
            ColorDepth::TrueColor
        );
        assert_eq!(
            color_depth_from(None, Some("24bit"), None),
            ColorDepth::TrueColor
        );
        assert_eq!(
            color_depth_from(None, None, Some("xterm-256color")),
            ColorDepth::Ansi256
        );
        assert_eq!(
            color_depth_from(None, None, Some("xterm")),
            ColorDepth::Ansi16
        );
        let (_d, paths) = tmp_paths();
        let t = Theme::load("dark", &paths, ColorDepth::None).expect("dark");
        for slot in Slot::ALL {
            let st = t.style(slot);
            assert_eq!((st.fg, st.bg, st.underline_color), (None, None, None));
        }
        assert!(has(
            t.style(Slot::Selection),
            Modifier::BOLD | Modifier::REVERSED
        ));
        let p = Theme::plain();
        assert_eq!(p.name(), "plain");
        assert_eq!(p.style(Slot::Text).fg, None);
        assert!(has(
            p.style(Slot::Selection),
            Modifier::REVERSED | Modifier::BOLD
        ));
        let ps = p.post_styles();
        assert!(ps.strong.add_modifier.contains(Modifier::BOLD));
    }
}
