//! `access.js`: the dependency-free JavaScript decoder of the access-set claim, with the
//! model's entitlement names built in, and the route that serves it.

use access_core::{AccessModel, Stores};
use axum::Router;
use axum::http::header;
use axum::routing::get;

use super::Authz;

/// The decoder's source (names filled in by [`Authz::access_js`]).
const ACCESS_JS: &str = include_str!("../../assets/access.js");

impl<M: AccessModel, S: Stores + 'static> Authz<M, S> {
    /// `access.js`: the dependency-free JavaScript decoder of access sets, with this model's
    /// entitlement names built in. Serve it (`GET /auth/access.js`) with
    /// [`Authz::access_js_route`].
    ///
    /// ```
    /// # use access_axum::authz::Authz;
    /// # mod m { access_core::define_access! { pub Model; entity project { roles: [viewer] } entitlements { "project:read" on project => roles [viewer] } } } use m::*;
    /// let js = Authz::new(Model, access_core::MemoryStore::new()).access_js();
    /// assert!(js.contains(r#"["project:read"]"#));
    /// ```
    pub fn access_js(&self) -> String {
        let names: Vec<&str> = self
            .model
            .data()
            .entitlements
            .iter()
            .map(|e| &*e.name)
            .collect();
        let json = serde_json::to_string(&names).unwrap_or_else(|_| "[]".to_owned());
        ACCESS_JS.replace("/*NAMES*/[]", &json)
    }

    /// A router with `GET /auth/access.js` (`text/javascript`, revalidated by browsers): merge
    /// it into the app.
    ///
    /// ```
    /// # use access_axum::authz::Authz;
    /// # mod m { access_core::define_access! { pub Model; entity project { roles: [viewer] } entitlements { "project:read" on project => roles [viewer] } } } use m::*;
    /// let authz = Authz::new(Model, access_core::MemoryStore::new());
    /// let app: axum::Router = axum::Router::new().merge(authz.access_js_route());
    /// ```
    pub fn access_js_route<St: Clone + Send + Sync + 'static>(&self) -> Router<St> {
        let js = self.access_js();
        Router::new().route(
            "/auth/access.js",
            get(move || {
                let js = js.clone();
                async move {
                    (
                        [
                            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
                            (header::CACHE_CONTROL, "no-cache"),
                        ],
                        js,
                    )
                }
            }),
        )
    }
}
