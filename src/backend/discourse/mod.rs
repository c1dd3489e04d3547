//! The Discourse adapter: HTTP client, wire types and their mapping to domain types.
