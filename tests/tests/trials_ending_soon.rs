//! Issue 16 item 3 and issue 22 item 7: "trials ending soon" (`clients(trialEndsBefore:)`)
//! lists trials, soonest first, counted and paged; a client that subscribed, or whose
//! trial already expired, is not a trial ending soon. A caller filtering for
//! TRIAL_EXPIRED gets the expired ones.

use chrono::Duration;
use e2e::{TestApp, listed_emails};
use serde_json::json;

const SOON: &str = "query($before: DateTime, $status: ClientStatus) {
    clients(first: 50, trialEndsBefore: $before, status: $status) { totalCount edges { node { email status } } } }";

const PAGE: &str = "query($first: Int, $after: String, $before: DateTime, $orderBy: ClientOrder) {
    clients(first: $first, after: $after, trialEndsBefore: $before, orderBy: $orderBy) {
      totalCount pageInfo { hasNextPage endCursor } edges { node { email } } } }";

#[tokio::test]
async fn trials_ending_soon_are_listed_soonest_first_with_counts_and_pages() {
    let app = TestApp::spawn().await;
    let owner = app.partner("rosa@ledgerline.example").await;
    let now = chrono::Utc::now();
    for (i, days) in [20, 3, 1, 6].into_iter().enumerate() {
        let (company, email) = (format!("Co {i}"), format!("c{i}@client.example"));
        let c = app.create_client(&owner, &company, "C", &email).await;
        app.end_trial_in(&c["id"], Duration::days(days)).await;
    }
    app.invite(&owner, "invited@client.example", None).await;
    let before = (now + Duration::days(7)).to_rfc3339();
    let order = json!({ "field": "TRIAL_ENDS_AT", "direction": "ASC" });
    let vars = json!({ "first": 2, "before": before, "orderBy": order });
    let page = app.ok(Some(&owner), PAGE, vars).await;
    assert_eq!(page["clients"]["totalCount"], 3);
    assert_eq!(
        listed_emails(&page),
        ["c2@client.example", "c1@client.example"]
    );
    assert_eq!(page["clients"]["pageInfo"]["hasNextPage"], true);
    let after = page["clients"]["pageInfo"]["endCursor"].clone();
    let vars = json!({ "first": 2, "after": after, "before": before, "orderBy": order });
    let next = app.ok(Some(&owner), PAGE, vars).await;
    assert_eq!(listed_emails(&next), ["c3@client.example"]);
    assert_eq!(next["clients"]["pageInfo"]["hasNextPage"], false);
    // Bad input: not an instant.
    let body = app
        .gql(Some(&owner), PAGE, json!({ "first": 2, "before": "soon" }))
        .await;
    assert!(e2e::try_code_of(&body).is_some(), "{body}");
    assert!(body["data"].is_null(), "{body}");
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
    tokio::time::sleep(std::time::Duration::from_millis(2200)).await;
    let events = app.events().await;
    worker::trials::sweep(app.db(), &events).await.unwrap();

    // Two trials ending in 3 days; one of them subscribes.
    let now = chrono::Utc::now();
    for (name, email) in [("Trial", "tia@trial.example"), ("Paid", "pat@paid.example")] {
        let c = app.create_client(&partner, name, "C", email).await;
        app.end_trial_in(&c["id"], Duration::days(3)).await;
    }
    let pat = app.activate("pat@paid.example", "pat-password-1").await;
    app.subscribe(&pat, "monthly").await;

    let before = (now + Duration::days(7)).to_rfc3339();
    let soon = app
        .ok(Some(&partner), SOON, json!({ "before": before }))
        .await;
    assert_eq!(listed_emails(&soon), ["tia@trial.example"], "{soon}");
    assert_eq!(soon["clients"]["totalCount"], 1);

    // Filtering for expired trials finds the one that ended.
    let vars = json!({ "before": before, "status": "TRIAL_EXPIRED" });
    let ended = app.ok(Some(&partner), SOON, vars).await;
    assert_eq!(listed_emails(&ended), [expired["email"].as_str().unwrap()]);
}
