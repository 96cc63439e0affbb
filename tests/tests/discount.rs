//! SPEC §6: a partner's discount tier follows its active clients (TRIAL + PAYING); the
//! table is configuration.

use e2e::{DISCOUNT_TIER, TestApp};
use serde_json::{Value, json};

async fn add_trial_client(app: &TestApp, partner: &str, i: usize) {
    app.create_client(
        partner,
        &format!("Client {i}"),
        "C",
        &format!("c{i}@clients.example"),
    )
    .await;
}

async fn tier(app: &TestApp, partner: &str) -> Value {
    app.ok(Some(partner), DISCOUNT_TIER, json!({})).await["discountTier"].clone()
}

#[tokio::test]
async fn the_default_tiers_change_at_5_20_50_and_100_active_clients() {
    let app = TestApp::spawn().await;
    let p = app.partner("rosa@ledgerline.example").await;
    assert_eq!(
        tier(&app, &p).await,
        json!({ "activeClients": 0, "percentOff": 0, "clientsToNextTier": 5 })
    );
    // Invited clients are not active.
    app.invite(&p, "ivy@invited.example", None).await;
    let mut n = 0;
    for (boundary, below, at, next_after) in [
        (5, 0, 10, Some(15)),
        (20, 10, 15, Some(30)),
        (50, 15, 20, Some(50)),
        (100, 20, 25, None),
    ] {
        while n < boundary - 1 {
            n += 1;
            add_trial_client(&app, &p, n).await;
        }
        assert_eq!(
            tier(&app, &p).await,
            json!({ "activeClients": n, "percentOff": below, "clientsToNextTier": 1 }),
            "at {n}"
        );
        n += 1;
        add_trial_client(&app, &p, n).await;
        assert_eq!(
            tier(&app, &p).await,
            json!({ "activeClients": n, "percentOff": at, "clientsToNextTier": next_after }),
            "at {n}"
        );
    }
}

#[tokio::test]
async fn the_tier_table_is_configuration_and_only_partners_have_one() {
    let app = TestApp::spawn_with_args(&["--discount-tiers", "1:5, 2:30"]).await;
    let p = app.partner("rosa@ledgerline.example").await;
    assert_eq!(
        tier(&app, &p).await,
        json!({ "activeClients": 0, "percentOff": 0, "clientsToNextTier": 1 })
    );
    add_trial_client(&app, &p, 1).await;
    assert_eq!(
        tier(&app, &p).await,
        json!({ "activeClients": 1, "percentOff": 5, "clientsToNextTier": 1 })
    );
    add_trial_client(&app, &p, 2).await;
    assert_eq!(
        tier(&app, &p).await,
        json!({ "activeClients": 2, "percentOff": 30, "clientsToNextTier": null })
    );
    let client = app
        .sign_up("Shop", "Sam", "sam@shop.example", "sam-password-1", false)
        .await;
    assert_eq!(
        app.error_code(client["token"].as_str(), DISCOUNT_TIER, json!({}))
            .await,
        "FORBIDDEN"
    );
    assert_eq!(
        app.error_code(None, DISCOUNT_TIER, json!({})).await,
        "UNAUTHENTICATED"
    );
}

#[test]
fn a_malformed_tier_table_stops_the_gateway_from_starting() {
    let err = gateway::Config::from_args(["--discount-tiers", "5:10,3:20"]).unwrap_err();
    assert!(err.to_string().contains("minimums must rise"), "{err}");
}

#[tokio::test]
async fn paying_clients_count_and_expired_trials_do_not() {
    let app =
        TestApp::spawn_with_args(&["--trial-length", "1s", "--trial-sweep-every", "1d"]).await;
    let p = app.partner("rosa@ledgerline.example").await;
    add_trial_client(&app, &p, 1).await;
    add_trial_client(&app, &p, 2).await;
    // Client 1 subscribes.
    let c1 = app.activate("c1@clients.example", "client-pass-1").await;
    app.subscribe(&c1, "monthly").await;
    // Client 2's trial ends.
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    let events = app.events().await;
    worker::trials::sweep(app.db(), &events).await.unwrap();
    assert_eq!(tier(&app, &p).await["activeClients"], 1);
}
