//! Paths, profiles, keymaps and themes.
