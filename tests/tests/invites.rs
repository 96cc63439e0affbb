//! SPEC §3, inviting clients by email (a single-use link that creates the account) and
//! by the partner's unique invite link (until it is regenerated).

use e2e::{
    ACCEPT_INVITE, CLIENTS, INVITE, INVITE_LINK, ME, REGENERATE_INVITE_LINK, SIGN_UP,
    STATUS_COUNTS, TestApp, code_of, field_of, listed_emails, message_of, token_of,
};
use entity::{account, client, user};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{Value, json};

#[tokio::test]
async fn an_email_invite_lists_the_client_as_invited_and_sends_a_working_link() {
    let app = TestApp::spawn().await;
    let partner = app.partner("rosa@ledgerline.example").await;
    let c = app
        .invite(&partner, "Hello@BakersRow.example", Some("Bakers Row Cafe"))
        .await;
    assert_eq!(c["status"], "INVITED");
    assert_eq!(c["invitedVia"], "EMAIL");
    assert_eq!(c["email"], "hello@bakersrow.example");
    assert_eq!(c["companyId"], Value::Null);
    assert_eq!(
        c["availableActions"],
        json!(["RESEND_INVITE", "REVOKE_INVITE", "REMOVE"])
    );
    assert!(c["lastInviteSentAt"].is_string());

    // It is in the list at once.
    let list = app.ok(Some(&partner), CLIENTS, json!({})).await;
    assert_eq!(listed_emails(&list), vec!["hello@bakersrow.example"]);

    // The email carries a single-use link under PUBLIC_URL; following it creates the account.
    let mail = app
        .wait_for_mail("hello@bakersrow.example", "invites you")
        .await;
    assert!(
        mail.subject.starts_with("Ledger & Line"),
        "{}",
        mail.subject
    );
    let link = mail
        .link("http://app.test/invite/")
        .expect("invite link in the email");
    let accepted = app
        .ok(None, ACCEPT_INVITE, json!({ "token": token_of(&link), "input": {
            "companyName": "Bakers Row Cafe Ltd", "name": "Bea Baker", "password": "bea-password-1" }}))
        .await["acceptInvite"]
        .clone();
    assert_eq!(accepted["user"]["role"], "OWNER");
    assert_eq!(accepted["user"]["email"], "hello@bakersrow.example");
    assert_eq!(accepted["user"]["account"]["kind"], "CLIENT");
    assert_eq!(accepted["user"]["account"]["platform"], "V2");
    let me = app.ok(accepted["token"].as_str(), ME, json!({})).await;
    assert_eq!(me["me"]["account"]["name"], "Bakers Row Cafe Ltd");

    // The row moved to TRIAL with a trial end and the client's Company ID.
    let c = app.client(&partner, &c["id"]).await;
    assert_eq!(c["status"], "TRIAL");
    assert_eq!(c["companyId"], accepted["user"]["account"]["companyId"]);
    assert_eq!(c["name"], "Bakers Row Cafe Ltd");
    let ends = chrono::DateTime::parse_from_rfc3339(c["trialEndsAt"].as_str().unwrap()).unwrap();
    let days = (ends.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_hours() as f64 / 24.0;
    assert!((13.9..=14.1).contains(&days), "{days}");
    // The partner has no user in an account created by invite: no Log in yet, but they
    // can ask the client for access (SPEC §13).
    assert_eq!(c["availableActions"], json!(["REQUEST_ACCESS"]));

    // The link works once.
    let again = app
        .gql(
            None,
            ACCEPT_INVITE,
            json!({ "token": token_of(&link), "input": {
            "companyName": "X", "name": "Y", "password": "bea-password-1" }}),
        )
        .await;
    assert_eq!(code_of(&again), "BAD_USER_INPUT");
    assert_eq!(
        account::Entity::find().count(app.db()).await.unwrap(),
        2,
        "no second client account"
    );
}

#[tokio::test]
async fn unknown_tokens_get_one_answer_and_an_expired_link_says_it_expired() {
    let app = TestApp::spawn().await;
    let partner = app.partner("rosa@ledgerline.example").await;
    let invited = app.invite(&partner, "hello@bakersrow.example", None).await;
    let link = app.invite_link_mailed_to("hello@bakersrow.example").await;
    // Expire it.
    app.expire_invite(&invited["id"], chrono::Duration::seconds(1))
        .await;
    let input = json!({ "companyName": "X", "name": "Y", "password": "bea-password-1" });
    let expired = app
        .gql(
            None,
            ACCEPT_INVITE,
            json!({ "token": token_of(&link), "input": input }),
        )
        .await;
    let unknown = app
        .gql(
            None,
            ACCEPT_INVITE,
            json!({ "token": "A".repeat(43), "input": input }),
        )
        .await;
    let garbage = app
        .gql(
            None,
            ACCEPT_INVITE,
            json!({ "token": "<script>", "input": input }),
        )
        .await;
    for b in [&expired, &unknown, &garbage] {
        assert_eq!(code_of(b), "BAD_USER_INPUT", "{b}");
    }
    // A token nobody holds learns nothing: unknown and malformed ones get one answer.
    assert_eq!(message_of(&garbage), message_of(&unknown));
    // The holder of a real link that expired is told so (issue 16), and what to do.
    let said = message_of(&expired);
    assert!(said.contains("expired on"), "{said}");
    assert!(said.contains("accountant"), "{said}");
    assert_ne!(message_of(&expired), message_of(&unknown));
    assert_eq!(
        user::Entity::find().count(app.db()).await.unwrap(),
        1,
        "nothing created"
    );
}

#[tokio::test]
async fn inviting_an_existing_client_again_is_a_conflict_and_bad_emails_are_refused() {
    let app = TestApp::spawn().await;
    let partner = app.partner("rosa@ledgerline.example").await;
    app.invite(&partner, "hello@bakersrow.example", None).await;
    let code = app
        .error_code(
            Some(&partner),
            INVITE,
            json!({ "email": "HELLO@bakersrow.example" }),
        )
        .await;
    assert_eq!(code, "CONFLICT");
    let code = app
        .error_code(Some(&partner), INVITE, json!({ "email": "not-an-email" }))
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert_eq!(client::Entity::find().count(app.db()).await.unwrap(), 1);
    // Another partner may invite the same business.
    let other = app.partner("other@elsewhere.example").await;
    app.invite(&other, "hello@bakersrow.example", None).await;
}

#[tokio::test]
async fn the_invite_link_signs_clients_up_to_that_partner_until_regenerated() {
    let app = TestApp::spawn().await;
    let partner = app.partner("rosa@ledgerline.example").await;
    let link = app.ok(Some(&partner), INVITE_LINK, json!({})).await["inviteLink"].clone();
    let code = link["code"].as_str().unwrap().to_owned();
    assert_eq!(link["url"], format!("http://app.test/join/{code}"));
    assert_eq!(
        app.ok(Some(&partner), INVITE_LINK, json!({})).await["inviteLink"]["code"],
        code.as_str(),
        "stable until regenerated"
    );

    let signup = |email: &str, code: &str| {
        json!({ "input": { "companyName": "Plumb Right", "name": "Pat", "email": email,
            "password": "pat-password-1", "isAccountantOrBookkeeper": false, "partnerCode": code }})
    };
    let p = app
        .ok(None, SIGN_UP, signup("office@plumbright.example", &code))
        .await;
    assert_eq!(p["signUp"]["user"]["account"]["kind"], "CLIENT");
    let list = app.ok(Some(&partner), CLIENTS, json!({})).await;
    let node = &list["clients"]["edges"][0]["node"];
    assert_eq!(node["email"], "office@plumbright.example");
    assert_eq!(node["status"], "TRIAL");
    assert_eq!(node["invitedVia"], "LINK");
    assert_eq!(
        node["companyId"],
        p["signUp"]["user"]["account"]["companyId"]
    );

    let new_code = app
        .ok(Some(&partner), REGENERATE_INVITE_LINK, json!({}))
        .await["regenerateInviteLink"]["code"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(new_code, code);
    let old = app
        .gql(None, SIGN_UP, signup("late@plumbright.example", &code))
        .await;
    assert_eq!(code_of(&old), "BAD_USER_INPUT");
    assert_eq!(field_of(&old), "partnerCode");
    let users_before = user::Entity::find().count(app.db()).await.unwrap();
    app.ok(None, SIGN_UP, signup("late@plumbright.example", &new_code))
        .await;
    assert_eq!(
        user::Entity::find().count(app.db()).await.unwrap(),
        users_before + 1
    );
    assert_eq!(
        app.ok(Some(&partner), STATUS_COUNTS, json!({})).await["clientStatusCounts"]["trial"],
        2
    );
}
