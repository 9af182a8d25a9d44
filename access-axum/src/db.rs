//! The tables authentication keeps, as sea-orm entities, and [`migrate`] to create them.

use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, Schema};

/// Users and their credentials.
pub mod user {
    use sea_orm::entity::prelude::*;

    /// A user account.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "auth_users")]
    pub struct Model {
        /// Id.
        #[sea_orm(primary_key)]
        pub id: i64,
        /// Normalized email (trimmed, lowercase), unique.
        #[sea_orm(unique, nullable)]
        pub email: Option<String>,
        /// Normalized username (trimmed, lowercase), unique.
        #[sea_orm(unique, nullable)]
        pub username: Option<String>,
        /// argon2id PHC string.
        pub password_hash: String,
        /// Inactive users cannot log in or refresh.
        pub active: bool,
        /// Whether the email was verified.
        pub email_verified: bool,
        /// Global role names, comma separated.
        pub roles: String,
        /// The user's tenant.
        #[sea_orm(nullable)]
        pub tenant: Option<String>,
        /// Superusers pass every check.
        pub superuser: bool,
        /// When the password last changed (Unix seconds): older tokens are refused.
        pub password_changed_at: i64,
        /// Created (Unix seconds).
        pub created_at: i64,
    }

    /// No relations are navigated.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Login sessions (one per device).
pub mod session {
    use sea_orm::entity::prelude::*;

    /// A session.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "auth_sessions")]
    pub struct Model {
        /// Random id (UUID).
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        /// The user.
        #[sea_orm(indexed)]
        pub user_id: i64,
        /// From the User-Agent.
        pub device: String,
        /// Client IP.
        pub ip: String,
        /// Created (Unix seconds).
        pub created_at: i64,
        /// Last refresh (Unix seconds).
        pub last_active_at: i64,
        /// Ends (Unix seconds).
        pub expires_at: i64,
        /// Revoked (Unix seconds).
        #[sea_orm(nullable)]
        pub revoked_at: Option<i64>,
    }

    /// No relations are navigated.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Refresh tokens, stored hashed.
pub mod refresh_token {
    use sea_orm::entity::prelude::*;

    /// One refresh token of a session.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "auth_refresh_tokens")]
    pub struct Model {
        /// Id.
        #[sea_orm(primary_key)]
        pub id: i64,
        /// The session.
        #[sea_orm(indexed)]
        pub session_id: String,
        /// SHA-256 of the token, hex.
        #[sea_orm(unique)]
        pub token_hash: String,
        /// Issued (Unix seconds).
        pub created_at: i64,
        /// When it was exchanged for a new one (Unix seconds).
        #[sea_orm(nullable)]
        pub rotated_at: Option<i64>,
    }

    /// No relations are navigated.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Email verification and password reset tokens, stored hashed.
pub mod one_time_token {
    use sea_orm::entity::prelude::*;

    /// A single-use token.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "auth_one_time_tokens")]
    pub struct Model {
        /// Id.
        #[sea_orm(primary_key)]
        pub id: i64,
        /// The user.
        pub user_id: i64,
        /// `verify` or `reset`.
        pub kind: String,
        /// SHA-256 of the token, hex.
        #[sea_orm(unique)]
        pub token_hash: String,
        /// Ends (Unix seconds).
        pub expires_at: i64,
        /// Used (Unix seconds).
        #[sea_orm(nullable)]
        pub used_at: Option<i64>,
    }

    /// No relations are navigated.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Rate-limit counters (fixed windows), shared by every app instance.
pub mod rate_limit {
    use sea_orm::entity::prelude::*;

    /// One counter.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "auth_rate_limits")]
    pub struct Model {
        /// `endpoint:kind:value` (the value hashed).
        #[sea_orm(primary_key, auto_increment = false)]
        pub key: String,
        /// Window start (Unix seconds).
        pub window_start: i64,
        /// Attempts in the window.
        pub count: i64,
    }

    /// No relations are navigated.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Creates the tables (and their indexes) that do not exist yet. Safe to call at every
/// startup.
///
/// # Errors
/// The database refused a statement.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    let backend = db.get_database_backend();
    let schema = Schema::new(backend);
    macro_rules! table {
        ($e:expr) => {{
            let mut stmt = schema.create_table_from_entity($e);
            stmt.if_not_exists();
            db.execute(&stmt).await?;
            for mut idx in schema.create_index_from_entity($e) {
                idx.if_not_exists();
                db.execute(&idx).await?;
            }
        }};
    }
    table!(user::Entity);
    table!(session::Entity);
    table!(refresh_token::Entity);
    table!(one_time_token::Entity);
    table!(rate_limit::Entity);
    Ok(())
}
