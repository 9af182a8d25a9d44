//! Entity and field permissions: what `#[derive(Schema)]` generates, and how it is evaluated.
//!
//! A schema's permissions are static data ([`SchemaPermissions`]): one [`Rule`] per action
//! (`create`, `read`, `list`, `update`, `delete`; none = the model's `default_permission`) and
//! per field (`read`, `write`). Rules are evaluated against a [`PermissionCtx`]: the principal
//! (or nobody), the model, the row when there is one, and optionally an entitlement checker (an
//! [`AccessContext`](crate::AccessContext)) for `entitlement(..)` rules.
//!
//! A denial says which rule failed and why, with the same [`Reason`] vocabulary as `check`.
//! See `docs/schemas.md`.

use std::fmt;
use std::future::Future;
use std::pin::Pin;

use crate::decision::{Reason, ReasonKind, ReasonMeta};
use crate::engine::Principal;
use crate::model::{DefaultPermission, EntitlementId, ModelData, Permission, RoleSet};
use crate::store::{Resource, StoreResult};
use crate::time::Timestamp;

/// A CRUD action on a schema.
///
/// # Examples
/// ```
/// use access_core::Action;
///
/// assert_eq!(Action::ALL.len(), 5);
/// assert_eq!(Action::Update.to_string(), "update");
/// let names: Vec<&str> = Action::ALL.iter().map(|a| a.as_str()).collect();
/// assert_eq!(names, ["create", "read", "list", "update", "delete"]);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    /// Creating a row.
    Create,
    /// Reading one row.
    Read,
    /// Listing rows (its own rule where it differs from `read`).
    List,
    /// Updating a row.
    Update,
    /// Deleting a row.
    Delete,
}

impl Action {
    /// Every action.
    pub const ALL: [Action; 5] = [
        Action::Create,
        Action::Read,
        Action::List,
        Action::Update,
        Action::Delete,
    ];
    /// `create`, `read`, ..
    ///
    /// # Examples
    /// ```
    /// use access_core::Action;
    ///
    /// const NAME: &str = Action::Delete.as_str();
    /// assert_eq!(NAME, "delete");
    /// assert_eq!(Action::List.as_str(), "list");
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Read => "read",
            Action::List => "list",
            Action::Update => "update",
            Action::Delete => "delete",
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The future of a dynamic check.
pub type CheckFuture<'a> = Pin<Box<dyn Future<Output = bool> + Send + 'a>>;

/// A dynamic check: an application `async fn(&PermissionCtx<'_>) -> bool`, wrapped by the
/// derive.
pub type DynCheck = for<'a> fn(&'a PermissionCtx<'a>) -> CheckFuture<'a>;

/// A dynamic check with the name it was written as (for explanations).
///
/// # Examples
/// ```
/// use access_core::model_builder::ModelBuilder;
/// use access_core::schema::{CheckFuture, NamedCheck, Rule, evaluate};
/// use access_core::{PermissionCtx, Principal, ReasonKind};
///
/// fn is_staff<'a>(ctx: &'a PermissionCtx<'a>) -> CheckFuture<'a> {
///     Box::pin(async move { ctx.principal.is_some_and(|p| p.id.starts_with("staff-")) })
/// }
///
/// let check = NamedCheck { name: "is_staff", check: is_staff };
/// assert_eq!(format!("{check:?}"), "is_staff");
///
/// # let model = ModelBuilder::new("Access")
/// #     .entity("doc", ["owner"])
/// #     .entitlement("doc:edit", "doc", ["owner"], [])
/// #     .build()
/// #     .unwrap();
/// let rule = Rule::Dynamic(check);
/// let (staff, guest) = (Principal::new("staff-1"), Principal::new("guest"));
/// let ctx = PermissionCtx::new(&model, Some(&staff));
/// assert_eq!(access_core::block_on_ready(evaluate(&rule, &ctx)), Some(Ok(())));
/// let ctx = PermissionCtx::new(&model, Some(&guest));
/// let reasons = access_core::block_on_ready(evaluate(&rule, &ctx)).unwrap().unwrap_err();
/// assert_eq!(reasons[0].kind, ReasonKind::DynamicCheckFailed);
/// assert!(reasons[0].message.contains("`is_staff`"));
/// ```
#[derive(Clone, Copy)]
pub struct NamedCheck {
    /// The function's path as written.
    pub name: &'static str,
    /// The wrapped function.
    pub check: DynCheck,
}

impl fmt::Debug for NamedCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.name)
    }
}

/// The right-hand side of a `where` clause.
///
/// # Examples
/// ```
/// use access_core::model_builder::ModelBuilder;
/// use access_core::schema::{FieldValue, RowFields, Rule, Where, WhereValue, evaluate_sync};
/// use access_core::{PermissionCtx, Principal};
///
/// struct Doc {
///     tenant: &'static str,
///     level: i64,
/// }
/// impl RowFields for Doc {
///     fn field(&self, field: &str) -> FieldValue<'_> {
///         match field {
///             "tenant" => FieldValue::Str(self.tenant),
///             "level" => FieldValue::Int(self.level),
///             _ => FieldValue::Null,
///         }
///     }
///     fn as_any(&self) -> &dyn std::any::Any {
///         self
///     }
/// }
///
/// // where(tenant = user.tenant_id, level = 3)
/// const CLAUSES: &[Where] = &[
///     Where { field: "tenant", value: WhereValue::TenantId },
///     Where { field: "level", value: WhereValue::Int(3) },
/// ];
/// # let model = ModelBuilder::new("Access")
/// #     .entity("doc", ["owner"])
/// #     .entitlement("doc:edit", "doc", ["owner"], [])
/// #     .build()
/// #     .unwrap();
/// let user = Principal::new("u1").tenant("acme");
/// let row = Doc { tenant: "acme", level: 3 };
/// let mut ctx = PermissionCtx::new(&model, Some(&user));
/// ctx.row = Some(&row);
/// assert_eq!(evaluate_sync(&Rule::Where(CLAUSES), &ctx), Some(Ok(())));
/// let other = Doc { tenant: "globex", level: 3 };
/// ctx.row = Some(&other);
/// assert!(evaluate_sync(&Rule::Where(CLAUSES), &ctx).unwrap().is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WhereValue {
    /// `user.id`
    UserId,
    /// `user.tenant_id`
    TenantId,
    /// An integer literal.
    Int(i64),
    /// A string literal.
    Str(&'static str),
    /// `true` / `false`.
    Bool(bool),
}

/// `field = value` in a `where` rule.
///
/// # Examples
/// ```
/// use access_core::model_builder::ModelBuilder;
/// use access_core::schema::{FieldValue, RowFields, Rule, Where, WhereValue, evaluate_sync};
/// use access_core::{PermissionCtx, Principal, ReasonKind};
///
/// struct Post {
///     owner_id: i64,
/// }
/// impl RowFields for Post {
///     fn field(&self, field: &str) -> FieldValue<'_> {
///         match field {
///             "owner_id" => FieldValue::Int(self.owner_id),
///             _ => FieldValue::Null,
///         }
///     }
///     fn as_any(&self) -> &dyn std::any::Any {
///         self
///     }
/// }
///
/// // where(owner_id = user.id): the user's id is compared as the column's type.
/// const MINE: &[Where] = &[Where { field: "owner_id", value: WhereValue::UserId }];
/// # let model = ModelBuilder::new("Access")
/// #     .entity("doc", ["owner"])
/// #     .entitlement("doc:edit", "doc", ["owner"], [])
/// #     .build()
/// #     .unwrap();
/// let user = Principal::new("42");
/// let (mine, theirs) = (Post { owner_id: 42 }, Post { owner_id: 7 });
/// let mut ctx = PermissionCtx::new(&model, Some(&user));
/// ctx.row = Some(&mine);
/// assert!(evaluate_sync(&Rule::Where(MINE), &ctx).unwrap().is_ok());
/// ctx.row = Some(&theirs);
/// let reasons = evaluate_sync(&Rule::Where(MINE), &ctx).unwrap().unwrap_err();
/// assert_eq!(reasons[0].kind, ReasonKind::RowRuleFailed);
/// assert!(reasons[0].message.contains("`owner_id`"));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Where {
    /// The struct field (and column) compared.
    pub field: &'static str,
    /// What it must equal.
    pub value: WhereValue,
}

