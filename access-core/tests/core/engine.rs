//! engine: `Principal`, `AccessContext` (can, check, authorize, can_all, can_and_consume,
//! access_set), and the types they answer with (`Decision` and its parts, `AccessSet`,
//! `Granted`). The assertions of the doc examples of `engine.rs`, `access_set.rs`,
//! `decision.rs` and `granted.rs`, on the same models and stores those examples built.

use std::sync::Arc;

use access_core::decision::GrantOption;
use access_core::model_builder::ModelBuilder;
use access_core::{
    AccessContext, AccessModel, AccessSet, AccessState, AuthorizationError, AuthorizationFailure,
    ClosureStore, DecodeError, DynamicModel, EntitlementId, EntitlementMarker, GrantPath,
    GrantStep, GrantVia, Grants, MAX_BATCH, MemoryStore, Principal, Reason, ReasonKind, ReasonMeta,
    Resource, RoleSet, RoleStore, StoreError, StoreErrorKind, TypedClosure, TypedRoles,
};

use crate::harness::run;

/// ws1 ⊃ p1; the examples' `hier` world: ada is an admin of ws1, vic a viewer of p1.
mod hier {
    access_core::define_access! {
        pub Access;
        entity workspace { roles: [admin, member] }
        entity project {
            roles: [manager, viewer],
            implies: { manager => viewer },
            inherits: { workspace:admin => manager, workspace:member => viewer },
        }
        entitlements {
            "project:read"   on project => roles [viewer],
            "project:delete" on project => roles [manager],
        }
    }
}

/// The free plan allows 2 `ai:generate` a day; ann is a member of p1 in tenant `acme`.
mod wallet {
    access_core::define_access! {
        pub Access;
        entity project { roles: [member] }
        entitlements { "ai:generate" on project => roles [member] }
        plans {
            free { group: main, features: ["ai:generate"],
                   limits: { ai: "ai:generate" per day max 2 } }
        }
        default_plan: free,
    }
}

/// vic is a viewer of one project, in tenant `acme` on the free plan, with no flag on.
mod states {
    access_core::define_access! {
        pub Access;
        entity project { roles: [manager, viewer], implies: { manager => viewer } }
        flags: [beta_ai],
        entitlements {
            "project:read"   on project => roles [viewer],
            "project:delete" on project => roles [manager],
            "ai:generate"    on project => roles [viewer], flags [beta_ai],
            "project:export" on project => roles [viewer],
        }
        plans {
            free { group: main, features: ["project:read"] }
            pro  { group: main, features: ["project:read", "project:export"] }
        }
        default_plan: free,
    }
}

/// Global roles for `Principal::global_roles`.
mod global {
    access_core::define_access! {
        pub Access;
        roles: [admin, editor, user],
        entity project { roles: [viewer] }
        entitlements { "project:read" on project => roles [viewer] }
    }
}

use hier::{Entitlement, EntityType, ProjectRole, WorkspaceRole, entitlement, resource};

/// The time of the wallet examples.
const NOW: i64 = 1_750_000_000;

fn ws1() -> Resource<'static> {
    Resource::new(EntityType::Workspace, "ws1")
}

fn p1() -> Resource<'static> {
    Resource::new(EntityType::Project, "p1")
}

/// ws1 ⊃ p1; ada is an admin of ws1, vic a viewer of p1.
fn hier_store() -> MemoryStore {
    let store = MemoryStore::new();
    run(async {
        let (ws1, p1) = (resource::Workspace::id("ws1"), resource::Project::id("p1"));
        store.add_root(ws1).await.unwrap();
        store.add_child(p1, ws1).await.unwrap();
        store
            .grant_role("ada", ws1, WorkspaceRole::Admin)
            .await
            .unwrap();
        store
            .grant_role("vic", p1, ProjectRole::Viewer)
            .await
            .unwrap();
    });
    store
}

fn ctx(store: &MemoryStore, p: Principal) -> AccessContext<'_, hier::Access, MemoryStore> {
    AccessContext::new(&hier::Access, store, p)
}

fn wallet_p1() -> Resource<'static> {
    Resource::new(wallet::EntityType::Project, "p1")
}

/// p1, with ann a member of it.
fn wallet_store() -> MemoryStore {
    let store = MemoryStore::new();
    run(async {
        let p1 = wallet::resource::Project::id("p1");
        store.add_root(p1).await.unwrap();
        let member = wallet::ProjectRole::Member;
        store.grant_role("ann", p1, member).await.unwrap();
    });
    store
}

/// ann in tenant acme at `NOW`.
fn ann(store: &MemoryStore) -> AccessContext<'_, wallet::Access, MemoryStore> {
    AccessContext::new(&wallet::Access, store, Principal::new("ann").tenant("acme")).at(NOW)
}

/// The access set of vic in the `states` world.
fn vic_set() -> AccessSet {
    let store = MemoryStore::new();
    let p1 = states::resource::Project::id("p1");
    run(async {
        store.add_root(p1).await.unwrap();
        let viewer = states::ProjectRole::Viewer;
        store.grant_role("vic", p1, viewer).await.unwrap();
    });
    let principal = Principal::new("vic").tenant("acme");
    let ctx = AccessContext::new(&states::Access, &store, principal);
    run(ctx.access_set()).unwrap()
}

