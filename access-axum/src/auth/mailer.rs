//! What the application sends to users: [`Mailer`], and [`NoMailer`], which sends nothing.

use std::future::Future;
use std::pin::Pin;

/// What the application sends to users (verification, reset, invitations, address changes).
/// Implement it with your mail provider; the token goes into a link to your front end.
///
/// # Examples
/// ```
/// use std::{future::Future, pin::Pin};
/// use access_axum::Mailer;
///
/// struct Logged;
///
/// impl Mailer for Logged {
///     fn send(&self, kind: &'static str, email: &str, token: &str) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
///         let link = format!("https://app.example.com/{kind}?token={token}");
///         println!("to {email}: {link}"); // a real mailer calls its provider here
///         Box::pin(async {})
///     }
/// }
/// ```
pub trait Mailer: Send + Sync + 'static {
    /// Sends `token` of `kind` to `email`. Kinds: `verify` (the address), `reset` (the
    /// password), `invite` (an organization's invitation), `change_email` (to the new address of
    /// an address change); and a notice, `email_changing`, to the address being replaced, whose
    /// third argument is the new address rather than a token.
    ///
    /// # Examples
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// use access_axum::{Mailer, NoMailer};
    /// NoMailer.send("reset", "ada@example.com", "tok3n").await;
    /// # });
    /// ```
    fn send(
        &self,
        kind: &'static str,
        email: &str,
        token: &str,
    ) -> Pin<Box<dyn Future<Output = ()> + Send + '_>>;
}

/// A mailer that sends nothing (logs that it would have): the default of
/// [`AuthState`](crate::AuthState).
///
/// # Examples
/// ```
/// use access_axum::{AuthState, NoMailer};
/// fn quiet(state: AuthState) -> AuthState {
///     state.with_mailer(NoMailer) // as if no mailer had been set
/// }
/// ```
#[derive(Debug, Default)]
pub struct NoMailer;

impl Mailer for NoMailer {
    fn send(
        &self,
        kind: &'static str,
        _email: &str,
        _token: &str,
    ) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        tracing::info!(kind, "no mailer configured: message not sent");
        Box::pin(async {})
    }
}
