//! auth: behaviour moved out of the doc examples of `access_axum::auth`.

#[allow(unused_imports)] // filled in as the examples move here
use crate::harness::*;
