//! Every unknown key of the derive, on the struct and on its fields, with a suggestion.

mod model {
    access_core::define_access! {
        pub Access;
        roles: [admin, user],
        entity product { roles: [manager] }
        entitlements { "product:update" on product => roles [manager] }
    }
}

#[derive(access_core::Schema)]
#[schema(access = model::Access, nme = "product", permision(read = public))]
pub struct Product {
    pub id: i64,
    #[schema(read_onl)]
    pub created_at: i64,
}

fn main() {}
