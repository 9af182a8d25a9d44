//! Accounts: [`Api::sign_up`] (what `POST /auth/register` writes), [`Api::sign_up_verified`],
//! [`Api::find_user`] and [`Api::create_superuser`].

use access_core::AccessModel;
use access_core::sea::write::{begin_write, retry_writes};
use axum::http::StatusCode;

use super::Api;
use crate::auth::identifiers::normalize_email;
use crate::auth::one_time;
use crate::auth::passwords::check_policy;
use crate::auth::tokens::unix_now;
use crate::config::LoginIdentifier;
use crate::db::{NewUser, UserChange, user};
use crate::error::ApiError;

/// What [`Api::create_superuser`] did, with the account afterwards.
///
/// ```
/// use access_axum::api::Superuser;
///
/// fn said(done: &Superuser) -> String {
///     match done {
///         Superuser::Created(u) => format!("created superuser {}", u.id),
///         Superuser::Promoted(u) => format!("made user {} a superuser", u.id),
///         Superuser::Already(u) => format!("user {} was a superuser already", u.id),
///     }
/// }
/// ```
#[derive(Clone, Debug)]
pub enum Superuser {
    /// A new account: verified, superuser, with the given password.
    Created(user::Model),
    /// An existing account, now a superuser; its password is unchanged.
    Promoted(user::Model),
    /// An existing superuser: nothing changed.
    Already(user::Model),
}

impl Superuser {
    /// The account.
    ///
    /// ```
    /// # fn f(done: access_axum::api::Superuser) {
    /// let id = done.user().id;
    /// # }
    /// ```
    pub fn user(&self) -> &user::Model {
        match self {
            Self::Created(u) | Self::Promoted(u) | Self::Already(u) => u,
        }
    }
}

fn already_registered() -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        "already_registered",
        "an account with this email or username exists",
    )
}

fn no_user_after_write() -> ApiError {
    ApiError::internal("the account is gone right after its write")
}

