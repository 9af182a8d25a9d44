//! The store traits on the in-memory store, `WithWallet`, dynamic grants and custom roles, and
//! the permission matrix: what their doc examples used to assert.

use access_core::model_builder::ModelBuilder;
use access_core::store::AncestryNode;
use access_core::{
    Ancestry, Charge, ClosureStore, CustomRole, EntitlementId, EntityTypeId, FlagId, FlagStore,
    GrantError, GrantErrorKind, Grants, LimitId, MemoryStore, ModelData, PlanId, Resource,
    ResourceRef, RoleSet, RoleStore, StoreError, StoreErrorKind, Subscription, SubscriptionStore,
    TenantPlans, WalletStore, WithWallet,
};

use crate::harness::run;

fn res(ty: u16, id: &str) -> Resource<'_> {
    Resource::new(EntityTypeId(ty), id)
}

fn rref(ty: u16, id: &str) -> ResourceRef {
    ResourceRef::new(EntityTypeId(ty), id)
}

/// `acme` (type 0) with `ws-1` (type 1) under it.
fn org_and_workspace() -> MemoryStore {
    let store = MemoryStore::new();
    store.ready().add_resource(res(0, "acme"), &[]).unwrap();
    store
        .ready()
        .add_resource(res(1, "ws-1"), &[res(0, "acme")])
        .unwrap();
    store
}

/// Entity types org (0) with `owner`, project (1) with manager (0) ⇒ viewer (1); entitlements
/// org:billing (0), project:read (1), project:delete (2).
fn grants_model() -> ModelData {
    ModelBuilder::new("Access")
        .entity("org", ["owner"])
        .entity("project", ["manager", "viewer"])
        .implies("project", "manager", "viewer")
        .entitlement("org:billing", "org", ["owner"], [])
        .entitlement("project:read", "project", ["viewer"], [])
        .entitlement("project:delete", "project", ["manager"], [])
        .build()
        .unwrap()
}

/// As [`grants_model`] with a third project role: manager ⇒ editor ⇒ viewer, org:owner ⇒
/// project:manager; entitlements org:billing, project:read, project:edit, project:delete.
fn grants_model3() -> ModelData {
    ModelBuilder::new("Access")
        .entity("org", ["owner"])
        .entity("project", ["manager", "editor", "viewer"])
        .implies("project", "manager", "editor")
        .implies("project", "editor", "viewer")
        .inherits("project", "org", "owner", "manager")
        .entitlement("org:billing", "org", ["owner"], [])
        .entitlement("project:read", "project", ["viewer"], [])
        .entitlement("project:edit", "project", ["editor"], [])
        .entitlement("project:delete", "project", ["manager"], [])
        .build()
        .unwrap()
}

/// org:owner ⇒ project:manager, and project:manager implies project:viewer.
fn matrix_model() -> ModelData {
    ModelBuilder::new("Access")
        .entity("org", ["owner"])
        .entity("project", ["manager", "viewer"])
        .implies("project", "manager", "viewer")
        .inherits("project", "org", "owner", "manager")
        .entitlement("project:read", "project", ["viewer"], [])
        .build()
        .unwrap()
}

// ---------------------------------------------------------------------------------------------
// store: resources and errors

mod org_model {
    access_core::define_access! {
        pub Access;
        entity org { roles: [admin] }
        entitlements { "org:edit" on org => roles [admin] }
    }
}

#[test]
fn resource_new_takes_generated_entity_types_and_ids() {
    let acme = Resource::new(org_model::EntityType::Org, "acme");
    assert_eq!(acme.ty, EntityTypeId(0));
    assert_eq!(acme, Resource::new(EntityTypeId(0), "acme"));
    let doc = Resource::new(EntityTypeId(2), "doc-1");
    assert_eq!(doc.ty, EntityTypeId(2));
    assert_eq!(doc.id, "doc-1");
}

#[test]
fn resources_convert_between_borrowed_and_owned() {
    let id = String::from("ws-1");
    let owned: ResourceRef = Resource::new(EntityTypeId(1), &id).to_owned();
    drop(id);
    assert_eq!(owned, rref(1, "ws-1"));

    let r = rref(1, "ws-1");
    assert_eq!(&*r.id, "ws-1");
    assert_eq!(Resource::from(&r), res(1, "ws-1"));
    let borrowed = r.as_resource();
    assert_eq!((borrowed.ty, borrowed.id), (EntityTypeId(1), "ws-1"));
    assert_eq!(borrowed.to_owned(), r);

    let a = rref(0, "acme");
    let b = ResourceRef::new(EntityTypeId(0), String::from("acme"));
    assert_eq!(a, b);
    assert_eq!(a.ty, EntityTypeId(0));
}

#[test]
fn store_errors_carry_a_kind_and_a_message_for_logs() {
    let store = MemoryStore::new();
    let err = run(store.add_resource(res(0, "acme"), &[res(0, "nope")])).unwrap_err();
    assert_eq!(err.kind, StoreErrorKind::NotFound);

    let err = StoreError::new(StoreErrorKind::Backend, "connection reset");
    assert_eq!(err.kind, StoreErrorKind::Backend);
    assert_eq!(err.to_string(), "store error (Backend): connection reset");
    let err = StoreError::new(StoreErrorKind::Cycle, format!("{} under {}", "a", "b"));
    assert_eq!(err.message, "a under b");
}

// ---------------------------------------------------------------------------------------------
// store: ancestries

#[test]
fn ancestry_node_holds_type_id_when_asked_and_direct_roles() {
    let store = MemoryStore::new();
    let org = res(0, "acme");
    run(async {
        store.add_resource(org, &[]).await.unwrap();
        store.assign("alice", org, 1).await.unwrap();
        let mut a = Ancestry {
            want_ids: true,
            ..Ancestry::default()
        };
        store.ancestry("alice", org, &mut a).await.unwrap();
        let node: &AncestryNode = &a.nodes[0];
        assert_eq!(node.ty, EntityTypeId(0));
        assert_eq!(node.id.as_deref(), Some("acme"));
        assert_eq!(node.roles, RoleSet::single(1));
    });
}

#[test]
fn ancestry_lists_the_resource_then_its_ancestors_with_roles_on_each() {
    let store = org_and_workspace();
    run(async {
        store.assign("alice", res(0, "acme"), 0).await.unwrap();
        let mut a = Ancestry::default();
        store
            .ancestry("alice", res(1, "ws-1"), &mut a)
            .await
            .unwrap();
        assert!(a.found);
        assert_eq!(a.nodes.len(), 2); // ws-1, then acme
        assert_eq!(a.parents_of(0), &[1]);
        assert!(a.nodes[0].roles.is_empty());
        assert_eq!(a.nodes[1].roles, RoleSet::single(0));
        assert_eq!(a.nodes[1].id, None); // ids only with `want_ids`
    });
}

#[test]
fn ancestry_clear_keeps_the_request_settings() {
    let store = MemoryStore::new();
    let mut a = Ancestry {
        want_ids: true,
        ..Ancestry::default()
    };
    run(store.ancestry("alice", res(0, "x"), &mut a)).unwrap();
    assert_eq!(a.nodes.len(), 1);
    a.clear();
    assert!(a.nodes.is_empty() && a.parents.is_empty() && !a.found);
    assert!(a.want_ids);
}

