//! A code-hosting model: `organization:billing` grants more on the organization than
//! `organization:member` (a superset of its entitlements) but reads no code, while members read
//! repositories. The two roles are unrelated in `implies`, so `inherit_escalation` stays silent
//! (and with `deny(warnings)`, any lint would fail this case).
#![deny(warnings)]

access_core::define_access! {
    pub Hub;
    entity organization {
        roles: [owner, billing, member],
        implies: { owner => billing, owner => member },
    }
    entity repository {
        roles: [admin, writer, reader],
        implies: { admin => writer, writer => reader },
        inherits: { organization:owner => admin, organization:member => reader },
    }
    entity issue {
        roles: [author, viewer],
        implies: { author => viewer },
        inherits: { repository:writer => author, repository:reader => viewer },
    }
    entitlements {
        "organization:manage"  on organization => roles [owner],
        "organization:billing" on organization => roles [billing],
        "organization:read"    on organization => roles [member, billing],
        "repository:push"      on repository   => roles [writer],
        "repository:read"      on repository   => roles [reader],
        "issue:edit"           on issue        => roles [author],
        "issue:read"           on issue        => roles [viewer],
    }
    lints: { inherit_escalation: deny },
}

pub fn main() {
    assert_eq!(OrganizationRole::ALL.len(), 3);
}
