mod model {
    access_core::define_access! {
        pub Access;
        roles: [admin, editor, user],
        entity product { roles: [manager] }
        entitlements { "product:update" on product => roles [manager] }
    }
}

#[derive(access_core::Schema)]
#[schema(access = model::Access, permission(
    create = [admin, editor],
    update = any(role(admin), where(owner_id = 1.5)),
    delete = entitlement("product:update"),
))]
pub struct Product {
    pub id: i64,
    pub owner_id: i64,
    #[schema(permission(read = [admin]))]
    pub secret: String,
    #[schema(read_only)]
    pub created_at: i64,
    pub price: f64,
}

fn main() {}
