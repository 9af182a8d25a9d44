//! Policy lints: models that compile but are probably not what was meant. `define_access!`
//! reports them as warnings at the offending token (or as errors under `lints: { name: deny }`);
//! [`lints`] returns them for run-time models too.

use crate::data::{EdgeData, EntityData, ModelData, RoleSet};
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
    /// On one `inherits` edge (parent type → child type), a parent role `low` below a parent
    /// role `high` in `implies` (`high => .. => low`), both with `inherits` lines of their own
    /// into the child, where the child roles `high`'s own lines give are a strict subset of
    /// those `low`'s own lines give (child roles compared with the child's `implies` folded in).
    ///
    /// Why this and not more: `implies` carries `inherits` lines, so `high` always ends up with
    /// everything `low` gets; what the lint finds is the written line of `high` giving less than
    /// the line of a role below it, the mark of two swapped lines (`owner => viewer`,
    /// `member => manager`), where `low` gets more than was meant. Roles not ordered by
    /// `implies` are never compared, even when one grants a subset of the other's entitlements:
    /// a billing role that reads no code is a design, not an escalation. Nor is a role `high`
    /// without a line of its own into the child (it gets what `low` gets, the usual way to
    /// write it), or one whose lines give other child roles than `low`'s (an addition).
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
/// // `admin` is above `member`, yet `member`'s line gives more on projects: swapped lines.
/// let b = ModelBuilder::new("Access")
///     .entity("workspace", ["admin", "member"])
///     .implies("workspace", "admin", "member")
///     .entity("project", ["owner", "viewer"])
///     .implies("project", "owner", "viewer")
///     .inherits("project", "workspace", "member", "owner")
///     .inherits("project", "workspace", "admin", "viewer")
///     .entitlement("workspace:manage", "workspace", ["admin"], [])
///     .entitlement("workspace:read", "workspace", ["member"], [])
///     .entitlement("project:delete", "project", ["owner"], [])
///     .entitlement("project:read", "project", ["viewer"], []);
/// let found = lints(b.spec(), &b.build().unwrap());
/// assert_eq!(found.len(), 1);
/// assert_eq!(found[0].kind, LintKind::InheritEscalation);
/// assert!(found[0].message.starts_with("`workspace:member` is below `workspace:admin` in `implies`"));
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

/// The child roles that the written `inherits` lines of parent role `q` give on `edge` (not the
/// lines of the roles `q` implies), with the child's `implies` folded in.
fn own_lines(child: &EntityData, edge: &EdgeData, q: usize) -> Option<RoleSet> {
    edge.lines
        .iter()
        .filter(|(p, _)| *p as usize == q)
        .map(|(_, c)| child.implies.get(*c as usize).copied().unwrap_or_default())
        .reduce(RoleSet::union)
}

