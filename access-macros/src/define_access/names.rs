//! What the generated items are named after: each declared name with its identifier and doc
//! line, read from the compiled tables ([`Names::from_data`]) or, when the model has errors,
//! from whatever did parse ([`Names::from_spec`]). A name that no identifier can carry, or a
//! second name for the same identifier, is left out: `validate` has reported it, and leaving it
//! out keeps the generated code free of errors of its own.

use access_model::{ModelData, ModelSpec, Name};
use proc_macro2::{Ident, Span};

use super::ident::{camel, ident, variant};

/// A variant: its identifier, the name as declared, its doc line and its index in the model's
/// tables.
pub(crate) struct Variant {
    pub ident: Ident,
    pub name: String,
    pub doc: String,
    pub index: u16,
}

/// The roles of one entity type: `ProjectRole`.
pub(crate) struct RoleEnum {
    pub ident: Ident,
    pub entity: String,
    pub roles: Vec<Variant>,
}

/// Every name the generated items carry.
pub(crate) struct Names {
    /// The model's name as declared (`Access`, `r#Access` read as `Access`).
    pub model: String,
    pub entitlements: Vec<Variant>,
    pub entity_types: Vec<Variant>,
    pub global_roles: Vec<Variant>,
    pub plans: Vec<Variant>,
    pub flags: Vec<Variant>,
    pub limits: Vec<Variant>,
    pub entity_roles: Vec<RoleEnum>,
    /// Global roles as associated constants (`Access::admin`, `Access::r#type`), with indices.
    pub role_consts: Vec<(Ident, u16, String)>,
    /// Entitlement names by index (`Access::__ENTITLEMENTS`).
    pub entitlement_names: Vec<String>,
    /// Entity type names by index (`Access::__ENTITY_TYPES`).
    pub entity_names: Vec<String>,
}

/// Variants for `(name, doc)` in order, indexed by position; names without an identifier, or
/// whose identifier is taken, are left out.
fn variants<'a>(items: impl IntoIterator<Item = (&'a str, String)>) -> Vec<Variant> {
    let mut out: Vec<Variant> = Vec::new();
    for (i, (name, doc)) in items.into_iter().enumerate() {
        let Ok(index) = u16::try_from(i) else { break };
        let Some(ident) = variant(name) else { continue };
        if out.iter().any(|v| v.ident == ident) {
            continue;
        }
        let name = name.to_owned();
        out.push(Variant {
            ident,
            name,
            doc,
            index,
        });
    }
    out
}

/// The enum of an entity type's roles, if `<Entity>Role` is an identifier.
fn role_enum<'a>(entity: &str, roles: impl IntoIterator<Item = &'a str>) -> Option<RoleEnum> {
    Some(RoleEnum {
        ident: ident(&format!("{}Role", camel(entity)))?,
        entity: entity.to_owned(),
        roles: variants(
            roles
                .into_iter()
                .map(|r| (r, format!("Role `{r}` on `{entity}`."))),
        ),
    })
}

/// Global roles as constants, by index; names without an identifier are left out.
fn role_consts<'a>(roles: impl IntoIterator<Item = &'a str>) -> Vec<(Ident, u16, String)> {
    let mut out = Vec::new();
    for (i, r) in roles.into_iter().enumerate() {
        let Ok(index) = u16::try_from(i) else { break };
        if let Some(id) = ident(r) {
            out.push((id, index, r.to_owned()));
        }
    }
    out
}

