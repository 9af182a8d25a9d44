//! What goes with a deleted account in the organizations: its memberships (every role it
//! holds) and the invitations pending for its address; refused while it is the last owner.

use std::future::Future;
use std::pin::Pin;

use access_core::sea::SeaStore;
use access_core::{AccessModel, EntityTypeId};
use axum::http::StatusCode;
use sea_orm::{ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter};

use super::invitation;
use crate::auth::AccountRemoval;
use crate::authz::Authz;
use crate::db::user;
use crate::error::ApiError;

/// The [`AccountRemoval`] [`App::orgs`](crate::App::orgs) installs.
pub(crate) struct Memberships<M: AccessModel> {
    pub(crate) authz: Authz<M, SeaStore>,
    /// The model's tenant (organizations are mounted only with one).
    pub(crate) tenant: access_core::TenantData,
}

impl<M: AccessModel> AccountRemoval for Memberships<M> {
    fn remove<'a>(
        &'a self,
        txn: &'a DatabaseTransaction,
        u: &'a user::Model,
    ) -> Pin<Box<dyn Future<Output = Result<(), ApiError>> + Send + 'a>> {
        Box::pin(async move {
            let keep = Some((EntityTypeId(self.tenant.entity), self.tenant.owner));
            let last = self
                .authz
                .stores()
                .remove_user_in(txn, &u.id.to_string(), keep)
                .await
                .map_err(|e| ApiError::store_failed("organizations: the memberships failed", e))?;
            if let Some(org) = last {
                return Err(ApiError::new(
                    StatusCode::CONFLICT,
                    "last_owner",
                    format!(
                        "you are the last owner of organization `{org}`: make another member its owner first"
                    ),
                ));
            }
            if let Some(email) = &u.email {
                invitation::Entity::delete_many()
                    .filter(invitation::Column::Email.eq(email.as_str()))
                    .filter(invitation::Column::Status.eq(invitation::PENDING))
                    .exec(txn)
                    .await?;
            }
            Ok(())
        })
    }
}
