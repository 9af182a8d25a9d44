//! What access-core's doc examples used to assert, by module: one test binary, shared helpers in
//! `harness`.

mod harness;

mod engine;
mod model;
mod schema;
mod stores;
