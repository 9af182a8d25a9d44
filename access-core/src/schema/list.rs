//! What names in a rule resolve to: role lists (`[admin, self::owns_it]`: [`ListEntry`],
//! resolved through [`IntoListItem`] to a [`ListItem`]) and dynamic checks ([`NamedCheck`]).

use std::fmt;
use std::future::Future;
use std::pin::Pin;

use super::ctx::PermissionCtx;

/// The future of a dynamic check.
pub type CheckFuture<'a> = Pin<Box<dyn Future<Output = bool> + Send + 'a>>;

/// A dynamic check: an application `async fn(&PermissionCtx<'_>) -> bool`, wrapped by the
/// derive.
pub type DynCheck = for<'a> fn(&'a PermissionCtx<'a>) -> CheckFuture<'a>;

/// A dynamic check with the name it was written as (for explanations).
///
/// # Examples
/// ```
/// use access_core::PermissionCtx;
/// use access_core::schema::{CheckFuture, NamedCheck, Rule};
///
/// fn is_staff<'a>(ctx: &'a PermissionCtx<'a>) -> CheckFuture<'a> {
///     Box::pin(async move { ctx.principal.is_some_and(|p| p.id.starts_with("staff-")) })
/// }
///
/// // Denied, it says "the check `is_staff` did not allow it".
/// const STAFF_ONLY: Rule = Rule::Dynamic(NamedCheck { name: "is_staff", check: is_staff });
/// assert_eq!(format!("{STAFF_ONLY:?}"), "Dynamic(is_staff)");
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
/// let model = ModelBuilder::new("Access").entity("doc", ["owner"]).build().unwrap();
/// let bob = Principal::new("bob");
/// let ctx = PermissionCtx::new(&model, Some(&bob));
/// assert!(matches!(GlobalRole(1).into_list_item(&ctx), ListItem::Role(1)));
/// assert!(matches!(is_bob.into_list_item(&ctx), ListItem::Check(_)));
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
/// use access_core::PermissionCtx;
/// use access_core::schema::{GlobalRole, IntoListItem, ListEntry, ListItem, Rule};
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
/// const ADMIN_OR_BOB: Rule = Rule::List(&[
///     ListEntry { name: "admin", item: admin },
///     ListEntry { name: "self::is_bob", item: bob },
/// ]);
/// assert_eq!(format!("{ADMIN_OR_BOB:?}"), "List([admin, self::is_bob])");
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
/// let model = ModelBuilder::new("Access").entity("doc", ["owner"]).build().unwrap();
/// let ctx = PermissionCtx::new(&model, None);
/// assert!(matches!(GlobalRole(0).into_list_item(&ctx), ListItem::Role(0)));
/// assert!(matches!(signed_in.into_list_item(&ctx), ListItem::Check(_)));
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is neither a global role of the model nor an `async fn(&PermissionCtx<'_>) -> bool`",
    note = "role lists name global roles of the model or dynamic checks"
)]
pub trait IntoListItem<'a> {
    /// Resolves the entry: a role to its index, a check to its started future.
    ///
    /// # Examples
    /// ```
    /// use access_core::model_builder::ModelBuilder;
    /// use access_core::schema::{GlobalRole, IntoListItem, ListItem};
    /// use access_core::PermissionCtx;
    ///
    /// let model = ModelBuilder::new("Access").entity("doc", ["owner"]).build().unwrap();
    /// let ctx = PermissionCtx::new(&model, None);
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

/// Wraps a dynamic check for [`Rule::Dynamic`](crate::schema::Rule::Dynamic): what the derive
/// generates for `[self::is_bob]` calls `dynamic_check(is_bob, ctx)`. Macro support, reached as
/// `access_core::__private::dynamic_check`.
#[doc(hidden)]
pub fn dynamic_check<'a, F, Fut>(f: F, ctx: &'a PermissionCtx<'a>) -> CheckFuture<'a>
where
    F: FnOnce(&'a PermissionCtx<'a>) -> Fut,
    Fut: Future<Output = bool> + Send + 'a,
{
    Box::pin(f(ctx))
}
