//! Hooks: what a hook receives ([`Hook`]), and the per-router settings the routes read
//! ([`Hooks`]: before- and after-hooks per action, and the options of [`Crud`](super::Crud)).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use access_core::schema::Action;
use access_core::{AccessContext, AccessModel, EntitlementId, Stores};
use sea_orm::DatabaseTransaction;

use crate::auth::CurrentUser;
use crate::error::ApiError;

/// What a hook receives: the action and everything the route knows at that point.
///
/// # Examples
///
/// ```
/// use access_axum::{ApiError, crud::Hook};
/// use access_core::{AccessModel, Stores};
///
/// // A hook for any table: who did what.
/// async fn audit<T, M: AccessModel, S: Stores>(hook: Hook<T, M, S>) -> Result<(), ApiError> {
///     let by = hook.user.as_ref().map(|u| u.id);
///     tracing::info!(action = %hook.action.as_str(), id = ?hook.id, ?by, "crud");
///     Ok(())
/// }
/// ```
#[non_exhaustive]
pub struct Hook<T, M: AccessModel, S: Stores + 'static> {
    /// The action.
    pub action: Action,
    /// The caller (`None` for anonymous callers of public actions).
    pub user: Option<CurrentUser>,
    /// The engine for the caller, for extra checks (`hook.access.as_ref()?.can(..)`).
    pub access: Option<AccessContext<'static, M, S>>,
    /// The row id in the path (get, update, delete).
    pub id: Option<String>,
    /// Before update/delete: the stored row. After create/read/update: the row as stored.
    /// After delete: the deleted row.
    pub row: Option<T>,
    /// After list: the page's rows (before redaction).
    pub rows: Vec<T>,
    /// Create and update: the request body (its fields already checked).
    pub body: Option<serde_json::Value>,
    /// After create, update and delete: the write's transaction. Statements run on it
    /// (`hook.txn.as_deref()`) commit or roll back with the row, such as the hierarchy's
    /// [`SeaStore::create_resource_in`](access_core::sea::SeaStore::create_resource_in) for a row that
    /// is a resource too. On SQLite, a write through another connection would wait for this
    /// transaction, which holds the database, and fail. Do not keep it past the hook: the
    /// commit needs it back. A hook that keeps a copy gets a 500 for the request, and the write
    /// is then in the kept copy's hands (dropped, it rolls back; committed, it commits).
    pub txn: Option<Arc<DatabaseTransaction>>,
}

impl<T: std::fmt::Debug, M: AccessModel, S: Stores + 'static> std::fmt::Debug for Hook<T, M, S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hook")
            .field("action", &self.action)
            .field("user", &self.user)
            .field("id", &self.id)
            .field("row", &self.row)
            .field("body", &self.body)
            .finish_non_exhaustive()
    }
}

/// A hook, boxed.
struct HookFn<T, M: AccessModel, S: Stores + 'static>(
    Arc<dyn Fn(Hook<T, M, S>) -> HookFuture + Send + Sync>,
);

/// What a boxed hook returns.
type HookFuture = Pin<Box<dyn Future<Output = Result<(), ApiError>> + Send>>;

/// Hooks of one stage, each with the actions it runs for.
pub(super) struct Stage<T, M: AccessModel, S: Stores + 'static>(
    Vec<(Vec<Action>, HookFn<T, M, S>)>,
);

impl<T, M: AccessModel, S: Stores + 'static> Default for Stage<T, M, S> {
    fn default() -> Self {
        Self(Vec::new())
    }
}

impl<T, M: AccessModel, S: Stores + 'static> Stage<T, M, S> {
    /// Adds `f` for `actions`.
    pub(super) fn push<F, Fut>(&mut self, actions: impl IntoIterator<Item = Action>, f: F)
    where
        F: Fn(Hook<T, M, S>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), ApiError>> + Send + 'static,
    {
        let f = HookFn(Arc::new(move |h| Box::pin(f(h)) as HookFuture));
        self.0.push((actions.into_iter().collect(), f));
    }

    /// How many hooks.
    pub(super) fn len(&self) -> usize {
        self.0.len()
    }

    /// Runs the hooks for `action` in the order they were added; the first refusal wins.
    /// `make` builds each hook's argument.
    pub(super) async fn run(
        &self,
        action: Action,
        make: impl Fn() -> Hook<T, M, S>,
    ) -> Result<(), ApiError> {
        for (actions, f) in &self.0 {
            if actions.contains(&action) {
                (f.0)(make()).await?;
            }
        }
        Ok(())
    }

    /// Runs the hooks for `action` in the write's transaction `txn`, then commits; a refusal
    /// rolls back and is the answer.
    pub(super) async fn run_then_commit(
        &self,
        txn: DatabaseTransaction,
        action: Action,
        make: impl Fn() -> Hook<T, M, S>,
    ) -> Result<(), ApiError> {
        let shared = Arc::new(txn);
        let ran = self
            .run(action, || Hook {
                txn: Some(shared.clone()),
                ..make()
            })
            .await;
        let Ok(txn) = Arc::try_unwrap(shared) else {
            // Dropped by its last holder, it rolls back.
            return Err(ApiError::internal(
                "an after-hook kept the write's transaction",
            ));
        };
        if let Err(refusal) = ran {
            txn.rollback().await?;
            return Err(refusal);
        }
        Ok(txn.commit().await?)
    }
}

/// Everything a [`Crud`](super::Crud) router was given: hooks per stage and action, and its
/// options. Shared by the routes as a request extension.
pub(super) struct Hooks<T, M: AccessModel, S: Stores + 'static> {
    pub(super) before: Stage<T, M, S>,
    pub(super) after: Stage<T, M, S>,
    /// `GET /` lists only rows whose id the user may act on with this entitlement
    /// ([`Crud::list_accessible`](super::Crud::list_accessible)).
    pub(super) listing: Option<EntitlementId>,
    /// Every statement runs in a transaction that first sets the caller's claims for
    /// row-level security ([`Crud::rls`](super::Crud::rls)).
    pub(super) rls: bool,
    /// `__access` on listed and read rows: these entitlements on each row's resource
    /// ([`Crud::row_access`](super::Crud::row_access)) ...
    pub(super) row_access: Vec<EntitlementId>,
    /// ... and these actions' rules on each row ([`Crud::row_actions`](super::Crud::row_actions)).
    pub(super) row_actions: Vec<Action>,
}

impl<T, M: AccessModel, S: Stores + 'static> Default for Hooks<T, M, S> {
    fn default() -> Self {
        Self {
            before: Stage::default(),
            after: Stage::default(),
            listing: None,
            rls: false,
            row_access: Vec::new(),
            row_actions: Vec::new(),
        }
    }
}

/// The hooks, as a request extension.
pub(super) struct HooksExt<T, M: AccessModel, S: Stores + 'static>(pub(super) Arc<Hooks<T, M, S>>);

impl<T, M: AccessModel, S: Stores + 'static> Clone for HooksExt<T, M, S> {
    fn clone(&self) -> Self {
        Self(self.0.clone())
    }
}
