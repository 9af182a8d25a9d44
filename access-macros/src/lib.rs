//! Implementation detail of the `access-core` crate: use its re-exports
//! (`access_core::define_access!`), not this crate.

mod authorize;
mod define_access;
mod respan;
mod schema;

/// Expands a `define_access!` invocation; reached only through `access_core::define_access!`,
/// which passes its own `$crate` first (`crate = $crate; ..`).
#[doc(hidden)]
#[proc_macro]
pub fn __define_access(input: proc_macro::TokenStream) -> proc_macro::TokenStream {
    define_access::expand(input.into()).into()
}

/// `#[derive(Schema)]`: entity and field permissions checked against the model. See
/// `access_core::Schema` and `docs/schemas.md` for every rule.
///
/// Role names, entitlement names and field names are checked at compile time against the model
/// that `access = ..` names; the rules become static data evaluated at run time.
///
/// # Examples
/// ```
/// use access_core::{Action, PermissionCtx, Principal, Schema};
///
/// access_core::define_access! {
///     pub Access;
///     roles: [admin, user],
///     entity organization { roles: [owner] }
///     entitlements { "organization:manage" on organization => roles [owner] }
/// }
///
/// #[derive(Schema)]
/// #[schema(access = Access, permission(
///     read   = any(where(published = true), where(owner_id = user.id)),
///     delete = [admin],
/// ))]
/// pub struct Post {
///     pub id: i64,
///     pub owner_id: i64,
///     pub published: bool,
///     #[schema(permission(read = [admin]))]
///     pub moderation_note: String,
/// }
///
/// # fn main() {
/// use access_core::AccessModel;
/// let data = Access.data();
/// let draft = Post { id: 1, owner_id: 7, published: false, moderation_note: String::new() };
/// let (author, stranger) = (Principal::new("7"), Principal::new("8"));
/// let mut admin = Principal::new("9");
/// admin.global_roles.insert(Role::Admin.index().into());
///
/// access_core::block_on_ready(async {
///     // Row rules: the author reads the draft, a stranger does not.
///     let ctx = PermissionCtx::new(data, Some(&author));
///     assert!(Post::authorize_action(&ctx.with_row(&draft), Action::Read).await.is_ok());
///     let ctx = PermissionCtx::new(data, Some(&stranger));
///     let denied = Post::authorize_action(&ctx.with_row(&draft), Action::Read).await;
///     assert!(denied.is_err());
///     // Role lists: only admins delete; field rules: only admins read the note.
///     let ctx = PermissionCtx::new(data, Some(&admin));
///     assert!(Post::authorize_action(&ctx.with_row(&draft), Action::Delete).await.is_ok());
///     let ctx = PermissionCtx::new(data, Some(&author));
///     assert!(!draft.readable_fields(&ctx).await.contains(&"moderation_note"));
/// })
/// .unwrap();
/// # }
/// ```
///
/// A role the model does not declare is a compile error that suggests the right name:
/// ```compile_fail
/// access_core::define_access! {
///     pub Access;
///     roles: [admin],
///     entity organization { roles: [owner] }
///     entitlements { "organization:manage" on organization => roles [owner] }
/// }
///
/// #[derive(access_core::Schema)]
/// #[schema(access = Access, permission(delete = [admn]))] // error: did you mean `admin`?
/// pub struct Post {
///     pub id: i64,
/// }
/// # fn main() {}
/// ```
#[proc_macro_derive(Schema, attributes(schema))]
pub fn derive_schema(input: proc_macro::TokenStream) -> proc_macro::TokenStream {
    schema::derive(input.into()).into()
}

/// `#[authorize("project:delete", resource = project(id))]` on an axum handler that takes
/// `access: Access<Model, Stores>`: checks the entitlement on the resource before the body
/// (403 with the reasons when denied). `consume` spends a unit of the entitlement's limits and
/// gives it back when the handler's response is not a success. Names are checked at compile
/// time, and every mistake of one attribute is reported together. Re-exported as
/// `access_axum::authorize`; see `docs/authorization.md`.
///
/// The generated code reaches access-axum as `::access_axum`; a crate that reaches it under
/// another name (a renamed dependency, a re-export) says which with `crate = path` (or
/// `crate = "path"`), as with `#[serde(crate = "..")]`:
/// `#[web::ax::authorize("project:delete", resource = project(id), crate = web::ax)]`.
///
/// # Examples
/// ```
/// use access_axum::authz::{Access, Authz};
/// use access_axum::AuthState;
/// use access_core::MemoryStore;
/// use axum::extract::{FromRef, Path};
/// use axum::routing::{delete, post};
/// use axum::Router;
///
/// access_core::define_access! {
///     pub Model;
///     entity project { roles: [manager] }
///     entitlements {
///         "project:delete" on project => roles [manager],
///         "ai:generate"    on project => roles [manager],
///     }
///     plans {
///         pro { group: main, features: ["ai:generate"],
///               limits: { ai: "ai:generate" per month max 50 } }
///     }
///     default_plan: pro,
/// }
///
/// // The id of the project comes from the path parameter `id`.
/// #[access_axum::authorize("project:delete", resource = project(id))]
/// async fn delete_project(access: Access<Model, MemoryStore>, Path(id): Path<String>) -> String {
///     format!("{} deleted {id}", access.user.id)
/// }
///
/// // `consume`: one unit of the `ai` limit per successful call.
/// #[access_axum::authorize("ai:generate", resource = project(id), consume)]
/// async fn generate(_access: Access<Model, MemoryStore>, Path(id): Path<String>) -> String {
///     format!("generated for {id}")
/// }
///
/// #[derive(Clone)]
/// struct AppState {
///     auth: AuthState,
///     authz: Authz<Model, MemoryStore>,
/// }
/// impl FromRef<AppState> for AuthState {
///     fn from_ref(s: &AppState) -> Self { s.auth.clone() }
/// }
/// impl FromRef<AppState> for Authz<Model, MemoryStore> {
///     fn from_ref(s: &AppState) -> Self { s.authz.clone() }
/// }
///
/// fn routes() -> Router<AppState> {
///     Router::new()
///         .route("/projects/{id}", delete(delete_project))
///         .route("/projects/{id}/generate", post(generate))
/// }
/// # fn main() { let _ = routes(); }
/// ```
///
/// An entitlement the model does not declare does not compile:
/// ```compile_fail
/// # use access_axum::authz::Access;
/// # use access_core::MemoryStore;
/// # use axum::extract::Path;
/// access_core::define_access! {
///     pub Model;
///     entity project { roles: [manager] }
///     entitlements { "project:delete" on project => roles [manager] }
/// }
///
/// #[access_axum::authorize("project:remove", resource = project(id))] // did you mean `project:delete`?
/// async fn delete_project(access: Access<Model, MemoryStore>, Path(id): Path<String>) -> String {
///     id
/// }
/// # fn main() {}
/// ```
#[proc_macro_attribute]
pub fn authorize(
    attr: proc_macro::TokenStream,
    item: proc_macro::TokenStream,
) -> proc_macro::TokenStream {
    authorize::expand(attr.into(), item.into()).into()
}
