//! A child under a parent type the model's `inherits` does not name. A folder goes under an org
//! or a folder, not under a doc: the trait's message. A doc has one parent type (folder), so
//! rustc expects that type: a type mismatch naming `Typed<'_, Folder>`.

use access_core::{MemoryStore, TypedClosure};

access_core::define_access! {
    pub Drive;
    entity org { roles: [owner] }
    entity folder { roles: [editor], inherits: { org:owner => editor, folder:editor => editor } }
    entity doc { roles: [reader], inherits: { folder:editor => reader } }
    entitlements { "doc:read" on doc => roles [reader] }
}

fn main() {
    let store = MemoryStore::new();
    let _ = store.add_child(resource::Folder::id("f1"), resource::Doc::id("d1"));
    let _ = store.add_child(resource::Doc::id("d1"), resource::Org::id("acme"));
}
