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
    ///
    /// # Examples
    /// ```
    /// use access_model::{ErrorKind, ModelBuilder};
    /// let b = ModelBuilder::new("Access");
    /// assert_eq!(b.spec().name.text, "Access");
    /// assert!(b.spec().entities.is_empty());
    /// // A model needs at least one entity.
    /// let err = b.build().unwrap_err();
    /// assert_eq!(err[0].kind, ErrorKind::Empty);
    /// ```
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
    ///
    /// # Examples
    /// ```
    /// use access_model::ModelBuilder;
    /// let data = ModelBuilder::new("Access")
    ///     .global_roles(["admin", "user"])
    ///     .entity("project", ["viewer"])
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(*data.global_roles, ["admin", "user"]);
    /// assert_eq!(data.global_role_index("user"), Some(1));
    /// ```
    #[must_use]
    pub fn global_roles<N: Into<String>>(mut self, roles: impl IntoIterator<Item = N>) -> Self {
        self.spec.global_roles.extend(names(roles));
        self
    }

    /// Sets the default global role.
    ///
    /// # Examples
    /// ```
    /// use access_model::{ErrorKind, ModelBuilder};
    /// let b = ModelBuilder::new("Access")
    ///     .global_roles(["admin", "user"])
    ///     .entity("project", ["viewer"]);
    /// let data = b.clone().default_role("user").build().unwrap();
    /// assert_eq!(data.default_role, Some(1));
    /// // The default role must be a declared global role.
    /// let err = b.default_role("usr").build().unwrap_err();
    /// assert_eq!(err[0].kind, ErrorKind::UnknownGlobalRole);
    /// assert_eq!(err[0].message, "unknown global role `usr`, did you mean `user`?");
    /// ```
    #[must_use]
    pub fn default_role(mut self, role: impl Into<String>) -> Self {
        self.spec.default_role = Some(Name::plain(role));
        self
    }

    /// Adds an entity type with its roles.
    ///
    /// # Examples
    /// ```
    /// use access_model::ModelBuilder;
    /// let data = ModelBuilder::new("Access")
    ///     .entity("project", ["manager", "viewer"])
    ///     .build()
    ///     .unwrap();
    /// let project = data.entity_index("project").unwrap();
    /// assert_eq!(*data.entities[project as usize].roles, ["manager", "viewer"]);
    /// assert_eq!(data.role_index(project, "viewer"), Some(1));
    /// ```
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
    ///
    /// # Examples
    /// ```
    /// use access_model::{ErrorKind, ModelBuilder, RoleSet};
    /// let data = ModelBuilder::new("Access")
    ///     .entity("project", ["manager", "viewer"])
    ///     .implies("project", "manager", "viewer")
    ///     .build()
    ///     .unwrap();
    /// // `manager` (index 0) implies `viewer` (index 1), itself included.
    /// assert_eq!(data.entities[0].implies[0], RoleSet(0b11));
    /// assert_eq!(data.entities[0].implies[1], RoleSet(0b10));
    /// // Naming an entity not added yet is reported by `build`.
    /// let err = ModelBuilder::new("Access")
    ///     .implies("project", "manager", "viewer")
    ///     .entity("project", ["manager", "viewer"])
    ///     .build()
    ///     .unwrap_err();
    /// assert_eq!(err[0].kind, ErrorKind::UnknownEntity);
    /// ```
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
    ///
    /// # Examples
    /// ```
    /// use access_model::{ModelBuilder, RoleSet};
    /// let data = ModelBuilder::new("Access")
    ///     .entity("workspace", ["admin", "member"])
    ///     .entity("project", ["manager", "viewer"])
    ///     .inherits("project", "workspace", "admin", "manager")
    ///     .build()
    ///     .unwrap();
    /// // One edge, workspace (0) -> project (1): `admin` (0) grants `manager` (0).
    /// let edge = data.edge(0, 1).unwrap();
    /// assert_eq!(*edge.lines, [(0, 0)]);
    /// assert_eq!(edge.map[0], RoleSet::single(0));
    /// assert!(edge.map[1].is_empty());
    /// ```
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
    ///
    /// # Examples
    /// ```
    /// use access_model::ModelBuilder;
    /// let data = ModelBuilder::new("Access")
    ///     .flags(["beta"])
    ///     .entity("project", ["viewer"])
    ///     .entitlement("project:preview", "project", ["viewer"], ["beta"])
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(*data.flags, ["beta"]);
    /// assert!(data.entitlements[0].flags.contains(0));
    /// ```
    #[must_use]
    pub fn flags<N: Into<String>>(mut self, flags: impl IntoIterator<Item = N>) -> Self {
        self.spec.flags.extend(names(flags));
        self
    }

    /// `"name" on entity => roles [..], flags [..]`.
    ///
    /// # Examples
    /// ```
    /// use access_model::{ErrorKind, ModelBuilder};
    /// let data = ModelBuilder::new("Access")
    ///     .entity("project", ["manager", "viewer"])
    ///     .entitlement("project:delete", "project", ["manager"], [])
    ///     .build()
    ///     .unwrap();
    /// let e = &data.entitlements[0];
    /// assert_eq!(e.name, "project:delete");
    /// assert!(e.roles.contains(0) && !e.roles.contains(1));
    /// // Names must be `resource:action` in lowercase snake case.
    /// let err = ModelBuilder::new("Access")
    ///     .entity("project", ["viewer"])
    ///     .entitlement("Project.Read", "project", ["viewer"], [])
    ///     .build()
    ///     .unwrap_err();
    /// assert_eq!(err[0].kind, ErrorKind::MalformedEntitlement);
    /// ```
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
    ///
    /// # Examples
    /// ```
    /// use access_model::ModelBuilder;
    /// let data = ModelBuilder::new("Access")
    ///     .entity("project", ["viewer"])
    ///     .entitlement("ai:generate", "project", ["viewer"], [])
    ///     .base_plan("free", "main", Vec::<&str>::new())
    ///     .base_plan("pro", "main", ["ai:generate"])
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(*data.groups, ["main"]);
    /// let pro = &data.plans[data.plan_index("pro").unwrap() as usize];
    /// assert_eq!(pro.group, Some(0));
    /// assert!(pro.includes(0));
    /// // A feature of some plan is plan-gated.
    /// assert!(data.entitlements[0].plan_gated);
    /// ```
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
    ///
    /// # Examples
    /// ```
    /// use access_model::ModelBuilder;
    /// let data = ModelBuilder::new("Access")
    ///     .entity("project", ["viewer"])
    ///     .entitlement("ai:generate", "project", ["viewer"], [])
    ///     .base_plan("free", "main", Vec::<&str>::new())
    ///     .base_plan("pro", "main", Vec::<&str>::new())
    ///     .add_on("ai", ["ai:generate"], Some(("main", ["pro"])))
    ///     .build()
    ///     .unwrap();
    /// let ai = &data.plans[2];
    /// assert!(ai.add_on && ai.group.is_none());
    /// assert_eq!(*ai.requires, [1]); // valid on `pro` only
    /// assert!(ai.includes(0));
    /// ```
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
    ///
    /// # Examples
    /// ```
    /// use access_model::{ErrorKind, ModelBuilder, Period};
    /// let b = ModelBuilder::new("Access")
    ///     .entity("project", ["viewer"])
    ///     .entitlement("ai:generate", "project", ["viewer"], [])
    ///     .base_plan("pro", "main", ["ai:generate"]);
    /// let data = b.clone().limit("pro", "ai", "ai:generate", "month", 1000).build().unwrap();
    /// assert_eq!(data.limits[0].name, "ai");
    /// assert_eq!(data.limits[0].period, Period::Month);
    /// assert_eq!(data.plans[0].limit_max(0), Some(1000));
    /// // An unknown period is an error.
    /// let err = b.limit("pro", "ai", "ai:generate", "week", 10).build().unwrap_err();
    /// assert_eq!(err[0].kind, ErrorKind::UnknownPeriod);
    /// ```
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
    ///
    /// # Examples
    /// ```
    /// use access_model::{ErrorKind, ModelBuilder};
    /// let b = ModelBuilder::new("Access")
    ///     .entity("project", ["viewer"])
    ///     .base_plan("free", "main", Vec::<&str>::new())
    ///     .add_on("extra", Vec::<&str>::new(), None::<(&str, Vec<&str>)>);
    /// assert_eq!(b.clone().default_plan("free").build().unwrap().default_plan, Some(0));
    /// // The default plan must be a base plan.
    /// let err = b.default_plan("extra").build().unwrap_err();
    /// assert_eq!(err[0].kind, ErrorKind::NotABasePlan);
    /// ```
    #[must_use]
    pub fn default_plan(mut self, plan: impl Into<String>) -> Self {
        self.spec.default_plan = Some(Name::plain(plan));
        self
    }

    /// `tenant: entity { owner: owner, member: member }`: which entity type is the tenant, the
    /// role its creator gets and the role an invitation gives when it names none.
    ///
    /// # Examples
    /// ```
    /// use access_model::{ErrorKind, ModelBuilder};
    /// let b = ModelBuilder::new("Access").entity("organization", ["owner", "member"]);
    /// let data = b.clone().tenant("organization", "owner", Some("member")).build().unwrap();
    /// assert_eq!(data.tenant.map(|t| t.owner), Some(0));
    /// let err = b.tenant("organization", "ownr", None::<&str>).build().unwrap_err();
    /// assert_eq!(err[0].kind, ErrorKind::UnknownRole);
    /// assert!(err[0].message.contains("did you mean `owner`"), "{}", err[0].message);
    /// ```
    #[must_use]
    pub fn tenant(
        mut self,
        entity: impl Into<String>,
        owner: impl Into<String>,
        member: Option<impl Into<String>>,
    ) -> Self {
        self.spec.tenant = Some(crate::TenantSpec {
            entity: Name::plain(entity),
            owner: Name::plain(owner),
            member: member.map(Name::plain),
        });
        self
    }

    /// `superuser_bypasses_blocked: true`.
    ///
    /// # Examples
    /// ```
    /// use access_model::ModelBuilder;
    /// let b = ModelBuilder::new("Access").entity("project", ["viewer"]);
    /// assert!(!b.build().unwrap().superuser_bypasses_blocked);
    /// assert!(b.superuser_bypasses_blocked(true).build().unwrap().superuser_bypasses_blocked);
    /// ```
    #[must_use]
    pub fn superuser_bypasses_blocked(mut self, bypass: bool) -> Self {
        self.spec.superuser_bypasses_blocked = bypass;
        self
    }

    /// `default_permission: { action: permission }`.
    ///
    /// # Examples
    /// ```
    /// use access_model::{DefaultPermission, ModelBuilder, Name, Permission, PermissionSpec, RoleSet};
    /// let data = ModelBuilder::new("Access")
    ///     .global_roles(["admin"])
    ///     .entity("project", ["viewer"])
    ///     .default_permission("read", PermissionSpec::Public(()))
    ///     .default_permission("create", PermissionSpec::Roles(vec![Name::plain("admin")]))
    ///     .build()
    ///     .unwrap();
    /// let d = data.default_permission;
    /// assert_eq!(d.read, Permission::Public);
    /// assert_eq!(d.list, Permission::Public); // `list` follows `read`
    /// assert_eq!(d.create, Permission::Roles(RoleSet::single(0)));
    /// assert_eq!(d.delete, DefaultPermission::FALLBACK.delete);
    /// ```
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
    ///
    /// # Examples
    /// ```
    /// use access_model::ModelBuilder;
    /// let b = ModelBuilder::new("Access")
    ///     .entity("project", ["viewer"])
    ///     .inherits("task", "project", "viewer", "viewer"); // `task` not added: kept aside
    /// assert_eq!(b.spec().entities.len(), 1);
    /// assert!(b.spec().entities[0].inherits.is_empty());
    /// assert!(b.build().is_err());
    /// ```
    pub fn spec(&self) -> &ModelSpec<()> {
        &self.spec
    }

    /// The spec built so far.
    ///
    /// # Examples
    /// ```
    /// use access_model::{ModelBuilder, compile};
    /// let spec = ModelBuilder::new("Access").entity("project", ["viewer"]).into_spec();
    /// assert_eq!(spec.entities[0].name.text, "project");
    /// // The spec can be compiled directly (or edited first).
    /// assert_eq!(compile(&spec).unwrap().entities.len(), 1);
    /// ```
    pub fn into_spec(self) -> ModelSpec<()> {
        self.spec
    }

    /// Validates and computes the tables.
    ///
    /// # Errors
    /// Every mistake, lines naming entities or plans not added first included.
    ///
    /// # Examples
    /// ```
    /// use access_model::{ErrorKind, ModelBuilder};
    /// let data = ModelBuilder::new("Access").entity("project", ["viewer"]).build().unwrap();
    /// assert_eq!(data.name, "Access");
    /// // Every error is reported, not only the first; lines kept aside come last.
    /// let err = ModelBuilder::new("Access")
    ///     .entity("project", ["viewer"])
    ///     .entitlement("project:read", "project", ["viewr"], ["beta"])
    ///     .limit("pro", "ai", "project:read", "month", 10)
    ///     .build()
    ///     .unwrap_err();
    /// let kinds: Vec<ErrorKind> = err.iter().map(|e| e.kind).collect();
    /// assert_eq!(kinds, [ErrorKind::UnknownRole, ErrorKind::UnknownFlag, ErrorKind::UnknownPlan]);
    /// ```
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
