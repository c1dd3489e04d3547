//! The embedded community server: a Discourse-speaking sandbox over SQLite.
