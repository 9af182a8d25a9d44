//! Rate limits and the client's address behind trusted proxies, on PostgreSQL (`ACCESS_TEST_POSTGRES_URL`).

const BACKEND: &str = "postgres";

#[path = "limits/suite.rs"]
mod suite;