// --- Principal ---

#[test]
fn principal_new_is_active_without_tenant_or_roles() {
    let p = Principal::new("ann");
    assert_eq!(&*p.id, "ann");
    assert_eq!(p.tenant, None);
    assert_eq!(p.global_roles, RoleSet::EMPTY);
    assert!(p.active && !p.superuser);
    assert_eq!(p.mfa_verified_at, None);
}

#[test]
fn principal_builders_set_their_field() {
    let vic = Principal::new("vic").tenant("acme");
    assert_eq!(&*vic.id, "vic");
    assert_eq!(vic.tenant.as_deref(), Some("acme"));
    assert!(vic.active && !vic.superuser);
    assert!(Principal::new("root").superuser(true).superuser);
    assert!(!Principal::new("ann").superuser);
    assert!(!Principal::new("ann").active(false).active);
    assert!(Principal::new("ann").active);
    let now = access_core::time::now();
    let p = Principal::new("ann").mfa_verified_at(now - 60);
    assert_eq!(p.mfa_verified_at, Some(now - 60));
}

#[test]
fn principal_global_roles_are_bits_of_the_models_global_roles() {
    let roles = RoleSet::single(global::Role::Editor.index() as usize);
    let p = Principal::new("ann").global_roles(roles);
    assert!(p.global_roles.contains(1));
    assert!(
        !p.global_roles
            .contains(global::Role::Admin.index() as usize)
    );
}

#[test]
fn an_inactive_principal_is_denied_and_a_superuser_allowed() {
    let store = hier_store();
    let vic = Principal::new("vic").tenant("acme");
    assert!(run(ctx(&store, vic.clone()).can(entitlement::ProjectRead, "p1")).unwrap());
    assert!(!run(ctx(&store, vic.active(false)).can(entitlement::ProjectRead, "p1")).unwrap());
    let root = ctx(&store, Principal::new("root").superuser(true));
    assert!(run(root.can(entitlement::ProjectDelete, "p1")).unwrap());
}

// --- AccessContext: constructors, builders, accessors ---

#[test]
fn a_context_over_a_run_time_model() {
    let model = DynamicModel::build(
        ModelBuilder::new("Access")
            .entity("project", ["viewer"])
            .entitlement("project:read", "project", ["viewer"], [])
            .spec(),
    )
    .unwrap();
    let project = model.entity_type("project").unwrap();
    let read = model.entitlement("project:read").unwrap();
    let store = MemoryStore::new();
    run(async {
        let p1 = Resource::new(project, "p1");
        store.add_resource(p1, &[]).await.unwrap();
        store.assign("ann", p1, 0).await.unwrap();
        let ctx = AccessContext::new(&model, &store, Principal::new("ann"));
        assert!(ctx.can(read, p1).await.unwrap());
        assert!(!ctx.can(read, Resource::new(project, "p2")).await.unwrap());
    });
}

#[test]
fn new_borrows_and_shared_holds_the_model_and_stores() {
    let store = hier_store();
    let vic = ctx(&store, Principal::new("vic"));
    assert!(run(vic.can(entitlement::ProjectRead, "p1")).unwrap());
    assert_eq!(&*vic.principal().id, "vic");

    let shared: AccessContext<'static, hier::Access, MemoryStore> = AccessContext::shared(
        Arc::new(hier::Access),
        Arc::new(hier_store()),
        Principal::new("vic"),
    );
    let answer = std::thread::spawn(move || run(shared.can(entitlement::ProjectRead, "p1")));
    assert!(answer.join().unwrap().unwrap());
}

#[test]
fn accessors_return_what_the_context_was_made_with() {
    let store = hier_store();
    let vic = ctx(&store, Principal::new("vic").tenant("acme"));
    assert_eq!(vic.principal(), &Principal::new("vic").tenant("acme"));
    assert_eq!(&*vic.model().data().name, "Access");
    let assignments = run(vic.stores().assignments("vic")).unwrap();
    assert_eq!(assignments.len(), 1);
    assert!(std::ptr::eq(vic.stores(), &store));
}

#[test]
fn the_time_is_the_clock_unless_set_with_at() {
    let store = hier_store();
    let vic = ctx(&store, Principal::new("vic"));
    let before = access_core::time::now();
    assert!(vic.now_or_clock() >= before);
    assert_eq!(vic.at(1_000).now_or_clock(), 1_000);
}

#[test]
fn at_evaluates_time_bound_assignments_at_that_time() {
    let store = hier_store();
    const T: i64 = 1_750_000_000;
    let (p1, viewer) = (resource::Project::id("p1"), ProjectRole::Viewer);
    run(store.grant_role_during("tom", p1, viewer, Some(T), Some(T + 86_400))).unwrap();
    let tom = ctx(&store, Principal::new("tom"));
    let read = entitlement::ProjectRead;
    assert!(run(tom.clone().at(T + 3_600).can(read, p1)).unwrap());
    assert!(!run(tom.clone().at(T + 86_400).can(read, p1)).unwrap());
    assert!(!run(tom.at(T - 1).can(read, p1)).unwrap());
}

