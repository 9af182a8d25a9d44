//! An organization member gets more on workspaces than an organization admin.

access_core::define_access! {
    pub Access;
    entity organization { roles: [admin, member] }
    entity workspace {
        roles: [admin, viewer],
        inherits: {
            organization:admin => viewer,
            organization:member => admin,
        },
    }
    entitlements {
        "organization:billing" on organization => roles [admin],
        "workspace:read"       on workspace    => roles [viewer, admin],
        "workspace:delete"     on workspace    => roles [admin],
    }
    lints: { inherit_escalation: deny },
}

fn main() {}
