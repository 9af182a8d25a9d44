//! [`AccountRemoval`]: what else goes when an account is deleted (`DELETE /auth/me`).

use std::future::Future;
use std::pin::Pin;

use sea_orm::DatabaseTransaction;

use crate::db::user;
use crate::error::ApiError;

/// What removing an account also removes, in the same transaction as the account's own rows,
/// or why it may not go yet (an error refuses the deletion and rolls everything back).
/// [`App::orgs`](crate::App::orgs) installs one that refuses while the user is the last owner
/// of an organization (409 `last_owner`) and removes their memberships and pending invitations.
///
/// # Examples
/// ```
/// use std::{future::Future, pin::Pin};
/// use access_axum::{ApiError, auth::AccountRemoval, db::user};
/// use sea_orm::{ConnectionTrait, DatabaseTransaction};
///
/// struct Notes;
///
/// impl AccountRemoval for Notes {
///     fn remove<'a>(&'a self, txn: &'a DatabaseTransaction, u: &'a user::Model)
///         -> Pin<Box<dyn Future<Output = Result<(), ApiError>> + Send + 'a>> {
///         Box::pin(async move {
///             let sql = format!("DELETE FROM notes WHERE author = {}", u.id);
///             txn.execute_unprepared(&sql).await?;
///             Ok(())
///         })
///     }
/// }
/// ```
pub trait AccountRemoval: Send + Sync + 'static {
    /// Removes what belongs to `user` beside authentication's tables, in `txn`; an error
    /// refuses the deletion (the transaction rolls back).
    ///
    /// ```
    /// use access_axum::{ApiError, auth::AccountRemoval, db::user};
    ///
    /// async fn remove_all(parts: &[&dyn AccountRemoval], txn: &sea_orm::DatabaseTransaction, u: &user::Model) -> Result<(), ApiError> {
    ///     for p in parts {
    ///         p.remove(txn, u).await?; // the first refusal stops the deletion
    ///     }
    ///     Ok(())
    /// }
    /// ```
    fn remove<'a>(
        &'a self,
        txn: &'a DatabaseTransaction,
        user: &'a user::Model,
    ) -> Pin<Box<dyn Future<Output = Result<(), ApiError>> + Send + 'a>>;
}
