access_core::define_access! {
    pub Access;

    roles: [admin, user],
    entitlements {}
}

fn main() {}
