//! Issue 16, item 1: an invite's lifecycle the partner can see: SENT with its expiry,
//! REVOKED, EXPIRED, each link telling its opener what became of it; and invites that
//! expired unused reported to the partner once, in one digest.

use chrono::Duration;
use e2e::{ACCEPT_INVITE, TestApp, code_of, eventually, message_of, secs, token_of};
use serde_json::{Value, json};

const ROW: &str = "query($id: ID!) { client(id: $id) {
    id email status inviteState inviteExpiresAt availableActions partnerAccess lastPartnerLoginAt } }";
const REVOKE: &str = "mutation($id: ID!) { revokeInvite(clientId: $id) { id status inviteState inviteExpiresAt availableActions } }";
const RESEND: &str = "mutation($id: ID!) { resendInvite(clientId: $id) { id inviteState inviteExpiresAt availableActions } }";

const BEA: &str = "hello@bakersrow.example";

fn accept_input() -> Value {
    json!({ "companyName": "Baker's Row", "name": "Bea", "password": "bea-pass-12345" })
}

/// Accepts the invite `link` with [`accept_input`]: the whole answer.
async fn accept(app: &TestApp, link: &str) -> Value {
    let vars = json!({ "token": token_of(link), "input": accept_input() });
    app.gql(None, ACCEPT_INVITE, vars).await
}

async fn row(app: &TestApp, token: &str, id: &Value) -> Value {
    app.ok(Some(token), ROW, json!({ "id": id })).await["client"].clone()
}

/// The invite link in the newest invite email to `to`.
async fn newest_link(app: &TestApp, to: &str) -> String {
    app.wait_for_mail(to, "invites you").await;
    app.mails()
        .into_iter()
        .filter(|m| m.to.contains(to) && m.subject.contains("invites you"))
        .filter_map(|m| m.link("http://app.test/invite/"))
        .next_back()
        .expect("an invite link")
}

/// Waits for an invite email to `to` whose link is not `old`; returns its link.
async fn next_link(app: &TestApp, to: &str, old: &str) -> String {
    eventually("an invite email with a new link", secs(20), async || {
        let l = newest_link(app, to).await;
        if l != old { Ok(l) } else { Err(l) }
    })
    .await
}

