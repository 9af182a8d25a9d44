//! An organization admin is above a member (`implies`), yet the member's line gives more on
//! workspaces (`admin`) than the admin's own line (`viewer`): the lines look swapped.

access_core::define_access! {
    pub Access;
    entity organization {
        roles: [admin, member],
        implies: { admin => member },
    }
    entity workspace {
        roles: [admin, viewer],
        implies: { admin => viewer },
        inherits: {
            organization:admin => viewer,
            organization:member => admin,
        },
    }
    entitlements {
        "organization:billing" on organization => roles [admin],
        "workspace:read"       on workspace    => roles [viewer],
        "workspace:delete"     on workspace    => roles [admin],
    }
    lints: { inherit_escalation: deny },
}

fn main() {}
