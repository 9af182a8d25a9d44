//! `permission` and `view` take lists; a permission entry is `action = rule`.

mod model {
    access_core::define_access! {
        pub Access;
        roles: [admin, user],
        entity product { roles: [manager] }
        entitlements { "product:update" on product => roles [manager] }
    }
}

#[derive(access_core::Schema)]
#[schema(access = model::Access, permission, view = [user])]
pub struct Product {
    pub id: i64,
    #[schema(permission(read))]
    pub secret: String,
}

fn main() {}
