//! An entitlement no role can obtain.

access_core::define_access! {
    pub Access;
    entity project { roles: [manager] }
    entitlements {
        "project:delete"  on project => roles [manager],
        "project:archive" on project => roles [],
    }
    lints: { unobtainable_entitlement: deny },
}

fn main() {}
