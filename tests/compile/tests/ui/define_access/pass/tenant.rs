//! `tenant:` names the entity type whose resources are the tenants (organizations), the role
//! their creator gets (`owner`) and, optionally, the role an invitation gives when it names none
//! (`member`). Without it, `tables().tenant` is `None` and nothing is tenant-scoped.

use access_core::AccessModel as _;

access_core::define_access! {
    pub(crate) Access;

    entity organization { roles: [owner, admin, member] }
    entity project {
        roles: [viewer],
        inherits: { organization:member => viewer },
    }
    entitlements {
        "members:invite" on organization => roles [owner, admin],
        "project:read" on project => roles [viewer],
    }
    tenant: organization { owner: owner, member: member },
}

mod no_tenant {
    access_core::define_access! {
        pub(crate) Plain;
        entity document { roles: [reader] }
        entitlements { "document:read" on document => roles [reader] }
    }
}

pub fn main() {
    let t = Access.data().tenant.expect("a tenant");
    let org = &Access.data().entities[t.entity as usize];
    assert_eq!(&*org.name, "organization");
    assert_eq!(&*org.roles[t.owner as usize], "owner");
    assert_eq!(t.member.map(|m| &*org.roles[m as usize]), Some("member"));
    assert_eq!(no_tenant::Plain.data().tenant, None);
}