fn actions(row: &Value) -> Vec<&str> {
    row["availableActions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect()
}

/// SENT, with the link's end (30 days), revocable.
async fn sent_for_thirty_days(app: &TestApp, owner: &str, id: &Value) {
    let r = row(app, owner, id).await;
    assert_eq!(r["inviteState"], "SENT");
    let expires: chrono::DateTime<chrono::Utc> =
        r["inviteExpiresAt"].as_str().unwrap().parse().unwrap();
    let days = (expires - chrono::Utc::now()).num_hours() as f64 / 24.0;
    assert!((29.9..=30.0).contains(&days), "{days}");
    assert_eq!(actions(&r), ["RESEND_INVITE", "REVOKE_INVITE", "REMOVE"]);
    assert_eq!(r["partnerAccess"], "MISSING");
}

/// Revoked: the link stops working at once, its opener is told so; twice is refused;
/// the partner owner's audit log has it.
async fn revoked_at_once(app: &TestApp, owner: &str, id: &Value, link: &str) {
    let r = app.ok(Some(owner), REVOKE, json!({ "id": id })).await["revokeInvite"].clone();
    assert_eq!(r["inviteState"], "REVOKED");
    assert_eq!(r["status"], "INVITED");
    assert_eq!(actions(&r), ["RESEND_INVITE", "REMOVE"]);
    let body = accept(app, link).await;
    assert_eq!(code_of(&body), "BAD_USER_INPUT");
    let said = message_of(&body);
    assert!(
        said.contains("withdrawn") && said.contains("new one"),
        "{said}"
    );
    // Twice: refused, nothing changes.
    let body = app.gql(Some(owner), REVOKE, json!({ "id": id })).await;
    assert_eq!(code_of(&body), "BAD_USER_INPUT");
    assert!(message_of(&body).contains("already revoked"));
    // Audited.
    let revoked = app.audit_entries(owner, "client.invite_revoked").await;
    let revoked = revoked.first().expect("an audit entry");
    assert_eq!(revoked["targetClient"]["email"], BEA);
}

/// Its time passes unused: EXPIRED, and the opener is told when it expired.
async fn expired_unused(app: &TestApp, owner: &str, id: &Value, link: &str) {
    app.expire_invite(id, Duration::days(1)).await;
    let r = row(app, owner, id).await;
    assert_eq!(r["inviteState"], "EXPIRED");
    assert_eq!(actions(&r), ["RESEND_INVITE", "REMOVE"]);
    let body = accept(app, link).await;
    let said = message_of(&body);
    assert!(
        said.contains("expired on") && said.contains("send you a new one"),
        "{said}"
    );
    let body = app.gql(Some(owner), REVOKE, json!({ "id": id })).await;
    assert!(message_of(&body).contains("expired"));
}

/// The newest link works; then the row is a TRIAL with no invite state, which cannot be
/// revoked, and the accepted link says so.
async fn accepted_with_the_newest_link(app: &TestApp, owner: &str, id: &Value, link: &str) {
    assert_eq!(row(app, owner, id).await["inviteState"], "SENT");
    let accepted = app
        .ok(
            None,
            ACCEPT_INVITE,
            json!({ "token": token_of(link), "input": accept_input() }),
        )
        .await;
    assert_eq!(accepted["acceptInvite"]["user"]["role"], "OWNER");
    let r = row(app, owner, id).await;
    assert!(r["inviteState"].is_null() && r["inviteExpiresAt"].is_null());
    let body = app.gql(Some(owner), REVOKE, json!({ "id": id })).await;
    assert_eq!(code_of(&body), "BAD_USER_INPUT");
    assert!(message_of(&accept(app, link).await).contains("already accepted"));
}

#[tokio::test]
async fn an_invite_is_sent_revoked_resent_and_expires_visibly() {
    let app = TestApp::spawn_with_args(&["--resend-interval", "0s"]).await;
    let owner = app.partner("rosa@ledgerline.example").await;
    let id = app.invite(&owner, BEA, None).await["id"].clone();
    let first_link = newest_link(&app, BEA).await;
    sent_for_thirty_days(&app, &owner, &id).await;
    revoked_at_once(&app, &owner, &id, &first_link).await;

    // Resent: SENT again with a fresh link (the second email's link differs).
    let r = app.ok(Some(&owner), RESEND, json!({ "id": id })).await["resendInvite"].clone();
    assert_eq!(r["inviteState"], "SENT");
    assert_eq!(actions(&r), ["RESEND_INVITE", "REVOKE_INVITE", "REMOVE"]);
    let second_link = next_link(&app, BEA, &first_link).await;
    expired_unused(&app, &owner, &id, &second_link).await;

    // Resent once more; the link it replaced says so, the new one works.
    app.ok(Some(&owner), RESEND, json!({ "id": id })).await;
    let third_link = next_link(&app, BEA, &second_link).await;
    accepted_with_the_newest_link(&app, &owner, &id, &third_link).await;
    // Not one of yours: NOT_FOUND.
    let other = app.partner("omar@othertax.example").await;
    assert_eq!(
        app.error_code(Some(&other), REVOKE, json!({ "id": id }))
            .await,
        "NOT_FOUND"
    );
}

/// Runs `worker sweep-trials` (which also reports expired invites); returns what it said.
async fn sweep(app: &TestApp) -> String {
    let out = app.worker_cli(&["sweep-trials"]).await;
    assert!(out.status.success(), "{out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test]
async fn expired_invites_are_reported_to_the_partner_once_in_one_digest() {
    let app = TestApp::spawn_with_args(&["--resend-interval", "0s"]).await;
    let owner = app.partner("rosa@ledgerline.example").await;
    let a = app
        .invite(&owner, "a@client.example", Some("Alpha Co"))
        .await;
    let b = app.invite(&owner, "b@client.example", None).await;
    let c = app.invite(&owner, "c@client.example", None).await;
    app.revoke_invite(&owner, &c["id"]).await;
    for client in [&a, &b, &c] {
        app.expire_invite(&client["id"], Duration::minutes(1)).await;
    }

    let said = sweep(&app).await;
    assert!(
        said.contains("reported 2 expired invites; queued 1 digest"),
        "{said}"
    );
    let digest = app
        .wait_for_mail("rosa@ledgerline.example", "2 invites expired")
        .await;
    assert!(
        digest.text.contains("Alpha Co <a@client.example>"),
        "{}",
        digest.text
    );
    assert!(digest.text.contains("b@client.example"));
    assert!(
        !digest.text.contains("c@client.example"),
        "a revoked invite is not reported"
    );
    // Once: the next sweep reports nothing.
    let said = sweep(&app).await;
    assert!(said.contains("reported 0 expired invites"), "{said}");
    // Resent and expired again: reported again.
    app.ok(Some(&owner), RESEND, json!({ "id": a["id"] })).await;
    app.expire_invite(&a["id"], Duration::minutes(1)).await;
    let said = sweep(&app).await;
    assert!(said.contains("reported 1 expired invites"), "{said}");
    app.wait_for_mail("rosa@ledgerline.example", "1 invite expired")
        .await;
}
