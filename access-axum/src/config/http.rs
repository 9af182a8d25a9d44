//! The HTTP side: endpoint paths, cookies, and how tokens reach the client.

/// How tokens reach the client (default [`TokenTransport::Both`]).
///
/// # Examples
/// ```
/// use access_axum::AuthConfig;
/// use access_axum::config::TokenTransport;
/// // Mobile and API clients only: tokens in the JSON body, no cookies.
/// let builder = AuthConfig::builder().transport(TokenTransport::Body);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenTransport {
    /// Tokens are issued in `HttpOnly` cookies only (browsers). A client holding a token may
    /// still present it as `Authorization: Bearer` (access) or in the body (refresh).
    Cookie,
    /// Tokens are issued in the JSON body only (mobile and API clients; `Authorization:
    /// Bearer`); cookies are neither set nor read.
    Body,
    /// Both.
    Both,
}

/// `SameSite` for the auth cookies (default `Lax`).
///
/// # Examples
/// ```
/// use access_axum::config::{CookieConfig, SameSite};
/// let strict = CookieConfig { same_site: SameSite::Strict, ..CookieConfig::default() };
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SameSite {
    /// `Strict`
    Strict,
    /// `Lax`
    Lax,
    /// `None` (requires `Secure`; `build` refuses it without).
    None,
}

/// Cookie settings (default: `Secure`, `SameSite=Lax`, names prefixed with `__Host-`).
///
/// # Examples
/// ```
/// use access_axum::config::CookieConfig;
/// // Plain-HTTP development: no `Secure`, so no `__Host-` prefix either.
/// let dev = CookieConfig { secure: false, ..CookieConfig::default() };
/// assert_eq!(dev.name("access_token"), "access_token");
/// ```
#[derive(Clone, Debug)]
pub struct CookieConfig {
    /// `Secure` (default on; turn off only for plain-HTTP development).
    pub secure: bool,
    /// `SameSite` (default `Lax`).
    pub same_site: SameSite,
    /// Prefix names with `__Host-` (path `/`, no domain; default on). Applied only when
    /// `secure` is on too, since browsers refuse `__Host-` cookies without `Secure`.
    pub host_prefix: bool,
}

impl Default for CookieConfig {
    fn default() -> Self {
        Self {
            secure: true,
            same_site: SameSite::Lax,
            host_prefix: true,
        }
    }
}

impl CookieConfig {
    /// The cookie name for `base` (`access_token`), prefixed when allowed.
    ///
    /// # Examples
    /// ```
    /// use access_axum::config::CookieConfig;
    /// assert_eq!(CookieConfig::default().name("access_token"), "__Host-access_token");
    /// ```
    pub fn name(&self, base: &str) -> String {
        if self.host_prefix && self.secure {
            format!("__Host-{base}")
        } else {
            base.to_owned()
        }
    }
}

/// Paths of the endpoints, under the base path (default `/auth`). Each starts with `/`, and
/// no two are the same.
///
/// # Examples
/// ```
/// use access_axum::{AuthConfig, AuthPaths};
/// let paths = AuthPaths { register: "/sign-up".into(), ..AuthPaths::default() };
/// let builder = AuthConfig::builder().paths(paths);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthPaths {
    /// `POST` sign-up (default `/register`).
    pub register: String,
    /// `POST` (default `/login`).
    pub login: String,
    /// `POST` (default `/logout`).
    pub logout: String,
    /// `GET` (default `/me`).
    pub me: String,
    /// `POST` (default `/refresh`).
    pub refresh: String,
    /// `GET` list, `DELETE` others; `DELETE {sessions}/{id}` one (default `/sessions`).
    pub sessions: String,
    /// `POST` (default `/forgot-password`).
    pub forgot_password: String,
    /// `POST` (default `/reset-password`).
    pub reset_password: String,
    /// `POST` (default `/verify-email`).
    pub verify_email: String,
    /// `POST` (default `/resend-verification`).
    pub resend_verification: String,
    /// `GET` (default `/.well-known/jwks.json`).
    pub jwks: String,
    /// `POST`: change the password, the current one given (default `/password`).
    pub change_password: String,
    /// `POST`: ask to change the address, mailed to the new one (default `/email`).
    pub change_email: String,
    /// `POST`: take the new address's token, which applies the change (default `/email/confirm`).
    pub confirm_email: String,
    /// `GET`: the caller's second factors (default `/mfa`; mounted when MFA is on).
    pub mfa: String,
    /// `POST`: start a TOTP enrolment; `DELETE`: remove TOTP and the recovery codes (default
    /// `/mfa/totp`; mounted when MFA is on).
    pub mfa_totp: String,
    /// `POST`: confirm the enrolment with a code, which returns the recovery codes (default
    /// `/mfa/totp/confirm`; mounted when MFA is on).
    pub mfa_totp_confirm: String,
    /// `POST`: ten new recovery codes, the old ones revoked (default `/mfa/recovery-codes`;
    /// mounted when MFA is on).
    pub mfa_recovery_codes: String,
    /// `POST`: a login's challenge and a second factor → the tokens (default `/mfa/challenge`).
    pub mfa_challenge: String,
    /// `POST` (signed in): a second factor → new tokens whose `mfa` claim is now (default
    /// `/mfa/step-up`).
    pub mfa_step_up: String,
}

impl Default for AuthPaths {
    fn default() -> Self {
        Self {
            register: "/register".into(),
            login: "/login".into(),
            logout: "/logout".into(),
            me: "/me".into(),
            refresh: "/refresh".into(),
            sessions: "/sessions".into(),
            forgot_password: "/forgot-password".into(),
            reset_password: "/reset-password".into(),
            verify_email: "/verify-email".into(),
            resend_verification: "/resend-verification".into(),
            jwks: "/.well-known/jwks.json".into(),
            change_password: "/password".into(),
            change_email: "/email".into(),
            confirm_email: "/email/confirm".into(),
            mfa: "/mfa".into(),
            mfa_totp: "/mfa/totp".into(),
            mfa_totp_confirm: "/mfa/totp/confirm".into(),
            mfa_recovery_codes: "/mfa/recovery-codes".into(),
            mfa_challenge: "/mfa/challenge".into(),
            mfa_step_up: "/mfa/step-up".into(),
        }
    }
}

impl AuthPaths {
    /// Every path with the name of its field (`paths.login`), for error messages.
    pub(super) fn named(&self) -> [(&'static str, &str); 20] {
        [
            ("paths.register", &self.register),
            ("paths.login", &self.login),
            ("paths.logout", &self.logout),
            ("paths.me", &self.me),
            ("paths.refresh", &self.refresh),
            ("paths.sessions", &self.sessions),
            ("paths.forgot_password", &self.forgot_password),
            ("paths.reset_password", &self.reset_password),
            ("paths.verify_email", &self.verify_email),
            ("paths.resend_verification", &self.resend_verification),
            ("paths.jwks", &self.jwks),
            ("paths.change_password", &self.change_password),
            ("paths.change_email", &self.change_email),
            ("paths.confirm_email", &self.confirm_email),
            ("paths.mfa", &self.mfa),
            ("paths.mfa_totp", &self.mfa_totp),
            ("paths.mfa_totp_confirm", &self.mfa_totp_confirm),
            ("paths.mfa_recovery_codes", &self.mfa_recovery_codes),
            ("paths.mfa_challenge", &self.mfa_challenge),
            ("paths.mfa_step_up", &self.mfa_step_up),
        ]
    }
}
