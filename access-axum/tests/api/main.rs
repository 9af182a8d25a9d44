//! The behaviour of access-axum's public items, one module per subsystem, in one test binary
//! (one link instead of one per doc example). Shared helpers live in [`harness`].

mod harness;

mod admin;
mod app;
mod auth;
mod authz;
mod config;
mod crud;
mod error;
mod request_log;
