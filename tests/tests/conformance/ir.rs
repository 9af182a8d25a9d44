//! The common form both corpora are read into, and its translation to the run-time model
//! builder, the in-memory store and `can`.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use access_core::model_builder::ModelBuilder;
use access_core::{AccessContext, DynamicModel, MemoryStore, Principal, Resource};

/// A type restriction of a relation: `[user]`, `[user:*]`, `[group#member]`, `[user with c]`.
#[derive(Clone, Debug)]
pub struct Direct {
    pub ty: String,
    /// `[user:*]`: only the wildcard subject of that type.
    pub wildcard: bool,
}

/// One operand of a union.
#[derive(Clone, Debug)]
pub enum Term {
    /// Another relation of the same type (`define viewer: editor`, `permission view = edit`).
    Computed(String),
    /// `relation from tupleset` / `tupleset->relation`.
    FromParent { tupleset: String, relation: String },
}

#[derive(Clone, Debug)]
pub struct Rel {
    pub name: String,
    pub direct: Vec<Direct>,
    pub terms: Vec<Term>,
    /// Why the definition is outside the fitting subset (intersection, exclusion, ..).
    pub unsupported: Option<&'static str>,
}

#[derive(Clone, Debug)]
pub struct TypeDef {
    pub name: String,
    pub relations: Vec<Rel>,
}

#[derive(Clone, Debug, Default)]
pub struct Schema {
    pub types: Vec<TypeDef>,
}

/// A subject: `user:anne`, `group:eng#member` (a userset), `user:*` (a wildcard).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Subject {
    pub ty: String,
    pub id: String,
    pub relation: Option<String>,
}

impl Subject {
    /// `type:id` or `type:id#relation`.
    pub fn parse(s: &str) -> Option<Self> {
        let (obj, relation) = match s.split_once('#') {
            Some((o, r)) if r != "..." => (o, Some(r.to_owned())),
            Some((o, _)) => (o, None),
            None => (s, None),
        };
        let (ty, id) = obj.split_once(':')?;
        Some(Self {
            ty: ty.trim().to_owned(),
            id: id.trim().to_owned(),
            relation,
        })
    }
    pub fn key(&self) -> String {
        format!("{}:{}", self.ty, self.id)
    }
    /// What keeps this subject out of the fitting subset.
    pub fn unsupported(&self) -> Option<&'static str> {
        if self.id == "*" {
            Some("wildcards")
        } else if self.relation.is_some() {
            Some("userset subjects")
        } else {
            None
        }
    }
}

/// `object#relation@subject`, possibly conditional (caveat, condition, expiration).
#[derive(Clone, Debug)]
pub struct Tuple {
    pub object: Subject,
    pub relation: String,
    pub subject: Subject,
    pub unsupported: Option<&'static str>,
}

/// One upstream expectation.
#[derive(Clone, Debug)]
pub struct Assertion {
    pub object: Subject,
    pub relation: String,
    pub user: Subject,
    pub expected: bool,
    /// Where it comes from: `check`, `list_objects` or `list_users` (closed-world).
    pub origin: &'static str,
    /// Why it cannot run whatever the model (contextual tuples, request context, an error
    /// expected, ..).
    pub unsupported: Option<&'static str>,
}

/// One model with its tuples and assertions.
#[derive(Clone, Debug)]
pub struct Case {
    pub name: String,
    pub schema: Result<Schema, &'static str>,
    pub tuples: Vec<Tuple>,
    pub assertions: Vec<Assertion>,
}

/// Closed-world expectations from a list-objects assertion: every object of `ty` the tuples
/// mention is listed (true) or not (false).
pub fn list_objects(
    tuples: &[Tuple],
    user: &Subject,
    ty: &str,
    relation: &str,
    listed: &[String],
    unsupported: Option<&'static str>,
) -> Vec<Assertion> {
    let known: BTreeSet<String> = tuples
        .iter()
        .flat_map(|t| [&t.object, &t.subject])
        .filter(|s| s.ty == ty && s.id != "*")
        .map(|s| s.id.clone())
        .collect();
    let listed_ids: BTreeSet<String> = listed
        .iter()
        .filter_map(|o| Subject::parse(o))
        .map(|s| s.id)
        .collect();
    known
        .union(&listed_ids)
        .map(|id| Assertion {
            object: Subject {
                ty: ty.to_owned(),
                id: id.clone(),
                relation: None,
            },
            relation: relation.to_owned(),
            user: user.clone(),
            expected: listed_ids.contains(id),
            origin: "list_objects",
            unsupported,
        })
        .collect()
}

