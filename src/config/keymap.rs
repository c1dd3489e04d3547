//! Keymaps: keys (and key sequences) to named actions, per mode, with a global layer.
//!
//! Files (built in under `keymaps/`, or the user's under `config_dir/keymaps/`) have one table
//! per mode; values are commands (`"view unanswered"`), `"none"` (unbind), or a table
//! `{ action = "...", description = "..." }`. Problems are reported with file and line.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use toml::Spanned;

use super::error::{line_of, read_file, ConfigError};
use super::paths::Paths;
use crate::actions::Action;
use crate::text::sanitize_line;

const DEFAULT_SRC: &str = include_str!("../../keymaps/default.toml");
const ARROWS_SRC: &str = include_str!("../../keymaps/arrows.toml");

/// The built-in keymaps.
pub const BUILTIN_KEYMAPS: &[&str] = &["default", "arrows"];

fn builtin_src(name: &str) -> Option<&'static str> {
    match name {
        "default" => Some(DEFAULT_SRC),
        "arrows" => Some(ARROWS_SRC),
        _ => None,
    }
}

/// Where key events are interpreted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Mode {
    Global,
    Queue,
    Thread,
    Profile,
    /// The queue pane showing the review queue.
    Review,
    Composer,
    Dialog,
}

impl Mode {
    pub const ALL: [Mode; 7] = [
        Mode::Global,
        Mode::Queue,
        Mode::Thread,
        Mode::Profile,
        Mode::Review,
        Mode::Composer,
        Mode::Dialog,
    ];

    /// The section name in keymap files.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Global => "global",
            Mode::Queue => "queue",
            Mode::Thread => "thread",
            Mode::Profile => "profile",
            Mode::Review => "review",
            Mode::Composer => "composer",
            Mode::Dialog => "dialog",
        }
    }

    pub fn parse(s: &str) -> Option<Mode> {
        Mode::ALL.into_iter().find(|m| m.name() == s)
    }

    fn index(self) -> usize {
        self as usize
    }

    /// Whether unbound keys in this mode fall back to the global layer.
    pub fn falls_back_to_global(self) -> bool {
        matches!(
            self,
            Mode::Queue | Mode::Thread | Mode::Profile | Mode::Review
        )
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One key (or key sequence) bound to an action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    /// Normalised key events (see [`normalize_key`]).
    pub keys: Vec<KeyEvent>,
    /// Canonical text: `"g g"`, `"C-x e"`, `"S-Tab"`.
    pub keys_text: String,
    pub action: Action,
    pub description: String,
}

/// The result of looking up the keys typed so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    Action(Action),
    /// The keys start one or more sequences: the possible next keys with what they do.
    Pending(Vec<(String, String)>),
    NoMatch,
}

#[derive(Debug, Clone)]
struct Entry {
    binding: Binding,
    file: PathBuf,
    line: usize,
}

/// A resolved keymap.
#[derive(Debug, Clone)]
pub struct Keymap {
    name: String,
    layers: [BTreeMap<String, Entry>; 7],
    /// Global keys unbound in a mode (`"j" = "none"` in `[queue]`): no fallback for them.
    blocked: [Vec<Vec<KeyEvent>>; 7],
}

// --- file format ---

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawKeymap {
    inherits: Option<Spanned<String>>,
    global: Option<Section>,
    queue: Option<Section>,
    thread: Option<Section>,
    profile: Option<Section>,
    review: Option<Section>,
    composer: Option<Section>,
    dialog: Option<Section>,
}

type Section = BTreeMap<Spanned<String>, Spanned<RawBinding>>;

#[derive(Debug)]
struct RawBinding {
    action: String,
    description: Option<String>,
}

impl<'de> Deserialize<'de> for RawBinding {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawBinding;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(
                    "an action (\"move_down\", \"view unanswered\", \"none\") or a table \
                     { action = \"...\", description = \"...\" }",
                )
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawBinding, E> {
                Ok(RawBinding {
                    action: v.to_string(),
                    description: None,
                })
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<RawBinding, A::Error> {
                let mut action = None;
                let mut description = None;
                while let Some(k) = m.next_key::<String>()? {
                    match k.as_str() {
                        "action" => action = Some(m.next_value::<String>()?),
                        "description" => description = Some(m.next_value::<String>()?),
                        other => {
                            return Err(de::Error::unknown_field(other, &["action", "description"]))
                        }
                    }
                }
                let action = action.ok_or_else(|| de::Error::missing_field("action"))?;
                Ok(RawBinding {
                    action,
                    description,
                })
            }
        }
        d.deserialize_any(V)
    }
}

impl RawKeymap {
    fn sections(self) -> [(Mode, Option<Section>); 7] {
        [
            (Mode::Global, self.global),
            (Mode::Queue, self.queue),
            (Mode::Thread, self.thread),
            (Mode::Profile, self.profile),
            (Mode::Review, self.review),
            (Mode::Composer, self.composer),
            (Mode::Dialog, self.dialog),
        ]
    }
}

