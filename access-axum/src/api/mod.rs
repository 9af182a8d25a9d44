//! The server-side API: what the HTTP endpoints do, called from Rust (seeding, command-line
//! tools, tests), with the same validation, the same writes and the same errors
//! ([`ApiError`](crate::ApiError)), and no request. Get one from
//! [`AppState::api`](crate::AppState::api).
//!
//! ```no_run
//! # mod model { access_core::define_access! { pub Access; roles: [admin, user], default_role: user, entity organization { roles: [owner, member] } entitlements { "org:manage" on organization => roles [owner] } tenant: organization { owner: owner, member: member }, } }
//! # use model::Access;
//! # async fn run(app: access_axum::AppRouter<Access>) -> Result<(), access_axum::ApiError> {
//! let api = app.state().api();
//! let ann = api.sign_up_verified("ann@example.com", "correct horse battery").await?;
//! let bob = api.sign_up("bob@example.com", "staple battery horse").await?; // mailed a token
//! api.create_org(ann.id, Some("acme"), "Acme").await?; // ann its owner
//! api.add_member("acme", bob.id, "member").await?;
//! # Ok(()) }
//! ```
//!
//! | file | holds |
//! |---|---|
//! | `mod.rs` | [`Api`], the handle |
//! | `users.rs` | [`Api::sign_up`], [`Api::sign_up_verified`], [`Api::find_user`], [`Api::create_superuser`] ([`Superuser`]) |
//! | `orgs.rs` | [`Api::create_org`] ([`Organization`]), [`Api::add_member`] |
//! | `sessions.rs` | [`Api::sessions`], [`Api::revoke_sessions`], [`Api::issue_tokens`] ([`IssuedTokens`]) |
//!
//! Rate limits and the switch that turns registration off apply to requests, not to the
//! server: the API creates accounts whatever `registration` says.

use access_core::AccessModel;
use access_core::sea::SeaStore;

use crate::auth::AuthState;
use crate::authz::Authz;

mod orgs;
mod sessions;
mod users;

pub use crate::orgs::Organization;
pub use sessions::IssuedTokens;
pub use users::Superuser;

/// The server-side API over an application's state ([`AppState::api`](crate::AppState::api)):
/// cheap to make, borrowed from the state.
///
/// ```no_run
/// # mod model { access_core::define_access! { pub Access; roles: [admin, user], default_role: user, entity org { roles: [owner] } entitlements { "org:manage" on org => roles [owner] } } }
/// # use model::Access;
/// async fn exists(app: &access_axum::AppState<Access>, email: &str) -> Result<bool, access_axum::ApiError> {
///     Ok(app.api().find_user(email).await?.is_some())
/// }
/// ```
pub struct Api<'a, M: AccessModel> {
    auth: &'a AuthState,
    authz: &'a Authz<M, SeaStore>,
}

impl<'a, M: AccessModel> Api<'a, M> {
    pub(crate) fn new(auth: &'a AuthState, authz: &'a Authz<M, SeaStore>) -> Self {
        Self { auth, authz }
    }
}

impl<M: AccessModel> Clone for Api<'_, M> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<M: AccessModel> Copy for Api<'_, M> {}

impl<M: AccessModel> std::fmt::Debug for Api<'_, M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Api").finish_non_exhaustive()
    }
}
