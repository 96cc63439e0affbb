//! Issue 22 item 7: "trials ending soon" (`clients(trialEndsBefore:)`) lists trials: a
//! client that subscribed, or whose trial already expired, is not a trial ending soon.
//! A caller filtering for TRIAL_EXPIRED gets the expired ones.

use e2e::{SUBSCRIBE, TestApp};
use entity::client;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use std::time::Duration;

const SOON: &str = "query($before: DateTime, $status: ClientStatus) {
    clients(first: 50, trialEndsBefore: $before, status: $status) { totalCount edges { node { email status } } } }";

fn emails(page: &Value) -> Vec<&str> {
    page["clients"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["email"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn trials_ending_soon_are_trials_not_paying_or_expired_clients() {
    // Trials of 2 s, to expire one for real; the periodic sweep is kept out of the way.
    let app =
        TestApp::spawn_with_args(&["--trial-length", "2s", "--trial-sweep-every", "1d"]).await;
    let partner = app.partner("rosa@ledgerline.example").await;
    let expired = app
        .create_client(&partner, "Ended", "C", "ed@ended.example")
        .await;
    tokio::time::sleep(Duration::from_millis(2200)).await;
    let events = app.events().await;
    worker::trials::sweep(app.db(), &events).await.unwrap();

    // Two trials ending in 3 days; one of them subscribes.
    let now = chrono::Utc::now();
    for (name, email) in [("Trial", "tia@trial.example"), ("Paid", "pat@paid.example")] {
        let c = app.create_client(&partner, name, "C", email).await;
        let id: i64 = c["id"].as_str().unwrap().parse().unwrap();
        client::Entity::update_many()
            .col_expr(
                client::Column::TrialEndsAt,
                Expr::value(now + chrono::Duration::days(3)),
            )
            .filter(client::Column::Id.eq(id))
            .exec(app.db())
            .await
            .unwrap();
    }
    let pat = app.activate("pat@paid.example", "pat-password-1").await;
    app.ok(Some(&pat), SUBSCRIBE, json!({ "plan": "monthly" }))
        .await;

    let before = (now + chrono::Duration::days(7)).to_rfc3339();
    let soon = app
        .ok(Some(&partner), SOON, json!({ "before": before }))
        .await;
    assert_eq!(emails(&soon), ["tia@trial.example"], "{soon}");
    assert_eq!(soon["clients"]["totalCount"], 1);

    // Filtering for expired trials finds the one that ended.
    let ended = app
        .ok(
            Some(&partner),
            SOON,
            json!({ "before": before, "status": "TRIAL_EXPIRED" }),
        )
        .await;
    assert_eq!(emails(&ended), [expired["email"].as_str().unwrap()]);
}
