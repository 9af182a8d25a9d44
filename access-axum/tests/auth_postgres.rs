//! The authentication suite on PostgreSQL, at `ACCESS_TEST_POSTGRES_URL` (`.ci/run` installs
//! and starts one on loopback). Without it, every test says it was skipped.

const ROLE: &str = "suite";
const BACKEND: &str = "postgres";

#[path = "auth/suite.rs"]
mod suite;