/// A permission rule.
///
/// # Examples
/// ```
/// use access_core::model_builder::ModelBuilder;
/// use access_core::schema::{Rule, evaluate_sync};
/// use access_core::{PermissionCtx, Principal, ReasonKind, RoleSet};
///
/// let model = ModelBuilder::new("Access")
///     .global_roles(["admin", "editor"])
///     .entity("doc", ["owner"])
///     .entitlement("doc:edit", "doc", ["owner"], [])
///     .build()
///     .unwrap();
/// // any(role(admin), fva(300))
/// const RULE: Rule = Rule::Any(&[Rule::GlobalRoles(RoleSet(0b01)), Rule::Fva(300)]);
///
/// let admin = Principal::new("a").global_roles(RoleSet::single(0));
/// let ctx = PermissionCtx::new(&model, Some(&admin));
/// assert_eq!(evaluate_sync(&RULE, &ctx), Some(Ok(())));
///
/// let editor = Principal::new("e").global_roles(RoleSet::single(1));
/// let ctx = PermissionCtx::new(&model, Some(&editor));
/// let reasons = evaluate_sync(&RULE, &ctx).unwrap().unwrap_err();
/// let mut kinds: Vec<ReasonKind> = reasons.iter().map(|r| r.kind).collect();
/// kinds.sort();
/// let mut want = vec![ReasonKind::RoleRequired, ReasonKind::MfaRequired];
/// want.sort();
/// assert_eq!(kinds, want); // every branch's reason
///
/// // Nobody signed in passes `Public` only.
/// let ctx = PermissionCtx::new(&model, None);
/// assert!(evaluate_sync(&Rule::Public, &ctx).unwrap().is_ok());
/// assert!(evaluate_sync(&Rule::Authenticated, &ctx).unwrap().is_err());
/// ```
#[derive(Clone, Copy, Debug)]
pub enum Rule {
    /// No authentication needed.
    Public,
    /// Nobody, superusers included.
    Blocked,
    /// Any signed-in, active user.
    Authenticated,
    /// A user holding one of these global roles (bit `i` = the model's global role `i`):
    /// `role(admin)` and `default_permission` role lists.
    GlobalRoles(RoleSet),
    /// `[admin, owns_product]`: a user holding one of the roles listed, or whom one of the
    /// dynamic checks listed allows.
    List(&'static [ListEntry]),
    /// The entitlement, through the five layers, on the row's resource.
    Entitlement {
        /// Its index in the model.
        id: EntitlementId,
        /// Its name, for explanations.
        name: &'static str,
    },
    /// Every rule.
    All(&'static [Rule]),
    /// At least one rule.
    Any(&'static [Rule]),
    /// Every clause matches the row.
    Where(&'static [Where]),
    /// Multi-factor authentication verified within this many seconds.
    Fva(u64),
    /// A dynamic check.
    Dynamic(NamedCheck),
}

/// One field's permissions.
///
/// # Examples
/// ```
/// # use access_core::{RoleSet, Schema};
/// # access_core::define_access! {
/// #     pub Access;
/// #     roles: [admin, editor],
/// #     entity project { roles: [owner] }
/// #     entitlements { "project:edit" on project => roles [owner] }
/// # }
/// #[derive(access_core::Schema)]
/// #[schema(access = Access)]
/// pub struct Note {
///     pub id: i64,
///     #[schema(permission(read = [admin], write = [admin]))]
///     pub secret: String,
///     #[schema(read_only)]
///     pub created_at: i64,
/// }
///
/// # fn main() {
/// let secret = Note::PERMISSIONS.field("secret").unwrap();
/// assert_eq!(secret.name, "secret");
/// assert!(secret.read.is_some() && secret.write.is_some() && !secret.read_only);
/// let created = Note::PERMISSIONS.field("created_at").unwrap();
/// assert!(created.read.is_none() && created.read_only);
/// # }
/// ```
#[derive(Clone, Copy, Debug)]
pub struct FieldPermission {
    /// The field's name (as serialized).
    pub name: &'static str,
    /// Who may read it (none: whoever may read the row).
    pub read: Option<Rule>,
    /// Who may set it (none: whoever may create or update the row).
    pub write: Option<Rule>,
    /// Set by the application only: every write of it is refused.
    pub read_only: bool,
}

/// A schema's permissions, generated by `#[derive(Schema)]`.
///
/// # Examples
/// ```
/// # use access_core::schema::Rule;
/// # use access_core::{Action, Schema};
/// # access_core::define_access! {
/// #     pub Access;
/// #     roles: [admin, editor],
/// #     entity project { roles: [owner] }
/// #     entitlements { "project:edit" on project => roles [owner] }
/// # }
/// #[derive(access_core::Schema)]
/// #[schema(access = Access, permission(create = [admin], read = public))]
/// pub struct Note {
///     pub id: i64,
///     pub body: String,
/// }
///
/// # fn main() {
/// let perms = Note::PERMISSIONS;
/// assert_eq!(perms.name, "note");
/// assert_eq!(perms.id_field, "id");
/// assert!(matches!(perms.create, Some(Rule::List(_))));
/// assert!(perms.update.is_none()); // the model's `default_permission`
/// assert_eq!(perms.fields.len(), 2);
/// assert_eq!((perms.field_index)("body"), Some(1));
/// assert!(matches!(perms.rule(Action::Read), Some(Rule::Public)));
/// # }
/// ```
#[derive(Clone, Copy, Debug)]
pub struct SchemaPermissions {
    /// The schema's name (`product`).
    pub name: &'static str,
    /// The field holding the row's id (for `entitlement(..)` rules on the row).
    pub id_field: &'static str,
    /// Per action: its rule, or none for the model's `default_permission`.
    pub create: Option<Rule>,
    /// `read`
    pub read: Option<Rule>,
    /// `list` (none: `read`, then the default).
    pub list: Option<Rule>,
    /// `update`
    pub update: Option<Rule>,
    /// `delete`
    pub delete: Option<Rule>,
    /// Fields with permissions of their own (every field the struct has, in order).
    pub fields: &'static [FieldPermission],
    /// The index in [`Self::fields`] of a field name (generated as a `match`).
    pub field_index: fn(&str) -> Option<usize>,
}

impl SchemaPermissions {
    /// The rule for `action`: the schema's own, else (for `list`) its `read`, else `None`.
    ///
    /// # Examples
    /// ```
    /// # use access_core::schema::Rule;
    /// # use access_core::{Action, Schema};
    /// # access_core::define_access! {
    /// #     pub Access;
    /// #     roles: [admin, editor],
    /// #     entity project { roles: [owner] }
    /// #     entitlements { "project:edit" on project => roles [owner] }
    /// # }
    /// #[derive(access_core::Schema)]
    /// #[schema(access = Access, permission(read = public, delete = blocked))]
    /// pub struct Note {
    ///     pub id: i64,
    /// }
    ///
    /// # fn main() {
    /// let perms = Note::PERMISSIONS;
    /// assert!(matches!(perms.rule(Action::Delete), Some(Rule::Blocked)));
    /// assert!(matches!(perms.rule(Action::List), Some(Rule::Public))); // follows `read`
    /// assert!(perms.rule(Action::Update).is_none());
    /// # }
    /// ```
    pub fn rule(&self, action: Action) -> Option<Rule> {
        match action {
            Action::Create => self.create,
            Action::Read => self.read,
            Action::List => self.list.or(self.read),
            Action::Update => self.update,
            Action::Delete => self.delete,
        }
    }
    /// The field named `name`.
    ///
    /// # Examples
    /// ```
    /// # use access_core::Schema;
    /// # access_core::define_access! {
    /// #     pub Access;
    /// #     roles: [admin, editor],
    /// #     entity project { roles: [owner] }
    /// #     entitlements { "project:edit" on project => roles [owner] }
    /// # }
    /// #[derive(access_core::Schema)]
    /// #[schema(access = Access)]
    /// pub struct Note {
    ///     pub id: i64,
    ///     #[schema(permission(read = [admin]))]
    ///     pub secret: String,
    /// }
    ///
    /// # fn main() {
    /// assert!(Note::PERMISSIONS.field("secret").unwrap().read.is_some());
    /// assert!(Note::PERMISSIONS.field("id").unwrap().read.is_none());
    /// assert!(Note::PERMISSIONS.field("missing").is_none());
    /// # }
    /// ```
    pub fn field(&self, name: &str) -> Option<&FieldPermission> {
        (self.field_index)(name).and_then(|i| self.fields.get(i))
    }
}

/// A field's value as `where` rules compare it.
///
/// # Examples
/// ```
/// use access_core::schema::{AsFieldValue, FieldValue};
///
/// assert_eq!(7u8.as_field_value(), FieldValue::Int(7));
/// assert_eq!("acme".as_field_value(), FieldValue::Str("acme"));
/// assert_eq!(Some(true).as_field_value(), FieldValue::Bool(true));
/// assert_eq!(None::<i64>.as_field_value(), FieldValue::Null);
/// // An integer outside `i64` cannot equal anything.
/// assert_eq!(u64::MAX.as_field_value(), FieldValue::Null);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldValue<'a> {
    /// `None` / SQL NULL: matches nothing.
    Null,
    /// Any integer type.
    Int(i64),
    /// Strings.
    Str(&'a str),
    /// Booleans.
    Bool(bool),
}

/// Types a `where` rule can compare. Implemented for integers, strings, `bool` and `Option`s
/// of them; a `where` on a field of another type is a compile error naming this trait.
///
/// # Examples
/// ```
/// use access_core::schema::{AsFieldValue, FieldValue};
///
/// fn same<T: AsFieldValue + ?Sized>(a: &T, b: FieldValue<'_>) -> bool {
///     a.as_field_value() == b
/// }
/// assert!(same(&String::from("x"), FieldValue::Str("x")));
/// assert!(same(&-3i32, FieldValue::Int(-3)));
/// assert!(!same(&Some(1u16), FieldValue::Null));
/// ```
#[diagnostic::on_unimplemented(
    message = "a `where` rule cannot compare a field of type `{Self}`",
    note = "`where` compares integers, strings, `bool` and `Option`s of them"
)]
pub trait AsFieldValue {
    /// The value.
    ///
    /// # Examples
    /// ```
    /// use access_core::schema::{AsFieldValue, FieldValue};
    ///
    /// let tenant: Option<String> = Some("acme".into());
    /// assert_eq!(tenant.as_field_value(), FieldValue::Str("acme"));
    /// assert_eq!(false.as_field_value(), FieldValue::Bool(false));
    /// ```
    fn as_field_value(&self) -> FieldValue<'_>;
}

macro_rules! int_field {
    ($($t:ty),*) => {$(
        impl AsFieldValue for $t {
            fn as_field_value(&self) -> FieldValue<'_> {
                i64::try_from(*self).map_or(FieldValue::Null, FieldValue::Int)
            }
        }
    )*};
}
int_field!(i8, i16, i32, i64, u8, u16, u32, u64, isize, usize);

impl AsFieldValue for String {
    fn as_field_value(&self) -> FieldValue<'_> {
        FieldValue::Str(self)
    }
}
impl AsFieldValue for str {
    fn as_field_value(&self) -> FieldValue<'_> {
        FieldValue::Str(self)
    }
}
impl AsFieldValue for bool {
    fn as_field_value(&self) -> FieldValue<'_> {
        FieldValue::Bool(*self)
    }
}
impl<T: AsFieldValue> AsFieldValue for Option<T> {
    fn as_field_value(&self) -> FieldValue<'_> {
        self.as_ref().map_or(FieldValue::Null, T::as_field_value)
    }
}

/// A row's fields, for `where` rules evaluated in memory.
///
/// # Examples
/// ```
/// # use access_core::schema::{FieldValue, RowFields};
/// # access_core::define_access! {
/// #     pub Access;
/// #     roles: [admin, editor],
/// #     entity project { roles: [owner] }
/// #     entitlements { "project:edit" on project => roles [owner] }
/// # }
/// // `#[derive(Schema)]` implements it.
/// #[derive(access_core::Schema)]
/// #[schema(access = Access, permission(update = where(owner_id = user.id)))]
/// pub struct Note {
///     pub id: i64,
///     pub owner_id: i64,
/// }
///
/// # fn main() {
/// let note = Note { id: 7, owner_id: 42 };
/// assert_eq!(note.field("owner_id"), FieldValue::Int(42)); // compared by `where`
/// assert_eq!(note.field("nope"), FieldValue::Null);
/// # }
/// ```
pub trait RowFields: Sync {
    /// The value of `field`: the fields `where` rules compare (and the id field when the schema
    /// has `entitlement(..)` rules); `Null` for the rest (dynamic checks read the typed row with
    /// [`PermissionCtx::row_as`]).
    ///
    /// # Examples
    /// ```
    /// use access_core::schema::{FieldValue, RowFields};
    ///
    /// struct Doc {
    ///     tenant: Option<String>,
    /// }
    /// impl RowFields for Doc {
    ///     fn field(&self, field: &str) -> FieldValue<'_> {
    ///         match (field, &self.tenant) {
    ///             ("tenant", Some(t)) => FieldValue::Str(t),
    ///             _ => FieldValue::Null,
    ///         }
    ///     }
    ///     fn as_any(&self) -> &dyn std::any::Any {
    ///         self
    ///     }
    /// }
    ///
    /// assert_eq!(Doc { tenant: Some("acme".into()) }.field("tenant"), FieldValue::Str("acme"));
    /// assert_eq!(Doc { tenant: None }.field("tenant"), FieldValue::Null);
    /// ```
    fn field(&self, field: &str) -> FieldValue<'_>;
    /// The row itself, for [`PermissionCtx::row_as`].
    ///
    /// # Examples
    /// ```
    /// use access_core::schema::{FieldValue, RowFields};
    ///
    /// struct Doc(i64);
    /// impl RowFields for Doc {
    ///     fn field(&self, _: &str) -> FieldValue<'_> {
    ///         FieldValue::Int(self.0)
    ///     }
    ///     fn as_any(&self) -> &dyn std::any::Any {
    ///         self
    ///     }
    /// }
    ///
    /// let row: &dyn RowFields = &Doc(5);
    /// assert_eq!(row.as_any().downcast_ref::<Doc>().map(|d| d.0), Some(5));
    /// assert!(row.as_any().downcast_ref::<String>().is_none());
    /// ```
    fn as_any(&self) -> &dyn std::any::Any;
}

