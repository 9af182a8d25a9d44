//! The superusers' user administration (`/admin/users`) on SQLite (in memory).

const BACKEND: &str = "sqlite";

#[path = "users_admin/suite.rs"]
mod suite;
