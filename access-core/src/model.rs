//! Models: the trait generated models implement, typed indices, and run-time models.
//!
//! The enums a generated model has tell about it through `const fn`s (no table walk at run
//! time):
//!
//! | method | returns |
//! | --- | --- |
//! | `Entitlement::entity` | its `EntityType` |
//! | `Entitlement::roles` | the roles that grant it, `implies` included ([`AnyRole`]s) |
//! | `Entitlement::plans` / `flags` / `limits` | the `Plan`s including it (empty: not plan-gated), the `Flag`s it needs, the `Limit`s counting it |
//! | `EntityType::roles` / `entitlements` / `parents` | its roles, the entitlements checked on it, the types it inherits from |
//! | `<Entity>Role::entity` / `entitlements` | its `EntityType`; the entitlements it grants |
//! | `<Entity>Role::any` / `from_any` | to and from [`AnyRole`] |
//! | `Plan::entitlements`, `Flag::entitlements` | the entitlements it includes / gates |
//! | `Limit::entitlement` / `period` | the entitlement it counts, its [`Period`] |
//!
//! ```
//! access_core::define_access! {
//!     pub Access;
//!     entity workspace { roles: [admin] }
//!     entity doc { roles: [editor, viewer], implies: { editor => viewer },
//!                  inherits: { workspace:admin => editor } }
//!     flags: [beta_ai],
//!     entitlements {
//!         "doc:read" on doc => roles [viewer],
//!         "ai:write" on doc => roles [editor], flags [beta_ai],
//!     }
//!     plans { free { group: main, features: [] } pro { group: main, features: ["ai:write"] } }
//! }
//!
//! fn main() {
//!     assert_eq!(Entitlement::DocRead.entity(), EntityType::Doc);
//!     assert_eq!(Entitlement::AiWrite.plans(), [Plan::Pro]);
//!     assert!(Entitlement::DocRead.plans().is_empty()); // not plan-gated
//!     assert_eq!(Entitlement::AiWrite.flags(), [Flag::BetaAi]);
//!     assert_eq!(DocRole::Viewer.entitlements(), [Entitlement::DocRead]);
//!     assert_eq!(DocRole::Editor.entity(), EntityType::Doc);
//!     assert_eq!(EntityType::Doc.parents(), [EntityType::Workspace]);
//!     assert_eq!(Plan::Pro.entitlements(), [Entitlement::AiWrite]);
//! }
//! ```

use std::fmt;

pub use access_model::{
    DefaultPermission, EdgeData, EntitlementData, EntityData, FlagSet, LimitData, ModelData,
    Period, Permission, PlanData, PlanLimit, RoleSet, TenantData,
};

/// Index of an entitlement in a model's tables.
///
/// # Examples
/// ```
/// use access_core::EntitlementId;
///
/// access_core::define_access! {
///     pub Access;
///     entity project { roles: [viewer] }
///     entitlements {
///         "project:read" on project => roles [viewer],
///         "project:share" on project => roles [viewer],
///     }
/// }
///
/// fn main() {
///     // The generated enum converts into its index; the engine's `*_id` methods take these.
///     assert_eq!(EntitlementId::from(Entitlement::ProjectShare), EntitlementId(1));
///     assert_eq!(Entitlement::ProjectShare.index(), 1);
/// }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EntitlementId(pub u16);

/// Index of an entity type in a model's tables.
///
/// # Examples
/// ```
/// use access_core::{EntityTypeId, Resource};
///
/// access_core::define_access! {
///     pub Access;
///     entity workspace { roles: [admin] }
///     entity project { roles: [viewer] }
///     entitlements { "project:read" on project => roles [viewer] }
/// }
///
/// fn main() {
///     assert_eq!(EntityTypeId::from(EntityType::Project), EntityTypeId(1));
///     // A resource names its type by id; the generated enum converts.
///     assert_eq!(Resource::new(EntityType::Project, "p1").ty, EntityTypeId(1));
/// }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EntityTypeId(pub u16);

