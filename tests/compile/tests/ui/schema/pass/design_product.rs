//! The schema of DESIGN.md, with the model in another module, named through a `use`.

mod model {
    access_core::define_access! {
        pub Access;
        roles: [admin, editor, user],
        default_role: user,
        entity product { roles: [manager, viewer], implies: { manager => viewer } }
        entitlements {
            "product:update" on product => roles [manager],
            "product:read"   on product => roles [viewer],
        }
        default_permission: { create: [admin], read: public, update: [admin], delete: blocked },
    }
}

use access_core::{Action, PermissionCtx, Principal, Schema, block_on_ready};
use model::Access;
use serde::{Deserialize, Serialize};

async fn owns_product(ctx: &PermissionCtx<'_>) -> bool {
    match (ctx.row_as::<Product>(), ctx.principal) {
        (Some(p), Some(u)) => p.owner_id.to_string() == *u.id,
        _ => false,
    }
}

#[derive(Schema, Serialize, Deserialize)]
#[schema(access = Access, name = "product", permission(
    create = [admin, editor],
    read   = public,
    update = any(role(admin), all(role(editor), where(owner_id = user.id))),
    delete = all(role(admin), fva(300)),
))]
pub struct Product {
    pub id: i64,
    pub owner_id: i64,
    #[schema(permission(read = [admin, editor]))]
    pub supplier_email: String,
    #[schema(permission(write = [admin, self::owns_product]))]
    pub cost: f64,
}

/// Every other form: the default permission, entitlements, dynamic checks, literals.
#[derive(Schema)]
#[schema(access = self::model::Access, id = key)]
#[allow(dead_code)] // only its permissions are asked, no value is built
pub struct Defaulted {
    pub key: String,
    pub tenant: Option<String>,
}

#[derive(Schema)]
#[schema(access = Access, permission(
    update = entitlement("product:update"),
    delete = self::owns_product,
    list = where(archived = false, kind = "public", tenant = user.tenant_id),
    read = authenticated,
    create = blocked,
))]
pub struct Other {
    pub id: u32,
    pub archived: bool,
    pub kind: String,
    pub tenant: String,
}

pub fn main() {
    let data = access_core::AccessModel::data(&Access);
    let anonymous = PermissionCtx::new(data, None);
    let p = Product {
        id: 1,
        owner_id: 2,
        supplier_email: "x@y".into(),
        cost: 1.0,
    };
    let v = block_on_ready(p.redact(&anonymous)).unwrap().unwrap();
    assert!(v.get("supplier_email").is_none());
    let admin = Principal::new("1");
    let c = PermissionCtx::new(data, Some(&admin));
    assert!(
        block_on_ready(Defaulted::authorize_action(&c, Action::Read))
            .unwrap()
            .is_ok()
    );
    assert_eq!(Defaulted::PERMISSIONS.id_field, "key");
    assert_eq!(Other::PERMISSIONS.name, "other");
}
