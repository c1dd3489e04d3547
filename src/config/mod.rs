//! Paths, profiles, keymaps and themes.
//!
//! - [`Paths`]: where files live (`MODTERM_CONFIG_DIR` / `MODTERM_DATA_DIR` override).
//! - [`Settings`]: `config.toml` (profiles, theme, keymap, SLA clocks, saved views).
//! - [`Keymap`]: keys to actions (`crate::actions`) per [`Mode`], from `keymaps/*.toml` (built in) and the user's
//!   `keymaps/` directory.
//! - [`Theme`]: styles per [`Slot`], from `themes/*.toml`, mapped to the terminal's
//!   [`ColorDepth`].
//!
//! Every error is a [`ConfigError`] naming the file and line.

mod error;
mod keymap;
mod paths;
mod settings;
mod theme;

pub use error::ConfigError;
pub use keymap::{
    key_to_string, keys_text, normalize_key, parse_key, parse_keys, Binding, Keymap, Lookup, Mode,
    BUILTIN_KEYMAPS,
};
pub use paths::Paths;
pub use settings::{
    key_file_warning, redact, CareProfile, Clocks, KeySource, Platform, Profile, SavedView,
    Settings, VIEW_BASES,
};
pub use theme::{
    color_depth_from, detect_color_depth, parse_color, rgb_to_16, rgb_to_256, ColorDepth, Slot,
    Theme, BUILTIN_THEMES,
};