#[test]
fn a_cached_context_answers_as_the_uncached_one() {
    let store = hier_store();
    let ada = ctx(&store, Principal::new("ada")).with_cache();
    assert!(run(ada.can(entitlement::ProjectRead, "p1")).unwrap());
    assert!(run(ada.can(entitlement::ProjectDelete, "p1")).unwrap());
}

#[test]
fn grants_let_a_tenant_change_who_may_do_what() {
    let store = hier_store();
    let vic = ctx(&store, Principal::new("vic").tenant("acme"));
    assert!(vic.grants().is_none()); // static mode
    assert!(!run(vic.can(entitlement::ProjectDelete, "p1")).unwrap());

    // Tenant acme lets project viewers delete.
    let mut grants = Grants::new(hier::Access.data());
    grants
        .grant(hier::Access.data(), "project:delete", "viewer")
        .unwrap();
    let grants = Arc::new(grants);
    let vic = vic.with_grants(grants.clone());
    assert_eq!(vic.grants(), Some(&*grants));
    assert!(run(vic.can(entitlement::ProjectDelete, "p1")).unwrap());
}

// --- can and can_all, with the model's enum or an EntitlementId ---

#[test]
fn can_follows_roles_down_the_hierarchy() {
    let store = hier_store();
    let ada = ctx(&store, Principal::new("ada"));
    // admin of ws1 ⇒ manager of p1 → viewer of p1
    assert!(run(ada.can(entitlement::ProjectDelete, "p1")).unwrap());
    assert!(run(ada.can(entitlement::ProjectRead, "p1")).unwrap());
    let vic = ctx(&store, Principal::new("vic"));
    assert!(run(vic.can(entitlement::ProjectRead, "p1")).unwrap());
    assert!(!run(vic.can(entitlement::ProjectDelete, "p1")).unwrap());
    // Checked on the wrong entity type (only the untyped form can ask so): denied.
    assert!(!run(ada.can(Entitlement::ProjectRead, ws1())).unwrap());
}

#[test]
fn can_takes_an_id_and_denies_one_outside_the_model() {
    let store = hier_store();
    let vic = ctx(&store, Principal::new("vic"));
    let read = EntitlementId::from(Entitlement::ProjectRead);
    assert!(run(vic.can(read, p1())).unwrap());
    assert!(!run(vic.can(EntitlementId(99), p1())).unwrap());
}

#[test]
fn can_all_answers_each_pair_and_refuses_big_batches() {
    let store = hier_store();
    let vic = ctx(&store, Principal::new("vic"));
    let pairs = [
        (Entitlement::ProjectRead, p1()),
        (Entitlement::ProjectDelete, p1()),
    ];
    assert_eq!(run(vic.can_all(&pairs)).unwrap(), [true, false]);
    let too_many = vec![(Entitlement::ProjectRead, p1()); MAX_BATCH + 1];
    let err = run(vic.can_all(&too_many)).unwrap_err();
    assert_eq!(err.kind, StoreErrorKind::InvalidRequest);

    let read = EntitlementId::from(Entitlement::ProjectRead);
    let delete = EntitlementId::from(Entitlement::ProjectDelete);
    let ids = [(read, p1()), (delete, p1()), (EntitlementId(99), p1())];
    assert_eq!(run(vic.can_all(&ids)).unwrap(), [true, false, false]);
}

/// Code generic over the model asks with ids, through the same methods.
async fn read_by_id<M: AccessModel, S: access_core::Stores>(
    ctx: &AccessContext<'_, M, S>,
    read: EntitlementId,
    resource: Resource<'_>,
) -> access_core::StoreResult<(bool, bool, Vec<bool>)> {
    let can = ctx.can(read, resource).await?;
    let allowed = ctx.check(read, resource).await?.allowed;
    let all = ctx
        .can_all(&[(read, resource), (EntitlementId(99), resource)])
        .await?;
    Ok((can, allowed, all))
}

#[test]
fn one_method_asks_with_the_enum_an_id_or_a_marker_id() {
    use access_core::{Ask, Question};
    let store = hier_store();
    let vic = ctx(&store, Principal::new("vic"));
    let read = EntitlementId::from(Entitlement::ProjectRead);
    // The enum and its id name the same entitlement, as a question the same pair.
    assert_eq!(Ask::<hier::Access>::id(Entitlement::ProjectRead), read);
    assert_eq!(Ask::<hier::Access>::id(read), read);
    let q = (Entitlement::ProjectRead, p1());
    assert_eq!(Question::<hier::Access>::parts(q), (read, p1()));
    assert_eq!(
        run(read_by_id(&vic, read, p1())).unwrap(),
        (true, true, vec![true, false])
    );
    let delete = <entitlement::ProjectDelete as EntitlementMarker>::id();
    assert!(!run(vic.can(delete, p1())).unwrap());
    assert!(run(vic.authorize(delete, p1())).is_err());
    assert_eq!(run(vic.authorize(read, p1())), Ok(()));
    // A model whose `Entitlement` is `EntitlementId` asks with ids, unambiguously.
    let builder = ModelBuilder::new("Access")
        .entity("project", ["viewer"])
        .entitlement("project:read", "project", ["viewer"], []);
    let model = DynamicModel::build(builder.spec()).unwrap();
    let dyn_read = model.entitlement("project:read").unwrap();
    let dyn_p1 = Resource::new(model.entity_type("project").unwrap(), "p1");
    let dyn_store = MemoryStore::new();
    run(dyn_store.add_resource(dyn_p1, &[])).unwrap();
    run(dyn_store.assign("vic", dyn_p1, 0)).unwrap();
    let dyn_vic = AccessContext::new(&model, &dyn_store, Principal::new("vic"));
    assert_eq!(
        run(read_by_id(&dyn_vic, dyn_read, dyn_p1)).unwrap(),
        (true, true, vec![true, false])
    );
    assert!(run(dyn_vic.can(dyn_read, dyn_p1)).unwrap());
}

