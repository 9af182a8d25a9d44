//! The authentication suite on SQLite (in memory).

const BACKEND: &str = "sqlite";

#[path = "auth/suite.rs"]
mod suite;
