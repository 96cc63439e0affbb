//! Issue 22 item 4: support's retries of failed email never undo a decision taken since
//! the email failed, and are told to the account the email belongs to; a removed staff
//! member comes back without their old password; `gateway staff add` prints links to
//! the gateway's own address when PUBLIC_URL is not set.

use e2e::{
    ACCEPT_INVITE, AUDIT_LOG, LOG_IN, RESEND_INVITE, REVOKE_INVITE, SET_USER_ACTIVE, SUPPORT_RETRY,
    TestApp, token_of,
};
use serde_json::{Value, json};

const INVITE_STATE: &str = "query($id: ID!) { client(id: $id) { inviteState } }";

/// Staff send delivery `d` again: the refusal's message, or a panic if it was sent.
async fn refused(app: &TestApp, staff: &str, d: &entity::delivery::Model) -> String {
    let body = app
        .gql(
            Some(staff),
            SUPPORT_RETRY,
            json!({ "id": d.id.to_string(), "r": "ticket #7" }),
        )
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{body}"
    );
    body["errors"][0]["message"].as_str().unwrap().to_owned()
}

async fn status_of(app: &TestApp, d: &entity::delivery::Model) -> entity::DeliveryStatus {
    use sea_orm::EntityTrait;
    entity::delivery::Entity::find_by_id(d.id)
        .one(app.db())
        .await
        .unwrap()
        .unwrap()
        .status
}

#[tokio::test]
async fn a_retry_never_undoes_what_the_partner_or_the_client_decided_since() {
    let app = TestApp::spawn_with_args(&["--resend-interval", "1ms"]).await;
    let owner = app.partner("rosa@ledgerline.example").await;
    let staff = app.staff("sam@support.example", "Sam Support").await;

    // Revoked by the partner after the email bounced.
    let bea = app.invite(&owner, "bea@bakery.example", None).await;
    let d = app.sent_delivery("invite", "bea@bakery.example").await;
    app.bounce(&d).await;
    app.ok(Some(&owner), REVOKE_INVITE, json!({ "id": bea["id"] }))
        .await;
    let why = refused(&app, &staff, &d).await;
    assert!(why.contains("revoked"), "{why}");
    assert_eq!(status_of(&app, &d).await, entity::DeliveryStatus::Failed);
    // The worker binary refuses it the same way, and the invite stays revoked.
    let out = app
        .worker_cli(&["retry-deliveries", "--id", &d.id.to_string()])
        .await;
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("revoked")
            || String::from_utf8_lossy(&out.stdout).contains("revoked"),
        "{out:?}"
    );
    let row = app
        .ok(Some(&owner), INVITE_STATE, json!({ "id": bea["id"] }))
        .await;
    assert_eq!(row["client"]["inviteState"], "REVOKED", "{row}");

    // Replaced: the partner sent a newer invite.
    let cal = app.invite(&owner, "cal@cafe.example", None).await;
    let d = app.sent_delivery("invite", "cal@cafe.example").await;
    app.bounce(&d).await;
    app.ok(Some(&owner), RESEND_INVITE, json!({ "id": cal["id"] }))
        .await;
    assert!(refused(&app, &staff, &d).await.contains("newer invite"));

    // Accepted since, through a newer invite.
    let dee = app.invite(&owner, "dee@deli.example", None).await;
    let d = app.sent_delivery("invite", "dee@deli.example").await;
    app.bounce(&d).await;
    app.ok(Some(&owner), RESEND_INVITE, json!({ "id": dee["id"] }))
        .await;
    let link = app
        .newest_mail("dee@deli.example", "invites you", 2)
        .await
        .link("http://app.test/invite/")
        .unwrap();
    app.ok(
        None,
        ACCEPT_INVITE,
        json!({ "token": token_of(&link), "input": {
            "companyName": "Deli", "name": "Dee", "password": "dee-password-1" } }),
    )
    .await;
    assert!(refused(&app, &staff, &d).await.contains("accepted"));

    // A set-password email of a user made inactive since.
    app.add_user(&owner, "eve@ledgerline.example", "Eve", "ADMIN")
        .await;
    let d = app
        .sent_delivery("set_password", "eve@ledgerline.example")
        .await;
    app.bounce(&d).await;
    let eve = app.user_id(&owner, "eve@ledgerline.example").await;
    app.ok(
        Some(&owner),
        SET_USER_ACTIVE,
        json!({ "id": eve, "a": false }),
    )
    .await;
    assert!(refused(&app, &staff, &d).await.contains("inactive"));

    // A set-password email whose user set a password since (through a reset link).
    app.add_user(&owner, "fay@ledgerline.example", "Fay", "ADMIN")
        .await;
    let d = app
        .sent_delivery("set_password", "fay@ledgerline.example")
        .await;
    app.bounce(&d).await;
    app.reset_password_by_mail("fay@ledgerline.example", "fay-password-12")
        .await;
    assert!(refused(&app, &staff, &d).await.contains("set a password"));
}