fn builtin_path(name: &str) -> PathBuf {
    PathBuf::from(format!("<built-in>/keymaps/{name}.toml"))
}

fn parse_file(file: &Path, src: &str) -> Result<RawKeymap, ConfigError> {
    toml::from_str::<RawKeymap>(src).map_err(|e| ConfigError::from_toml(file, src, &e))
}

const MAX_INHERIT_DEPTH: usize = 8;

impl Keymap {
    fn empty(name: &str) -> Keymap {
        Keymap {
            name: name.to_string(),
            layers: Default::default(),
            blocked: Default::default(),
        }
    }

    /// The keymap's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// A built-in keymap: "default" (vim-flavoured) or "arrows" (arrow keys and Ctrl only).
    pub fn builtin(name: &str) -> Result<Keymap, ConfigError> {
        let mut warnings = Vec::new();
        Keymap::builtin_depth(name, 0, &mut warnings)
    }

    fn builtin_depth(
        name: &str,
        depth: usize,
        warnings: &mut Vec<String>,
    ) -> Result<Keymap, ConfigError> {
        let src = builtin_src(name).ok_or_else(|| {
            ConfigError::new(format!(
                "no built-in keymap \"{name}\" (built in: {})",
                BUILTIN_KEYMAPS.join(", ")
            ))
        })?;
        let file = builtin_path(name);
        let raw = parse_file(&file, src)?;
        let mut km = match &raw.inherits {
            Some(parent) => {
                if depth >= MAX_INHERIT_DEPTH {
                    return Err(ConfigError::at(
                        &file,
                        Some(line_of(src, parent.span().start)),
                        "keymaps inherit too deeply (a cycle?)",
                    ));
                }
                Keymap::builtin_depth(parent.get_ref(), depth + 1, warnings)?
            }
            None => Keymap::empty(name),
        };
        km.name = name.to_string();
        km.apply(&file, src, raw, warnings)?;
        Ok(km)
    }

    /// Loads keymap `name`: the built-in one of that name if there is one, else
    /// `config_dir/keymaps/NAME.toml` (which may `inherits = "default"`); then
    /// `config_dir/keymaps/overrides.toml`, when present, is merged on top ("none" unbinds).
    /// Warnings are for keys that may not reach the program (Ctrl-S, Ctrl-A...), unbinding a key
    /// that was not bound, and a keymap with no way to quit.
    pub fn load(name: &str, paths: &Paths) -> Result<(Keymap, Vec<String>), ConfigError> {
        let mut warnings = Vec::new();
        let mut km = Keymap::load_named(name, paths, 0, &mut warnings)?;
        let ov = paths.keymap_overrides();
        if name != "overrides" && ov.is_file() {
            let src = read_file(&ov)?;
            let raw = parse_file(&ov, &src)?;
            if let Some(i) = &raw.inherits {
                return Err(ConfigError::at(
                    &ov,
                    Some(line_of(&src, i.span().start)),
                    "overrides.toml applies on top of the keymap in use and cannot \
                     `inherits`; choose the keymap with `keymap = \"...\"` in config.toml",
                ));
            }
            km.apply(&ov, &src, raw, &mut warnings)?;
        }
        warnings.extend(km.shadow_warnings());
        if km.keys_for(Mode::Global, "quit").is_none() {
            warnings.push(format!(
                "keymap \"{}\" binds no key to quit in [global]; use the palette (\"quit\")",
                km.name
            ));
        }
        Ok((km, warnings))
    }

    fn load_named(
        name: &str,
        paths: &Paths,
        depth: usize,
        warnings: &mut Vec<String>,
    ) -> Result<Keymap, ConfigError> {
        if builtin_src(name).is_some() {
            return Keymap::builtin_depth(name, depth, warnings);
        }
        let file = paths.user_keymap(name);
        if !file.is_file() {
            return Err(ConfigError::at(
                &file,
                None,
                format!(
                    "no keymap \"{name}\": not built in ({}) and no such file",
                    BUILTIN_KEYMAPS.join(", ")
                ),
            ));
        }
        let src = read_file(&file)?;
        let raw = parse_file(&file, &src)?;
        let mut km = match &raw.inherits {
            Some(parent) => {
                if depth >= MAX_INHERIT_DEPTH || parent.get_ref() == name {
                    return Err(ConfigError::at(
                        &file,
                        Some(line_of(&src, parent.span().start)),
                        "keymaps inherit too deeply (a cycle?)",
                    ));
                }
                Keymap::load_named(parent.get_ref(), paths, depth + 1, warnings)?
            }
            None => Keymap::empty(name),
        };
        km.name = name.to_string();
        km.apply(&file, &src, raw, warnings)?;
        Ok(km)
    }

