//! Rate limits and the client's address behind trusted proxies, on SQLite (in memory).

const BACKEND: &str = "sqlite";

#[path = "limits/suite.rs"]
mod suite;