/// Entity permissions generated by `#[derive(Schema)]`.
///
/// # Examples
/// ```
/// use access_core::{AccessModel, Action, PermissionCtx, Principal, RoleSet, Schema};
///
/// access_core::define_access! {
///     pub Access;
///     roles: [admin, editor],
///     entity project { roles: [owner] }
///     entitlements { "project:edit" on project => roles [owner] }
/// }
///
/// #[derive(access_core::Schema, serde::Serialize)]
/// #[schema(access = Access, permission(
///     create = [admin, editor],
///     read   = public,
///     update = any(role(admin), where(owner_id = user.id)),
/// ))]
/// pub struct Note {
///     pub id: i64,
///     pub owner_id: i64,
///     #[schema(permission(read = [admin]))]
///     pub secret: String,
/// }
///
/// fn main() {
///     let bob = Principal::new("2");
///     let note = Note { id: 7, owner_id: 2, secret: "s".into() };
///     let ctx = PermissionCtx::new(Access.data(), Some(&bob));
///     access_core::block_on_ready(async {
///         // Bob owns the note: he may update it, but not create notes.
///         assert!(Note::authorize_action(&ctx.with_row(&note), Action::Update).await.is_ok());
///         assert!(Note::authorize_action(&ctx, Action::Create).await.is_err());
///         // He does not see `secret`.
///         let json = note.redact(&ctx).await.unwrap();
///         assert_eq!(json, serde_json::json!({ "id": 7, "owner_id": 2 }));
///     })
///     .unwrap();
/// }
/// ```
#[diagnostic::on_unimplemented(note = "add `#[derive(access_core::Schema)]` to `{Self}`")]
pub trait Schema: RowFields + Sized + 'static {
    /// The permissions, as data.
    const PERMISSIONS: &'static SchemaPermissions;

    /// Whether the caller may perform `action` (on this row, for the actions that have one).
    ///
    /// # Errors
    /// The rule that failed and why.
    ///
    /// # Examples
    /// ```
    /// # use access_core::{AccessModel, Action, PermissionCtx, Principal, ReasonKind, RoleSet, Schema};
    /// # access_core::define_access! {
    /// #     pub Access;
    /// #     roles: [admin, editor],
    /// #     entity project { roles: [owner] }
    /// #     entitlements { "project:edit" on project => roles [owner] }
    /// # }
    /// #[derive(access_core::Schema)]
    /// #[schema(access = Access, permission(
    ///     create = [admin],
    ///     update = any(role(admin), where(owner_id = user.id)),
    /// ))]
    /// pub struct Note {
    ///     pub id: i64,
    ///     pub owner_id: i64,
    /// }
    ///
    /// # fn main() {
    /// let bob = Principal::new("2");
    /// let ctx = PermissionCtx::new(Access.data(), Some(&bob));
    /// let (mine, theirs) = (Note { id: 1, owner_id: 2 }, Note { id: 2, owner_id: 3 });
    /// access_core::block_on_ready(async {
    ///     assert!(Note::authorize_action(&ctx.with_row(&mine), Action::Update).await.is_ok());
    ///     let denial = Note::authorize_action(&ctx.with_row(&theirs), Action::Update)
    ///         .await
    ///         .unwrap_err();
    ///     assert_eq!((denial.action, denial.schema), ("update", "note"));
    ///     let denial = Note::authorize_action(&ctx, Action::Create).await.unwrap_err();
    ///     assert_eq!(denial.reasons[0].kind, ReasonKind::RoleRequired);
    /// })
    /// .unwrap();
    /// # }
    /// ```
    fn authorize_action<'a>(
        ctx: &'a PermissionCtx<'a>,
        action: Action,
    ) -> impl Future<Output = Result<(), Denial>> + Send + 'a {
        authorize(Self::PERMISSIONS, ctx, action)
    }

    /// The fields the caller may filter and sort on: those readable whatever the row (their
    /// read rule passes without a row). Filtering on a field the caller may not read would
    /// reveal its values.
    ///
    /// # Examples
    /// ```
    /// # use access_core::{AccessModel, PermissionCtx, Principal, RoleSet, Schema};
    /// # access_core::define_access! {
    /// #     pub Access;
    /// #     roles: [admin, editor],
    /// #     entity project { roles: [owner] }
    /// #     entitlements { "project:edit" on project => roles [owner] }
    /// # }
    /// #[derive(access_core::Schema)]
    /// #[schema(access = Access)]
    /// pub struct Note {
    ///     pub id: i64,
    ///     #[schema(permission(read = [admin]))]
    ///     pub secret: String,
    ///     pub title: String,
    /// }
    ///
    /// # fn main() {
    /// let (bob, admin) = (Principal::new("2"), Principal::new("1").global_roles(RoleSet::single(0)));
    /// let fields = |p: &Principal| {
    ///     let ctx = PermissionCtx::new(Access.data(), Some(p));
    ///     access_core::block_on_ready(Note::queryable_fields(&ctx)).unwrap()
    /// };
    /// assert_eq!(fields(&bob), ["id", "title"]);
    /// assert_eq!(fields(&admin), ["id", "secret", "title"]);
    /// # }
    /// ```
    fn queryable_fields<'a>(
        ctx: &'a PermissionCtx<'a>,
    ) -> impl Future<Output = Vec<&'static str>> + Send + 'a {
        async move {
            let mut out = Vec::new();
            for f in Self::PERMISSIONS.fields {
                if field_readable(f, ctx).await {
                    out.push(f.name);
                }
            }
            out
        }
    }

    /// The names of the fields of this row the caller may read.
    ///
    /// # Examples
    /// ```
    /// # use access_core::{AccessModel, PermissionCtx, Principal, Schema};
    /// # access_core::define_access! {
    /// #     pub Access;
    /// #     roles: [admin, editor],
    /// #     entity project { roles: [owner] }
    /// #     entitlements { "project:edit" on project => roles [owner] }
    /// # }
    /// #[derive(access_core::Schema)]
    /// #[schema(access = Access)]
    /// pub struct Note {
    ///     pub id: i64,
    ///     pub owner_id: i64,
    ///     // Only its owner reads it.
    ///     #[schema(permission(read = where(owner_id = user.id)))]
    ///     pub draft: String,
    /// }
    ///
    /// # fn main() {
    /// let bob = Principal::new("2");
    /// let ctx = PermissionCtx::new(Access.data(), Some(&bob));
    /// let mine = Note { id: 1, owner_id: 2, draft: String::new() };
    /// let theirs = Note { id: 2, owner_id: 3, draft: String::new() };
    /// let readable = |n: &Note| access_core::block_on_ready(n.readable_fields(&ctx)).unwrap();
    /// assert_eq!(readable(&mine), ["id", "owner_id", "draft"]);
    /// assert_eq!(readable(&theirs), ["id", "owner_id"]);
    /// # }
    /// ```
    fn readable_fields<'a>(
        &'a self,
        ctx: &'a PermissionCtx<'a>,
    ) -> impl Future<Output = Vec<&'static str>> + Send + 'a
    where
        Self: Sync,
    {
        async move {
            let ctx = ctx.with_row(self);
            let mut out = Vec::new();
            for f in Self::PERMISSIONS.fields {
                if field_readable(f, &ctx).await {
                    out.push(f.name);
                }
            }
            out
        }
    }

    /// The row as JSON without the fields the caller may not read.
    ///
    /// # Errors
    /// Serialization failed.
    ///
    /// # Examples
    /// ```
    /// # use access_core::{AccessModel, PermissionCtx, Principal, RoleSet, Schema};
    /// # access_core::define_access! {
    /// #     pub Access;
    /// #     roles: [admin, editor],
    /// #     entity project { roles: [owner] }
    /// #     entitlements { "project:edit" on project => roles [owner] }
    /// # }
    /// #[derive(access_core::Schema, serde::Serialize)]
    /// #[schema(access = Access)]
    /// pub struct Note {
    ///     pub id: i64,
    ///     #[schema(permission(read = [admin, editor]))]
    ///     pub notes: String,
    /// }
    ///
    /// # fn main() {
    /// let note = Note { id: 1, notes: "internal".into() };
    /// let editor = Principal::new("e").global_roles(RoleSet::single(1));
    /// let guest = Principal::new("g");
    /// let redact = |p: &Principal| {
    ///     let ctx = PermissionCtx::new(Access.data(), Some(p));
    ///     access_core::block_on_ready(note.redact(&ctx)).unwrap().unwrap()
    /// };
    /// assert_eq!(redact(&editor), serde_json::json!({ "id": 1, "notes": "internal" }));
    /// assert_eq!(redact(&guest), serde_json::json!({ "id": 1 }));
    /// # }
    /// ```
    fn redact<'a>(
        &'a self,
        ctx: &'a PermissionCtx<'a>,
    ) -> impl Future<Output = Result<serde_json::Value, serde_json::Error>> + Send + 'a
    where
        Self: serde::Serialize + Sync,
    {
        async move {
            let mut v = serde_json::to_value(self)?;
            if let serde_json::Value::Object(map) = &mut v {
                let ctx = ctx.with_row(self);
                for f in Self::PERMISSIONS.fields {
                    if f.read.is_some() && !field_readable(f, &ctx).await {
                        map.remove(f.name);
                    }
                }
            }
            Ok(v)
        }
    }

    /// Every field of `patch` (a JSON object of field → value) the caller may not set on this
    /// row (`existing`: the row being updated, none on create). Empty: the write may proceed.
    ///
    /// # Examples
    /// ```
    /// # use access_core::{AccessModel, PermissionCtx, Principal, ReasonKind, RoleSet, Schema};
    /// # access_core::define_access! {
    /// #     pub Access;
    /// #     roles: [admin, editor],
    /// #     entity project { roles: [owner] }
    /// #     entitlements { "project:edit" on project => roles [owner] }
    /// # }
    /// #[derive(access_core::Schema)]
    /// #[schema(access = Access)]
    /// pub struct Note {
    ///     pub id: i64,
    ///     pub title: String,
    ///     #[schema(permission(write = [admin]))]
    ///     pub pinned: bool,
    ///     #[schema(read_only)]
    ///     pub created_at: i64,
    /// }
    ///
    /// # fn main() {
    /// let bob = Principal::new("2");
    /// let ctx = PermissionCtx::new(Access.data(), Some(&bob));
    /// let note = Note { id: 1, title: "t".into(), pinned: false, created_at: 0 };
    ///
    /// let ok = serde_json::json!({ "title": "new" });
    /// let denied = access_core::block_on_ready(Note::check_write(&ok, Some(&note), &ctx)).unwrap();
    /// assert!(denied.is_empty());
    ///
    /// let patch = serde_json::json!({ "title": "x", "pinned": true, "created_at": 5, "color": "red" });
    /// let denied = access_core::block_on_ready(Note::check_write(&patch, Some(&note), &ctx)).unwrap();
    /// let mut fields: Vec<(&str, ReasonKind)> =
    ///     denied.iter().map(|d| (d.field.as_str(), d.reason.kind)).collect();
    /// fields.sort();
    /// assert_eq!(
    ///     fields,
    ///     [
    ///         ("color", ReasonKind::Blocked),      // no such field
    ///         ("created_at", ReasonKind::Blocked), // read-only
    ///         ("pinned", ReasonKind::RoleRequired),
    ///     ]
    /// );
    /// # }
    /// ```
    fn check_write<'a>(
        patch: &'a serde_json::Value,
        existing: Option<&'a Self>,
        ctx: &'a PermissionCtx<'a>,
    ) -> MaybeReady<'a, Vec<FieldDenial>>
    where
        Self: Sync,
    {
        let ctx = match existing {
            Some(row) => ctx.with_row(row),
            None => ctx.clone(),
        };
        match check_fields_sync(Self::PERMISSIONS, patch, &ctx) {
            Some(v) => MaybeReady::Ready(Some(v)),
            None => MaybeReady::Pending(Box::pin(async move {
                check_fields(Self::PERMISSIONS, patch, &ctx).await
            })),
        }
    }
}

/// Why a field write was refused.
///
/// # Examples
/// ```
/// # use access_core::{AccessModel, FieldDenial, PermissionCtx, Principal, ReasonKind, Schema};
/// # access_core::define_access! {
/// #     pub Access;
/// #     roles: [admin, editor],
/// #     entity project { roles: [owner] }
/// #     entitlements { "project:edit" on project => roles [owner] }
/// # }
/// #[derive(access_core::Schema)]
/// #[schema(access = Access)]
/// pub struct Note {
///     pub id: i64,
///     #[schema(read_only)]
///     pub created_at: i64,
/// }
///
/// # fn main() {
/// let bob = Principal::new("2");
/// let ctx = PermissionCtx::new(Access.data(), Some(&bob));
/// let patch = serde_json::json!({ "created_at": 5 });
/// let denied: Vec<FieldDenial> =
///     access_core::block_on_ready(Note::check_write(&patch, None, &ctx)).unwrap();
/// assert_eq!(denied.len(), 1);
/// assert_eq!(denied[0].field, "created_at");
/// assert_eq!(denied[0].reason.kind, ReasonKind::Blocked);
/// assert_eq!(denied[0].reason.message, "`created_at` is read-only");
/// # }
/// ```
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct FieldDenial {
    /// The field.
    pub field: String,
    /// Why.
    pub reason: Reason,
}

