//! SPEC §9, issues 15 and 22 item 4: support staff send a failed email again, once, with
//! a reason the partner owner reads, and a failed invite goes with a fresh link that
//! works; a retry never undoes a decision taken since the email failed, and is told to
//! the account the email belongs to. Nobody else may.

use e2e::{SUPPORT_RETRY, TestApp, code_of, message_of};
use entity::DeliveryStatus;
use entity::delivery::{self, Entity as Delivery};
use sea_orm::EntityTrait;
use serde_json::json;

const INVITE_STATE: &str = "query($id: ID!) { client(id: $id) { inviteState } }";

/// Staff send delivery `id` again with reason `r`: the whole answer.
async fn retry(app: &TestApp, staff: &str, id: i64, r: &str) -> serde_json::Value {
    let vars = json!({ "id": id.to_string(), "r": r });
    app.gql(Some(staff), SUPPORT_RETRY, vars).await
}

/// Staff send delivery `d` again: the refusal's message, or a panic if it was sent.
async fn refused(app: &TestApp, staff: &str, d: &delivery::Model) -> String {
    let body = retry(app, staff, d.id, "ticket #7").await;
    assert_eq!(code_of(&body), "BAD_USER_INPUT", "{body}");
    message_of(&body).to_owned()
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
    app.revoke_invite(&owner, &bea["id"]).await;
    let why = refused(&app, &staff, &d).await;
    assert!(why.contains("revoked"), "{why}");
    assert_eq!(app.delivery(d.id).await.status, DeliveryStatus::Failed);
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
    app.resend_invite(&owner, &cal["id"]).await;
    assert!(refused(&app, &staff, &d).await.contains("newer invite"));

    // Accepted since, through a newer invite.
    let dee = app.invite(&owner, "dee@deli.example", None).await;
    let d = app.sent_delivery("invite", "dee@deli.example").await;
    app.bounce(&d).await;
    app.resend_invite(&owner, &dee["id"]).await;
    let link = app
        .newest_mail("dee@deli.example", "invites you", 2)
        .await
        .link("http://app.test/invite/")
        .unwrap();
    app.accept_invite(&link, "Deli", "Dee", "dee-password-1")
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
    app.set_user_active(&owner, &eve, false).await;
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
    let answer = retry(&app, &staff, d.id, "ticket #8 about Rosa's invite").await;
    assert!(answer.get("errors").is_none(), "{answer}");
    let seen = app.audit_entries(&rosa, "support.retried_delivery").await;
    assert_eq!(seen.len(), 1, "the inviting partner is told");
    assert_eq!(seen[0]["targetClient"]["email"], "bea@bakery.example");
    assert!(
        app.audit_entries(&other, "support.retried_delivery")
            .await
            .is_empty(),
        "the firm that merely shares the address is not"
    );
}

/// An invite to hello@bakersrow.example that the mail server refused for good (a real
/// 550 in the server modes; recorded as the sender records one for the `.eml` outbox,
/// which cannot bounce): its delivery as first written (with its link), and as it is now.
async fn a_refused_invite(app: &TestApp, owner: &str) -> (delivery::Model, delivery::Model) {
    if let Some(smtp) = &app.smtp {
        smtp.answer(e2e::SmtpAnswer::Permanent);
    }
    app.invite(owner, "hello@bakersrow.example", None).await;
    let d = app.newest_delivery("invite").await;
    let failed = if let Some(smtp) = &app.smtp {
        let failed = app.wait_delivery(d.id, DeliveryStatus::Failed).await;
        smtp.answer(e2e::SmtpAnswer::Accept);
        failed
    } else {
        app.wait_delivery(d.id, DeliveryStatus::Sent).await;
        app.fail_delivery(&d, "smtp: 550 5.7.1 delivery not authorized")
            .await;
        app.delivery(d.id).await
    };
    (d, failed)
}

