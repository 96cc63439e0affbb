//! SPEC §7, the trial-expiry sweep: every ended `TRIAL` becomes `TRIAL_EXPIRED` once,
//! even from two sweepers at once, with one digest per partner; the worker runs it
//! periodically.

use e2e::{CLIENT, STATUS_COUNTS_WITHOUT_TOTAL, SUBSCRIBE, TestApp};
use serde_json::json;
use std::time::Duration;

#[tokio::test]
async fn the_sweep_expires_exactly_the_unpaid_ended_trials_once_even_when_run_concurrently() {
    // Trials of 2 s; the periodic sweep is kept out of the way (1 day) so this test runs it.
    let app =
        TestApp::spawn_with_args(&["--trial-length", "2s", "--trial-sweep-every", "1d"]).await;
    let partner = app.partner("rosa@ledgerline.example").await;
    let other = app.partner("other@elsewhere.example").await;
    let a = app
        .create_client(&partner, "Apple Orchard", "C", "amy@apple.example")
        .await;
    let b = app
        .create_client(&partner, "Bakers Row", "C", "bea@bakers.example")
        .await;
    let paid = app
        .create_client(&partner, "Paid Up", "C", "pat@paid.example")
        .await;
    let o = app
        .create_client(&other, "Other Client", "C", "oli@other.example")
        .await;
    // One of them subscribes before its trial ends.
    let pat = app.activate("pat@paid.example", "pat-password-1").await;
    app.ok(Some(&pat), SUBSCRIBE, json!({ "plan": "annual" }))
        .await;
    // And one is still invited (never expires by the sweep).
    app.invite(&partner, "ivy@invited.example", None).await;

    tokio::time::sleep(Duration::from_millis(2200)).await;
    let events = app.events().await;
    // Two sweepers at the same moment.
    let (r1, r2) = tokio::join!(
        worker::trials::sweep(app.db(), &events),
        worker::trials::sweep(app.db(), &events)
    );
    let (r1, r2) = (r1.unwrap(), r2.unwrap());
    assert_eq!(
        r1.expired + r2.expired,
        3,
        "each ended trial expires once: {r1:?} {r2:?}"
    );
    assert_eq!(
        r1.digests + r2.digests,
        2,
        "one digest per partner: {r1:?} {r2:?}"
    );
    let again = worker::trials::sweep(app.db(), &events).await.unwrap();
    assert_eq!((again.expired, again.digests), (0, 0));

    for (c, status, token) in [
        (&a, "TRIAL_EXPIRED", &partner),
        (&b, "TRIAL_EXPIRED", &partner),
        (&paid, "PAYING", &partner),
        (&o, "TRIAL_EXPIRED", &other),
    ] {
        let got = app.ok(Some(token), CLIENT, json!({ "id": c["id"] })).await;
        assert_eq!(got["client"]["status"], status, "{c}");
    }
    let counts = app
        .ok(Some(&partner), STATUS_COUNTS_WITHOUT_TOTAL, json!({}))
        .await;
    assert_eq!(
        counts["clientStatusCounts"],
        json!({ "invited": 1, "trial": 0, "trialExpired": 2, "paying": 1 })
    );

    // Rosa gets one digest naming both expired clients, and nothing about the paid one.
    let digest = app
        .wait_for_mail("rosa@ledgerline.example", "trials have ended")
        .await;
    assert!(
        digest.subject.starts_with("2 clients"),
        "{}",
        digest.subject
    );
    assert!(
        digest.text.contains("Apple Orchard") && digest.text.contains("Bakers Row"),
        "{}",
        digest.text
    );
    assert!(!digest.text.contains("Paid Up"));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let digests: Vec<_> = app
        .mails()
        .into_iter()
        .filter(|m| m.subject.contains("trial"))
        .collect();
    assert_eq!(digests.len(), 2, "{digests:#?}");

    // A TRIAL_EXPIRED client can still subscribe.
    let amy = app.activate("amy@apple.example", "amy-password-1").await;
    app.ok(Some(&amy), SUBSCRIBE, json!({ "plan": "monthly" }))
        .await;
    assert_eq!(
        app.ok(Some(&partner), CLIENT, json!({ "id": a["id"] }))
            .await["client"]["status"],
        "PAYING"
    );
}

#[tokio::test]
async fn the_worker_runs_the_sweep_periodically() {
    let app =
        TestApp::spawn_with_args(&["--trial-length", "1s", "--trial-sweep-every", "500ms"]).await;
    let partner = app.partner("rosa@ledgerline.example").await;
    let c = app
        .create_client(&partner, "Apple Orchard", "C", "amy@apple.example")
        .await;
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    loop {
        let got = app
            .ok(Some(&partner), CLIENT, json!({ "id": c["id"] }))
            .await;
        if got["client"]["status"] == "TRIAL_EXPIRED" {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the periodic sweep never expired the trial"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    app.wait_for_mail("rosa@ledgerline.example", "trial has ended")
        .await;
}