#[test]
fn ancestry_parents_of_a_node_with_two_parents() {
    let store = MemoryStore::new();
    let (a, b, child) = (res(0, "a"), res(0, "b"), res(1, "child"));
    run(async {
        store.add_resource(a, &[]).await.unwrap();
        store.add_resource(b, &[]).await.unwrap();
        store.add_resource(child, &[a, b]).await.unwrap();
        let mut anc = Ancestry::default();
        store.ancestry("alice", child, &mut anc).await.unwrap();
        assert_eq!(anc.nodes.len(), 3);
        let mut parents = anc.parents_of(0).to_vec();
        parents.sort();
        assert_eq!(parents, [1, 2]);
        assert!(anc.parents_of(1).is_empty());
    });
}

// ---------------------------------------------------------------------------------------------
// store: RoleStore

#[test]
fn role_store_is_usable_generically() {
    async fn make_admin<S: RoleStore>(store: &S, user: &str, on: Resource<'_>) -> bool {
        store.assign(user, on, 0).await.is_ok()
    }
    let store = org_and_workspace();
    run(async {
        assert!(make_admin(&store, "alice", res(0, "acme")).await);
        let assignments = store.assignments("alice").await.unwrap();
        assert_eq!(assignments[0].1, RoleSet::single(0));
    });
}

#[test]
fn ancestry_of_an_unknown_resource_is_one_node_without_parents() {
    let store = MemoryStore::new();
    let mut a = Ancestry::default();
    run(store.ancestry("alice", res(0, "ghost"), &mut a)).unwrap();
    assert!(!a.found);
    assert_eq!(a.nodes.len(), 1);
    assert!(a.parents_of(0).is_empty() && a.nodes[0].roles.is_empty());
}

#[test]
fn ancestries_answers_each_resource_in_order() {
    let store = org_and_workspace();
    let mut out = Vec::new();
    run(store.ancestries("alice", &[res(0, "acme"), res(0, "ghost")], &mut out)).unwrap();
    assert_eq!(out.len(), 2);
    assert!(out[0].found && !out[1].found);
}

#[test]
fn assignments_group_roles_per_resource() {
    let store = org_and_workspace();
    run(async {
        store.assign("alice", res(0, "acme"), 0).await.unwrap();
        store.assign("alice", res(0, "acme"), 2).await.unwrap();
        assert_eq!(
            store.assignments("alice").await.unwrap(),
            [(rref(0, "acme"), RoleSet(0b101))]
        );
        assert!(store.assignments("bob").await.unwrap().is_empty());
    });
}

#[test]
fn assign_needs_a_known_resource_in_memory() {
    let store = org_and_workspace();
    run(async {
        store.assign("alice", res(0, "acme"), 1).await.unwrap();
        assert!(store.assignments("alice").await.unwrap()[0].1.contains(1));
        let err = store.assign("alice", res(0, "ghost"), 1).await.unwrap_err();
        assert_eq!(err.kind, StoreErrorKind::NotFound);
    });
}

#[test]
fn assign_during_expires_and_assigning_again_replaces_the_bounds() {
    let store = org_and_workspace();
    let org = res(0, "acme");
    let now = access_core::time::now();
    run(async {
        // Expired an hour ago: it does not count.
        store
            .assign_during("alice", org, 0, None, Some(now - 3600))
            .await
            .unwrap();
        assert!(store.assignments("alice").await.unwrap().is_empty());
        // Assigning again replaces the bounds: valid for the next hour.
        store
            .assign_during("alice", org, 0, Some(now - 60), Some(now + 3600))
            .await
            .unwrap();
        assert!(store.assignments("alice").await.unwrap()[0].1.contains(0));
    });
}

#[test]
fn revoke_takes_the_role_back_and_tolerates_roles_not_held() {
    let store = org_and_workspace();
    let org = res(0, "acme");
    run(async {
        store.assign("alice", org, 0).await.unwrap();
        store.revoke("alice", org, 0).await.unwrap();
        assert!(store.assignments("alice").await.unwrap().is_empty());
        store.revoke("alice", org, 0).await.unwrap(); // not held: still Ok
    });
}

#[test]
fn global_roles_are_set_and_cleared() {
    let store = MemoryStore::new();
    run(async {
        assert_eq!(store.global_roles("alice").await.unwrap(), RoleSet::EMPTY);
        store
            .set_global_roles("alice", RoleSet::single(0))
            .await
            .unwrap();
        assert_eq!(
            store.global_roles("alice").await.unwrap(),
            RoleSet::single(0)
        );
        store
            .set_global_roles("alice", RoleSet::EMPTY)
            .await
            .unwrap();
        assert!(store.global_roles("alice").await.unwrap().is_empty());
    });
}

// ---------------------------------------------------------------------------------------------
// store: ClosureStore

#[test]
fn closure_store_lists_ancestors() {
    let store = org_and_workspace();
    assert_eq!(
        run(store.ancestors(res(1, "ws-1"))).unwrap(),
        [(rref(0, "acme"), 1)]
    );
}

#[test]
fn add_resource_needs_its_parents_and_recreating_replaces_them() {
    let store = MemoryStore::new();
    let (org, ws) = (res(0, "acme"), res(1, "ws-1"));
    run(async {
        let err = store.add_resource(ws, &[org]).await.unwrap_err();
        assert_eq!(err.kind, StoreErrorKind::NotFound);
        store.add_resource(org, &[]).await.unwrap();
        store.add_resource(ws, &[org]).await.unwrap();
        assert_eq!(store.ancestors(ws).await.unwrap().len(), 1);
        // Re-creating it without parents detaches it.
        store.add_resource(ws, &[]).await.unwrap();
        assert!(store.ancestors(ws).await.unwrap().is_empty());
    });
}

#[test]
fn set_parents_moves_a_resource_and_refuses_cycles() {
    let store = MemoryStore::new();
    let (a, b, ws) = (res(0, "a"), res(0, "b"), res(1, "ws-1"));
    run(async {
        store.add_resource(a, &[]).await.unwrap();
        store.add_resource(b, &[]).await.unwrap();
        store.add_resource(ws, &[a]).await.unwrap();
        store.set_parents(ws, &[b]).await.unwrap();
        assert_eq!(store.ancestors(ws).await.unwrap(), [(rref(0, "b"), 1)]);
        // `b` under `ws` would make `b` its own ancestor.
        let err = store.set_parents(b, &[ws]).await.unwrap_err();
        assert_eq!(err.kind, StoreErrorKind::Cycle);
    });
}

#[test]
fn remove_resource_detaches_children_and_drops_its_assignments() {
    let store = org_and_workspace();
    let (org, ws) = (res(0, "acme"), res(1, "ws-1"));
    run(async {
        store.assign("alice", org, 0).await.unwrap();
        store.remove_resource(org).await.unwrap();
        assert!(store.ancestors(ws).await.unwrap().is_empty());
        assert!(store.assignments("alice").await.unwrap().is_empty());
    });
}

#[test]
fn ancestors_are_nearest_first_with_their_distance() {
    let store = MemoryStore::new();
    let (org, team, ws) = (res(0, "acme"), res(1, "core"), res(2, "ws-1"));
    run(async {
        store.add_resource(org, &[]).await.unwrap();
        store.add_resource(team, &[org]).await.unwrap();
        store.add_resource(ws, &[team]).await.unwrap();
        assert_eq!(
            store.ancestors(ws).await.unwrap(),
            [(rref(1, "core"), 1), (rref(0, "acme"), 2)]
        );
    });
}

// ---------------------------------------------------------------------------------------------
// store: subscriptions

#[test]
fn subscription_is_active_from_its_start_until_its_exclusive_end() {
    let sub = Subscription::new(PlanId(1), 1_000).until(2_000);
    assert_eq!(sub.plan, PlanId(1));
    assert_eq!((sub.started_at, sub.ends_at), (1_000, Some(2_000)));
    assert!(!sub.active_at(999));
    assert!(sub.active_at(1_000));
    assert!(sub.active_at(1_500));
    assert!(sub.active_at(1_999));
    assert!(!sub.active_at(2_000));

    let open = Subscription::new(PlanId(0), 1_000);
    assert_eq!(open.ends_at, None);
    assert!(open.active_at(i64::MAX));
}

