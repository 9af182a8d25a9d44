//! Policy lints: models that compile but are probably not what was meant. `define_access!`
//! reports them as warnings at the offending token (or as errors under `lints: { name: deny }`);
//! [`lints`] returns them for run-time models too.

use crate::data::{ModelData, RoleSet};
use crate::spec::ModelSpec;

/// The lints, by name.
///
/// # Examples
/// ```
/// use access_model::LintKind;
/// assert_eq!(LintKind::IdleRole.name(), "idle_role");
/// assert_eq!(LintKind::from_name("idle_role"), Some(LintKind::IdleRole));
/// assert_eq!(LintKind::ALL.len(), 5);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LintKind {
    /// An entitlement no role can obtain (no role grants it, directly or through `implies` or
    /// `inherits`).
    UnobtainableEntitlement,
    /// A role that grants nothing on its entity type and inherits into nothing below it.
    IdleRole,
    /// A plan sells a feature (an entitlement in its `features`) that no role can obtain.
    UnusablePlanFeature,
    /// A limit that can never be reached: its entitlement is never granted.
    UnreachableLimit,
    /// An `inherits` line gives a parent role that grants less on the parent more on the child
    /// than a parent role that grants more: an escalation worth a second look.
    InheritEscalation,
}

impl LintKind {
    /// Every lint.
    pub const ALL: [LintKind; 5] = [
        LintKind::UnobtainableEntitlement,
        LintKind::IdleRole,
        LintKind::UnusablePlanFeature,
        LintKind::UnreachableLimit,
        LintKind::InheritEscalation,
    ];

    /// The name used in `lints: { .. }`.
    ///
    /// # Examples
    /// ```
    /// use access_model::LintKind;
    /// assert_eq!(LintKind::UnobtainableEntitlement.name(), "unobtainable_entitlement");
    /// assert_eq!(LintKind::InheritEscalation.name(), "inherit_escalation");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            LintKind::UnobtainableEntitlement => "unobtainable_entitlement",
            LintKind::IdleRole => "idle_role",
            LintKind::UnusablePlanFeature => "unusable_plan_feature",
            LintKind::UnreachableLimit => "unreachable_limit",
            LintKind::InheritEscalation => "inherit_escalation",
        }
    }

    /// The lint named `name`.
    ///
    /// # Examples
    /// ```
    /// use access_model::LintKind;
    /// for kind in LintKind::ALL {
    ///     assert_eq!(LintKind::from_name(kind.name()), Some(kind));
    /// }
    /// assert_eq!(LintKind::from_name("idle-role"), None);
    /// ```
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }
}

/// One finding.
///
/// # Examples
/// ```
/// use access_model::{LintKind, ModelBuilder, lints};
/// // `member` grants less than `admin` on the workspace, yet more on its projects.
/// let b = ModelBuilder::new("Access")
///     .entity("workspace", ["admin", "member"])
///     .entity("project", ["owner", "viewer"])
///     .inherits("project", "workspace", "member", "owner")
///     .inherits("project", "workspace", "admin", "viewer")
///     .entitlement("workspace:manage", "workspace", ["admin"], [])
///     .entitlement("workspace:read", "workspace", ["admin", "member"], [])
///     .entitlement("project:delete", "project", ["owner"], [])
///     .entitlement("project:read", "project", ["viewer"], []);
/// let found = lints(b.spec(), &b.build().unwrap());
/// assert_eq!(found.len(), 1);
/// assert_eq!(found[0].kind, LintKind::InheritEscalation);
/// assert_eq!(
///     found[0].message,
///     "`workspace:member` grants less on `workspace` than `workspace:admin`, yet through \
///      `inherits` it gets `project:delete` on `project` (`owner`) that `workspace:admin` does not get"
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lint<S> {
    /// Which lint.
    pub kind: LintKind,
    /// The offending token.
    pub span: S,
    /// What is wrong, for people.
    pub message: String,
}

