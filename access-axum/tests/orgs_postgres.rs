//! The organization routes on PostgreSQL, at `ACCESS_TEST_POSTGRES_URL` (`.ci/run` installs and
//! starts one on loopback). Without it, every test says it was skipped.

const BACKEND: &str = "postgres";

#[path = "orgs/suite.rs"]
mod suite;
