//! modterm: a keyboard-driven terminal console for community moderators.
//!
//! The map is in README.md and docs: `domain` (shared types), `backend` (the platform trait and
//! its adapters), `sandbox` (the embedded Discourse-speaking server), `text` (sanitizer and HTML
//! renderer), `config` (paths, profiles, keymaps, themes), `tui` (the console) and `cli` (the
//! headless commands).

pub mod actions;
pub mod audit;
pub mod backend;
pub mod board;
pub mod cli;
pub mod clock;
pub mod config;
pub mod config_report;
pub mod connect;
pub mod connect_khoros;
pub mod doctor;
pub mod domain;
pub mod drafts;
pub mod files;
pub mod logging;
pub mod login;
pub mod output;
pub mod sandbox;
pub mod sandbox_khoros;
pub mod text;
pub mod tui;
pub mod watch;
