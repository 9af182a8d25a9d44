//! The superusers' user administration (`/admin/users`) on PostgreSQL, at
//! `ACCESS_TEST_POSTGRES_URL` (`.ci/postgres.sh` starts one on loopback). Without it, every test
//! says it was skipped.

const BACKEND: &str = "postgres";

#[path = "users_admin/suite.rs"]
mod suite;
