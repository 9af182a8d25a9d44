//! Every second factor of an account at once (TOTP and recovery codes, passkeys, the login
//! challenges waiting for one): what deleting the account and a superuser's reset remove.

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::db::mfa_challenge;
use crate::error::ApiError;

/// What [`forget_all`] removed.
pub(crate) struct Forgotten {
    /// Whether TOTP was on.
    pub(crate) totp: bool,
    /// How many passkeys there were.
    pub(crate) passkeys: u64,
}

/// Removes every second factor of `user_id`, in `db`.
pub(crate) async fn forget_all(
    db: &impl ConnectionTrait,
    user_id: i64,
) -> Result<Forgotten, ApiError> {
    let totp = super::mfa::enabled(db, user_id).await?;
    super::mfa::forget(db, user_id).await?;
    let passkeys = super::passkeys::forget(db, user_id).await?;
    mfa_challenge::Entity::delete_many()
        .filter(mfa_challenge::Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    Ok(Forgotten { totp, passkeys })
}
