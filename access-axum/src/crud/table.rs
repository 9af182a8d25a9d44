//! What the routes need of an entity: [`CrudModel`] (public) for its model, and `Table`, the
//! bounds every handler shares.

use access_core::schema::Schema;
use access_core::sea::SeaOrmSchema;
use sea_orm::{ActiveModelBehavior, ActiveModelTrait, EntityTrait, IntoActiveModel, TryIntoModel};
use serde::de::DeserializeOwned;

/// What the routes need from the model type and its entity: a sea-orm model that derives
/// `Schema` (with `entity = Entity`), `Serialize`, `Deserialize` and `Clone`. Implemented for
/// every such type.
///
/// # Examples
///
/// ```
/// use access_axum::crud::CrudModel;
/// use sea_orm::EntityTrait;
///
/// /// Serves any entity whose model the routes can serve.
/// fn serve<E: EntityTrait>()
/// where
///     E::Model: CrudModel<E>,
/// {
/// }
/// ```
pub trait CrudModel<E: EntityTrait>:
    Schema + SeaOrmSchema<Entity = E> + serde::Serialize + DeserializeOwned + Send + Sync + Clone
{
}

impl<E: EntityTrait, T> CrudModel<E> for T where
    T: Schema
        + SeaOrmSchema<Entity = E>
        + serde::Serialize
        + DeserializeOwned
        + Send
        + Sync
        + Clone
{
}

/// The bounds every route needs of an entity; implemented for every entity whose model is a
/// [`CrudModel`] and whose active model converts both ways.
pub(super) trait Table:
    EntityTrait<
        Model: CrudModel<Self> + IntoActiveModel<Self::ActiveModel>,
        ActiveModel: ActiveModelTrait<Entity = Self>
                         + ActiveModelBehavior
                         + TryIntoModel<Self::Model>
                         + Send
                         + Sync,
    >
{
}

impl<E> Table for E
where
    E: EntityTrait,
    E::Model: CrudModel<E> + IntoActiveModel<E::ActiveModel>,
    E::ActiveModel:
        ActiveModelTrait<Entity = E> + ActiveModelBehavior + TryIntoModel<E::Model> + Send + Sync,
{
}
