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
    // Added after the table: databases made before get it.
    add_column(db, "auth_sessions", "tenant", "VARCHAR(255) NULL").await?;
    add_column(db, "auth_sessions", "mfa_at", "BIGINT NULL").await?;
    table(db, &schema, refresh_token::Entity).await?;
    table(db, &schema, one_time_token::Entity).await?;
    table(db, &schema, crate::db::profile::Entity).await?;
    table(db, &schema, rate_limit::Entity).await?;
    table(db, &schema, crate::db::passkey::Entity).await?;
    table(db, &schema, crate::db::webauthn_ceremony::Entity).await?;
    table(db, &schema, crate::db::mfa_challenge::Entity).await?;
    table(db, &schema, crate::db::mfa_totp::Entity).await?;
    table(db, &schema, crate::db::recovery_code::Entity).await?;
    table(db, &schema, crate::db::oauth_account::Entity).await?;
    table(db, &schema, crate::db::oauth_flow::Entity).await?;
    db.execute_unprepared(
        "CREATE UNIQUE INDEX IF NOT EXISTS auth_oauth_accounts_provider_subject \
         ON auth_oauth_accounts (provider, subject)",
    )
    .await?;
    table(db, &schema, audit::Entity).await?;
    table(db, &schema, role_grant::Entity).await?;
    table(db, &schema, custom_role::Entity).await?;
    table(db, &schema, crate::orgs::table::Entity).await?;
    table(db, &schema, crate::orgs::invitation::Entity).await?;
    for sql in crate::dynamic::UNIQUE_KEYS {
        db.execute_unprepared(sql).await?;
    }
    access_core::sea::migrate(db).await
}

/// Adds `column` (of SQL type `ty`) to `table` when it lacks it.
async fn add_column(
    db: &DatabaseConnection,
    table: &str,
    column: &str,
    ty: &str,
) -> Result<(), DbErr> {
    match db.get_database_backend() {
        sea_orm::DbBackend::Sqlite => {
            let rows = db
                .query_all_raw(sea_orm::Statement::from_string(
                    sea_orm::DbBackend::Sqlite,
                    format!("SELECT name FROM pragma_table_info('{table}')"),
                ))
                .await?;
            let has = rows
                .iter()
                .any(|r| r.try_get::<String>("", "name").is_ok_and(|n| n == column));
            if !has {
                db.execute_unprepared(&format!("ALTER TABLE {table} ADD COLUMN {column} {ty}"))
                    .await?;
            }
            Ok(())
        }
        _ => db
            .execute_unprepared(&format!(
                "ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {column} {ty}"
            ))
            .await
            .map(|_| ()),
    }
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
