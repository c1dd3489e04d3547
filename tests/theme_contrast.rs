//! Every built-in theme, at every colour depth the console maps it to, keeps its text readable:
//! each slot's colour against the backgrounds it is drawn on (the terminal's own, the selection,
//! popups and the status bar) has a WCAG contrast ratio of at least 3:1, and the selection's
//! own text 4.5:1. The terminal's background and default colour are assumed from what the
//! theme is for (dark or light terminals); the 16 and 256 colour palettes are xterm's.
//!
//! At 16 colours only `mono` is held to this: the 16 colours are the terminal's own palette
//! (xterm's is one guess among many), `mono` is the theme made for them, and the full-colour
//! themes are approximated there (the README says so and recommends `--theme mono`).

use modterm::config::{ColorDepth, Slot, Theme, BUILTIN_THEMES};
use ratatui::style::{Color, Modifier, Style};

type Rgb = (u8, u8, u8);

/// The terminal a theme is meant for: its background and default text colour.
fn terminal_of(theme: &str) -> (Rgb, Rgb) {
    match theme {
        "light" => ((0xff, 0xff, 0xff), (0x20, 0x20, 0x20)),
        // dark, high-contrast, and mono (which follows the terminal; checked on a dark one)
        _ => ((0x1e, 0x1e, 0x2e), (0xd0, 0xd0, 0xd0)),
    }
}

/// xterm's 16 colours.
const ANSI16: [Rgb; 16] = [
    (0, 0, 0),
    (205, 0, 0),
    (0, 205, 0),
    (205, 205, 0),
    (0, 0, 238),
    (205, 0, 205),
    (0, 205, 205),
    (229, 229, 229),
    (127, 127, 127),
    (255, 0, 0),
    (0, 255, 0),
    (255, 255, 0),
    (92, 92, 255),
    (255, 0, 255),
    (0, 255, 255),
    (255, 255, 255),
];

fn indexed(i: u8) -> Rgb {
    match i {
        0..=15 => ANSI16[i as usize],
        16..=231 => {
            let i = i - 16;
            let level = |v: u8| if v == 0 { 0 } else { 55 + v * 40 };
            (level(i / 36), level((i / 6) % 6), level(i % 6))
        }
        _ => {
            let v = 8 + (i - 232) * 10;
            (v, v, v)
        }
    }
}

/// A colour as RGB; `None` for the terminal's default (reset or unset).
fn rgb(c: Option<Color>) -> Option<Rgb> {
    use Color::*;
    Some(match c? {
        Reset => return None,
        Rgb(r, g, b) => (r, g, b),
        Indexed(i) => indexed(i),
        Black => ANSI16[0],
        Red => ANSI16[1],
        Green => ANSI16[2],
        Yellow => ANSI16[3],
        Blue => ANSI16[4],
        Magenta => ANSI16[5],
        Cyan => ANSI16[6],
        Gray => ANSI16[7],
        DarkGray => ANSI16[8],
        LightRed => ANSI16[9],
        LightGreen => ANSI16[10],
        LightYellow => ANSI16[11],
        LightBlue => ANSI16[12],
        LightMagenta => ANSI16[13],
        LightCyan => ANSI16[14],
        White => ANSI16[15],
    })
}

fn luminance((r, g, b): Rgb) -> f64 {
    let lin = |v: u8| {
        let c = v as f64 / 255.0;
        if c <= 0.03928 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)
}

fn contrast(a: Rgb, b: Rgb) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    let (hi, lo) = if la > lb { (la, lb) } else { (lb, la) };
    (hi + 0.05) / (lo + 0.05)
}

/// The colours a style is seen in, over a background `under` (reversed swaps them).
fn seen(style: Style, under: Rgb, default_fg: Rgb) -> (Rgb, Rgb) {
    let fg = rgb(style.fg).unwrap_or(default_fg);
    let bg = rgb(style.bg).unwrap_or(under);
    if style.add_modifier.contains(Modifier::REVERSED) {
        (bg, fg)
    } else {
        (fg, bg)
    }
}

/// Slots whose colour is decoration, not text to read.
fn is_decoration(slot: Slot) -> bool {
    matches!(slot, Slot::Border)
}

#[test]
fn every_slot_is_readable_on_every_background_it_is_drawn_on() {
    let depths = [
        ("truecolor", ColorDepth::TrueColor),
        ("256 colours", ColorDepth::Ansi256),
        ("16 colours", ColorDepth::Ansi16),
    ];
    let mut failures = Vec::new();
    for name in BUILTIN_THEMES {
        let (term_bg, term_fg) = terminal_of(name);
        for (depth_name, depth) in depths {
            if matches!(depth, ColorDepth::Ansi16) && *name != "mono" {
                continue;
            }
            let theme = Theme::builtin(name).unwrap().with_depth(depth);
            let popup_bg = rgb(theme.style(Slot::Popup).bg).unwrap_or(term_bg);
            let mut check = |what: String, (fg, bg): (Rgb, Rgb), min: f64| {
                let ratio = contrast(fg, bg);
                if ratio < min {
                    failures.push(format!(
                        "{name} at {depth_name}: {what}: {ratio:.2}:1 (needs {min}:1; fg {fg:?} on {bg:?})"
                    ));
                }
            };
            for slot in Slot::ALL {
                if is_decoration(slot) {
                    continue;
                }
                let style = theme.style(slot);
                check(
                    format!("{} on the terminal", slot.name()),
                    seen(style, term_bg, term_fg),
                    3.0,
                );
                // Popups draw their text slots over the popup's background.
                if !matches!(slot, Slot::StatusBar | Slot::Selection | Slot::TabActive) {
                    check(
                        format!("{} in a popup", slot.name()),
                        seen(
                            style,
                            popup_bg,
                            rgb(theme.style(Slot::Popup).fg).unwrap_or(term_fg),
                        ),
                        3.0,
                    );
                }
            }
            check(
                "the selection's own text".into(),
                seen(theme.style(Slot::Selection), term_bg, term_fg),
                4.5,
            );
            check(
                "the status bar's text".into(),
                seen(theme.style(Slot::StatusBar), term_bg, term_fg),
                4.5,
            );
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_selection_never_depends_on_colour_alone() {
    for name in BUILTIN_THEMES {
        let theme = Theme::builtin(name).unwrap().with_depth(ColorDepth::None);
        let s = theme.style(Slot::Selection);
        assert!(
            s.add_modifier
                .intersects(Modifier::REVERSED | Modifier::BOLD | Modifier::UNDERLINED),
            "{name}: the selection must be visible without colour: {s:?}"
        );
    }
}

#[test]
fn contrast_is_computed_as_wcag_defines_it() {
    assert!((contrast((0, 0, 0), (255, 255, 255)) - 21.0).abs() < 0.01);
    assert!((contrast((0x77, 0x77, 0x77), (255, 255, 255)) - 4.48).abs() < 0.05);
    assert_eq!(indexed(196), (255, 0, 0));
    assert_eq!(indexed(244), (128, 128, 128));
}
