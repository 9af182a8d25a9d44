//! admin: behaviour moved out of the doc examples of `access_axum::admin`.

#[allow(unused_imports)] // filled in as the examples move here
use crate::harness::*;
