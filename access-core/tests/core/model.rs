//! Models (generated and run-time), their typed indices and enums: what their doc examples used to
//! assert.

use access_core::model_builder::{ErrorKind, ModelBuilder};
use access_core::{
    AccessContext, AccessModel, ClosureStore, DynamicModel, EntitlementId, EntityTypeId,
    MemoryStore, ModelEnum, Principal, Resource, RoleStore, UnknownName,
};

use crate::harness::run;

/// project: manager ⇒ viewer; project:read to viewer.
fn project_model() -> DynamicModel {
    DynamicModel::build(
        ModelBuilder::new("Access")
            .entity("project", ["manager", "viewer"])
            .implies("project", "manager", "viewer")
            .entitlement("project:read", "project", ["viewer"], [])
            .spec(),
    )
    .unwrap()
}

mod generated {
    access_core::define_access! {
        pub Access;
        entity project { roles: [manager, viewer], implies: { manager => viewer } }
        entitlements { "project:read" on project => roles [viewer] }
        plans {
            free { group: main, features: [] }
            pro { group: main, features: ["project:read"] }
        }
    }
}

#[test]
fn generated_and_run_time_models_share_the_access_model_trait() {
    fn entitlement_names<M: AccessModel>(model: &M) -> Vec<String> {
        model
            .data()
            .entitlements
            .iter()
            .map(|e| e.name.to_string())
            .collect()
    }
    let dynamic = DynamicModel::build(
        ModelBuilder::new("Access")
            .entity("project", ["viewer"])
            .entitlement("project:read", "project", ["viewer"], [])
            .spec(),
    )
    .unwrap();
    assert_eq!(entitlement_names(&generated::Access), ["project:read"]);
    assert_eq!(
        entitlement_names(&dynamic),
        entitlement_names(&generated::Access)
    );
}

#[test]
fn model_enums_describe_every_kind_of_name() {
    fn describe<E: ModelEnum>() -> String {
        let names: Vec<&str> = E::ALL.iter().map(|e| e.as_str()).collect();
        format!("{}: {}", E::KIND, names.join(", "))
    }
    assert_eq!(describe::<generated::Plan>(), "plan: free, pro");
    assert_eq!(
        describe::<generated::ProjectRole>(),
        "role: manager, viewer"
    );
    assert_eq!(
        describe::<generated::Entitlement>(),
        "entitlement: project:read"
    );
}

#[test]
fn unknown_name_from_a_generated_enum() {
    let err: UnknownName = "projct".parse::<generated::EntityType>().unwrap_err();
    assert_eq!(err.kind, "entity type");
    assert_eq!(err.name, "projct");
    assert_eq!(err.suggestion, Some("project"));
    assert_eq!(
        err.to_string(),
        "unknown entity type `projct`, did you mean `project`?"
    );
}

#[test]
fn dynamic_model_evaluates_implies() {
    let model = project_model();
    let project = model.entity_type("project").unwrap();
    let read = model.entitlement("project:read").unwrap();
    let store = MemoryStore::new();
    let p1 = Resource::new(project, "p1");
    run(async {
        store.add_resource(p1, &[]).await.unwrap();
        store.assign("ann", p1, 0).await.unwrap(); // role 0: manager
        let ctx = AccessContext::new(&model, &store, Principal::new("ann"));
        assert!(ctx.can(read, p1).await.unwrap()); // manager implies viewer
    });
}

#[test]
fn dynamic_model_build_returns_every_error() {
    let ok = DynamicModel::build(
        ModelBuilder::new("Access")
            .entity("project", ["viewer"])
            .entitlement("project:read", "project", ["viewer"], [])
            .spec(),
    );
    assert!(ok.is_ok());
    let errors = DynamicModel::build(
        ModelBuilder::new("Access")
            .entity("project", ["viewer"])
            .entitlement("project:read", "project", ["viewr"], [])
            .spec(),
    )
    .unwrap_err();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].kind, ErrorKind::UnknownRole);
    assert!(errors[0].message.contains("did you mean `viewer`?"));
}

#[test]
fn dynamic_model_from_data_wraps_the_tables() {
    let data = ModelBuilder::new("Access")
        .entity("project", ["viewer"])
        .entitlement("project:read", "project", ["viewer"], [])
        .build()
        .unwrap();
    let model = DynamicModel::from_data(data.clone());
    assert_eq!(model.data(), &data);
    assert!(model.entitlement("project:read").is_some());
}

#[test]
fn dynamic_model_looks_up_entitlements_and_entity_types_by_name() {
    let model = DynamicModel::build(
        ModelBuilder::new("Access")
            .entity("workspace", ["admin"])
            .entity("project", ["manager", "viewer"])
            .entitlement("project:read", "project", ["viewer"], [])
            .entitlement("project:delete", "project", ["manager"], [])
            .spec(),
    )
    .unwrap();
    assert_eq!(model.entitlement("project:delete"), Some(EntitlementId(1)));
    assert_eq!(model.entitlement("project:archive"), None);
    assert_eq!(model.entity_type("project"), Some(EntityTypeId(1)));
    assert_eq!(model.entity_type("folder"), None);
}