#[test]
fn tenant_plans_hold_base_plans_add_ons_and_overrides() {
    let store = MemoryStore::new();
    run(async {
        assert_eq!(
            store.tenant_plans("acme").await.unwrap(),
            TenantPlans::default()
        );
        let nobody = store.tenant_plans("nobody").await.unwrap();
        assert!(nobody.base.is_empty() && nobody.add_ons.is_empty() && nobody.overrides.is_empty());
        store
            .set_base_plan("acme", 0, Subscription::new(PlanId(0), 0))
            .await
            .unwrap();
        store
            .add_add_on("acme", Subscription::new(PlanId(2), 0))
            .await
            .unwrap();
        store
            .set_override("acme", LimitId(0), Some(500))
            .await
            .unwrap();
        let plans = store.tenant_plans("acme").await.unwrap();
        assert_eq!(plans.base, [Subscription::new(PlanId(0), 0)]);
        assert_eq!(plans.add_ons, [Subscription::new(PlanId(2), 0)]);
        assert_eq!(plans.overrides, [(LimitId(0), 500)]);
    });
}

#[test]
fn subscription_store_is_usable_generically() {
    async fn upgrade<S: SubscriptionStore>(store: &S, tenant: &str, plan: PlanId) {
        store
            .set_base_plan(tenant, 0, Subscription::new(plan, 0))
            .await
            .unwrap();
    }
    let store = MemoryStore::new();
    run(async {
        upgrade(&store, "acme", PlanId(1)).await;
        assert_eq!(
            store.tenant_plans("acme").await.unwrap().base[0].plan,
            PlanId(1)
        );
    });
}

#[test]
fn set_base_plan_replaces_the_plan_of_its_group_only() {
    let store = MemoryStore::new();
    run(async {
        store
            .set_base_plan("acme", 0, Subscription::new(PlanId(0), 0))
            .await
            .unwrap();
        store
            .set_base_plan("acme", 1, Subscription::new(PlanId(3), 0))
            .await
            .unwrap();
        // Group 0 again: replaces PlanId(0).
        store
            .set_base_plan("acme", 0, Subscription::new(PlanId(1), 100))
            .await
            .unwrap();
        let base = store.tenant_plans("acme").await.unwrap().base;
        assert_eq!(base.len(), 2);
        assert!(base.contains(&Subscription::new(PlanId(1), 100)));
        assert!(base.contains(&Subscription::new(PlanId(3), 0)));
    });
}

#[test]
fn add_ons_are_replaced_and_removed_by_plan() {
    let store = MemoryStore::new();
    run(async {
        store
            .add_add_on("acme", Subscription::new(PlanId(2), 0))
            .await
            .unwrap();
        store
            .add_add_on("acme", Subscription::new(PlanId(2), 0).until(500))
            .await
            .unwrap();
        let add_ons = store.tenant_plans("acme").await.unwrap().add_ons;
        assert_eq!(add_ons, [Subscription::new(PlanId(2), 0).until(500)]);
        store.remove_add_on("acme", PlanId(2)).await.unwrap();
        assert!(store.tenant_plans("acme").await.unwrap().add_ons.is_empty());
    });
}

#[test]
fn overrides_are_replaced_and_cleared() {
    let store = MemoryStore::new();
    run(async {
        store
            .set_override("acme", LimitId(0), Some(100))
            .await
            .unwrap();
        store
            .set_override("acme", LimitId(0), Some(250))
            .await
            .unwrap();
        assert_eq!(
            store.tenant_plans("acme").await.unwrap().overrides,
            [(LimitId(0), 250)]
        );
        store.set_override("acme", LimitId(0), None).await.unwrap();
        assert!(
            store
                .tenant_plans("acme")
                .await
                .unwrap()
                .overrides
                .is_empty()
        );
    });
}

// ---------------------------------------------------------------------------------------------
// store: wallets and flags

#[test]
fn a_charge_counts_per_period_up_to_its_max() {
    let store = MemoryStore::new();
    let charge = Charge {
        limit: LimitId(0),
        period_start: 0,
        max: 1,
    };
    assert_eq!(run(store.consume("acme", &[charge])), Ok(true));
    assert_eq!(run(store.consume("acme", &[charge])), Ok(false));
    // A new period is a new counter.
    let next = Charge {
        period_start: 86_400,
        ..charge
    };
    assert_eq!(run(store.consume("acme", &[next])), Ok(true));
}

#[test]
fn wallet_store_is_usable_generically() {
    async fn try_use<W: WalletStore>(wallet: &W, tenant: &str, charge: Charge) -> bool {
        wallet.consume(tenant, &[charge]).await.unwrap_or(false)
    }
    let store = MemoryStore::new();
    let charge = Charge {
        limit: LimitId(0),
        period_start: 0,
        max: 2,
    };
    run(async {
        assert!(try_use(&store, "acme", charge).await);
        assert!(try_use(&store, "acme", charge).await);
        assert!(!try_use(&store, "acme", charge).await);
    });
}

#[test]
fn used_counts_per_tenant_and_period() {
    let store = MemoryStore::new();
    run(async {
        assert_eq!(store.used("acme", LimitId(0), 0).await.unwrap(), 0);
        let charge = Charge {
            limit: LimitId(0),
            period_start: 0,
            max: 10,
        };
        store.consume("acme", &[charge]).await.unwrap();
        assert_eq!(store.used("acme", LimitId(0), 0).await.unwrap(), 1);
        assert_eq!(store.used("acme", LimitId(0), 86_400).await.unwrap(), 0);
    });
}

#[test]
fn consume_is_all_or_nothing() {
    let store = MemoryStore::new();
    let seats = Charge {
        limit: LimitId(0),
        period_start: 0,
        max: 10,
    };
    let calls = Charge {
        limit: LimitId(1),
        period_start: 0,
        max: 0,
    };
    run(async {
        assert!(!store.consume("acme", &[seats, calls]).await.unwrap());
        assert_eq!(store.used("acme", LimitId(0), 0).await.unwrap(), 0);
        assert!(store.consume("acme", &[seats]).await.unwrap());
        assert_eq!(store.used("acme", LimitId(0), 0).await.unwrap(), 1);
    });
}

#[test]
fn unconsume_never_goes_below_zero() {
    let store = MemoryStore::new();
    let charge = Charge {
        limit: LimitId(0),
        period_start: 0,
        max: 10,
    };
    run(async {
        store.consume("acme", &[charge]).await.unwrap();
        store.unconsume("acme", &[charge]).await.unwrap();
        store.unconsume("acme", &[charge]).await.unwrap();
        assert_eq!(store.used("acme", LimitId(0), 0).await.unwrap(), 0);
    });
}

#[test]
fn flags_are_turned_on_and_off_per_tenant() {
    async fn beta_on<F: FlagStore>(flags: &F, tenant: &str) -> bool {
        flags
            .tenant_flags(tenant)
            .await
            .is_ok_and(|f| f.contains(0))
    }
    let store = MemoryStore::new();
    run(async {
        assert!(!beta_on(&store, "acme").await);
        store.set_flag("acme", FlagId(0), true).await.unwrap();
        assert!(beta_on(&store, "acme").await);

        assert!(store.tenant_flags("globex").await.unwrap().is_empty());
        store.set_flag("globex", FlagId(1), true).await.unwrap();
        assert_eq!(
            store.tenant_flags("globex").await.unwrap(),
            RoleSet::single(1)
        );
        store.set_flag("globex", FlagId(3), true).await.unwrap();
        assert!(store.tenant_flags("globex").await.unwrap().contains(3));
        store.set_flag("globex", FlagId(3), false).await.unwrap();
        assert!(!store.tenant_flags("globex").await.unwrap().contains(3));
    });
}

