//! Passkeys (WebAuthn) through the HTTP stack on SQLite (in memory), with a software
//! authenticator.

const BACKEND: &str = "sqlite";

#[path = "passkeys/suite.rs"]
mod suite;
