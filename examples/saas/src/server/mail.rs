//! The example's mailer: in development, each message is a log line with its link (a real
//! application calls its mail provider here).

use std::future::Future;
use std::pin::Pin;

/// Logs each message's link on `base` (the page reads `?invite=`, `?verify=`, `?reset=`).
pub(super) struct LoggedMail {
    pub(super) base: String,
}

impl access_axum::Mailer for LoggedMail {
    fn send(
        &self,
        kind: &'static str,
        email: &str,
        token: &str,
    ) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        let link = format!("{}/?{kind}={token}", self.base);
        tracing::info!(kind, to = email, %link, "mail (development: logged, not sent)");
        Box::pin(async {})
    }
}