/// A denied schema check: the rule that failed (as written) and why.
///
/// # Examples
/// ```
/// # use access_core::{AccessModel, Action, Denial, PermissionCtx, Principal, ReasonKind, Schema};
/// # access_core::define_access! {
/// #     pub Access;
/// #     roles: [admin, editor],
/// #     entity project { roles: [owner] }
/// #     entitlements { "project:edit" on project => roles [owner] }
/// # }
/// #[derive(access_core::Schema)]
/// #[schema(access = Access, permission(create = [admin, editor]))]
/// pub struct Note {
///     pub id: i64,
/// }
///
/// # fn main() {
/// let bob = Principal::new("2");
/// let ctx = PermissionCtx::new(Access.data(), Some(&bob));
/// let denial: Denial =
///     access_core::block_on_ready(Note::authorize_action(&ctx, Action::Create)).unwrap().unwrap_err();
/// assert_eq!(denial.action, "create");
/// assert_eq!(denial.schema, "note");
/// assert_eq!(denial.reasons[0].kind, ReasonKind::RoleRequired);
/// assert_eq!(
///     denial.to_string(),
///     "`create` on `note` denied; role_required: needs the role `admin`, `editor`"
/// );
/// # }
/// ```
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Denial {
    /// The action.
    pub action: &'static str,
    /// The schema.
    pub schema: &'static str,
    /// Why, in the vocabulary of `check`.
    pub reasons: Vec<Reason>,
}

impl fmt::Display for Denial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` on `{}` denied", self.action, self.schema)?;
        for r in &self.reasons {
            write!(f, "; {}: {}", r.kind, r.message)?;
        }
        Ok(())
    }
}

impl std::error::Error for Denial {}

/// Checks entitlements for `entitlement(..)` rules: implemented by
/// [`AccessContext`](crate::AccessContext).
///
/// # Examples
/// ```
/// use std::future::Future;
/// use std::pin::Pin;
///
/// use access_core::model_builder::ModelBuilder;
/// use access_core::schema::{EntitlementCheck, Rule, evaluate};
/// use access_core::{EntitlementId, EntityTypeId, PermissionCtx, Principal, Resource, StoreResult};
///
/// /// Allows everything on resources whose id starts with `public-`.
/// struct PublicOnly;
/// impl EntitlementCheck for PublicOnly {
///     fn can_entitlement<'a>(
///         &'a self,
///         _entitlement: EntitlementId,
///         resource: Resource<'a>,
///     ) -> Pin<Box<dyn Future<Output = StoreResult<bool>> + Send + 'a>> {
///         Box::pin(async move { Ok(resource.id.starts_with("public-")) })
///     }
/// }
///
/// # let model = ModelBuilder::new("Access")
/// #     .entity("doc", ["owner"])
/// #     .entitlement("doc:edit", "doc", ["owner"], [])
/// #     .build()
/// #     .unwrap();
/// let rule = Rule::Entitlement { id: EntitlementId(0), name: "doc:edit" };
/// let user = Principal::new("u1");
/// let ctx = PermissionCtx::new(&model, Some(&user)).with_entitlements(&PublicOnly);
/// let on = |id: &'static str| ctx.clone().on_resource(Resource::new(EntityTypeId(0), id));
/// assert!(access_core::block_on_ready(evaluate(&rule, &on("public-1"))).unwrap().is_ok());
/// assert!(access_core::block_on_ready(evaluate(&rule, &on("secret-1"))).unwrap().is_err());
/// ```
pub trait EntitlementCheck: Sync {
    /// Whether the caller holds `entitlement` on `resource`.
    ///
    /// # Examples
    /// ```
    /// use access_core::schema::EntitlementCheck;
    /// use access_core::{AccessContext, ClosureStore, MemoryStore, Principal, Resource, RoleStore};
    ///
    /// access_core::define_access! {
    ///     pub Access;
    ///     entity project { roles: [owner] }
    ///     entitlements { "project:edit" on project => roles [owner] }
    /// }
    ///
    /// fn main() {
    ///     let store = MemoryStore::new();
    ///     let p1 = Resource::new(EntityType::Project, "p1");
    ///     access_core::block_on_ready(async {
    ///         store.add_resource(p1, &[]).await.unwrap();
    ///         store.assign("ann", p1, 0).await.unwrap();
    ///         let ann = AccessContext::new(&Access, &store, Principal::new("ann"));
    ///         let bob = AccessContext::new(&Access, &store, Principal::new("bob"));
    ///         let edit = Entitlement::ProjectEdit.into();
    ///         assert_eq!(ann.can_entitlement(edit, p1).await, Ok(true));
    ///         assert_eq!(bob.can_entitlement(edit, p1).await, Ok(false));
    ///     })
    ///     .unwrap();
    /// }
    /// ```
    fn can_entitlement<'a>(
        &'a self,
        entitlement: EntitlementId,
        resource: Resource<'a>,
    ) -> Pin<Box<dyn Future<Output = StoreResult<bool>> + Send + 'a>>;

    /// Why the caller may not exercise `entitlement` on `resource` (every reason, with what
    /// would fix it), asked only after [`EntitlementCheck::can_entitlement`] said no, so that an
    /// `entitlement(..)` rule's denial says what `check` would. `None` (the default) keeps the
    /// rule's own sentence (`hierarchy_denied`: "… is not granted on …").
    ///
    /// # Examples
    /// ```
    /// use access_core::schema::{EntitlementCheck, Rule, evaluate};
    /// use access_core::{
    ///     AccessContext, AccessModel, ClosureStore, MemoryStore, PermissionCtx, Principal, Resource,
    ///     RoleStore,
    /// };
    ///
    /// access_core::define_access! {
    ///     pub Access;
    ///     entity project { roles: [manager, viewer], implies: { manager => viewer } }
    ///     entitlements { "project:delete" on project => roles [manager] }
    /// }
    ///
    /// fn main() {
    ///     let store = MemoryStore::new();
    ///     let p1 = Resource::new(EntityType::Project, "p1");
    ///     access_core::block_on_ready(async {
    ///         store.add_resource(p1, &[]).await.unwrap();
    ///         store.assign("vic", p1, ProjectRole::Viewer.index()).await.unwrap();
    ///         let vic = AccessContext::new(&Access, &store, Principal::new("vic"));
    ///         let why = vic.explain_entitlement(Entitlement::ProjectDelete.into(), p1).await.unwrap();
    ///         assert!(why[0].message.contains("needs the role `manager`"), "{}", why[0].message);
    ///         // A rule's denial carries the same reasons.
    ///         let rule = Rule::Entitlement { id: Entitlement::ProjectDelete.into(), name: "project:delete" };
    ///         let principal = Principal::new("vic");
    ///         let ctx = PermissionCtx::new(Access.data(), Some(&principal)).on_resource(p1).with_entitlements(&vic);
    ///         assert_eq!(evaluate(&rule, &ctx).await.unwrap_err(), why);
    ///     })
    ///     .unwrap();
    /// }
    /// ```
    fn explain_entitlement<'a>(
        &'a self,
        entitlement: EntitlementId,
        resource: Resource<'a>,
    ) -> Pin<Box<dyn Future<Output = Option<Vec<Reason>>> + Send + 'a>> {
        let _ = (entitlement, resource);
        Box::pin(async { None })
    }
}

impl<M: crate::AccessModel, S: crate::Stores + Sync> EntitlementCheck
    for crate::AccessContext<'_, M, S>
{
    fn can_entitlement<'a>(
        &'a self,
        entitlement: EntitlementId,
        resource: Resource<'a>,
    ) -> Pin<Box<dyn Future<Output = StoreResult<bool>> + Send + 'a>> {
        Box::pin(self.can_id(entitlement, resource))
    }

    fn explain_entitlement<'a>(
        &'a self,
        entitlement: EntitlementId,
        resource: Resource<'a>,
    ) -> Pin<Box<dyn Future<Output = Option<Vec<Reason>>> + Send + 'a>> {
        Box::pin(async move {
            let d = self.check_id(entitlement, resource).await.ok()?;
            (!d.allowed && !d.reasons.is_empty()).then_some(d.reasons)
        })
    }
}

/// What a rule is evaluated against.
///
/// # Examples
/// ```
/// use access_core::model_builder::ModelBuilder;
/// use access_core::schema::{Rule, evaluate_sync};
/// use access_core::{PermissionCtx, Principal, RoleSet};
///
/// let model = ModelBuilder::new("Access")
///     .global_roles(["admin"])
///     .entity("doc", ["owner"])
///     .entitlement("doc:edit", "doc", ["owner"], [])
///     .build()
///     .unwrap();
/// let admin = Principal::new("a").global_roles(RoleSet::single(0));
/// let ctx = PermissionCtx::new(&model, Some(&admin));
/// assert_eq!(ctx.principal.map(|p| &*p.id), Some("a"));
/// assert!(ctx.row.is_none() && ctx.resource.is_none() && ctx.entitlements.is_none());
/// assert!(evaluate_sync(&Rule::GlobalRoles(RoleSet::single(0)), &ctx).unwrap().is_ok());
///
/// let anonymous = PermissionCtx::new(&model, None);
/// assert!(evaluate_sync(&Rule::GlobalRoles(RoleSet::single(0)), &anonymous).unwrap().is_err());
/// ```
#[derive(Clone)]
pub struct PermissionCtx<'a> {
    /// The signed-in user, if any.
    pub principal: Option<&'a Principal>,
    /// The model (global role names, entitlements, `default_permission`).
    pub model: &'a ModelData,
    /// When (for `fva`).
    pub now: Timestamp,
    /// The row, when the action has one.
    pub row: Option<&'a dyn RowFields>,
    /// The resource `entitlement(..)` rules are checked on; by default the row's id on the
    /// entitlement's entity type.
    pub resource: Option<Resource<'a>>,
    /// Answers `entitlement(..)` rules; without one they deny.
    pub entitlements: Option<&'a dyn EntitlementCheck>,
    /// The row's id field (for `entitlement(..)` rules on the row).
    id_field: &'static str,
    /// Whether a denied `entitlement(..)` rule asks for `check`'s reasons
    /// ([`PermissionCtx::verdicts_only`]).
    explain: bool,
}

impl fmt::Debug for PermissionCtx<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PermissionCtx")
            .field("principal", &self.principal)
            .field("now", &self.now)
            .field("resource", &self.resource)
            .finish_non_exhaustive()
    }
}

