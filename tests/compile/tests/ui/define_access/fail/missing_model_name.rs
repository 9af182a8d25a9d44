access_core::define_access! {
    roles: [admin, user],
    entity project { roles: [viewer] }
    entitlements { "project:read" on project => roles [viewer] }
}

fn main() {}
