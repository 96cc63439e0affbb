//! Issue 26 items 1 and 5 in real browsers (SPEC §13): the firm owner limits a member to
//! assigned clients on the Team page and assigns them a client from its row ("Assign");
//! the member, in their own browser, sees that client and no other. How these tests
//! drive the browser: `e2e::web`.

use e2e::TestApp;
use e2e::browser::Browser;
use e2e::web::log_in;

const ROSA: &str = "rosa@ledgerline.example";
const SAM: &str = "sam@ledgerline.example";

#[tokio::test]
async fn the_owner_limits_a_member_and_assigns_them_a_client() {
    let app = TestApp::spawn().await;
    let rosa = app.partner(ROSA).await;
    app.add_user(&rosa, SAM, "Sam", "ADMIN").await;
    app.activate(SAM, "sam-password-12").await;
    app.invite(&rosa, "hello@alder.example", Some("Alder"))
        .await;
    app.invite(&rosa, "hello@birch.example", Some("Birch"))
        .await;

    let owner = Browser::start_as("owner").await;
    log_in(&owner, &app, ROSA, "correct-horse-1").await;
    owner.wait_for_text("h1", "Clients").await;
    owner.click("Team").await;
    owner
        .choose(&format!("Clients {SAM} sees"), "Only assigned clients")
        .await;
    owner
        .wait_for_text("#toasts", "sees only the clients assigned")
        .await;
    owner.click("Clients").await;
    owner.click("Assign people to Alder").await;
    owner
        .wait_for_text("dialog.form-dialog", "Who handles Alder?")
        .await;
    owner.check(&format!("Sam ({SAM})")).await;
    owner.showcase("assign-people").await;
    owner.click("Save").await;
    owner
        .wait_for_text("main", "Handled by Rosa Ledger, Sam")
        .await;

    let member = Browser::start_as("member").await;
    log_in(&member, &app, SAM, "sam-password-12").await;
    member.wait_for_text("main", "Alder").await;
    let listed = member.wait_for_text("table", "Alder").await;
    assert!(!listed.contains("Birch"), "{listed}");
    owner.assert_no_console_errors().await;
    member.assert_no_console_errors().await;
}
