//! A role of one entity on a resource of another: `grant_role` on a folder takes a `FolderRole`.

use access_core::{MemoryStore, TypedRoles};

access_core::define_access! {
    pub Drive;
    entity org { roles: [owner, member] }
    entity folder { roles: [editor, viewer], inherits: { org:owner => editor, org:member => viewer } }
    entitlements {
        "folder:edit" on folder => roles [editor],
        "folder:read" on folder => roles [viewer],
    }
}

fn main() {
    let store = MemoryStore::new();
    let _ = store.grant_role("alice", resource::Folder::id("f1"), OrgRole::Owner);
}
