//! Unknown lint names and levels, with suggestions.

access_core::define_access! {
    pub Access;
    entity project { roles: [manager] }
    entitlements { "project:delete" on project => roles [manager] }
    lints: { idle_roles: deny, inherit_escalation: forbid },
}

fn main() {}
