//! SPEC §1–2: partner and client sign-up, log-in, log-out, `me`, `users`, sessions.

use e2e::{LOG_IN, LOG_OUT, ME, SIGN_UP, TestApp, USERS, code_of, field_of, message_of};
use entity::{account, session, user};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::json;

fn is_company_id(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 7
        && b[..3].iter().all(u8::is_ascii_uppercase)
        && b[3..].iter().all(u8::is_ascii_digit)
}

async fn user_count(app: &TestApp) -> u64 {
    user::Entity::find().count(app.db()).await.unwrap()
}

#[tokio::test]
async fn partner_sign_up_makes_the_person_owner_of_a_partner_account() {
    let app = TestApp::spawn().await;
    let p = app
        .sign_up(
            "Ledger & Line",
            "Rosa Ledger",
            "Rosa@LedgerLine.example",
            "correct-horse-1",
            true,
        )
        .await;
    let token = p["token"].as_str().unwrap();

    let me = app.me(Some(token)).await;
    assert_eq!(
        me["email"], "rosa@ledgerline.example",
        "email is stored lower-cased"
    );
    assert_eq!(me["name"], "Rosa Ledger");
    assert_eq!(me["role"], "OWNER");
    assert_eq!(me["active"], true);
    assert_eq!(me["account"]["kind"], "PARTNER");
    assert_eq!(me["account"]["platform"], "V2");
    assert_eq!(me["account"]["name"], "Ledger & Line");
    let cid = me["account"]["companyId"].as_str().unwrap();
    assert!(
        is_company_id(cid),
        "Company ID {cid} is not three letters and four digits"
    );

    let acc = account::Entity::find()
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        acc.trial_ends_at, None,
        "partner accounts are free: no trial"
    );
}

#[tokio::test]
async fn client_sign_up_creates_a_client_account_on_a_fourteen_day_trial() {
    let app = TestApp::spawn().await;
    let before = chrono::Utc::now();
    let p = app
        .sign_up(
            "Bakers Row Cafe",
            "Bea Baker",
            "bea@bakersrow.example",
            "correct-horse-1",
            false,
        )
        .await;
    assert_eq!(p["user"]["account"]["kind"], "CLIENT");
    assert_eq!(p["user"]["role"], "OWNER");
    let acc = account::Entity::find()
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    let ends = acc.trial_ends_at.expect("a client account has a trial end");
    let days = (ends - before).num_hours() as f64 / 24.0;
    assert!((13.9..=14.1).contains(&days), "trial is {days} days");
}

#[tokio::test]
async fn welcome_email_names_the_company_id() {
    let app = TestApp::spawn().await;
    let p = app
        .sign_up(
            "Ledger & Line",
            "Rosa Ledger",
            "rosa@ledgerline.example",
            "correct-horse-1",
            true,
        )
        .await;
    let cid = p["user"]["account"]["companyId"].as_str().unwrap();
    let mail = app
        .wait_for_mail("rosa@ledgerline.example", "Welcome")
        .await;
    assert!(mail.subject.contains("Ledger & Line"), "{}", mail.subject);
    assert!(
        mail.text.contains(cid),
        "welcome text lacks the Company ID: {}",
        mail.text
    );
    assert_eq!(
        mail.link("http://app.test/").as_deref(),
        Some("http://app.test/login")
    );
}

