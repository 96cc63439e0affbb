//! SPEC §9 and issue 15: ops add, list and remove support staff with `gateway staff`, run
//! as a real process. A new staff member sets a password with the link it prints (and
//! emails); staff sessions are short; a removed member's sessions end at once, and one
//! added again comes back without the old password (issue 22 item 4). Without
//! PUBLIC_URL the link is on the gateway's own address.

use e2e::{LOG_IN, ME, TestApp, code_of};
use serde_json::json;

const SAM: &str = "sam@support.example";
const SAM_PASSWORD: &str = "staff-pass-12345";

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// `gateway staff add --email EMAIL --name NAME` on this app.
async fn staff_add(app: &TestApp, email: &str, name: &str) -> std::process::Output {
    app.gateway_cli(&["staff", "add", "--email", email, "--name", name])
        .await
}

/// `gateway staff remove --email EMAIL` on this app.
async fn staff_remove(app: &TestApp, email: &str) -> std::process::Output {
    app.gateway_cli(&["staff", "remove", "--email", email])
        .await
}

/// Sam is added (the email as typed, any case), sets a password with the printed link,
/// which is also emailed, and logs in to a short STAFF session: returns its token.
async fn sam_is_added_and_logs_in(app: &TestApp) -> String {
    let out = staff_add(app, "Sam@Support.example", "Sam Support").await;
    assert!(out.status.success(), "{out:?}");
    let said = stdout(&out);
    assert!(
        said.contains("sam@support.example added as support staff"),
        "{said}"
    );
    let printed = said
        .split_whitespace()
        .find(|w| w.starts_with("http://app.test/reset-password/"))
        .expect("the set-password link is printed")
        .to_owned();
    // The same link is emailed.
    let mail = app.wait_for_mail(SAM, "set your password").await;
    assert_eq!(
        mail.link("http://app.test/reset-password/").as_deref(),
        Some(printed.as_str())
    );
    app.reset_password(&printed, SAM_PASSWORD).await;
    let login = app.log_in_as(SAM, SAM_PASSWORD, None).await;
    // Staff sessions last at most 8 hours (SESSION_TTL is 30 days).
    let expires: chrono::DateTime<chrono::Utc> =
        login["expiresAt"].as_str().unwrap().parse().unwrap();
    let left = expires - chrono::Utc::now();
    assert!(
        left <= chrono::Duration::hours(8) && left > chrono::Duration::hours(7),
        "{left:?}"
    );
    let token = login["token"].as_str().unwrap().to_owned();
    assert_eq!(app.me(Some(&token)).await["account"]["kind"], "STAFF");
    token
}

#[tokio::test]
async fn ops_add_and_remove_staff_from_the_gateway_binary() {
    let app = TestApp::spawn().await;
    let token = sam_is_added_and_logs_in(&app).await;

    // Adding the same person twice is refused, and says so.
    let out = staff_add(&app, SAM, "Sam").await;
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("already a support staff user"),
        "{out:?}"
    );
    // Bad input: a malformed email changes nothing.
    let out = staff_add(&app, "not-an-email", "X").await;
    assert!(!out.status.success());
    assert!(stderr(&out).contains("--email"));

    let out = app.gateway_cli(&["staff", "list"]).await;
    assert!(out.status.success());
    assert!(stdout(&out).contains(SAM));
    assert!(stdout(&out).contains("1 staff users"), "{}", stdout(&out));

    // Removed: the session ends at once and log-in is refused.
    let out = staff_remove(&app, SAM).await;
    assert!(out.status.success(), "{out:?}");
    assert!(stdout(&out).contains("signed out everywhere"));
    assert_eq!(
        app.error_code(Some(&token), ME, json!({})).await,
        "UNAUTHENTICATED"
    );
    let log_in = json!({ "email": SAM, "password": SAM_PASSWORD });
    assert_eq!(
        code_of(&app.gql(None, LOG_IN, log_in).await),
        "UNAUTHENTICATED"
    );
    let out = staff_remove(&app, "nobody@support.example").await;
    assert!(!out.status.success());
    assert!(stderr(&out).contains("not a support staff user"));

    // Added again: active, with a fresh link.
    let out = staff_add(&app, SAM, "Sam").await;
    assert!(out.status.success(), "{out:?}");
    assert!(
        stdout(&out).contains("made active again"),
        "{}",
        stdout(&out)
    );
}

#[tokio::test]
async fn a_removed_staff_member_comes_back_without_the_old_password() {
    let app = TestApp::spawn().await;
    app.staff(SAM, "Sam Support").await;
    // The first set-password email has arrived before the mail is cleared.
    app.wait_for_mail(SAM, "set your password").await;
    let out = staff_remove(&app, SAM).await;
    assert!(out.status.success(), "{out:?}");
    app.clear_mails();
    let out = staff_add(&app, SAM, "Sam").await;
    assert!(out.status.success(), "{out:?}");
    // The password Sam had before the removal no longer opens anything.
    let body = app
        .gql(
            None,
            LOG_IN,
            json!({ "email": SAM, "password": SAM_PASSWORD }),
        )
        .await;
    assert_eq!(code_of(&body), "UNAUTHENTICATED", "{body}");
    // The fresh link sets a new one, which works.
    app.set_password_from_mail(SAM, "a-new-staff-password")
        .await;
    app.log_in(SAM, "a-new-staff-password").await;
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
    let printed = stdout(&out);
    assert!(
        printed.contains(&format!("http://127.0.0.1:{port}/reset-password/")),
        "{printed}"
    );
}
