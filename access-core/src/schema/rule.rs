//! The rules as data: what `#[derive(Schema)]` writes for `#[schema(permission(..))]`. One
//! [`Rule`] per [`Action`] and per field ([`FieldPermission`]), gathered in
//! [`SchemaPermissions`].

use std::fmt;

use super::list::{ListEntry, NamedCheck};
use crate::model::{EntitlementId, RoleSet};

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

/// The right-hand side of a `where` clause.
///
/// # Examples
/// ```
/// use access_core::schema::{Rule, Where, WhereValue};
///
/// // where(tenant = user.tenant_id, level = 3)
/// const SAME_TENANT_LEVEL_3: Rule = Rule::Where(&[
///     Where { field: "tenant", value: WhereValue::TenantId },
///     Where { field: "level", value: WhereValue::Int(3) },
/// ]);
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

/// `field = value` in a `where` rule. A `user.id` or `user.tenant_id` is compared as the
/// field's type (`"42"` equals `42`).
///
/// # Examples
/// ```
/// # access_core::define_access! { pub Access; entity project { roles: [owner] } entitlements { "project:edit" on project => roles [owner] } }
/// use access_core::Schema;
/// use access_core::schema::{Rule, Where, WhereValue};
///
/// #[derive(access_core::Schema)]
/// #[schema(access = Access, permission(update = where(owner_id = user.id)))]
/// pub struct Post {
///     pub id: i64,
///     pub owner_id: i64,
/// }
///
/// fn main() {
///     let Some(Rule::Where(clauses)) = Post::PERMISSIONS.update else { unreachable!() };
///     assert_eq!(clauses, &[Where { field: "owner_id", value: WhereValue::UserId }]);
/// }
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
/// use access_core::{PermissionCtx, Principal, RoleSet};
///
/// let model = ModelBuilder::new("Access")
///     .global_roles(["admin", "editor"])
///     .entity("doc", ["owner"])
///     .build()
///     .unwrap();
/// // any(role(admin), fva(300))
/// const RULE: Rule = Rule::Any(&[Rule::GlobalRoles(RoleSet(0b01)), Rule::Fva(300)]);
///
/// let editor = Principal::new("e").global_roles(RoleSet::single(1));
/// let ctx = PermissionCtx::new(&model, Some(&editor));
/// let reasons = evaluate_sync(&RULE, &ctx).unwrap().unwrap_err();
/// assert_eq!(reasons.len(), 2); // every branch's reason: `role_required`, `mfa_required`
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
/// # access_core::define_access! { pub Access; roles: [admin], entity project { roles: [owner] } entitlements { "project:edit" on project => roles [owner] } }
/// use access_core::Schema;
///
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
/// fn main() {
///     let created = Note::PERMISSIONS.field("created_at").unwrap();
///     assert!(created.read.is_none() && created.read_only);
/// }
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
/// # access_core::define_access! { pub Access; roles: [admin], entity project { roles: [owner] } entitlements { "project:edit" on project => roles [owner] } }
/// use access_core::Schema;
///
/// #[derive(access_core::Schema)]
/// #[schema(access = Access, permission(create = [admin], read = public))]
/// pub struct Note {
///     pub id: i64,
///     pub body: String,
/// }
///
/// fn main() {
///     let perms = Note::PERMISSIONS;
///     assert_eq!((perms.name, perms.id_field), ("note", "id"));
///     assert!(perms.update.is_none()); // the model's `default_permission`
/// }
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
    /// # access_core::define_access! { pub Access; entity project { roles: [owner] } entitlements { "project:edit" on project => roles [owner] } }
    /// use access_core::schema::Rule;
    /// use access_core::{Action, Schema};
    ///
    /// #[derive(access_core::Schema)]
    /// #[schema(access = Access, permission(read = public))]
    /// pub struct Note {
    ///     pub id: i64,
    /// }
    ///
    /// fn main() {
    ///     // No `list` rule: it follows `read`.
    ///     assert!(matches!(Note::PERMISSIONS.rule(Action::List), Some(Rule::Public)));
    /// }
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
    /// # access_core::define_access! { pub Access; roles: [admin], entity project { roles: [owner] } entitlements { "project:edit" on project => roles [owner] } }
    /// use access_core::Schema;
    ///
    /// #[derive(access_core::Schema)]
    /// #[schema(access = Access)]
    /// pub struct Note {
    ///     pub id: i64,
    ///     #[schema(permission(read = [admin]))]
    ///     pub secret: String,
    /// }
    ///
    /// fn main() {
    ///     assert!(Note::PERMISSIONS.field("secret").unwrap().read.is_some());
    ///     assert!(Note::PERMISSIONS.field("missing").is_none());
    /// }
    /// ```
    pub fn field(&self, name: &str) -> Option<&FieldPermission> {
        (self.field_index)(name).and_then(|i| self.fields.get(i))
    }
}
