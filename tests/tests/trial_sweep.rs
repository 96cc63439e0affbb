//! SPEC §7, the trial-expiry sweep: every ended `TRIAL` becomes `TRIAL_EXPIRED` once,
//! even from two sweepers at once, with one digest per partner; the worker runs it
//! periodically.

use e2e::{STATUS_COUNTS_WITHOUT_TOTAL, TestApp, eventually, secs};
use serde_json::json;
use std::time::Duration;

/// Rosa gets one digest naming both expired clients, and nothing about the paid one; the
/// other partner gets its own.
async fn one_digest_for_rosa_naming_both(app: &TestApp) {
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
}

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
    app.subscribe(&pat, "annual").await;
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
        assert_eq!(app.client(token, &c["id"]).await["status"], status, "{c}");
    }
    let counts = app
        .ok(Some(&partner), STATUS_COUNTS_WITHOUT_TOTAL, json!({}))
        .await;
    assert_eq!(
        counts["clientStatusCounts"],
        json!({ "invited": 1, "trial": 0, "trialExpired": 2, "paying": 1 })
    );

    one_digest_for_rosa_naming_both(&app).await;

    // A TRIAL_EXPIRED client can still subscribe.
    let amy = app.activate("amy@apple.example", "amy-password-1").await;
    app.subscribe(&amy, "monthly").await;
    assert_eq!(app.client(&partner, &a["id"]).await["status"], "PAYING");
}

#[tokio::test]
async fn the_worker_runs_the_sweep_periodically() {
    let app =
        TestApp::spawn_with_args(&["--trial-length", "1s", "--trial-sweep-every", "500ms"]).await;
    let partner = app.partner("rosa@ledgerline.example").await;
    let c = app
        .create_client(&partner, "Apple Orchard", "C", "amy@apple.example")
        .await;
    eventually(
        "the periodic sweep to expire the trial",
        secs(15),
        async || {
            let got = app.client(&partner, &c["id"]).await;
            if got["status"] == "TRIAL_EXPIRED" {
                Ok(())
            } else {
                Err(got)
            }
        },
    )
    .await;
    app.wait_for_mail("rosa@ledgerline.example", "trial has ended")
        .await;
}
