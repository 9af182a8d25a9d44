//! Two mistakes in one `permission(..)`: both are reported, the derive's (`rol`) and the
//! model's (`admn`, which rustc checks at the typo).

mod model {
    access_core::define_access! {
        pub Access;
        roles: [admin, user],
        entity product { roles: [manager] }
        entitlements { "product:update" on product => roles [manager] }
    }
}

#[derive(access_core::Schema)]
#[schema(access = model::Access, permission(read = rol(admin), delete = [admn]))]
pub struct Post {
    pub id: i64,
}

fn main() {}