#[test]
fn with_wallet_sends_usage_to_the_wallet_and_the_rest_to_the_base() {
    let stores = WithWallet::new(MemoryStore::new(), MemoryStore::new());
    assert_eq!(stores.wallet.usage("acme", LimitId(0), 0), 0);
    let charge = Charge {
        limit: LimitId(0),
        period_start: 0,
        max: 5,
    };
    run(async {
        assert!(stores.consume("acme", &[charge]).await.unwrap());
        assert_eq!(stores.wallet.usage("acme", LimitId(0), 0), 1);
        assert_eq!(stores.base.usage("acme", LimitId(0), 0), 0);
        stores.set_flag("acme", FlagId(0), true).await.unwrap();
        assert!(stores.base.tenant_flags("acme").await.unwrap().contains(0));
    });
}

// ---------------------------------------------------------------------------------------------
// memory

#[test]
fn memory_store_starts_empty() {
    let store = MemoryStore::new();
    let p1 = res(0, "p1");
    run(async {
        assert!(store.assignments("ann").await.unwrap().is_empty());
        store.add_resource(p1, &[]).await.unwrap();
        store.assign("ann", p1, 0).await.unwrap();
        assert_eq!(store.assignments("ann").await.unwrap().len(), 1);
    });
}

#[test]
fn memory_usage_is_per_tenant_and_period() {
    let store = MemoryStore::new();
    let ai = LimitId(0);
    let charge = Charge {
        limit: ai,
        period_start: 1_000,
        max: 2,
    };
    assert!(run(store.consume("acme", &[charge])).unwrap());
    assert_eq!(store.usage("acme", ai, 1_000), 1);
    assert_eq!(store.usage("globex", ai, 1_000), 0);
    assert_eq!(store.usage("acme", ai, 2_000), 0);
}

// ---------------------------------------------------------------------------------------------
// grants: the doc examples' model (org; project: manager ⇒ viewer)

#[test]
fn custom_roles_get_the_next_index_of_their_entity_type() {
    let data = &grants_model();
    let mut grants = Grants::new(data);
    grants
        .create_role(data, "project", "auditor", &["project:read"])
        .unwrap();
    assert_eq!(
        grants.custom_roles(),
        [CustomRole {
            entity: EntityTypeId(1),
            index: 2,
            name: "auditor".into(),
            deleted: false
        }]
    );
}

#[test]
fn grant_error_kinds() {
    let data = &grants_model();
    let mut grants = Grants::new(data);
    let kind = |r: Result<u16, GrantError>| r.unwrap_err().kind;
    assert_eq!(
        kind(grants.create_role(data, "projct", "auditor", &[])),
        GrantErrorKind::Unknown
    );
    assert_eq!(
        kind(grants.create_role(data, "project", "bad name", &[])),
        GrantErrorKind::Invalid
    );
    assert_eq!(
        kind(grants.create_role(data, "project", "viewer", &[])),
        GrantErrorKind::Conflict
    );
    for i in 2..64 {
        grants
            .create_role(data, "project", &format!("r{i}"), &[])
            .unwrap();
    }
    assert_eq!(
        kind(grants.create_role(data, "project", "one_more", &[])),
        GrantErrorKind::Full
    );
}

#[test]
fn grant_error_message_names_the_valid_choice() {
    let data = &grants_model();
    let mut grants = Grants::new(data);
    let err = grants.grant(data, "project:delete", "viewr").unwrap_err();
    assert_eq!(err.kind, GrantErrorKind::Unknown);
    assert_eq!(
        err.message,
        "unknown role `viewr` of `project`, did you mean `viewer`?"
    );
    assert_eq!(err.to_string(), err.message);
}

#[test]
fn grants_start_from_the_model_tables() {
    let data = &grants_model();
    let grants = Grants::new(data);
    // project:read is granted by viewer and by manager (which implies it).
    let read = EntitlementId(data.entitlement_index("project:read").unwrap());
    assert_eq!(
        grants.granting(read),
        Some(data.entitlements[read.0 as usize].granting)
    );
    assert_eq!(grants.granting(read), Some(RoleSet(0b11)));
    assert!(grants.custom_roles().is_empty());
    // Given to viewer; manager grants it too, through `implies`.
    assert_eq!(grants.listed(EntitlementId(1)), Some(RoleSet::single(1)));
}

#[test]
fn granting_follows_grants_and_is_none_outside_the_model() {
    let data = &grants_model();
    let mut grants = Grants::new(data);
    let delete = EntitlementId(2);
    assert_eq!(grants.granting(delete), Some(RoleSet::single(0))); // manager
    grants.grant(data, "project:delete", "viewer").unwrap();
    assert_eq!(grants.granting(delete), Some(RoleSet(0b11))); // and viewer
    assert_eq!(grants.granting(EntitlementId(9)), None);
}

#[test]
fn custom_roles_list_deleted_ones_too() {
    let data = &grants_model();
    let mut grants = Grants::new(data);
    grants.create_role(data, "project", "auditor", &[]).unwrap();
    grants.create_role(data, "project", "billing", &[]).unwrap();
    grants.delete_role(data, "project", "auditor").unwrap();
    let roles: Vec<(&str, bool)> = grants
        .custom_roles()
        .iter()
        .map(|c| (c.name.as_str(), c.deleted))
        .collect();
    assert_eq!(roles, [("auditor", true), ("billing", false)]);
}

#[test]
fn role_names_and_indices_cover_model_and_live_custom_roles() {
    let data = &grants_model();
    let mut grants = Grants::new(data);
    grants
        .create_role(data, "project", "auditor", &["project:read"])
        .unwrap();
    assert_eq!(grants.role_name(data, 1, 0), Some("manager"));
    assert_eq!(grants.role_name(data, 1, 2), Some("auditor"));
    assert_eq!(grants.role_index(data, 1, "viewer"), Some(1));
    assert_eq!(grants.role_index(data, 1, "auditor"), Some(2));
    assert_eq!(grants.role_index(data, 0, "auditor"), None); // not an org role
    let read = grants.granting(EntitlementId(1)).unwrap();
    assert_eq!(
        grants.role_names(data, 1, read),
        ["manager", "viewer", "auditor"]
    );
    assert!(grants.role_names(data, 1, RoleSet::EMPTY).is_empty());
    grants.delete_role(data, "project", "auditor").unwrap();
    assert_eq!(grants.role_name(data, 1, 2), None);
}

#[test]
fn entitlements_of_lists_direct_grants_only() {
    let data = &grants_model();
    let mut grants = Grants::new(data);
    assert_eq!(grants.entitlements_of(data, 1, 1), ["project:read"]); // viewer
    grants.grant(data, "project:delete", "viewer").unwrap();
    assert_eq!(
        grants.entitlements_of(data, 1, 1),
        ["project:read", "project:delete"]
    );
    // Only what is given directly: manager gets project:read through `implies`.
    assert_eq!(grants.entitlements_of(data, 1, 0), ["project:delete"]);
}

#[test]
fn entity_and_role_lookups_name_the_valid_choices() {
    let data = &grants_model();
    assert_eq!(Grants::entity(data, "project"), Ok(1));
    let err = Grants::entity(data, "projct").unwrap_err();
    assert_eq!(
        err.message,
        "unknown entity `projct`, did you mean `project`?"
    );
    let grants = Grants::new(data);
    assert_eq!(grants.role(data, 1, "viewer"), Ok(1));
    let err = grants.role(data, 1, "owner").unwrap_err();
    assert_eq!(
        err.message,
        "unknown role `owner` of `project`, expected one of `manager`, `viewer`"
    );
}

