//! The engine agrees with a small, obviously-correct reference evaluator on random models,
//! hierarchies, assignments, flags, plans and requests.
//!
//! The reference works on the model *as written* (the spec), not on the compiled tables: it
//! derives "user holds role r on resource x" facts by applying every `implies` and `inherits`
//! line until nothing changes, then asks whether a fact grants the entitlement and whether the
//! tenant's flags and plan allow it.

use std::collections::BTreeSet;

use access_core::model_builder::ModelBuilder;
use access_core::{
    AccessContext, DynamicModel, FlagId, MemoryStore, PlanId, Principal, Resource, Subscription,
};
use access_model::ModelSpec;
use proptest::prelude::*;

/// Draws from a list of random numbers; 0 once exhausted, so shrinking simplifies the case.
struct Choices<'a> {
    raw: &'a [u32],
    at: usize,
}

impl Choices<'_> {
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        let v = self.raw.get(self.at).copied().unwrap_or(0);
        self.at += 1;
        v as usize % n
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

struct Case {
    spec: ModelSpec<()>,
    /// (type, parents) per resource; resource i is named `r{i}`.
    resources: Vec<(usize, Vec<usize>)>,
    /// (user, resource, role index on the resource's type)
    assignments: Vec<(usize, usize, usize)>,
    flags_on: Vec<usize>,
    /// Index of the tenant's base plan, if any.
    plan: Option<usize>,
    users: usize,
}

const ENT_NAMES: [&str; 4] = ["alpha", "beta", "gamma", "delta"];

fn role_name(r: usize) -> String {
    format!("r{r}")
}

fn gen_case(c: &mut Choices<'_>) -> Case {
    let n_types = 1 + c.below(4);
    let roles: Vec<usize> = (0..n_types).map(|_| 1 + c.below(5)).collect();
    let mut b = ModelBuilder::new("Random");
    for t in 0..n_types {
        b = b.entity(
            ENT_NAMES[t],
            (0..roles[t]).map(role_name).collect::<Vec<_>>(),
        );
    }
    for t in 0..n_types {
        // implies only from a lower to a higher index: acyclic.
        for _ in 0..c.below(3) {
            let a = c.below(roles[t]);
            let z = c.below(roles[t]);
            if a < z {
                b = b.implies(ENT_NAMES[t], &role_name(a), &role_name(z));
            }
        }
        for _ in 0..c.below(4) {
            let p = c.below(n_types);
            let pr = c.below(roles[p]);
            let r = c.below(roles[t]);
            b = b.inherits(ENT_NAMES[t], ENT_NAMES[p], &role_name(pr), &role_name(r));
        }
    }
    let n_flags = c.below(3);
    let flags: Vec<String> = (0..n_flags).map(|f| format!("f{f}")).collect();
    b = b.flags(flags.clone());
    let n_ents = 1 + c.below(6);
    let mut ent_names = Vec::new();
    for e in 0..n_ents {
        let t = c.below(n_types);
        let mut rs: BTreeSet<usize> = BTreeSet::new();
        for _ in 0..1 + c.below(2) {
            rs.insert(c.below(roles[t]));
        }
        let fs: Vec<String> = flags.iter().filter(|_| c.chance(30)).cloned().collect();
        let name = format!("{}:act{e}", ENT_NAMES[t]);
        b = b.entitlement(
            &name,
            ENT_NAMES[t],
            rs.iter().map(|r| role_name(*r)).collect::<Vec<_>>(),
            fs.iter().map(String::as_str),
        );
        ent_names.push(name);
    }
    let n_plans = c.below(3);
    for p in 0..n_plans {
        let features: Vec<String> = ent_names.iter().filter(|_| c.chance(40)).cloned().collect();
        b = b.base_plan(format!("p{p}"), "main", features);
    }
    if n_plans > 0 && c.chance(50) {
        b = b.default_plan("p0");
    }
    let n_res = 1 + c.below(10);
    let mut resources: Vec<(usize, Vec<usize>)> = Vec::new();
    for i in 0..n_res {
        let t = c.below(n_types);
        let mut parents = Vec::new();
        if i > 0 {
            for _ in 0..c.below(3) {
                let p = c.below(i);
                if !parents.contains(&p) {
                    parents.push(p);
                }
            }
        }
        resources.push((t, parents));
    }
    let users = 1 + c.below(3);
    let mut assignments = Vec::new();
    for _ in 0..c.below(8) {
        let u = c.below(users);
        let x = c.below(n_res);
        let r = c.below(roles[resources[x].0]);
        assignments.push((u, x, r));
    }
    let flags_on = (0..n_flags).filter(|_| c.chance(60)).collect();
    let plan = if n_plans > 0 && c.chance(70) {
        Some(c.below(n_plans))
    } else {
        None
    };
    Case {
        spec: b.into_spec(),
        resources,
        assignments,
        flags_on,
        plan,
        users,
    }
}

