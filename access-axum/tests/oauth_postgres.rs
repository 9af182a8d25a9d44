//! Sign-in with providers on PostgreSQL (`ACCESS_TEST_POSTGRES_URL`), against the mock
//! provider on loopback.

const BACKEND: &str = "postgres";

#[path = "oauth/suite.rs"]
mod suite;
