//! The request context of every CRUD route: [`MaybeAccess`] (anonymous without credentials, a
//! 401 for credentials that are not valid, else the user, their principal and engine context)
//! and what the routes derive from it.

use access_core::schema::{Action, PermissionCtx};
use access_core::sea::write::begin_write;
use access_core::{AccessContext, AccessModel, Stores};
use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use sea_orm::{DatabaseConnection, DatabaseTransaction, TransactionTrait as _};

use super::hooks::Hook;
use crate::auth::AuthState;
use crate::authz::{Authz, MaybeAccess};
use crate::error::ApiError;

/// The caller and the state, for one request.
pub(super) struct Ctx<M: AccessModel, S: Stores + 'static>(MaybeAccess<M, S>);

impl<St, M, S> FromRequestParts<St> for Ctx<M, S>
where
    St: Send + Sync,
    AuthState: FromRef<St>,
    Authz<M, S>: FromRef<St>,
    M: AccessModel,
    S: Stores + 'static,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &St) -> Result<Self, ApiError> {
        MaybeAccess::from_request_parts(parts, state)
            .await
            .map(Self)
    }
}

impl<M: AccessModel, S: Stores + 'static> Ctx<M, S> {
    /// Whether the caller is signed in.
    pub(super) fn signed_in(&self) -> bool {
        self.0.is_signed_in()
    }

    /// The engine context of a signed-in caller.
    pub(super) fn engine(&self) -> Option<&AccessContext<'static, M, S>> {
        self.0.context()
    }

    /// The application's database.
    pub(super) fn db(&self) -> &DatabaseConnection {
        &self.0.auth().db
    }

    /// The largest body a write reads.
    pub(super) fn body_limit(&self) -> usize {
        self.0.auth().config.http().body_limit
    }

    /// This write's turn among the writers the app admits at once ([`crate::db::Writers`]):
    /// the rules a write checks inside its transaction read the engine's store through the same
    /// pool, which must keep connections for them.
    pub(super) async fn writer(&self) -> Result<tokio::sync::SemaphorePermit<'_>, ApiError> {
        self.0.auth().writers.enter().await
    }

    /// A transaction for this request's reads; with `claims`, on PostgreSQL, it starts by
    /// setting the caller's claims for row-level security.
    pub(super) async fn begin_read(&self, claims: bool) -> Result<DatabaseTransaction, ApiError> {
        let txn = self.db().begin().await?;
        self.claims(&txn, claims).await?;
        Ok(txn)
    }

    /// A transaction for this request's writes ([`begin_write`]: a writer from its start on
    /// SQLite, `READ COMMITTED` on PostgreSQL); with `claims`, as [`Ctx::begin_read`].
    pub(super) async fn begin_write(&self, claims: bool) -> Result<DatabaseTransaction, ApiError> {
        let txn = begin_write(self.db()).await?;
        self.claims(&txn, claims).await?;
        Ok(txn)
    }

    async fn claims(&self, txn: &DatabaseTransaction, claims: bool) -> Result<(), ApiError> {
        if claims && self.db().get_database_backend() == sea_orm::DbBackend::Postgres {
            let data = self.0.authz().model().data();
            access_core::sea::set_claims(txn, data, self.0.principal()).await?;
        }
        Ok(())
    }

    /// A hook argument for `action`.
    pub(super) fn hook<T: Clone>(
        &self,
        action: Action,
        id: Option<&str>,
        row: Option<&T>,
        body: Option<&serde_json::Value>,
    ) -> Hook<T, M, S> {
        Hook {
            action,
            user: self.0.user().cloned(),
            access: self.0.context().cloned(),
            id: id.map(str::to_owned),
            row: row.cloned(),
            rows: Vec::new(),
            body: body.cloned(),
            txn: None,
        }
    }

    /// The schema context for the caller, answering `entitlement(..)` rules with the engine.
    pub(super) fn permission_ctx(&self) -> PermissionCtx<'_> {
        let base = PermissionCtx::new(self.0.authz().model().data(), self.0.principal());
        match self.0.context() {
            Some(e) => base.with_entitlements(e),
            None => base,
        }
    }
}
