//! The organization/workspace/project suite on PostgreSQL at `ACCESS_TEST_POSTGRES_URL`
//! (`.ci/run` starts one); skipped without it.

const BACKEND: &str = "postgres";

#[path = "saas/suite.rs"]
mod suite;