impl<'a> PermissionCtx<'a> {
    /// A context for `principal` (`None`: nobody is signed in) on `model`'s tables, now.
    ///
    /// # Examples
    /// ```
    /// use access_core::model_builder::ModelBuilder;
    /// use access_core::{PermissionCtx, Principal};
    ///
    /// # let model = ModelBuilder::new("Access")
    /// #     .entity("doc", ["owner"])
    /// #     .entitlement("doc:edit", "doc", ["owner"], [])
    /// #     .build()
    /// #     .unwrap();
    /// let before = access_core::time::now();
    /// let user = Principal::new("u1");
    /// let ctx = PermissionCtx::new(&model, Some(&user));
    /// assert!(ctx.now >= before);
    /// assert_eq!(ctx.principal, Some(&user));
    /// assert!(PermissionCtx::new(&model, None).principal.is_none());
    /// ```
    pub fn new(model: &'a ModelData, principal: Option<&'a Principal>) -> Self {
        Self {
            principal,
            model,
            now: crate::time::now(),
            row: None,
            resource: None,
            entitlements: None,
            id_field: "",
            explain: true,
        }
    }
    /// At another time.
    ///
    /// # Examples
    /// ```
    /// use access_core::model_builder::ModelBuilder;
    /// use access_core::schema::{Rule, evaluate_sync};
    /// use access_core::{PermissionCtx, Principal};
    ///
    /// # let model = ModelBuilder::new("Access")
    /// #     .entity("doc", ["owner"])
    /// #     .entitlement("doc:edit", "doc", ["owner"], [])
    /// #     .build()
    /// #     .unwrap();
    /// // fva(300): the second factor verified within 5 minutes.
    /// let user = Principal::new("u1").mfa_verified_at(1_000);
    /// let ctx = PermissionCtx::new(&model, Some(&user));
    /// assert_eq!(ctx.clone().at(1_200).now, 1_200);
    /// assert!(evaluate_sync(&Rule::Fva(300), &ctx.clone().at(1_200)).unwrap().is_ok());
    /// assert!(evaluate_sync(&Rule::Fva(300), &ctx.at(1_400)).unwrap().is_err());
    /// ```
    #[must_use]
    pub fn at(mut self, now: Timestamp) -> Self {
        self.now = now;
        self
    }
    /// With an entitlement checker (an `AccessContext` for the same principal).
    ///
    /// # Examples
    /// ```
    /// use access_core::schema::{Rule, evaluate};
    /// use access_core::{
    ///     AccessContext, AccessModel, ClosureStore, MemoryStore, PermissionCtx, Principal, Resource,
    ///     ReasonKind, RoleStore,
    /// };
    ///
    /// access_core::define_access! {
    ///     pub Access;
    ///     entity project { roles: [owner] }
    ///     entitlements { "project:edit" on project => roles [owner] }
    /// }
    ///
    /// fn main() {
    ///     let store = MemoryStore::new();
    ///     let p1 = Resource::new(EntityType::Project, "p1");
    ///     let ann = Principal::new("ann");
    ///     let rule = Rule::Entitlement { id: Entitlement::ProjectEdit.into(), name: "project:edit" };
    ///     access_core::block_on_ready(async {
    ///         store.add_resource(p1, &[]).await.unwrap();
    ///         store.assign("ann", p1, 0).await.unwrap();
    ///         let access = AccessContext::new(&Access, &store, ann.clone());
    ///         let ctx = PermissionCtx::new(Access.data(), Some(&ann)).on_resource(p1);
    ///         // Without a checker, `entitlement(..)` rules deny.
    ///         let reasons = evaluate(&rule, &ctx).await.unwrap_err();
    ///         assert_eq!(reasons[0].kind, ReasonKind::ResourceRequired);
    ///         let ctx = ctx.with_entitlements(&access);
    ///         assert!(evaluate(&rule, &ctx).await.is_ok());
    ///     })
    ///     .unwrap();
    /// }
    /// ```
    #[must_use]
    pub fn with_entitlements(mut self, checker: &'a dyn EntitlementCheck) -> Self {
        self.entitlements = Some(checker);
        self
    }
    /// Checks `entitlement(..)` rules on this resource instead of the row's id.
    ///
    /// # Examples
    /// ```
    /// use access_core::model_builder::ModelBuilder;
    /// use access_core::{EntityTypeId, PermissionCtx, Resource};
    ///
    /// # let model = ModelBuilder::new("Access")
    /// #     .entity("doc", ["owner"])
    /// #     .entitlement("doc:edit", "doc", ["owner"], [])
    /// #     .build()
    /// #     .unwrap();
    /// let folder = Resource::new(EntityTypeId(0), "folder-1");
    /// let ctx = PermissionCtx::new(&model, None).on_resource(folder);
    /// assert_eq!(ctx.resource, Some(folder));
    /// ```
    #[must_use]
    pub fn on_resource(mut self, resource: Resource<'a>) -> Self {
        self.resource = Some(resource);
        self
    }
    /// Denials without `check`'s reasons: a denied `entitlement(..)` rule keeps its own sentence
    /// instead of asking [`EntitlementCheck::explain_entitlement`] (a second store read). For
    /// callers that only need the verdict, such as a list filtering rows.
    ///
    /// # Examples
    /// ```
    /// use access_core::schema::{Rule, evaluate};
    /// use access_core::{
    ///     AccessContext, AccessModel, ClosureStore, MemoryStore, PermissionCtx, Principal, Resource,
    ///     RoleStore,
    /// };
    ///
    /// access_core::define_access! {
    ///     pub Access;
    ///     entity project { roles: [manager, viewer], implies: { manager => viewer } }
    ///     entitlements { "project:delete" on project => roles [manager] }
    /// }
    ///
    /// fn main() {
    ///     let store = MemoryStore::new();
    ///     let p1 = Resource::new(EntityType::Project, "p1");
    ///     access_core::block_on_ready(async {
    ///         store.add_resource(p1, &[]).await.unwrap();
    ///         let vic = AccessContext::new(&Access, &store, Principal::new("vic"));
    ///         let rule = Rule::Entitlement { id: Entitlement::ProjectDelete.into(), name: "project:delete" };
    ///         let principal = Principal::new("vic");
    ///         let ctx = PermissionCtx::new(Access.data(), Some(&principal)).on_resource(p1).with_entitlements(&vic);
    ///         let explained = evaluate(&rule, &ctx).await.unwrap_err();
    ///         assert!(explained[0].message.contains("needs the role `manager`"));
    ///         let verdict = evaluate(&rule, &ctx.verdicts_only()).await.unwrap_err();
    ///         assert!(verdict[0].message.contains("is not granted on project:p1"));
    ///     })
    ///     .unwrap();
    /// }
    /// ```
    #[must_use]
    pub fn verdicts_only(mut self) -> Self {
        self.explain = false;
        self
    }
    /// With the row the action concerns.
    ///
    /// # Examples
    /// ```
    /// # use access_core::{AccessModel, PermissionCtx, Schema};
    /// # use access_core::schema::FieldValue;
    /// # access_core::define_access! {
    /// #     pub Access;
    /// #     roles: [admin, editor],
    /// #     entity project { roles: [owner] }
    /// #     entitlements { "project:edit" on project => roles [owner] }
    /// # }
    /// #[derive(access_core::Schema)]
    /// #[schema(access = Access, permission(read = where(id = 7)))]
    /// pub struct Note {
    ///     pub id: i64,
    /// }
    ///
    /// # fn main() {
    /// let ctx = PermissionCtx::new(Access.data(), None);
    /// let note = Note { id: 7 };
    /// let with = ctx.with_row(&note);
    /// assert!(ctx.row.is_none()); // the original is unchanged
    /// assert_eq!(with.row.map(|r| r.field("id")), Some(FieldValue::Int(7)));
    /// assert_eq!(with.row_as::<Note>().map(|n| n.id), Some(7));
    /// # }
    /// ```
    #[must_use]
    pub fn with_row<T: Schema>(&self, row: &'a T) -> Self {
        let mut c = self.clone();
        c.row = Some(row);
        c.id_field = T::PERMISSIONS.id_field;
        c
    }
    /// The row as its own type, for dynamic checks:
    /// `ctx.row_as::<Product>().is_some_and(|p| p.owner_id == ..)`.
    ///
    /// # Examples
    /// ```
    /// # use access_core::{AccessModel, Action, PermissionCtx, Principal, Schema};
    /// # access_core::define_access! {
    /// #     pub Access;
    /// #     roles: [admin, editor],
    /// #     entity project { roles: [owner] }
    /// #     entitlements { "project:edit" on project => roles [owner] }
    /// # }
    /// async fn is_short(ctx: &PermissionCtx<'_>) -> bool {
    ///     ctx.row_as::<Note>().is_some_and(|n| n.body.len() < 10)
    /// }
    ///
    /// #[derive(access_core::Schema)]
    /// #[schema(access = Access, permission(update = [self::is_short]))]
    /// pub struct Note {
    ///     pub id: i64,
    ///     pub body: String,
    /// }
    ///
    /// # fn main() {
    /// let user = Principal::new("u1");
    /// let ctx = PermissionCtx::new(Access.data(), Some(&user));
    /// assert!(ctx.row_as::<Note>().is_none()); // no row yet
    /// let note = Note { id: 1, body: "short".into() };
    /// let long = Note { id: 2, body: "a much longer body".into() };
    /// let allowed = |n: &Note| {
    ///     access_core::block_on_ready(Note::authorize_action(&ctx.with_row(n), Action::Update))
    ///         .unwrap()
    ///         .is_ok()
    /// };
    /// assert!(allowed(&note));
    /// assert!(!allowed(&long));
    /// assert!(ctx.with_row(&note).row_as::<String>().is_none()); // wrong type
    /// # }
    /// ```
    pub fn row_as<T: 'static>(&self) -> Option<&'a T> {
        self.row.and_then(|r| r.as_any().downcast_ref())
    }
    fn active_principal(&self) -> Option<&'a Principal> {
        self.principal.filter(|p| p.active)
    }
}

fn reason(kind: ReasonKind, message: String) -> Reason {
    Reason {
        kind,
        message,
        meta: ReasonMeta::None,
    }
}

fn push_role_names(out: &mut String, model: &ModelData, roles: RoleSet) {
    let mut first = true;
    for r in roles.iter() {
        if let Some(n) = model.global_roles.get(r) {
            if !first {
                out.push_str(", ");
            }
            first = false;
            out.push('`');
            out.push_str(n);
            out.push('`');
        }
    }
}

/// The rule `default_permission` gives an action.
///
/// # Examples
/// ```
/// use access_core::model_builder::ModelBuilder;
/// use access_core::schema::{Rule, default_rule};
/// use access_core::Action;
///
/// let model = ModelBuilder::new("Access")
///     .entity("doc", ["owner"])
///     .entitlement("doc:edit", "doc", ["owner"], [])
///     .build()
///     .unwrap();
/// // Without `default_permission`: reads need a signed-in user, writes are blocked.
/// let d = &model.default_permission;
/// assert!(matches!(default_rule(d, Action::Read), Rule::Authenticated));
/// assert!(matches!(default_rule(d, Action::List), Rule::Authenticated));
/// assert!(matches!(default_rule(d, Action::Create), Rule::Blocked));
/// assert!(matches!(default_rule(d, Action::Delete), Rule::Blocked));
/// ```
pub fn default_rule(d: &DefaultPermission, action: Action) -> Rule {
    let p = match action {
        Action::Create => d.create,
        Action::Read => d.read,
        Action::List => d.list,
        Action::Update => d.update,
        Action::Delete => d.delete,
    };
    match p {
        Permission::Public => Rule::Public,
        Permission::Blocked => Rule::Blocked,
        Permission::Authenticated => Rule::Authenticated,
        Permission::Roles(roles) => Rule::GlobalRoles(roles),
    }
}

fn matches(clause: &Where, value: FieldValue<'_>, p: Option<&Principal>) -> bool {
    let want: &str = match clause.value {
        WhereValue::UserId => match p {
            Some(p) => &p.id,
            None => return false,
        },
        WhereValue::TenantId => match p.and_then(|p| p.tenant.as_deref()) {
            Some(t) => t,
            None => return false,
        },
        WhereValue::Int(i) => return value == FieldValue::Int(i),
        WhereValue::Str(s) => return value == FieldValue::Str(s),
        WhereValue::Bool(b) => return value == FieldValue::Bool(b),
    };
    match value {
        FieldValue::Int(i) => want.parse::<i64>() == Ok(i),
        FieldValue::Str(s) => s == want,
        FieldValue::Bool(_) | FieldValue::Null => false,
    }
}

