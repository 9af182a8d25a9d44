//! A data-changing function asks for the proof; the engine's check gives it.

use access_core::{AccessContext, Granted, MemoryStore, Principal, Resource};

access_core::define_access! {
    pub Access;
    entity project { roles: [manager] }
    entitlements { "project:delete" on project => roles [manager] }
}

fn delete_project(id: &str, proof: Granted<entitlement::ProjectDelete>) -> String {
    format!("{} {id}", proof.entitlement())
}

pub fn main() {
    let store = MemoryStore::new();
    let ctx = AccessContext::new(&Access, &store, Principal::new("root").superuser(true));
    let run = async {
        let proof = ctx
            .authorize_as::<entitlement::ProjectDelete>(Resource::new(EntityType::Project, "p1"))
            .await
            .unwrap();
        assert_eq!(delete_project("p1", proof), "project:delete p1");
    };
    access_core::block_on_ready(run).unwrap();
    assert_eq!(
        std::mem::size_of::<Granted<entitlement::ProjectDelete>>(),
        0
    );
}
