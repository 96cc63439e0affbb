//! Issue 24 item 2: `link(token, kind)` tells what an emailed link is before anyone fills
//! in its form: the invite (its firm, whom it is for, the company name the partner typed,
//! when it expires, and why it no longer works), the partner's join link, a set or reset
//! link. One answer, null, for every token that is unknown, malformed or of another kind;
//! rate-limited per address with the calls that use a link.

use e2e::{LINK, TestApp, code_of, token_of};
use serde_json::json;

#[tokio::test]
async fn an_invite_link_says_who_sent_it_for_whom_and_why_it_stopped_working() {
    let app = TestApp::spawn().await;
    let rosa = app.partner("rosa@ledgerline.example").await;
    let row = app
        .invite(&rosa, "gina@bakersrow.example", Some("Bakers Row"))
        .await;
    let first = token_of(&app.invite_link_mailed_to("gina@bakersrow.example").await);

    let live = app.link_info(&first, "INVITE").await;
    assert_eq!(live["kind"], "INVITE");
    assert_eq!(live["state"], "LIVE");
    assert_eq!(live["firmName"], "Ledger & Line");
    assert_eq!(live["email"], "gina@bakersrow.example");
    assert_eq!(live["companyName"], "Bakers Row");
    let expires: chrono::DateTime<chrono::Utc> =
        live["expiresAt"].as_str().unwrap().parse().unwrap();
    let days = (expires - chrono::Utc::now()).num_days();
    assert!((29..=30).contains(&days), "expires in {days} days");

    // Revoked.
    app.revoke_invite(&rosa, &row["id"]).await;
    assert_eq!(app.link_info(&first, "INVITE").await["state"], "REVOKED");
    // Sent again: the old link was replaced, the new one works.
    app.backdate_invite(&row["id"], chrono::Duration::hours(1))
        .await;
    app.resend_invite(&rosa, &row["id"]).await;
    let second = app
        .newest_mail("gina@bakersrow.example", "invites you", 2)
        .await
        .link("http://app.test/invite/")
        .unwrap();
    let second = token_of(&second);
    assert_eq!(app.link_info(&first, "INVITE").await["state"], "REVOKED");
    assert_eq!(app.link_info(&second, "INVITE").await["state"], "LIVE");
    // Expired.
    app.expire_invite(&row["id"], chrono::Duration::minutes(1))
        .await;
    assert_eq!(app.link_info(&second, "INVITE").await["state"], "EXPIRED");
    // Used: a fresh one accepted. (A link a resend replaced while it worked is REPLACED:
    // `the_link_a_resend_replaced_says_so`.)
    app.backdate_invite(&row["id"], chrono::Duration::hours(1))
        .await;
    app.resend_invite(&rosa, &row["id"]).await;
    let third = app
        .newest_mail("gina@bakersrow.example", "invites you", 3)
        .await
        .link("http://app.test/invite/")
        .unwrap();
    // An expired link stays expired when a new one replaces the invite.
    assert_eq!(
        app.link_info(&token_of(&second), "INVITE").await["state"],
        "EXPIRED"
    );
    app.accept_invite(&third, "Bakers Row", "Gina", "gina-password-1")
        .await;
    assert_eq!(
        app.link_info(&token_of(&third), "INVITE").await["state"],
        "USED"
    );
}

#[tokio::test]
async fn a_join_link_names_the_firm_until_it_is_regenerated() {
    let app = TestApp::spawn().await;
    let rosa = app.partner("rosa@ledgerline.example").await;
    let code = app.invite_link(&rosa).await["code"]
        .as_str()
        .unwrap()
        .to_owned();
    let live = app.link_info(&code, "JOIN").await;
    assert_eq!(
        (&live["kind"], &live["state"], &live["firmName"]),
        (&json!("JOIN"), &json!("LIVE"), &json!("Ledger & Line"))
    );
    assert!(
        live["email"].is_null() && live["expiresAt"].is_null(),
        "{live}"
    );
    app.regenerate_invite_link(&rosa).await;
    assert!(app.link_info(&code, "JOIN").await.is_null());
}

