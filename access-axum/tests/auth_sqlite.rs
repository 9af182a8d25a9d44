//! The authentication suite on SQLite (in memory).

const ROLE: &str = "suite";
const BACKEND: &str = "sqlite";

#[path = "auth/suite.rs"]
mod suite;
