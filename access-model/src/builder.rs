//! A fluent builder of run-time models: it fills the same [`ModelSpec`] that `define_access!`
//! parses, and [`ModelBuilder::build`] runs the same validation and table computation.

use crate::data::ModelData;
use crate::spec::*;
use crate::validate::{ErrorKind, ModelError, compile};

/// Builds a [`ModelSpec<()>`] step by step.
///
/// Lines that name an entity or plan not added yet (`implies`, `inherits`, `limit`) are kept
/// aside and reported by [`ModelBuilder::build`] as unknown names; add entities and plans first.
///
/// # Examples
/// ```
/// use access_model::ModelBuilder;
/// let data = ModelBuilder::new("Access")
///     .entity("workspace", ["admin", "viewer"])
///     .entity("project", ["manager", "viewer"])
///     .implies("project", "manager", "viewer")
///     .inherits("project", "workspace", "admin", "manager")
///     .entitlement("project:read", "project", ["viewer"], [])
///     .build()
///     .unwrap();
/// assert_eq!(data.entitlements.len(), 1);
/// let err = ModelBuilder::new("A").entity("p", ["a"]).entitlement("p:x", "p", ["b"], []).build().unwrap_err();
/// assert_eq!(err[0].message, "unknown role `b` on `p`, expected one of `a`");
/// ```
#[derive(Clone, Debug)]
pub struct ModelBuilder {
    spec: ModelSpec<()>,
    orphans: Vec<ModelError<()>>,
}

fn names<N: Into<String>>(it: impl IntoIterator<Item = N>) -> Vec<Name<()>> {
    it.into_iter().map(|n| Name::plain(n)).collect()
}