// --- typed questions: an entitlement marker and the resource id ---

/// Two entity types with entitlements on each (`typed_store`: ws1 ⊃ p1; ada is an admin of
/// ws1, vic a viewer of p1).
mod typed {
    access_core::define_access! {
        pub Access;
        entity workspace { roles: [admin, member] }
        entity project {
            roles: [manager, viewer],
            implies: { manager => viewer },
            inherits: { workspace:admin => manager, workspace:member => viewer },
        }
        entitlements {
            "workspace:read"  on workspace => roles [admin, member],
            "workspace:admin" on workspace => roles [admin],
            "project:read"    on project   => roles [viewer],
            "project:delete"  on project   => roles [manager],
        }
    }
}

fn typed_store() -> MemoryStore {
    let store = MemoryStore::new();
    let ws1 = typed::resource::Workspace::id("ws1");
    let p1 = typed::resource::Project::id("p1");
    let ready = store.ready();
    ready.add_root(ws1).unwrap();
    ready.add_child(p1, ws1).unwrap();
    ready
        .grant_role("ada", ws1, typed::WorkspaceRole::Admin)
        .unwrap();
    ready
        .grant_role("vic", p1, typed::ProjectRole::Viewer)
        .unwrap();
    store
}

/// For one marker and its enum variant: the same index and entity type, and for every user and
/// id (of either type, or none) the same `can`, `check` and `can_all` answers as the enum with a
/// `Resource` of the entitlement's entity type. Returns the index it covered.
fn typed_answers_as_the_enum<E: EntitlementMarker<Model = typed::Access>>(
    store: &MemoryStore,
    marker: E,
    by_value: typed::Entitlement,
) -> u16 {
    assert_eq!(E::INDEX, by_value.index());
    assert_eq!(E::ENTITY, by_value.entity().into());
    for user in ["ada", "vic", "nobody"] {
        let ctx = AccessContext::new(&typed::Access, store, Principal::new(user));
        let ask = ctx.ready();
        for id in ["ws1", "p1", "missing"] {
            let resource = Resource::new(by_value.entity(), id);
            let owned = id.to_owned();
            let can = ask.can(by_value, resource).unwrap();
            assert_eq!(ask.can(marker, id).unwrap(), can, "{user} {} {id}", E::NAME);
            assert_eq!(ask.can(marker, &owned).unwrap(), can);
            assert_eq!(run(ctx.can(marker, id)).unwrap(), can);
            let decision = ask.check(by_value, resource).unwrap();
            assert_eq!(ask.check(marker, id).unwrap(), decision);
            assert_eq!(
                run(ctx.authorize(marker, id)).is_ok(),
                run(ctx.authorize(by_value, resource)).is_ok()
            );
        }
        let typed_batch = [(marker, "ws1"), (marker, "p1"), (marker, "missing")];
        let by_value_batch =
            typed_batch.map(|(_, id)| (by_value, Resource::new(by_value.entity(), id)));
        assert_eq!(
            ask.can_all(&typed_batch).unwrap(),
            ask.can_all(&by_value_batch).unwrap()
        );
    }
    E::INDEX
}

#[test]
fn a_marker_with_the_resource_id_answers_as_the_enum_with_a_resource() {
    use typed::{Entitlement as Ent, entitlement as m};
    let store = typed_store();
    let covered = [
        typed_answers_as_the_enum(&store, m::WorkspaceRead, Ent::WorkspaceRead),
        typed_answers_as_the_enum(&store, m::WorkspaceAdmin, Ent::WorkspaceAdmin),
        typed_answers_as_the_enum(&store, m::ProjectRead, Ent::ProjectRead),
        typed_answers_as_the_enum(&store, m::ProjectDelete, Ent::ProjectDelete),
    ];
    // Every entitlement of the model, each once.
    assert_eq!(covered.to_vec(), Ent::ALL.map(Ent::index).to_vec());
}

