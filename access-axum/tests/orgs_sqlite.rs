//! The organization routes on SQLite (in memory).

const BACKEND: &str = "sqlite";

#[path = "orgs/suite.rs"]
mod suite;
