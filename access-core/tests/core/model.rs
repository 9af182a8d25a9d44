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
