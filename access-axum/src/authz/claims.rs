//! The access-set claim: what the user may do in their tenant, encoded into every access token
//! (`"access": "a1.…"`) so a client can enable or disable its UI without a round trip.

use std::future::Future;
use std::pin::Pin;

use access_core::{AccessModel, Stores};
use serde_json::{Map, Value};

use super::Authz;
use crate::db::user;

impl<M: AccessModel, S: Stores + 'static> Authz<M, S> {
    /// A claims function for [`AuthState::with_async_claims`](crate::AuthState::with_async_claims):
    /// the user's access set, encoded (`"access": "a1.…"`), so clients can enable or disable UI
    /// without a round trip (decode it with `GET /auth/access.js`, [`Authz::access_js_route`];
    /// the server re-checks every request). The tenant is the user's own (the token's). Left
    /// out past [`Authz::access_claim_max`] characters, or when the stores fail (logged).
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # use access_axum::{AuthState, authz::Authz};
    /// # mod m { access_core::define_access! { pub Model; entity project { roles: [viewer] } entitlements { "project:read" on project => roles [viewer] } } } use m::*;
    /// # fn f(auth: AuthState) {
    /// let authz = Authz::new(Model, access_core::MemoryStore::new());
    /// let auth = auth.with_async_claims(authz.access_set_claims());
    /// # }
    /// ```
    pub fn access_set_claims(
        &self,
    ) -> impl Fn(user::Model) -> Pin<Box<dyn Future<Output = Map<String, Value>> + Send>>
    + Send
    + Sync
    + 'static {
        let authz = self.clone();
        move |u: user::Model| {
            let authz = authz.clone();
            Box::pin(async move { authz.access_claim(u).await })
        }
    }

    /// The `access` claim of user `u` (empty when it is left out).
    async fn access_claim(&self, u: user::Model) -> Map<String, Value> {
        let mut p = crate::auth::principal_for(
            self.model.data(),
            u.id,
            u.roles.split(',').map(str::trim),
            u.tenant.as_deref(),
            u.superuser,
        );
        p.active = u.active;
        let mut out = Map::new();
        let Ok(ctx) = self.context_for(p).await else {
            return out;
        };
        match ctx.access_set().await {
            Ok(set) => {
                let encoded = set.encode();
                if encoded.len() <= self.access_claim_max {
                    out.insert("access".into(), Value::from(encoded));
                } else {
                    static WARNED: std::sync::Once = std::sync::Once::new();
                    WARNED.call_once(|| {
                        tracing::warn!(
                            chars = encoded.len(),
                            max = self.access_claim_max,
                            "the access set is longer than access_claim_max: tokens carry \
                             no `access` claim; serve it from an endpoint instead"
                        );
                    });
                }
            }
            Err(e) => tracing::warn!(error = %e, "access set claim left out"),
        }
        out
    }
}
