//! SPEC §3, method 3: the sign-up form creates the client account in `TRIAL`, its owner
//! (emailed a set-password link) and the partner's own `ADMIN` user with the partner's
//! password.

use e2e::{CREATE_CLIENT, RESET_PASSWORD, TestApp, USERS_EMAIL_ROLE, code_of, field_of, token_of};
use entity::{account, client, user};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::json;

#[tokio::test]
async fn the_sign_up_form_creates_the_account_its_owner_and_the_partners_own_admin_user() {
    let app = TestApp::spawn().await;
    let partner = app.partner("rosa@ledgerline.example").await;
    let c = app
        .create_client(
            &partner,
            "Corner Shop",
            "Cora Corner",
            "cora@cornershop.example",
        )
        .await;
    assert_eq!(c["status"], "TRIAL");
    assert_eq!(c["invitedVia"], "FORM");
    assert!(c["trialEndsAt"].is_string());
    assert_eq!(c["availableActions"], json!(["LOG_IN", "RESET_PASSWORD"]));
    let cid = c["companyId"].as_str().unwrap().to_owned();

    // The partner logs in to the client account with their own email and password.
    let res = app
        .log_in_as("rosa@ledgerline.example", "correct-horse-1", Some(&cid))
        .await;
    assert_eq!(res["user"]["role"], "ADMIN");
    assert_eq!(res["user"]["account"]["kind"], "CLIENT");
    let in_client = res["token"].as_str().unwrap();
    let users = app.ok(Some(in_client), USERS_EMAIL_ROLE, json!({})).await;
    assert_eq!(
        users["users"],
        json!([
            { "email": "cora@cornershop.example", "role": "OWNER" },
            { "email": "rosa@ledgerline.example", "role": "ADMIN" },
        ])
    );
    // One identity (SPEC §12): the partner's seat holds no password of its own; the
    // log-in above checked the partner's.
    let rows = user::Entity::find().all(app.db()).await.unwrap();
    let hashes: Vec<_> = rows
        .iter()
        .filter(|u| u.email == "rosa@ledgerline.example")
        .map(|u| u.password_hash.is_some())
        .collect();
    assert_eq!(
        hashes,
        vec![true, false],
        "the firm user's hash, then the seat's"
    );

    // The contact is emailed a set-password link that works once, then logs in.
    let mail = app
        .wait_for_mail("cora@cornershop.example", "set your password")
        .await;
    let link = mail
        .link("http://app.test/reset-password/")
        .expect("set-password link");
    app.reset_password(&link, "cora-password-1").await;
    assert_eq!(
        app.error_code(
            None,
            RESET_PASSWORD,
            json!({ "t": token_of(&link), "p": "cora-password-2" })
        )
        .await,
        "BAD_USER_INPUT"
    );
    let res = app
        .log_in_as("cora@cornershop.example", "cora-password-1", None)
        .await;
    assert_eq!(res["user"]["role"], "OWNER");
    assert_eq!(res["user"]["account"]["companyId"], cid.as_str());
}

#[tokio::test]
async fn the_sign_up_form_refuses_bad_input_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let partner = app.partner("rosa@ledgerline.example").await;
    for (input, field) in [
        (
            json!({ "companyName": "Shop", "contactName": "C", "contactEmail": "nope" }),
            "contactEmail",
        ),
        (
            json!({ "companyName": " ", "contactName": "C", "contactEmail": "c@shop.example" }),
            "companyName",
        ),
        (
            json!({ "companyName": "Shop", "contactName": "C", "contactEmail": "rosa@ledgerline.example" }),
            "contactEmail",
        ),
    ] {
        let b = app
            .gql(Some(&partner), CREATE_CLIENT, json!({ "input": input }))
            .await;
        assert_eq!(code_of(&b), "BAD_USER_INPUT", "{b}");
        assert_eq!(field_of(&b), field, "{b}");
    }
    assert_eq!(account::Entity::find().count(app.db()).await.unwrap(), 1);
    assert_eq!(client::Entity::find().count(app.db()).await.unwrap(), 0);
}