/// Index of a plan in a model's tables.
///
/// # Examples
/// ```
/// use access_core::{PlanId, Subscription};
///
/// access_core::define_access! {
///     pub Access;
///     entity project { roles: [viewer] }
///     entitlements { "project:read" on project => roles [viewer] }
///     plans {
///         free { group: main, features: [] }
///         pro { group: main, features: ["project:read"] }
///     }
/// }
///
/// fn main() {
///     assert_eq!(PlanId::from(Plan::Pro), PlanId(1));
///     // Subscriptions name their plan by id.
///     assert_eq!(Subscription::new(Plan::Pro, 0).plan, PlanId(1));
/// }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PlanId(pub u16);

/// Index of a flag in a model's tables.
///
/// # Examples
/// ```
/// use access_core::FlagId;
///
/// access_core::define_access! {
///     pub Access;
///     entity project { roles: [viewer] }
///     flags: [pdf_export, beta_ai],
///     entitlements { "ai:generate" on project => roles [viewer], flags [beta_ai] }
/// }
///
/// fn main() {
///     // `FlagStore::set_flag` takes the id.
///     assert_eq!(FlagId::from(Flag::BetaAi), FlagId(1));
/// }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FlagId(pub u16);

/// Index of a limit in a model's tables.
///
/// # Examples
/// ```
/// use access_core::LimitId;
///
/// access_core::define_access! {
///     pub Access;
///     entity project { roles: [viewer] }
///     entitlements { "ai:generate" on project => roles [viewer] }
///     plans {
///         free { group: main, features: ["ai:generate"],
///                limits: { ai: "ai:generate" per day max 3 } }
///     }
/// }
///
/// fn main() {
///     // Usage counters are keyed by the id.
///     assert_eq!(LimitId::from(Limit::Ai), LimitId(0));
/// }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LimitId(pub u16);

/// A role on one of a model's entity types, whichever: what `Entitlement::roles` and
/// `EntityType::roles` of a generated model list, since each entity type has its own role enum.
/// `ProjectRole::any` (or `From`) converts into it, `ProjectRole::from_any` back.
///
/// # Examples
/// ```
/// access_core::define_access! {
///     pub Access;
///     entity project { roles: [manager, viewer], implies: { manager => viewer } }
///     entitlements { "project:read" on project => roles [viewer] }
/// }
///
/// fn main() {
///     // manager implies viewer, so both grant `project:read`.
///     let roles = Entitlement::ProjectRead.roles();
///     assert_eq!(roles, [ProjectRole::Manager.any(), ProjectRole::Viewer.any()]);
///     assert_eq!(ProjectRole::from_any(roles[0]), Some(ProjectRole::Manager));
/// }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AnyRole {
    /// The entity type it is held on.
    pub entity: EntityTypeId,
    /// Its index among that type's roles (what `RoleStore::assign` takes).
    pub index: u16,
    /// Its name as declared.
    pub name: &'static str,
}

impl fmt::Display for AnyRole {
    /// The role's name (`viewer`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)
    }
}

/// An access model: the tables the engine evaluates.
///
/// Implemented by the type `define_access!` generates (its tables are `static` data computed at
/// compile time) and by [`DynamicModel`] (built at run time by the same validation code).
///
/// # Examples
/// ```
/// use access_core::AccessModel;
///
/// access_core::define_access! {
///     pub Access;
///     entity project { roles: [viewer] }
///     entitlements { "project:read" on project => roles [viewer] }
/// }
///
/// // Code generic over the model: a generated one here; a `DynamicModel` works the same.
/// fn entitlement_names<M: AccessModel>(model: &M) -> Vec<String> {
///     model.data().entitlements.iter().map(|e| e.name.to_string()).collect()
/// }
///
/// fn main() {
///     assert_eq!(entitlement_names(&Access), ["project:read"]);
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an access model",
    note = "declare one with `access_core::define_access! {{ pub Access; .. }}`"
)]
pub trait AccessModel: Send + Sync + 'static {
    /// The entitlement type requests name (`Entitlement` enum of a generated model).
    type Entitlement: Copy + Into<EntitlementId> + Ask<Self>;
    /// The entity type requests name (`EntityType` enum of a generated model).
    type EntityType: Copy + Into<EntityTypeId>;

    /// The model's tables.
    ///
    /// # Examples
    /// ```
    /// use access_core::AccessModel;
    ///
    /// access_core::define_access! {
    ///     pub Access;
    ///     entity project { roles: [manager, viewer], implies: { manager => viewer } }
    ///     entitlements { "project:read" on project => roles [viewer] }
    /// }
    ///
    /// fn main() {
    ///     let data = Access.data();
    ///     assert_eq!(&*data.name, "Access");
    ///     assert_eq!(&*data.entities[0].name, "project");
    ///     assert_eq!(data.entities[0].roles.len(), 2);
    ///     assert_eq!(data.entitlement_index("project:read"), Some(0));
    /// }
    /// ```
    fn data(&self) -> &ModelData;
}

