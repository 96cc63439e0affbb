//! SPEC §5 (a partner firm's people in its clients' accounts): when the firm deactivates
//! one of its users, that person's way into the firm's client accounts closes with it:
//! every session they opened (their own, and every `logInToClient` session) ends at once,
//! and their user rows in the client accounts (made by the sign-up form with the same
//! password) stop working for log-in until the firm reactivates them. A client admin's
//! own decision about that row stays the client's.

use e2e::{LOG_IN, ME, TestApp, try_code_of};
use serde_json::{Value, json};

async fn log_in_to(app: &TestApp, company_id: &str) -> Value {
    app.gql(
        None,
        LOG_IN,
        json!({ "email": "sam@ledgerline.example", "password": "sam-password-12", "companyId": company_id }),
    )
    .await
}

fn code(b: &Value) -> &str {
    try_code_of(b).unwrap_or("ok")
}

#[tokio::test]
async fn deactivating_a_partner_user_closes_their_way_into_every_client_account() {
    let app = TestApp::spawn().await;
    let owner = app.partner("rosa@ledgerline.example").await;
    app.add_user(&owner, "sam@ledgerline.example", "Sam", "ADMIN")
        .await;
    let sam = app
        .activate("sam@ledgerline.example", "sam-password-12")
        .await;
    let c = app
        .create_client(&sam, "Corner Shop", "Cora", "cora@cornershop.example")
        .await;
    let company_id = c["companyId"].as_str().unwrap().to_owned();
    let through_partner = app.log_in_to_client(&sam, &c["id"]).await;
    assert_eq!(code(&log_in_to(&app, &company_id).await), "ok");
    let direct = log_in_to(&app, &company_id).await["data"]["logIn"]["token"]
        .as_str()
        .unwrap()
        .to_owned();

    let sam_id = app.user_id(&owner, "sam@ledgerline.example").await;
    app.set_user_active(&owner, &sam_id, false).await;
    for token in [&sam, &through_partner, &direct] {
        assert_eq!(
            app.error_code(Some(token), ME, json!({})).await,
            "UNAUTHENTICATED",
            "every session of Sam's ends"
        );
    }
    let refused = log_in_to(&app, &company_id).await;
    assert_eq!(code(&refused), "UNAUTHENTICATED", "{refused}");

    // The firm takes Sam back: the client account works again.
    app.set_user_active(&owner, &sam_id, true).await;
    assert_eq!(code(&log_in_to(&app, &company_id).await), "ok");

    // The client deactivates Sam's row there; the firm's off-and-on does not undo that.
    let cora = app
        .activate("cora@cornershop.example", "cora-password-1")
        .await;
    let sam_there = app.user_id(&cora, "sam@ledgerline.example").await;
    app.set_user_active(&cora, &sam_there, false).await;
    app.set_user_active(&owner, &sam_id, false).await;
    app.set_user_active(&owner, &sam_id, true).await;
    assert_eq!(code(&log_in_to(&app, &company_id).await), "UNAUTHENTICATED");
    // Sam's own partner account works.
    app.log_in("sam@ledgerline.example", "sam-password-12")
        .await;
}

/// Issue 22 item 7: demoting a firm's ADMIN, or a new password for them, ends their
/// sessions in the firm's client accounts at once (the one-identity issue removes the
/// seats' copied passwords).
#[tokio::test]
async fn a_demotion_or_a_new_password_ends_a_partner_users_client_sessions() {
    let app = TestApp::spawn().await;
    let owner = app.partner("rosa@ledgerline.example").await;
    app.add_user(&owner, "sam@ledgerline.example", "Sam", "ADMIN")
        .await;
    let sam = app
        .activate("sam@ledgerline.example", "sam-password-12")
        .await;
    let c = app
        .create_client(&sam, "Corner Shop", "Cora", "cora@cornershop.example")
        .await;
    let company_id = c["companyId"].as_str().unwrap().to_owned();
    let sam_id = app.user_id(&owner, "sam@ledgerline.example").await;

    // A demotion below ADMIN.
    let through_partner = app.log_in_to_client(&sam, &c["id"]).await;
    let direct = log_in_to(&app, &company_id).await["data"]["logIn"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    app.set_user_role(&owner, &sam_id, "MANAGER").await;
    for token in [&through_partner, &direct] {
        assert_eq!(
            app.error_code(Some(token), ME, json!({})).await,
            "UNAUTHENTICATED",
            "Sam's client sessions end with the demotion"
        );
    }

    // A new password for the firm's user, through a reset link.
    app.set_user_role(&owner, &sam_id, "ADMIN").await;
    let sam = app
        .log_in("sam@ledgerline.example", "sam-password-12")
        .await;
    let through_partner = app.log_in_to_client(&sam, &c["id"]).await;
    app.reset_password_by_mail("sam@ledgerline.example", "sam-new-password-1")
        .await;
    assert_eq!(
        app.error_code(Some(&through_partner), ME, json!({})).await,
        "UNAUTHENTICATED",
        "Sam's client sessions end with the new password"
    );
}
