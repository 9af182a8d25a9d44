//! Driving the engine's futures without an async runtime.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

/// Polls `future` once and returns its output if it is ready: the engine's futures over the
/// in-memory stores always are, so synchronous code (and benchmarks) can call `can` without a
/// runtime. Returns `None` for a future that is not ready (a database store).
///
/// # Examples
/// ```
/// assert_eq!(access_core::block_on_ready(async { 1 + 1 }), Some(2));
/// ```
pub fn block_on_ready<F: Future>(future: F) -> Option<F::Output> {
    let mut cx = Context::from_waker(Waker::noop());
    match pin!(future).poll(&mut cx) {
        Poll::Ready(v) => Some(v),
        Poll::Pending => None,
    }
}
