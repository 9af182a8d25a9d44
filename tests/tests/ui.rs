//! Compile-time behaviour of the macros: every documented form compiles (`pass/`), every
//! mistake gives the error in its `.stderr` (`fail/`). Regenerate with `TRYBUILD=overwrite`
//! and review the diff. Snapshots are pinned to the toolchain CI runs (rustc's rendering of
//! diagnostics changes between versions), so other toolchains skip this test.

#[rustversion::attr(not(stable(1.95)), ignore = "UI snapshots are recorded with Rust 1.95")]
#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/*/pass/*.rs");
    t.compile_fail("tests/ui/*/fail/*.rs");
}