/// Closed-world expectations from a list-users assertion (plain user filters only).
pub fn list_users(
    tuples: &[Tuple],
    object: &Subject,
    relation: &str,
    filter_ty: &str,
    listed: &[String],
    unsupported: Option<&'static str>,
) -> Vec<Assertion> {
    let listed: Vec<Subject> = listed.iter().filter_map(|u| Subject::parse(u)).collect();
    // A wildcard or a userset in the answer is not a closed list of plain users.
    let unsupported = unsupported.or_else(|| listed.iter().find_map(Subject::unsupported));
    let mut known: BTreeSet<Subject> = tuples
        .iter()
        .flat_map(|t| [&t.object, &t.subject])
        .filter(|s| s.ty == filter_ty && s.unsupported().is_none())
        .cloned()
        .collect();
    known.extend(listed.iter().filter(|s| s.unsupported().is_none()).cloned());
    known
        .into_iter()
        .map(|u| Assertion {
            object: object.clone(),
            relation: relation.to_owned(),
            expected: listed.contains(&u),
            user: u,
            origin: "list_users",
            unsupported,
        })
        .collect()
}

/// Entity, role and entitlement names must be lowercase snake case: `exm/doc` → `exm_doc`.
fn ident(s: &str) -> String {
    let mut out: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    if !out.starts_with(|c: char| c.is_ascii_lowercase()) {
        out.insert(0, 'x');
    }
    out
}

/// Per-assertion outcome.
#[derive(Debug)]
pub enum Outcome {
    Passed,
    Failed(String),
    Skipped(&'static str),
}

/// The translated model of one case, or why it has none.
struct Translation {
    model: DynamicModel,
    store: MemoryStore,
    /// Per (type, relation): why assertions reaching it are skipped.
    taint: HashMap<(String, String), &'static str>,
    /// (type, relation) that are parent links.
    links: BTreeSet<(String, String)>,
    /// Entitlement checked for (type, relation).
    entitlements: HashMap<(String, String), String>,
}

fn rel<'a>(schema: &'a Schema, ty: &str, name: &str) -> Option<&'a Rel> {
    schema
        .types
        .iter()
        .find(|t| t.name == ty)?
        .relations
        .iter()
        .find(|r| r.name == name)
}

/// Parent types of a parent-link relation: its plain type restrictions.
fn parent_types(r: &Rel) -> Vec<&str> {
    let mut v: Vec<&str> = r
        .direct
        .iter()
        .filter(|d| !d.wildcard)
        .map(|d| d.ty.as_str())
        .collect();
    v.dedup();
    v
}

