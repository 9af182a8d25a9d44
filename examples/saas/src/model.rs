//! The example's access model, checked at compile time.

access_core::define_access! {
    /// The saas example's access model.
    pub Access;

    roles: [admin, editor, user],
    default_role: user,

    // A guest is in the organization (its tenant: its plan, its rows) and holds what roles
    // below it give, nothing more: someone who works on one project. Membership in a tenant
    // is a role on the organization itself.
    entity organization { roles: [owner, admin, member, guest] }
    entity workspace {
        roles: [admin, editor, viewer],
        // Without it a workspace viewer would read folders its admin cannot.
        implies: { admin => editor, editor => viewer },
        inherits: {
            organization:owner => admin,
            organization:admin => editor,
            organization:member => viewer,
        },
    }
    entity folder {
        roles: [owner, viewer],
        implies: { owner => viewer },
        inherits: {
            workspace:editor => owner,
            workspace:viewer => viewer,
            folder:owner => owner,
            folder:viewer => viewer,
        },
    }
    entity project {
        roles: [manager, contributor, viewer],
        implies: { manager => contributor, contributor => viewer },
        inherits: {
            workspace:admin => manager,
            workspace:editor => contributor,
            workspace:viewer => viewer,
        },
    }

    flags: [pdf_export, beta_ai],

    entitlements {
        "project:create" on workspace => roles [admin, editor],
        "project:read"   on project   => roles [viewer],
        "project:update" on project   => roles [contributor],
        "project:delete" on project   => roles [manager],
        "ai:generate"    on project   => roles [contributor], flags [beta_ai],
        "export:pdf"     on project   => roles [viewer], flags [pdf_export],
        "folder:read"    on folder    => roles [viewer],
        "members:invite" on organization => roles [owner, admin],
        "members:read"   on organization => roles [owner, admin, member], // not guests
        "organization:manage" on organization => roles [owner],
    }

    plans {
        free { group: main, features: ["members:invite"],
               limits: { invites: "members:invite" per month max 5 } }
        pro  { group: main, features: ["ai:generate", "export:pdf", "members:invite"],
               limits: { ai: "ai:generate" per month max 100, invites: "members:invite" per month max 50 } }
        enterprise { group: main, features: ["ai:generate", "export:pdf", "members:invite"] }
        ai_boost { add_on, features: ["ai:generate"],
                   limits: { ai: "ai:generate" per month max 5000 },
                   requires: main [pro, enterprise] }
    }
    default_plan: free,
    // Organizations are the tenants: their creator is an owner, an invitation without a role
    // makes a member.
    tenant: organization { owner: owner, member: member },

    // `guest` grants nothing by itself, on purpose.
    lints: { idle_role: allow },

    default_permission: { create: [admin], read: public, update: [admin, editor], delete: [admin] },
}