#[test]
fn grant_is_idempotent_and_stays_within_the_entity_type() {
    let data = &grants_model();
    let mut grants = Grants::new(data);
    grants.grant(data, "project:delete", "viewer").unwrap();
    assert!(grants.granting(EntitlementId(2)).unwrap().contains(1));
    let before = grants.clone();
    grants.grant(data, "project:delete", "viewer").unwrap();
    assert_eq!(grants, before);
    assert!(grants.grant(data, "org:billing", "viewer").is_err());
}

#[test]
fn revoke_keeps_what_implies_still_gives() {
    let data = &grants_model();
    let mut grants = Grants::new(data);
    let read = EntitlementId(1);
    grants.grant(data, "project:read", "manager").unwrap();
    grants.revoke(data, "project:read", "manager").unwrap();
    // manager implies viewer, which still has it.
    assert!(grants.granting(read).unwrap().contains(0));
    grants.revoke(data, "project:read", "viewer").unwrap();
    assert!(grants.granting(read).unwrap().is_empty());
}

#[test]
fn create_role_is_all_or_nothing() {
    let data = &grants_model();
    let mut grants = Grants::new(data);
    let auditor = grants
        .create_role(data, "project", "auditor", &["project:read"])
        .unwrap();
    assert_eq!(auditor, 2);
    assert!(grants.granting(EntitlementId(1)).unwrap().contains(2));
    let err = grants
        .create_role(data, "project", "billing", &["project:read", "org:billing"])
        .unwrap_err();
    assert_eq!(err.kind, GrantErrorKind::Invalid);
    assert_eq!(grants.role_index(data, 1, "billing"), None);
}

#[test]
fn restore_role_puts_back_recorded_roles_and_refuses_taken_indices() {
    let data = &grants_model();
    let mut grants = Grants::new(data);
    grants.restore_role(data, 1, 2, "auditor", true).unwrap(); // deleted
    grants.restore_role(data, 1, 3, "auditor", false).unwrap();
    assert_eq!(grants.role_index(data, 1, "auditor"), Some(3));
    grants.grant(data, "project:read", "auditor").unwrap();
    let err = grants.restore_role(data, 1, 0, "lead", false).unwrap_err();
    assert_eq!(err.kind, GrantErrorKind::Invalid);
    assert!(grants.restore_role(data, 1, 3, "lead", false).is_err());
}

#[test]
fn delete_role_stops_its_grants_and_never_reuses_its_index() {
    let data = &grants_model();
    let mut grants = Grants::new(data);
    let index = grants
        .create_role(data, "project", "auditor", &["project:read"])
        .unwrap();
    assert_eq!(grants.delete_role(data, "project", "auditor"), Ok(index));
    assert!(
        !grants
            .granting(EntitlementId(1))
            .unwrap()
            .contains(index as usize)
    );
    assert_eq!(
        grants.create_role(data, "project", "auditor", &[]),
        Ok(index + 1)
    );
    let err = grants.delete_role(data, "project", "viewer").unwrap_err();
    assert_eq!(err.kind, GrantErrorKind::Invalid);
}

// ---------------------------------------------------------------------------------------------
// grants: the former unit tests (project: manager ⇒ editor ⇒ viewer)

fn names(g: &Grants, d: &ModelData, e: &str) -> Vec<String> {
    let ei = d.entitlement_index(e).unwrap();
    g.role_names(
        d,
        d.entitlements[ei as usize].entity,
        g.granting(EntitlementId(ei)).unwrap(),
    )
}

#[test]
fn new_roles_go_after_restored_gaps_and_bad_entities_are_errors() {
    let d = grants_model3();
    let mut g = Grants::new(&d);
    // project has 3 model roles (0..=2); the store recorded custom roles at 3 and 5.
    g.restore_role(&d, 1, 3, "auditor", false).unwrap();
    g.restore_role(&d, 1, 5, "intern", true).unwrap();
    assert_eq!(g.create_role(&d, "project", "lead", &[]).unwrap(), 6);
    assert_eq!(
        g.role(&d, 9, "owner").unwrap_err().kind,
        GrantErrorKind::Unknown
    );
}

#[test]
fn starts_from_the_model_and_follows_implies() {
    let d = grants_model3();
    let mut g = Grants::new(&d);
    assert_eq!(names(&g, &d, "project:delete"), ["manager"]);
    g.grant(&d, "project:delete", "editor").unwrap();
    assert_eq!(names(&g, &d, "project:delete"), ["manager", "editor"]);
    g.revoke(&d, "project:delete", "manager").unwrap();
    // The manager implies the editor, who has it.
    assert_eq!(names(&g, &d, "project:delete"), ["manager", "editor"]);
    g.revoke(&d, "project:delete", "editor").unwrap();
    assert!(names(&g, &d, "project:delete").is_empty());
}

#[test]
fn custom_roles_get_fresh_indices_that_are_never_reused() {
    let d = grants_model3();
    let mut g = Grants::new(&d);
    let a = g
        .create_role(&d, "project", "auditor", &["project:read"])
        .unwrap();
    assert_eq!(a, 3);
    assert_eq!(
        names(&g, &d, "project:read"),
        ["manager", "editor", "viewer", "auditor"]
    );
    assert_eq!(g.delete_role(&d, "project", "auditor").unwrap(), 3);
    assert_eq!(
        names(&g, &d, "project:read"),
        ["manager", "editor", "viewer"]
    );
    let b = g.create_role(&d, "project", "auditor", &[]).unwrap();
    assert_eq!(b, 4);
    g.grant(&d, "project:edit", "auditor").unwrap();
    assert!(g.granting(EntitlementId(2)).unwrap().contains(4));
    assert!(!g.granting(EntitlementId(2)).unwrap().contains(3));
}

#[test]
fn refuses_what_the_model_does_not_declare() {
    let d = grants_model3();
    let mut g = Grants::new(&d);
    let before = g.clone();
    let e = g.grant(&d, "project:delete", "mananger").unwrap_err();
    assert_eq!(e.kind, GrantErrorKind::Unknown);
    assert_eq!(
        e.message,
        "unknown role `mananger` of `project`, did you mean `manager`?"
    );
    let e = g.create_role(&d, "projcet", "x", &[]).unwrap_err();
    assert_eq!(
        e.message,
        "unknown entity `projcet`, did you mean `project`?"
    );
    let e = g
        .create_role(&d, "project", "x", &["project:read", "org:billing"])
        .unwrap_err();
    assert_eq!(e.kind, GrantErrorKind::Invalid);
    assert_eq!(g, before, "a refused change leaves nothing behind");
    let e = g.create_role(&d, "project", "viewer", &[]).unwrap_err();
    assert_eq!(e.kind, GrantErrorKind::Conflict);
    let e = g.create_role(&d, "project", "bad name", &[]).unwrap_err();
    assert_eq!(e.kind, GrantErrorKind::Invalid);
    let e = g.delete_role(&d, "project", "viewer").unwrap_err();
    assert_eq!(e.kind, GrantErrorKind::Invalid);
    assert_eq!(g, before);
}

#[test]
fn a_type_holds_64_roles() {
    let d = grants_model3();
    let mut g = Grants::new(&d);
    for i in 3..64 {
        g.create_role(&d, "project", &format!("r{i}"), &[]).unwrap();
    }
    let e = g.create_role(&d, "project", "one_more", &[]).unwrap_err();
    assert_eq!(e.kind, GrantErrorKind::Full);
    g.delete_role(&d, "project", "r5").unwrap();
    assert_eq!(
        g.create_role(&d, "project", "again", &[]).unwrap_err().kind,
        GrantErrorKind::Full
    );
}

