//! stores: filled in by its module's owner.

#[allow(unused_imports)]
use crate::harness::run;
