//! The background cleanup on PostgreSQL (`ACCESS_TEST_POSTGRES_URL`), two cleaners at once too.

const BACKEND: &str = "postgres";

#[path = "cleanup/suite.rs"]
mod suite;