/// The reference: facts to a fixpoint, straight from the spec.
fn reference(case: &Case, user: usize, ent: usize, res: usize) -> bool {
    let spec = &case.spec;
    let ty = |t: usize| spec.entities[t].name.text.as_str();
    let type_of = |x: usize| ty(case.resources[x].0);
    // Facts: (resource, role name).
    let mut facts: BTreeSet<(usize, String)> = case
        .assignments
        .iter()
        .filter(|(u, _, _)| *u == user)
        .map(|(_, x, r)| (*x, role_name(*r)))
        .collect();
    loop {
        let mut new = facts.clone();
        for (x, role) in &facts {
            let e = spec
                .entities
                .iter()
                .find(|e| e.name.text == type_of(*x))
                .unwrap();
            for i in &e.implies {
                if &i.from.text == role {
                    new.insert((*x, i.to.text.clone()));
                }
            }
            // Children of x that have an inherits line from x's type and role.
            for (c, (ct, parents)) in case.resources.iter().enumerate() {
                if !parents.contains(x) {
                    continue;
                }
                for line in &spec.entities[*ct].inherits {
                    if line.parent_entity.text == type_of(*x) && &line.parent_role.text == role {
                        new.insert((c, line.role.text.clone()));
                    }
                }
            }
        }
        if new.len() == facts.len() {
            break;
        }
        facts = new;
    }
    let e = &spec.entitlements[ent];
    if e.entity.text != type_of(res) {
        return false;
    }
    if !e
        .roles
        .iter()
        .any(|r| facts.contains(&(res, r.text.clone())))
    {
        return false;
    }
    let flag_on = |f: &str| case.flags_on.iter().any(|i| format!("f{i}") == f);
    if !e.flags.iter().all(|f| flag_on(&f.text)) {
        return false;
    }
    let in_plan = |p: &str| {
        spec.plans
            .iter()
            .find(|x| x.name.text == p)
            .is_some_and(|x| x.features.iter().any(|f| f.text == e.name.text))
    };
    let gated = spec
        .plans
        .iter()
        .any(|p| p.features.iter().any(|f| f.text == e.name.text));
    if gated {
        let active = match (case.plan, &spec.default_plan) {
            (Some(p), _) => Some(format!("p{p}")),
            (None, Some(d)) => Some(d.text.clone()),
            (None, None) => None,
        };
        if !active.is_some_and(|p| in_plan(&p)) {
            return false;
        }
    }
    true
}