// ---------------------------------------------------------------------------------------------
// matrix (org:owner ⇒ project:manager → viewer)

#[test]
fn matrix_rows_list_every_holder_with_its_shortest_path() {
    let data = matrix_model();
    let rows = access_core::matrix::rows(&data);
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    assert_eq!(row.entitlement, "project:read");
    assert_eq!(row.entity, "project");
    assert_eq!(row.roles, ["viewer"]);
    assert!(row.flags.is_empty() && row.plans.is_empty() && row.limits.is_empty());
    let holders: Vec<String> = row
        .holders
        .iter()
        .map(|h| format!("{}:{}", h.entity, h.role))
        .collect();
    assert_eq!(holders, ["project:manager", "project:viewer", "org:owner"]);
    let paths: Vec<&str> = row.holders.iter().map(|h| h.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "project:manager → viewer",
            "project:viewer",
            "org:owner ⇒ project:manager → viewer"
        ]
    );
    let owner = &row.holders[2];
    assert_eq!(
        (owner.entity.as_str(), owner.role.as_str()),
        ("org", "owner")
    );
    assert_eq!(owner.path, "org:owner ⇒ project:manager → viewer");
}

#[test]
fn matrix_markdown_and_json() {
    let data = matrix_model();
    let md = access_core::matrix::markdown(&data);
    assert!(md.starts_with("# Permission matrix of `Access`"));
    assert!(md.contains("| `project:read` | `project` | `viewer` | — | any plan | — |"));
    assert!(md.contains("| `org:owner` | org:owner ⇒ project:manager → viewer |"));

    let v = access_core::matrix::json(&data);
    assert_eq!(v["model"], "Access");
    assert_eq!(v["entitlements"][0]["entitlement"], "project:read");
    assert_eq!(
        v["entitlements"][0]["holders"][2]["path"],
        "org:owner ⇒ project:manager → viewer"
    );
}