#[tokio::test]
async fn staff_send_a_failed_invite_again_once_with_a_fresh_link_that_works() {
    let app = TestApp::spawn().await;
    let owner = app.partner("rosa@ledgerline.example").await;
    let staff = app.staff("sam@support.example", "Sam Support").await;
    let (d, failed) = a_refused_invite(&app, &owner).await;
    assert!(
        failed.payload.contains(worker::mail::REDACTED),
        "a failed email keeps no link"
    );
    let id = d.id.to_string();
    let original: worker::Mail = serde_json::from_str(&d.payload).unwrap();

    let r = app
        .ok(
            Some(&staff),
            SUPPORT_RETRY,
            json!({ "id": id, "r": "ticket #91" }),
        )
        .await;
    assert_eq!(r["supportRetryDelivery"]["id"], id.as_str());
    assert_eq!(r["supportRetryDelivery"]["status"], "PENDING");
    assert_eq!(r["supportRetryDelivery"]["attempts"], 0);
    app.wait_delivery(d.id, DeliveryStatus::Sent).await;
    let link = app.invite_link_mailed_to("hello@bakersrow.example").await;
    let worker::Mail::Invite { link: first, .. } = original else {
        panic!("an invite")
    };
    assert_ne!(link, first, "a fresh link, not the removed one");
    // The fresh link works.
    let accepted = app
        .accept_invite(&link, "Baker's Row", "Bea", "bea-pass-12345")
        .await;
    assert_eq!(accepted["user"]["role"], "OWNER");

    // Once: it is not FAILED any more.
    let body = retry(&app, &staff, d.id, "again").await;
    assert_eq!(code_of(&body), "BAD_USER_INPUT");
    assert!(message_of(&body).contains("SENT"), "{body}");
    // The partner owner reads it, about the client.
    let seen = app.audit_entries(&owner, "support.retried_delivery").await;
    assert_eq!(seen.len(), 1);
    assert!(seen[0]["detail"].as_str().unwrap().contains("ticket #91"));
    assert_eq!(seen[0]["targetClient"]["email"], "hello@bakersrow.example");
    an_invite_that_does_not_say_whom_it_was_for_is_refused(&app, &staff).await;
    who_may_retry(&app, &staff, &owner, &id).await;
}

/// Refusals: an unknown delivery, a partner owner, nobody.
async fn who_may_retry(app: &TestApp, staff: &str, owner: &str, id: &str) {
    assert_eq!(
        app.error_code(
            Some(staff),
            SUPPORT_RETRY,
            json!({ "id": "999999", "r": "t" })
        )
        .await,
        "NOT_FOUND"
    );
    assert_eq!(
        app.error_code(Some(owner), SUPPORT_RETRY, json!({ "id": id, "r": "t" }))
            .await,
        "FORBIDDEN"
    );
    assert_eq!(
        app.error_code(None, SUPPORT_RETRY, json!({ "id": id, "r": "t" }))
            .await,
        "UNAUTHENTICATED"
    );
}

/// A failed email whose link was removed and that does not say whom it was for (one
/// written before that was recorded): refused, saying what to do instead; unchanged.
async fn an_invite_that_does_not_say_whom_it_was_for_is_refused(app: &TestApp, staff: &str) {
    let legacy = worker::Mail::Invite {
        to: "old@client.example".into(),
        partner_name: "Ledger & Line".into(),
        company_name: None,
        link: worker::mail::REDACTED.into(),
        client_id: None,
    };
    // Written FAILED at once, so no worker takes it meanwhile.
    let now = chrono::Utc::now();
    let old_id = Delivery::insert(delivery::ActiveModel {
        kind: sea_orm::Set("invite".into()),
        recipient: sea_orm::Set("old@client.example".into()),
        payload: sea_orm::Set(serde_json::to_string(&legacy).unwrap()),
        status: sea_orm::Set(DeliveryStatus::Failed),
        attempts: sea_orm::Set(10),
        next_attempt_at: sea_orm::Set(now),
        queued_at: sea_orm::Set(None),
        sent_at: sea_orm::Set(None),
        last_error: sea_orm::Set(Some("smtp: 550 5.1.1 no such mailbox".into())),
        created_at: sea_orm::Set(now),
        claimed_until: sea_orm::Set(None),
        ..Default::default()
    })
    .exec(app.db())
    .await
    .unwrap()
    .last_insert_id;
    let body = retry(app, staff, old_id, "ticket #92").await;
    assert_eq!(code_of(&body), "BAD_USER_INPUT");
    assert!(message_of(&body).contains("resend the invite"), "{body}");
    let unchanged = app.wait_delivery(old_id, DeliveryStatus::Failed).await;
    assert_eq!(unchanged.attempts, 10, "unchanged");
}