#[test]
fn a_marker_asks_on_its_own_entity_type() {
    use access_core::Question;
    use typed::entitlement as m;
    let store = typed_store();
    let ada = AccessContext::new(&typed::Access, &store, Principal::new("ada"));
    let ask = ada.ready();
    // The id "p1" with a workspace marker names workspace p1 (none), with a project marker p1.
    assert!(!ask.can(m::WorkspaceRead, "p1").unwrap());
    assert!(ask.can(m::ProjectDelete, "p1").unwrap());
    assert!(ask.can(m::WorkspaceAdmin, "ws1").unwrap());
    let (id, resource) = Question::<typed::Access>::parts((m::WorkspaceRead, "ws1"));
    assert_eq!(id, EntitlementId::from(typed::Entitlement::WorkspaceRead));
    assert_eq!(resource, Resource::new(typed::EntityType::Workspace, "ws1"));
    // Markers are plain values: unit structs that print as their name.
    assert_eq!(format!("{:?}", m::ProjectRead), "ProjectRead");
}

#[test]
fn can_all_takes_a_batch_of_one_marker() {
    use typed::entitlement as m;
    let store = typed_store();
    let vic = AccessContext::new(&typed::Access, &store, Principal::new("vic"));
    let ids: Vec<String> = ["p1", "p2", "ws1"].map(String::from).to_vec();
    let batch: Vec<_> = ids.iter().map(|id| (m::ProjectRead, id)).collect();
    assert_eq!(vic.ready().can_all(&batch).unwrap(), [true, false, false]);
    let batch = [(m::ProjectRead, "p1"), (m::ProjectRead, "p2")];
    assert_eq!(run(vic.can_all(&batch)).unwrap(), [true, false]);
    // Mixed entitlements: the enum with a `Resource`.
    let mixed = [
        (
            typed::Entitlement::ProjectRead,
            Resource::new(typed::EntityType::Project, "p1"),
        ),
        (
            typed::Entitlement::WorkspaceRead,
            Resource::new(typed::EntityType::Workspace, "ws1"),
        ),
    ];
    assert_eq!(vic.ready().can_all(&mixed).unwrap(), [true, false]);
    let too_many = vec![(m::ProjectRead, "p1"); MAX_BATCH + 1];
    let err = vic.ready().can_all(&too_many).unwrap_err();
    assert_eq!(err.kind, StoreErrorKind::InvalidRequest);
}

// --- check, authorize, authorize_as, and the Decision they return ---

#[test]
fn check_gives_the_grant_path_or_every_reason() {
    let store = hier_store();
    let ada = ctx(&store, Principal::new("ada"));
    let d = run(ada.check(entitlement::ProjectDelete, "p1")).unwrap();
    assert!(d.allowed);
    let path = d.grant.unwrap().to_string();
    assert_eq!(path, "workspace:admin on ws1 → project:manager on p1");

    let vic = ctx(&store, Principal::new("vic"));
    let d = run(vic.check(entitlement::ProjectDelete, "p1")).unwrap();
    assert!(!d.allowed);
    assert_eq!(d.reasons.len(), 1);
    let reason = &d.reasons[0];
    assert_eq!(reason.kind, ReasonKind::HierarchyDenied);
    assert_eq!(
        reason.message,
        "`project:delete` needs the role `manager` on project:p1, or `admin` on workspace:ws1"
    );
}

#[test]
fn check_takes_an_id_and_reports_one_outside_the_model() {
    let store = hier_store();
    let vic = ctx(&store, Principal::new("vic"));
    assert!(
        run(vic.check(EntitlementId::from(Entitlement::ProjectRead), p1()))
            .unwrap()
            .allowed
    );
    let d = run(vic.check(EntitlementId(99), p1())).unwrap();
    assert!(!d.allowed);
    assert_eq!(d.entitlement, "#99");
    assert_eq!(d.reasons[0].kind, ReasonKind::WrongResourceType);
}

#[test]
fn reason_kinds_are_in_the_order_of_the_reasons() {
    let store = hier_store();
    let vic = ctx(&store, Principal::new("vic"));
    let d = run(vic.check(entitlement::ProjectDelete, "p1")).unwrap();
    // vic holds no granting role, and an admin of ws1 would have one.
    assert_eq!(d.reasons[0].kind, ReasonKind::HierarchyDenied);
    assert!(ReasonKind::InactiveUser < ReasonKind::RoleRequired);
    assert!(ReasonKind::FlagDisabled < ReasonKind::PlanRequired);
}

#[test]
fn a_hierarchy_denial_names_the_roles_that_would_grant() {
    let store = hier_store();
    let vic = ctx(&store, Principal::new("vic"));
    let d = run(vic.check(entitlement::ProjectDelete, "p1")).unwrap();
    let ReasonMeta::Roles { entity, roles, via } = &d.reasons[0].meta else {
        panic!("{:?}", d.reasons[0].meta)
    };
    assert_eq!(entity, "project");
    assert_eq!(roles, &["manager"]);
    let option = GrantOption {
        entity: "workspace".into(),
        resource: "ws1".into(),
        roles: vec!["admin".into()],
    };
    assert_eq!(via, &[option]);
    // Serialized with a `type` tag, for API clients.
    let json = serde_json::to_value(&d.reasons[0].meta).unwrap();
    assert_eq!(json["type"], "roles");
}