/// Evaluates `rule`. `Ok(())` allows; `Err` carries every reason the rule gives.
///
/// Rules that need no I/O (everything but dynamic checks and entitlements) complete without
/// suspending.
///
/// # Examples
/// ```
/// use access_core::model_builder::ModelBuilder;
/// use access_core::schema::{Rule, evaluate};
/// use access_core::{PermissionCtx, Principal, ReasonKind};
///
/// # let model = ModelBuilder::new("Access")
/// #     .entity("doc", ["owner"])
/// #     .entitlement("doc:edit", "doc", ["owner"], [])
/// #     .build()
/// #     .unwrap();
/// const RULE: Rule = Rule::All(&[Rule::Authenticated, Rule::Fva(60)]);
/// let user = Principal::new("u1").mfa_verified_at(100);
/// let ctx = PermissionCtx::new(&model, Some(&user)).at(130);
/// assert_eq!(access_core::block_on_ready(evaluate(&RULE, &ctx)), Some(Ok(())));
///
/// let anonymous = PermissionCtx::new(&model, None);
/// let reasons = access_core::block_on_ready(evaluate(&RULE, &anonymous)).unwrap().unwrap_err();
/// assert!(reasons.iter().all(|r| r.kind == ReasonKind::AuthenticationRequired));
/// ```
pub fn evaluate<'a>(
    rule: &'a Rule,
    ctx: &'a PermissionCtx<'a>,
) -> Pin<Box<dyn Future<Output = Result<(), Vec<Reason>>> + Send + 'a>> {
    Box::pin(async move {
        if let Some(r) = evaluate_sync(rule, ctx) {
            return r;
        }
        let p = ctx.active_principal();
        match rule {
            Rule::List(entries) => {
                if p.is_none() {
                    return Err(vec![unauthenticated(ctx)]);
                }
                for e in *entries {
                    if let ListItem::Check(fut) = (e.item)(ctx)
                        && fut.await
                    {
                        return Ok(());
                    }
                }
                Err(vec![list_reason(ctx, entries)])
            }
            Rule::Dynamic(c) => {
                if (c.check)(ctx).await {
                    Ok(())
                } else {
                    Err(vec![reason(
                        ReasonKind::DynamicCheckFailed,
                        format!("the check `{}` did not allow it", c.name),
                    )])
                }
            }
            Rule::Entitlement { id, name } => {
                let Some(p) = p else {
                    return Err(vec![unauthenticated(ctx)]);
                };
                if p.superuser {
                    return Ok(());
                }
                let Some(checker) = ctx.entitlements else {
                    return Err(vec![reason(
                        ReasonKind::ResourceRequired,
                        format!("`{name}` needs an access context to be checked"),
                    )]);
                };
                let ty = ctx
                    .model
                    .entitlements
                    .get(id.0 as usize)
                    .map(|e| crate::EntityTypeId(e.entity));
                let row_id = match ctx.row.map(|r| r.field(ctx.id_field)) {
                    Some(FieldValue::Int(i)) => Some(i.to_string()),
                    Some(FieldValue::Str(s)) => Some(s.to_owned()),
                    _ => None,
                };
                let resource = ctx
                    .resource
                    .or_else(|| Some(Resource::new(ty?, row_id.as_deref()?)));
                let Some(resource) = resource else {
                    return Err(vec![reason(
                        ReasonKind::ResourceRequired,
                        format!("`{name}` is checked on a resource and there is none"),
                    )]);
                };
                match checker.can_entitlement(*id, resource).await {
                    Ok(true) => Ok(()),
                    Ok(false) => Err(match explained(ctx, checker, *id, resource).await {
                        Some(reasons) => reasons,
                        None => vec![reason(
                            ReasonKind::HierarchyDenied,
                            format!(
                                "`{name}` is not granted on {}:{}",
                                entity_of(ctx, *id),
                                resource.id
                            ),
                        )],
                    }),
                    Err(_) => Err(vec![reason(
                        ReasonKind::HierarchyDenied,
                        format!("`{name}` could not be checked"),
                    )]),
                }
            }
            Rule::All(rules) => {
                let mut reasons = Vec::new();
                for r in *rules {
                    if let Err(mut rs) = evaluate(r, ctx).await {
                        reasons.append(&mut rs);
                    }
                }
                if reasons.is_empty() {
                    Ok(())
                } else {
                    Err(reasons)
                }
            }
            Rule::Any(rules) => {
                let mut reasons = Vec::new();
                for r in *rules {
                    match evaluate(r, ctx).await {
                        Ok(()) => return Ok(()),
                        Err(mut rs) => reasons.append(&mut rs),
                    }
                }
                reasons.sort_by_key(|r| r.kind);
                Err(reasons)
            }
            // Handled by `evaluate_sync`.
            Rule::Public
            | Rule::Blocked
            | Rule::Authenticated
            | Rule::GlobalRoles(_)
            | Rule::Where(_)
            | Rule::Fva(_) => Err(vec![reason(ReasonKind::Blocked, "unreachable".into())]),
        }
    })
}

fn entity_of(ctx: &PermissionCtx<'_>, id: EntitlementId) -> String {
    ctx.model
        .entitlements
        .get(id.0 as usize)
        .and_then(|e| ctx.model.entities.get(e.entity as usize))
        .map_or_else(String::new, |e| e.name.to_string())
}

fn unauthenticated(_ctx: &PermissionCtx<'_>) -> Reason {
    reason(
        ReasonKind::AuthenticationRequired,
        "sign in first".to_owned(),
    )
}

fn list_reason(ctx: &PermissionCtx<'_>, entries: &[ListEntry]) -> Reason {
    let mut roles = RoleSet::EMPTY;
    let mut checks = 0usize;
    for e in entries {
        match (e.item)(ctx) {
            ListItem::Role(r) => roles.insert(r as usize),
            ListItem::Check(_) => checks += 1,
        }
    }
    let mut message = String::with_capacity(48);
    if !roles.is_empty() {
        message.push_str("needs the role ");
        push_role_names(&mut message, ctx.model, roles);
    }
    if checks > 0 {
        if !message.is_empty() {
            message.push_str(", or ");
        }
        message.push_str("the check ");
        let mut first = true;
        for e in entries {
            if matches!((e.item)(ctx), ListItem::Check(_)) {
                if !first {
                    message.push_str(", ");
                }
                first = false;
                message.push('`');
                message.push_str(e.name);
                message.push('`');
            }
        }
        message.push_str(" to allow it");
    }
    roles_reason_with(ctx, roles, message)
}

fn roles_reason(ctx: &PermissionCtx<'_>, roles: RoleSet) -> Reason {
    let mut message = String::with_capacity(48);
    message.push_str("needs the role ");
    push_role_names(&mut message, ctx.model, roles);
    roles_reason_with(ctx, roles, message)
}

fn roles_reason_with(ctx: &PermissionCtx<'_>, roles: RoleSet, message: String) -> Reason {
    Reason {
        kind: ReasonKind::RoleRequired,
        message,
        meta: ReasonMeta::Roles {
            entity: String::new(),
            roles: roles
                .iter()
                .filter_map(|r| ctx.model.global_roles.get(r).map(|n| n.to_string()))
                .collect(),
            via: Vec::new(),
        },
    }
}

/// Evaluates what needs no I/O; `None` when the rule (or a part it cannot decide without) needs
/// a dynamic check or an entitlement.
///
/// # Examples
/// ```
/// use access_core::model_builder::ModelBuilder;
/// use access_core::schema::{CheckFuture, NamedCheck, Rule, evaluate_sync};
/// use access_core::{PermissionCtx, Principal, ReasonKind};
///
/// fn never<'a>(_: &'a PermissionCtx<'a>) -> CheckFuture<'a> {
///     Box::pin(async { false })
/// }
///
/// # let model = ModelBuilder::new("Access")
/// #     .entity("doc", ["owner"])
/// #     .entitlement("doc:edit", "doc", ["owner"], [])
/// #     .build()
/// #     .unwrap();
/// let user = Principal::new("u1");
/// let ctx = PermissionCtx::new(&model, Some(&user));
/// assert_eq!(evaluate_sync(&Rule::Authenticated, &ctx), Some(Ok(())));
/// let blocked = evaluate_sync(&Rule::Blocked, &ctx).unwrap().unwrap_err();
/// assert_eq!(blocked[0].kind, ReasonKind::Blocked);
/// // A dynamic check needs `evaluate`.
/// let dynamic = Rule::Dynamic(NamedCheck { name: "never", check: never });
/// assert!(evaluate_sync(&dynamic, &ctx).is_none());
/// ```
pub fn evaluate_sync(rule: &Rule, ctx: &PermissionCtx<'_>) -> Option<Result<(), Vec<Reason>>> {
    let mut reasons = Vec::new();
    let ok = evaluate_sync_into(rule, ctx, &mut reasons)?;
    Some(if ok { Ok(()) } else { Err(reasons) })
}

/// Whether a role list allows an active principal: `None` when only a dynamic check listed
/// could.
fn list_allows(p: &Principal, entries: &[ListEntry], ctx: &PermissionCtx<'_>) -> Option<bool> {
    if p.superuser {
        return Some(true);
    }
    let mut has_checks = false;
    for e in entries {
        match (e.item)(ctx) {
            ListItem::Role(r) if p.global_roles.contains(r as usize) => return Some(true),
            ListItem::Role(_) => {}
            ListItem::Check(_) => has_checks = true,
        }
    }
    if has_checks { None } else { Some(false) }
}

/// [`evaluate_sync`] into a caller's buffer: `Some(true)` allows; `Some(false)` denies, with
/// the reasons pushed onto `out`; `None` needs [`evaluate`]. Nothing is pushed on `Some(true)`
/// or `None`.
///
/// # Examples
/// ```
/// use access_core::model_builder::ModelBuilder;
/// use access_core::schema::{Rule, evaluate_sync_into};
/// use access_core::{PermissionCtx, ReasonKind};
///
/// # let model = ModelBuilder::new("Access")
/// #     .entity("doc", ["owner"])
/// #     .entitlement("doc:edit", "doc", ["owner"], [])
/// #     .build()
/// #     .unwrap();
/// let anonymous = PermissionCtx::new(&model, None);
/// let mut reasons = Vec::new();
/// assert_eq!(evaluate_sync_into(&Rule::Public, &anonymous, &mut reasons), Some(true));
/// assert!(reasons.is_empty());
/// assert_eq!(evaluate_sync_into(&Rule::Authenticated, &anonymous, &mut reasons), Some(false));
/// assert_eq!(reasons[0].kind, ReasonKind::AuthenticationRequired);
/// ```
pub fn evaluate_sync_into(
    rule: &Rule,
    ctx: &PermissionCtx<'_>,
    out: &mut Vec<Reason>,
) -> Option<bool> {
    let p = ctx.active_principal();
    let deny = |out: &mut Vec<Reason>, r: Reason| {
        out.push(r);
        Some(false)
    };
    match rule {
        Rule::Public => Some(true),
        Rule::Blocked if p.is_some_and(|p| p.superuser) && ctx.model.superuser_bypasses_blocked => {
            Some(true)
        }
        Rule::Blocked => deny(
            out,
            reason(ReasonKind::Blocked, "nobody may do this".to_owned()),
        ),
        Rule::Authenticated => match p {
            Some(_) => Some(true),
            None => deny(out, unauthenticated(ctx)),
        },
        Rule::GlobalRoles(roles) => match p {
            None => deny(out, unauthenticated(ctx)),
            Some(p) if p.superuser || p.global_roles.intersects(*roles) => Some(true),
            Some(_) => deny(out, roles_reason(ctx, *roles)),
        },
        Rule::List(entries) => match p {
            None => deny(out, unauthenticated(ctx)),
            Some(p) => match list_allows(p, entries, ctx)? {
                true => Some(true),
                false => deny(out, list_reason(ctx, entries)),
            },
        },
        Rule::Fva(secs) => match p {
            None => deny(out, unauthenticated(ctx)),
            Some(p) if p.superuser => Some(true),
            Some(p) => match p.mfa_verified_at {
                Some(t) if t <= ctx.now && ctx.now - t <= *secs as i64 => Some(true),
                _ => deny(
                    out,
                    reason(
                        ReasonKind::MfaRequired,
                        format!("verify your second factor (needed within the last {secs} s)"),
                    ),
                ),
            },
        },
        Rule::Where(clauses) => {
            if p.is_some_and(|p| p.superuser) {
                return Some(true);
            }
            let Some(row) = ctx.row else {
                return deny(
                    out,
                    reason(
                        ReasonKind::RowRuleFailed,
                        "the rule applies to a row and there is none".to_owned(),
                    ),
                );
            };
            let before = out.len();
            for c in *clauses {
                if !matches(c, row.field(c.field), p) {
                    out.push(reason(
                        ReasonKind::RowRuleFailed,
                        format!("the row's `{}` does not match {}", c.field, describe(c)),
                    ));
                }
            }
            Some(out.len() == before)
        }
        Rule::All(rules) => {
            let before = out.len();
            let mut ok = true;
            for r in *rules {
                match evaluate_sync_into(r, ctx, out) {
                    Some(v) => ok &= v,
                    None => {
                        out.truncate(before);
                        return None;
                    }
                }
            }
            Some(ok)
        }
        Rule::Any(rules) => {
            let before = out.len();
            for r in *rules {
                match evaluate_sync_into(r, ctx, out) {
                    Some(true) => {
                        out.truncate(before);
                        return Some(true);
                    }
                    Some(false) => {}
                    None => {
                        out.truncate(before);
                        return None;
                    }
                }
            }
            out[before..].sort_by_key(|r| r.kind);
            Some(false)
        }
        Rule::Entitlement { .. } | Rule::Dynamic(_) => None,
    }
}

