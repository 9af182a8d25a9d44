//! Sessions: [`Api::sessions`] (what `GET /auth/sessions` lists), [`Api::revoke_sessions`] and
//! [`Api::issue_tokens`] (what a login gives).

use access_core::AccessModel;
use access_core::sea::write::{begin_write, retry_writes};
use axum::http::StatusCode;

use super::Api;
use crate::auth::extract::Client;
use crate::auth::sessions;
use crate::db::session;
use crate::error::ApiError;

/// Tokens issued by [`Api::issue_tokens`]: the access token (send it as
/// `authorization: Bearer ..`) and the refresh token (`POST /auth/refresh`) of a new session.
/// `Debug` leaves the tokens out.
///
/// ```
/// # fn f(tokens: access_axum::api::IssuedTokens) {
/// let header = format!("Bearer {}", tokens.access_token);
/// println!("{tokens:?}"); // the session id and lifetime, never the tokens
/// # }
/// ```
#[derive(Clone)]
#[non_exhaustive]
pub struct IssuedTokens {
    /// The signed access token (a JWT).
    pub access_token: String,
    /// The refresh token (opaque, stored hashed).
    pub refresh_token: String,
    /// The session's id (as `GET /auth/sessions` lists it).
    pub session_id: String,
    /// The access token's lifetime in seconds.
    pub expires_in: u64,
}

impl std::fmt::Debug for IssuedTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedTokens")
            .field("session_id", &self.session_id)
            .field("expires_in", &self.expires_in)
            .finish_non_exhaustive()
    }
}

impl<M: AccessModel> Api<'_, M> {
    /// The user's live sessions (not revoked, not expired), the most recently active first.
    ///
    /// ```no_run
    /// # mod model { access_core::define_access! { pub Access; roles: [admin, user], default_role: user, entity org { roles: [owner] } entitlements { "org:manage" on org => roles [owner] } } }
    /// # use model::Access;
    /// # async fn run(app: &access_axum::AppState<Access>) -> Result<(), access_axum::ApiError> {
    /// for s in app.api().sessions(7).await? {
    ///     println!("{} from {} on {}", s.id, s.ip, s.device);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn sessions(&self, user: i64) -> Result<Vec<session::Model>, ApiError> {
        sessions::live(&self.auth.db, user).await
    }

    /// Ends every session of the user (their refresh tokens stop working; access tokens already
    /// issued last until they expire): how many were live.
    ///
    /// ```no_run
    /// # mod model { access_core::define_access! { pub Access; roles: [admin, user], default_role: user, entity org { roles: [owner] } entitlements { "org:manage" on org => roles [owner] } } }
    /// # use model::Access;
    /// # async fn run(app: &access_axum::AppState<Access>) -> Result<(), access_axum::ApiError> {
    /// let ended = app.api().revoke_sessions(7).await?;
    /// println!("{ended} sessions ended");
    /// # Ok(()) }
    /// ```
    pub async fn revoke_sessions(&self, user: i64) -> Result<u64, ApiError> {
        let auth = self.auth;
        let _turn = auth.writers.serial().await?;
        retry_writes(|| async move {
            let txn = begin_write(&auth.db).await?;
            let n = sessions::revoke_user(&txn, user).await?;
            txn.commit().await?;
            Ok::<_, ApiError>(n)
        })
        .await
    }

    /// A new session for the user and its tokens, as a login would give them (the same
    /// claims, the oldest sessions ended beyond the limit), without the password: for tests
    /// and tools. The session's device reads `server api`. 404 for an unknown user, 403
    /// `inactive` for a deactivated one.
    ///
    /// ```no_run
    /// # mod model { access_core::define_access! { pub Access; roles: [admin, user], default_role: user, entity org { roles: [owner] } entitlements { "org:manage" on org => roles [owner] } } }
    /// # use model::Access;
    /// # async fn run(app: &access_axum::AppState<Access>) -> Result<(), access_axum::ApiError> {
    /// let tokens = app.api().issue_tokens(7).await?;
    /// let header = format!("Bearer {}", tokens.access_token); // for GET /auth/me
    /// # Ok(()) }
    /// ```
    pub async fn issue_tokens(&self, user: i64) -> Result<IssuedTokens, ApiError> {
        let auth = self.auth;
        let users = &auth.config.accounts().users;
        let u = users
            .by_id(&auth.db, user)
            .await?
            .ok_or_else(|| ApiError::not_found("no such user"))?;
        if !u.active {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "inactive",
                "the account is deactivated",
            ));
        }
        let client = Client {
            ip: "server".to_owned(),
            device: "server api".to_owned(),
        };
        let tokens = sessions::open(auth, &u, &client).await?;
        Ok(IssuedTokens {
            access_token: tokens.access,
            refresh_token: tokens.refresh,
            session_id: tokens.session_id,
            expires_in: tokens.expires_in,
        })
    }
}
