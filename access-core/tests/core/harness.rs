//! Helpers shared by the modules of this test binary.

use std::future::Future;

/// Runs a future of the in-memory stores, which are always ready at once.
pub fn run<F: Future>(f: F) -> F::Output {
    access_core::block_on_ready(f).expect("in-memory futures are always ready")
}
