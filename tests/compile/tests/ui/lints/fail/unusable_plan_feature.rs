//! A plan sells a feature nobody can use.

access_core::define_access! {
    pub Access;
    entity project { roles: [manager] }
    entitlements {
        "project:delete"  on project => roles [manager],
        "project:archive" on project => roles [],
    }
    plans {
        pro { group: main, features: ["project:delete", "project:archive"] }
    }
    lints: { unobtainable_entitlement: allow, unusable_plan_feature: deny },
}

fn main() {}
