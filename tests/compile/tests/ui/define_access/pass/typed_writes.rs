//! Typed writes: `resource::<Entity>::id`, the entity's own role enum, children under the parent
//! types the model's `inherits` names; private models get private markers.

use access_core::{
    AccessContext, MemoryStore, Principal, Resource, Subject, TypedClosure, TypedRoles,
};

access_core::define_access! {
    pub Drive;
    entity org { roles: [owner, member] }
    entity folder {
        roles: [editor, viewer],
        implies: { editor => viewer },
        inherits: { org:owner => editor, org:member => viewer, folder:editor => editor },
    }
    entity doc { roles: [reader], inherits: { folder:viewer => reader } }
    entitlements {
        "folder:read" on folder => roles [viewer],
        "doc:read" on doc => roles [reader],
    }
}

mod private_model {
    access_core::define_access! {
        Hidden;
        entity vault { roles: [keeper] }
        entitlements { "vault:open" on vault => roles [keeper] }
    }

    pub fn a_vault() -> access_core::Resource<'static> {
        resource::Vault::id("v1").into()
    }
}

pub fn main() {
    let store = MemoryStore::new();
    let (acme, f1, f2, d1) = (
        resource::Org::id("acme"),
        resource::Folder::id("f1"),
        resource::Folder::id("f2"),
        resource::Doc::id("d1"),
    );
    let alice = Principal::new("alice").tenant("acme");
    access_core::block_on_ready(async {
        store.add_root(acme).await.unwrap();
        store.add_child(f1, acme).await.unwrap();
        store.add_child(f2, f1).await.unwrap();
        store.add_child(d1, f2).await.unwrap();
        store
            .grant_role(&alice, f2, FolderRole::Viewer)
            .await
            .unwrap();
        store
            .grant_role("bob", acme, OrgRole::Member)
            .await
            .unwrap();
        store
            .grant_role(Subject::user("cy"), f2, FolderRole::Editor)
            .await
            .unwrap();
        store
            .revoke_role("cy", f2, FolderRole::Editor)
            .await
            .unwrap();
    })
    .unwrap();
    let ctx = AccessContext::new(&Drive, &store, alice);
    let read = access_core::block_on_ready(ctx.can(Entitlement::DocRead, Resource::from(d1)));
    assert!(read.unwrap().unwrap());
    assert_eq!(private_model::a_vault().id, "v1");
}
