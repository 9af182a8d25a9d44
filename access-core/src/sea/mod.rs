//! The database through sea-orm (feature `sea-orm`): the stores in SQLite or PostgreSQL, and a
//! schema's row rules in SQL.
//!
//! * [`SeaStore`]: every store (role assignments, the resource hierarchy with its closure table,
//!   subscriptions, flags) in the database, its tables created by [`migrate`]; [`SeaWallet`]:
//!   the usage counters, one conditional statement per unit.
//! * [`list_accessible`]: the resources a user may act on, as a sub-query ([`Accessible`]) for
//!   the application's own listing.
//! * [`row_filter`]: a schema bound to an entity ([`SeaOrmSchema`]) turns its `where` rules into
//!   a [`RowFilter`], a `Condition` added to every statement.
//! * [`rls_policies`], [`set_claims`], [`rls_applies`]: the same rules as PostgreSQL row-level
//!   security.
//! * `agree` (feature `testing`, for tests): on random rows, the three enforcers (in memory,
//!   SQL, row-level security) give the same answers.
//!
//! # Examples
//! ```
//! use access_core::sea::row_filter;
//! use access_core::{AccessModel, Action, PermissionCtx, Principal};
//! use sea_orm::{DbBackend, EntityTrait, QueryFilter, QueryTrait};
//!
//! access_core::define_access! {
//!     pub Access;
//!     roles: [admin],
//!     entity project { roles: [owner] }
//!     entitlements { "project:edit" on project => roles [owner] }
//! }
//!
//! mod note {
//!     use sea_orm::entity::prelude::*;
//!
//!     #[derive(Clone, Debug, PartialEq, DeriveEntityModel, access_core::Schema)]
//!     #[sea_orm(table_name = "notes")]
//!     #[schema(access = super::Access, entity = Entity, permission(
//!         list   = any(role(admin), where(owner_id = user.id)),
//!         update = where(owner_id = user.id),
//!     ))]
//!     pub struct Model {
//!         #[sea_orm(primary_key)]
//!         pub id: i64,
//!         pub owner_id: i64,
//!     }
//!
//!     #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
//!     pub enum Relation {}
//!
//!     impl ActiveModelBehavior for ActiveModel {}
//! }
//!
//! fn main() {
//!     let bob = Principal::new("2");
//!     let ctx = PermissionCtx::new(Access.data(), Some(&bob));
//!     let filter = row_filter::<note::Model>(&ctx, Action::Update);
//!     let sql = note::Entity::find().filter(filter.condition).build(DbBackend::Sqlite);
//!     assert!(sql.to_string().ends_with(r#"WHERE "notes"."owner_id" = 2"#), "{sql}");
//! }
//! ```

#[cfg(feature = "testing")]
pub mod agree;
mod ancestry;
mod closure;
mod listing;
mod members;
mod names;
mod read_cache;
mod rls;
mod row_filter;
mod store;
mod tables;
mod wallet;
pub mod write;

pub use listing::{Accessible, list_accessible};
pub use members::RolesSet;
pub use rls::{RlsError, rls_applies, rls_policies, set_claims};
pub use row_filter::{RowFilter, SeaOrmSchema, SqlField, row_filter};
pub use store::SeaStore;
pub use tables::migrate;
pub use wallet::SeaWallet;
