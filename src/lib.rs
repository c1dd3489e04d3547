//! modterm: a keyboard-driven terminal console for community moderators.
//!
//! The map is in README.md and docs: `domain` (shared types), `backend` (the platform trait and
//! its adapters), `sandbox` (the embedded Discourse-speaking server), `text` (sanitizer and HTML
//! renderer), `config` (paths, profiles, keymaps, themes), `tui` (the console) and `cli` (the
//! headless commands).

pub mod backend;
pub mod config;
pub mod domain;
pub mod sandbox;
pub mod text;
