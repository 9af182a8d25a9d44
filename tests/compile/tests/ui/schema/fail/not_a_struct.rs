mod model {
    access_core::define_access! {
        pub Access;
        roles: [admin, editor, user],
        entity product { roles: [manager] }
        entitlements { "product:update" on product => roles [manager] }
    }
}

#[derive(access_core::Schema)]
#[schema(access = model::Access)]
pub enum Product {
    A,
}

fn main() {}