fn describe(c: &Where) -> String {
    match c.value {
        WhereValue::UserId => "your user id".to_owned(),
        WhereValue::TenantId => "your tenant".to_owned(),
        WhereValue::Int(i) => i.to_string(),
        WhereValue::Str(s) => format!("\"{s}\""),
        WhereValue::Bool(b) => b.to_string(),
    }
}

/// Whether the caller may perform `action` on a schema with these permissions.
///
/// # Errors
/// The failed rule's reasons.
///
/// # Examples
/// ```
/// # use access_core::{AccessModel, Action, PermissionCtx, Principal, ReasonKind, Schema};
/// # use access_core::schema::authorize;
/// # access_core::define_access! {
/// #     pub Access;
/// #     roles: [admin, editor],
/// #     entity project { roles: [owner] }
/// #     entitlements { "project:edit" on project => roles [owner] }
/// # }
/// #[derive(access_core::Schema)]
/// #[schema(access = Access, permission(read = public))]
/// pub struct Note {
///     pub id: i64,
/// }
///
/// # fn main() {
/// let active = Principal::new("u1");
/// let inactive = Principal::new("u2").active(false);
/// let run = |p: &Principal, action| {
///     let ctx = PermissionCtx::new(Access.data(), Some(p));
///     access_core::block_on_ready(authorize(Note::PERMISSIONS, &ctx, action)).unwrap()
/// };
/// assert!(run(&active, Action::Read).is_ok());
/// // `update` has no rule: the model's default (`blocked` for writes).
/// assert_eq!(run(&active, Action::Update).unwrap_err().reasons[0].kind, ReasonKind::Blocked);
/// // Inactive users are refused everything, `public` included.
/// let denial = run(&inactive, Action::Read).unwrap_err();
/// assert_eq!(denial.reasons[0].kind, ReasonKind::InactiveUser);
/// # }
/// ```
pub async fn authorize(
    perms: &'static SchemaPermissions,
    ctx: &PermissionCtx<'_>,
    action: Action,
) -> Result<(), Denial> {
    if let Some(p) = ctx.principal
        && !p.active
    {
        return Err(Denial {
            action: action.as_str(),
            schema: perms.name,
            reasons: vec![reason(
                ReasonKind::InactiveUser,
                "the account is inactive".to_owned(),
            )],
        });
    }
    let rule = perms
        .rule(action)
        .unwrap_or_else(|| default_rule(&ctx.model.default_permission, action));
    evaluate(&rule, ctx).await.map_err(|reasons| Denial {
        action: action.as_str(),
        schema: perms.name,
        reasons,
    })
}

async fn field_readable(f: &FieldPermission, ctx: &PermissionCtx<'_>) -> bool {
    match &f.read {
        None => true,
        Some(rule) => match evaluate_sync(rule, ctx) {
            Some(r) => r.is_ok(),
            None => evaluate(rule, ctx).await.is_ok(),
        },
    }
}

fn not_an_object() -> Vec<FieldDenial> {
    vec![FieldDenial {
        field: String::new(),
        reason: reason(
            ReasonKind::Blocked,
            "the body must be a JSON object of fields".to_owned(),
        ),
    }]
}

/// The field's write rule, or why nobody may write it (unknown or read-only).
// The denial goes straight into the caller's list; boxing it would add an allocation per
// refused field.
#[allow(clippy::result_large_err)]
fn write_rule<'p>(
    perms: &'p SchemaPermissions,
    key: &str,
) -> Result<Option<&'p Rule>, FieldDenial> {
    let Some(f) = perms.field(key) else {
        return Err(FieldDenial {
            field: key.to_owned(),
            reason: reason(
                ReasonKind::Blocked,
                format!("`{}` has no field `{key}`", perms.name),
            ),
        });
    };
    if f.read_only {
        return Err(FieldDenial {
            field: key.to_owned(),
            reason: reason(ReasonKind::Blocked, format!("`{key}` is read-only")),
        });
    }
    Ok(f.write.as_ref())
}

/// Field write checks without suspending; `None` when a rule needs a dynamic check or an
/// entitlement.
fn check_fields_sync(
    perms: &SchemaPermissions,
    patch: &serde_json::Value,
    ctx: &PermissionCtx<'_>,
) -> Option<Vec<FieldDenial>> {
    let Some(map) = patch.as_object() else {
        return Some(not_an_object());
    };
    let mut out = Vec::new();
    let mut buf = Vec::new();
    for key in map.keys() {
        match write_rule(perms, key) {
            Err(d) => out.push(d),
            Ok(None) => {}
            Ok(Some(rule)) => {
                // The common field rule, a role list, decided without a buffer.
                if let Rule::List(entries) = rule
                    && let Some(p) = ctx.active_principal()
                {
                    match list_allows(p, entries, ctx) {
                        Some(true) => continue,
                        Some(false) => {
                            out.push(FieldDenial {
                                field: key.clone(),
                                reason: list_reason(ctx, entries),
                            });
                            continue;
                        }
                        None => return None,
                    }
                }
                evaluate_sync_into(rule, ctx, &mut buf)?;
                for reason in buf.drain(..) {
                    out.push(FieldDenial {
                        field: key.clone(),
                        reason,
                    });
                }
            }
        }
    }
    Some(out)
}

async fn check_fields(
    perms: &SchemaPermissions,
    patch: &serde_json::Value,
    ctx: &PermissionCtx<'_>,
) -> Vec<FieldDenial> {
    let Some(map) = patch.as_object() else {
        return not_an_object();
    };
    let mut out = Vec::new();
    for key in map.keys() {
        match write_rule(perms, key) {
            Err(d) => out.push(d),
            Ok(None) => {}
            Ok(Some(rule)) => {
                if let Err(reasons) = evaluate(rule, ctx).await {
                    for reason in reasons {
                        out.push(FieldDenial {
                            field: key.clone(),
                            reason,
                        });
                    }
                }
            }
        }
    }
    out
}

/// A future that is often ready at once: schema checks that need no I/O complete when they are
/// called, without building a state machine.
///
/// # Examples
/// ```
/// # use access_core::{AccessModel, PermissionCtx, Principal, Schema};
/// # use access_core::schema::MaybeReady;
/// # access_core::define_access! {
/// #     pub Access;
/// #     roles: [admin, editor],
/// #     entity project { roles: [owner] }
/// #     entitlements { "project:edit" on project => roles [owner] }
/// # }
/// #[derive(access_core::Schema)]
/// #[schema(access = Access)]
/// pub struct Note {
///     pub id: i64,
/// }
///
/// # fn main() {
/// let user = Principal::new("u1");
/// let ctx = PermissionCtx::new(Access.data(), Some(&user));
/// let patch = serde_json::json!({ "id": 2 });
/// // No dynamic check or entitlement involved: computed at once.
/// let fut = Note::check_write(&patch, None, &ctx);
/// assert!(matches!(fut, MaybeReady::Ready(Some(_))));
/// assert!(access_core::block_on_ready(fut).unwrap().is_empty());
///
/// let ready = MaybeReady::<u8>::Pending(Box::pin(async { 3 }));
/// assert_eq!(access_core::block_on_ready(ready), Some(3));
/// # }
/// ```
#[allow(missing_debug_implementations)]
pub enum MaybeReady<'a, T> {
    /// Computed already.
    Ready(Option<T>),
    /// Needs to wait (dynamic checks, entitlements).
    Pending(Pin<Box<dyn Future<Output = T> + Send + 'a>>),
}

impl<T: Unpin> Future for MaybeReady<'_, T> {
    type Output = T;
    fn poll(self: Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> std::task::Poll<T> {
        match self.get_mut() {
            // Polled again after completion: stays pending rather than panicking.
            MaybeReady::Ready(v) => v
                .take()
                .map_or(std::task::Poll::Pending, std::task::Poll::Ready),
            MaybeReady::Pending(f) => f.as_mut().poll(cx),
        }
    }
}

/// A global role, as schema attributes name it: `define_access!` generates one constant per
/// global role in a hidden module, and the derive resolves role identifiers to them.
///
/// # Examples
/// ```
/// use access_core::schema::GlobalRole;
///
/// access_core::define_access! {
///     pub Access;
///     roles: [admin, editor],
///     entity project { roles: [owner] }
///     entitlements { "project:edit" on project => roles [owner] }
/// }
///
/// fn main() {
///     assert_eq!(Access::admin, GlobalRole(0));
///     assert_eq!(Access::editor, GlobalRole(1));
/// }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GlobalRole(pub u16);

/// What an entry of a role list is, for one evaluation.
///
/// # Examples
/// ```
/// use access_core::model_builder::ModelBuilder;
/// use access_core::schema::{GlobalRole, IntoListItem, ListItem};
/// use access_core::{PermissionCtx, Principal};
///
/// async fn is_bob(ctx: &PermissionCtx<'_>) -> bool {
///     ctx.principal.is_some_and(|p| &*p.id == "bob")
/// }
///
/// # let model = ModelBuilder::new("Access")
/// #     .entity("doc", ["owner"])
/// #     .entitlement("doc:edit", "doc", ["owner"], [])
/// #     .build()
/// #     .unwrap();
/// let bob = Principal::new("bob");
/// let ctx = PermissionCtx::new(&model, Some(&bob));
/// assert!(matches!(GlobalRole(1).into_list_item(&ctx), ListItem::Role(1)));
/// match is_bob.into_list_item(&ctx) {
///     ListItem::Check(fut) => assert_eq!(access_core::block_on_ready(fut), Some(true)),
///     ListItem::Role(_) => unreachable!(),
/// }
/// ```
#[allow(missing_debug_implementations)]
pub enum ListItem<'a> {
    /// A global role.
    Role(u16),
    /// A dynamic check, started.
    Check(CheckFuture<'a>),
}

