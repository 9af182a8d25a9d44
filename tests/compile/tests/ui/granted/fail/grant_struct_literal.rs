//! A grant cannot be written as a struct literal: its fields are private.

use access_core::Granted;

access_core::define_access! {
    pub Access;
    entity project { roles: [manager] }
    entitlements { "project:delete" on project => roles [manager] }
}

fn delete_project(_proof: Granted<entitlement::ProjectDelete>) {}

fn main() {
    delete_project(Granted { _entitlement: std::marker::PhantomData, _private: () });
}