/// A closed set of names generated by `define_access!` (entitlements, entity types, roles,
/// plans, flags, limits).
///
/// # Examples
/// ```
/// use access_core::ModelEnum;
///
/// access_core::define_access! {
///     pub Access;
///     entity project { roles: [manager, viewer] }
///     entitlements { "project:read" on project => roles [viewer] }
/// }
///
/// // Code generic over every generated enum.
/// fn describe<E: ModelEnum>() -> String {
///     let names: Vec<&str> = E::ALL.iter().map(|e| e.as_str()).collect();
///     format!("{}: {}", E::KIND, names.join(", "))
/// }
///
/// fn main() {
///     assert_eq!(describe::<ProjectRole>(), "role: manager, viewer");
/// }
/// ```
pub trait ModelEnum: Copy + Eq + fmt::Debug + fmt::Display + std::str::FromStr + 'static {
    /// What the names are (`"entitlement"`, `"plan"`, ..), for error messages.
    const KIND: &'static str;
    /// Every value, in declaration order.
    const ALL: &'static [Self];
    /// The name as declared.
    ///
    /// # Examples
    /// ```
    /// use access_core::ModelEnum;
    ///
    /// access_core::define_access! {
    ///     pub Access;
    ///     entity project { roles: [viewer] }
    ///     flags: [beta_ai],
    ///     entitlements { "ai:generate" on project => roles [viewer], flags [beta_ai] }
    /// }
    ///
    /// fn main() {
    ///     assert_eq!(ModelEnum::as_str(Flag::BetaAi), "beta_ai");
    ///     assert_eq!(ModelEnum::as_str(Entitlement::AiGenerate), "ai:generate");
    /// }
    /// ```
    fn as_str(self) -> &'static str;
    /// The index in the model's tables.
    ///
    /// # Examples
    /// ```
    /// use access_core::ModelEnum;
    ///
    /// access_core::define_access! {
    ///     pub Access;
    ///     entity project { roles: [manager, contributor, viewer] }
    ///     entitlements { "project:read" on project => roles [viewer] }
    /// }
    ///
    /// fn main() {
    ///     // Role indices are what role stores take (`RoleStore::assign`).
    ///     assert_eq!(ModelEnum::index(ProjectRole::Manager), 0);
    ///     assert_eq!(ModelEnum::index(ProjectRole::Viewer), 2);
    /// }
    /// ```
    fn index(self) -> u16;
    /// The value at `index`, if any.
    ///
    /// # Examples
    /// ```
    /// use access_core::ModelEnum;
    ///
    /// access_core::define_access! {
    ///     pub Access;
    ///     entity project { roles: [manager, viewer] }
    ///     entitlements { "project:read" on project => roles [viewer] }
    /// }
    ///
    /// fn main() {
    ///     assert_eq!(ProjectRole::from_index(1), Some(ProjectRole::Viewer));
    ///     assert_eq!(ProjectRole::from_index(2), None);
    /// }
    /// ```
    fn from_index(index: u16) -> Option<Self> {
        Self::ALL.get(index as usize).copied()
    }
}

/// A name that is not in the model (from `FromStr` of the generated enums, or the run-time
/// lookups of [`DynamicModel`]).
///
/// # Examples
/// ```
/// use access_core::UnknownName;
///
/// access_core::define_access! {
///     pub Access;
///     entity project { roles: [viewer] }
///     entitlements { "project:read" on project => roles [viewer] }
/// }
///
/// fn main() {
///     let err: UnknownName = "projct".parse::<EntityType>().unwrap_err();
///     assert_eq!(err.suggestion, Some("project"));
///     assert_eq!(err.to_string(), "unknown entity type `projct`, did you mean `project`?");
/// }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownName {
    /// What kind of name was looked up (`"entitlement"`, `"plan"`, ..).
    pub kind: &'static str,
    /// The name given.
    pub name: String,
    /// The nearest valid name, if one is close.
    pub suggestion: Option<&'static str>,
}

