//! One mistake in the model is one error: the enums, the marker types, the names schemas look up
//! and the `AccessModel` impl are still generated from the names that parsed, so the code that
//! uses them raises nothing more.

use access_core::{AccessModel, Granted};

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
        "project:read" on project => roles [viewr],
        "project:delete" on project => roles [manager],
        "ai:generate" on project => roles [manager], flags [beta],
    }

    plans {
        free { group: main, features: ["project:read"] }
        pro { group: main, features: ["project:read", "ai:generate"],
              limits: { ai: "ai:generate" per month max 100 } }
    }
    default_plan: free,
}

fn delete(_proof: Granted<entitlement::ProjectDelete>) {}

fn main() {
    let _ = Entitlement::ProjectRead;
    let _ = [ProjectRole::Viewer, ProjectRole::Manager];
    let _ = OrganizationRole::Owner.index();
    let _ = (Role::Admin, EntityType::Project, Plan::Pro, Flag::Beta, Limit::Ai);
    let _ = Access.data();
    let _ = Access::tables();
    let _ = Access::admin;
    let _: fn(Granted<entitlement::ProjectDelete>) = delete;
}
