//! Entitlement names stay ASCII (`[a-z][a-z0-9_]*` on each side of the `:`), even where role
//! names need not: the error names the part and the character.

access_core::define_access! {
    pub Accès;
    entity projet { roles: [lecteur_é] }
    entitlements { "projet:écrire" on projet => roles [lecteur_é] }
}

fn main() {}