fn translate(schema: &Schema, tuples: &[Tuple]) -> Result<Translation, &'static str> {
    // Parent links: the tuplesets of `X from R`.
    let mut links: BTreeSet<(String, String)> = BTreeSet::new();
    for t in &schema.types {
        for r in &t.relations {
            for term in &r.terms {
                if let Term::FromParent { tupleset, .. } = term {
                    links.insert((t.name.clone(), tupleset.clone()));
                }
            }
        }
    }
    let mut taint: HashMap<(String, String), &'static str> = HashMap::new();
    for t in &schema.types {
        // Two parent links of one type reaching the same parent type would merge in the
        // per-edge tables: keep them out.
        let mut seen: HashMap<&str, &str> = HashMap::new();
        for r in &t.relations {
            if let Some(why) = r.unsupported {
                taint.insert((t.name.clone(), r.name.clone()), why);
            }
            if links.contains(&(t.name.clone(), r.name.clone())) {
                for p in parent_types(r) {
                    if let Some(other) = seen.insert(p, &r.name)
                        && other != r.name
                    {
                        for n in [other, r.name.as_str()] {
                            taint.insert(
                                (t.name.clone(), n.to_owned()),
                                "two parent relations to one type",
                            );
                        }
                    }
                }
            }
            for term in &r.terms {
                match term {
                    Term::Computed(c) => {
                        if links.contains(&(t.name.clone(), c.clone())) {
                            taint.insert(
                                (t.name.clone(), r.name.clone()),
                                "a parent relation used as a role",
                            );
                        } else if rel(schema, &t.name, c).is_none() {
                            taint.insert((t.name.clone(), r.name.clone()), "undefined relation");
                        }
                    }
                    Term::FromParent { tupleset, .. } => {
                        if rel(schema, &t.name, tupleset).is_none() {
                            taint.insert((t.name.clone(), r.name.clone()), "undefined relation");
                        }
                    }
                }
            }
        }
    }
    for tu in tuples {
        let why = tu.unsupported.or_else(|| tu.subject.unsupported());
        if let Some(why) = why {
            taint
                .entry((tu.object.ty.clone(), tu.relation.clone()))
                .or_insert(why);
        }
    }

    // Roles: every relation that is not a parent link. A pure permission that nothing else
    // refers to and that only unions same-type roles becomes an entitlement of its own.
    let referenced: BTreeSet<(String, String)> = schema
        .types
        .iter()
        .flat_map(|t| {
            t.relations.iter().flat_map(move |r| {
                r.terms.iter().flat_map(move |term| match term {
                    Term::Computed(c) => vec![(t.name.clone(), c.clone())],
                    Term::FromParent { tupleset, relation } => rel(schema, &t.name, tupleset)
                        .map(|ts| {
                            parent_types(ts)
                                .into_iter()
                                .map(|p| (p.to_owned(), relation.clone()))
                                .collect()
                        })
                        .unwrap_or_default(),
                })
            })
        })
        .collect();
    let pure = |t: &TypeDef, r: &Rel| {
        r.direct.is_empty()
            && r.unsupported.is_none()
            && !r.terms.is_empty()
            && r.terms.iter().all(|x| matches!(x, Term::Computed(_)))
            && !referenced.contains(&(t.name.clone(), r.name.clone()))
    };
    let mut b = ModelBuilder::new("Conformance");
    let mut roles: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for t in &schema.types {
        let rs: Vec<String> = t
            .relations
            .iter()
            .filter(|r| !links.contains(&(t.name.clone(), r.name.clone())) && !pure(t, r))
            .map(|r| r.name.clone())
            .collect();
        b = b.entity(ident(&t.name), rs.iter().map(|r| ident(r)));
        roles.insert(t.name.clone(), rs);
    }
    let is_role = |ty: &str, r: &str| roles.get(ty).is_some_and(|rs| rs.iter().any(|x| x == r));
    let mut entitlements = HashMap::new();
    for t in &schema.types {
        for r in &t.relations {
            if links.contains(&(t.name.clone(), r.name.clone())) || r.unsupported.is_some() {
                continue;
            }
            let name = format!("{}:{}", ident(&t.name), ident(&r.name));
            if pure(t, r) {
                let granting: Vec<String> = r
                    .terms
                    .iter()
                    .filter_map(|x| match x {
                        Term::Computed(c) if is_role(&t.name, c) => Some(ident(c)),
                        _ => None,
                    })
                    .collect();
                b = b.entitlement(&name, ident(&t.name), granting, []);
            } else {
                b = b.entitlement(&name, ident(&t.name), [ident(&r.name)], []);
                for term in &r.terms {
                    match term {
                        Term::Computed(c) if is_role(&t.name, c) => {
                            b = b.implies(&ident(&t.name), &ident(c), &ident(&r.name));
                        }
                        Term::Computed(_) => {}
                        Term::FromParent { tupleset, relation } => {
                            let Some(ts) = rel(schema, &t.name, tupleset) else {
                                continue;
                            };
                            for p in parent_types(ts) {
                                if is_role(p, relation) {
                                    b = b.inherits(
                                        &ident(&t.name),
                                        &ident(p),
                                        &ident(relation),
                                        &ident(&r.name),
                                    );
                                }
                            }
                        }
                    }
                }
            }
            entitlements.insert((t.name.clone(), r.name.clone()), name);
        }
    }
    let model =
        DynamicModel::build(b.spec()).map_err(|errors| match errors.first().map(|e| e.kind) {
            Some(access_core::model_builder::ErrorKind::ImpliesCycle) => {
                "a cycle of computed relations"
            }
            Some(access_core::model_builder::ErrorKind::TooMany) => "more than 64 roles on a type",
            _ => "model not expressible",
        })?;

    // Resources, parents and assignments.
    let store = MemoryStore::new();
    let ty_of = |name: &str| model.entity_type(&ident(name));
    let mut parents: BTreeMap<Subject, Vec<Subject>> = BTreeMap::new();
    let mut resources: BTreeSet<Subject> = BTreeSet::new();
    let mut assignments = Vec::new();
    for tu in tuples {
        let key = (tu.object.ty.clone(), tu.relation.clone());
        if taint.contains_key(&key) || ty_of(&tu.object.ty).is_none() {
            continue;
        }
        // Tuples written under an earlier model whose subject type the relation no longer
        // admits are ignored, as OpenFGA and SpiceDB do.
        let admitted = rel(schema, &tu.object.ty, &tu.relation).is_some_and(|r| {
            r.direct
                .iter()
                .any(|d| !d.wildcard && d.ty == tu.subject.ty)
        });
        if !admitted {
            continue;
        }
        resources.insert(tu.object.clone());
        if links.contains(&key) {
            if ty_of(&tu.subject.ty).is_none() {
                continue;
            }
            resources.insert(tu.subject.clone());
            parents
                .entry(tu.object.clone())
                .or_default()
                .push(tu.subject.clone());
        } else if is_role(&tu.object.ty, &tu.relation) {
            assignments.push((tu.subject.key(), tu.object.clone(), tu.relation.clone()));
        }
    }
    fn res<'s>(model: &DynamicModel, s: &'s Subject) -> Option<Resource<'s>> {
        model
            .entity_type(&ident(&s.ty))
            .map(|t| Resource::new(t, &s.id))
    }
    let res = |s| res(&model, s);
    let st = store.ready();
    for r in &resources {
        if let Some(x) = res(r) {
            st.add_resource(x, &[])
                .map_err(|_| "store refused a resource")?;
        }
    }
    for (child, ps) in &parents {
        let ps: Vec<Resource<'_>> = ps.iter().filter_map(res).collect();
        if let Some(c) = res(child) {
            st.set_parents(c, &ps)
                .map_err(|_| "a cycle among resources")?;
        }
    }
    for (user, object, relation) in &assignments {
        let (Some(x), Some(t)) = (res(object), ty_of(&object.ty)) else {
            continue;
        };
        let role = access_core::AccessModel::data(&model)
            .role_index(t.0, &ident(relation))
            .ok_or("role missing")?;
        st.assign(user, x, role)
            .map_err(|_| "store refused an assignment")?;
    }
    Ok(Translation {
        model,
        store,
        taint,
        links,
        entitlements,
    })
}

