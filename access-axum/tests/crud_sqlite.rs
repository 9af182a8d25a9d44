//! The CRUD router suite on SQLite (in memory).

const BACKEND: &str = "sqlite";

#[path = "crud/suite.rs"]
mod suite;
