//! A role goes to a subject (a user id, a `&Principal` or a `Subject`), not to a number.

use access_core::{MemoryStore, TypedRoles};

access_core::define_access! {
    pub Drive;
    entity folder { roles: [editor, viewer] }
    entitlements {
        "folder:edit" on folder => roles [editor],
        "folder:read" on folder => roles [viewer],
    }
}

fn main() {
    let store = MemoryStore::new();
    let _ = store.grant_role(42_u32, resource::Folder::id("f1"), FolderRole::Viewer);
}
