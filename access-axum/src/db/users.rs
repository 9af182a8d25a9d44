//! [`UsersTable`]: where users live (the built-in `auth_users` table or the application's own
//! table with its own column names), and the row operations the endpoints need.

use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{ConnectionTrait, DbErr, QueryResult, Value};

use super::user;

/// Where users live: the built-in `auth_users` table, or the application's own table with its
/// own column names. Every user query of the endpoints goes through it.
///
/// # Examples
/// ```
/// use access_axum::db::UsersTable;
/// // The application's `accounts` table: its own names, the defaults for the other columns.
/// let accounts = UsersTable {
///     table: "accounts".into(),
///     id: "account_id".into(),
///     email: "mail".into(),
///     password_hash: "pw".into(),
///     ..UsersTable::default()
/// };
/// ```
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
///
/// # Examples
/// ```
/// use access_axum::db::NewUser;
/// let ada = NewUser {
///     email: Some("ada@example.com".into()), // normalized by the caller
///     username: None,
///     password_hash: "$argon2id$...".into(),
///     now: 1_700_000_000,
/// };
/// ```
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
///
/// # Examples
/// ```
/// use access_axum::db::UserChange;
/// // A password change: the new hash, and tokens issued before `1_700_000_000` stop working.
/// let change = UserChange::Password("$argon2id$...".into(), Some(1_700_000_000));
/// ```
#[derive(Clone, Debug)]
pub enum UserChange {
    /// New hash (and the time of the change, when it is a password change).
    Password(String, Option<i64>),
    /// Email verified.
    EmailVerified(bool),
    /// The tenant the user last switched to (the next login's).
    Tenant(Option<String>),
    /// A new normalized email, verified (its verification was taken).
    Email(String),
    /// A new normalized username (or none).
    Username(Option<String>),
    /// Global role names, comma separated.
    Roles(String),
    /// Superuser or not.
    Superuser(bool),
    /// Active or not: inactive users cannot log in or refresh.
    Active(bool),
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

    fn row(&self, r: &QueryResult) -> Result<user::Model, DbErr> {
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
        db: &impl ConnectionTrait,
        col: &str,
        value: Value,
    ) -> Result<Option<user::Model>, DbErr> {
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
    ///
    /// # Examples
    /// ```no_run
    /// # async fn run(db: sea_orm::DatabaseConnection) -> Result<(), sea_orm::DbErr> {
    /// let user = access_axum::db::UsersTable::default().by_id(&db, 7).await?;
    /// # Ok(()) }
    /// ```
    pub async fn by_id(
        &self,
        db: &impl ConnectionTrait,
        id: i64,
    ) -> Result<Option<user::Model>, DbErr> {
        self.find_where(db, &self.id, id.into()).await
    }

    /// The users with these ids (those that exist, in no particular order).
    ///
    /// # Errors
    /// A database failure.
    ///
    /// # Examples
    /// ```no_run
    /// # async fn run(db: sea_orm::DatabaseConnection) -> Result<(), sea_orm::DbErr> {
    /// let users = access_axum::db::UsersTable::default().by_ids(&db, &[7, 8]).await?;
    /// # Ok(()) }
    /// ```
    pub async fn by_ids(
        &self,
        db: &impl ConnectionTrait,
        ids: &[i64],
    ) -> Result<Vec<user::Model>, DbErr> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let stmt = Query::select()
            .columns(self.cols().map(Alias::new))
            .from(Alias::new(&self.table))
            .and_where(Expr::col(Alias::new(&self.id)).is_in(ids.iter().copied()))
            .to_owned();
        let rows = db.query_all(&stmt).await?;
        rows.iter().map(|r| self.row(r)).collect()
    }

    /// The user with this normalized (trimmed, lowercase) email: the endpoints normalize before
    /// looking up, this does not.
    ///
    /// # Errors
    /// A database failure.
    ///
    /// # Examples
    /// ```no_run
    /// # async fn run(db: sea_orm::DatabaseConnection) -> Result<(), sea_orm::DbErr> {
    /// let users = access_axum::db::UsersTable::default();
    /// let ada = users.by_email(&db, "ada@example.com").await?;
    /// # Ok(()) }
    /// ```
    pub async fn by_email(
        &self,
        db: &impl ConnectionTrait,
        email: &str,
    ) -> Result<Option<user::Model>, DbErr> {
        self.find_where(db, &self.email, email.into()).await
    }

    /// The user with this normalized (trimmed, lowercase) username.
    ///
    /// # Errors
    /// A database failure.
    ///
    /// # Examples
    /// ```no_run
    /// # async fn run(db: sea_orm::DatabaseConnection) -> Result<(), sea_orm::DbErr> {
    /// let users = access_axum::db::UsersTable::default();
    /// let ada = users.by_username(&db, "ada").await?;
    /// # Ok(()) }
    /// ```
    pub async fn by_username(
        &self,
        db: &impl ConnectionTrait,
        username: &str,
    ) -> Result<Option<user::Model>, DbErr> {
        self.find_where(db, &self.username, username.into()).await
    }

