//! A syntax error is one error too: what parsed before it is still generated.

use access_core::AccessModel;

access_core::define_access! {
    pub Access;

    roles: [admin, user],

    entity project { roles: [manager, viewer] }

    entitlements {
        "project:read" on project => roles [viewer],
        "project:delete" on project => roles [manager] flags [beta],
    }
}

fn main() {
    let _ = (Entitlement::ProjectRead, Entitlement::ProjectDelete);
    let _ = (ProjectRole::Viewer, Role::Admin, EntityType::Project);
    let _ = Access.data();
}
