//! A role that grants nothing and inherits into nothing.

access_core::define_access! {
    pub Access;
    entity project { roles: [manager, ghost] }
    entitlements { "project:delete" on project => roles [manager] }
    lints: { idle_role: deny },
}

fn main() {}
