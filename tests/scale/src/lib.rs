//! Compile-time scale fixture: `define_access!` on 50 entity types × 10 roles × 1,000
//! entitlements (`src/model.rs`, written by `generate.py`). `cargo check -p access-scale` after a
//! change to the model is the figure recorded in docs/performance.md.

include!("model.rs");

#[cfg(test)]
mod tests {
    use super::*;
    use access_core::AccessModel;

    #[test]
    fn the_model_is_as_large_as_claimed() {
        let d = Scale.data();
        assert_eq!(d.entities.len(), 50);
        assert!(d.entities.iter().all(|e| e.roles.len() == 10));
        assert_eq!(d.entitlements.len(), 1000);
        assert_eq!(Entitlement::ALL.len(), 1000);
        assert_eq!(Plan::ALL.len(), 4);
        // Inheritance runs down the whole chain: e0's r0 reaches e49 through 49 edges.
        assert!(d.edge(48, 49).is_some());
        assert!(d.edge(45, 45).is_some());
    }
}
