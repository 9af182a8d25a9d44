//! A view leaves out what its roles may not read: using it does not compile; a typo in a view's
//! role is caught as in permission lists.

mod model {
    access_core::define_access! {
        pub Access;
        roles: [admin, editor, user],
        entity product { roles: [manager] }
        entitlements { "product:read" on product => roles [manager] }
    }
}

#[derive(Clone, Debug, access_core::Schema)]
#[schema(access = model::Access, view(ProductForUser = [user], ProductForStaff = [admn]),
    permission(read = public))]
pub struct Product {
    pub id: i64,
    #[schema(permission(read = [admin, editor]))]
    pub supplier_email: String,
}

fn leak(v: ProductForUser) -> String {
    v.supplier_email
}

fn main() {}
