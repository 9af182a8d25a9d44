//! Driving the engine's futures without an async runtime.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

/// Polls `future` once and returns its output if it is ready, `None` if not (a database
/// store's). For the in-memory stores, `.ready()` (see [`crate::Ready`]) gives the same calls
/// without a future to drive or an `Option` to unwrap.
///
/// # Examples
/// ```
/// assert_eq!(access_core::block_on_ready(async { 1 + 1 }), Some(2));
/// ```
#[inline]
pub fn block_on_ready<F: Future>(future: F) -> Option<F::Output> {
    let mut cx = Context::from_waker(Waker::noop());
    match pin!(future).poll(&mut cx) {
        Poll::Ready(v) => Some(v),
        Poll::Pending => None,
    }
}
