//! Compile-time behaviour of the macros: every mistake gives the error in its `.stderr`
//! (`ui/*/fail/`). Regenerate with `TRYBUILD=overwrite` and review the diff. The documented forms
//! that compile (`ui/*/pass/`) are modules of `ui_pass.rs`, an ordinary test binary: trybuild
//! with compile-fail cases only runs `cargo check`, so it builds no dependency a second time.
//! Snapshots are pinned to the toolchain CI runs (rustc's rendering of diagnostics changes
//! between versions), so other toolchains skip these tests.
//!
//! One test per macro, so `cargo test -p access-compile-tests --test ui schema` runs one macro's cases.

fn cases(dir: &str) {
    let t = trybuild::TestCases::new();
    t.compile_fail(format!("tests/ui/{dir}/fail/*.rs"));
}

#[rustversion::attr(not(stable(1.95)), ignore = "UI snapshots are recorded with Rust 1.95")]
#[test]
fn authorize() {
    cases("authorize");
}

#[rustversion::attr(not(stable(1.95)), ignore = "UI snapshots are recorded with Rust 1.95")]
#[test]
fn define_access() {
    cases("define_access");
}

#[rustversion::attr(not(stable(1.95)), ignore = "UI snapshots are recorded with Rust 1.95")]
#[test]
fn engine() {
    cases("engine");
}

#[rustversion::attr(not(stable(1.95)), ignore = "UI snapshots are recorded with Rust 1.95")]
#[test]
fn granted() {
    cases("granted");
}

#[rustversion::attr(not(stable(1.95)), ignore = "UI snapshots are recorded with Rust 1.95")]
#[test]
fn lints() {
    cases("lints");
}

#[rustversion::attr(not(stable(1.95)), ignore = "UI snapshots are recorded with Rust 1.95")]
#[test]
fn schema() {
    cases("schema");
}
