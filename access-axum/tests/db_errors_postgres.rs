//! Database errors by their cause, and concurrent updates, on PostgreSQL
//! (`ACCESS_TEST_POSTGRES_URL`; skipped, saying so, without it).

const BACKEND: &str = "postgres";

#[path = "db_errors/suite.rs"]
mod suite;