    /// Applies one file's bindings on top of this keymap, then checks for prefix conflicts.
    fn apply(
        &mut self,
        file: &Path,
        src: &str,
        raw: RawKeymap,
        warnings: &mut Vec<String>,
    ) -> Result<(), ConfigError> {
        for (mode, section) in raw.sections() {
            let Some(section) = section else { continue };
            let mut seen: HashMap<String, (usize, String)> = HashMap::new();
            for (k, v) in section {
                let kline = line_of(src, k.span().start);
                let vline = line_of(src, v.span().start);
                let written = k.get_ref().clone();
                let err = |line, m: String| ConfigError::at(file, Some(line), m);
                let keys = parse_keys(&written)
                    .map_err(|m| err(kline, format!("[{mode}] key \"{written}\": {m}")))?;
                let text = keys_text(&keys);
                if let Some((prev, prev_written)) =
                    seen.insert(text.clone(), (kline, written.clone()))
                {
                    return Err(err(
                        kline.max(prev),
                        format!(
                            "[{mode}] \"{written}\" and \"{prev_written}\" (line {}) are the same \
                             key ({text}), bound twice",
                            kline.min(prev)
                        ),
                    ));
                }
                let raw = v.into_inner();
                if raw.action.trim() == "none" {
                    let removed = self.layers[mode.index()].remove(&text).is_some();
                    let global = mode.falls_back_to_global()
                        && self.layers[Mode::Global.index()].contains_key(&text);
                    if global {
                        self.blocked[mode.index()].push(keys.clone());
                    }
                    if !removed && !global {
                        warnings.push(format!(
                            "{}:{kline}: [{mode}] \"{written}\" = \"none\" unbinds a key that \
                             is not bound",
                            file.display()
                        ));
                    }
                    continue;
                }
                let action = Action::parse(&raw.action)
                    .map_err(|m| err(vline, format!("[{mode}] \"{written}\": {m}")))?;
                if mode == Mode::Composer {
                    if let Some(first) = keys.first() {
                        if matches!(first.code, KeyCode::Char(_))
                            && !first
                                .modifiers
                                .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
                        {
                            return Err(err(
                                kline,
                                format!(
                                    "[composer] \"{written}\" would capture typing; bind \
                                     Ctrl/Alt/function keys in the composer"
                                ),
                            ));
                        }
                    }
                }
                for key in &keys {
                    if let Some(why) = unreliable(key) {
                        warnings.push(format!(
                            "{}:{kline}: [{mode}] \"{written}\": {why}",
                            file.display()
                        ));
                    }
                }
                let description = raw
                    .description
                    .map(|d| sanitize_line(&d))
                    .filter(|d| !d.is_empty())
                    .unwrap_or_else(|| default_description(&action));
                self.layers[mode.index()].insert(
                    text.clone(),
                    Entry {
                        binding: Binding {
                            keys,
                            keys_text: text,
                            action,
                            description,
                        },
                        file: file.to_path_buf(),
                        line: kline,
                    },
                );
            }
        }
        self.check_prefixes(file)
    }

