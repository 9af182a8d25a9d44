//! A user's roles on one resource set in one step that keeps a role held: what an
//! organization's member changes need (an organization keeps at least one owner, whatever
//! concurrent changes are made).

use sea_orm::{ConnectionTrait, DbBackend};

use super::store::SeaStore;
use super::tables::{backend, exec, get, not_found, query, s, storable};
use super::write::{begin_write, retry_writes};
use crate::model::RoleSet;
use crate::store::{Resource, StoreResult};
use crate::time;

/// What [`SeaStore::set_roles_keeping`] did.
///
/// # Examples
/// ```
/// use access_core::sea::RolesSet;
/// use access_core::RoleSet;
///
/// fn describe(r: RolesSet) -> String {
///     match r {
///         RolesSet::Done { before } => format!("set; held {} roles before", before.len()),
///         RolesSet::LastHolder => "refused: nobody else holds the kept role".to_owned(),
///     }
/// }
/// assert_eq!(describe(RolesSet::Done { before: RoleSet::single(0) }), "set; held 1 roles before");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RolesSet {
    /// The roles are set; the user's direct roles on the resource before.
    Done {
        /// The roles held before.
        before: RoleSet,
    },
    /// Nothing changed: the user is the last holder of the kept role and would lose it.
    LastHolder,
}

impl SeaStore {
    /// Sets `user`'s direct roles on `resource` to `roles` (none: the user leaves it), unless the
    /// user holds role `keep` there and would be the last to lose it: then nothing changes
    /// ([`RolesSet::LastHolder`]). One transaction, serialized per resource (a writer from the
    /// start on SQLite, the resource's row locked on PostgreSQL), so two owners demoting each
    /// other at once cannot leave the organization without one. Time-bound assignments of the
    /// user on the resource are replaced too.
    ///
    /// # Errors
    /// An unknown role of the type (`InvalidRequest`), no such resource (`NotFound`), or the
    /// database failed.
    ///
    /// # Examples
    /// ```
    /// use access_core::sea::{RolesSet, SeaStore};
    /// use access_core::{Resource, RoleSet, StoreResult};
    ///
    /// /// `user` leaves `org` unless they are its last owner (role 0).
    /// async fn leave(store: &SeaStore, org: Resource<'_>, user: &str) -> StoreResult<bool> {
    ///     let r = store.set_roles_keeping(user, org, RoleSet::EMPTY, 0).await?;
    ///     Ok(matches!(r, RolesSet::Done { .. }))
    /// }
    /// ```
    pub async fn set_roles_keeping(
        &self,
        user: &str,
        resource: Resource<'_>,
        roles: RoleSet,
        keep: u16,
    ) -> StoreResult<RolesSet> {
        let _invalidate = self.invalidates();
        for r in roles.iter() {
            self.roles.check(resource, r as u16)?;
        }
        self.roles.check(resource, keep)?;
        let ty = self.names.entity(resource.ty)?;
        if !storable(resource.id) {
            return Err(not_found(resource, ty));
        }
        let txn = retry_writes(|| begin_write(&self.db))
            .await
            .map_err(backend)?;
        // The resource's row, locked on PostgreSQL: changes to one resource's holders wait
        // their turn (SQLite's `BEGIN IMMEDIATE` serialized every writer already).
        let lock = if txn.get_database_backend() == DbBackend::Postgres {
            "SELECT 1 AS x FROM access_resources WHERE ty = ? AND id = ? FOR UPDATE"
        } else {
            "SELECT 1 AS x FROM access_resources WHERE ty = ? AND id = ?"
        };
        if query(&txn, lock, vec![s(ty), s(resource.id)])
            .await?
            .is_empty()
        {
            return Err(not_found(resource, ty));
        }
        let now = time::now();
        let rows = query(
            &txn,
            "SELECT user_id, role FROM access_assignments WHERE res_ty = ? AND res_id = ? \
             AND (starts_at IS NULL OR starts_at <= ?) AND (expires_at IS NULL OR expires_at > ?)",
            vec![
                s(ty),
                s(resource.id),
                sea_orm::Value::from(now),
                sea_orm::Value::from(now),
            ],
        )
        .await?;
        let (mut before, mut others_keep) = (RoleSet::EMPTY, false);
        for r in rows {
            let (who, name): (String, String) = (get(&r, "user_id")?, get(&r, "role")?);
            let Some(role) = self.names.role_of(resource.ty.0, &name) else {
                continue;
            };
            if who == user {
                before.insert(role as usize);
            } else if role == keep {
                others_keep = true;
            }
        }
        if before.contains(keep as usize) && !roles.contains(keep as usize) && !others_keep {
            return Ok(RolesSet::LastHolder);
        }
        exec(
            &txn,
            "DELETE FROM access_assignments WHERE user_id = ? AND res_ty = ? AND res_id = ?",
            vec![s(user), s(ty), s(resource.id)],
        )
        .await?;
        for r in roles.iter() {
            let name = self.names.role_name(resource.ty.0, r as u16);
            exec(
                &txn,
                "INSERT INTO access_assignments (user_id, res_ty, res_id, role, starts_at, expires_at) \
                 VALUES (?, ?, ?, ?, NULL, NULL)",
                vec![s(user), s(ty), s(resource.id), s(&name)],
            )
            .await?;
        }
        txn.commit().await.map_err(backend)?;
        Ok(RolesSet::Done { before })
    }
}
