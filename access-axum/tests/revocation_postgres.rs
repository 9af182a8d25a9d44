//! Immediate revocation (`AuthState::with_session_check`) on PostgreSQL.

const BACKEND: &str = "postgres";

#[path = "revocation/suite.rs"]
mod suite;
