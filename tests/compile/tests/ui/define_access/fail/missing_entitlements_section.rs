access_core::define_access! {
    pub Access;

    roles: [admin, user],
    entity project { roles: [manager, viewer] }
}

fn main() {}
