//! Database errors by their cause, and concurrent updates, on SQLite (a file in WAL mode).

const BACKEND: &str = "sqlite";

#[path = "db_errors/suite.rs"]
mod suite;
