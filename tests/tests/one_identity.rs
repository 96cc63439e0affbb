//! Issue 25 item 1 (SPEC §12): one identity per person. A firm person's seat in a client
//! account has no password of its own: signing in there checks the person's own password
//! and works only while they are an active OWNER or ADMIN of the firm. A password change
//! or reset reaches every seat at once, with the sessions there; the old password opens
//! nothing. The migration drops the hashes the sign-up form used to copy into seats.

use e2e::{CHANGE_PASSWORD, LOG_IN, ME, TestApp, code_of};
use migration::MigratorTrait;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};

const ROSA: &str = "rosa@ledgerline.example";
const OLD: &str = "correct-horse-1";
const NEW: &str = "staple-battery-2";

/// `logIn` into the client account `company_id` as Rosa with `password`: the answer.
async fn rosa_into(app: &TestApp, company_id: &str, password: &str) -> Value {
    let vars = json!({ "email": ROSA, "password": password, "companyId": company_id });
    app.gql(None, LOG_IN, vars).await
}

fn change(current: &str, new: &str) -> Value {
    json!({ "current": current, "new": new })
}

#[tokio::test]
async fn a_changed_password_reaches_the_seat_at_once_and_the_old_one_opens_nothing() {
    let app = TestApp::spawn().await;
    let s = app.partner_with_client().await;
    // Rosa's seat in Corner Shop opens with her own password; two client sessions and a
    // second firm session are open.
    let direct = rosa_into(&app, &s.company_id, OLD).await;
    assert_eq!(direct["data"]["logIn"]["user"]["role"], "ADMIN", "{direct}");
    let direct = direct["data"]["logIn"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let through_partner = app.log_in_to_client(&s.partner, &s.client_id).await;
    let other_tab = app.log_in(ROSA, OLD).await;

    // Refusals change nothing.
    let wrong = app
        .gql(
            Some(&s.partner),
            CHANGE_PASSWORD,
            change("not-my-password", NEW),
        )
        .await;
    assert_eq!(code_of(&wrong), "BAD_USER_INPUT", "{wrong}");
    assert_eq!(wrong["errors"][0]["extensions"]["field"], "currentPassword");
    let short = app
        .gql(Some(&s.partner), CHANGE_PASSWORD, change(OLD, "short"))
        .await;
    assert_eq!(short["errors"][0]["extensions"]["field"], "newPassword");
    assert_eq!(
        code_of(&app.gql(None, CHANGE_PASSWORD, change(OLD, NEW)).await),
        "UNAUTHENTICATED"
    );
    // A session opened from the dashboard changes nothing: the firm's page is the place.
    let from_client = app
        .gql(Some(&through_partner), CHANGE_PASSWORD, change(OLD, NEW))
        .await;
    assert_eq!(code_of(&from_client), "FORBIDDEN", "{from_client}");
    assert!(rosa_into(&app, &s.company_id, OLD).await["errors"].is_null());

    let done = app
        .ok(Some(&s.partner), CHANGE_PASSWORD, change(OLD, NEW))
        .await;
    assert_eq!(done["changePassword"], true);
    // The session that asked stays; every other one ended, in the client account too.
    assert_eq!(app.me(Some(&s.partner)).await["email"], ROSA);
    for (what, token) in [
        ("the seat's session", &direct),
        ("the logInToClient session", &through_partner),
        ("the other firm session", &other_tab),
    ] {
        let me = app.gql(Some(token), ME, json!({})).await;
        assert_eq!(code_of(&me), "UNAUTHENTICATED", "{what} still works: {me}");
    }
    // The old password opens neither the firm nor the seat; the new one opens both.
    let old_firm = json!({ "email": ROSA, "password": OLD });
    assert_eq!(
        app.error_code(None, LOG_IN, old_firm).await,
        "UNAUTHENTICATED"
    );
    let old_seat = rosa_into(&app, &s.company_id, OLD).await;
    assert_eq!(code_of(&old_seat), "UNAUTHENTICATED", "{old_seat}");
    let seat = rosa_into(&app, &s.company_id, NEW).await;
    assert_eq!(
        seat["data"]["logIn"]["user"]["account"]["companyId"],
        s.company_id.as_str()
    );
    app.log_in(ROSA, NEW).await;

    // Rosa hears of it, and it is in the firm's audit log.
    let mail = app
        .wait_for_mail(ROSA, "Your password was changed (Ledger & Line)")
        .await;
    assert!(
        mail.text.contains("If it was not, reset your password"),
        "{}",
        mail.text
    );
    let entries = app.audit_entries(&s.partner, "user.password_changed").await;
    assert_eq!(entries.len(), 1, "{entries:?}");
}

#[tokio::test]
async fn a_reset_of_the_firm_password_reaches_the_seat_and_the_row_action_sets_that_one() {
    let app = TestApp::spawn().await;
    let s = app.partner_with_client().await;
    let through_partner = app.log_in_to_client(&s.partner, &s.client_id).await;
    // The client row's "Reset password": the link is for Rosa's one password (her
    // firm's), and her sessions in Corner Shop end at once.
    app.reset_client_password(&s.partner, &s.client_id).await;
    let me = app.gql(Some(&through_partner), ME, json!({})).await;
    assert_eq!(code_of(&me), "UNAUTHENTICATED", "{me}");
    assert_eq!(app.me(Some(&s.partner)).await["email"], ROSA);
    app.reset_password_by_mail(ROSA, NEW).await;
    let old_seat = rosa_into(&app, &s.company_id, OLD).await;
    assert_eq!(code_of(&old_seat), "UNAUTHENTICATED", "{old_seat}");
    assert!(rosa_into(&app, &s.company_id, NEW).await["errors"].is_null());
    app.log_in(ROSA, NEW).await;
    let old_firm = json!({ "email": ROSA, "password": OLD });
    assert_eq!(
        app.error_code(None, LOG_IN, old_firm).await,
        "UNAUTHENTICATED"
    );
}

#[tokio::test]
async fn a_firm_person_demoted_or_deactivated_cannot_sign_in_to_a_seat_with_the_right_password() {
    let app = TestApp::spawn().await;
    let owner = app.partner(ROSA).await;
    app.add_user(&owner, "sam@ledgerline.example", "Sam", "ADMIN")
        .await;
    let sam = app
        .activate("sam@ledgerline.example", "sam-password-12")
        .await;
    let c = app
        .create_client(&sam, "Corner Shop", "Cora", "cora@cornershop.example")
        .await;
    let company = c["companyId"].as_str().unwrap();
    let sam_id = app.user_id(&owner, "sam@ledgerline.example").await;
    let sam_into = || {
        let vars = json!({ "email": "sam@ledgerline.example", "password": "sam-password-12", "companyId": company });
        app.gql(None, LOG_IN, vars)
    };
    assert!(sam_into().await["errors"].is_null());

    app.set_user_role(&owner, &sam_id, "MANAGER").await;
    let demoted = sam_into().await;
    assert_eq!(code_of(&demoted), "FORBIDDEN", "{demoted}");
    let says = demoted["errors"][0]["message"].as_str().unwrap();
    assert!(says.contains("your role there is Manager"), "{says}");

    app.set_user_role(&owner, &sam_id, "ADMIN").await;
    assert!(sam_into().await["errors"].is_null());
    app.set_user_active(&owner, &sam_id, false).await;
    let inactive = sam_into().await;
    assert_eq!(code_of(&inactive), "UNAUTHENTICATED", "{inactive}");
}

#[tokio::test]
async fn a_firm_person_the_client_adds_signs_in_with_their_own_password_and_gets_no_link() {
    let app = TestApp::spawn().await;
    let rosa = app.partner(ROSA).await;
    app.invite(&rosa, "bea@bakers.example", Some("Bakers"))
        .await;
    let link = app.invite_link_mailed_to("bea@bakers.example").await;
    let bea = app
        .ok(None, e2e::ACCEPT_INVITE, e2e::bea_accepts(&link))
        .await["acceptInvite"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let company = app.company_id(&bea).await;
    app.clear_mails();
    app.add_user(&bea, ROSA, "Rosa", "ADMIN").await;
    let seat = rosa_into(&app, &company, OLD).await;
    assert_eq!(seat["data"]["logIn"]["user"]["role"], "ADMIN", "{seat}");
    // A person with one password is not asked to set another.
    app.add_user(&bea, "dan@bakers.example", "Dan", "EMPLOYEE")
        .await;
    app.wait_for_mail("dan@bakers.example", "set your password")
        .await;
    assert!(
        app.mails().iter().all(|m| m.to != ROSA),
        "Rosa was mailed: {:?}",
        app.mails()
            .iter()
            .filter(|m| m.to == ROSA)
            .map(|m| &m.subject)
            .collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn the_migration_drops_the_hash_the_sign_up_form_copied_into_a_seat() {
    let app = TestApp::spawn().await;
    let s = app.partner_with_client().await;
    let db = app.db();
    // As the sign-up form did before: the partner's hash copied into the seat.
    let copy = "UPDATE users SET password_hash = (SELECT f.password_hash FROM users f
        WHERE f.email = users.email AND f.id <> users.id AND f.role = 'OWNER')
        WHERE email = 'rosa@ledgerline.example' AND role = 'ADMIN'";
    db.execute_unprepared(copy).await.unwrap();
    let hashes = "SELECT email, role, password_hash IS NOT NULL AS has FROM users ORDER BY id";
    let before = rows(db, hashes).await;
    assert!(
        before.contains(&(ROSA.to_owned(), "ADMIN".to_owned(), true)),
        "{before:?}"
    );

    // The migration runs again, as on a database from before it.
    db.execute_unprepared("DELETE FROM seaql_migrations WHERE version = 'm0016_one_identity'")
        .await
        .unwrap();
    migration::Migrator::up(db, None).await.unwrap();
    let after = rows(db, hashes).await;
    assert_eq!(
        after,
        vec![
            (ROSA.to_owned(), "OWNER".to_owned(), true),
            (
                "cora@cornershop.example".to_owned(),
                "OWNER".to_owned(),
                true
            ),
            (ROSA.to_owned(), "ADMIN".to_owned(), false),
        ]
    );
    // The seat still opens, with Rosa's own password.
    assert!(rosa_into(&app, &s.company_id, OLD).await["errors"].is_null());
}

async fn rows(db: &sea_orm::DatabaseConnection, sql: &str) -> Vec<(String, String, bool)> {
    let backend = db.get_database_backend();
    db.query_all_raw(Statement::from_string(backend, sql))
        .await
        .unwrap()
        .iter()
        .map(|r| {
            let has: bool = r
                .try_get("", "has")
                .or_else(|_| r.try_get::<i32>("", "has").map(|n| n != 0))
                .unwrap();
            (
                r.try_get("", "email").unwrap(),
                r.try_get("", "role").unwrap(),
                has,
            )
        })
        .collect()
}
