//! Validation (every rule, every error collected with its location) and table computation.
//!
//! Each rule is one function below, with the rule stated in its comment. Nothing here panics on
//! any input: names are resolved through maps, and the tables are computed only when the model
//! has no error.

use std::collections::HashMap;
use std::fmt;

use crate::data::*;
use crate::spec::*;
use crate::suggest::{backticked, suggest, unknown_message};

mod settings;
mod tables;
use settings::{check_default_permission, check_tenant};
use tables::tables;

/// What kind of mistake a [`ModelError`] reports.
///
/// # Examples
/// ```
/// use access_model::{ErrorKind, ModelBuilder};
/// let err = ModelBuilder::new("Access")
///     .entity("project", ["viewer"])
///     .entity("project", ["owner"])
///     .entitlement("project:read", "task", ["viewer"], [])
///     .build()
///     .unwrap_err();
/// let kinds: Vec<ErrorKind> = err.iter().map(|e| e.kind).collect();
/// assert_eq!(kinds, [ErrorKind::Duplicate, ErrorKind::UnknownEntity]);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// A name that is not a declared entity type.
    UnknownEntity,
    /// A name that is not a role of the entity type it is used with.
    UnknownRole,
    /// A name that is not a declared global role.
    UnknownGlobalRole,
    /// A name that is not a declared flag.
    UnknownFlag,
    /// A name that is not a declared entitlement.
    UnknownEntitlement,
    /// A name that is not a declared plan.
    UnknownPlan,
    /// A group no base plan declares.
    UnknownGroup,
    /// A period other than `hour`, `day`, `month`, `quarter`, `year`.
    UnknownPeriod,
    /// An action of `default_permission` other than `create`, `read`, `list`, `update`, `delete`.
    UnknownAction,
    /// A name declared twice.
    Duplicate,
    /// `implies` lines that lead from a role back to itself.
    ImpliesCycle,
    /// A limit gating an entitlement its plan's `features` lack.
    LimitNotInPlan,
    /// The same limit name gating another entitlement or period in another plan.
    InconsistentLimit,
    /// An add-on with a `group`.
    AddOnWithGroup,
    /// A base plan without a `group`.
    BaseWithoutGroup,
    /// `requires` on a base plan.
    RequiresOnBasePlan,
    /// A plan named where a base plan (of a given group) is needed.
    NotABasePlan,
    /// An entitlement name that is not `resource:action`, each part `[a-z][a-z0-9_]*` (ASCII).
    MalformedEntitlement,
    /// More roles, flags, entities, entitlements or plans than the tables hold.
    TooMany,
    /// A model without any entity type.
    Empty,
}

/// One mistake in a model, at the location of the offending name.
///
/// # Examples
/// ```
/// use access_model::{EntitySpec, ErrorKind, ModelError, ModelSpec, Name, compile};
/// let mut spec = ModelSpec::new(Name::new("Access", 1));
/// spec.flags.push(Name::new("beta", 2));
/// spec.flags.push(Name::new("beta", 3));
/// spec.entities.push(EntitySpec {
///     name: Name::new("project", 4),
///     roles: vec![],
///     implies: vec![],
///     inherits: vec![],
/// });
/// let err: Vec<ModelError<i32>> = compile(&spec).unwrap_err();
/// assert_eq!(err, [ModelError {
///     span: 3,
///     kind: ErrorKind::Duplicate,
///     message: "duplicate flag `beta`".to_owned(),
/// }]);
/// // It displays as its message, and is a `std::error::Error`.
/// let e: Box<dyn std::error::Error> = Box::new(err[0].clone());
/// assert_eq!(e.to_string(), "duplicate flag `beta`");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModelError<S> {
    /// Where.
    pub span: S,
    /// What kind of mistake.
    pub kind: ErrorKind,
    /// The message, rustc style: lowercase, one line, names in backticks.
    pub message: String,
}

impl<S> fmt::Display for ModelError<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl<S: fmt::Debug> std::error::Error for ModelError<S> {}

struct Errors<S> {
    list: Vec<ModelError<S>>,
}