#[tokio::test]
async fn a_retry_is_told_to_the_account_the_email_belongs_to() {
    let app = TestApp::spawn().await;
    let rosa = app.partner("rosa@ledgerline.example").await;
    // Another firm whose owner has the address the invite goes to.
    let other = app.partner("bea@bakery.example").await;
    let staff = app.staff("sam@support.example", "Sam Support").await;
    app.invite(&rosa, "bea@bakery.example", None).await;
    let d = app.sent_delivery("invite", "bea@bakery.example").await;
    app.bounce(&d).await;
    app.ok(
        Some(&staff),
        SUPPORT_RETRY,
        json!({ "id": d.id.to_string(), "r": "ticket #8 about Rosa's invite" }),
    )
    .await;
    let seen = entries(&app, &rosa, "support.retried_delivery").await;
    assert_eq!(seen.len(), 1, "the inviting partner is told");
    assert_eq!(seen[0]["targetClient"]["email"], "bea@bakery.example");
    assert!(
        entries(&app, &other, "support.retried_delivery")
            .await
            .is_empty(),
        "the firm that merely shares the address is not"
    );
}

async fn entries(app: &TestApp, owner: &str, action: &str) -> Vec<Value> {
    let log = app
        .ok(Some(owner), AUDIT_LOG, json!({ "first": 100 }))
        .await;
    log["auditLog"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"].clone())
        .filter(|n| n["action"] == action)
        .collect()
}

#[tokio::test]
async fn a_removed_staff_member_comes_back_without_the_old_password() {
    let app = TestApp::spawn().await;
    app.staff("sam@support.example", "Sam Support").await;
    let out = app
        .gateway_cli(&["staff", "remove", "--email", "sam@support.example"])
        .await;
    assert!(out.status.success(), "{out:?}");
    let out = app
        .gateway_cli(&[
            "staff",
            "add",
            "--email",
            "sam@support.example",
            "--name",
            "Sam",
        ])
        .await;
    assert!(out.status.success(), "{out:?}");
    // The password Sam had before the removal no longer opens anything.
    let body = app
        .gql(
            None,
            LOG_IN,
            json!({ "email": "sam@support.example", "password": "staff-pass-12345" }),
        )
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
        "{body}"
    );
    // The fresh link (in the second set-password email) sets a new one, which works.
    let link = app
        .newest_mail("sam@support.example", "set your password", 2)
        .await
        .link("http://app.test/reset-password/")
        .unwrap();
    app.ok(
        None,
        e2e::RESET_PASSWORD,
        serde_json::json!({ "t": token_of(&link), "p": "a-new-staff-password" }),
    )
    .await;
    app.log_in("sam@support.example", "a-new-staff-password")
        .await;
}

#[tokio::test]
async fn staff_add_without_public_url_prints_a_link_to_the_gateways_own_address() {
    let app = TestApp::spawn().await;
    let port = e2e::free_port();
    let mut args: Vec<String> = Vec::new();
    let mut it = app.args().iter().cloned();
    while let Some(a) = it.next() {
        if a == "--public-url" {
            it.next();
        } else {
            args.push(a);
        }
    }
    args.extend(["--listen-addr".into(), format!("127.0.0.1:{port}")]);
    args.extend(
        [
            "staff",
            "add",
            "--email",
            "ann@support.example",
            "--name",
            "Ann",
        ]
        .map(str::to_owned),
    );
    let out = tokio::process::Command::new(e2e::binary("gateway"))
        .args(&args)
        .env_remove("PUBLIC_URL")
        .output()
        .await
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(
        printed.contains(&format!("http://127.0.0.1:{port}/reset-password/")),
        "{printed}"
    );
}