    /// A key that is both a binding and the start of a longer sequence, in one mode.
    fn check_prefixes(&self, newest: &Path) -> Result<(), ConfigError> {
        for mode in Mode::ALL {
            let layer = &self.layers[mode.index()];
            for short in layer.values() {
                for long in layer.values() {
                    let (s, l) = (&short.binding.keys, &long.binding.keys);
                    if s.len() >= l.len() || l[..s.len()] != s[..] {
                        continue;
                    }
                    // Report at the binding from the newest file when there is one.
                    let (here, other) = if long.file == newest && short.file != newest {
                        (long, short)
                    } else {
                        (short, long)
                    };
                    return Err(ConfigError::at(
                        &here.file,
                        Some(here.line),
                        format!(
                            "[{mode}] \"{}\" ({}) is also the start of \"{}\" ({}) at {}:{}; a key \
                             cannot be both (unbind one with \"none\")",
                            short.binding.keys_text,
                            short.binding.action,
                            long.binding.keys_text,
                            long.binding.action,
                            other.file.display(),
                            other.line
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    /// Mode keys that hide a *different* global key because one starts the other (a `[queue]`
    /// "g" hides the global "g g"): legal, but worth a warning.
    fn shadow_warnings(&self) -> Vec<String> {
        let mut w = Vec::new();
        for mode in [Mode::Queue, Mode::Thread, Mode::Profile] {
            for m in self.layers[mode.index()].values() {
                let hidden: Vec<&str> = self.layers[Mode::Global.index()]
                    .values()
                    .filter(|g| {
                        let (a, b) = (&m.binding.keys, &g.binding.keys);
                        let n = a.len().min(b.len());
                        a.len() != b.len() && a[..n] == b[..n]
                    })
                    .map(|g| g.binding.keys_text.as_str())
                    .collect();
                if !hidden.is_empty() {
                    w.push(format!(
                        "{}:{}: [{mode}] \"{}\" hides the global {} in this mode",
                        m.file.display(),
                        m.line,
                        m.binding.keys_text,
                        hidden
                            .iter()
                            .map(|h| format!("\"{h}\""))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                }
            }
        }
        w
    }

    /// The bindings in force in `mode`, the mode's own first, then the global ones it does not
    /// shadow.
    fn effective(&self, mode: Mode) -> Vec<&Binding> {
        let own: Vec<&Binding> = self.layers[mode.index()]
            .values()
            .map(|e| &e.binding)
            .collect();
        let mut all = own.clone();
        if mode.falls_back_to_global() {
            for g in self.layers[Mode::Global.index()].values() {
                let g = &g.binding;
                if self.blocked[mode.index()].contains(&g.keys) {
                    continue;
                }
                let shadowed = own.iter().any(|m| {
                    let n = m.keys.len().min(g.keys.len());
                    m.keys[..n] == g.keys[..n]
                });
                if !shadowed {
                    all.push(g);
                }
            }
        }
        all
    }

    /// Looks up the keys typed so far in `mode`: the mode's layer first, then (for queue,
    /// thread and profile) the global layer. Composer and dialog use only their own layer.
    pub fn lookup(&self, mode: Mode, keys: &[KeyEvent]) -> Lookup {
        if keys.is_empty() {
            return Lookup::NoMatch;
        }
        let keys: Vec<KeyEvent> = keys.iter().map(normalize_key).collect();
        let eff = self.effective(mode);
        if let Some(b) = eff.iter().find(|b| b.keys == keys) {
            return Lookup::Action(b.action.clone());
        }
        let n = keys.len();
        let mut next: Vec<(String, String)> = Vec::new();
        for b in eff {
            if b.keys.len() > n && b.keys[..n] == keys[..] {
                let k = key_to_string(&b.keys[n]);
                let d = if b.keys.len() == n + 1 {
                    b.description.clone()
                } else {
                    "…".to_string()
                };
                match next.iter_mut().find(|(nk, _)| *nk == k) {
                    Some(e) => e.1 = "…".to_string(),
                    None => next.push((k, d)),
                }
            }
        }
        if next.is_empty() {
            Lookup::NoMatch
        } else {
            next.sort();
            Lookup::Pending(next)
        }
    }

    /// The bindings in force in `mode` (its own and the global ones not shadowed), sorted in
    /// the order of the action registry, then keys, then argument: for the help screen (the
    /// views read 1, 2, 3…, not in the alphabetical order of their names).
    pub fn bindings(&self, mode: Mode) -> Vec<Binding> {
        let mut v: Vec<Binding> = self.effective(mode).into_iter().cloned().collect();
        v.sort_by(|a, b| {
            (a.action.kind, &a.keys_text, &a.action.arg).cmp(&(
                b.action.kind,
                &b.keys_text,
                &b.action.arg,
            ))
        });
        v
    }

    /// The mode's own bindings (not the global ones), in registry order.
    pub fn own_bindings(&self, mode: Mode) -> Vec<Binding> {
        let mut v: Vec<Binding> = self.layers[mode.index()]
            .values()
            .map(|e| e.binding.clone())
            .collect();
        v.sort_by(|a, b| (a.action.kind, &a.keys_text).cmp(&(b.action.kind, &b.keys_text)));
        v
    }

    /// The key text to show in hints for `action` in `mode` (`"r"`, `"g g"`, `"C-x C-y"`).
    /// `action` is a name (`"reply"`) or a full command (`"view unanswered"`). Prefers the
    /// mode's own bindings, then character keys over named ones (`j` over `Down`), then shorter
    /// sequences.
    pub fn keys_for(&self, mode: Mode, action: &str) -> Option<String> {
        let action = action.trim();
        let own = &self.layers[mode.index()];
        self.effective(mode)
            .into_iter()
            .filter(|b| b.action.name() == action || b.action.to_string() == action)
            .min_by_key(|b| {
                (
                    // "review_perform" is the binding without an argument, when there is one.
                    b.action.to_string() != action,
                    !own.contains_key(&b.keys_text),
                    b.keys.iter().any(|k| !matches!(k.code, KeyCode::Char(_))),
                    b.keys.len(),
                    b.keys_text.clone(),
                )
            })
            .map(|b| b.keys_text.clone())
    }
}

fn default_description(c: &Action) -> String {
    match &c.arg {
        Some(a) => format!("{}: {a}", c.spec().description),
        None => c.spec().description.to_string(),
    }
}

/// Why a key may never reach the program, if it may not.
fn unreliable(k: &KeyEvent) -> Option<&'static str> {
    let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
    match k.code {
        KeyCode::Char('s' | 'q') if ctrl => {
            Some("Ctrl-S/Ctrl-Q are flow control on many terminals and may never arrive")
        }
        KeyCode::Char('a' | 'b') if ctrl => Some("Ctrl-A/Ctrl-B are tmux/screen prefixes"),
        KeyCode::Char('i' | 'm' | 'h' | '[') if ctrl => {
            Some("Ctrl-I/M/H/[ arrive as Tab/Enter/Backspace/Esc in most terminals")
        }
        KeyCode::Enter if !k.modifiers.is_empty() => {
            Some("modified Enter is not sent by most terminals (or over SSH/tmux)")
        }
        _ => None,
    }
}

// --- keys ---

/// Normalises a key event for matching: only Ctrl/Alt/Shift are kept; Shift is folded into
/// characters ('G', not Shift+'g'); Shift+Tab is BackTab.
pub fn normalize_key(k: &KeyEvent) -> KeyEvent {
    let mut mods = k.modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT);
    let mut code = k.code;
    match code {
        KeyCode::Char(c) if mods.contains(KeyModifiers::SHIFT) => {
            if c.is_ascii_lowercase() {
                code = KeyCode::Char(c.to_ascii_uppercase());
            }
            mods.remove(KeyModifiers::SHIFT);
        }
        KeyCode::BackTab => mods.remove(KeyModifiers::SHIFT),
        KeyCode::Tab if mods.contains(KeyModifiers::SHIFT) => {
            code = KeyCode::BackTab;
            mods.remove(KeyModifiers::SHIFT);
        }
        _ => {}
    }
    KeyEvent::new(code, mods)
}

/// Parses one key: `"j"`, `"G"`, `"C-x"`, `"A-x"` (or `"M-x"`), `"S-Tab"`, `"Enter"`, `"Esc"`,
/// `"Tab"`, `"Space"`, `"Up"`, `"PageDown"`, `"Home"`, `"F1"`, `"?"`, `"-"`, `"C--"`.
pub fn parse_key(s: &str) -> Result<KeyEvent, String> {
    if s.is_empty() {
        return Err("empty key".to_string());
    }
    let mut mods = KeyModifiers::NONE;
    let mut rest = s;
    while rest.chars().count() > 2 && rest.is_char_boundary(2) {
        let m = match &rest[..2] {
            "C-" | "c-" => KeyModifiers::CONTROL,
            "A-" | "a-" | "M-" | "m-" => KeyModifiers::ALT,
            "S-" | "s-" => KeyModifiers::SHIFT,
            _ => break,
        };
        if mods.contains(m) {
            return Err(format!("modifier repeated in \"{s}\""));
        }
        mods |= m;
        rest = &rest[2..];
    }
    let mut chars = rest.chars();
    let code = match (chars.next(), chars.next()) {
        (Some(c), None) if !c.is_whitespace() && !c.is_control() => KeyCode::Char(c),
        _ => match rest.to_ascii_lowercase().as_str() {
            "space" | "spc" => KeyCode::Char(' '),
            "enter" | "return" | "ret" | "cr" => KeyCode::Enter,
            "esc" | "escape" => KeyCode::Esc,
            "tab" => KeyCode::Tab,
            "backtab" => KeyCode::BackTab,
            "backspace" | "bs" => KeyCode::Backspace,
            "delete" | "del" => KeyCode::Delete,
            "insert" | "ins" => KeyCode::Insert,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "pageup" | "pgup" => KeyCode::PageUp,
            "pagedown" | "pgdown" | "pgdn" => KeyCode::PageDown,
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            f if f.len() > 1 && f.starts_with('f') => match f[1..].parse::<u8>() {
                Ok(n) if (1..=24).contains(&n) => KeyCode::F(n),
                _ => return Err(format!("unknown key \"{rest}\"")),
            },
            _ => {
                return Err(format!(
                    "unknown key \"{rest}\" (a single character, or Enter, Esc, Tab, S-Tab, \
                     Space, Backspace, Delete, Insert, Home, End, PageUp, PageDown, Up, Down, \
                     Left, Right, F1-F24, with C-, A- or S- in front)"
                ))
            }
        },
    };
    Ok(normalize_key(&KeyEvent::new(code, mods)))
}

/// Parses a space-separated key sequence: `"g g"`, `"C-x e"`.
pub fn parse_keys(s: &str) -> Result<Vec<KeyEvent>, String> {
    let keys = s
        .split_whitespace()
        .map(parse_key)
        .collect::<Result<Vec<_>, _>>()?;
    if keys.is_empty() {
        return Err("empty key (write a space as \"Space\")".to_string());
    }
    Ok(keys)
}

/// The canonical text of a key: the inverse of [`parse_key`] for every key it can parse.
pub fn key_to_string(k: &KeyEvent) -> String {
    let k = normalize_key(k);
    let mut s = String::new();
    if k.modifiers.contains(KeyModifiers::CONTROL) {
        s.push_str("C-");
    }
    if k.modifiers.contains(KeyModifiers::ALT) {
        s.push_str("A-");
    }
    if k.modifiers.contains(KeyModifiers::SHIFT) {
        s.push_str("S-");
    }
    match k.code {
        KeyCode::Char(' ') => s.push_str("Space"),
        KeyCode::Char(c) => s.push(c),
        KeyCode::Enter => s.push_str("Enter"),
        KeyCode::Esc => s.push_str("Esc"),
        KeyCode::Tab => s.push_str("Tab"),
        KeyCode::BackTab => s.push_str("S-Tab"),
        KeyCode::Backspace => s.push_str("Backspace"),
        KeyCode::Delete => s.push_str("Delete"),
        KeyCode::Insert => s.push_str("Insert"),
        KeyCode::Home => s.push_str("Home"),
        KeyCode::End => s.push_str("End"),
        KeyCode::PageUp => s.push_str("PageUp"),
        KeyCode::PageDown => s.push_str("PageDown"),
        KeyCode::Up => s.push_str("Up"),
        KeyCode::Down => s.push_str("Down"),
        KeyCode::Left => s.push_str("Left"),
        KeyCode::Right => s.push_str("Right"),
        KeyCode::F(n) => s.push_str(&format!("F{n}")),
        other => s.push_str(&format!("{other:?}")),
    }
    s
}

/// The canonical text of a key sequence.
pub fn keys_text(keys: &[KeyEvent]) -> String {
    keys.iter().map(key_to_string).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(s: &str) -> KeyEvent {
        parse_key(s).expect("key")
    }

    fn from_str(src: &str) -> Result<(Keymap, Vec<String>), ConfigError> {
        let file = PathBuf::from("/cfg/keymaps/test.toml");
        let raw = parse_file(&file, src)?;
        let mut km = Keymap::empty("test");
        let mut w = Vec::new();
        km.apply(&file, src, raw, &mut w)?;
        Ok((km, w))
    }

    fn tmp_paths() -> (tempfile::TempDir, Paths) {
        let dir = tempfile::tempdir().expect("tempdir");
        let paths = Paths::new(dir.path().join("config"), dir.path().join("data"));
        std::fs::create_dir_all(paths.config_dir.join("keymaps")).expect("mkdir");
        (dir, paths)
    }

    #[test]
    fn keymap_parse_key_names_and_roundtrip() {
        for s in [
            "j",
            "G",
            "C-x",
            "A-x",
            "Enter",
            "Esc",
            "Tab",
            "S-Tab",
            "Up",
            "Down",
            "PageUp",
            "PageDown",
            "Home",
            "End",
            "F1",
            "F12",
            "Space",
            "?",
            ":",
            "-",
            "C--",
            "+",
            "/",
            "C-A-x",
            "Backspace",
            "Delete",
            "S-Up",
        ] {
            let k = key(s);
            assert_eq!(key_to_string(&k), s, "roundtrip of {s}");
        }
        assert_eq!(key("M-x"), key("A-x"));
        assert_eq!(key("S-g"), key("G"));
        assert_eq!(key("enter"), key("Enter"));
        assert_eq!(key("BackTab"), key("S-Tab"));
    }

    #[test]
    fn keymap_shifted_chars_match_with_or_without_shift() {
        let plain = KeyEvent::new(KeyCode::Char('G'), KeyModifiers::NONE);
        let shifted = KeyEvent::new(KeyCode::Char('G'), KeyModifiers::SHIFT);
        assert_eq!(normalize_key(&plain), normalize_key(&shifted));
        assert_eq!(key_to_string(&shifted), "G");
        let bt = KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT);
        assert_eq!(key_to_string(&bt), "S-Tab");
        let km = Keymap::builtin("default").expect("default");
        assert_eq!(
            km.lookup(Mode::Queue, &[shifted]),
            Lookup::Action(Action::parse("last").expect("cmd"))
        );
        assert_eq!(
            km.lookup(Mode::Queue, &[bt]),
            Lookup::Action(Action::parse("prev_pane").expect("cmd"))
        );
    }

    #[test]
    fn keymap_malformed_keys_rejected() {
        for s in ["", "C-", "Ctrl-x", "C-C-x", "F99", "Foo", "S-"] {
            assert!(parse_key(s).is_err(), "{s:?} should be rejected");
        }
        assert!(parse_keys("   ").is_err());
    }

    #[test]
    fn keymap_builtins_load_without_conflicts_or_warnings() {
        for name in BUILTIN_KEYMAPS {
            let mut w = Vec::new();
            let km = Keymap::builtin_depth(name, 0, &mut w).expect(name);
            w.extend(km.shadow_warnings());
            assert!(w.is_empty(), "{name}: {w:?}");
            for mode in Mode::ALL {
                assert!(
                    !km.bindings(mode).is_empty(),
                    "{name} has no {mode} bindings"
                );
            }
            for needed in ["quit", "help", "palette", "cancel", "move_down", "move_up"] {
                assert!(
                    km.keys_for(Mode::Queue, needed).is_some(),
                    "{name} lacks {needed}"
                );
            }
            assert!(km.keys_for(Mode::Composer, "send_reply").is_some());
            assert!(km.keys_for(Mode::Composer, "cancel").is_some());
            assert!(km.keys_for(Mode::Dialog, "confirm").is_some());
        }
    }

    #[test]
    fn keymap_every_action_reachable_in_default() {
        let km = Keymap::builtin("default").expect("default");
        let modes = [
            Mode::Queue,
            Mode::Thread,
            Mode::Profile,
            Mode::Review,
            Mode::Composer,
            Mode::Dialog,
        ];
        for a in crate::actions::ACTIONS {
            if matches!(a.arg, crate::actions::ArgKind::Required(_)) {
                continue; // need a free argument (profile NAME, theme NAME, open_topic ID): palette
            }
            assert!(
                modes.iter().any(|m| km.keys_for(*m, a.name).is_some()),
                "no default key for {}",
                a.name
            );
        }
    }

    #[test]
    fn keymap_arrows_has_no_vim_movement() {
        let km = Keymap::builtin("arrows").expect("arrows");
        assert_eq!(km.lookup(Mode::Queue, &[key("j")]), Lookup::NoMatch);
        assert_eq!(
            km.lookup(Mode::Queue, &[key("Down")]),
            Lookup::Action(Action::parse("move_down").expect("c"))
        );
        assert_eq!(km.keys_for(Mode::Queue, "help").as_deref(), Some("F1"));
    }

    #[test]
    fn keymap_unknown_action_with_line() {
        let e = from_str("[global]\n\"q\" = \"quit\"\n\"x\" = \"explode\"\n").unwrap_err();
        assert_eq!(e.line, Some(3), "{e}");
        assert!(e.message.contains("unknown action \"explode\""), "{e}");
        assert!(
            e.to_string().starts_with("/cfg/keymaps/test.toml:3: "),
            "{e}"
        );
    }

    #[test]
    fn keymap_missing_argument_with_line() {
        let e = from_str("[global]\n\n\"1\" = \"view\"\n").unwrap_err();
        assert_eq!(e.line, Some(3));
        assert!(e.message.contains("needs an argument: view name"), "{e}");
    }

    #[test]
    fn keymap_malformed_key_with_line() {
        let e = from_str("[queue]\n\"j\" = \"move_down\"\n\"Ctrl-k\" = \"move_up\"\n").unwrap_err();
        assert_eq!(e.line, Some(3), "{e}");
        assert!(e.message.contains("Ctrl-k"), "{e}");
    }

    #[test]
    fn keymap_unknown_mode_section_with_line() {
        let e =
            from_str("[global]\n\"q\" = \"quit\"\n\n[qeue]\n\"j\" = \"move_down\"\n").unwrap_err();
        assert_eq!(e.line, Some(4), "{e}");
        assert!(e.message.contains("qeue"), "{e}");
    }

    #[test]
    fn keymap_conflict_same_key_twice() {
        let e = from_str("[queue]\n\"G\" = \"last\"\n\"S-g\" = \"first\"\n").unwrap_err();
        assert_eq!(e.line, Some(3), "{e}");
        assert!(e.message.contains("bound twice"), "{e}");
        // TOML itself rejects a literal duplicate, also with the line.
        let e = from_str("[queue]\n\"j\" = \"last\"\n\"j\" = \"first\"\n").unwrap_err();
        assert_eq!(e.line, Some(3), "{e}");
    }

    #[test]
    fn keymap_prefix_conflict() {
        let e = from_str("[queue]\n\"g\" = \"first\"\n\"g g\" = \"last\"\n").unwrap_err();
        assert!(e.message.contains("also the start of \"g g\""), "{e}");
        assert_eq!(e.line, Some(2), "{e}");
    }

    #[test]
    fn keymap_composer_plain_key_rejected() {
        let e = from_str("[composer]\n\"x\" = \"send_reply\"\n").unwrap_err();
        assert!(e.message.contains("capture typing"), "{e}");
    }

    #[test]
    fn keymap_sequence_lookup_pending_then_command() {
        let (km, _) = from_str(
            "[queue]\n\"g g\" = { action = \"first\", description = \"Top\" }\n\"g e\" = \"last\"\n\"j\" = \"move_down\"\n",
        )
        .expect("km");
        match km.lookup(Mode::Queue, &[key("g")]) {
            Lookup::Pending(next) => assert_eq!(
                next,
                vec![
                    ("e".to_string(), "Go to the last item".to_string()),
                    ("g".to_string(), "Top".to_string())
                ]
            ),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            km.lookup(Mode::Queue, &[key("g"), key("g")]),
            Lookup::Action(Action::parse("first").expect("c"))
        );
        assert_eq!(
            km.lookup(Mode::Queue, &[key("g"), key("x")]),
            Lookup::NoMatch
        );
        assert_eq!(km.lookup(Mode::Queue, &[key("z")]), Lookup::NoMatch);
    }

    #[test]
    fn keymap_global_fallback_and_no_fallback_in_composer() {
        let (km, _) = from_str(
            "[global]\n\"q\" = \"quit\"\n\"C-x\" = \"palette\"\n[queue]\n\"C-x e\" = \"refresh\"\n[composer]\n\"Esc\" = \"cancel\"\n",
        )
        .expect("km");
        let quit = Lookup::Action(Action::parse("quit").expect("c"));
        assert_eq!(km.lookup(Mode::Queue, &[key("q")]), quit);
        assert_eq!(km.lookup(Mode::Global, &[key("q")]), quit);
        assert_eq!(km.lookup(Mode::Composer, &[key("q")]), Lookup::NoMatch);
        assert_eq!(km.lookup(Mode::Dialog, &[key("q")]), Lookup::NoMatch);
        // The queue's "C-x e" shadows the global "C-x".
        assert!(matches!(
            km.lookup(Mode::Queue, &[key("C-x")]),
            Lookup::Pending(_)
        ));
        assert_eq!(
            km.lookup(Mode::Thread, &[key("C-x")]),
            Lookup::Action(Action::parse("palette").expect("c"))
        );
        let help: Vec<String> = km
            .bindings(Mode::Queue)
            .iter()
            .map(|b| b.keys_text.clone())
            .collect();
        assert_eq!(help, ["q", "C-x e"]);
    }

    #[test]
    fn help_lists_the_views_in_the_order_of_their_keys() {
        let km = Keymap::builtin("default").expect("default");
        let views: Vec<String> = km
            .bindings(Mode::Queue)
            .into_iter()
            .filter(|b| b.action.kind == crate::actions::ActionKind::View)
            .map(|b| b.keys_text)
            .collect();
        assert_eq!(views, ["1", "2", "3", "4", "5"]);
    }

    #[test]
    fn keymap_keys_for_prefers_plain_keys() {
        let km = Keymap::builtin("default").expect("default");
        assert_eq!(km.keys_for(Mode::Queue, "move_down").as_deref(), Some("j"));
        assert_eq!(km.keys_for(Mode::Queue, "first").as_deref(), Some("g g"));
        assert_eq!(km.keys_for(Mode::Queue, "quit").as_deref(), Some("q"));
        assert_eq!(
            km.keys_for(Mode::Queue, "view unanswered").as_deref(),
            Some("1")
        );
        assert_eq!(km.keys_for(Mode::Composer, "quit"), None);
        assert_eq!(
            km.keys_for(Mode::Composer, "send_reply").as_deref(),
            Some("C-x C-y")
        );
    }

    #[test]
    fn keymap_load_user_overrides_and_unbind() {
        let (_d, paths) = tmp_paths();
        std::fs::write(
            paths.keymap_overrides(),
            "[queue]\n\"x\" = \"none\"\n\"j\" = \"none\"\n\"J\" = \"move_down\"\n",
        )
        .expect("write");
        let (km, w) = Keymap::load("default", &paths).expect("load");
        assert_eq!(km.lookup(Mode::Queue, &[key("j")]), Lookup::NoMatch);
        assert_eq!(
            km.lookup(Mode::Queue, &[key("J")]),
            Lookup::Action(Action::parse("move_down").expect("c"))
        );
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(w[0].contains("not bound"), "{w:?}");
        // Still bound in the thread.
        assert!(matches!(
            km.lookup(Mode::Thread, &[key("j")]),
            Lookup::Action(_)
        ));
    }

    #[test]
    fn keymap_override_prefix_conflict_names_override_file() {
        let (_d, paths) = tmp_paths();
        std::fs::write(
            paths.keymap_overrides(),
            "[thread]\n\n\"o x\" = \"refresh\"\n",
        )
        .expect("write");
        let e = Keymap::load("default", &paths).unwrap_err();
        assert_eq!(e.file.as_deref(), Some(paths.keymap_overrides().as_path()));
        assert_eq!(e.line, Some(3), "{e}");
        assert!(
            e.message
                .contains("\"o\" (next_link) is also the start of \"o x\""),
            "{e}"
        );
        // Unbinding the single key fixes it.
        std::fs::write(
            paths.keymap_overrides(),
            "[thread]\n\"o x\" = \"refresh\"\n\"o\" = \"none\"\n",
        )
        .expect("write");
        let (km, w) = Keymap::load("default", &paths).expect("load");
        assert!(w.is_empty(), "{w:?}");
        assert!(matches!(
            km.lookup(Mode::Thread, &[key("o")]),
            Lookup::Pending(_)
        ));
        // A queue key hiding global sequences is allowed, with a warning.
        std::fs::write(paths.keymap_overrides(), "[queue]\n\"g\" = \"refresh\"\n").expect("write");
        let (km, w) = Keymap::load("default", &paths).expect("load");
        assert!(
            w.iter().any(|w| w.contains("hides the global \"g g\"")),
            "{w:?}"
        );
        assert_eq!(
            km.lookup(Mode::Queue, &[key("g")]),
            Lookup::Action(Action::parse("refresh").expect("c"))
        );
        assert!(matches!(
            km.lookup(Mode::Thread, &[key("g")]),
            Lookup::Pending(_)
        ));
    }

    #[test]
    fn keymap_user_file_inherits_and_warns() {
        let (_d, paths) = tmp_paths();
        std::fs::write(
            paths.user_keymap("mine"),
            "inherits = \"arrows\"\n[queue]\n\"C-s\" = \"refresh\"\n",
        )
        .expect("write");
        let (km, w) = Keymap::load("mine", &paths).expect("load");
        assert_eq!(km.name(), "mine");
        assert!(w.iter().any(|w| w.contains("flow control")), "{w:?}");
        assert!(matches!(
            km.lookup(Mode::Queue, &[key("Down")]),
            Lookup::Action(_)
        ));
        let e = Keymap::load("missing", &paths).unwrap_err();
        assert!(e.message.contains("no keymap \"missing\""), "{e}");
        std::fs::write(paths.user_keymap("loop"), "inherits = \"loop\"\n").expect("write");
        assert!(Keymap::load("loop", &paths).is_err());
    }
}