#[tokio::test]
async fn a_password_link_says_whom_it_is_for_and_when_it_was_used_or_ran_out() {
    let app = TestApp::spawn().await;
    let rosa = app.partner("rosa@ledgerline.example").await;
    app.request_password_reset("rosa@ledgerline.example", None)
        .await;
    let reset = app
        .wait_for_mail("rosa@ledgerline.example", "Reset your password")
        .await
        .link("http://app.test/reset-password/")
        .unwrap();
    let live = app.link_info(&token_of(&reset), "PASSWORD").await;
    assert_eq!(live["state"], "LIVE", "{live}");
    assert_eq!(live["email"], "rosa@ledgerline.example");
    assert_eq!(live["kind"], "PASSWORD");
    app.expire_password_links().await;
    assert_eq!(
        app.link_info(&token_of(&reset), "PASSWORD").await["state"],
        "EXPIRED"
    );

    // A set-password link, used.
    app.add_user(&rosa, "sam@ledgerline.example", "Sam", "ADMIN")
        .await;
    let set = app
        .wait_for_mail("sam@ledgerline.example", "set your password")
        .await
        .link("http://app.test/reset-password/")
        .unwrap();
    assert_eq!(
        app.link_info(&token_of(&set), "PASSWORD").await["email"],
        "sam@ledgerline.example"
    );
    app.reset_password(&set, "sam-password-12").await;
    assert_eq!(
        app.link_info(&token_of(&set), "PASSWORD").await["state"],
        "USED"
    );
}

#[tokio::test]
async fn unknown_malformed_and_other_kinds_of_token_all_answer_null() {
    let app = TestApp::spawn().await;
    let rosa = app.partner("rosa@ledgerline.example").await;
    app.invite(&rosa, "gina@bakersrow.example", None).await;
    let invite = token_of(&app.invite_link_mailed_to("gina@bakersrow.example").await);
    let unknown = "A".repeat(43);
    for (token, kind) in [
        (unknown.as_str(), "INVITE"),
        (unknown.as_str(), "PASSWORD"),
        ("not a token", "INVITE"),
        ("", "JOIN"),
        (&"x".repeat(500), "JOIN"),
        // An invite token asked as another kind.
        (invite.as_str(), "PASSWORD"),
        (invite.as_str(), "JOIN"),
    ] {
        assert!(
            app.link_info(token, kind).await.is_null(),
            "{kind} {token:.20}"
        );
    }
    // An unknown kind is a schema error, with a code.
    let body = app
        .gql(None, LINK, json!({ "token": invite, "kind": "COUPON" }))
        .await;
    assert_eq!(code_of(&body), "GRAPHQL_VALIDATION_FAILED", "{body}");
}

#[tokio::test]
async fn the_link_a_resend_replaced_says_so() {
    let app = TestApp::spawn().await;
    let rosa = app.partner("rosa@ledgerline.example").await;
    let row = app.invite(&rosa, "gina@bakersrow.example", None).await;
    let first = token_of(&app.invite_link_mailed_to("gina@bakersrow.example").await);
    app.backdate_invite(&row["id"], chrono::Duration::hours(1))
        .await;
    app.resend_invite(&rosa, &row["id"]).await;
    assert_eq!(app.link_info(&first, "INVITE").await["state"], "REPLACED");
}

#[tokio::test]
async fn looking_links_up_takes_from_the_link_budget_of_the_address() {
    let app = TestApp::spawn_with_args(&["--rate-limit-link-ip", "3/1m"]).await;
    let probe = json!({ "token": "A".repeat(43), "kind": "INVITE" });
    for _ in 0..3 {
        let body = app.gql(None, LINK, probe.clone()).await;
        assert!(body["errors"].is_null(), "{body}");
    }
    let body = app.gql(None, LINK, probe).await;
    assert_eq!(code_of(&body), "RATE_LIMITED", "{body}");
}
