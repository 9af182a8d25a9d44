//! The organization/workspace/project suite on a SQLite file.

const BACKEND: &str = "sqlite";

#[path = "saas/suite.rs"]
mod suite;
