//! Raw identifiers: a field `r#type` is `type` to serde, and so to its rules, redaction and
//! `where`.

mod model {
    access_core::define_access! {
        pub Access;
        roles: [admin, user],
        entity product { roles: [manager] }
        entitlements { "product:update" on product => roles [manager] }
    }
}

use access_core::{PermissionCtx, Schema, block_on_ready};

#[derive(Schema, serde::Serialize)]
#[schema(access = model::Access, permission(read = public, update = where(r#type = "draft")))]
pub struct r#Item {
    pub id: i64,
    #[schema(permission(read = [admin]))]
    pub r#type: String,
}

pub fn main() {
    let data = access_core::AccessModel::data(&model::Access);
    let item = Item {
        id: 1,
        r#type: "draft".into(),
    };
    let anonymous = PermissionCtx::new(data, None);
    let json = block_on_ready(item.redact(&anonymous)).unwrap().unwrap();
    assert!(json.get("type").is_none(), "{json}");
    assert_eq!(Item::PERMISSIONS.name, "item");
    assert!(Item::PERMISSIONS.fields.iter().any(|f| f.name == "type"));
}