/// One entry of a role list (`[admin, owns_product]`), as generated: a function that resolves
/// the name written (a global role constant, or the application's async fn) for a context.
///
/// # Examples
/// ```
/// use access_core::model_builder::ModelBuilder;
/// use access_core::schema::{GlobalRole, IntoListItem, ListEntry, ListItem, Rule, evaluate};
/// use access_core::{PermissionCtx, Principal, RoleSet};
///
/// async fn is_bob(ctx: &PermissionCtx<'_>) -> bool {
///     ctx.principal.is_some_and(|p| &*p.id == "bob")
/// }
/// fn admin<'a>(ctx: &'a PermissionCtx<'a>) -> ListItem<'a> {
///     GlobalRole(0).into_list_item(ctx)
/// }
/// fn bob<'a>(ctx: &'a PermissionCtx<'a>) -> ListItem<'a> {
///     is_bob.into_list_item(ctx)
/// }
///
/// // `[admin, self::is_bob]`, as the derive writes it.
/// const ADMIN_OR_BOB: &[ListEntry] = &[
///     ListEntry { name: "admin", item: admin },
///     ListEntry { name: "self::is_bob", item: bob },
/// ];
/// assert_eq!(format!("{:?}", ADMIN_OR_BOB[1]), "self::is_bob");
///
/// let model = ModelBuilder::new("Access")
///     .global_roles(["admin"])
///     .entity("doc", ["owner"])
///     .entitlement("doc:edit", "doc", ["owner"], [])
///     .build()
///     .unwrap();
/// let rule = Rule::List(ADMIN_OR_BOB);
/// let allowed = |p: &Principal| {
///     let ctx = PermissionCtx::new(&model, Some(p));
///     access_core::block_on_ready(evaluate(&rule, &ctx)).unwrap().is_ok()
/// };
/// assert!(allowed(&Principal::new("bob")));
/// assert!(allowed(&Principal::new("ann").global_roles(RoleSet::single(0))));
/// assert!(!allowed(&Principal::new("ann")));
/// ```
#[derive(Clone, Copy)]
pub struct ListEntry {
    /// The name as written.
    pub name: &'static str,
    /// Resolves it.
    pub item: for<'a> fn(&'a PermissionCtx<'a>) -> ListItem<'a>,
}

impl fmt::Debug for ListEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)
    }
}

/// What a role list entry may name: a global role, or an
/// `async fn(&PermissionCtx<'_>) -> bool` whose future is `Send`.
///
/// # Examples
/// ```
/// use access_core::model_builder::ModelBuilder;
/// use access_core::schema::{GlobalRole, IntoListItem, ListItem};
/// use access_core::PermissionCtx;
///
/// async fn signed_in(ctx: &PermissionCtx<'_>) -> bool {
///     ctx.principal.is_some()
/// }
///
/// # let model = ModelBuilder::new("Access")
/// #     .entity("doc", ["owner"])
/// #     .entitlement("doc:edit", "doc", ["owner"], [])
/// #     .build()
/// #     .unwrap();
/// let ctx = PermissionCtx::new(&model, None);
/// assert!(matches!(GlobalRole(0).into_list_item(&ctx), ListItem::Role(0)));
/// assert!(matches!(signed_in.into_list_item(&ctx), ListItem::Check(_)));
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is neither a global role of the model nor an `async fn(&PermissionCtx<'_>) -> bool`",
    note = "role lists name global roles of the model or dynamic checks"
)]
pub trait IntoListItem<'a> {
    /// Resolves the entry.
    ///
    /// # Examples
    /// ```
    /// use access_core::model_builder::ModelBuilder;
    /// use access_core::schema::{GlobalRole, IntoListItem, ListItem};
    /// use access_core::PermissionCtx;
    ///
    /// # let model = ModelBuilder::new("Access")
    /// #     .entity("doc", ["owner"])
    /// #     .entitlement("doc:edit", "doc", ["owner"], [])
    /// #     .build()
    /// #     .unwrap();
    /// let ctx = PermissionCtx::new(&model, None);
    /// let item = (|c: &PermissionCtx<'_>| {
    ///     let signed_in = c.principal.is_some();
    ///     async move { signed_in }
    /// })
    /// .into_list_item(&ctx);
    /// let ListItem::Check(fut) = item else { unreachable!() };
    /// assert_eq!(access_core::block_on_ready(fut), Some(false));
    /// assert!(matches!(GlobalRole(3).into_list_item(&ctx), ListItem::Role(3)));
    /// ```
    fn into_list_item(self, ctx: &'a PermissionCtx<'a>) -> ListItem<'a>;
}

impl<'a> IntoListItem<'a> for GlobalRole {
    fn into_list_item(self, _: &'a PermissionCtx<'a>) -> ListItem<'a> {
        ListItem::Role(self.0)
    }
}

impl<'a, F, Fut> IntoListItem<'a> for F
where
    F: FnOnce(&'a PermissionCtx<'a>) -> Fut,
    Fut: Future<Output = bool> + Send + 'a,
{
    fn into_list_item(self, ctx: &'a PermissionCtx<'a>) -> ListItem<'a> {
        ListItem::Check(Box::pin(self(ctx)))
    }
}

/// `check`'s reasons for a denied `entitlement(..)` rule, unless the context wants verdicts only.
async fn explained(
    ctx: &PermissionCtx<'_>,
    checker: &dyn EntitlementCheck,
    id: EntitlementId,
    resource: Resource<'_>,
) -> Option<Vec<Reason>> {
    if ctx.explain {
        checker.explain_entitlement(id, resource).await
    } else {
        None
    }
}

/// Wraps a dynamic check for [`Rule::Dynamic`].
///
/// # Examples
/// ```
/// use access_core::model_builder::ModelBuilder;
/// use access_core::schema::{CheckFuture, NamedCheck, Rule, dynamic_check, evaluate};
/// use access_core::{PermissionCtx, Principal};
///
/// async fn is_bob(ctx: &PermissionCtx<'_>) -> bool {
///     ctx.principal.is_some_and(|p| &*p.id == "bob")
/// }
/// // What the derive generates for `self::is_bob`.
/// fn is_bob_check<'a>(ctx: &'a PermissionCtx<'a>) -> CheckFuture<'a> {
///     dynamic_check(is_bob, ctx)
/// }
///
/// # let model = ModelBuilder::new("Access")
/// #     .entity("doc", ["owner"])
/// #     .entitlement("doc:edit", "doc", ["owner"], [])
/// #     .build()
/// #     .unwrap();
/// let bob = Principal::new("bob");
/// let ctx = PermissionCtx::new(&model, Some(&bob));
/// assert_eq!(access_core::block_on_ready(dynamic_check(is_bob, &ctx)), Some(true));
/// let rule = Rule::Dynamic(NamedCheck { name: "self::is_bob", check: is_bob_check });
/// assert_eq!(access_core::block_on_ready(evaluate(&rule, &ctx)), Some(Ok(())));
/// ```
pub fn dynamic_check<'a, F, Fut>(f: F, ctx: &'a PermissionCtx<'a>) -> CheckFuture<'a>
where
    F: FnOnce(&'a PermissionCtx<'a>) -> Fut,
    Fut: Future<Output = bool> + Send + 'a,
{
    Box::pin(f(ctx))
}

const fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// Levenshtein distance over bytes, for names up to 63 bytes (longer: `usize::MAX`).
const fn distance(a: &str, b: &str) -> usize {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() >= 64 || b.len() >= 64 {
        return usize::MAX;
    }
    let mut prev = [0usize; 64];
    let mut cur = [0usize; 64];
    let mut j = 0;
    while j <= b.len() {
        prev[j] = j;
        j += 1;
    }
    let mut i = 1;
    while i <= a.len() {
        cur[0] = i;
        let mut j = 1;
        while j <= b.len() {
            let cost = if a[i - 1] == b[j - 1] { 0 } else { 1 };
            let mut m = prev[j] + 1;
            if cur[j - 1] + 1 < m {
                m = cur[j - 1] + 1;
            }
            if prev[j - 1] + cost < m {
                m = prev[j - 1] + cost;
            }
            cur[j] = m;
            j += 1;
        }
        prev = cur;
        i += 1;
    }
    prev[b.len()]
}

const fn push(buf: &mut [u8; 1024], mut n: usize, s: &str) -> usize {
    let s = s.as_bytes();
    let mut i = 0;
    while i < s.len() && n < buf.len() {
        buf[n] = s[i];
        n += 1;
        i += 1;
    }
    n
}

/// The index of entitlement `name` in `names`, or `u16::MAX` (which no rule grants) when there
/// is none: the value side of a check that [`entitlement_index`] makes at compile time.
///
/// # Examples
/// ```
/// use access_core::schema::entitlement_lookup;
///
/// const NAMES: &[&str] = &["project:read", "project:edit"];
/// const EDIT: u16 = entitlement_lookup(NAMES, "project:edit");
/// assert_eq!(EDIT, 1);
/// assert_eq!(entitlement_lookup(NAMES, "project:delete"), u16::MAX);
/// ```
pub const fn entitlement_lookup(names: &[&str], name: &str) -> u16 {
    let mut i = 0;
    while i < names.len() {
        if same(names[i], name) {
            return i as u16;
        }
        i += 1;
    }
    u16::MAX
}

/// The index of entitlement `name` in `names`; otherwise compilation fails (this runs in a
/// `const` the derive emits at the string's span) with `unknown entitlement `x`, did you mean
/// `y`?` or the list of valid names.
///
/// # Examples
/// ```
/// use access_core::schema::entitlement_index;
///
/// const NAMES: &[&str] = &["project:read", "project:edit"];
/// const EDIT: u16 = entitlement_index(NAMES, "project:edit");
/// assert_eq!(EDIT, 1);
/// // In a `const`, a wrong name fails the build; at run time it panics with the same message.
/// let err = std::panic::catch_unwind(|| entitlement_index(NAMES, "project:edt")).unwrap_err();
/// assert_eq!(
///     err.downcast_ref::<String>().map(String::as_str),
///     Some("unknown entitlement `project:edt`, did you mean `project:edit`?")
/// );
/// ```
pub const fn entitlement_index(names: &[&str], name: &str) -> u16 {
    name_index("entitlement", names, name)
}

/// The index of entity type `name` in `names`; otherwise compilation fails like
/// [`entitlement_index`] (`unknown entity `projct`, did you mean `project`?`).
///
/// # Examples
/// ```
/// use access_core::schema::entity_index;
///
/// const TYPES: &[&str] = &["org", "project"];
/// const PROJECT: u16 = entity_index(TYPES, "project");
/// assert_eq!(PROJECT, 1);
/// let err = std::panic::catch_unwind(|| entity_index(TYPES, "zzz")).unwrap_err();
/// assert_eq!(
///     err.downcast_ref::<String>().map(String::as_str),
///     Some("unknown entity `zzz`, expected one of `org`, `project`")
/// );
/// ```
pub const fn entity_index(names: &[&str], name: &str) -> u16 {
    name_index("entity", names, name)
}

const fn name_index(kind: &str, names: &[&str], name: &str) -> u16 {
    let mut i = 0;
    let mut best = usize::MAX;
    let mut best_i = 0;
    while i < names.len() {
        if same(names[i], name) {
            return i as u16;
        }
        let d = distance(names[i], name);
        if d < best {
            best = d;
            best_i = i;
        }
        i += 1;
    }
    let mut buf = [0u8; 1024];
    let mut n = push(&mut buf, 0, "unknown ");
    n = push(&mut buf, n, kind);
    n = push(&mut buf, n, " `");
    n = push(&mut buf, n, name);
    let close = name.len() / 3;
    if best != usize::MAX && best <= if close > 2 { close } else { 2 } {
        n = push(&mut buf, n, "`, did you mean `");
        n = push(&mut buf, n, names[best_i]);
        n = push(&mut buf, n, "`?");
    } else if names.is_empty() {
        n = push(&mut buf, n, "`: the model declares none");
    } else {
        n = push(&mut buf, n, "`, expected one of ");
        let mut i = 0;
        while i < names.len() {
            if i > 0 {
                n = push(&mut buf, n, ", ");
            }
            n = push(&mut buf, n, "`");
            n = push(&mut buf, n, names[i]);
            n = push(&mut buf, n, "`");
            i += 1;
        }
    }
    let msg = match core::str::from_utf8(buf.split_at(n).0) {
        Ok(m) => m,
        Err(_) => "unknown name",
    };
    panic!("{}", msg)
}