impl<M: AccessModel> Api<'_, M> {
    /// A new account for `email` with `password`, as `POST /auth/register` makes it: the email
    /// normalized (422 `invalid_email`), the password policy (422 `weak_password`), the hash,
    /// 409 `already_registered` for a taken address, and the verification token mailed (kind
    /// `verify`) once the account is stored. No session is opened. Nothing is written when it
    /// is refused.
    ///
    /// ```no_run
    /// # mod model { access_core::define_access! { pub Access; roles: [admin, user], default_role: user, entity org { roles: [owner] } entitlements { "org:manage" on org => roles [owner] } } }
    /// # use model::Access;
    /// # async fn run(app: &access_axum::AppState<Access>) -> Result<(), access_axum::ApiError> {
    /// let ann = app.api().sign_up(" Ann@Example.com", "correct horse battery").await?;
    /// assert_eq!(ann.email.as_deref(), Some("ann@example.com"));
    /// assert!(!ann.email_verified); // until she takes the mailed token
    /// # Ok(()) }
    /// ```
    pub async fn sign_up(&self, email: &str, password: &str) -> Result<user::Model, ApiError> {
        self.sign_up_with(email, password, false).await
    }

    /// [`Api::sign_up`] with the email verified at once (seeding, accounts made by an
    /// operator): nothing is mailed.
    ///
    /// ```no_run
    /// # mod model { access_core::define_access! { pub Access; roles: [admin, user], default_role: user, entity org { roles: [owner] } entitlements { "org:manage" on org => roles [owner] } } }
    /// # use model::Access;
    /// # async fn run(app: &access_axum::AppState<Access>) -> Result<(), access_axum::ApiError> {
    /// let ann = app.api().sign_up_verified("ann@example.com", "correct horse battery").await?;
    /// assert!(ann.email_verified);
    /// # Ok(()) }
    /// ```
    pub async fn sign_up_verified(
        &self,
        email: &str,
        password: &str,
    ) -> Result<user::Model, ApiError> {
        self.sign_up_with(email, password, true).await
    }

    /// The email normalized and checked against the configuration: what the account is made
    /// with.
    fn sign_up_email(&self, email: &str) -> Result<String, ApiError> {
        let email = normalize_email(email)
            .ok_or_else(|| ApiError::invalid("invalid_email", "the email is not valid"))?;
        if self.auth.config.accounts().identifiers == LoginIdentifier::Username {
            // Accounts log in by username here, and the API makes them by email only.
            return Err(ApiError::invalid(
                "missing_identifier",
                "give an email or a username",
            ));
        }
        Ok(email)
    }

    async fn sign_up_with(
        &self,
        email: &str,
        password: &str,
        verified: bool,
    ) -> Result<user::Model, ApiError> {
        let auth = self.auth;
        let email = self.sign_up_email(email)?;
        check_policy(&auth.config, password)?;
        let users = &auth.config.accounts().users;
        if users.taken(&auth.db, true, &email).await? {
            return Err(already_registered());
        }
        let hash = auth.passwords.hash(password.to_owned()).await?;
        let (email, hash) = (email.as_str(), hash.as_str());
        // The account (and its verification token) in one transaction, a writer from the
        // start, run again on contention; the unique index decides between two sign-ups.
        let turn = auth.writers.serial().await?;
        let (u, verify) = retry_writes(|| async move {
            let txn = begin_write(&auth.db).await?;
            let new = NewUser {
                email: Some(email.to_owned()),
                username: None,
                password_hash: hash.to_owned(),
                now: unix_now(),
            };
            let mut u = users
                .insert(&txn, new)
                .await
                .map_err(|e| match e.sql_err() {
                    Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => already_registered(),
                    _ => e.into(),
                })?;
            let verify = if verified {
                users
                    .update(&txn, u.id, UserChange::EmailVerified(true))
                    .await?;
                u.email_verified = true;
                None
            } else {
                one_time::store(&txn, auth, &u, "verify").await?
            };
            txn.commit().await?;
            Ok::<_, ApiError>((u, verify))
        })
        .await?;
        drop(turn);
        if let Some((to, token)) = verify {
            auth.mailer.send("verify", &to, &token).await;
        }
        Ok(u)
    }

    /// The account with this email (normalized first; `None` for an address that is not
    /// valid).
    ///
    /// ```no_run
    /// # mod model { access_core::define_access! { pub Access; roles: [admin, user], default_role: user, entity org { roles: [owner] } entitlements { "org:manage" on org => roles [owner] } } }
    /// # use model::Access;
    /// # async fn run(app: &access_axum::AppState<Access>) -> Result<(), access_axum::ApiError> {
    /// if let Some(ann) = app.api().find_user("ANN@example.com").await? {
    ///     println!("ann is user {}", ann.id);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn find_user(&self, email: &str) -> Result<Option<user::Model>, ApiError> {
        let Some(email) = normalize_email(email) else {
            return Ok(None);
        };
        let users = &self.auth.config.accounts().users;
        Ok(users.by_email(&self.auth.db, &email).await?)
    }

    /// A superuser for `email`: a new account, verified, with `password`; or the existing
    /// account with this email made a superuser, **its password left as it is** (promoting
    /// never takes an account over; change a password through its owner's reset). The email
    /// and the password policy are checked first in both cases (422 `invalid_email`, 422
    /// `weak_password`), nothing written then. Superusers pass every check of the
    /// authorization: make them for operators only.
    ///
    /// ```no_run
    /// # mod model { access_core::define_access! { pub Access; roles: [admin, user], default_role: user, entity org { roles: [owner] } entitlements { "org:manage" on org => roles [owner] } } }
    /// # use model::Access;
    /// use access_axum::api::Superuser;
    /// # async fn run(app: &access_axum::AppState<Access>, password: &str) -> Result<(), access_axum::ApiError> {
    /// match app.api().create_superuser("root@example.com", password).await? {
    ///     Superuser::Created(u) => println!("created superuser {}", u.id),
    ///     done => println!("user {} is a superuser (password unchanged)", done.user().id),
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn create_superuser(
        &self,
        email: &str,
        password: &str,
    ) -> Result<Superuser, ApiError> {
        let auth = self.auth;
        let email = self.sign_up_email(email)?;
        check_policy(&auth.config, password)?;
        let users = &auth.config.accounts().users;
        // Hashing (the slow part) only for a new account, before the write's turn.
        let hash = match users.by_email(&auth.db, &email).await? {
            Some(_) => None,
            None => Some(auth.passwords.hash(password.to_owned()).await?),
        };
        let (email, hash) = (email.as_str(), hash.as_deref());
        let _turn = auth.writers.serial().await?;
        retry_writes(|| async move {
            let txn = begin_write(&auth.db).await?;
            let done = match (users.by_email(&txn, email).await?, hash) {
                (Some(u), _) if u.superuser => Superuser::Already(u),
                (Some(u), _) => {
                    users
                        .update(&txn, u.id, UserChange::Superuser(true))
                        .await?;
                    let u = users.by_id(&txn, u.id).await?;
                    Superuser::Promoted(u.ok_or_else(no_user_after_write)?)
                }
                (None, Some(hash)) => {
                    let new = NewUser {
                        email: Some(email.to_owned()),
                        username: None,
                        password_hash: hash.to_owned(),
                        now: unix_now(),
                    };
                    let u = users.insert(&txn, new).await?;
                    users
                        .update(&txn, u.id, UserChange::EmailVerified(true))
                        .await?;
                    users
                        .update(&txn, u.id, UserChange::Superuser(true))
                        .await?;
                    let u = users.by_id(&txn, u.id).await?;
                    Superuser::Created(u.ok_or_else(no_user_after_write)?)
                }
                // Deleted between the look-up and the write: an answer, not a guess.
                (None, None) => {
                    return Err(ApiError::conflict(
                        "the account changed while it was promoted: run it again",
                    ));
                }
            };
            txn.commit().await?;
            Ok::<_, ApiError>(done)
        })
        .await
    }
}
