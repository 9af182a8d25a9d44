//! Organizations: [`Api::create_org`] (what `POST /orgs` writes) and [`Api::add_member`].

use access_core::AccessModel;

use super::Api;
use crate::error::ApiError;
use crate::orgs::{self, Organization};

impl<M: AccessModel> Api<'_, M> {
    /// Creates the organization `id` (generated when `None`) named `name`, its owner the user
    /// `owner`: the same write and the same answer as `POST /orgs` by that user (the row, the
    /// tenant resource, the owner's role, the audit record). 422 `invalid_name` or
    /// `invalid_id`, 404 for an unknown user, 409 `org_exists` for a taken id: nothing is
    /// written then.
    ///
    /// ```no_run
    /// # mod model { access_core::define_access! { pub Access; entity organization { roles: [owner] } entitlements { "org:manage" on organization => roles [owner] } tenant: organization { owner: owner }, } }
    /// # use model::Access;
    /// # async fn run(app: &access_axum::AppState<Access>, ann: i64) -> Result<(), access_axum::ApiError> {
    /// let acme = app.api().create_org(ann, Some("acme"), " Acme ").await?;
    /// assert_eq!((acme.name.as_str(), acme.roles.as_slice()), ("Acme", &["owner".to_owned()][..]));
    /// let made_up = app.api().create_org(ann, None, "Globex").await?; // a 16-character id
    /// # Ok(()) }
    /// ```
    pub async fn create_org(
        &self,
        owner: i64,
        id: Option<&str>,
        name: &str,
    ) -> Result<Organization, ApiError> {
        let users = &self.auth.config.accounts().users;
        if users.by_id(&self.auth.db, owner).await?.is_none() {
            return Err(ApiError::not_found("no such user"));
        }
        orgs::create_org(self.auth, self.authz, owner, id.map(str::to_owned), name).await
    }

    /// Grants the user `user` the tenant entity's role `role` on the organization `org` (the
    /// roles they held there stay), recorded in the organization's audit trail as
    /// `add_member` by `server`: their roles there afterwards. Granting a role held already
    /// changes nothing. 422 `unknown_role`, 404 for an unknown user or organization: nothing
    /// is written then.
    ///
    /// ```no_run
    /// # mod model { access_core::define_access! { pub Access; entity organization { roles: [owner, admin, member] } entitlements { "org:manage" on organization => roles [owner] } tenant: organization { owner: owner, member: member }, } }
    /// # use model::Access;
    /// # async fn run(app: &access_axum::AppState<Access>, bob: i64) -> Result<(), access_axum::ApiError> {
    /// let roles = app.api().add_member("acme", bob, "admin").await?;
    /// assert!(roles.contains(&"admin".to_owned()));
    /// # Ok(()) }
    /// ```
    pub async fn add_member(
        &self,
        org: &str,
        user: i64,
        role: &str,
    ) -> Result<Vec<String>, ApiError> {
        orgs::add_member(self.auth, self.authz, org, user, role).await
    }
}