/// Two entity types with a hierarchy, plans (an add-on among them), flags and a limit: what the
/// generated enums tell about the model.
mod drive {
    access_core::define_access! {
        pub Access;
        entity org { roles: [owner, member], implies: { owner => member } }
        entity doc {
            roles: [editor, commenter, viewer],
            implies: { editor => commenter, commenter => viewer },
            inherits: { org:owner => editor, org:member => viewer },
        }
        flags: [beta_ai, exports],
        entitlements {
            "org:manage"   on org => roles [owner],
            "doc:read"     on doc => roles [viewer],
            "doc:comment"  on doc => roles [commenter],
            "doc:export"   on doc => roles [editor], flags [exports],
            "ai:summarize" on doc => roles [viewer], flags [beta_ai, exports],
        }
        plans {
            free { group: main, features: [] }
            pro  { group: main, features: ["doc:export", "ai:summarize"],
                   limits: { summaries: "ai:summarize" per day max 20 } }
            audit { add_on, features: ["doc:export"] }
        }
        default_plan: free,
    }
}

#[test]
fn entitlement_metadata_reads_like_the_model() {
    use drive::{DocRole, Entitlement, EntityType, Flag, Limit, OrgRole, Plan};
    assert_eq!(Entitlement::OrgManage.entity(), EntityType::Org);
    assert_eq!(Entitlement::DocRead.entity(), EntityType::Doc);
    assert_eq!(
        Entitlement::DocComment.roles(),
        [DocRole::Editor.any(), DocRole::Commenter.any()]
    );
    assert_eq!(Entitlement::OrgManage.roles(), [OrgRole::Owner.any()]);
    assert_eq!(Entitlement::DocExport.plans(), [Plan::Pro, Plan::Audit]);
    assert!(Entitlement::DocRead.plans().is_empty()); // not plan-gated
    assert_eq!(
        Entitlement::AiSummarize.flags(),
        [Flag::BetaAi, Flag::Exports]
    );
    assert!(Entitlement::DocRead.flags().is_empty());
    assert_eq!(Entitlement::AiSummarize.limits(), [Limit::Summaries]);
    assert!(Entitlement::DocExport.limits().is_empty());
}

#[test]
fn entity_role_and_plan_metadata_reads_like_the_model() {
    use access_core::{AnyRole, Period};
    use drive::{DocRole, Entitlement, EntityType, Flag, Limit, OrgRole, Plan};
    assert_eq!(DocRole::Viewer.entity(), EntityType::Doc);
    assert_eq!(OrgRole::Member.entity(), EntityType::Org);
    assert_eq!(
        DocRole::Commenter.entitlements(),
        [
            Entitlement::DocRead,
            Entitlement::DocComment,
            Entitlement::AiSummarize
        ]
    );
    assert!(OrgRole::Member.entitlements().is_empty()); // reaches docs through inherits only
    assert_eq!(EntityType::Doc.parents(), [EntityType::Org]);
    assert!(EntityType::Org.parents().is_empty());
    assert_eq!(EntityType::Org.entitlements(), [Entitlement::OrgManage]);
    let names: Vec<&str> = EntityType::Doc.roles().iter().map(|r| r.name).collect();
    assert_eq!(names, ["editor", "commenter", "viewer"]);
    assert_eq!(Plan::Audit.entitlements(), [Entitlement::DocExport]);
    assert!(Plan::Free.entitlements().is_empty());
    assert_eq!(
        Flag::Exports.entitlements(),
        [Entitlement::DocExport, Entitlement::AiSummarize]
    );
    assert_eq!(Limit::Summaries.entitlement(), Entitlement::AiSummarize);
    assert_eq!(Limit::Summaries.period(), Period::Day);

    let viewer = AnyRole::from(DocRole::Viewer);
    assert_eq!(
        viewer,
        AnyRole {
            entity: EntityTypeId(1),
            index: 2,
            name: "viewer"
        }
    );
    assert_eq!(viewer.to_string(), "viewer");
    assert_eq!(DocRole::from_any(viewer), Some(DocRole::Viewer));
    assert_eq!(OrgRole::from_any(viewer), None); // a doc role is no org role
    let out_of_range = AnyRole { index: 3, ..viewer };
    assert_eq!(DocRole::from_any(out_of_range), None);
}