#[tokio::test]
async fn company_ids_are_unique() {
    let app = TestApp::spawn().await;
    let mut seen = std::collections::HashSet::new();
    for i in 0..12 {
        let p = app
            .sign_up(
                "Firm",
                "Person",
                &format!("p{i}@firm.example"),
                "correct-horse-1",
                i % 2 == 0,
            )
            .await;
        assert!(
            seen.insert(
                p["user"]["account"]["companyId"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            )
        );
    }
}

#[tokio::test]
async fn log_in_with_the_right_password_gives_a_working_session() {
    let app = TestApp::spawn().await;
    app.partner("rosa@ledgerline.example").await;
    let res = app
        .ok(
            None,
            LOG_IN,
            json!({ "email": "  ROSA@ledgerline.EXAMPLE ", "password": "correct-horse-1" }),
        )
        .await;
    let token = res["logIn"]["token"].as_str().unwrap();
    assert_eq!(res["logIn"]["user"]["role"], "OWNER");
    let me = app.ok(Some(token), ME, json!({})).await;
    assert_eq!(me["me"]["email"], "rosa@ledgerline.example");
}

#[tokio::test]
async fn wrong_password_and_unknown_email_get_the_same_answer() {
    let app = TestApp::spawn().await;
    app.partner("rosa@ledgerline.example").await;
    let wrong_pw = app
        .gql(
            None,
            LOG_IN,
            json!({ "email": "rosa@ledgerline.example", "password": "wrong-horse-1" }),
        )
        .await;
    let unknown = app
        .gql(
            None,
            LOG_IN,
            json!({ "email": "nobody@ledgerline.example", "password": "wrong-horse-1" }),
        )
        .await;
    let malformed = app
        .gql(
            None,
            LOG_IN,
            json!({ "email": "not-an-email", "password": "x" }),
        )
        .await;
    for body in [&wrong_pw, &unknown, &malformed] {
        assert_eq!(body["data"], serde_json::Value::Null);
        assert_eq!(code_of(body), "UNAUTHENTICATED");
    }
    assert_eq!(message_of(&wrong_pw), message_of(&unknown));
    assert_eq!(message_of(&wrong_pw), message_of(&malformed));
}

#[tokio::test]
async fn short_password_is_refused_and_creates_nothing() {
    let app = TestApp::spawn().await;
    let body = app
        .gql(
            None,
            SIGN_UP,
            json!({ "input": {
            "companyName": "Firm", "name": "P", "email": "p@firm.example",
            "password": "123456789", "isAccountantOrBookkeeper": true }}),
        )
        .await;
    assert_eq!(code_of(&body), "BAD_USER_INPUT");
    assert_eq!(field_of(&body), "password");
    assert!(message_of(&body).contains("10 characters"));
    assert_eq!(user_count(&app).await, 0);
    assert_eq!(account::Entity::find().count(app.db()).await.unwrap(), 0);
}

#[tokio::test]
async fn malformed_email_or_blank_names_are_refused() {
    let app = TestApp::spawn().await;
    for (email, company, name, field) in [
        ("not-an-email", "Firm", "P", "email"),
        ("a@b", "Firm", "P", "email"),
        ("p@firm.example", "   ", "P", "companyName"),
        ("p@firm.example", "Firm", "", "name"),
        ("p@firm.example", "Firm\u{0}", "P", "companyName"),
    ] {
        let body = app
            .gql(
                None,
                SIGN_UP,
                json!({ "input": {
                "companyName": company, "name": name, "email": email,
                "password": "correct-horse-1", "isAccountantOrBookkeeper": true }}),
            )
            .await;
        assert_eq!(code_of(&body), "BAD_USER_INPUT", "{body}");
        assert_eq!(field_of(&body), field, "{body}");
    }
    assert_eq!(user_count(&app).await, 0);
}

#[tokio::test]
async fn a_second_partner_account_for_the_same_email_is_a_conflict() {
    let app = TestApp::spawn().await;
    app.partner("rosa@ledgerline.example").await;
    let code = app
        .error_code(
            None,
            SIGN_UP,
            json!({ "input": {
            "companyName": "Other Firm", "name": "Rosa", "email": "ROSA@ledgerline.example",
            "password": "correct-horse-1", "isAccountantOrBookkeeper": true }}),
        )
        .await;
    assert_eq!(code, "CONFLICT");
    assert_eq!(user_count(&app).await, 1);
}

#[tokio::test]
async fn company_id_picks_the_account_when_an_email_has_several() {
    let app = TestApp::spawn().await;
    app.partner("rosa@ledgerline.example").await;
    // The same person also runs a small business of her own.
    let client = app
        .sign_up(
            "Rosa's Bakery",
            "Rosa",
            "rosa@ledgerline.example",
            "bakery-pass-12",
            false,
        )
        .await;
    let client_cid = client["user"]["account"]["companyId"]
        .as_str()
        .unwrap()
        .to_owned();

    // Without a Company ID the partner account is used.
    let res = app
        .ok(
            None,
            LOG_IN,
            json!({ "email": "rosa@ledgerline.example", "password": "correct-horse-1" }),
        )
        .await;
    assert_eq!(res["logIn"]["user"]["account"]["kind"], "PARTNER");
    // The partner password does not open the bakery.
    let code = app
        .error_code(None, LOG_IN, json!({ "email": "rosa@ledgerline.example", "password": "correct-horse-1", "companyId": client_cid }))
        .await;
    assert_eq!(code, "UNAUTHENTICATED");
    // With the bakery's Company ID (any case) and its password, the bakery.
    let res = app
        .ok(None, LOG_IN, json!({ "email": "rosa@ledgerline.example", "password": "bakery-pass-12", "companyId": client_cid.to_lowercase() }))
        .await;
    assert_eq!(
        res["logIn"]["user"]["account"]["companyId"],
        client_cid.as_str()
    );
    // A Company ID that does not exist: the same answer as a wrong password.
    let code = app
        .error_code(None, LOG_IN, json!({ "email": "rosa@ledgerline.example", "password": "bakery-pass-12", "companyId": "ZZZ0000" }))
        .await;
    assert_eq!(code, "UNAUTHENTICATED");
    // A malformed Company ID is bad input.
    let code = app
        .error_code(None, LOG_IN, json!({ "email": "rosa@ledgerline.example", "password": "bakery-pass-12", "companyId": "nope" }))
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
}

#[tokio::test]
async fn several_client_accounts_and_no_company_id_asks_for_one() {
    let app = TestApp::spawn().await;
    app.sign_up(
        "Shop One",
        "Sam",
        "sam@shops.example",
        "sam-password-1",
        false,
    )
    .await;
    app.sign_up(
        "Shop Two",
        "Sam",
        "sam@shops.example",
        "sam-password-1",
        false,
    )
    .await;
    let body = app
        .gql(
            None,
            LOG_IN,
            json!({ "email": "sam@shops.example", "password": "sam-password-1" }),
        )
        .await;
    assert_eq!(code_of(&body), "BAD_USER_INPUT");
    assert_eq!(field_of(&body), "companyId");
}

#[tokio::test]
async fn anonymous_me_is_null() {
    let app = TestApp::spawn().await;
    let body = app.gql(None, ME, json!({})).await;
    assert_eq!(body["data"]["me"], serde_json::Value::Null);
    assert!(body.get("errors").is_none());
}

#[tokio::test]
async fn a_logged_out_token_is_unauthenticated() {
    let app = TestApp::spawn().await;
    let token = app.partner("rosa@ledgerline.example").await;
    let out = app.ok(Some(&token), LOG_OUT, json!({})).await;
    assert_eq!(out["logOut"], true);
    assert_eq!(
        app.error_code(Some(&token), ME, json!({})).await,
        "UNAUTHENTICATED"
    );
    assert_eq!(
        app.error_code(Some(&token), LOG_OUT, json!({})).await,
        "UNAUTHENTICATED"
    );
    // Logging out one session leaves the others alone.
    let other = app
        .log_in("rosa@ledgerline.example", "correct-horse-1")
        .await;
    assert_eq!(app.me(Some(&other)).await["role"], "OWNER");
}

#[tokio::test]
async fn an_expired_token_is_unauthenticated() {
    let app = TestApp::spawn().await;
    let token = app.partner("rosa@ledgerline.example").await;
    app.expire_every_session().await;
    assert_eq!(
        app.error_code(Some(&token), ME, json!({})).await,
        "UNAUTHENTICATED"
    );
}

#[tokio::test]
async fn a_made_up_or_malformed_token_is_unauthenticated() {
    let app = TestApp::spawn().await;
    app.partner("rosa@ledgerline.example").await;
    let fake = "A".repeat(43);
    for t in [fake.as_str(), "garbage", "' OR 1=1 --"] {
        assert_eq!(
            app.error_code(Some(t), ME, json!({})).await,
            "UNAUTHENTICATED",
            "{t}"
        );
    }
}

#[tokio::test]
async fn session_tokens_and_passwords_are_stored_only_as_hashes() {
    let app = TestApp::spawn().await;
    let token = app.partner("rosa@ledgerline.example").await;
    assert!(
        token.len() >= 43,
        "token carries at least 128 bits: {token}"
    );
    let s = session::Entity::find()
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    assert_ne!(s.token_hash, token);
    assert_eq!(
        s.token_hash,
        entity::SecretToken::parse(&token).unwrap().hash().as_str()
    );
    let u = user::Entity::find().one(app.db()).await.unwrap().unwrap();
    let h = u.password_hash.unwrap();
    assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
    assert!(!h.contains("correct-horse-1"));
}

#[tokio::test]
async fn users_lists_the_users_of_the_callers_account_only() {
    let app = TestApp::spawn().await;
    let a = app.partner("rosa@ledgerline.example").await;
    app.partner("other@elsewhere.example").await;
    let users = app.ok(Some(&a), USERS, json!({})).await;
    let list = users["users"].as_array().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["email"], "rosa@ledgerline.example");
    assert_eq!(
        app.error_code(None, USERS, json!({})).await,
        "UNAUTHENTICATED"
    );
}

#[tokio::test]
async fn an_unknown_invite_link_code_is_refused_and_creates_nothing() {
    let app = TestApp::spawn().await;
    let body = app
        .gql(None, SIGN_UP, json!({ "input": {
            "companyName": "Shop", "name": "Sam", "email": "sam@shop.example",
            "password": "sam-password-1", "isAccountantOrBookkeeper": false, "partnerCode": "nope" }}))
        .await;
    assert_eq!(code_of(&body), "BAD_USER_INPUT");
    assert_eq!(field_of(&body), "partnerCode");
    assert_eq!(user_count(&app).await, 0);
}
