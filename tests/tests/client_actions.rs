//! SPEC §5 and §7: acting on clients (resend, log in as the partner's own user, reset
//! password), client admins managing their users, subscribing, the trial-expiry sweep,
//! and the audit log.

use e2e::{
    ACCEPT_INVITE, ADD_USER, AUDIT_LOG, CLIENT, CLIENTS_TOTAL, LOG_IN, LOG_IN_TO_CLIENT, LOG_OUT,
    ME, Options, REQUEST_PASSWORD_RESET, RESEND_INVITE, RESET_CLIENT_PASSWORD, RESET_PASSWORD,
    SET_USER_ACTIVE, SET_USER_ROLE, STATUS_COUNTS_WITHOUT_TOTAL, SUBSCRIBE, TestApp, token_of,
};
use entity::{client, invite};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use std::time::Duration;

/// A partner with one client created by the sign-up form, whose owner has set a password.
struct Setup {
    partner: String,
    client_id: Value,
    company_id: String,
    client_owner: String,
}

async fn setup(app: &TestApp) -> Setup {
    let partner = app.partner("rosa@ledgerline.example").await;
    let c = app
        .create_client(&partner, "Corner Shop", "Cora", "cora@cornershop.example")
        .await;
    let client_owner = app
        .activate("cora@cornershop.example", "cora-password-1")
        .await;
    Setup {
        partner,
        client_id: c["id"].clone(),
        company_id: c["companyId"].as_str().unwrap().to_owned(),
        client_owner,
    }
}

/// The variables with which Bea accepts the invite `link` for Bakers.
fn bea_accepts(link: &str) -> Value {
    json!({ "token": token_of(link), "input": {
        "companyName": "Bakers", "name": "Bea", "password": "bea-password-1" } })
}

