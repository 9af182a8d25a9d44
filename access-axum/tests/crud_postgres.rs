//! The CRUD router suite on PostgreSQL at `ACCESS_TEST_POSTGRES_URL` (`.ci/run` starts one);
//! skipped without it.

const BACKEND: &str = "postgres";

#[path = "crud/suite.rs"]
mod suite;
