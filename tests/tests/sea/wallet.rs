//! `SeaWallet`: usage counters in `access_wallets`.

use access_core::sea::SeaWallet;
use access_core::{Charge, LimitId, WalletStore};

mod model {
    access_core::define_access! {
        pub Access;
        entity project { roles: [owner] }
        entitlements { "project:export" on project => roles [owner] }
        plans {
            free { group: main, features: ["project:export"],
                   limits: { exports: "project:export" per day max 2 } }
        }
    }
}

use model::Access;

async fn wallet() -> SeaWallet {
    let wallet = SeaWallet::new(&Access, crate::sqlite().await);
    wallet.migrate().await.unwrap();
    wallet
}

/// Was the `SeaWallet::new` example.
#[tokio::test]
async fn consume_up_to_the_max() {
    let wallet = wallet().await;
    let exports = Charge {
        limit: LimitId(0),
        period_start: 0,
        max: 2,
    };
    assert!(wallet.consume("acme", &[exports]).await.unwrap());
    assert!(wallet.consume("acme", &[exports]).await.unwrap());
    assert!(!wallet.consume("acme", &[exports]).await.unwrap()); // at its max
    assert_eq!(wallet.used("acme", LimitId(0), 0).await.unwrap(), 2);
}

/// Was the `SeaWallet::migrate` example.
#[tokio::test]
async fn migrate_again_keeps_the_counts() {
    let wallet = wallet().await;
    let exports = Charge {
        limit: LimitId(0),
        period_start: 0,
        max: 2,
    };
    assert_eq!(wallet.used("acme", LimitId(0), 0).await.unwrap(), 0);
    assert!(wallet.consume("acme", &[exports]).await.unwrap());
    wallet.migrate().await.unwrap(); // safe at every startup
    assert_eq!(wallet.used("acme", LimitId(0), 0).await.unwrap(), 1);
}
