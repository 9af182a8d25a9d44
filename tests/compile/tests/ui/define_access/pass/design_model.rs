//! The model of DESIGN.md, every section, and the generated enums.

use std::str::FromStr;

use access_core::{AccessContext, AccessModel, MemoryStore, Principal, Resource};

access_core::define_access! {
    /// The application's access model.
    pub Access;

    roles: [admin, editor, user],
    default_role: user,

    entity organization { roles: [owner, admin, member] }
    entity workspace {
        roles: [admin, editor, viewer],
        inherits: {
            organization:owner => admin,
            organization:admin => editor,
            organization:member => viewer,
        },
    }
    entity folder {
        roles: [owner, viewer],
        inherits: {
            workspace:editor => owner,
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
        "project:delete" on project   => roles [manager],
        "ai:generate"    on project   => roles [contributor], flags [beta_ai],
        "export:pdf"     on project   => roles [viewer], flags [pdf_export],
        "members:invite" on organization => roles [owner, admin],
    }

    plans {
        free { group: main, features: ["members:invite"],
               limits: { invites: "members:invite" per month max 5 } }
        pro  { group: main, features: ["ai:generate", "export:pdf", "members:invite"],
               limits: { ai: "ai:generate" per month max 1000, invites: "members:invite" per month max 50 } }
        enterprise { group: main, features: ["ai:generate", "export:pdf", "members:invite"] }
        ai_boost { add_on, features: ["ai:generate"],
                   limits: { ai: "ai:generate" per month max 5000 },
                   requires: main [pro, enterprise] }
    }
    default_plan: free,

    default_permission: { create: [admin], read: public, update: [admin, editor], delete: [admin] },
}

pub fn main() {
    // Enums: ALL in declaration order, as_str, Display, FromStr, serde.
    assert_eq!(Entitlement::ALL.len(), 6);
    assert_eq!(Entitlement::ProjectCreate.as_str(), "project:create");
    assert_eq!(Entitlement::AiGenerate.to_string(), "ai:generate");
    assert_eq!(
        Entitlement::from_str("export:pdf").unwrap(),
        Entitlement::ExportPdf
    );
    let err = Entitlement::from_str("project:raed").unwrap_err();
    assert!(
        err.to_string().contains("did you mean `project:read`"),
        "{err}"
    );
    assert_eq!(
        serde_json::to_string(&Plan::AiBoost).unwrap(),
        "\"ai_boost\""
    );
    assert_eq!(serde_json::from_str::<Plan>("\"pro\"").unwrap(), Plan::Pro);
    assert!(serde_json::from_str::<Plan>("\"gold\"").is_err());
    for e in EntityType::ALL {
        assert_eq!(e.as_str().parse::<EntityType>().unwrap(), e);
    }
    assert_eq!(Role::ALL, [Role::Admin, Role::Editor, Role::User]);
    assert_eq!(ProjectRole::ALL.len(), 3);
    assert_eq!(FolderRole::Viewer.as_str(), "viewer");
    assert_eq!(Flag::BetaAi.as_str(), "beta_ai");
    assert_eq!(Limit::ALL, [Limit::Invites, Limit::Ai]);

    // The tables are static and the engine runs on them.
    let data = Access.data();
    assert_eq!(data.entities.len(), 4);
    // In memory, `.ready()` answers at once (no runtime, no `.await`).
    let store = MemoryStore::new();
    let org = Resource::new(EntityType::Organization, "acme");
    let ws = Resource::new(EntityType::Workspace, "eng");
    let app = Resource::new(EntityType::Project, "app");
    store.ready().add_resource(org, &[]).unwrap();
    store.ready().add_resource(ws, &[org]).unwrap();
    store.ready().add_resource(app, &[ws]).unwrap();
    store
        .ready()
        .assign("olga", org, OrganizationRole::Owner.index())
        .unwrap();
    let olga = AccessContext::new(&Access, &store, Principal::new("olga").tenant("acme"));
    assert!(olga.ready().can(Entitlement::ProjectDelete, app).unwrap());
    let nobody = AccessContext::new(&Access, &store, Principal::new("nobody").tenant("acme"));
    assert!(!nobody.ready().can(Entitlement::ProjectRead, app).unwrap());
}
