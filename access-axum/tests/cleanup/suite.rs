//! `cleanup_once` at a time the test chooses: which rows go and which stay, table by table; and
//! two cleaners at once, each row deleted once and neither failing.

use access_axum::cleanup::{Cleanup, cleanup_once};
use access_axum::db::{
    NewUser, UsersTable, mfa_challenge, oauth_flow, one_time_token, rate_limit, refresh_token,
    session, webauthn_ceremony,
};
use access_axum::orgs::invitation;
use access_core::AccessModel as _;
use sea_orm::{ActiveModelTrait, ConnectionTrait, DatabaseConnection, Set};

#[path = "../common/backend.rs"]
mod backend;
use backend::rows;

mod model {
    access_core::define_access! {
        pub Access;
        entity organization { roles: [owner] }
        entitlements { "report:run" on organization => roles [owner] }
        plans {
            free { group: main, features: ["report:run"],
                   limits: { daily: "report:run" per day max 5, yearly: "report:run" per year max 100 } }
        }
        default_plan: free,
    }
}

fn skip() -> bool {
    backend::skip("cleanup", super::BACKEND)
}

const NOW: i64 = 1_900_000_000;
const DAY: i64 = 86_400;

/// One row of each kind on each side of its line, named by what should become of it.
async fn seeded() -> DatabaseConnection {
    let db = backend::database("cleanup", super::BACKEND).await;
    access_axum::migrate(&db).await.expect("migrate");
    let u = UsersTable::default()
        .insert(
            &db,
            NewUser {
                email: Some("ann@example.com".into()),
                username: None,
                password_hash: "x".into(),
                now: NOW - 100 * DAY,
            },
        )
        .await
        .expect("a user");
    for (id, expires, revoked) in [
        ("live", NOW + DAY, None),
        ("expired", NOW - 1, None),
        ("revoked", NOW + DAY, Some(NOW - 10)),
    ] {
        session::ActiveModel {
            id: Set(id.into()),
            user_id: Set(u.id),
            device: Set("d".into()),
            ip: Set("127.0.0.1".into()),
            created_at: Set(NOW - DAY),
            last_active_at: Set(NOW - DAY),
            expires_at: Set(expires),
            revoked_at: Set(revoked),
            tenant: Set(None),
            mfa_at: Set(None),
        }
        .insert(&db)
        .await
        .expect("a session");
        for n in 0..2 {
            refresh_token::ActiveModel {
                session_id: Set(id.into()),
                token_hash: Set(format!("{id}-{n}")),
                created_at: Set(NOW - DAY),
                rotated_at: Set((n == 0).then_some(NOW - DAY)),
                ..Default::default()
            }
            .insert(&db)
            .await
            .expect("a refresh token");
        }
    }
    for (hash, expires, used) in [
        ("open", NOW + 60, None),
        ("used", NOW + 60, Some(NOW - 5)),
        ("expired", NOW - 1, None),
    ] {
        one_time_token::ActiveModel {
            user_id: Set(u.id),
            kind: Set("verify".into()),
            token_hash: Set(hash.into()),
            expires_at: Set(expires),
            used_at: Set(used),
            ..Default::default()
        }
        .insert(&db)
        .await
        .expect("a one-time token");
        mfa_challenge::ActiveModel {
            token_hash: Set(hash.into()),
            user_id: Set(u.id),
            device: Set("d".into()),
            ip: Set("i".into()),
            created_at: Set(NOW - 100),
            expires_at: Set(expires),
            used_at: Set(used),
            ..Default::default()
        }
        .insert(&db)
        .await
        .expect("a challenge");
        webauthn_ceremony::ActiveModel {
            id: Set(hash.into()),
            kind: Set("login".into()),
            user_id: Set(None),
            state: Set("{}".into()),
            expires_at: Set(expires),
            used_at: Set(used),
        }
        .insert(&db)
        .await
        .expect("a ceremony");
        oauth_flow::ActiveModel {
            state_hash: Set(hash.into()),
            browser_hash: Set("b".into()),
            provider: Set("p".into()),
            pkce_verifier: Set("v".into()),
            nonce: Set("n".into()),
            redirect_to: Set("/".into()),
            link_user: Set(None),
            created_at: Set(NOW - 100),
            expires_at: Set(if used.is_some() { NOW + 60 } else { expires }),
            ..Default::default()
        }
        .insert(&db)
        .await
        .expect("a flow");
    }
    for (email, status, expires) in [
        ("pending@example.com", "pending", NOW + DAY),
        ("late@example.com", "pending", NOW - 1),
        ("accepted@example.com", "accepted", NOW + DAY),
    ] {
        invitation::ActiveModel {
            org: Set("acme".into()),
            email: Set(email.into()),
            role: Set("member".into()),
            token_hash: Set(email.into()),
            invited_by: Set("1".into()),
            status: Set(status.into()),
            created_at: Set(NOW - DAY),
            expires_at: Set(expires),
            ended_at: Set((status != "pending").then_some(NOW - 10)),
            accepted_by: Set(None),
            ..Default::default()
        }
        .insert(&db)
        .await
        .expect("an invitation");
    }
    for (key, start) in [("recent", NOW - 3600), ("old", NOW - 2 * DAY)] {
        rate_limit::ActiveModel {
            key: Set(key.into()),
            window_start: Set(start),
            count: Set(3),
        }
        .insert(&db)
        .await
        .expect("a window");
    }
    // Usage: yesterday's day and this year's year stay (the year is not over); a day from last
    // month, a year that ended 40 days ago, and a limit the model no longer has from two years
    // ago go, with a 30-day retention.
    for (limit, start) in [
        ("daily", NOW - DAY),
        ("daily", NOW - 35 * DAY),
        ("yearly", NOW - 200 * DAY),
        ("yearly", NOW - 406 * DAY),
        ("gone", NOW - 800 * DAY),
    ] {
        db.execute_unprepared(&format!(
            "INSERT INTO access_wallets (tenant, limit_name, period_start, used) VALUES ('acme', '{limit}', {start}, 1)"
        ))
        .await
        .expect("a usage row");
    }
    db
}