/// Lint 5 on one edge: a parent role `weak` below `strong` in `implies` whose own lines give a
/// strict superset of what `strong`'s own lines give. One finding per `weak`.
fn escalations<S: Copy>(
    spec: &ModelSpec<S>,
    data: &ModelData,
    edge: &EdgeData,
    out: &mut Vec<Lint<S>>,
) {
    let (pt, ct) = (edge.parent as usize, edge.child as usize);
    let (Some(pe), Some(ce), Some(child_spec)) = (
        data.entities.get(pt),
        data.entities.get(ct),
        spec.entities.get(ct),
    ) else {
        return;
    };
    let own: Vec<Option<RoleSet>> = (0..pe.roles.len())
        .map(|q| own_lines(ce, edge, q))
        .collect();
    for weak in 0..pe.roles.len() {
        let Some(w) = own[weak] else { continue };
        let above = (0..pe.roles.len()).filter(|&strong| {
            strong != weak && pe.implies.get(strong).is_some_and(|i| i.contains(weak))
        });
        for strong in above {
            let Some(s) = own[strong] else { continue };
            if s == w || s.union(w) != w {
                continue; // not a strict subset: equal, more, or unrelated child roles
            }
            // Point at a line of `weak` giving a child role that `strong`'s lines do not.
            let line = child_spec.inherits.iter().find(|l| {
                l.parent_entity.text == *pe.name
                    && data.role_index(edge.parent, &l.parent_role.text) == Some(weak as u16)
                    && data
                        .role_index(edge.child, &l.role.text)
                        .is_some_and(|c| !s.contains(c as usize))
            });
            let Some(line) = line else { continue };
            out.push(Lint {
                kind: LintKind::InheritEscalation,
                span: line.parent_role.span,
                message: format!(
                    "`{p}:{low}` is below `{p}:{high}` in `implies`, yet its `inherits` line gives it more on `{c}` ({low_gets}) than the own lines of `{p}:{high}` give ({high_gets}): were the lines swapped?",
                    p = pe.name,
                    low = pe.roles[weak],
                    high = pe.roles[strong],
                    c = ce.name,
                    low_gets = names(data, ct, w),
                    high_gets = names(data, ct, s),
                ),
            });
            break;
        }
    }
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
    // 5. Escalation through inherits, along `implies` only (see `LintKind::InheritEscalation`).
    for edge in data.edges.iter() {
        escalations(spec, data, edge, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{LintKind, lints};
    use crate::builder::ModelBuilder;

    fn escalations(b: &ModelBuilder) -> Vec<String> {
        let data = b.build().unwrap();
        lints(b.spec(), &data)
            .into_iter()
            .filter(|l| l.kind == LintKind::InheritEscalation)
            .map(|l| l.message)
            .collect()
    }

    /// organization owner/billing/member → repository → issue. `billing` grants a superset of
    /// `member`'s entitlements on the organization but reads no code: unrelated roles, no lint.
    fn code_hosting() -> ModelBuilder {
        ModelBuilder::new("Hub")
            .entity("organization", ["owner", "billing", "member"])
            .implies("organization", "owner", "billing")
            .implies("organization", "owner", "member")
            .entity("repository", ["admin", "writer", "reader"])
            .implies("repository", "admin", "writer")
            .implies("repository", "writer", "reader")
            .inherits("repository", "organization", "owner", "admin")
            .inherits("repository", "organization", "member", "reader")
            .entity("issue", ["author", "viewer"])
            .implies("issue", "author", "viewer")
            .inherits("issue", "repository", "writer", "author")
            .inherits("issue", "repository", "reader", "viewer")
            .entitlement("organization:manage", "organization", ["owner"], [])
            .entitlement("organization:billing", "organization", ["billing"], [])
            .entitlement(
                "organization:read",
                "organization",
                ["member", "billing"],
                [],
            )
            .entitlement("repository:push", "repository", ["writer"], [])
            .entitlement("repository:read", "repository", ["reader"], [])
            .entitlement("issue:edit", "issue", ["author"], [])
            .entitlement("issue:read", "issue", ["viewer"], [])
    }

    #[test]
    fn unrelated_roles_are_not_compared() {
        assert_eq!(escalations(&code_hosting()), Vec::<String>::new());
        assert!(lints(code_hosting().spec(), &code_hosting().build().unwrap()).is_empty());
    }

    #[test]
    fn swapped_lines_along_implies_are_found() {
        let b = code_hosting()
            .entity("wiki", ["editor", "reader"])
            .implies("wiki", "editor", "reader")
            .inherits("wiki", "organization", "owner", "reader")
            .inherits("wiki", "organization", "member", "editor")
            .entitlement("wiki:edit", "wiki", ["editor"], [])
            .entitlement("wiki:read", "wiki", ["reader"], []);
        assert_eq!(
            escalations(&b),
            [
                "`organization:member` is below `organization:owner` in `implies`, yet its \
              `inherits` line gives it more on `wiki` (`editor`, `reader`) than the own lines of \
              `organization:owner` give (`reader`): were the lines swapped?"
            ]
        );
    }

    #[test]
    fn a_higher_role_without_a_line_or_with_another_role_is_fine() {
        // `owner` has no line into `wiki`: it gets what `member` gets.
        let no_line = code_hosting()
            .entity("wiki", ["editor", "reader"])
            .inherits("wiki", "organization", "member", "editor")
            .entitlement("wiki:edit", "wiki", ["editor"], [])
            .entitlement("wiki:read", "wiki", ["reader", "editor"], []);
        assert_eq!(escalations(&no_line), Vec::<String>::new());
        // `owner`'s line adds an unrelated role to what it gets through `member`.
        let addition = code_hosting()
            .entity("wiki", ["moderator", "reader"])
            .inherits("wiki", "organization", "member", "reader")
            .inherits("wiki", "organization", "owner", "moderator")
            .entitlement("wiki:moderate", "wiki", ["moderator"], [])
            .entitlement("wiki:read", "wiki", ["reader"], []);
        assert_eq!(escalations(&addition), Vec::<String>::new());
    }
}
