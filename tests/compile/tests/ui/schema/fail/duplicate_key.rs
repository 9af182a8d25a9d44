//! A key given twice (the second used to win silently).

mod model {
    access_core::define_access! {
        pub Access;
        roles: [admin, user],
        entity product { roles: [manager] }
        entitlements { "product:update" on product => roles [manager] }
    }
}

#[derive(access_core::Schema)]
#[schema(access = model::Access, name = "product", name = "item")]
pub struct Product {
    pub id: i64,
}

fn main() {}