async fn left(db: &DatabaseConnection) -> Vec<Vec<String>> {
    vec![
        rows(db, "SELECT id FROM auth_sessions ORDER BY id").await,
        rows(
            db,
            "SELECT token_hash FROM auth_refresh_tokens ORDER BY token_hash",
        )
        .await,
        rows(
            db,
            "SELECT token_hash FROM auth_one_time_tokens ORDER BY token_hash",
        )
        .await,
        rows(
            db,
            "SELECT token_hash FROM auth_mfa_challenges ORDER BY token_hash",
        )
        .await,
        rows(db, "SELECT id FROM auth_webauthn_ceremonies ORDER BY id").await,
        rows(
            db,
            "SELECT state_hash FROM auth_oauth_flows ORDER BY state_hash",
        )
        .await,
        rows(db, "SELECT email FROM access_invitations ORDER BY email").await,
        rows(db, "SELECT key FROM auth_rate_limits ORDER BY key").await,
        rows(
            db,
            "SELECT limit_name, period_start FROM access_wallets ORDER BY limit_name, period_start",
        )
        .await,
    ]
}

fn config() -> Cleanup {
    Cleanup::default().keep_usage_for(std::time::Duration::from_secs(30 * 86_400))
}

#[tokio::test]
async fn a_pass_deletes_what_is_over_and_keeps_the_rest() {
    if skip() {
        return;
    }
    let db = seeded().await;
    let model = model::Access.data().clone();
    let done = cleanup_once(&db, &model, NOW, &config())
        .await
        .expect("a pass");
    assert_eq!(
        (
            done.sessions,
            done.refresh_tokens,
            done.one_time_tokens,
            done.invitations,
            done.rate_limits,
            done.usage_periods
        ),
        (2, 4, 2, 2, 1, 3)
    );
    assert_eq!(
        done.ceremonies,
        2 + 2 + 1,
        "challenges, passkey ceremonies, provider flows"
    );
    assert_eq!(
        left(&db).await,
        vec![
            vec!["live".to_owned()],
            vec!["live-0".to_owned(), "live-1".to_owned()],
            vec!["open".to_owned()],
            vec!["open".to_owned()],
            vec!["open".to_owned()],
            vec!["open".to_owned(), "used".to_owned()],
            vec!["pending@example.com".to_owned()],
            vec!["recent".to_owned()],
            vec![
                format!("daily|{}", NOW - DAY),
                format!("yearly|{}", NOW - 200 * DAY)
            ],
        ]
    );
    // Again: nothing more.
    let again = cleanup_once(&db, &model, NOW, &config())
        .await
        .expect("a pass");
    assert_eq!(again.total(), 0);
    // Without a retention, usage is kept whatever its age.
    let db = seeded().await;
    cleanup_once(&db, &model, NOW, &Cleanup::default())
        .await
        .expect("a pass");
    assert_eq!(left(&db).await[8].len(), 5);
}

#[tokio::test]
async fn two_cleaners_at_once_delete_each_row_once_and_neither_fails() {
    if skip() {
        return;
    }
    let db = seeded().await;
    let model = model::Access.data().clone();
    let cfg = config();
    let (a, b) = tokio::join!(
        cleanup_once(&db, &model, NOW, &cfg),
        cleanup_once(&db, &model, NOW, &cfg),
    );
    let (a, b) = (
        a.expect("the first cleaner"),
        b.expect("the second cleaner"),
    );
    assert_eq!(a.total() + b.total(), 2 + 4 + 2 + 5 + 2 + 1 + 3);
    assert_eq!(left(&db).await[0], ["live"]);
}