fn check_case(raw: &[u32]) -> Result<(usize, usize), TestCaseError> {
    let case = gen_case(&mut Choices { raw, at: 0 });
    let model = DynamicModel::build(&case.spec)
        .map_err(|e| TestCaseError::fail(format!("random model refused: {e:?}")))?;
    let data = access_core::AccessModel::data(&model);
    let store = MemoryStore::new();
    let ids: Vec<String> = (0..case.resources.len()).map(|i| format!("r{i}")).collect();
    let res = |i: usize| {
        Resource::new(
            access_core::EntityTypeId(case.resources[i].0 as u16),
            &ids[i],
        )
    };
    for (i, (_, parents)) in case.resources.iter().enumerate() {
        let ps: Vec<Resource<'_>> = parents.iter().map(|p| res(*p)).collect();
        store
            .ready()
            .add_resource(res(i), &ps)
            .expect("DAG by construction");
    }
    for (u, x, r) in &case.assignments {
        store
            .ready()
            .assign(&format!("u{u}"), res(*x), *r as u16)
            .unwrap();
    }
    for f in &case.flags_on {
        store
            .ready()
            .set_flag("t", FlagId(*f as u16), true)
            .unwrap();
    }
    if let Some(p) = case.plan {
        let idx = data.plan_index(&format!("p{p}")).unwrap();
        store
            .ready()
            .set_base_plan("t", 0, Subscription::new(PlanId(idx), 0))
            .unwrap();
    }
    let (mut n, mut allowed) = (0, 0);
    for u in 0..case.users {
        let ctx = AccessContext::new(&model, &store, Principal::new(format!("u{u}")).tenant("t"))
            .at(1_000);
        // Dynamic mode with the model's own grants reads other tables by the same path.
        let dynamic =
            AccessContext::new(&model, &store, Principal::new(format!("u{u}")).tenant("t"))
                .at(1_000)
                .with_grants(std::sync::Arc::new(access_core::Grants::new(data)));
        // With a request cache `can` takes the async path (each layer a store future); without
        // one, the in-memory store's synchronous reads: both must agree with the reference.
        let cached = ctx.clone().with_cache();
        for e in 0..case.spec.entitlements.len() {
            for x in 0..case.resources.len() {
                let want = reference(&case, u, e, x);
                let id = access_core::EntitlementId(e as u16);
                let got = ctx.ready().can(id, res(x)).unwrap();
                let checked = ctx.ready().check(id, res(x)).unwrap();
                prop_assert_eq!(
                    got,
                    want,
                    "can: user u{} `{}` on r{} (case {:?})",
                    u,
                    case.spec.entitlements[e].name.text,
                    x,
                    raw
                );
                prop_assert_eq!(checked.allowed, want, "check disagrees with the reference");
                prop_assert_eq!(
                    cached.ready().can(id, res(x)).unwrap(),
                    want,
                    "can through the request cache (the async path) disagrees"
                );
                prop_assert_eq!(
                    dynamic.ready().can(id, res(x)).unwrap(),
                    want,
                    "dynamic mode with the model's grants disagrees"
                );
                prop_assert_eq!(checked.allowed, checked.reasons.is_empty());
                n += 1;
                allowed += usize::from(want);
            }
        }
        let pairs: Vec<_> = (0..case.spec.entitlements.len())
            .flat_map(|e| (0..case.resources.len()).map(move |x| (e, x)))
            .take(100)
            .map(|(e, x)| (access_core::EntitlementId(e as u16), res(x)))
            .collect();
        let all = ctx.ready().can_all(&pairs).unwrap();
        for ((e, r), got) in pairs.iter().zip(all) {
            prop_assert_eq!(
                got,
                ctx.ready().can(*e, *r).unwrap(),
                "can_all disagrees with can"
            );
        }
    }
    Ok((n, allowed))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn engine_agrees_with_reference(raw in proptest::collection::vec(any::<u32>(), 0..400)) {
        check_case(&raw)?;
    }
}

/// The generator is not degenerate: over fixed inputs, many requests, both answers common.
#[test]
fn random_cases_exercise_both_answers() {
    let mut x: u32 = 0x9E37_79B9;
    let (mut total, mut allowed) = (0, 0);
    for _ in 0..300 {
        let raw: Vec<u32> = (0..300)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                x
            })
            .collect();
        let (n, a) = check_case(&raw).expect("engine agrees with the reference");
        total += n;
        allowed += a;
    }
    assert!(total > 5_000, "only {total} requests");
    assert!(allowed * 20 > total, "only {allowed} of {total} allowed");
    assert!(allowed * 20 < total * 19, "{allowed} of {total} allowed");
    eprintln!("{total} requests, {allowed} allowed");
}