impl fmt::Display for UnknownName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown {} `{}`", self.kind, self.name)?;
        if let Some(s) = self.suggestion {
            write!(f, ", did you mean `{s}`?")?;
        }
        Ok(())
    }
}

impl std::error::Error for UnknownName {}

impl UnknownName {
    /// The error for `name` among `valid` names of `kind`, with a suggestion when one is close.
    ///
    /// # Examples
    /// ```
    /// use access_core::UnknownName;
    ///
    /// let close = UnknownName::new("plan", "por", &["free", "pro"]);
    /// assert_eq!(close.suggestion, Some("pro"));
    /// assert_eq!(close.to_string(), "unknown plan `por`, did you mean `pro`?");
    ///
    /// let far = UnknownName::new("plan", "gold", &["free", "pro"]);
    /// assert_eq!(far.suggestion, None);
    /// assert_eq!(far.to_string(), "unknown plan `gold`");
    /// ```
    pub fn new(kind: &'static str, name: &str, valid: &'static [&'static str]) -> Self {
        let suggestion = access_model::suggest(name, valid.iter().copied());
        Self {
            kind,
            name: name.to_owned(),
            suggestion: suggestion.and_then(|s| valid.iter().copied().find(|v| *v == s)),
        }
    }
}

/// A model built at run time by [`access_model::compile`], with the same validation and the
/// same tables as `define_access!`.
///
/// Requests name entitlements and entity types by index: look them up once with
/// [`DynamicModel::entitlement`] and [`DynamicModel::entity_type`].
///
/// # Examples
/// ```
/// use access_core::{AccessContext, ClosureStore, DynamicModel, MemoryStore, Principal, Resource, RoleStore};
/// use access_core::model_builder::ModelBuilder;
///
/// let builder = ModelBuilder::new("Access")
///     .entity("project", ["viewer"])
///     .entitlement("project:read", "project", ["viewer"], []);
/// let model = DynamicModel::build(builder.spec()).unwrap();
/// let p1 = Resource::new(model.entity_type("project").unwrap(), "p1");
/// let read = model.entitlement("project:read").unwrap();
/// let store = MemoryStore::new();
/// access_core::block_on_ready(async {
///     store.add_resource(p1, &[]).await.unwrap();
///     store.assign("ann", p1, 0).await.unwrap(); // role 0: viewer
///     let ctx = AccessContext::new(&model, &store, Principal::new("ann"));
///     assert!(ctx.can(read, p1).await.unwrap());
/// })
/// .unwrap();
/// ```
#[derive(Clone, Debug)]
pub struct DynamicModel {
    data: ModelData,
}

impl DynamicModel {
    /// Validates `spec` and computes its tables. Every error is returned, each with the location
    /// it carries.
    ///
    /// # Errors
    /// The model's mistakes: unknown names, duplicates, cycles, ..
    ///
    /// # Examples
    /// ```
    /// use access_core::DynamicModel;
    /// use access_core::model_builder::{ErrorKind, ModelBuilder};
    ///
    /// let builder = ModelBuilder::new("Access")
    ///     .entity("project", ["viewer"])
    ///     .entitlement("project:read", "project", ["viewr"], []);
    /// let errors = DynamicModel::build(builder.spec()).unwrap_err();
    /// assert_eq!(errors[0].kind, ErrorKind::UnknownRole);
    /// assert!(errors[0].message.contains("did you mean `viewer`?"));
    /// ```
    pub fn build<S: Copy>(
        spec: &access_model::ModelSpec<S>,
    ) -> Result<Self, Vec<access_model::ModelError<S>>> {
        access_model::compile(spec).map(|data| Self { data })
    }
    /// Wraps already computed tables.
    ///
    /// # Examples
    /// ```
    /// use access_core::DynamicModel;
    /// use access_core::model_builder::ModelBuilder;
    ///
    /// // `ModelBuilder::build` validates and computes the tables in one step.
    /// let data = ModelBuilder::new("Access").entity("project", ["viewer"]).build().unwrap();
    /// let model = DynamicModel::from_data(data);
    /// assert!(model.entity_type("project").is_some());
    /// ```
    pub fn from_data(data: ModelData) -> Self {
        Self { data }
    }
    /// The entitlement named `name`.
    ///
    /// # Examples
    /// ```
    /// use access_core::{DynamicModel, EntitlementId};
    /// use access_core::model_builder::ModelBuilder;
    ///
    /// let builder = ModelBuilder::new("Access")
    ///     .entity("project", ["viewer"])
    ///     .entitlement("project:read", "project", ["viewer"], []);
    /// let model = DynamicModel::build(builder.spec()).unwrap();
    /// assert_eq!(model.entitlement("project:read"), Some(EntitlementId(0)));
    /// assert_eq!(model.entitlement("project:archive"), None);
    /// ```
    pub fn entitlement(&self, name: &str) -> Option<EntitlementId> {
        self.data.entitlement_index(name).map(EntitlementId)
    }
    /// The entity type named `name`.
    ///
    /// # Examples
    /// ```
    /// use access_core::{DynamicModel, EntityTypeId};
    /// use access_core::model_builder::ModelBuilder;
    ///
    /// let data = ModelBuilder::new("Access").entity("project", ["viewer"]).build().unwrap();
    /// let model = DynamicModel::from_data(data);
    /// assert_eq!(model.entity_type("project"), Some(EntityTypeId(0)));
    /// assert_eq!(model.entity_type("folder"), None);
    /// ```
    pub fn entity_type(&self, name: &str) -> Option<EntityTypeId> {
        self.data.entity_index(name).map(EntityTypeId)
    }
}

impl AccessModel for DynamicModel {
    type Entitlement = EntitlementId;
    type EntityType = EntityTypeId;
    fn data(&self) -> &ModelData {
        &self.data
    }
}

/// An entitlement model `M` answers for: its generated `Entitlement` enum, or an
/// [`EntitlementId`] (code that holds ids: dynamic models, schemas, generated guards; an id
/// outside the model is denied).
///
/// `define_access!` implements it for the model's own enum only, so another model's enum is a
/// compile error; `EntitlementId` is one for every model (see docs/engine.md, "One method per
/// question").
///
/// # Examples
/// ```
/// # mod model { access_core::define_access! { pub Access; entity project { roles: [viewer] } entitlements { "project:read" on project => roles [viewer] } } }
/// # use model::*;
/// use access_core::{AccessContext, Ask, MemoryStore, Resource, StoreResult};
///
/// // A helper that takes either form, as `can` does.
/// async fn may(ctx: &AccessContext<'_, Access, MemoryStore>, e: impl Ask<Access>, r: Resource<'_>) -> StoreResult<bool> {
///     ctx.can(e, r).await
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an entitlement of the model `{M}`",
    label = "not an entitlement of `{M}`",
    note = "ask with the model's `Entitlement` enum (e.g. `Entitlement::ProjectRead`), or an `EntitlementId` when the code holds ids"
)]
pub trait Ask<M: AccessModel + ?Sized>: Copy {
    /// The entitlement's index in `M`'s tables.
    ///
    /// # Examples
    /// ```
    /// # mod model { access_core::define_access! { pub Access; entity project { roles: [viewer] } entitlements { "project:read" on project => roles [viewer] } } }
    /// # use model::*;
    /// use access_core::{Ask, EntitlementId};
    ///
    /// // The index both forms name.
    /// assert_eq!(Ask::<Access>::id(Entitlement::ProjectRead), EntitlementId(0));
    /// assert_eq!(Ask::<Access>::id(EntitlementId(0)), EntitlementId(0));
    /// ```
    fn id(self) -> EntitlementId;
}

/// An index asks of any model (an index outside the model is denied).
impl<M: AccessModel + ?Sized> Ask<M> for EntitlementId {
    #[inline]
    fn id(self) -> EntitlementId {
        self
    }
}
