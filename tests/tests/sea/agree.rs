//! `agree` (feature `testing`): the three enforcers compared on random rows.

use access_core::AccessModel;
use access_core::sea::agree::{Agreement, enforcers_agree, principals};
use sea_orm::{EntityTrait, PaginatorTrait};

use crate::model::Access;
use crate::note;

fn template() -> note::Model {
    note::Model {
        id: 0,
        owner_id: 0,
        archived: false,
    }
}

/// Was the `Agreement` example.
#[tokio::test]
async fn the_report_counts_rows_and_cases() {
    let db = crate::sqlite_with(note::Entity).await;
    let callers = principals(Access.data());
    let report: Agreement = enforcers_agree(
        &db,
        Access.data(),
        "notes",
        &template(),
        &callers,
        20,
        1,
        None,
    )
    .await
    .unwrap();
    assert_eq!(report.rows, 20);
    assert_eq!(report.cases, callers.len() * 3); // list, update, delete
    assert!(!report.rls); // SQLite: no row-level security
    assert!(report.allowed > 0);
}

/// Was the `enforcers_agree` example.
#[tokio::test]
async fn every_seed_agrees_and_the_rows_are_deleted() {
    let db = crate::sqlite_with(note::Entity).await;
    let callers = principals(Access.data());
    for seed in 1..=3 {
        let report = enforcers_agree(
            &db,
            Access.data(),
            "notes",
            &template(),
            &callers,
            10,
            seed,
            None,
        )
        .await
        .unwrap();
        assert_eq!(report.rows, 10);
    }
    // The rows are deleted afterwards.
    assert_eq!(note::Entity::find().count(&db).await.unwrap(), 0);
}
