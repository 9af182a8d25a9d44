//! The TOTP second factor and recovery codes on PostgreSQL, at `ACCESS_TEST_POSTGRES_URL`
//! (`.ci/run` installs and starts one on loopback). Without it, every test says it was skipped.

const BACKEND: &str = "postgres";

#[path = "mfa/suite.rs"]
mod suite;
