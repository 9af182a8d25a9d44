//! Login timing for a known and an unknown identifier, alone in its test binary (test binaries
//! run one after another, so no other test disturbs the measurement).

const ROLE: &str = "timing";
const BACKEND: &str = "sqlite";

#[path = "auth/suite.rs"]
mod suite;
