//! A limit that can never be reached: its entitlement is never granted.

access_core::define_access! {
    pub Access;
    entity project { roles: [manager] }
    entitlements {
        "project:delete"  on project => roles [manager],
        "project:archive" on project => roles [],
    }
    plans {
        pro { group: main, features: ["project:archive"],
              limits: { archives: "project:archive" per month max 10 } }
    }
    lints: { unobtainable_entitlement: allow, unusable_plan_feature: allow, unreachable_limit: deny },
}

fn main() {}