impl<S: Copy> Errors<S> {
    fn push(&mut self, span: S, kind: ErrorKind, message: String) {
        self.list.push(ModelError {
            span,
            kind,
            message,
        });
    }

    /// `unknown <what> `<name>`<context>, did you mean `x`?` or `, expected one of ..`.
    fn unknown<'a>(
        &mut self,
        kind: ErrorKind,
        what: &str,
        name: &Name<S>,
        context: &str,
        valid: impl IntoIterator<Item = &'a str> + Clone,
    ) {
        let msg = unknown_message(what, &name.text, context, valid);
        self.push(name.span, kind, msg);
    }
}

/// Names in declaration order with an index map; repeats reported, first one kept.
struct Names<'s> {
    list: Vec<&'s str>,
    index: HashMap<&'s str, usize>,
}

impl<'s> Names<'s> {
    fn collect<S: Copy + 's>(
        names: impl IntoIterator<Item = &'s Name<S>>,
        what: &str,
        context: &str,
        max: usize,
        errors: &mut Errors<S>,
    ) -> Self {
        let mut list = Vec::new();
        let mut index = HashMap::new();
        for n in names {
            if index.contains_key(n.text.as_str()) {
                // Rule: a name is declared once.
                errors.push(
                    n.span,
                    ErrorKind::Duplicate,
                    format!("duplicate {what} `{}`{context}", n.text),
                );
                continue;
            }
            if list.len() == max {
                // Rule: the tables hold at most `max` of these.
                errors.push(
                    n.span,
                    ErrorKind::TooMany,
                    format!(
                        "too many {}{context}: at most {max} are supported",
                        plural(what)
                    ),
                );
                continue;
            }
            index.insert(n.text.as_str(), list.len());
            list.push(n.text.as_str());
        }
        Self { list, index }
    }
    fn get(&self, name: &str) -> Option<usize> {
        self.index.get(name).copied()
    }
    fn iter(&self) -> impl Iterator<Item = &'s str> + Clone + '_ {
        self.list.iter().copied()
    }
}

fn plural(what: &str) -> String {
    match what.strip_suffix('y') {
        Some(stem) => format!("{stem}ies"),
        None => format!("{what}s"),
    }
}

/// Rule: the `u16`-indexed tables hold at most [`MAX_EDGES`] (parent type, child type) pairs
/// with `inherits` lines and [`MAX_EDGES`] limits.
fn check_table_sizes<S: Copy>(spec: &ModelSpec<S>, specs: &[&EntitySpec<S>], e: &mut Errors<S>) {
    let mut pairs = std::collections::HashSet::new();
    'edges: for x in specs {
        for line in &x.inherits {
            if pairs.insert((line.parent_entity.text.as_str(), x.name.text.as_str()))
                && pairs.len() > MAX_EDGES
            {
                e.push(
                    line.parent_entity.span,
                    ErrorKind::TooMany,
                    format!(
                        "too many pairs of entity types with `inherits` lines: at most {MAX_EDGES} are supported"
                    ),
                );
                break 'edges;
            }
        }
    }
    let mut limits = std::collections::HashSet::new();
    for l in spec.plans.iter().flat_map(|p| p.limits.iter()) {
        if limits.insert(l.name.text.as_str()) && limits.len() > MAX_EDGES {
            e.push(
                l.name.span,
                ErrorKind::TooMany,
                format!("too many limits: at most {MAX_EDGES} are supported"),
            );
            break;
        }
    }
}

/// Rule: an entitlement name is `resource:action`, each part `[a-z][a-z0-9_]*` (ASCII). Returns
/// what is wrong with `name`, or `None`.
///
/// Unlike the other names (Rust identifiers, non-ASCII letters included), entitlement names stay
/// ASCII: they travel as strings (tokens' claims, `access.js`, database rows, 403 bodies), where
/// one non-ASCII name can be spelled two ways (composed and decomposed) that compare unequal.
fn entitlement_problem(name: &str) -> Option<String> {
    let Some((resource, action)) = name.split_once(':') else {
        return Some("it has no `:` between resource and action".to_owned());
    };
    if action.contains(':') {
        return Some("it has more than one `:`".to_owned());
    }
    for (what, part) in [("resource", resource), ("action", action)] {
        let mut chars = part.chars();
        match chars.next() {
            None => return Some(format!("the {what} is empty")),
            Some(c) if !c.is_ascii_lowercase() => {
                return Some(format!(
                    "the {what} `{part}` starts with `{c}`, not a lowercase ASCII letter"
                ));
            }
            Some(_) => {}
        }
        if let Some(c) =
            chars.find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_'))
        {
            return Some(format!(
                "the {what} `{part}` contains `{c}`; after its first letter a part has lowercase ASCII letters, digits and `_`"
            ));
        }
    }
    None
}

