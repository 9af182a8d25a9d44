//! Who may do what.

access_core::define_access! {
    /// The notes application's access model.
    pub Access;
    roles: [admin, user],
    default_role: user,
    entity organization {
        roles: [owner, member],
        implies: { owner => member },
    }
    entitlements {
        "org:read"   on organization => roles [member],
        "org:manage" on organization => roles [owner],
    }
}
