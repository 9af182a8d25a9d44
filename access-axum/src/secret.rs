//! Transitional: tokens and passwords moved to `auth::tokens` and `auth::passwords`. This file
//! goes once lib.rs re-exports `Claims` from `auth::tokens`.

pub use crate::auth::tokens::Claims;
