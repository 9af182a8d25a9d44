//! The server-side API (`AppState::api`) on SQLite (in memory).

const BACKEND: &str = "sqlite";

#[path = "server_api/suite.rs"]
mod suite;