/// Validates `spec` and computes its tables. Every error is collected, each at the location of
/// the offending name; the tables are computed only for a model without errors.
///
/// # Errors
/// Every mistake of the model.
///
/// # Examples
/// ```
/// use access_model::{ModelBuilder, compile};
/// let mut spec = ModelBuilder::new("Access")
///     .entity("project", ["viewer"])
///     .entitlement("project:read", "project", ["viewer"], [])
///     .into_spec();
/// let data = compile(&spec).unwrap();
/// assert!(data.entitlements[0].granting.contains(0));
/// // Every error is collected, not only the first.
/// spec.entitlements[0].name.text = "read".into();
/// spec.entitlements[0].roles[0].text = "viewr".into();
/// let messages: Vec<String> = compile(&spec).unwrap_err().into_iter().map(|e| e.message).collect();
/// assert_eq!(messages, [
///     "malformed entitlement name `read`: it has no `:` between resource and action; \
///      expected `resource:action` in lowercase ASCII snake case, like `project:read`",
///     "unknown role `viewr` on `project`, did you mean `viewer`?",
/// ]);
/// ```
pub fn compile<S: Copy>(spec: &ModelSpec<S>) -> Result<ModelData, Vec<ModelError<S>>> {
    let mut e = Errors { list: Vec::new() };
    let max16 = (u16::MAX - 1) as usize;

    // Declarations.
    let globals = Names::collect(&spec.global_roles, "global role", "", MAX_ROLES, &mut e);
    let entities = Names::collect(
        spec.entities.iter().map(|x| &x.name),
        "entity",
        "",
        MAX_ENTITIES,
        &mut e,
    );
    // The spec of each kept entity (the first of duplicates).
    let specs: Vec<&EntitySpec<S>> = entities
        .list
        .iter()
        .filter_map(|n| spec.entities.iter().find(|x| x.name.text == *n))
        .collect();
    let roles: Vec<Names<'_>> = specs
        .iter()
        .map(|x| {
            let ctx = format!(" on `{}`", x.name.text);
            Names::collect(&x.roles, "role", &ctx, MAX_ROLES, &mut e)
        })
        .collect();
    let flags = Names::collect(&spec.flags, "flag", "", MAX_FLAGS, &mut e);
    let entitlements = Names::collect(
        spec.entitlements.iter().map(|x| &x.name),
        "entitlement",
        "",
        max16,
        &mut e,
    );
    let plans = Names::collect(
        spec.plans.iter().map(|x| &x.name),
        "plan",
        "",
        max16,
        &mut e,
    );

    // Rule: a model declares at least one entity.
    if spec.entities.is_empty() {
        e.push(
            spec.name.span,
            ErrorKind::Empty,
            "the model declares no `entity`".to_owned(),
        );
    }
    check_default_role(spec, &globals, &mut e);
    check_implies(&specs, &roles, &mut e);
    check_inherits(&specs, &entities, &roles, &mut e);
    check_table_sizes(spec, &specs, &mut e);
    check_entitlements(spec, &entities, &roles, &flags, &mut e);
    let groups = check_plans(spec, &entitlements, &plans, &mut e);
    check_default_permission(spec, &globals, &mut e);
    check_tenant(spec, &entities, &roles, &mut e);

    if !e.list.is_empty() {
        return Err(e.list);
    }
    Ok(tables(
        spec,
        &specs,
        &roles,
        &globals,
        &entities,
        &flags,
        &entitlements,
        &plans,
        &groups,
    ))
}

