//! A grant cannot be made up: its field is private and it has no public constructor.

use access_core::Granted;

access_core::define_access! {
    pub Access;
    entity project { roles: [manager] }
    entitlements { "project:delete" on project => roles [manager] }
}

fn delete_project(_proof: Granted<entitlement::ProjectDelete>) {}

fn main() {
    delete_project(Granted::issue());
}