/// Why an assertion on (ty, relation) cannot run: the first taint among everything it depends
/// on (same-type relations, tuplesets, and the parent types' relations they reach).
fn blocked(schema: &Schema, tr: &Translation, ty: &str, relation: &str) -> Option<&'static str> {
    let mut stack = vec![(ty.to_owned(), relation.to_owned())];
    let mut seen = BTreeSet::new();
    while let Some(k) = stack.pop() {
        if !seen.insert(k.clone()) {
            continue;
        }
        if let Some(why) = tr.taint.get(&k) {
            return Some(why);
        }
        let Some(r) = rel(schema, &k.0, &k.1) else {
            continue;
        };
        for term in &r.terms {
            match term {
                Term::Computed(c) => stack.push((k.0.clone(), c.clone())),
                Term::FromParent { tupleset, relation } => {
                    stack.push((k.0.clone(), tupleset.clone()));
                    if let Some(ts) = rel(schema, &k.0, tupleset) {
                        for p in parent_types(ts) {
                            stack.push((p.to_owned(), relation.clone()));
                        }
                    }
                }
            }
        }
    }
    None
}

/// Runs every assertion of a case.
pub fn run(case: &Case) -> Vec<(Outcome, &Assertion)> {
    let schema = match &case.schema {
        Ok(s) => s,
        Err(why) => {
            return case
                .assertions
                .iter()
                .map(|a| (Outcome::Skipped(why), a))
                .collect();
        }
    };
    let tr = translate(schema, &case.tuples);
    case.assertions
        .iter()
        .map(|a| {
            let outcome = (|| {
                if let Some(why) = a.unsupported.or_else(|| a.user.unsupported()) {
                    return Outcome::Skipped(why);
                }
                let tr = match &tr {
                    Ok(tr) => tr,
                    Err(why) => return Outcome::Skipped(why),
                };
                if rel(schema, &a.object.ty, &a.relation).is_none() {
                    return Outcome::Skipped("undefined relation");
                }
                if tr
                    .links
                    .contains(&(a.object.ty.clone(), a.relation.clone()))
                {
                    return Outcome::Skipped("checks a parent relation");
                }
                if let Some(why) = blocked(schema, tr, &a.object.ty, &a.relation) {
                    return Outcome::Skipped(why);
                }
                let Some(name) = tr
                    .entitlements
                    .get(&(a.object.ty.clone(), a.relation.clone()))
                else {
                    return Outcome::Skipped("undefined relation");
                };
                let (Some(e), Some(t)) = (
                    tr.model.entitlement(name),
                    tr.model.entity_type(&ident(&a.object.ty)),
                ) else {
                    return Outcome::Failed(format!("translation lost `{name}`"));
                };
                let ctx = AccessContext::new(&tr.model, &tr.store, Principal::new(a.user.key()));
                let got = ctx
                    .ready()
                    .can(e, Resource::new(t, &a.object.id))
                    .expect("in-memory store");
                if got == a.expected {
                    Outcome::Passed
                } else {
                    Outcome::Failed(format!(
                        "{}: {}#{}@{} expected {}, got {got} ({})",
                        case.name,
                        a.object.key(),
                        a.relation,
                        a.user.key(),
                        a.expected,
                        a.origin
                    ))
                }
            })();
            (outcome, a)
        })
        .collect()
}
