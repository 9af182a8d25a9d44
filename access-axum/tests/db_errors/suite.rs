//! Database errors answered by their real cause, through the real CRUD router served on
//! loopback, on SQLite (`db_errors_sqlite`, a file database in WAL mode) and PostgreSQL
//! (`db_errors_postgres`): a unique violation 409, a foreign-key violation or a value the
//! column does not take 422 (naming the field where the database does), contention retried
//! then 503 with `Retry-After`, a pool timeout 503 with `Retry-After`, anything else 500; never
//! the database's text in the body, and stored data unchanged by every refused request.

mod harness;

use std::time::{Duration, Instant};

use harness::{Pool, connect, harness, no_internals, place, postgres};
use sea_orm::{ConnectionTrait, Database};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_unique_value_taken_is_409_conflict() {
    let Some(h) = harness(Pool::default()).await else {
        return;
    };
    let token = h.editor("u@example.com").await;
    h.create(&token, "taken").await;
    let before = h.docs().await;
    let body = json!({ "title": "t2", "slug": "taken", "size": 2 });
    let a = h.call("POST", "/docs", Some(&token), Some(body)).await;
    assert_eq!(
        (a.status, a.body["error"].as_str()),
        (409, Some("conflict")),
        "{a:?}"
    );
    if !postgres() {
        // SQLite names the column.
        assert!(
            a.body["message"].as_str().unwrap().contains("`slug`"),
            "{a:?}"
        );
    }
    no_internals(&a);
    // An update onto a taken value is refused the same way and changes nothing.
    let other = h.create(&token, "free").await;
    let before_update = h.docs().await;
    let a = h
        .call(
            "PATCH",
            &format!("/docs/{other}"),
            Some(&token),
            Some(json!({ "slug": "taken" })),
        )
        .await;
    assert_eq!(
        (a.status, a.body["error"].as_str()),
        (409, Some("conflict")),
        "{a:?}"
    );
    no_internals(&a);
    assert_eq!(h.docs().await, before_update);
    assert_eq!(before.len() + 1, before_update.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_missing_referenced_row_is_422() {
    let Some(h) = harness(Pool::default()).await else {
        return;
    };
    let token = h.editor("u@example.com").await;
    let body = json!({ "title": "t", "slug": "s", "folder_id": 999, "size": 1 });
    let a = h.call("POST", "/docs", Some(&token), Some(body)).await;
    assert_eq!(
        (a.status, a.body["error"].as_str()),
        (422, Some("invalid_body")),
        "{a:?}"
    );
    assert!(
        a.body["message"]
            .as_str()
            .unwrap()
            .contains("referenced row"),
        "{a:?}"
    );
    no_internals(&a);
    assert!(h.docs().await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_value_the_column_does_not_take_is_422_naming_the_field_where_known() {
    let Some(h) = harness(Pool::default()).await else {
        return;
    };
    let token = h.editor("u@example.com").await;
    // NOT NULL: both databases name the column.
    let body = json!({ "title": null, "slug": "s", "size": 1 });
    let a = h.call("POST", "/docs", Some(&token), Some(body)).await;
    assert_eq!(
        (a.status, a.body["error"].as_str()),
        (422, Some("invalid_body")),
        "{a:?}"
    );
    assert!(
        a.body["message"].as_str().unwrap().contains("`title`"),
        "{a:?}"
    );
    no_internals(&a);
    assert!(h.docs().await.is_empty());
    // CHECK, on an update: refused, the row as it was.
    let id = h.create(&token, "s").await;
    let before = h.docs().await;
    let a = h
        .call(
            "PATCH",
            &format!("/docs/{id}"),
            Some(&token),
            Some(json!({ "size": -1 })),
        )
        .await;
    assert_eq!(
        (a.status, a.body["error"].as_str()),
        (422, Some("invalid_body")),
        "{a:?}"
    );
    no_internals(&a);
    // Too long for the column (PostgreSQL's VARCHAR(20): a data exception; SQLite: a CHECK).
    let a = h
        .call(
            "PATCH",
            &format!("/docs/{id}"),
            Some(&token),
            Some(json!({ "slug": "x".repeat(21) })),
        )
        .await;
    assert_eq!(
        (a.status, a.body["error"].as_str()),
        (422, Some("invalid_body")),
        "{a:?}"
    );
    no_internals(&a);
    assert_eq!(h.docs().await, before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_busy_database_is_retried_then_503_with_retry_after() {
    let wait = Duration::from_millis(100);
    let Some(h) = harness(Pool {
        wait,
        ..Pool::default()
    })
    .await
    else {
        return;
    };
    let token = h.editor("u@example.com").await;
    let id = h.create(&token, "s").await;
    let before = h.docs().await;
    // Another connection (another process, say) holds the write lock (SQLite) or the row's
    // lock (PostgreSQL).
    let other = connect(&h.place, Pool::default()).await;
    let blocker = access_core::sea::write::begin_write(&other).await.unwrap();
    let lock = if postgres() {
        format!("SELECT id FROM docs WHERE id = {id} FOR UPDATE")
    } else {
        format!("UPDATE docs SET size = size WHERE id = {id}")
    };
    blocker.execute_unprepared(&lock).await.unwrap();
    let started = Instant::now();
    let a = h
        .call(
            "PATCH",
            &format!("/docs/{id}"),
            Some(&token),
            Some(json!({ "title": "new" })),
        )
        .await;
    let took = started.elapsed();
    assert_eq!(
        (a.status, a.body["error"].as_str()),
        (503, Some("unavailable")),
        "{a:?}"
    );
    assert_eq!(a.retry_after.as_deref(), Some("1"), "{a:?}");
    no_internals(&a);
    // Retried: every attempt waited out the busy (lock) timeout.
    let attempts = access_core::sea::write::ATTEMPTS;
    assert!(
        took >= wait * attempts,
        "answered after {took:?}, before {attempts} waits"
    );
    blocker.rollback().await.unwrap();
    assert_eq!(h.docs().await, before);
    // The lock released, the same request succeeds.
    let a = h
        .call(
            "PATCH",
            &format!("/docs/{id}"),
            Some(&token),
            Some(json!({ "title": "new" })),
        )
        .await;
    assert_eq!(a.status, 200, "{a:?}");
    assert_eq!(h.docs().await[0].title.as_deref(), Some("new"));
}

/// Contention that ends within the attempts is not seen: the lock is held past the first
/// attempt's wait (busy or lock timeout), released during the retries, and the write succeeds.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn contention_that_ends_within_the_retries_is_not_seen() {
    let wait = Duration::from_millis(100);
    let Some(h) = harness(Pool {
        wait,
        ..Pool::default()
    })
    .await
    else {
        return;
    };
    let token = h.editor("u@example.com").await;
    let id = h.create(&token, "s").await;
    let other = connect(&h.place, Pool::default()).await;
    let blocker = access_core::sea::write::begin_write(&other).await.unwrap();
    let lock = if postgres() {
        format!("SELECT id FROM docs WHERE id = {id} FOR UPDATE")
    } else {
        format!("UPDATE docs SET size = size WHERE id = {id}")
    };
    blocker.execute_unprepared(&lock).await.unwrap();
    let release = tokio::spawn(async move {
        tokio::time::sleep(wait * 2).await;
        blocker.rollback().await.unwrap();
    });
    let started = Instant::now();
    let a = h
        .call(
            "PATCH",
            &format!("/docs/{id}"),
            Some(&token),
            Some(json!({ "title": "new" })),
        )
        .await;
    assert_eq!(a.status, 200, "{a:?}");
    // It did meet the lock: at least one attempt waited its timeout.
    assert!(started.elapsed() >= wait, "{:?}", started.elapsed());
    release.await.unwrap();
    assert_eq!(h.docs().await[0].title.as_deref(), Some("new"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_pool_timeout_is_503_with_retry_after() {
    let Some(h) = harness(Pool {
        max: 1,
        acquire_timeout: Duration::from_millis(300),
        ..Pool::default()
    })
    .await
    else {
        return;
    };
    let token = h.editor("u@example.com").await;
    let id = h.create(&token, "s").await;
    // A second user whose account row no request has read yet (the active check reads it).
    let fresh = h.editor("v@example.com").await;
    let before = h.docs().await;
    // The pool's one connection, held.
    let held = sea_orm::TransactionTrait::begin(&h.db).await.unwrap();
    let a = h
        .call("GET", &format!("/docs/{id}"), Some(&fresh), None)
        .await;
    assert_eq!(
        (a.status, a.retry_after.as_deref()),
        (503, Some("1")),
        "reading the account's row without a connection: {a:?}"
    );
    no_internals(&a);
    let a = h.call("GET", &format!("/docs/{id}"), None, None).await;
    assert_eq!(
        (a.status, a.body["error"].as_str()),
        (503, Some("unavailable")),
        "{a:?}"
    );
    assert_eq!(a.retry_after.as_deref(), Some("1"), "{a:?}");
    no_internals(&a);
    let a = h
        .call(
            "PATCH",
            &format!("/docs/{id}"),
            Some(&token),
            Some(json!({ "title": "new" })),
        )
        .await;
    assert_eq!(
        (a.status, a.retry_after.as_deref()),
        (503, Some("1")),
        "{a:?}"
    );
    held.rollback().await.unwrap();
    assert_eq!(h.docs().await, before);
    let a = h.call("GET", &format!("/docs/{id}"), None, None).await;
    assert_eq!(a.status, 200, "{a:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn anything_else_is_500_without_internals() {
    let Some(h) = harness(Pool::default()).await else {
        return;
    };
    let token = h.editor("u@example.com").await;
    let id = h.create(&token, "s").await;
    // The schema is not what the application expects (a missing table).
    h.db.execute_unprepared("ALTER TABLE docs RENAME TO gone")
        .await
        .unwrap();
    let a = h.call("GET", &format!("/docs/{id}"), None, None).await;
    assert_eq!(
        (a.status, a.body["error"].as_str()),
        (500, Some("internal")),
        "{a:?}"
    );
    assert_eq!(a.retry_after, None);
    no_internals(&a);
    let a = h
        .call(
            "PATCH",
            &format!("/docs/{id}"),
            Some(&token),
            Some(json!({ "title": "new" })),
        )
        .await;
    assert_eq!(
        (a.status, a.body["error"].as_str()),
        (500, Some("internal")),
        "{a:?}"
    );
    no_internals(&a);
}

/// The bug: an update loads the row, then writes it. In a deferred SQLite transaction
/// in WAL mode, a read transaction that tries to write after another writer committed fails
/// at once with `SQLITE_BUSY` (the busy timeout does not apply), which was answered 422. 32
/// concurrent PATCHes of distinct rows over 8 pooled connections: every one 200, every new
/// value stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_updates_of_distinct_rows_all_succeed() {
    const N: usize = 32;
    let Some(h) = harness(Pool {
        max: 8,
        ..Pool::default()
    })
    .await
    else {
        return;
    };
    let h = std::sync::Arc::new(h);
    let token = h.editor("u@example.com").await;
    let mut ids = Vec::with_capacity(N);
    for i in 0..N {
        ids.push(h.create(&token, &format!("s{i}")).await);
    }
    // Every PATCH starts at once.
    let gate = std::sync::Arc::new(tokio::sync::Barrier::new(N));
    let mut tasks = Vec::with_capacity(N);
    for (i, id) in ids.iter().copied().enumerate() {
        let (h, token, gate) = (h.clone(), token.clone(), gate.clone());
        tasks.push(tokio::spawn(async move {
            gate.wait().await;
            let body = json!({ "title": format!("new-{i}"), "size": i });
            h.call("PATCH", &format!("/docs/{id}"), Some(&token), Some(body))
                .await
        }));
    }
    let mut refused = Vec::new();
    for t in tasks {
        let a = t.await.unwrap();
        if a.status != 200 {
            refused.push(format!("{} {}", a.status, a.text));
        }
    }
    assert!(
        refused.is_empty(),
        "{} of {N} refused: {refused:?}",
        refused.len()
    );
    let stored = h.docs().await;
    assert_eq!(stored.len(), N);
    for (i, id) in ids.iter().enumerate() {
        let d = stored.iter().find(|d| d.id == *id).unwrap();
        assert_eq!(
            d.title.as_deref(),
            Some(format!("new-{i}").as_str()),
            "{d:?}"
        );
        assert_eq!(d.size, i as i64, "{d:?}");
    }
}

/// `access_axum::db::connect`: on SQLite the file is in WAL mode for every later connection,
/// foreign keys are enforced and writers wait for the lock; on PostgreSQL the pool as asked.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn connect_sets_a_sqlite_file_up_for_concurrent_requests() {
    let Some(place) = place().await else {
        return;
    };
    let url = match &place.schema {
        // The schema is not in the URL: the pool reaches `public`, enough to ask something.
        Some(_) => place.url.clone(),
        None => {
            // A new file, never put in WAL mode by the harness.
            let path = place.url.replace(".db?mode=rwc", "-connect.db");
            format!("{path}?mode=rwc")
        }
    };
    let db = access_axum::db::connect(&url, 4).await.unwrap();
    let one = |sql: &str| sea_orm::Statement::from_string(db.get_database_backend(), sql);
    if postgres() {
        let r = db
            .query_one_raw(one("SELECT 1 AS one"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(r.try_get_by_index::<i32>(0).unwrap(), 1);
        return;
    }
    let path = url
        .trim_start_matches("sqlite://")
        .trim_end_matches("?mode=rwc")
        .to_owned();
    // Another pool, made without the helper, finds the file in WAL mode.
    let plain = Database::connect(url.clone()).await.unwrap();
    let q = |sql: &str| sea_orm::Statement::from_string(sea_orm::DbBackend::Sqlite, sql);
    let mode = plain
        .query_one_raw(q("PRAGMA journal_mode"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(mode.try_get_by_index::<String>(0).unwrap(), "wal");
    // Foreign keys enforced on the helper's connections.
    db.execute_unprepared("CREATE TABLE p (id INTEGER PRIMARY KEY)")
        .await
        .unwrap();
    db.execute_unprepared("CREATE TABLE c (p INTEGER REFERENCES p (id))")
        .await
        .unwrap();
    let e = db
        .execute_unprepared("INSERT INTO c (p) VALUES (7)")
        .await
        .unwrap_err();
    assert_eq!(
        access_core::sea::write::classify(&e),
        access_core::sea::write::DbFailure::ForeignKey { field: None }
    );
    // In memory: no file, no WAL, no error.
    access_axum::db::connect("sqlite::memory:", 1)
        .await
        .unwrap();
    drop((db, plain));
    let harness_file = place
        .url
        .trim_start_matches("sqlite://")
        .trim_end_matches("?mode=rwc");
    for file in [path.as_str(), harness_file] {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{file}{suffix}"));
        }
    }
}
