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
/// startup. With an application users table ([`UsersTable`]), that table is the
/// application's; the built-in one is still created (and stays empty).
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
    crate::admin::migrate(db).await?;
    Ok(())
}

/// Where users live: the built-in `auth_users` table, or the application's own table with its
/// own column names. Every user query of the endpoints goes through it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UsersTable {
    /// Table name.
    pub table: String,
    /// Integer primary key.
    pub id: String,
    /// Normalized email (unique, nullable).
    pub email: String,
    /// Normalized username (unique, nullable).
    pub username: String,
    /// argon2id PHC string.
    pub password_hash: String,
    /// Boolean: inactive users cannot log in.
    pub active: String,
    /// Boolean.
    pub email_verified: String,
    /// Global role names, comma separated.
    pub roles: String,
    /// Tenant (nullable).
    pub tenant: String,
    /// Boolean.
    pub superuser: String,
    /// Unix seconds of the last password change.
    pub password_changed_at: String,
    /// Unix seconds.
    pub created_at: String,
}

impl Default for UsersTable {
    fn default() -> Self {
        Self {
            table: "auth_users".into(),
            id: "id".into(),
            email: "email".into(),
            username: "username".into(),
            password_hash: "password_hash".into(),
            active: "active".into(),
            email_verified: "email_verified".into(),
            roles: "roles".into(),
            tenant: "tenant".into(),
            superuser: "superuser".into(),
            password_changed_at: "password_changed_at".into(),
            created_at: "created_at".into(),
        }
    }
}

/// A user to insert.
#[derive(Clone, Debug)]
pub struct NewUser {
    /// Normalized email.
    pub email: Option<String>,
    /// Normalized username.
    pub username: Option<String>,
    /// PHC string.
    pub password_hash: String,
    /// Unix seconds.
    pub now: i64,
}

/// A user field to change.
#[derive(Clone, Debug)]
pub enum UserChange {
    /// New hash (and the time of the change, when it is a password change).
    Password(String, Option<i64>),
    /// Email verified.
    EmailVerified(bool),
}

impl UsersTable {
    fn cols(&self) -> [&str; 11] {
        [
            &self.id,
            &self.email,
            &self.username,
            &self.password_hash,
            &self.active,
            &self.email_verified,
            &self.roles,
            &self.tenant,
            &self.superuser,
            &self.password_changed_at,
            &self.created_at,
        ]
    }

    fn row(&self, r: &sea_orm::QueryResult) -> Result<user::Model, DbErr> {
        Ok(user::Model {
            id: r.try_get("", &self.id)?,
            email: r.try_get("", &self.email)?,
            username: r.try_get("", &self.username)?,
            password_hash: r.try_get("", &self.password_hash)?,
            active: r.try_get("", &self.active)?,
            email_verified: r.try_get("", &self.email_verified)?,
            roles: r.try_get("", &self.roles)?,
            tenant: r.try_get("", &self.tenant)?,
            superuser: r.try_get("", &self.superuser)?,
            password_changed_at: r.try_get("", &self.password_changed_at)?,
            created_at: r.try_get("", &self.created_at)?,
        })
    }

    async fn find_where(
        &self,
        db: &DatabaseConnection,
        col: &str,
        value: sea_orm::Value,
    ) -> Result<Option<user::Model>, DbErr> {
        use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
        let stmt = Query::select()
            .columns(self.cols().map(Alias::new))
            .from(Alias::new(&self.table))
            .and_where(Expr::col(Alias::new(col)).eq(value))
            .limit(1)
            .to_owned();
        match db.query_one(&stmt).await? {
            Some(r) => self.row(&r).map(Some),
            None => Ok(None),
        }
    }

    /// The user with this id.
    ///
    /// # Errors
    /// A database failure.
    pub async fn by_id(
        &self,
        db: &DatabaseConnection,
        id: i64,
    ) -> Result<Option<user::Model>, DbErr> {
        self.find_where(db, &self.id, id.into()).await
    }
    /// The user with this (normalized) email.
    ///
    /// # Errors
    /// A database failure.
    pub async fn by_email(
        &self,
        db: &DatabaseConnection,
        email: &str,
    ) -> Result<Option<user::Model>, DbErr> {
        self.find_where(db, &self.email, email.into()).await
    }
    /// The user with this (normalized) username.
    ///
    /// # Errors
    /// A database failure.
    pub async fn by_username(
        &self,
        db: &DatabaseConnection,
        username: &str,
    ) -> Result<Option<user::Model>, DbErr> {
        self.find_where(db, &self.username, username.into()).await
    }

    /// Inserts a user: active, unverified, no roles.
    ///
    /// # Errors
    /// A database failure (a unique violation when the email or username is taken).
    pub async fn insert(&self, db: &DatabaseConnection, u: NewUser) -> Result<user::Model, DbErr> {
        use sea_orm::sea_query::{Alias, Query};
        let stmt = Query::insert()
            .into_table(Alias::new(&self.table))
            .columns(
                [
                    &self.email,
                    &self.username,
                    &self.password_hash,
                    &self.active,
                    &self.email_verified,
                    &self.roles,
                    &self.superuser,
                    &self.password_changed_at,
                    &self.created_at,
                ]
                .map(Alias::new),
            )
            .values_panic([
                u.email.clone().into(),
                u.username.clone().into(),
                u.password_hash.into(),
                true.into(),
                false.into(),
                String::new().into(),
                false.into(),
                u.now.into(),
                u.now.into(),
            ])
            .returning_col(Alias::new(&self.id))
            .to_owned();
        let row = db
            .query_one(&stmt)
            .await?
            .ok_or_else(|| DbErr::RecordNotInserted)?;
        let id: i64 = row.try_get_by_index(0)?;
        self.by_id(db, id).await?.ok_or(DbErr::RecordNotInserted)
    }

    /// Changes one field of a user.
    ///
    /// # Errors
    /// A database failure.
    pub async fn update(
        &self,
        db: &DatabaseConnection,
        id: i64,
        change: UserChange,
    ) -> Result<(), DbErr> {
        use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
        let mut stmt = Query::update();
        stmt.table(Alias::new(&self.table))
            .and_where(Expr::col(Alias::new(&self.id)).eq(id));
        match change {
            UserChange::Password(hash, changed_at) => {
                stmt.value(Alias::new(&self.password_hash), hash);
                if let Some(t) = changed_at {
                    stmt.value(Alias::new(&self.password_changed_at), t);
                }
            }
            UserChange::EmailVerified(v) => {
                stmt.value(Alias::new(&self.email_verified), v);
            }
        }
        db.execute(&stmt).await?;
        Ok(())
    }

    /// How many users have `value` in the email (`email = true`) or username column.
    ///
    /// # Errors
    /// A database failure.
    pub async fn taken(
        &self,
        db: &DatabaseConnection,
        email: bool,
        value: &str,
    ) -> Result<bool, DbErr> {
        let col = if email { &self.email } else { &self.username };
        Ok(self.find_where(db, col, value.into()).await?.is_some())
    }
}
