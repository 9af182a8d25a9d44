//! The tables authentication keeps, as sea-orm entities, and [`UsersTable`], through which every
//! user query goes (the built-in `auth_users` table or the application's own).
//! [`crate::migrate`] creates them. [`connect`] opens a pool set up for concurrent requests
//! (on SQLite: WAL mode, foreign keys, a busy timeout).
//!
//! Each table module holds sea-orm's generated `Entity`, `Model`, `Column`, `PrimaryKey` and
//! `ActiveModel`: query the tables as any sea-orm entity. No relations are navigated.
//!
//! | module | table | holds |
//! |---|---|---|
//! | [`user`] | `auth_users` | accounts and their credentials |
//! | [`session`] | `auth_sessions` | login sessions, one per device |
//! | [`refresh_token`] | `auth_refresh_tokens` | refresh tokens, stored hashed |
//! | [`one_time_token`] | `auth_one_time_tokens` | email verification and password reset tokens |
//! | [`rate_limit`] | `auth_rate_limits` | rate-limit counters (fixed windows) |
//! | [`profile`] | `auth_profiles` | display name, last login, a pending address change |
//! | [`passkey`] | `auth_passkeys` | passkeys (WebAuthn credentials), one per authenticator |
//! | [`webauthn_ceremony`] | `auth_webauthn_ceremonies` | passkey ceremonies in progress, taken once |
//! | [`mfa_challenge`] | `auth_mfa_challenges` | logins waiting for their second factor (hashed, single use, 5 minutes) |
//! | [`mfa_totp`] | `auth_mfa_totp` | authenticator-app (TOTP) secrets, encrypted, and the last accepted step |
//! | [`recovery_code`] | `auth_recovery_codes` | one-time recovery codes, stored hashed |
//! | [`oauth_account`] | `auth_oauth_accounts` | provider accounts (provider, subject) linked to users |
//! | [`oauth_flow`] | `auth_oauth_flows` | sign-ins with a provider in progress (state hashed, taken once, 10 minutes) |
//!
//! # Examples
//! ```no_run
//! use access_axum::db::{NewUser, UsersTable, session};
//! use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
//! # async fn run(db: sea_orm::DatabaseConnection) -> Result<(), sea_orm::DbErr> {
//! let users = UsersTable::default(); // the built-in `auth_users` table
//! let new = NewUser {
//!     email: Some("ada@example.com".into()), // normalized by the caller
//!     username: None,
//!     password_hash: "$argon2id$...".into(),
//!     now: 1_700_000_000,
//! };
//! let ada = users.insert(&db, new).await?;
//! // Ada's live sessions.
//! let live = session::Entity::find()
//!     .filter(session::Column::UserId.eq(ada.id))
//!     .filter(session::Column::RevokedAt.is_null())
//!     .all(&db)
//!     .await?;
//! # Ok(()) }
//! ```

mod connect;
pub mod mfa_challenge;
pub mod mfa_totp;
pub mod oauth_account;
pub mod oauth_flow;
pub mod one_time_token;
pub mod passkey;
pub mod profile;
pub mod rate_limit;
pub mod recovery_code;
pub mod refresh_token;
pub mod session;
pub mod user;
mod users;
pub mod webauthn_ceremony;
mod writers;

pub use connect::connect;
pub use users::{NewUser, UserChange, UsersTable};
pub use writers::{DEFAULT_WRITERS, Writers};
