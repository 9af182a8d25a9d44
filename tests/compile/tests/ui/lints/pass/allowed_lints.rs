//! A lint found and allowed: no warning, the model works.
#![deny(warnings)]

access_core::define_access! {
    pub Access;
    entity project { roles: [manager, ghost] }
    entitlements { "project:delete" on project => roles [manager] }
    lints: { idle_role: allow },
}

pub fn main() {
    assert_eq!(ProjectRole::ALL.len(), 2);
}