/// The texts of `names`, each once, in order of first appearance.
fn unique<'a, S: 'a>(names: impl IntoIterator<Item = &'a Name<S>>) -> Vec<&'a Name<S>> {
    let mut out: Vec<&Name<S>> = Vec::new();
    for n in names {
        if !out.iter().any(|o| o.text == n.text) {
            out.push(n);
        }
    }
    out
}

fn plan_doc(add_on: bool, name: &str) -> String {
    let kind = if add_on { "Add-on" } else { "Base plan" };
    format!("{kind} `{name}`.")
}

impl Names {
    /// The names of a model that compiled.
    pub(crate) fn from_data(model: &str, d: &ModelData) -> Self {
        let entity_of = |i: u16| d.entities.get(usize::from(i)).map_or("", |e| &*e.name);
        let entitlement_of = |i: u16| d.entitlements.get(usize::from(i)).map_or("", |e| &*e.name);
        Self {
            model: model.to_owned(),
            entitlements: variants(d.entitlements.iter().map(|e| {
                (
                    &*e.name,
                    format!("`{}` on `{}`.", e.name, entity_of(e.entity)),
                )
            })),
            entity_types: variants(
                d.entities
                    .iter()
                    .map(|e| (&*e.name, format!("Entity type `{}`.", e.name))),
            ),
            global_roles: variants(
                d.global_roles
                    .iter()
                    .map(|r| (&**r, format!("Global role `{r}`."))),
            ),
            plans: variants(
                d.plans
                    .iter()
                    .map(|x| (&*x.name, plan_doc(x.add_on, &x.name))),
            ),
            flags: variants(d.flags.iter().map(|f| (&**f, format!("Flag `{f}`.")))),
            limits: variants(d.limits.iter().map(|l| {
                (
                    &*l.name,
                    format!(
                        "Limit `{}` on `{}`, per {}.",
                        l.name,
                        entitlement_of(l.entitlement),
                        l.period.as_str()
                    ),
                )
            })),
            entity_roles: d
                .entities
                .iter()
                .filter_map(|e| role_enum(&e.name, e.roles.iter().map(|r| &**r)))
                .collect(),
            role_consts: role_consts(d.global_roles.iter().map(|r| &**r)),
            entitlement_names: d.entitlements.iter().map(|e| e.name.to_string()).collect(),
            entity_names: d.entities.iter().map(|e| e.name.to_string()).collect(),
        }
    }

    /// The names of a model with errors: every name that did parse, each once.
    pub(crate) fn from_spec(model: &str, spec: &ModelSpec<Span>) -> Self {
        let entitlements = unique(spec.entitlements.iter().map(|e| &e.name));
        let entities = unique(spec.entities.iter().map(|e| &e.name));
        let globals = unique(&spec.global_roles);
        let plans = unique(spec.plans.iter().map(|p| &p.name));
        let limits = unique(
            spec.plans
                .iter()
                .flat_map(|p| p.limits.iter().map(|l| &l.name)),
        );
        Self {
            model: model.to_owned(),
            entitlements: variants(entitlements.iter().map(|n| {
                let entity = spec
                    .entitlements
                    .iter()
                    .find(|e| e.name.text == n.text)
                    .map_or("", |e| &*e.entity.text);
                (&*n.text, format!("`{}` on `{entity}`.", n.text))
            })),
            entity_types: variants(
                entities
                    .iter()
                    .map(|n| (&*n.text, format!("Entity type `{}`.", n.text))),
            ),
            global_roles: variants(
                globals
                    .iter()
                    .map(|n| (&*n.text, format!("Global role `{}`.", n.text))),
            ),
            plans: variants(plans.iter().map(|n| {
                let add_on = spec
                    .plans
                    .iter()
                    .any(|p| p.name.text == n.text && p.add_on.is_some());
                (&*n.text, plan_doc(add_on, &n.text))
            })),
            flags: variants(
                unique(&spec.flags)
                    .iter()
                    .map(|n| (&*n.text, format!("Flag `{}`.", n.text))),
            ),
            limits: variants(limits.iter().map(|n| {
                let limit = spec
                    .plans
                    .iter()
                    .flat_map(|p| &p.limits)
                    .find(|l| l.name.text == n.text);
                let doc = match limit {
                    Some(l) => format!(
                        "Limit `{}` on `{}`, per {}.",
                        n.text, l.entitlement.text, l.period.text
                    ),
                    None => format!("Limit `{}`.", n.text),
                };
                (&*n.text, doc)
            })),
            entity_roles: entities
                .iter()
                .filter_map(|n| {
                    let roles = spec
                        .entities
                        .iter()
                        .filter(|e| e.name.text == n.text)
                        .flat_map(|e| &e.roles);
                    role_enum(&n.text, unique(roles).into_iter().map(|r| &*r.text))
                })
                .fold(Vec::new(), |mut out: Vec<RoleEnum>, e| {
                    if !out.iter().any(|o| o.ident == e.ident) {
                        out.push(e);
                    }
                    out
                }),
            role_consts: role_consts(globals.iter().map(|n| &*n.text)),
            entitlement_names: entitlements.iter().map(|n| n.text.to_string()).collect(),
            entity_names: entities.iter().map(|n| n.text.to_string()).collect(),
        }
    }
}
