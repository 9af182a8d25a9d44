//! The smallest model: one entity and its entitlements. Every other section is optional.

access_core::define_access! {
    pub(crate) Minimal;

    entity document { roles: [reader] }
    entitlements { "document:read" on document => roles [reader] }
}

pub fn main() {
    assert_eq!(Entitlement::ALL, [Entitlement::DocumentRead]);
    assert_eq!(DocumentRole::Reader.to_string(), "reader");
    assert_eq!(Role::ALL.len(), 0);
    let _ = Minimal;
}
