//! Names that no Rust item can carry: `crate` has no `r#` form, so there is no constant
//! `Access::crate` for schema attributes; `self` becomes the variant `Self`. Both are reported.

access_core::define_access! {
    pub Access;

    roles: [admin, crate, self],

    entity project { roles: [viewer] }
    entitlements { "project:read" on project => roles [viewer] }
}

fn main() {
    let _ = Role::Admin;
}