/// Rule: `default_role` is a global role.
fn check_default_role<S: Copy>(spec: &ModelSpec<S>, globals: &Names<'_>, e: &mut Errors<S>) {
    if let Some(d) = &spec.default_role
        && globals.get(&d.text).is_none()
    {
        e.unknown(
            ErrorKind::UnknownGlobalRole,
            "global role",
            d,
            "",
            globals.iter(),
        );
    }
}

/// Rules: both sides of an `implies` line are roles of the entity; `implies` has no cycle
/// (`a => a` included). Each cycle is reported once, at the line that closes it.
fn check_implies<S: Copy>(specs: &[&EntitySpec<S>], roles: &[Names<'_>], e: &mut Errors<S>) {
    for (x, rs) in specs.iter().zip(roles) {
        let ctx = format!(" on `{}`", x.name.text);
        let mut edges: Vec<Vec<(usize, S)>> = vec![Vec::new(); rs.list.len()];
        for line in &x.implies {
            let from = rs.get(&line.from.text);
            let to = rs.get(&line.to.text);
            if from.is_none() {
                e.unknown(ErrorKind::UnknownRole, "role", &line.from, &ctx, rs.iter());
            }
            if to.is_none() {
                e.unknown(ErrorKind::UnknownRole, "role", &line.to, &ctx, rs.iter());
            }
            if let (Some(f), Some(t)) = (from, to)
                && !edges[f].iter().any(|(x, _)| *x == t)
            {
                edges[f].push((t, line.from.span));
            }
        }
        // Depth-first search with colours; a back edge closes a cycle.
        let n = rs.list.len();
        let mut colour = vec![0u8; n]; // 0 new, 1 on the path, 2 done
        for root in 0..n {
            if colour[root] != 0 {
                continue;
            }
            let mut path: Vec<(usize, usize)> = vec![(root, 0)];
            colour[root] = 1;
            while let Some(&mut (v, ref mut next)) = path.last_mut() {
                if let Some(&(w, span)) = edges[v].get(*next) {
                    *next += 1;
                    match colour[w] {
                        0 => {
                            colour[w] = 1;
                            path.push((w, 0));
                        }
                        1 => {
                            let at = path.iter().position(|(p, _)| *p == w).unwrap_or(0);
                            let mut names: Vec<String> = path[at..]
                                .iter()
                                .map(|(p, _)| format!("`{}`", rs.list[*p]))
                                .collect();
                            names.push(format!("`{}`", rs.list[w]));
                            e.push(
                                span,
                                ErrorKind::ImpliesCycle,
                                format!(
                                    "cycle in `implies` of `{}`: {}",
                                    x.name.text,
                                    names.join(" => ")
                                ),
                            );
                        }
                        _ => {}
                    }
                } else {
                    colour[v] = 2;
                    path.pop();
                }
            }
        }
    }
}

/// Rules: an `inherits` line names an entity (possibly this one), a role of that entity on the
/// left, and a role of this entity on the right.
fn check_inherits<S: Copy>(
    specs: &[&EntitySpec<S>],
    entities: &Names<'_>,
    roles: &[Names<'_>],
    e: &mut Errors<S>,
) {
    for (x, rs) in specs.iter().zip(roles) {
        let ctx = format!(" on `{}`", x.name.text);
        for line in &x.inherits {
            match entities.get(&line.parent_entity.text) {
                None => e.unknown(
                    ErrorKind::UnknownEntity,
                    "entity",
                    &line.parent_entity,
                    "",
                    entities.iter(),
                ),
                Some(p) => {
                    let prs = &roles[p];
                    if prs.get(&line.parent_role.text).is_none() {
                        let pctx = format!(" on `{}`", line.parent_entity.text);
                        e.unknown(
                            ErrorKind::UnknownRole,
                            "role",
                            &line.parent_role,
                            &pctx,
                            prs.iter(),
                        );
                    }
                }
            }
            if rs.get(&line.role.text).is_none() {
                e.unknown(ErrorKind::UnknownRole, "role", &line.role, &ctx, rs.iter());
            }
        }
    }
}

/// Rules: entitlement names are well formed; an entitlement is checked on a declared entity,
/// granted by roles of *that* entity, and gated by declared flags.
fn check_entitlements<S: Copy>(
    spec: &ModelSpec<S>,
    entities: &Names<'_>,
    roles: &[Names<'_>],
    flags: &Names<'_>,
    e: &mut Errors<S>,
) {
    for x in &spec.entitlements {
        if let Some(problem) = entitlement_problem(&x.name.text) {
            e.push(
                x.name.span,
                ErrorKind::MalformedEntitlement,
                format!(
                    "malformed entitlement name `{}`: {problem}; expected `resource:action` in lowercase ASCII snake case, like `project:read`",
                    x.name.text
                ),
            );
        }
        match entities.get(&x.entity.text) {
            None => e.unknown(
                ErrorKind::UnknownEntity,
                "entity",
                &x.entity,
                "",
                entities.iter(),
            ),
            Some(i) => {
                let ctx = format!(" on `{}`", x.entity.text);
                for r in &x.roles {
                    if roles[i].get(&r.text).is_some() {
                        continue;
                    }
                    // A role of another entity: say where it lives and how it reaches here.
                    let elsewhere: Vec<&str> = entities
                        .iter()
                        .zip(roles)
                        .filter(|(_, rs)| rs.get(&r.text).is_some())
                        .map(|(en, _)| en)
                        .collect();
                    if suggest(&r.text, roles[i].iter()).is_none() && !elsewhere.is_empty() {
                        e.push(
                            r.span,
                            ErrorKind::UnknownRole,
                            format!(
                                "unknown role `{}` on `{}`: `{}` is a role of {}, expected one of {} (a parent's role reaches `{}` through `inherits`)",
                                r.text,
                                x.entity.text,
                                r.text,
                                backticked(elsewhere),
                                backticked(roles[i].iter()),
                                x.entity.text
                            ),
                        );
                    } else {
                        e.unknown(ErrorKind::UnknownRole, "role", r, &ctx, roles[i].iter());
                    }
                }
            }
        }
        for f in &x.flags {
            if flags.get(&f.text).is_none() {
                e.unknown(ErrorKind::UnknownFlag, "flag", f, "", flags.iter());
            }
        }
    }
}

/// Rules for plans: a base plan has a group and no `requires`; an add-on has no group; `requires`
/// names a group of some base plan and base plans of that group; features are declared
/// entitlements; a limit gates a declared entitlement that its plan includes, per a known period;
/// one limit name means one entitlement and one period in every plan; `default_plan` is a base
/// plan. Returns the groups in order of first appearance.
fn check_plans<'s, S: Copy>(
    spec: &'s ModelSpec<S>,
    entitlements: &Names<'_>,
    plans: &Names<'_>,
    e: &mut Errors<S>,
) -> Vec<&'s str> {
    let mut groups: Vec<&'s str> = Vec::new();
    for p in &spec.plans {
        match (&p.add_on, &p.group) {
            (None, None) => e.push(
                p.name.span,
                ErrorKind::BaseWithoutGroup,
                format!(
                    "base plan `{}` needs a `group` (or `add_on` to make it an add-on)",
                    p.name.text
                ),
            ),
            (Some(_), Some(g)) => e.push(
                g.span,
                ErrorKind::AddOnWithGroup,
                format!(
                    "add-on `{}` cannot have a `group`: add-ons stack on the base plan named in `requires`",
                    p.name.text
                ),
            ),
            (None, Some(g)) => {
                if !groups.contains(&g.text.as_str()) {
                    groups.push(g.text.as_str());
                }
            }
            (Some(_), None) => {}
        }
    }
    let base_of = |name: &str| -> Option<(&PlanSpec<S>, Option<&str>)> {
        let p = spec.plans.iter().find(|p| p.name.text == name)?;
        Some((
            p,
            p.group
                .as_ref()
                .map(|g| g.text.as_str())
                .filter(|_| p.add_on.is_none()),
        ))
    };
    // Limit name → (entitlement, period) as first declared.
    let mut limits: HashMap<&str, (&str, &str)> = HashMap::new();
    for p in &spec.plans {
        if let Some(req) = &p.requires {
            if p.add_on.is_none() {
                e.push(
                    req.group.span,
                    ErrorKind::RequiresOnBasePlan,
                    format!(
                        "`requires` is for add-ons: base plan `{}` already belongs to a group",
                        p.name.text
                    ),
                );
            }
            if !groups.contains(&req.group.text.as_str()) {
                e.unknown(
                    ErrorKind::UnknownGroup,
                    "plan group",
                    &req.group,
                    "",
                    groups.iter().copied(),
                );
            }
            for r in &req.plans {
                match base_of(&r.text) {
                    None => e.unknown(ErrorKind::UnknownPlan, "plan", r, "", plans.iter()),
                    // An unknown group was reported above; a group-less base plan, at its
                    // declaration. Neither is reported again here.
                    Some((b, g))
                        if g != Some(req.group.text.as_str())
                            && groups.contains(&req.group.text.as_str())
                            && (b.add_on.is_some() || b.group.is_some()) =>
                    {
                        e.push(
                            r.span,
                            ErrorKind::NotABasePlan,
                            format!(
                                "`{}` is not a base plan of group `{}`",
                                r.text, req.group.text
                            ),
                        );
                    }
                    Some(_) => {}
                }
            }
        }
        let mut seen_features: Vec<&str> = Vec::new();
        for f in &p.features {
            if entitlements.get(&f.text).is_none() {
                e.unknown(
                    ErrorKind::UnknownEntitlement,
                    "entitlement",
                    f,
                    "",
                    entitlements.iter(),
                );
            }
            seen_features.push(&f.text);
        }
        let mut seen_limits: Vec<&str> = Vec::new();
        for l in &p.limits {
            if seen_limits.contains(&l.name.text.as_str()) {
                e.push(
                    l.name.span,
                    ErrorKind::Duplicate,
                    format!(
                        "duplicate limit `{}` in plan `{}`",
                        l.name.text, p.name.text
                    ),
                );
                continue;
            }
            seen_limits.push(&l.name.text);
            if entitlements.get(&l.entitlement.text).is_none() {
                e.unknown(
                    ErrorKind::UnknownEntitlement,
                    "entitlement",
                    &l.entitlement,
                    "",
                    entitlements.iter(),
                );
            } else if !seen_features.contains(&l.entitlement.text.as_str()) {
                e.push(
                    l.entitlement.span,
                    ErrorKind::LimitNotInPlan,
                    format!(
                        "limit `{}` gates `{}`, which plan `{}` does not include in its `features`",
                        l.name.text, l.entitlement.text, p.name.text
                    ),
                );
            }
            if Period::from_name(&l.period.text).is_none() {
                e.unknown(
                    ErrorKind::UnknownPeriod,
                    "period",
                    &l.period,
                    "",
                    Period::NAMES,
                );
            }
            match limits.get(l.name.text.as_str()) {
                None => {
                    limits.insert(&l.name.text, (&l.entitlement.text, &l.period.text));
                }
                Some((ent, per)) => {
                    if *ent != l.entitlement.text {
                        e.push(
                            l.entitlement.span,
                            ErrorKind::InconsistentLimit,
                            format!(
                                "limit `{}` gates `{ent}` in another plan, not `{}`: one limit name is one counter",
                                l.name.text, l.entitlement.text
                            ),
                        );
                    } else if *per != l.period.text
                        && Period::from_name(per).is_some()
                        && Period::from_name(&l.period.text).is_some()
                    {
                        e.push(
                            l.period.span,
                            ErrorKind::InconsistentLimit,
                            format!(
                                "limit `{}` is counted per {per} in another plan, not per {}",
                                l.name.text, l.period.text
                            ),
                        );
                    }
                }
            }
        }
    }
    if let Some(d) = &spec.default_plan {
        match base_of(&d.text) {
            None => e.unknown(ErrorKind::UnknownPlan, "plan", d, "", plans.iter()),
            Some((p, None)) if p.add_on.is_some() => e.push(
                d.span,
                ErrorKind::NotABasePlan,
                format!(
                    "`{}` is an add-on; `default_plan` must be a base plan",
                    d.text
                ),
            ),
            Some(_) => {}
        }
    }
    groups
}

#[cfg(test)]
mod tests;
