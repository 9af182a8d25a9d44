//! What the generated enums tell about the model, evaluated at compile time: an entitlement's
//! entity type, roles, plans, flags and limits; a role's entity type and entitlements; a plan's
//! and a flag's entitlements; a limit's entitlement.

access_core::define_access! {
    pub Access;
    entity workspace { roles: [admin, member], implies: { admin => member } }
    entity project {
        roles: [manager, viewer],
        implies: { manager => viewer },
        inherits: { workspace:admin => manager, workspace:member => viewer },
    }
    flags: [beta_ai],
    entitlements {
        "workspace:invite" on workspace => roles [admin],
        "project:read"     on project   => roles [viewer],
        "ai:generate"      on project   => roles [manager], flags [beta_ai],
    }
    plans {
        free { group: main, features: [] }
        pro  { group: main, features: ["ai:generate"],
               limits: { ai: "ai:generate" per month max 100 } }
    }
}

const _: () = {
    assert!(Entitlement::ProjectRead.entity().index() == EntityType::Project.index());
    assert!(Entitlement::ProjectRead.roles().len() == 2); // manager implies viewer
    assert!(Entitlement::AiGenerate.plans().len() == 1);
    assert!(Entitlement::ProjectRead.plans().is_empty()); // not plan-gated
    assert!(Entitlement::AiGenerate.flags()[0].index() == Flag::BetaAi.index());
    assert!(Entitlement::AiGenerate.limits()[0].index() == Limit::Ai.index());
    assert!(WorkspaceRole::Member.entity().index() == EntityType::Workspace.index());
    assert!(WorkspaceRole::Member.entitlements().is_empty());
    assert!(ProjectRole::Viewer.entitlements().len() == 1);
    assert!(EntityType::Project.parents()[0].index() == EntityType::Workspace.index());
    assert!(Plan::Pro.entitlements()[0].index() == Entitlement::AiGenerate.index());
    assert!(Flag::BetaAi.entitlements().len() == 1);
    assert!(Limit::Ai.entitlement().index() == Entitlement::AiGenerate.index());
    assert!(matches!(
        ProjectRole::from_any(ProjectRole::Viewer.any()),
        Some(ProjectRole::Viewer)
    ));
    assert!(WorkspaceRole::from_any(ProjectRole::Viewer.any()).is_none());
};

pub fn main() {
    let roles: Vec<access_core::AnyRole> = Entitlement::AiGenerate.roles().to_vec();
    assert_eq!(roles, [access_core::AnyRole::from(ProjectRole::Manager)]);
    assert_eq!(roles[0].to_string(), "manager");
    assert_eq!(Plan::Pro.entitlements(), [Entitlement::AiGenerate]);
    assert_eq!(Limit::Ai.period(), access_core::Period::Month);
    let _ = Access;
}