impl ModelBuilder {
    /// An empty model named `name`.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            spec: ModelSpec::new(Name::plain(name)),
            orphans: Vec::new(),
        }
    }

    fn orphan(mut self, what: &str, name: &str) -> Self {
        self.orphans.push(ModelError {
            span: (),
            kind: if what == "plan" {
                ErrorKind::UnknownPlan
            } else {
                ErrorKind::UnknownEntity
            },
            message: format!("unknown {what} `{name}`: add it before the lines that use it"),
        });
        self
    }

    /// Adds global roles.
    #[must_use]
    pub fn global_roles<N: Into<String>>(mut self, roles: impl IntoIterator<Item = N>) -> Self {
        self.spec.global_roles.extend(names(roles));
        self
    }

    /// Sets the default global role.
    #[must_use]
    pub fn default_role(mut self, role: impl Into<String>) -> Self {
        self.spec.default_role = Some(Name::plain(role));
        self
    }

    /// Adds an entity type with its roles.
    #[must_use]
    pub fn entity<N: Into<String>>(
        mut self,
        name: impl Into<String>,
        roles: impl IntoIterator<Item = N>,
    ) -> Self {
        self.spec.entities.push(EntitySpec {
            name: Name::plain(name),
            roles: names(roles),
            implies: Vec::new(),
            inherits: Vec::new(),
        });
        self
    }

    fn entity_mut(&mut self, name: &str) -> Option<&mut EntitySpec<()>> {
        self.spec.entities.iter_mut().find(|e| e.name.text == name)
    }

    /// `entity { implies: { from => to } }`.
    #[must_use]
    pub fn implies(mut self, entity: &str, from: &str, to: &str) -> Self {
        match self.entity_mut(entity) {
            Some(e) => {
                e.implies.push(ImpliesSpec {
                    from: Name::plain(from),
                    to: Name::plain(to),
                });
                self
            }
            None => self.orphan("entity", entity),
        }
    }

    /// `entity { inherits: { parent_entity:parent_role => role } }`.
    #[must_use]
    pub fn inherits(
        mut self,
        entity: &str,
        parent_entity: &str,
        parent_role: &str,
        role: &str,
    ) -> Self {
        match self.entity_mut(entity) {
            Some(e) => {
                e.inherits.push(InheritSpec {
                    parent_entity: Name::plain(parent_entity),
                    parent_role: Name::plain(parent_role),
                    role: Name::plain(role),
                });
                self
            }
            None => self.orphan("entity", entity),
        }
    }

    /// Adds flags.
    #[must_use]
    pub fn flags<N: Into<String>>(mut self, flags: impl IntoIterator<Item = N>) -> Self {
        self.spec.flags.extend(names(flags));
        self
    }

    /// `"name" on entity => roles [..], flags [..]`.
    #[must_use]
    pub fn entitlement<'f, R: Into<String>>(
        mut self,
        name: impl Into<String>,
        on: impl Into<String>,
        roles: impl IntoIterator<Item = R>,
        flags: impl IntoIterator<Item = &'f str>,
    ) -> Self {
        self.spec.entitlements.push(EntitlementSpec {
            name: Name::plain(name),
            entity: Name::plain(on),
            roles: names(roles),
            flags: names(flags),
        });
        self
    }

    /// A base plan of `group` including `features`.
    #[must_use]
    pub fn base_plan<N: Into<String>>(
        mut self,
        name: impl Into<String>,
        group: impl Into<String>,
        features: impl IntoIterator<Item = N>,
    ) -> Self {
        self.spec.plans.push(PlanSpec {
            name: Name::plain(name),
            group: Some(Name::plain(group)),
            add_on: None,
            features: names(features),
            limits: Vec::new(),
            requires: None,
        });
        self
    }

    /// An add-on including `features`, valid on the base plans `requires` names (group, plans).
    #[must_use]
    pub fn add_on<N: Into<String>, G: Into<String>, P: Into<String>>(
        mut self,
        name: impl Into<String>,
        features: impl IntoIterator<Item = N>,
        requires: Option<(G, impl IntoIterator<Item = P>)>,
    ) -> Self {
        self.spec.plans.push(PlanSpec {
            name: Name::plain(name),
            group: None,
            add_on: Some(()),
            features: names(features),
            limits: Vec::new(),
            requires: requires.map(|(g, ps)| RequiresSpec {
                group: Name::plain(g),
                plans: names(ps),
            }),
        });
        self
    }

    /// `limits: { name: "entitlement" per period max N }` on plan `plan`.
    #[must_use]
    pub fn limit(
        mut self,
        plan: &str,
        name: &str,
        entitlement: &str,
        period: &str,
        max: u64,
    ) -> Self {
        match self.spec.plans.iter_mut().find(|p| p.name.text == plan) {
            Some(p) => {
                p.limits.push(LimitSpec {
                    name: Name::plain(name),
                    entitlement: Name::plain(entitlement),
                    period: Name::plain(period),
                    max,
                    max_span: (),
                });
                self
            }
            None => self.orphan("plan", plan),
        }
    }

    /// Sets the default plan.
    #[must_use]
    pub fn default_plan(mut self, plan: impl Into<String>) -> Self {
        self.spec.default_plan = Some(Name::plain(plan));
        self
    }

    /// `superuser_bypasses_blocked: true`.
    #[must_use]
    pub fn superuser_bypasses_blocked(mut self, bypass: bool) -> Self {
        self.spec.superuser_bypasses_blocked = bypass;
        self
    }

    /// `default_permission: { action: permission }`.
    #[must_use]
    pub fn default_permission(
        mut self,
        action: impl Into<String>,
        permission: PermissionSpec<()>,
    ) -> Self {
        self.spec.default_permission.push(ActionPermissionSpec {
            action: Name::plain(action),
            permission,
        });
        self
    }

    /// The spec built so far (without the lines kept aside for unknown entities or plans).
    pub fn spec(&self) -> &ModelSpec<()> {
        &self.spec
    }

    /// The spec built so far.
    pub fn into_spec(self) -> ModelSpec<()> {
        self.spec
    }

    /// Validates and computes the tables.
    ///
    /// # Errors
    /// Every mistake, lines naming entities or plans not added first included.
    pub fn build(&self) -> Result<ModelData, Vec<ModelError<()>>> {
        match compile(&self.spec) {
            Ok(data) if self.orphans.is_empty() => Ok(data),
            Ok(_) => Err(self.orphans.clone()),
            Err(mut errors) => {
                errors.extend(self.orphans.iter().cloned());
                Err(errors)
            }
        }
    }
}
