//! One call that creates every table access-axum uses: the authentication tables (users,
//! sessions, refresh tokens, one-time tokens, rate limits), the admin audit trail, the dynamic
//! grants and custom roles, the organizations, and access-core's store tables (assignments, hierarchy, plans,
//! flags, wallet). Safe at every startup: what exists is left as it is.

use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, Schema};

use crate::admin::audit;
use crate::db::{one_time_token, rate_limit, refresh_token, session, user};
use crate::dynamic::{custom_role, role_grant};

/// Creates every table access-axum and access-core's SQL stores use, when missing.
///
/// # Errors
/// The database refused a statement.
///
/// # Examples
/// ```no_run
/// # async fn run() -> Result<(), sea_orm::DbErr> {
/// let db = sea_orm::Database::connect("sqlite://app.db?mode=rwc").await?;
/// access_axum::migrate(&db).await?; // again at the next startup: nothing changes
/// # Ok(()) }
/// ```
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    let schema = Schema::new(db.get_database_backend());
    table(db, &schema, user::Entity).await?;
    table(db, &schema, session::Entity).await?;
    table(db, &schema, refresh_token::Entity).await?;
    table(db, &schema, one_time_token::Entity).await?;
    table(db, &schema, rate_limit::Entity).await?;
    table(db, &schema, audit::Entity).await?;
    table(db, &schema, role_grant::Entity).await?;
    table(db, &schema, custom_role::Entity).await?;
    table(db, &schema, crate::orgs::table::Entity).await?;
    for sql in crate::dynamic::UNIQUE_KEYS {
        db.execute_unprepared(sql).await?;
    }
    access_core::sea::migrate(db).await
}

/// Creates `entity`'s table and indexes when missing.
pub(crate) async fn table<E: EntityTrait>(
    db: &impl ConnectionTrait,
    schema: &Schema,
    entity: E,
) -> Result<(), DbErr> {
    let mut stmt = schema.create_table_from_entity(entity);
    stmt.if_not_exists();
    db.execute(&stmt).await?;
    for mut idx in schema.create_index_from_entity(entity) {
        idx.if_not_exists();
        db.execute(&idx).await?;
    }
    Ok(())
}