#[test]
fn matrix_check_file_reports_a_stale_file_with_its_diff() {
    use access_core::matrix::{check_file, markdown};
    let data = matrix_model();
    let path = std::env::temp_dir().join(format!("matrix-test-{}.md", std::process::id()));
    std::fs::write(&path, "# an old matrix\n").unwrap();
    if std::env::var("ACCESS_UPDATE_MATRIX").as_deref() != Ok("1") {
        let err = check_file(&data, &path).unwrap_err();
        assert!(err.contains("is out of date with the model"));
        assert!(err.contains("-# an old matrix"));
    }
    std::fs::write(&path, markdown(&data)).unwrap();
    assert_eq!(check_file(&data, &path), Ok(()));
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn matrix_compare_is_a_line_diff_against_the_model() {
    use access_core::matrix::{compare, markdown};
    let data = matrix_model();
    assert_eq!(compare(&data, &markdown(&data)), Ok(()));
    let diff = compare(&data, "# Permission matrix of `Access`\n").unwrap_err();
    assert!(!diff.contains("-# Permission matrix")); // the same in both
    assert!(diff.contains("+| `org:owner` | org:owner ⇒ project:manager → viewer |"));
}

// ---------------------------------------------------------------------------------------------
// sync: the synchronous front (`.ready()`) answers what the async methods answer

mod sync_model {
    access_core::define_access! {
        pub Access;
        entity workspace { roles: [admin, member] }
        entity project {
            roles: [manager, viewer],
            implies: { manager => viewer },
            inherits: { workspace:admin => manager, workspace:member => viewer },
        }
        flags: [beta_ai],
        entitlements {
            "project:read"   on project => roles [viewer],
            "project:delete" on project => roles [manager],
            "ai:generate"    on project => roles [manager], flags [beta_ai],
        }
        plans {
            free { group: main, features: ["ai:generate"],
                   limits: { ai: "ai:generate" per day max 2 } }
        }
        default_plan: free,
    }
}

/// Every write of the sync front on one store and of the async traits on another, with each
/// answer compared; then the two stores hold the same.
fn same_writes<S: access_core::ReadyStores>(
    sync: &S,
    asy: &S,
    ready: impl Fn(&S) -> access_core::Ready<'_, S>,
) {
    let (org, ws, ws2) = (res(0, "acme"), res(1, "ws-1"), res(1, "ws-2"));
    let charge = Charge {
        limit: LimitId(0),
        period_start: 0,
        max: 2,
    };
    let s = ready(sync);
    assert_eq!(s.add_resource(org, &[]), run(asy.add_resource(org, &[])));
    assert_eq!(
        s.add_resource(ws, &[org]),
        run(asy.add_resource(ws, &[org]))
    );
    assert_eq!(
        s.add_resource(ws2, &[org]),
        run(asy.add_resource(ws2, &[org]))
    );
    assert_eq!(
        s.add_resource(ws, &[res(0, "nope")]),
        run(asy.add_resource(ws, &[res(0, "nope")]))
    );
    assert_eq!(s.set_parents(ws2, &[ws]), run(asy.set_parents(ws2, &[ws])));
    assert_eq!(
        s.set_parents(org, &[ws2]),
        run(asy.set_parents(org, &[ws2]))
    ); // a cycle
    assert_eq!(s.assign("al", org, 0), run(asy.assign("al", org, 0)));
    assert_eq!(
        s.assign("al", res(0, "nope"), 0),
        run(asy.assign("al", res(0, "nope"), 0))
    );
    assert_eq!(s.assign("al", org, 64), run(asy.assign("al", org, 64)));
    assert_eq!(
        s.assign_during("al", ws, 1, None, Some(1)),
        run(asy.assign_during("al", ws, 1, None, Some(1)))
    );
    assert_eq!(
        s.assign_during("bo", ws, 1, Some(0), None),
        run(asy.assign_during("bo", ws, 1, Some(0), None))
    );
    assert_eq!(s.assign("bo", ws2, 0), run(asy.assign("bo", ws2, 0)));
    assert_eq!(s.revoke("bo", ws2, 0), run(asy.revoke("bo", ws2, 0)));
    assert_eq!(s.revoke("bo", ws2, 5), run(asy.revoke("bo", ws2, 5)));
    assert_eq!(
        s.set_global_roles("al", RoleSet(0b10)),
        run(asy.set_global_roles("al", RoleSet(0b10)))
    );
    assert_eq!(
        s.set_base_plan("acme", 0, Subscription::new(PlanId(0), 0)),
        run(asy.set_base_plan("acme", 0, Subscription::new(PlanId(0), 0)))
    );
    assert_eq!(
        s.add_add_on("acme", Subscription::new(PlanId(1), 0)),
        run(asy.add_add_on("acme", Subscription::new(PlanId(1), 0)))
    );
    assert_eq!(
        s.add_add_on("acme", Subscription::new(PlanId(2), 0)),
        run(asy.add_add_on("acme", Subscription::new(PlanId(2), 0)))
    );
    assert_eq!(
        s.remove_add_on("acme", PlanId(1)),
        run(asy.remove_add_on("acme", PlanId(1)))
    );
    assert_eq!(
        s.set_override("acme", LimitId(0), Some(9)),
        run(asy.set_override("acme", LimitId(0), Some(9)))
    );
    assert_eq!(
        s.set_flag("acme", FlagId(1), true),
        run(asy.set_flag("acme", FlagId(1), true))
    );
    assert_eq!(
        s.set_flag("acme", FlagId(64), true),
        run(asy.set_flag("acme", FlagId(64), true))
    );
    for _ in 0..3 {
        assert_eq!(
            s.consume("acme", &[charge]),
            run(asy.consume("acme", &[charge]))
        );
    }
    assert_eq!(
        s.unconsume("acme", &[charge]),
        run(asy.unconsume("acme", &[charge]))
    );
    let wsx = res(1, "ws-x");
    assert_eq!(
        s.add_resource(wsx, &[org]),
        run(asy.add_resource(wsx, &[org]))
    );
    assert_eq!(s.remove_resource(wsx), run(asy.remove_resource(wsx)));
    assert_eq!(s.remove_resource(wsx), run(asy.remove_resource(wsx))); // gone: NotFound
    // Reads: the sync front on both stores, and the async traits on both.
    for store in [sync, asy] {
        let r = ready(store);
        for user in ["al", "bo", "cy"] {
            assert_eq!(r.assignments(user), run(sync.assignments(user)));
            assert_eq!(r.assignments(user), run(asy.assignments(user)));
            assert_eq!(r.global_roles(user), run(asy.global_roles(user)));
            for at in [org, ws, ws2, wsx] {
                let (mut a, mut b) = (Ancestry::default(), Ancestry::default());
                a.want_ids = true;
                b.want_ids = true;
                assert_eq!(
                    r.ancestry(user, at, &mut a),
                    run(asy.ancestry(user, at, &mut b))
                );
                assert_eq!(
                    (a.found, &a.nodes, &a.parents),
                    (b.found, &b.nodes, &b.parents)
                );
            }
        }
        for at in [org, ws, ws2, wsx] {
            assert_eq!(r.ancestors(at), run(asy.ancestors(at)));
        }
        for tenant in ["acme", "other"] {
            assert_eq!(r.tenant_plans(tenant), run(asy.tenant_plans(tenant)));
            assert_eq!(r.tenant_flags(tenant), run(asy.tenant_flags(tenant)));
            assert_eq!(
                r.used(tenant, LimitId(0), 0),
                run(asy.used(tenant, LimitId(0), 0))
            );
        }
    }
    assert_eq!(ready(sync).used("acme", LimitId(0), 0), Ok(1));
    assert_eq!(ready(sync).ancestors(ws2).unwrap().len(), 2);
}

#[test]
fn memory_store_ready_writes_and_reads_agree_with_the_store_traits() {
    let (sync, asy) = (MemoryStore::new(), MemoryStore::new());
    same_writes(&sync, &asy, MemoryStore::ready);
}

#[test]
fn with_wallet_ready_writes_and_reads_agree_with_the_store_traits() {
    let sync = WithWallet::new(MemoryStore::new(), MemoryStore::new());
    let asy = WithWallet::new(MemoryStore::new(), MemoryStore::new());
    same_writes(&sync, &asy, WithWallet::ready);
    // Usage went to the wallet, as through the traits.
    assert_eq!(sync.wallet.usage("acme", LimitId(0), 0), 1);
    assert_eq!(sync.base.usage("acme", LimitId(0), 0), 0);
}

#[test]
fn context_ready_agrees_with_the_async_engine() {
    use access_core::{AccessContext, Principal};
    use sync_model::{Access, Entitlement, EntityType, WorkspaceRole};

    let store = MemoryStore::new();
    let ws1 = Resource::new(EntityType::Workspace, "ws1");
    let (p1, p2) = (
        Resource::new(EntityType::Project, "p1"),
        Resource::new(EntityType::Project, "p2"),
    );
    let s = store.ready();
    s.add_resource(ws1, &[]).unwrap();
    s.add_resource(p1, &[ws1]).unwrap();
    s.add_resource(p2, &[]).unwrap();
    s.assign("ada", ws1, WorkspaceRole::Admin.index()).unwrap();
    s.assign("wes", ws1, WorkspaceRole::Member.index()).unwrap();
    s.set_flag("acme", FlagId(0), true).unwrap();
    let now = access_core::time::now();
    for user in ["ada", "wes", "nobody"] {
        let ctx = AccessContext::new(&Access, &store, Principal::new(user).tenant("acme")).at(now);
        let r = ctx.ready();
        for e in Entitlement::ALL.iter().copied() {
            for at in [ws1, p1, p2] {
                assert_eq!(r.can(e, at), run(ctx.can(e, at)), "{user} {e} {at:?}");
                assert_eq!(r.check(e, at), run(ctx.check(e, at)), "{user} {e} {at:?}");
                assert_eq!(r.can(Into::<EntitlementId>::into(e), at), r.can(e, at));
            }
        }
        let pairs: Vec<_> = Entitlement::ALL
            .iter()
            .flat_map(|&e| [(e, p1), (e, p2)])
            .collect();
        assert_eq!(r.can_all(&pairs), run(ctx.can_all(&pairs)));
        assert_eq!(r.access_set(), run(ctx.access_set()));
    }
    // can_and_consume and unconsume: the same units, through either front.
    let ada = AccessContext::new(&Access, &store, Principal::new("ada").tenant("acme")).at(now);
    let first = ada
        .ready()
        .can_and_consume(Entitlement::AiGenerate, p1)
        .unwrap();
    let second = run(ada.can_and_consume(Entitlement::AiGenerate, p1)).unwrap();
    assert!(first.is_some() && second.is_some());
    assert_eq!(
        ada.ready().can_and_consume(Entitlement::AiGenerate, p1),
        Ok(None)
    ); // 2 a day
    ada.ready().unconsume(first.unwrap()).unwrap();
    assert!(
        ada.ready()
            .can_and_consume(Entitlement::AiGenerate, p1)
            .unwrap()
            .is_some()
    );
    run(ada.unconsume(second.unwrap())).unwrap();
    assert_eq!(ada.ready().access_set(), run(ada.access_set()));
    // Over `WithWallet` of in-memory stores too.
    let split = WithWallet::new(MemoryStore::new(), MemoryStore::new());
    split.ready().add_resource(p2, &[]).unwrap();
    let ctx = AccessContext::new(&Access, &split, Principal::new("ada"));
    assert_eq!(
        ctx.ready().can(Entitlement::ProjectRead, p2),
        run(ctx.can(Entitlement::ProjectRead, p2))
    );
}

// ---------------------------------------------------------------------------------------------
// typed writes: `resource::<Entity>`, `TypedRoles`, `TypedClosure`

mod drive_model {
    access_core::define_access! {
        pub Drive;
        entity org { roles: [owner, member] }
        entity folder {
            roles: [editor, viewer],
            implies: { editor => viewer },
            inherits: { org:owner => editor, org:member => viewer, folder:editor => editor },
        }
        entity doc { roles: [reader], inherits: { folder:viewer => reader } }
        entitlements {
            "folder:read" on folder => roles [viewer],
            "doc:read" on doc => roles [reader],
        }
    }
}

#[test]
fn typed_markers_carry_the_entity_type_its_name_and_role_enum() {
    use access_core::{ChildOf, EntityMarker, Typed};
    use drive_model::{EntityType, FolderRole, resource};

    fn role_of<E: EntityMarker>(r: E::Role) -> u16 {
        access_core::ModelEnum::index(r)
    }
    fn under<C: ChildOf<P>, P: EntityMarker>() {}

    assert_eq!(
        <resource::Folder as EntityMarker>::TYPE,
        EntityType::Folder.into()
    );
    assert_eq!(<resource::Doc as EntityMarker>::NAME, "doc");
    assert_eq!(role_of::<resource::Folder>(FolderRole::Viewer), 1);
    under::<resource::Folder, resource::Org>();
    under::<resource::Folder, resource::Folder>();
    under::<resource::Doc, resource::Folder>();

    let f1 = resource::Folder::id("f1");
    assert_eq!(f1.id(), "f1");
    assert_eq!(f1, Typed::new("f1"));
    assert_eq!(Resource::from(f1), Resource::new(EntityType::Folder, "f1"));
    assert_eq!(ResourceRef::from(f1), rref(1, "f1"));
    assert_eq!(format!("{f1:?}"), "folder:f1");
}

#[test]
fn typed_writes_equal_the_untyped_ones() {
    use access_core::{Principal, Subject, TypedClosure, TypedRoles};
    use drive_model::{EntityType, FolderRole, OrgRole, resource};

    let (acme, f1, d1) = (
        resource::Org::id("acme"),
        resource::Folder::id("f1"),
        resource::Doc::id("d1"),
    );
    let typed = MemoryStore::new();
    let ada = Principal::new("ada");
    let in_an_hour = access_core::time::now() + 3_600;
    run(async {
        typed.add_root(acme).await.unwrap();
        typed.add_child(f1, acme).await.unwrap();
        typed.add_child(d1, f1).await.unwrap();
        typed
            .grant_role("alice", acme, OrgRole::Owner)
            .await
            .unwrap();
        typed
            .grant_role(&ada, f1, FolderRole::Viewer)
            .await
            .unwrap();
        typed
            .grant_role(Subject::user("bob"), f1, FolderRole::Editor)
            .await
            .unwrap();
        typed
            .grant_role_during(
                &String::from("cy"),
                f1,
                FolderRole::Editor,
                None,
                Some(in_an_hour),
            )
            .await
            .unwrap();
        typed
            .revoke_role("bob", f1, FolderRole::Editor)
            .await
            .unwrap();
    });

    let untyped = MemoryStore::new();
    let (org, folder, doc) = (
        Resource::new(EntityType::Org, "acme"),
        Resource::new(EntityType::Folder, "f1"),
        Resource::new(EntityType::Doc, "d1"),
    );
    run(async {
        untyped.add_resource(org, &[]).await.unwrap();
        untyped.add_resource(folder, &[org]).await.unwrap();
        untyped.add_resource(doc, &[folder]).await.unwrap();
        untyped.assign("alice", org, 0).await.unwrap();
        untyped.assign("ada", folder, 1).await.unwrap();
        untyped.assign("bob", folder, 0).await.unwrap();
        untyped
            .assign_during("cy", folder, 0, None, Some(in_an_hour))
            .await
            .unwrap();
        untyped.revoke("bob", folder, 0).await.unwrap();
    });

    for user in ["alice", "ada", "bob", "cy"] {
        assert_eq!(
            run(typed.assignments(user)).unwrap(),
            run(untyped.assignments(user)).unwrap(),
            "{user}"
        );
    }
    for r in [org, folder, doc] {
        assert_eq!(
            run(typed.ancestors(r)).unwrap(),
            run(untyped.ancestors(r)).unwrap()
        );
    }
    assert!(run(typed.assignments("bob")).unwrap().is_empty());
    assert_eq!(run(typed.ancestors(doc)).unwrap().len(), 2);
    // A child under a parent that does not exist: the untyped store's error.
    let err = run(typed.add_child(resource::Doc::id("d2"), resource::Folder::id("nope")));
    assert_eq!(err.unwrap_err().kind, StoreErrorKind::NotFound);
}

#[test]
fn typed_writes_through_the_synchronous_front_equal_the_async_ones() {
    use access_core::{TypedClosure, TypedRoles};
    use drive_model::{FolderRole, OrgRole, resource};

    let (acme, f1) = (resource::Org::id("acme"), resource::Folder::id("f1"));
    let sync = MemoryStore::new();
    let s = sync.ready();
    s.add_root(acme).unwrap();
    s.add_child(f1, acme).unwrap();
    s.grant_role("alice", acme, OrgRole::Member).unwrap();
    s.grant_role("bob", f1, FolderRole::Editor).unwrap();
    s.grant_role_during("cy", f1, FolderRole::Viewer, None, Some(1_000))
        .unwrap();
    s.revoke_role("bob", f1, FolderRole::Editor).unwrap();
    let err = s.add_child(resource::Folder::id("f2"), resource::Folder::id("nope"));
    assert_eq!(err.unwrap_err().kind, StoreErrorKind::NotFound);

    let asynchronous = MemoryStore::new();
    run(async {
        asynchronous.add_root(acme).await.unwrap();
        asynchronous.add_child(f1, acme).await.unwrap();
        asynchronous
            .grant_role("alice", acme, OrgRole::Member)
            .await
            .unwrap();
        asynchronous
            .grant_role("bob", f1, FolderRole::Editor)
            .await
            .unwrap();
        asynchronous
            .grant_role_during("cy", f1, FolderRole::Viewer, None, Some(1_000))
            .await
            .unwrap();
        asynchronous
            .revoke_role("bob", f1, FolderRole::Editor)
            .await
            .unwrap();
    });
    for user in ["alice", "bob", "cy"] {
        assert_eq!(
            s.assignments(user),
            asynchronous.ready().assignments(user),
            "{user}"
        );
    }
    assert_eq!(
        s.ancestors(f1.into()),
        asynchronous.ready().ancestors(f1.into())
    );
    assert_eq!(s.ancestors(f1.into()).unwrap().len(), 1);
}

#[test]
fn check_role_names_the_valid_roles_of_the_resources_entity_type() {
    use access_core::{AccessModel, check_role};
    use drive_model::{Drive, EntityType, FolderRole, OrgRole};

    let data = Drive.data();
    let (acme, f1) = (
        Resource::new(EntityType::Org, "acme"),
        Resource::new(EntityType::Folder, "f1"),
    );
    assert_eq!(check_role(data, acme, OrgRole::Member.index()), Ok(()));
    assert_eq!(check_role(data, f1, FolderRole::Viewer.index()), Ok(()));
    let err = check_role(data, Resource::new(EntityType::Doc, "d1"), 1).unwrap_err();
    assert_eq!(err.kind, StoreErrorKind::InvalidRequest);
    assert_eq!(
        err.message,
        "role 1 is not a role of `doc`: its roles are 0 `reader`"
    );
    let err = check_role(data, Resource::new(EntityTypeId(9), "x"), 0).unwrap_err();
    assert_eq!(err.message, "entity type 9 is not in the model `Drive`");
}

#[test]
fn typed_move_child_replaces_the_parents_as_set_parents_does() {
    use access_core::TypedClosure;
    use drive_model::resource;

    let (acme, globex) = (resource::Org::id("acme"), resource::Org::id("globex"));
    let f1 = resource::Folder::id("f1");
    let moved = MemoryStore::new();
    let s = moved.ready();
    s.add_root(acme).unwrap();
    s.add_root(globex).unwrap();
    s.add_child(f1, acme).unwrap();
    s.move_child(f1, globex).unwrap();
    assert_eq!(s.ancestors(f1.into()).unwrap(), vec![(globex.into(), 1)]);
    // The async form, and the untyped call it stands for, agree.
    let untyped = MemoryStore::new();
    let u = untyped.ready();
    u.add_root(acme).unwrap();
    u.add_root(globex).unwrap();
    u.add_child(f1, acme).unwrap();
    run(untyped.move_child(f1, globex)).unwrap();
    assert_eq!(u.ancestors(f1.into()), s.ancestors(f1.into()));
    // A parent that does not exist is refused and nothing moves.
    let err = s.move_child(f1, resource::Org::id("nope")).unwrap_err();
    assert_eq!(err.kind, StoreErrorKind::NotFound);
    assert_eq!(s.ancestors(f1.into()).unwrap(), vec![(globex.into(), 1)]);
}