fn names(data: &ModelData, ty: usize, set: RoleSet) -> String {
    set.iter()
        .map(|r| format!("`{}`", data.entities[ty].roles[r]))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Entitlements on type `ty` that `roles` (effective, `implies` folded) grant.
fn granted(data: &ModelData, ty: usize, roles: RoleSet) -> Vec<usize> {
    data.entitlements
        .iter()
        .enumerate()
        .filter(|(_, e)| e.entity as usize == ty && e.granting.intersects(roles))
        .map(|(i, _)| i)
        .collect()
}

/// The lints of a model that compiled (`data` is `compile(spec)`'s result).
///
/// # Examples
/// ```
/// use access_model::{LintKind, ModelBuilder, lints};
/// let b = ModelBuilder::new("Access")
///     .entity("project", ["manager", "viewer"])
///     .entitlement("project:read", "project", ["viewer"], [])
///     .entitlement("project:archive", "project", Vec::<&str>::new(), []);
/// let found = lints(b.spec(), &b.build().unwrap());
/// let kinds: Vec<LintKind> = found.iter().map(|l| l.kind).collect();
/// assert_eq!(kinds, [LintKind::UnobtainableEntitlement, LintKind::IdleRole]);
/// assert_eq!(found[0].message, "no role can obtain `project:archive`: give it a role of `project`");
/// assert!(found[1].message.starts_with("role `manager` of `project` grants nothing"));
/// ```
pub fn lints<S: Copy>(spec: &ModelSpec<S>, data: &ModelData) -> Vec<Lint<S>> {
    let mut out = Vec::new();
    // 1. Entitlements no role obtains.
    let unobtainable: Vec<bool> = data
        .entitlements
        .iter()
        .map(|e| e.granting.is_empty())
        .collect();
    for (i, e) in spec.entitlements.iter().enumerate() {
        if unobtainable.get(i).copied().unwrap_or(false) {
            out.push(Lint {
                kind: LintKind::UnobtainableEntitlement,
                span: e.name.span,
                message: format!(
                    "no role can obtain `{}`: give it a role of `{}`",
                    e.name.text, e.entity.text
                ),
            });
        }
    }
    // 2. Roles that grant nothing and inherit into nothing.
    for (t, (es, ed)) in spec.entities.iter().zip(data.entities.iter()).enumerate() {
        for (r, role) in es.roles.iter().enumerate() {
            let closure = ed.implies.get(r).copied().unwrap_or_default();
            let grants = data
                .entitlements
                .iter()
                .any(|e| e.entity as usize == t && e.granting.intersects(RoleSet::single(r)));
            let carries = data
                .edges
                .iter()
                .filter(|e| e.parent as usize == t)
                .any(|e| e.map.get(r).is_some_and(|c| !c.is_empty()));
            let implied_carries = closure.iter().any(|q| {
                data.edges
                    .iter()
                    .filter(|e| e.parent as usize == t)
                    .any(|e| e.map.get(q).is_some_and(|c| !c.is_empty()))
            });
            if !grants && !carries && !implied_carries {
                out.push(Lint {
                    kind: LintKind::IdleRole,
                    span: role.span,
                    message: format!(
                        "role `{}` of `{}` grants nothing and inherits into nothing: list it in an entitlement or an `inherits` line, or remove it",
                        role.text, es.name.text
                    ),
                });
            }
        }
    }
    // 3 + 4. Plan features and limits on entitlements nobody obtains.
    for p in &spec.plans {
        for f in &p.features {
            if data
                .entitlement_index(&f.text)
                .is_some_and(|i| unobtainable[i as usize])
            {
                out.push(Lint {
                    kind: LintKind::UnusablePlanFeature,
                    span: f.span,
                    message: format!(
                        "plan `{}` includes `{}`, which no role can obtain",
                        p.name.text, f.text
                    ),
                });
            }
        }
        for l in &p.limits {
            if data
                .entitlement_index(&l.entitlement.text)
                .is_some_and(|i| unobtainable[i as usize])
            {
                out.push(Lint {
                    kind: LintKind::UnreachableLimit,
                    span: l.name.span,
                    message: format!(
                        "limit `{}` can never be reached: no role obtains `{}`",
                        l.name.text, l.entitlement.text
                    ),
                });
            }
        }
    }
    // 5. Escalation through inherits: a parent role that grants strictly less on the parent
    // than another one, yet reaches entitlements on the child that the other does not.
    for edge in data.edges.iter() {
        let (pt, ct) = (edge.parent as usize, edge.child as usize);
        let pe = &data.entities[pt];
        let on_parent: Vec<Vec<usize>> = (0..pe.roles.len())
            .map(|q| granted(data, pt, pe.implies[q]))
            .collect();
        let on_child: Vec<Vec<usize>> = (0..pe.roles.len())
            .map(|q| granted(data, ct, edge.map.get(q).copied().unwrap_or_default()))
            .collect();
        for weak in 0..pe.roles.len() {
            for strong in 0..pe.roles.len() {
                let w = &on_parent[weak];
                let s = &on_parent[strong];
                let strictly_less = w.len() < s.len() && w.iter().all(|x| s.contains(x));
                if !strictly_less {
                    continue;
                }
                let extra: Vec<usize> = on_child[weak]
                    .iter()
                    .copied()
                    .filter(|x| !on_child[strong].contains(x))
                    .collect();
                if extra.is_empty() {
                    continue;
                }
                // Point at the written line of the weaker role.
                let child_spec = &spec.entities[ct];
                let line = child_spec.inherits.iter().find(|l| {
                    l.parent_entity.text == *pe.name
                        && data.role_index(edge.parent, &l.parent_role.text) == Some(weak as u16)
                });
                let Some(line) = line else { continue };
                let ents = extra
                    .iter()
                    .map(|i| format!("`{}`", data.entitlements[*i].name))
                    .collect::<Vec<_>>()
                    .join(", ");
                out.push(Lint {
                    kind: LintKind::InheritEscalation,
                    span: line.parent_role.span,
                    message: format!(
                        "`{}:{}` grants less on `{}` than `{}:{}`, yet through `inherits` it gets {} on `{}` ({}) that `{}:{}` does not get",
                        pe.name,
                        pe.roles[weak],
                        pe.name,
                        pe.name,
                        pe.roles[strong],
                        ents,
                        data.entities[ct].name,
                        names(data, ct, edge.map.get(weak).copied().unwrap_or_default()),
                        pe.name,
                        pe.roles[strong]
                    ),
                });
                break;
            }
        }
    }
    out
}