#[test]
fn a_grant_path_says_how_each_role_is_held() {
    let store = hier_store();
    let ada = ctx(&store, Principal::new("ada"));
    let d = run(ada.check(entitlement::ProjectRead, "p1")).unwrap();
    let via: Vec<GrantVia> = d.grant.unwrap().steps.iter().map(|s| s.via).collect();
    // admin of ws1 (assigned) ⇒ manager of p1 (inherits) → viewer of p1 (implies)
    assert_eq!(
        via,
        [GrantVia::Direct, GrantVia::Inherited, GrantVia::Implied]
    );

    let d = run(ada.check(entitlement::ProjectDelete, "p1")).unwrap();
    let path = d.grant.unwrap();
    assert!(!path.superuser);
    assert_eq!(
        path.steps[0],
        GrantStep {
            entity: "workspace".into(),
            resource: "ws1".into(),
            role: "admin".into(),
            via: GrantVia::Direct,
        }
    );
    let second = &path.steps[1];
    assert_eq!(
        (second.role.as_str(), second.via),
        ("manager", GrantVia::Inherited)
    );
    assert_eq!(
        path.to_string(),
        "workspace:admin on ws1 → project:manager on p1"
    );
}

#[test]
fn a_superuser_grant_path_has_no_steps() {
    let store = hier_store();
    let root = ctx(&store, Principal::new("root").superuser(true));
    let d = run(root.check(entitlement::ProjectDelete, "p1")).unwrap();
    let path: GrantPath = d.grant.unwrap();
    assert!(path.superuser && path.steps.is_empty());
    assert_eq!(path.to_string(), "superuser");
}

#[test]
fn a_decision_displays_as_one_line() {
    let store = hier_store();
    let vic = ctx(&store, Principal::new("vic"));
    let read = run(vic.check(entitlement::ProjectRead, "p1")).unwrap();
    assert!(read.allowed && read.reasons.is_empty());
    assert_eq!(
        read.to_string(),
        "allowed `project:read` via project:viewer on p1"
    );

    let delete = run(vic.check(entitlement::ProjectDelete, "p1")).unwrap();
    assert!(!delete.allowed && delete.grant.is_none());
    assert_eq!(delete.entitlement, "project:delete");
    assert_eq!(delete.reasons[0].kind, ReasonKind::HierarchyDenied);
    let text = delete.to_string();
    assert!(
        text.starts_with("denied `project:delete`; hierarchy_denied: "),
        "{text}"
    );
}

#[test]
fn limit_status_of_a_daily_limit() {
    let store = wallet_store();
    let d = run(ann(&store).check(wallet::entitlement::AiGenerate, "p1")).unwrap();
    let ai = &d.limits[0];
    assert_eq!(ai.limit, "ai");
    assert_eq!((ai.max, ai.used, ai.remaining), (Some(2), 0, Some(2)));
    // A daily period (the default plan's periods are anchored at 0).
    assert_eq!(ai.period_start, NOW - NOW % 86_400);
    assert_eq!(ai.resets_at, ai.period_start + 86_400);
}

#[test]
fn authorize_is_check_as_a_result() {
    let store = hier_store();
    let ada = ctx(&store, Principal::new("ada"));
    assert_eq!(run(ada.authorize(entitlement::ProjectDelete, "p1")), Ok(()));

    let vic = ctx(&store, Principal::new("vic"));
    let err = run(vic.authorize(entitlement::ProjectDelete, "p1")).unwrap_err();
    assert_eq!(err.entitlement, "project:delete");
    assert_eq!(err.user_id, "vic");
    assert_eq!(err.reasons().len(), 1);
    match &err.reason {
        AuthorizationFailure::Denied(reasons) => {
            assert_eq!(reasons[0].kind, ReasonKind::HierarchyDenied)
        }
        AuthorizationFailure::Store(e) => panic!("store failed: {e}"),
    }
    let text = err.to_string();
    assert!(
        text.starts_with("`project:delete` denied to user `vic`; hierarchy_denied: "),
        "{text}"
    );
}

#[test]
fn authorization_error_reasons_are_empty_for_a_store_failure() {
    let reason = Reason {
        kind: ReasonKind::RoleRequired,
        message: "`project:delete` needs the role `manager` on project:p1".into(),
        meta: ReasonMeta::None,
    };
    let denied = AuthorizationError {
        entitlement: "project:delete".into(),
        user_id: "vic".into(),
        reason: AuthorizationFailure::Denied(vec![reason.clone()]),
    };
    assert_eq!(denied.reasons(), &[reason]);
    let failed = AuthorizationError {
        reason: AuthorizationFailure::Store(StoreError::new(StoreErrorKind::Backend, "down")),
        ..denied
    };
    assert!(failed.reasons().is_empty());
}

// --- Granted and entitlement markers ---