#[test]
fn metadata_is_const() {
    use drive::{DocRole, Entitlement, EntityType, Plan};
    const TYPE: EntityType = Entitlement::DocExport.entity();
    const PLANS: &[Plan] = Entitlement::DocExport.plans();
    const GRANTS: &[Entitlement] = DocRole::Viewer.entitlements();
    assert_eq!(TYPE, EntityType::Doc);
    assert_eq!(PLANS.len(), 2);
    assert_eq!(GRANTS, [Entitlement::DocRead, Entitlement::AiSummarize]);
}

/// Every method agrees with the model's tables, for every value of every enum.
#[test]
fn metadata_agrees_with_the_tables() {
    use drive::{Access, DocRole, Entitlement, EntityType, Flag, Limit, OrgRole, Plan};
    let data = Access.data();
    let ix = |v: u16| usize::from(v);
    for e in Entitlement::ALL {
        let row = &data.entitlements[ix(e.index())];
        assert_eq!(e.entity().index(), row.entity, "{e}");
        let roles: Vec<(u16, usize)> = e
            .roles()
            .iter()
            .map(|r| (r.entity.0, ix(r.index)))
            .collect();
        let expected: Vec<(u16, usize)> = row.granting.iter().map(|r| (row.entity, r)).collect();
        assert_eq!(roles, expected, "{e}");
        for r in e.roles() {
            assert_eq!(r.name, &*data.entities[ix(r.entity.0)].roles[ix(r.index)]);
        }
        let plans: Vec<u16> = e.plans().iter().map(|p| p.index()).collect();
        assert_eq!(plans, *row.plans, "{e}");
        assert_eq!(e.plans().is_empty(), !row.plan_gated, "{e}");
        let flags: Vec<usize> = e.flags().iter().map(|f| ix(f.index())).collect();
        assert_eq!(flags, row.flags.iter().collect::<Vec<_>>(), "{e}");
        let limits: Vec<u16> = e.limits().iter().map(|l| l.index()).collect();
        assert_eq!(limits, *row.limits, "{e}");
    }
    for t in EntityType::ALL {
        let row = &data.entities[ix(t.index())];
        let roles: Vec<&str> = t.roles().iter().map(|r| r.name).collect();
        assert_eq!(roles, row.roles.iter().map(|r| &**r).collect::<Vec<_>>());
        assert!(t.roles().iter().all(|r| r.entity.0 == t.index()));
        let ents: Vec<u16> = t.entitlements().iter().map(|e| e.index()).collect();
        assert_eq!(ents, *row.entitlements);
        let parents: Vec<u16> = t.parents().iter().map(|p| p.index()).collect();
        let expected: Vec<u16> = row
            .parent_edges
            .iter()
            .map(|i| data.edges[ix(*i)].parent)
            .collect();
        assert_eq!(parents, expected);
    }
    fn role_rows<R: ModelEnum>(
        data: &access_core::ModelData,
        entity: EntityType,
        all: &[R],
        grants: impl Fn(R) -> &'static [Entitlement],
    ) {
        for r in all {
            let expected: Vec<u16> = data.entities[usize::from(entity.index())]
                .entitlements
                .iter()
                .copied()
                .filter(|e| {
                    data.entitlements[usize::from(*e)]
                        .granting
                        .contains(usize::from(r.index()))
                })
                .collect();
            let got: Vec<u16> = grants(*r).iter().map(|e| e.index()).collect();
            assert_eq!(got, expected, "{r}");
        }
    }
    role_rows(data, EntityType::Org, &OrgRole::ALL, OrgRole::entitlements);
    role_rows(data, EntityType::Doc, &DocRole::ALL, DocRole::entitlements);
    assert!(OrgRole::ALL.iter().all(|r| r.entity() == EntityType::Org));
    assert!(DocRole::ALL.iter().all(|r| r.entity() == EntityType::Doc));
    for r in DocRole::ALL {
        assert_eq!(DocRole::from_any(r.any()), Some(r));
        assert_eq!(OrgRole::from_any(r.any()), None);
    }
    for p in Plan::ALL {
        let row = &data.plans[ix(p.index())];
        let got: Vec<usize> = p.entitlements().iter().map(|e| ix(e.index())).collect();
        let expected: Vec<usize> = (0..data.entitlements.len())
            .filter(|i| row.includes(*i))
            .collect();
        assert_eq!(got, expected, "{p}");
    }
    for f in Flag::ALL {
        let got: Vec<usize> = f.entitlements().iter().map(|e| ix(e.index())).collect();
        let expected: Vec<usize> = (0..data.entitlements.len())
            .filter(|i| data.entitlements[*i].flags.contains(ix(f.index())))
            .collect();
        assert_eq!(got, expected, "{f}");
    }
    for l in Limit::ALL {
        let row = &data.limits[ix(l.index())];
        assert_eq!(l.entitlement().index(), row.entitlement);
        assert_eq!(l.period(), row.period);
    }
}
