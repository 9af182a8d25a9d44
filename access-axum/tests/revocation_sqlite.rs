//! Immediate revocation (`AuthState::with_session_check`) on SQLite (in memory).

const BACKEND: &str = "sqlite";

#[path = "revocation/suite.rs"]
mod suite;
