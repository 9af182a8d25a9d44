//! The endpoints, one file per group, and the router that mounts them under the configured
//! base path and paths.
//!
//! | file | endpoints |
//! |---|---|
//! | `register.rs` | `POST register` |
//! | `login.rs` | `POST login`, `POST logout` |
//! | `me.rs` | `GET me` |
//! | `account.rs` | `PATCH me`, `DELETE me`, `POST password`, `POST email`, `POST email/confirm` |
//! | `refresh.rs` | `POST refresh` |
//! | `sessions.rs` | `GET sessions`, `DELETE sessions/{id}`, `DELETE sessions` |
//! | `password.rs` | `POST forgot-password`, `POST reset-password` |
//! | `email.rs` | `POST verify-email`, `POST resend-verification` |
//! | `jwks.rs` | `GET .well-known/jwks.json` |
//! | `second_factor.rs` | `POST mfa/challenge` (a login's second step), `POST mfa/step-up`, their `/passkey` starts (with MFA or passkeys configured) |
//! | `../mfa/handlers.rs` | `GET mfa`, `POST`/`DELETE mfa/totp`, `POST mfa/totp/confirm`, `POST mfa/recovery-codes` (with MFA configured) |
//! | `respond.rs` | the user and token answers they share |

mod account;
mod email;
mod jwks;
mod login;
mod me;
mod password;
mod refresh;
mod register;
pub(crate) mod respond;
pub(crate) mod second_factor;
mod sessions;

/// Moves the session to `tenant` (the caller checked the user belongs to it) and answers with
/// its new tokens as login does (body and/or cookies per the transport).
pub(crate) async fn switch_tenant(
    state: &AuthState,
    user_id: i64,
    sid: &str,
    tenant: &str,
) -> Result<axum::response::Response, crate::error::ApiError> {
    let t = super::sessions::switch_tenant(state, user_id, sid, tenant).await?;
    Ok(respond::tokens(
        &state.config,
        axum::http::StatusCode::OK,
        &t,
        None,
    ))
}

use axum::Router;
use axum::http::header::{self, HeaderValue};
use axum::routing::{delete, get, post};
use tower_http::set_header::SetResponseHeaderLayer;

use super::state::AuthState;

impl AuthState {
    /// The router of the endpoints, under the configured base path, with `Cache-Control:
    /// no-store` and the body limit.
    ///
    /// # Examples
    /// ```
    /// fn app(auth: &access_axum::AuthState) -> axum::Router {
    ///     auth.router() // POST /auth/register, POST /auth/login, GET /auth/me, ..
    /// }
    /// ```
    pub fn router<S: Clone + Send + Sync + 'static>(&self) -> Router<S> {
        let p = &self.config.http().paths;
        let mut inner = Router::new()
            .route(&p.register, post(register::register))
            .route(&p.login, post(login::login))
            .route(&p.logout, post(login::logout))
            .route(
                &p.me,
                get(me::me)
                    .patch(account::patch_me)
                    .delete(account::delete_me),
            )
            .route(&p.change_password, post(account::change_password))
            .route(&p.change_email, post(account::change_email))
            .route(&p.confirm_email, post(account::confirm_email))
            .route(&p.refresh, post(refresh::refresh))
            .route(
                &p.sessions,
                get(sessions::list).delete(sessions::revoke_others),
            )
            .route(
                &format!("{}/{{id}}", p.sessions),
                delete(sessions::revoke_one),
            )
            .route(&p.forgot_password, post(password::forgot))
            .route(&p.reset_password, post(password::reset))
            .route(&p.verify_email, post(email::verify))
            .route(&p.resend_verification, post(email::resend))
            .route(&p.jwks, get(jwks::jwks));
        if self.config.mfa().is_some() {
            use super::mfa::handlers as mfa;
            inner = inner
                .route(&p.mfa, get(mfa::factors))
                .route(&p.mfa_totp, post(mfa::enrol).delete(mfa::remove))
                .route(&p.mfa_totp_confirm, post(mfa::confirm))
                .route(&p.mfa_recovery_codes, post(mfa::regenerate));
        }
        if self.config.mfa().is_some() || self.passkeys.is_some() {
            inner = inner
                .route(&p.mfa_challenge, post(second_factor::answer_challenge))
                .route(&p.mfa_step_up, post(second_factor::step_up))
                .route(
                    &format!("{}/passkey", p.mfa_challenge),
                    post(second_factor::challenge_passkey),
                )
                .route(
                    &format!("{}/passkey", p.mfa_step_up),
                    post(second_factor::step_up_passkey),
                );
        }
        let inner = inner
            .merge(super::passkeys::routes(self))
            .merge(super::oauth::routes(self))
            .layer(axum::extract::DefaultBodyLimit::max(
                self.config.http().body_limit,
            ))
            .layer(SetResponseHeaderLayer::overriding(
                header::CACHE_CONTROL,
                HeaderValue::from_static("no-store"),
            ))
            .with_state(self.clone());
        Router::new().nest(&self.config.http().base_path, inner)
    }
}
