//! The TOTP second factor and recovery codes on SQLite (in memory).

const BACKEND: &str = "sqlite";

#[path = "mfa/suite.rs"]
mod suite;
