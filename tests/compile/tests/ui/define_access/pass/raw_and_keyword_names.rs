//! Raw identifiers and keywords as names: the model name `r#Access`, global roles `r#type` and
//! `match` (associated constants `Access::r#type`, `Access::r#match`; variants `Role::Type`,
//! `Role::Match`), an entity `r#type` (`TypeRole`, `EntityType::Type`) with a role `gen`, and a
//! non-ASCII role name.

use access_core::AccessModel;

access_core::define_access! {
    pub r#Access;

    roles: [admin, r#type, match],

    entity r#type { roles: [owner, gen] }
    entity project {
        roles: [manager, lecteur_é],
        implies: { manager => lecteur_é },
        inherits: { r#type:owner => manager, type:gen => lecteur_é },
    }
    entitlements {
        "project:read" on project => roles [lecteur_é],
        "type:manage" on r#type => roles [owner],
    }
    default_permission: { create: [r#type], read: [match] },
}

pub fn main() {
    assert_eq!(Role::ALL, [Role::Admin, Role::Type, Role::Match]);
    assert_eq!(Role::Type.as_str(), "type");
    assert_eq!(Access::r#type.0, 1);
    assert_eq!(Access::r#match.0, 2);
    assert_eq!(EntityType::Type.as_str(), "type");
    assert_eq!(TypeRole::ALL, [TypeRole::Owner, TypeRole::Gen]);
    assert_eq!(ProjectRole::Lecteuré.as_str(), "lecteur_é");
    assert_eq!(Entitlement::TypeManage.as_str(), "type:manage");
    assert_eq!(Access.data().name, "Access");
    assert_eq!(Access::tables().entities.len(), 2);
}
