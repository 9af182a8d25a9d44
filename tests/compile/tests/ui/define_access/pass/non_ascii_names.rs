//! Role, entity and flag names are Rust identifiers, non-ASCII letters included (`lecteur_é`
//! becomes the variant `Lecteuré`); entitlement names stay `resource:action` in ASCII.

access_core::define_access! {
    pub Accès;
    entity projet {
        roles: [rédacteur, lecteur_é],
        implies: { rédacteur => lecteur_é },
    }
    flags: [bêta],
    entitlements {
        "projet:lire"   on projet => roles [lecteur_é],
        "projet:ecrire" on projet => roles [rédacteur],
    }
}

pub fn main() {
    assert_eq!(ProjetRole::ALL.len(), 2);
    assert_eq!(ProjetRole::Lecteuré.as_str(), "lecteur_é");
    assert_eq!(
        "lecteur_é".parse::<ProjetRole>().unwrap(),
        ProjetRole::Lecteuré
    );
    assert_eq!(Flag::Bêta.as_str(), "bêta");
}
