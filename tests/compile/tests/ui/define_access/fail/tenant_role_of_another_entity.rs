access_core::define_access! {
    pub Access;

    roles: [admin, user],
    default_role: user,

    entity organization { roles: [owner, member] }
    entity project {
        roles: [manager, viewer],
        implies: { manager => viewer },
        inherits: { organization:owner => manager, organization:member => viewer },
    }

    flags: [beta],

    entitlements {
        "project:read" on project => roles [viewer],
        "project:delete" on project => roles [manager],
        "ai:generate" on project => roles [manager], flags [beta],
    }

    plans {
        free { group: main, features: ["project:read"] }
        pro { group: main, features: ["project:read", "ai:generate"],
              limits: { ai: "ai:generate" per month max 100 } }
        boost { add_on, features: ["ai:generate"], requires: main [pro] }
    }
    default_plan: free,
    tenant: organization { owner: owner, member: viewer },

    default_permission: { create: [admin], read: public, delete: blocked },
}

fn main() {}
