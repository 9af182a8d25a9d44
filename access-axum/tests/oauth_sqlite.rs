//! Sign-in with providers on SQLite (in memory), against the mock provider on loopback.

const BACKEND: &str = "sqlite";

#[path = "oauth/suite.rs"]
mod suite;