#[test]
fn markers_carry_the_name_and_index_of_their_entitlement() {
    fn describe<E: EntitlementMarker>() -> String {
        format!("{} (#{})", E::NAME, E::INDEX)
    }
    assert_eq!(
        describe::<entitlement::ProjectDelete>(),
        "project:delete (#1)"
    );
    let read = EntitlementId::from(Entitlement::ProjectRead);
    assert_eq!(entitlement::ProjectRead::id(), read);
    assert_eq!(entitlement::ProjectDelete::id(), EntitlementId(1));
    let delete: EntitlementId = Entitlement::ProjectDelete.into();
    assert_eq!(entitlement::ProjectDelete::id(), delete);
}

#[test]
fn only_an_allowed_check_gives_a_proof() {
    fn delete(_proof: access_core::Granted<entitlement::ProjectDelete>) -> &'static str {
        "deleted"
    }
    let store = hier_store();
    let manager = ProjectRole::Manager;
    run(store.grant_role("mia", resource::Project::id("p1"), manager)).unwrap();
    let mia = ctx(&store, Principal::new("mia"));
    let proof = run(mia.authorize_as::<entitlement::ProjectDelete>(p1())).unwrap();
    assert_eq!(format!("{proof:?}"), "Granted<project:delete>");
    assert_eq!(proof.entitlement(), "project:delete");
    assert_eq!(delete(proof), "deleted");

    // No proof for a user the check denies.
    let vic = ctx(&store, Principal::new("vic"));
    let err = run(vic.authorize_as::<entitlement::ProjectDelete>(p1())).unwrap_err();
    assert_eq!(err.entitlement, "project:delete");

    let root = ctx(&store, Principal::new("root").superuser(true));
    let proof = run(root.authorize_as::<entitlement::ProjectDelete>(p1())).unwrap();
    assert_eq!(proof.entitlement(), "project:delete");
}

// --- can_and_consume, consume_as, unconsume ---

#[test]
fn a_consumption_names_the_tenant_and_counters_charged() {
    let store = wallet_store();
    let ctx = ann(&store);
    let used = run(ctx.can_and_consume(wallet::entitlement::AiGenerate, "p1"));
    let used = used.unwrap().unwrap();
    assert_eq!(used.tenant.as_deref(), Some("acme"));
    assert_eq!(used.charges.len(), 1);
    assert_eq!(used.charges[0].limit, wallet::Limit::Ai.into());
    assert_eq!(used.charges[0].max, 2);
    run(ctx.unconsume(used)).unwrap();
}

#[test]
fn can_and_consume_takes_one_unit_per_allowed_call() {
    let store = wallet_store();
    let ctx = ann(&store);
    let ai = wallet::entitlement::AiGenerate;
    // Two units a day, each taken atomically with the check.
    assert!(run(ctx.can_and_consume(ai, "p1")).unwrap().is_some());
    assert!(run(ctx.can_and_consume(ai, "p1")).unwrap().is_some());
    assert!(run(ctx.can_and_consume(ai, "p1")).unwrap().is_none());
    let today = NOW - NOW % 86_400;
    assert_eq!(store.usage("acme", wallet::Limit::Ai.into(), today), 2);
    // The next day has a fresh counter.
    let tomorrow = ctx.clone().at(NOW + 86_400);
    assert!(run(tomorrow.can_and_consume(ai, "p1")).unwrap().is_some());
}

#[test]
fn a_denied_consume_takes_nothing() {
    let store = wallet_store();
    let ai = EntitlementId::from(wallet::Entitlement::AiGenerate);
    assert!(
        run(ann(&store).can_and_consume(ai, wallet_p1()))
            .unwrap()
            .is_some()
    );
    let today = NOW - NOW % 86_400;
    assert_eq!(store.usage("acme", wallet::Limit::Ai.into(), today), 1);
    // A user without a role consumes nothing.
    let bob = Principal::new("bob").tenant("acme");
    let bob = AccessContext::new(&wallet::Access, &store, bob).at(NOW);
    assert!(run(bob.can_and_consume(ai, wallet_p1())).unwrap().is_none());
    assert_eq!(store.usage("acme", wallet::Limit::Ai.into(), today), 1);
}

#[test]
fn consume_as_gives_a_proof_per_unit_until_used_up() {
    use wallet::entitlement::AiGenerate;
    let store = wallet_store();
    let ctx = ann(&store);
    for _ in 0..2 {
        let (proof, used) = run(ctx.consume_as::<AiGenerate>(wallet_p1()))
            .unwrap()
            .unwrap();
        assert_eq!(proof.entitlement(), "ai:generate");
        assert_eq!(used.charges.len(), 1);
    }
    // The daily limit is used up: no proof.
    assert!(
        run(ctx.consume_as::<AiGenerate>(wallet_p1()))
            .unwrap()
            .is_none()
    );
}

#[test]
fn unconsume_gives_the_unit_back() {
    let store = wallet_store();
    let ctx = ann(&store);
    let ai = wallet::entitlement::AiGenerate;
    let first = run(ctx.can_and_consume(ai, "p1")).unwrap().unwrap();
    let _second = run(ctx.can_and_consume(ai, "p1")).unwrap().unwrap();
    assert!(!run(ctx.can(ai, "p1")).unwrap());
    // The action the first unit paid for failed: give it back.
    run(ctx.unconsume(first)).unwrap();
    assert!(run(ctx.can(ai, "p1")).unwrap());
}

