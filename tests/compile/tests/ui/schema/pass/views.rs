//! Masked types: the readable view of a row for some global roles, decided at compile time.

mod model {
    access_core::define_access! {
        pub Access;
        roles: [admin, editor, user],
        entity product { roles: [manager] }
        entitlements { "product:read" on product => roles [manager] }
    }
}

use access_core::{PermissionCtx, Principal, RoleSet};

#[derive(Clone, Debug, access_core::Schema, serde::Serialize)]
#[schema(access = model::Access, view(ProductForUser = [user], ProductForStaff = [admin, editor]),
    permission(read = public))]
pub struct Product {
    pub id: i64,
    pub name: String,
    #[schema(permission(read = [admin, editor]))]
    pub supplier_email: String,
    #[schema(permission(read = where(id = user.id)))]
    pub owner_note: String,
}

pub fn main() {
    let p = Product {
        id: 1,
        name: "p".into(),
        supplier_email: "s@x".into(),
        owner_note: "n".into(),
    };
    let data = access_core::AccessModel::data(&model::Access);
    let mut roles = RoleSet::EMPTY;
    roles.insert(2); // user
    let user = Principal::new("7").global_roles(roles);
    let ctx = PermissionCtx::new(data, Some(&user));
    let v: ProductForUser = ProductForUser::of(&p, &ctx).unwrap();
    assert_eq!((v.id, v.name.as_str()), (1, "p"));
    assert!(
        ProductForStaff::of(&p, &ctx).is_none(),
        "a user is not staff"
    );
    let mut staff = RoleSet::EMPTY;
    staff.insert(1); // editor
    let editor = Principal::new("8").global_roles(staff);
    let s = ProductForStaff::of(&p, &PermissionCtx::new(data, Some(&editor))).unwrap();
    assert_eq!(s.supplier_email, "s@x");
    assert_eq!(ProductForStaff::ROLES, ["admin", "editor"]);
    let json = serde_json::to_value(&v).unwrap();
    assert_eq!(json, serde_json::json!({ "id": 1, "name": "p" }));
}