#[tokio::test]
async fn resend_is_for_invited_clients_only_and_is_throttled_with_a_retry_hint() {
    let app = TestApp::spawn().await;
    let s = setup(&app).await;
    // A client with an account cannot be re-invited.
    let b = app
        .gql(
            Some(&s.partner),
            RESEND_INVITE,
            json!({ "id": s.client_id }),
        )
        .await;
    assert_eq!(b["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");

    let c = app
        .invite(&s.partner, "hello@bakersrow.example", None)
        .await;
    let first_link = app
        .wait_for_mail("hello@bakersrow.example", "invites you")
        .await
        .link("http://app.test/invite/")
        .unwrap();
    // Right after the invite: too soon.
    let b = app
        .gql(Some(&s.partner), RESEND_INVITE, json!({ "id": c["id"] }))
        .await;
    assert_eq!(b["errors"][0]["extensions"]["code"], "RATE_LIMITED", "{b}");
    let retry = b["errors"][0]["extensions"]["retryAfterSeconds"]
        .as_u64()
        .unwrap();
    assert!((290..=300).contains(&retry), "retry after {retry}");

    // Six minutes later (moved back in the database), it goes.
    let earlier = chrono::Utc::now() - chrono::Duration::minutes(6);
    client::Entity::update_many()
        .col_expr(client::Column::LastInviteSentAt, Expr::value(earlier))
        .exec(app.db())
        .await
        .unwrap();
    invite::Entity::update_many()
        .col_expr(invite::Column::CreatedAt, Expr::value(earlier))
        .exec(app.db())
        .await
        .unwrap();
    let before = app.mails().len();
    let r = app
        .ok(Some(&s.partner), RESEND_INVITE, json!({ "id": c["id"] }))
        .await["resendInvite"]
        .clone();
    assert_eq!(r["status"], "INVITED");
    let sent_at =
        chrono::DateTime::parse_from_rfc3339(r["lastInviteSentAt"].as_str().unwrap()).unwrap();
    assert!((chrono::Utc::now() - sent_at.with_timezone(&chrono::Utc)).num_seconds() < 10);

    // A new email with a new link; the old link no longer works, the new one does.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while app.mails().len() == before {
        assert!(std::time::Instant::now() < deadline, "no resent email");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let new_link = app
        .mails()
        .last()
        .unwrap()
        .link("http://app.test/invite/")
        .unwrap();
    assert_ne!(new_link, first_link);
    assert_eq!(
        app.error_code(None, ACCEPT_INVITE, bea_accepts(&first_link))
            .await,
        "BAD_USER_INPUT"
    );
    app.ok(None, ACCEPT_INVITE, bea_accepts(&new_link)).await;
}

#[tokio::test]
async fn at_most_ten_resends_a_day() {
    let app = TestApp::spawn().await;
    let partner = app.partner("rosa@ledgerline.example").await;
    let c = app.invite(&partner, "hello@bakersrow.example", None).await;
    let id: i64 = c["id"].as_str().unwrap().parse().unwrap();
    // Ten resends earlier today, each more than five minutes apart.
    for i in 1..=10 {
        invite::Entity::insert(invite::ActiveModel {
            client_id: sea_orm::ActiveValue::Set(id),
            token_hash: sea_orm::ActiveValue::Set(format!("{i:064}")),
            expires_at: sea_orm::ActiveValue::Set(chrono::Utc::now()),
            used_at: sea_orm::ActiveValue::Set(None),
            created_at: sea_orm::ActiveValue::Set(
                chrono::Utc::now() - chrono::Duration::minutes(60 + i * 6),
            ),
            ..Default::default()
        })
        .exec(app.db())
        .await
        .unwrap();
    }
    client::Entity::update_many()
        .col_expr(
            client::Column::LastInviteSentAt,
            Expr::value(chrono::Utc::now() - chrono::Duration::minutes(66)),
        )
        .exec(app.db())
        .await
        .unwrap();
    let b = app
        .gql(Some(&partner), RESEND_INVITE, json!({ "id": c["id"] }))
        .await;
    assert_eq!(b["errors"][0]["extensions"]["code"], "RATE_LIMITED", "{b}");
    let retry = b["errors"][0]["extensions"]["retryAfterSeconds"]
        .as_u64()
        .unwrap();
    // The oldest of the ten was 2 h ago: it leaves the window in about 22 h.
    assert!(
        (21 * 3600..=22 * 3600).contains(&retry),
        "retry after {retry}"
    );
}

#[tokio::test]
async fn log_in_to_client_opens_a_one_hour_session_as_the_partners_own_user() {
    let app = TestApp::spawn().await;
    let s = setup(&app).await;
    let r = app
        .ok(
            Some(&s.partner),
            LOG_IN_TO_CLIENT,
            json!({ "id": s.client_id }),
        )
        .await["logInToClient"]
        .clone();
    let t = r["token"].as_str().unwrap();
    let me = app.ok(Some(t), ME, json!({})).await["me"].clone();
    assert_eq!(me["email"], "rosa@ledgerline.example");
    assert_eq!(me["role"], "ADMIN");
    assert_eq!(me["account"]["companyId"], s.company_id.as_str());
    let expires = chrono::DateTime::parse_from_rfc3339(r["expiresAt"].as_str().unwrap()).unwrap();
    let mins = (expires.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_minutes();
    assert!((58..=60).contains(&mins), "expires in {mins} min");
    let session = entity::session::Entity::find()
        .filter(entity::session::Column::OpenedByUserId.is_not_null())
        .one(app.db())
        .await
        .unwrap()
        .expect("the session records who opened it");
    let partner_user = app.ok(Some(&s.partner), ME, json!({})).await["me"]["id"]
        .as_str()
        .unwrap()
        .parse::<i64>()
        .unwrap();
    assert_eq!(session.opened_by_user_id, Some(partner_user));
    // It cannot open another client session, and logOut works for it.
    assert_eq!(
        app.error_code(Some(t), LOG_IN_TO_CLIENT, json!({ "id": s.client_id }))
            .await,
        "FORBIDDEN"
    );
    assert_eq!(app.ok(Some(t), LOG_OUT, json!({})).await["logOut"], true);
    assert_eq!(
        app.error_code(Some(t), ME, json!({})).await,
        "UNAUTHENTICATED"
    );
}

#[tokio::test]
async fn demote_refuses_log_in_and_restore_allows_it_again() {
    let app = TestApp::spawn().await;
    let s = setup(&app).await;
    let partner_in_client = app
        .user_id(&s.client_owner, "rosa@ledgerline.example")
        .await;

    app.ok(
        Some(&s.client_owner),
        SET_USER_ROLE,
        json!({ "id": partner_in_client, "role": "EMPLOYEE" }),
    )
    .await;
    let b = app
        .gql(
            Some(&s.partner),
            LOG_IN_TO_CLIENT,
            json!({ "id": s.client_id }),
        )
        .await;
    assert_eq!(
        b["errors"][0]["extensions"]["code"],
        "PARTNER_USER_NOT_ADMIN"
    );
    assert!(
        b["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("EMPLOYEE"),
        "{b}"
    );
    let c = app
        .ok(Some(&s.partner), CLIENT, json!({ "id": s.client_id }))
        .await["client"]
        .clone();
    assert_eq!(
        c["availableActions"],
        json!(["RESET_PASSWORD"]),
        "Log in is not offered while demoted"
    );

    app.ok(
        Some(&s.client_owner),
        SET_USER_ROLE,
        json!({ "id": partner_in_client, "role": "ADMIN" }),
    )
    .await;
    app.log_in_to_client(&s.partner, &s.client_id).await;
    let c = app
        .ok(Some(&s.partner), CLIENT, json!({ "id": s.client_id }))
        .await["client"]
        .clone();
    assert_eq!(c["availableActions"], json!(["LOG_IN", "RESET_PASSWORD"]));
}

#[tokio::test]
async fn deactivating_the_partners_user_refuses_log_in_and_ends_its_sessions() {
    let app = TestApp::spawn().await;
    let s = setup(&app).await;
    let open = app.log_in_to_client(&s.partner, &s.client_id).await;
    let partner_in_client = app
        .user_id(&s.client_owner, "rosa@ledgerline.example")
        .await;
    let r = app
        .ok(
            Some(&s.client_owner),
            SET_USER_ACTIVE,
            json!({ "id": partner_in_client, "a": false }),
        )
        .await;
    assert_eq!(r["setUserActive"]["active"], false);
    assert_eq!(
        app.error_code(Some(&open), ME, json!({})).await,
        "UNAUTHENTICATED",
        "its session ended"
    );
    let b = app
        .gql(
            Some(&s.partner),
            LOG_IN_TO_CLIENT,
            json!({ "id": s.client_id }),
        )
        .await;
    assert_eq!(
        b["errors"][0]["extensions"]["code"],
        "PARTNER_USER_INACTIVE"
    );
    assert_eq!(
        app.error_code(
            Some(&s.partner),
            RESET_CLIENT_PASSWORD,
            json!({ "id": s.client_id })
        )
        .await,
        "PARTNER_USER_INACTIVE"
    );
    let c = app
        .ok(Some(&s.partner), CLIENT, json!({ "id": s.client_id }))
        .await["client"]
        .clone();
    assert_eq!(c["availableActions"], json!([]));
    // The partner's own account is untouched.
    assert_eq!(
        app.ok(Some(&s.partner), ME, json!({})).await["me"]["account"]["kind"],
        "PARTNER"
    );
    app.ok(
        Some(&s.client_owner),
        SET_USER_ACTIVE,
        json!({ "id": partner_in_client, "a": true }),
    )
    .await;
    app.log_in_to_client(&s.partner, &s.client_id).await;
}

#[tokio::test]
async fn a_partner_with_no_user_in_the_client_account_is_told_so_until_one_is_added() {
    let app = TestApp::spawn().await;
    let partner = app.partner("rosa@ledgerline.example").await;
    let c = app.invite(&partner, "hello@bakersrow.example", None).await;
    // Still invited: no account at all.
    assert_eq!(
        app.error_code(Some(&partner), LOG_IN_TO_CLIENT, json!({ "id": c["id"] }))
            .await,
        "PARTNER_USER_MISSING"
    );
    let link = app
        .wait_for_mail("hello@bakersrow.example", "invites you")
        .await
        .link("http://app.test/invite/")
        .unwrap();
    let bea = app.ok(None, ACCEPT_INVITE, bea_accepts(&link)).await["acceptInvite"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let b = app
        .gql(Some(&partner), LOG_IN_TO_CLIENT, json!({ "id": c["id"] }))
        .await;
    assert_eq!(b["errors"][0]["extensions"]["code"], "PARTNER_USER_MISSING");
    assert!(
        b["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("rosa@ledgerline.example"),
        "{b}"
    );
    assert_eq!(
        app.error_code(
            Some(&partner),
            RESET_CLIENT_PASSWORD,
            json!({ "id": c["id"] })
        )
        .await,
        "PARTNER_USER_MISSING"
    );
    // The client's owner adds the partner as an ADMIN.
    app.add_user(&bea, "Rosa@LedgerLine.example", "Rosa", "ADMIN")
        .await;
    let r = app
        .ok(Some(&partner), LOG_IN_TO_CLIENT, json!({ "id": c["id"] }))
        .await;
    assert_eq!(r["logInToClient"]["user"]["role"], "ADMIN");
    // Another partner cannot act on this client at all.
    let other = app.partner("other@elsewhere.example").await;
    assert_eq!(
        app.error_code(Some(&other), LOG_IN_TO_CLIENT, json!({ "id": c["id"] }))
            .await,
        "NOT_FOUND"
    );
    assert_eq!(
        app.error_code(Some(&other), RESEND_INVITE, json!({ "id": c["id"] }))
            .await,
        "NOT_FOUND"
    );
    assert_eq!(
        app.error_code(
            Some(&other),
            RESET_CLIENT_PASSWORD,
            json!({ "id": c["id"] })
        )
        .await,
        "NOT_FOUND"
    );
}

#[tokio::test]
async fn reset_client_password_changes_only_the_partners_user_in_that_client() {
    let app = TestApp::spawn().await;
    let s = setup(&app).await;
    assert_eq!(
        app.ok(
            Some(&s.partner),
            RESET_CLIENT_PASSWORD,
            json!({ "id": s.client_id })
        )
        .await["resetClientPassword"],
        true
    );
    let mail = app
        .wait_for_mail(
            "rosa@ledgerline.example",
            "Reset your password for Corner Shop",
        )
        .await;
    assert!(mail.text.contains(&s.company_id));
    let link = mail.link("http://app.test/reset-password/").unwrap();
    // Throttled right after.
    let b = app
        .gql(
            Some(&s.partner),
            RESET_CLIENT_PASSWORD,
            json!({ "id": s.client_id }),
        )
        .await;
    assert_eq!(b["errors"][0]["extensions"]["code"], "RATE_LIMITED");
    assert!(
        b["errors"][0]["extensions"]["retryAfterSeconds"]
            .as_u64()
            .unwrap()
            <= 60
    );

    assert_eq!(
        app.ok(
            None,
            RESET_PASSWORD,
            json!({ "t": token_of(&link), "p": "new-client-pass-1" })
        )
        .await["resetPassword"],
        true
    );
    // Used twice: refused.
    assert_eq!(
        app.error_code(
            None,
            RESET_PASSWORD,
            json!({ "t": token_of(&link), "p": "other-pass-123" })
        )
        .await,
        "BAD_USER_INPUT"
    );
    // The client-account user has the new password; the partner account keeps the old one.
    let in_client = json!({ "email": "rosa@ledgerline.example", "password": "new-client-pass-1", "companyId": s.company_id });
    assert_eq!(
        app.ok(None, LOG_IN, in_client).await["logIn"]["user"]["role"],
        "ADMIN"
    );
    let old_in_client = json!({ "email": "rosa@ledgerline.example", "password": "correct-horse-1", "companyId": s.company_id });
    assert_eq!(
        app.error_code(None, LOG_IN, old_in_client).await,
        "UNAUTHENTICATED"
    );
    let partner = json!({ "email": "rosa@ledgerline.example", "password": "correct-horse-1" });
    assert_eq!(
        app.ok(None, LOG_IN, partner).await["logIn"]["user"]["account"]["kind"],
        "PARTNER"
    );
    // The partner session is still valid (only the client-account user's sessions end).
    assert_eq!(
        app.ok(Some(&s.partner), ME, json!({})).await["me"]["account"]["kind"],
        "PARTNER"
    );
}

#[tokio::test]
async fn an_expired_reset_link_is_refused() {
    let app = TestApp::spawn().await;
    let s = setup(&app).await;
    app.ok(
        Some(&s.partner),
        RESET_CLIENT_PASSWORD,
        json!({ "id": s.client_id }),
    )
    .await;
    let link = app
        .wait_for_mail("rosa@ledgerline.example", "Reset your password")
        .await
        .link("http://app.test/reset-password/")
        .unwrap();
    entity::password_token::Entity::update_many()
        .col_expr(
            entity::password_token::Column::ExpiresAt,
            Expr::value(chrono::Utc::now() - chrono::Duration::seconds(1)),
        )
        .exec(app.db())
        .await
        .unwrap();
    let b = app
        .gql(
            None,
            RESET_PASSWORD,
            json!({ "t": token_of(&link), "p": "new-client-pass-1" }),
        )
        .await;
    assert_eq!(b["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    assert_eq!(
        app.error_code(
            None,
            RESET_PASSWORD,
            json!({ "t": token_of(&link), "p": "short" })
        )
        .await,
        "BAD_USER_INPUT"
    );
}

#[tokio::test]
async fn request_password_reset_answers_the_same_for_known_and_unknown_emails() {
    let app = TestApp::spawn().await;
    app.partner("rosa@ledgerline.example").await;
    let known = app
        .gql(
            None,
            REQUEST_PASSWORD_RESET,
            json!({ "email": "ROSA@ledgerline.example" }),
        )
        .await;
    let unknown = app
        .gql(
            None,
            REQUEST_PASSWORD_RESET,
            json!({ "email": "nobody@ledgerline.example" }),
        )
        .await;
    let malformed = app
        .gql(
            None,
            REQUEST_PASSWORD_RESET,
            json!({ "email": "not an email" }),
        )
        .await;
    assert_eq!(known, json!({ "data": { "requestPasswordReset": true } }));
    assert_eq!(unknown, known);
    assert_eq!(malformed, known);
    let mail = app
        .wait_for_mail("rosa@ledgerline.example", "Reset your password")
        .await;
    let link = mail.link("http://app.test/reset-password/").unwrap();
    app.wait_reset_requests_settled().await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        app.mails()
            .iter()
            .all(|m| m.to != "nobody@ledgerline.example")
    );
    // Asked again at once: same answer, but no second email (throttled per user).
    let again = app
        .gql(
            None,
            REQUEST_PASSWORD_RESET,
            json!({ "email": "rosa@ledgerline.example" }),
        )
        .await;
    assert_eq!(again, known);
    app.wait_reset_requests_settled().await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        app.mails()
            .iter()
            .filter(|m| m.subject.contains("Reset"))
            .count(),
        1
    );
    // The link works, and ends the user's sessions.
    let session = app
        .log_in("rosa@ledgerline.example", "correct-horse-1")
        .await;
    app.ok(
        None,
        RESET_PASSWORD,
        json!({ "t": token_of(&link), "p": "brand-new-pass-1" }),
    )
    .await;
    assert_eq!(
        app.error_code(Some(&session), ME, json!({})).await,
        "UNAUTHENTICATED"
    );
    app.ok(
        None,
        LOG_IN,
        json!({ "email": "rosa@ledgerline.example", "password": "brand-new-pass-1" }),
    )
    .await;
}

/// `requestPasswordReset(email, companyId)` picks the user row in that company, the way
/// `logIn` does (SPEC §2); without it, the person's partner account. The worker settles
/// the request, so the choice travels with it.
#[tokio::test]
async fn request_password_reset_picks_the_account_by_company_id() {
    let app = TestApp::spawn().await;
    let s = setup(&app).await;
    let rosa = "rosa@ledgerline.example";
    let link_of = async |app: &TestApp| {
        let mail = app.wait_for_mail(rosa, "Reset your password").await;
        let link = mail.link("http://app.test/reset-password/").unwrap();
        app.clear_mails();
        (mail, link)
    };
    app.clear_mails();

    // With the client's Company ID: the link is for Rosa's ADMIN user in Corner Shop.
    app.ok(
        None,
        REQUEST_PASSWORD_RESET,
        json!({ "email": rosa, "companyId": s.company_id }),
    )
    .await;
    let (mail, link) = link_of(&app).await;
    assert!(mail.text.contains(&s.company_id), "{}", mail.text);
    app.ok(
        None,
        RESET_PASSWORD,
        json!({ "t": token_of(&link), "p": "client-side-pass-1" }),
    )
    .await;
    let client_side = app
        .ok(
            None,
            LOG_IN,
            json!({ "email": rosa, "password": "client-side-pass-1", "companyId": s.company_id }),
        )
        .await;
    assert_eq!(
        client_side["logIn"]["user"]["account"]["companyId"],
        s.company_id.as_str()
    );
    // Her partner account's password did not change.
    app.ok(
        None,
        LOG_IN,
        json!({ "email": rosa, "password": "correct-horse-1" }),
    )
    .await;

    // Without a Company ID: her partner account.
    app.ok(None, REQUEST_PASSWORD_RESET, json!({ "email": rosa }))
        .await;
    let (mail, link) = link_of(&app).await;
    assert!(!mail.text.contains(&s.company_id), "{}", mail.text);
    app.ok(
        None,
        RESET_PASSWORD,
        json!({ "t": token_of(&link), "p": "partner-side-pass-1" }),
    )
    .await;
    let partner_side = app
        .ok(
            None,
            LOG_IN,
            json!({ "email": rosa, "password": "partner-side-pass-1" }),
        )
        .await;
    assert_eq!(partner_side["logIn"]["user"]["account"]["kind"], "PARTNER");
    app.ok(
        None,
        LOG_IN,
        json!({ "email": rosa, "password": "client-side-pass-1", "companyId": s.company_id }),
    )
    .await;
}

#[tokio::test]
async fn client_admins_manage_users_and_the_owner_stays_owner() {
    let app = TestApp::spawn().await;
    let s = setup(&app).await;
    let added = app
        .add_user(
            &s.client_owner,
            "emil@cornershop.example",
            "Emil",
            "EMPLOYEE",
        )
        .await;
    assert_eq!(added["role"], "EMPLOYEE");
    assert_eq!(added["account"]["companyId"], s.company_id.as_str());
    // The new user sets a password from the emailed link, and logs in.
    let emil = app
        .activate("emil@cornershop.example", "emil-password-1")
        .await;

    // An EMPLOYEE (or MANAGER) cannot manage users or subscribe.
    let owner_id = app
        .user_id(&s.client_owner, "cora@cornershop.example")
        .await;
    assert_eq!(
        app.error_code(
            Some(&emil),
            ADD_USER,
            json!({ "input": { "email": "x@y.example", "name": "X", "role": "ADMIN" } })
        )
        .await,
        "FORBIDDEN"
    );
    assert_eq!(
        app.error_code(
            Some(&emil),
            SET_USER_ROLE,
            json!({ "id": added["id"], "role": "ADMIN" })
        )
        .await,
        "FORBIDDEN"
    );
    assert_eq!(
        app.error_code(
            Some(&emil),
            SET_USER_ACTIVE,
            json!({ "id": owner_id, "a": false })
        )
        .await,
        "FORBIDDEN"
    );
    assert_eq!(
        app.error_code(Some(&emil), SUBSCRIBE, json!({ "plan": "monthly" }))
            .await,
        "FORBIDDEN"
    );

    // The owner cannot be demoted or deactivated, and nobody else becomes OWNER.
    assert_eq!(
        app.error_code(
            Some(&s.client_owner),
            SET_USER_ROLE,
            json!({ "id": owner_id, "role": "ADMIN" })
        )
        .await,
        "BAD_USER_INPUT"
    );
    assert_eq!(
        app.error_code(
            Some(&s.client_owner),
            SET_USER_ACTIVE,
            json!({ "id": owner_id, "a": false })
        )
        .await,
        "BAD_USER_INPUT"
    );
    assert_eq!(
        app.error_code(
            Some(&s.client_owner),
            SET_USER_ROLE,
            json!({ "id": added["id"], "role": "OWNER" })
        )
        .await,
        "BAD_USER_INPUT"
    );
    assert_eq!(
        app.error_code(
            Some(&s.client_owner),
            ADD_USER,
            json!({ "input": { "email": "x@y.example", "name": "X", "role": "OWNER" } })
        )
        .await,
        "BAD_USER_INPUT"
    );
    assert_eq!(
        app.error_code(
            Some(&s.client_owner),
            ADD_USER,
            json!({ "input": { "email": "EMIL@cornershop.example", "name": "E", "role": "ADMIN" } })
        )
        .await,
        "CONFLICT"
    );
    // Users of other accounts are not found.
    let partner_own_id = app.ok(Some(&s.partner), ME, json!({})).await["me"]["id"].clone();
    assert_eq!(
        app.error_code(
            Some(&s.client_owner),
            SET_USER_ROLE,
            json!({ "id": partner_own_id, "role": "EMPLOYEE" })
        )
        .await,
        "NOT_FOUND"
    );
    assert_eq!(
        app.error_code(
            Some(&s.client_owner),
            SET_USER_ROLE,
            json!({ "id": "abc", "role": "EMPLOYEE" })
        )
        .await,
        "BAD_USER_INPUT"
    );

    // The partner's ADMIN user in the client account may manage users too.
    let as_partner = app.log_in_to_client(&s.partner, &s.client_id).await;
    let r = app
        .ok(
            Some(&as_partner),
            SET_USER_ROLE,
            json!({ "id": added["id"], "role": "MANAGER" }),
        )
        .await;
    assert_eq!(r["setUserRole"]["role"], "MANAGER");
    // Deactivating a user ends its sessions.
    app.ok(
        Some(&s.client_owner),
        SET_USER_ACTIVE,
        json!({ "id": added["id"], "a": false }),
    )
    .await;
    assert_eq!(
        app.error_code(Some(&emil), ME, json!({})).await,
        "UNAUTHENTICATED"
    );
    assert_eq!(
        app.error_code(
            None,
            LOG_IN,
            json!({ "email": "emil@cornershop.example", "password": "emil-password-1" })
        )
        .await,
        "UNAUTHENTICATED"
    );
}

#[tokio::test]
async fn subscribing_moves_the_client_to_paying_once() {
    let app = TestApp::spawn().await;
    let s = setup(&app).await;
    assert_eq!(
        app.error_code(
            Some(&s.client_owner),
            SUBSCRIBE,
            json!({ "plan": "platinum" })
        )
        .await,
        "BAD_USER_INPUT"
    );
    let r = app
        .ok(
            Some(&s.client_owner),
            SUBSCRIBE,
            json!({ "plan": "monthly" }),
        )
        .await;
    assert_eq!(r["subscribe"]["companyId"], s.company_id.as_str());
    let c = app
        .ok(Some(&s.partner), CLIENT, json!({ "id": s.client_id }))
        .await["client"]
        .clone();
    assert_eq!(c["status"], "PAYING");
    let b = app
        .gql(
            Some(&s.client_owner),
            SUBSCRIBE,
            json!({ "plan": "annual" }),
        )
        .await;
    assert_eq!(b["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    assert!(
        b["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("already paying")
    );
    // A partner account has nothing to subscribe to.
    assert_eq!(
        app.error_code(Some(&s.partner), SUBSCRIBE, json!({ "plan": "monthly" }))
            .await,
        "FORBIDDEN"
    );
    assert_eq!(
        app.error_code(None, SUBSCRIBE, json!({ "plan": "monthly" }))
            .await,
        "UNAUTHENTICATED"
    );
}

#[tokio::test]
async fn the_sweep_expires_exactly_the_unpaid_ended_trials_once_even_when_run_concurrently() {
    // Trials of 2 s; the periodic sweep is kept out of the way (1 day) so this test runs it.
    let app = TestApp::spawn_with(Options {
        extra_args: vec![
            "--trial-length".into(),
            "2s".into(),
            "--trial-sweep-every".into(),
            "1d".into(),
        ],
        ..Default::default()
    })
    .await;
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
    // Two sweepers at the same moment.
    let (r1, r2) = tokio::join!(
        worker::trials::sweep(app.db()),
        worker::trials::sweep(app.db())
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
    let again = worker::trials::sweep(app.db()).await.unwrap();
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
    let app = TestApp::spawn_with(Options {
        extra_args: vec![
            "--trial-length".into(),
            "1s".into(),
            "--trial-sweep-every".into(),
            "500ms".into(),
        ],
        ..Default::default()
    })
    .await;
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

#[tokio::test]
async fn the_audit_log_records_each_action_for_the_partner_owner_only() {
    let app = TestApp::spawn().await;
    let s = setup(&app).await;
    let c = app
        .invite(&s.partner, "hello@bakersrow.example", None)
        .await;
    let earlier = chrono::Utc::now() - chrono::Duration::minutes(6);
    client::Entity::update_many()
        .col_expr(client::Column::LastInviteSentAt, Expr::value(earlier))
        .exec(app.db())
        .await
        .unwrap();
    app.ok(Some(&s.partner), RESEND_INVITE, json!({ "id": c["id"] }))
        .await;
    app.log_in_to_client(&s.partner, &s.client_id).await;
    app.ok(
        Some(&s.partner),
        RESET_CLIENT_PASSWORD,
        json!({ "id": s.client_id }),
    )
    .await;
    let partner_in_client = app
        .user_id(&s.client_owner, "rosa@ledgerline.example")
        .await;
    app.ok(
        Some(&s.client_owner),
        SET_USER_ROLE,
        json!({ "id": partner_in_client, "role": "MANAGER" }),
    )
    .await;
    app.ok(
        Some(&s.client_owner),
        SET_USER_ACTIVE,
        json!({ "id": partner_in_client, "a": false }),
    )
    .await;
    app.ok(
        Some(&s.client_owner),
        SUBSCRIBE,
        json!({ "plan": "monthly" }),
    )
    .await;

    let log = app
        .ok(Some(&s.partner), AUDIT_LOG, json!({ "first": 50 }))
        .await["auditLog"]
        .clone();
    let events = log["edges"].as_array().unwrap();
    let actions: Vec<&str> = events
        .iter()
        .map(|e| e["node"]["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "client.subscribed",
            "user.deactivated",
            "user.role_changed",
            "client.password_reset_requested",
            "client.log_in",
            "client.invite_resent",
            "client.invited",
            "client.created",
        ],
        "newest first"
    );
    let log_in = &events[4]["node"];
    assert_eq!(log_in["actor"]["email"], "rosa@ledgerline.example");
    assert_eq!(log_in["actor"]["account"]["kind"], "PARTNER");
    assert_eq!(log_in["targetClient"]["email"], "cora@cornershop.example");
    assert_eq!(log_in["ip"], "127.0.0.1");
    assert!(!log_in["requestId"].as_str().unwrap().is_empty());
    let demoted = &events[2]["node"];
    assert_eq!(demoted["actor"]["email"], "cora@cornershop.example");
    assert!(
        demoted["detail"]
            .as_str()
            .unwrap()
            .contains("ADMIN → MANAGER"),
        "{demoted}"
    );

    // Pages.
    let p1 = app
        .ok(Some(&s.partner), AUDIT_LOG, json!({ "first": 3 }))
        .await["auditLog"]
        .clone();
    assert_eq!(p1["pageInfo"]["hasNextPage"], true);
    let p2 = app
        .ok(
            Some(&s.partner),
            AUDIT_LOG,
            json!({ "first": 3, "after": p1["pageInfo"]["endCursor"] }),
        )
        .await["auditLog"]
        .clone();
    assert_eq!(
        p2["edges"][0]["node"]["action"],
        "client.password_reset_requested"
    );
    assert_eq!(
        app.error_code(Some(&s.partner), AUDIT_LOG, json!({ "first": 0 }))
            .await,
        "BAD_USER_INPUT"
    );
    assert_eq!(
        app.error_code(Some(&s.partner), AUDIT_LOG, json!({ "after": "bogus" }))
            .await,
        "BAD_USER_INPUT"
    );

    // Nobody else reads it.
    let other = app.partner("other@elsewhere.example").await;
    assert!(
        app.ok(Some(&other), AUDIT_LOG, json!({})).await["auditLog"]["edges"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        app.error_code(Some(&s.client_owner), AUDIT_LOG, json!({}))
            .await,
        "FORBIDDEN"
    );
    assert_eq!(
        app.error_code(None, AUDIT_LOG, json!({})).await,
        "UNAUTHENTICATED"
    );
    // A partner ADMIN is not the owner.
    app.add_user(&s.partner, "sam@ledgerline.example", "Sam", "ADMIN")
        .await;
    let sam = app
        .activate("sam@ledgerline.example", "sam-password-12")
        .await;
    assert_eq!(
        app.error_code(Some(&sam), AUDIT_LOG, json!({})).await,
        "FORBIDDEN"
    );
    // …but as a client administrator of the firm, Sam invites and lists clients.
    app.invite(&sam, "new@client.example", None).await;
    assert_eq!(
        app.ok(Some(&sam), CLIENTS_TOTAL, json!({})).await["clients"]["totalCount"],
        3
    );
}
