//! Differential test against cedar-policy: random role/hierarchy models (several parent types,
//! types that are their own parents, resources with several parents, `implies` chains) and random
//! assignments are translated into Cedar entities and policies (`benches/support/cedar.rs`), and
//! every request gets the same decision from both engines.

#[path = "../benches/support/cedar.rs"]
mod cedar;

use std::sync::Arc;

use access_core::model_builder::ModelBuilder;
use access_core::{
    AccessContext, AccessModel, DynamicModel, EntitlementId, EntityTypeId, Principal, Resource,
};
use cedar::{Res, Rng};

struct World {
    model: DynamicModel,
    resources: Vec<Res>,
    assignments: Vec<(String, usize, u16)>,
    users: usize,
}

fn world(rng: &mut Rng) -> World {
    let types = 1 + rng.below(4);
    let roles: Vec<usize> = (0..types).map(|_| 1 + rng.below(5)).collect();
    let mut b = ModelBuilder::new("Random");
    for (t, &n) in roles.iter().enumerate() {
        b = b.entity(format!("t{t}"), (0..n).map(|r| format!("r{r}")));
    }
    for (t, &n) in roles.iter().enumerate() {
        // `implies` only from a lower to a higher role index: never a cycle.
        for from in 0..n {
            for to in from + 1..n {
                if rng.chance(25) {
                    b = b.implies(&format!("t{t}"), &format!("r{from}"), &format!("r{to}"));
                }
            }
        }
        // `inherits` from any type, this one included (recursive hierarchies).
        for (p, &parent_roles) in roles.iter().enumerate() {
            if !rng.chance(60) {
                continue;
            }
            for _ in 0..1 + rng.below(3) {
                let pr = rng.below(parent_roles);
                let r = rng.below(n);
                b = b.inherits(
                    &format!("t{t}"),
                    &format!("t{p}"),
                    &format!("r{pr}"),
                    &format!("r{r}"),
                );
            }
        }
    }
    for k in 0..1 + rng.below(6) {
        let t = rng.below(types);
        let mut rs: Vec<String> = (0..roles[t])
            .filter(|_| rng.chance(35))
            .map(|r| format!("r{r}"))
            .collect();
        if rs.is_empty() {
            rs.push(format!("r{}", rng.below(roles[t])));
        }
        b = b.entitlement(format!("res{t}:act{k}"), format!("t{t}"), rs, []);
    }
    let model = DynamicModel::build(b.spec()).unwrap_or_else(|e| panic!("{e:?}"));
    // Resources: parents only among earlier resources, so no cycle; up to three parents each.
    let mut resources: Vec<Res> = Vec::new();
    for i in 0..1 + rng.below(14) {
        let mut parents = Vec::new();
        if i > 0 {
            for _ in 0..rng.below(4) {
                let p = rng.below(i);
                if !parents.contains(&p) {
                    parents.push(p);
                }
            }
        }
        resources.push(Res {
            ty: rng.below(types) as u16,
            id: format!("x{i}"),
            parents,
        });
    }
    let users = 1 + rng.below(4);
    let mut assignments = Vec::new();
    for _ in 0..2 + rng.below(12) {
        let x = rng.below(resources.len());
        let r = rng.below(roles[resources[x].ty as usize]) as u16;
        assignments.push((format!("u{}", rng.below(users)), x, r));
    }
    World {
        model,
        resources,
        assignments,
        users,
    }
}

#[test]
fn access_core_and_cedar_agree_on_random_worlds() {
    let mut rng = Rng(2026);
    let authorizer = cedar_policy::Authorizer::new();
    let (mut requests, mut allowed, mut worlds) = (0usize, 0usize, 0usize);
    let mut disagreements = Vec::new();
    while requests < 12_000 {
        let w = world(&mut rng);
        worlds += 1;
        let data = w.model.data();
        let s = cedar::memory_store(&w.resources, &w.assignments);
        let policies = cedar::policies(data);
        let entities = cedar::entities(data, &w.resources, &w.assignments);
        // Every (user, entitlement, resource) triple, wrong resource types included, plus a
        // user nobody assigned anything.
        for u in 0..=w.users {
            let user = format!("u{u}");
            let ctx = AccessContext::new(&w.model, &s, Principal::new(Arc::<str>::from(&*user)));
            for e in 0..data.entitlements.len() as u16 {
                for x in &w.resources {
                    let ours = ctx
                        .ready()
                        .can(EntitlementId(e), Resource::new(EntityTypeId(x.ty), &x.id))
                        .expect("store");
                    let q = cedar::query(data, &user, e, x);
                    let theirs = cedar::is_authorized(&authorizer, &q, &policies, &entities);
                    requests += 1;
                    allowed += usize::from(ours);
                    if ours != theirs && disagreements.len() < 5 {
                        disagreements.push(format!(
                            "world {worlds}: {user} {} on {}:{} — access {ours}, cedar {theirs}\nmodel: {:?}\nresources: {:?}\nassignments: {:?}",
                            data.entitlements[e as usize].name,
                            data.entities[x.ty as usize].name,
                            x.id,
                            w.model.data(),
                            w.resources,
                            w.assignments
                        ));
                    }
                }
            }
        }
    }
    eprintln!("{worlds} worlds, {requests} requests, {allowed} allowed");
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n\n"));
    // The worlds are not degenerate: both answers occur often.
    assert!(
        allowed > requests / 20 && allowed < requests * 19 / 20,
        "{allowed} of {requests}"
    );
}
