//! Lints are warnings by default, at the offending token; `-D warnings` (here
//! `#![deny(deprecated)]`) makes them errors.
#![deny(deprecated)]

access_core::define_access! {
    pub Access;
    entity project { roles: [manager, ghost] }
    entitlements { "project:delete" on project => roles [manager] }
}

fn main() {}
