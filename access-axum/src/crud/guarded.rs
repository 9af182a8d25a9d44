//! Data-changing calls for the application's own code, each asking for the proof that an
//! entitlement was checked ([`access_core::Granted`], from
//! [`AccessContext::authorize_as`](access_core::AccessContext::authorize_as) or
//! [`consume_as`](access_core::AccessContext::consume_as)). A write without a check does not
//! compile; each call takes its proof, so one check pays for one write.
//!
//! # Examples
//!
//! ```
//! # access_core::define_access! {
//! #     pub Access;
//! #     roles: [admin],
//! #     entity product { roles: [owner] }
//! #     entitlements { "product:write" on product => roles [owner] }
//! # }
//! # mod product {
//! #     use sea_orm::entity::prelude::*;
//! #     #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
//! #     #[sea_orm(table_name = "products")]
//! #     pub struct Model { #[sea_orm(primary_key)] pub id: i64, pub name: String }
//! #     #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
//! #     pub enum Relation {}
//! #     impl ActiveModelBehavior for ActiveModel {}
//! # }
//! # fn main() {}
//! use access_axum::crud::guarded;
//! use access_core::{AccessContext, Resource, Stores};
//! use sea_orm::{ActiveValue::Set, DatabaseConnection, IntoActiveModel};
//!
//! /// Renames a product, for whoever may write it.
//! async fn rename<S: Stores>(
//!     access: &AccessContext<'_, Access, S>,
//!     db: &DatabaseConnection,
//!     row: product::Model,
//!     name: &str,
//! ) -> Result<product::Model, Box<dyn std::error::Error>> {
//!     let id = row.id.to_string();
//!     let proof = access
//!         .authorize_as::<entitlement::ProductWrite>(Resource::new(EntityType::Product, &id))
//!         .await?;
//!     let mut renamed = row.into_active_model();
//!     renamed.name = Set(name.into());
//!     Ok(guarded::update::<product::Entity, _>(db, renamed, proof).await?)
//! }
//! ```

use access_core::{EntitlementMarker, Granted};
use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ConnectionTrait, DbErr, DeleteResult, EntityTrait,
    IntoActiveModel,
};

/// Inserts a row, given the proof of a check (see the [module example](self)).
///
/// ```
/// # mod app { access_core::define_access! { pub Access; roles: [admin], entity product { roles: [owner] } entitlements { "product:write" on product => roles [owner] } } pub mod product { use sea_orm::entity::prelude::*; #[derive(Clone, Debug, PartialEq, DeriveEntityModel)] #[sea_orm(table_name = "products")] pub struct Model { #[sea_orm(primary_key)] pub id: i64, pub name: String } #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)] pub enum Relation {} impl ActiveModelBehavior for ActiveModel {} } }
/// use access_axum::crud::guarded;
/// use access_core::Granted;
/// use app::{entitlement::ProductWrite, product};
/// use sea_orm::{ActiveValue::Set, DatabaseConnection, DbErr};
///
/// async fn add(
///     db: &DatabaseConnection,
///     name: &str,
///     proof: Granted<ProductWrite>,
/// ) -> Result<product::Model, DbErr> {
///     let row = product::ActiveModel { name: Set(name.into()), ..Default::default() };
///     guarded::insert::<product::Entity, _>(db, row, proof).await
/// }
/// ```
///
/// # Errors
/// The database refused it.
pub async fn insert<E, G>(
    db: &impl ConnectionTrait,
    row: E::ActiveModel,
    _proof: Granted<G>,
) -> Result<E::Model, DbErr>
where
    E: EntityTrait,
    E::ActiveModel: ActiveModelTrait<Entity = E> + ActiveModelBehavior + Send,
    E::Model: IntoActiveModel<E::ActiveModel>,
    G: EntitlementMarker,
{
    row.insert(db).await
}

/// Updates a row (by its primary key), given the proof of a check (see the
/// [module example](self)).
///
/// ```
/// # mod app { access_core::define_access! { pub Access; roles: [admin], entity product { roles: [owner] } entitlements { "product:write" on product => roles [owner] } } pub mod product { use sea_orm::entity::prelude::*; #[derive(Clone, Debug, PartialEq, DeriveEntityModel)] #[sea_orm(table_name = "products")] pub struct Model { #[sea_orm(primary_key)] pub id: i64, pub name: String } #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)] pub enum Relation {} impl ActiveModelBehavior for ActiveModel {} } }
/// use access_axum::crud::guarded;
/// use access_core::Granted;
/// use app::{entitlement::ProductWrite, product};
/// use sea_orm::{ActiveValue::Set, DatabaseConnection, DbErr, IntoActiveModel};
///
/// async fn shout(
///     db: &DatabaseConnection,
///     row: product::Model,
///     proof: Granted<ProductWrite>,
/// ) -> Result<product::Model, DbErr> {
///     let name = row.name.to_uppercase();
///     let mut row = row.into_active_model();
///     row.name = Set(name);
///     guarded::update::<product::Entity, _>(db, row, proof).await
/// }
/// ```
///
/// # Errors
/// The database refused it, or the row is gone.
pub async fn update<E, G>(
    db: &impl ConnectionTrait,
    row: E::ActiveModel,
    _proof: Granted<G>,
) -> Result<E::Model, DbErr>
where
    E: EntityTrait,
    E::ActiveModel: ActiveModelTrait<Entity = E> + ActiveModelBehavior + Send,
    E::Model: IntoActiveModel<E::ActiveModel>,
    G: EntitlementMarker,
{
    row.update(db).await
}

/// Deletes a row (by its primary key), given the proof of a check (see the
/// [module example](self)).
///
/// ```
/// # mod app { access_core::define_access! { pub Access; roles: [admin], entity product { roles: [owner] } entitlements { "product:write" on product => roles [owner] } } pub mod product { use sea_orm::entity::prelude::*; #[derive(Clone, Debug, PartialEq, DeriveEntityModel)] #[sea_orm(table_name = "products")] pub struct Model { #[sea_orm(primary_key)] pub id: i64, pub name: String } #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)] pub enum Relation {} impl ActiveModelBehavior for ActiveModel {} } }
/// use access_axum::crud::guarded;
/// use access_core::Granted;
/// use app::{entitlement::ProductWrite, product};
/// use sea_orm::{DatabaseConnection, DbErr, IntoActiveModel};
///
/// /// Whether the row was still there.
/// async fn remove(
///     db: &DatabaseConnection,
///     row: product::Model,
///     proof: Granted<ProductWrite>,
/// ) -> Result<bool, DbErr> {
///     let done = guarded::delete::<product::Entity, _>(db, row.into_active_model(), proof).await?;
///     Ok(done.rows_affected == 1)
/// }
/// ```
///
/// # Errors
/// The database refused it.
pub async fn delete<E, G>(
    db: &impl ConnectionTrait,
    row: E::ActiveModel,
    _proof: Granted<G>,
) -> Result<DeleteResult, DbErr>
where
    E: EntityTrait,
    E::ActiveModel: ActiveModelTrait<Entity = E> + ActiveModelBehavior + Send,
    G: EntitlementMarker,
{
    row.delete(db).await
}
