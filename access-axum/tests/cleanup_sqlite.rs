//! The background cleanup on SQLite (in memory).

const BACKEND: &str = "sqlite";

#[path = "cleanup/suite.rs"]
mod suite;
