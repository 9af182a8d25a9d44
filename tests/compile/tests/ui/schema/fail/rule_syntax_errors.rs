//! A rule that does not parse is reported where it is, and the rules after it are still read:
//! `admn` in the same `any(..)` is reported too.

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
    update = any(role(admin) public, role(admn)),
    delete = role(admin, editor),
))]
pub struct Product {
    pub id: i64,
}

fn main() {}
