//! Issue 17, scenario f (SPEC §10, §6): a V1 partner in the browser connects Partner
//! Connect to a V2 firm and upgrades a client on the Upgrade page. How these tests drive
//! the browser: `e2e::web`.

use e2e::TestApp;
use e2e::browser::Browser;
use e2e::web::{log_in, rows, settle};

/// A V1 partner's owner, imported with `worker import-legacy`, logs in with
/// the V1 password, connects Partner Connect to a V2 partner firm, and upgrades a client
/// on the Upgrade page, which shows it done; the client is then in the V2 firm's list.
#[tokio::test]
async fn a_v1_owner_connects_to_a_v2_firm_and_upgrades_a_client() {
    let app = TestApp::spawn().await;
    let export = app.dir.path().join("legacy-export.json");
    std::fs::write(&export, e2e::legacy_example()).unwrap();
    let out = app
        .worker_cli(&["import-legacy", export.to_str().unwrap()])
        .await;
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "worker import-legacy: {out:?}");
    assert!(said.contains("imported 1 partner(s)"), "{said}");
    let (v2_owner, v2_company_id) = app.v2_firm().await;

    let b = Browser::start().await;
    log_in(&b, &app, "owner@ledgerline.example", "legacy-owner-pass-1").await;
    b.wait_for_path("/").await;
    b.wait_for_text("h1", "Clients").await;
    b.wait_for_text("main", "This is a V1 partner account.")
        .await;
    b.wait_for_cell("hello@bakersrow.example", "Status", "Paying")
        .await;
    b.assert_no_console_errors().await;

    // Partner Connect.
    b.click("Connect it to your V2 partner dashboard").await;
    b.wait_for_path("/connect").await;
    b.wait_for_text("h1", "Partner Connect").await;
    b.wait_for_text("main", "Not connected yet.").await;
    b.fill("Company ID", &v2_company_id).await;
    b.fill("Owner email", "rosa@v2firm.example").await;
    b.click("Connect").await;
    b.wait_for_text(
        "main",
        &format!("Connected to the V2 partner account {v2_company_id}"),
    )
    .await;
    b.assert_no_console_errors().await;

    // The Upgrade page: one eligible client, upgraded.
    b.click("Upgrade your clients").await;
    b.wait_for_path("/upgrade").await;
    b.wait_for_text("h1", "Upgrade clients").await;
    b.wait_for_cell("Bakers Row Cafe", "Status", "Paying").await;
    let deadline = b.cell("Bakers Row Cafe", "Deadline").await;
    b.ensure(deadline.contains("2027"), || {
        format!("the deadline shows {deadline:?}")
    })
    .await;
    b.click("Upgrade Bakers Row Cafe").await;
    b.wait_for_text(
        "#toasts",
        "Upgrading Bakers Row Cafe: their V2 account is being created.",
    )
    .await;
    b.wait_for_cell("Bakers Row Cafe", "Upgrade", "Upgraded")
        .await;
    b.wait_for_text("main", "Done: no other client is left to upgrade.")
        .await;
    b.assert_no_console_errors().await;
    settle(&b).await;
    b.showcase("upgrade").await;

    // The client is in the V2 firm's list, still paying.
    assert_eq!(
        app.listed_statuses(&v2_owner).await,
        rows([("hello@bakersrow.example", "PAYING")])
    );
}