// --- access_set and AccessSet ---

#[test]
fn access_set_counts_roles_held_anywhere_in_the_tenant() {
    let store = hier_store();
    let vic = run(ctx(&store, Principal::new("vic")).access_set()).unwrap();
    assert!(vic.can("project:read"));
    assert_eq!(vic.state("project:delete"), Some(AccessState::RoleRequired));
    let ada = run(ctx(&store, Principal::new("ada")).access_set()).unwrap();
    let allowed: Vec<&str> = ada.allowed().collect();
    assert_eq!(allowed, ["project:read", "project:delete"]);
}

/// Organizations as tenants: a role held in another organization counts nowhere else.
mod tenants {
    access_core::define_access! {
        pub Access;
        entity organization { roles: [owner, member] }
        entity project {
            roles: [manager, viewer],
            implies: { manager => viewer },
            inherits: { organization:owner => manager, organization:member => viewer },
        }
        entitlements {
            "project:read" on project => roles [viewer],
            "project:delete" on project => roles [manager],
        }
        tenant: organization { owner: owner },
    }
}

#[test]
fn with_a_tenant_type_the_access_set_counts_only_roles_in_the_tenant() {
    use tenants::{Access, OrganizationRole, ProjectRole, resource};
    let store = MemoryStore::for_model(&Access);
    let (acme, initech) = (
        resource::Organization::id("acme"),
        resource::Organization::id("initech"),
    );
    run(async {
        store.add_root(acme).await.unwrap();
        store.add_root(initech).await.unwrap();
        store
            .add_child(resource::Project::id("web"), acme)
            .await
            .unwrap();
        store
            .add_child(resource::Project::id("tps"), initech)
            .await
            .unwrap();
        store
            .grant_role("vic", acme, OrganizationRole::Member)
            .await
            .unwrap();
        store
            .grant_role("vic", initech, OrganizationRole::Owner)
            .await
            .unwrap();
        store
            .grant_role("vic", resource::Project::id("tps"), ProjectRole::Manager)
            .await
            .unwrap();
    });
    let set = |tenant: Option<&str>| {
        let mut p = Principal::new("vic");
        if let Some(t) = tenant {
            p = p.tenant(t);
        }
        run(AccessContext::new(&Access, &store, p).access_set()).unwrap()
    };
    // In acme she is a member: she reads; her initech roles do not let her delete here.
    let in_acme = set(Some("acme"));
    assert!(in_acme.can("project:read"));
    assert_eq!(
        in_acme.state("project:delete"),
        Some(AccessState::RoleRequired)
    );
    // In initech she owns it.
    assert!(set(Some("initech")).can("project:delete"));
    // A tenant she holds nothing in.
    assert_eq!(set(Some("globex")).allowed().count(), 0);
    // No tenant on the request: every role counts, as before.
    assert!(set(None).can("project:delete"));
}

#[test]
fn each_entitlement_has_the_state_of_its_first_denying_layer() {
    let set = vic_set();
    assert_eq!(set.state("project:read"), Some(AccessState::Allowed));
    assert_eq!(set.state("project:delete"), Some(AccessState::RoleRequired));
    assert_eq!(set.state("ai:generate"), Some(AccessState::FlagDisabled));
    assert_eq!(set.state("project:export"), Some(AccessState::PlanRequired));
    assert_eq!(set.state("project:archive"), None); // not in the model
    assert!(set.can("project:read"));
    assert!(!set.can("project:delete"));
    assert!(!set.can("ai:generate")); // the flag is off
    assert!(!set.can("project:archive")); // not in the model
    assert_eq!(set.allowed().collect::<Vec<_>>(), ["project:read"]);
    let states: Vec<(&str, &str)> = set.iter().map(|(name, s)| (name, s.as_str())).collect();
    assert_eq!(
        states,
        [
            ("project:read", "allowed"),
            ("project:delete", "role_required"),
            ("ai:generate", "flag_disabled"),
            ("project:export", "plan_required"),
        ]
    );
}

#[test]
fn an_access_set_round_trips_through_its_claim() {
    let set = vic_set();
    let claim = set.encode();
    assert!(claim.starts_with("a1."));
    // 2 + 4 bytes of header and 3 bits for each of the 4 entitlements, in base64url.
    assert_eq!(claim.len(), 3 + 11);
    let names = states::Entitlement::ALL.iter().map(|e| e.as_str());
    assert_eq!(AccessSet::decode(&claim, names).unwrap(), set);
    // The client decodes with the entitlement names only.
    let names = [
        "project:read",
        "project:delete",
        "ai:generate",
        "project:export",
    ];
    let decoded = AccessSet::decode(&claim, names).unwrap();
    assert!(decoded.can("project:read"));
    assert_eq!(decoded, set);
    // Other names (another model, or another version of it) are refused.
    let old = ["project:read", "project:delete"];
    assert_eq!(
        AccessSet::decode(&claim, old),
        Err(DecodeError::ModelMismatch)
    );
    assert_eq!(
        AccessSet::decode("a1.!!", names),
        Err(DecodeError::Malformed)
    );
}