    /// Inserts a user: active, unverified, no roles.
    ///
    /// # Errors
    /// A database failure (a unique violation when the email or username is taken).
    ///
    /// # Examples
    /// ```no_run
    /// use access_axum::db::{NewUser, UsersTable};
    /// # async fn run(db: sea_orm::DatabaseConnection) -> Result<(), sea_orm::DbErr> {
    /// let new = NewUser { email: None, username: Some("ada".into()), password_hash: "$argon2id$...".into(), now: 1_700_000_000 };
    /// let ada = UsersTable::default().insert(&db, new).await?;
    /// assert!(ada.active && !ada.email_verified);
    /// # Ok(()) }
    /// ```
    pub async fn insert(
        &self,
        db: &impl ConnectionTrait,
        u: NewUser,
    ) -> Result<user::Model, DbErr> {
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
    ///
    /// # Examples
    /// ```no_run
    /// use access_axum::db::{UserChange, UsersTable};
    /// # async fn run(db: sea_orm::DatabaseConnection) -> Result<(), sea_orm::DbErr> {
    /// UsersTable::default().update(&db, 7, UserChange::EmailVerified(true)).await?;
    /// # Ok(()) }
    /// ```
    pub async fn update(
        &self,
        db: &impl ConnectionTrait,
        id: i64,
        change: UserChange,
    ) -> Result<(), DbErr> {
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
            UserChange::Tenant(t) => {
                stmt.value(Alias::new(&self.tenant), t);
            }
            UserChange::Email(e) => {
                stmt.value(Alias::new(&self.email), e);
                stmt.value(Alias::new(&self.email_verified), true);
            }
            UserChange::Username(u) => {
                stmt.value(Alias::new(&self.username), u);
            }
            UserChange::Roles(r) => {
                stmt.value(Alias::new(&self.roles), r);
            }
            UserChange::Superuser(v) => {
                stmt.value(Alias::new(&self.superuser), v);
            }
            UserChange::Active(v) => {
                stmt.value(Alias::new(&self.active), v);
            }
        }
        db.execute(&stmt).await?;
        Ok(())
    }

    /// Whether a user has `value` in the email (`email = true`) or username column.
    ///
    /// # Errors
    /// A database failure.
    ///
    /// # Examples
    /// ```no_run
    /// # async fn run(db: sea_orm::DatabaseConnection) -> Result<(), sea_orm::DbErr> {
    /// let users = access_axum::db::UsersTable::default();
    /// let email_taken = users.taken(&db, true, "ada@example.com").await?;
    /// # Ok(()) }
    /// ```
    pub async fn taken(
        &self,
        db: &impl ConnectionTrait,
        email: bool,
        value: &str,
    ) -> Result<bool, DbErr> {
        let col = if email { &self.email } else { &self.username };
        Ok(self.find_where(db, col, value.into()).await?.is_some())
    }

    /// Deletes the user's row (the caller removes what refers to it first).
    ///
    /// # Errors
    /// A database failure.
    ///
    /// # Examples
    /// ```no_run
    /// # async fn run(db: sea_orm::DatabaseConnection) -> Result<(), sea_orm::DbErr> {
    /// access_axum::db::UsersTable::default().delete(&db, 7).await?;
    /// # Ok(()) }
    /// ```
    pub async fn delete(&self, db: &impl ConnectionTrait, id: i64) -> Result<(), DbErr> {
        let stmt = Query::delete()
            .from_table(Alias::new(&self.table))
            .and_where(Expr::col(Alias::new(&self.id)).eq(id))
            .to_owned();
        db.execute(&stmt).await?;
        Ok(())
    }

    /// One page of users by id: those after id `after`, at most `limit`, whose email or
    /// username contains `search` (case-insensitive; every user without one).
    ///
    /// # Errors
    /// A database failure.
    ///
    /// # Examples
    /// ```no_run
    /// # async fn run(db: sea_orm::DatabaseConnection) -> Result<(), sea_orm::DbErr> {
    /// let users = access_axum::db::UsersTable::default();
    /// let first = users.page(&db, Some("acme.test"), 0, 50).await?;
    /// let next = users.page(&db, Some("acme.test"), first.last().map_or(0, |u| u.id), 50).await?;
    /// # Ok(()) }
    /// ```
    pub async fn page(
        &self,
        db: &impl ConnectionTrait,
        search: Option<&str>,
        after: i64,
        limit: u64,
    ) -> Result<Vec<user::Model>, DbErr> {
        let mut stmt = Query::select();
        stmt.columns(self.cols().map(Alias::new))
            .from(Alias::new(&self.table))
            .and_where(Expr::col(Alias::new(&self.id)).gt(after))
            .order_by(Alias::new(&self.id), sea_orm::Order::Asc)
            .limit(limit);
        if let Some(q) = search.map(str::trim).filter(|q| !q.is_empty()) {
            // Emails and usernames are stored lowercase; LIKE's wildcards are escaped.
            let q = q
                .to_lowercase()
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            let pattern = format!("%{q}%");
            let like = |col: &str| {
                Expr::col(Alias::new(col))
                    .like(sea_orm::sea_query::LikeExpr::new(pattern.clone()).escape('\\'))
            };
            stmt.cond_where(
                sea_orm::Condition::any()
                    .add(like(&self.email))
                    .add(like(&self.username)),
            );
        }
        let rows = db.query_all(&stmt).await?;
        rows.iter().map(|r| self.row(r)).collect()
    }
}
