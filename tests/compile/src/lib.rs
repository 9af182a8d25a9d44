//! Compile-time tests of the access macros: see `tests/ui.rs` and `tests/ui_pass.rs`.
