//! Secrets never reach the logs (SPEC §8, issue 7): a gateway process logging at debug
//! level in JSON goes through a whole run (sign-up, log-in, invite and accept, the sign-up
//! form, log-in to a client, password reset); then its log is searched for every
//! password, session token and emailed link secret the run used.

use e2e::{
    ACCEPT_INVITE, CREATE_CLIENT, INVITE, LOG_IN, LOG_IN_TO_CLIENT, Mail, REQUEST_PASSWORD_RESET,
    RESET_PASSWORD, SIGN_UP,
};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

async fn gql(
    http: &reqwest::Client,
    url: &str,
    token: Option<&str>,
    query: &str,
    vars: Value,
) -> Value {
    let mut req = http
        .post(format!("{url}/graphql"))
        .json(&json!({ "query": query, "variables": vars }));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let body: Value = req.send().await.unwrap().json().await.unwrap();
    assert!(body.get("errors").is_none(), "{body}");
    body["data"].clone()
}

/// Waits for an email to `to` about `subject` in the outbox of `dir`.
async fn mail(dir: &std::path::Path, to: &str, subject: &str) -> Mail {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(entries) = std::fs::read_dir(dir.join("outbox")) {
            for e in entries.flatten() {
                if e.path().extension().is_some_and(|x| x == "eml") {
                    let raw = std::fs::read_to_string(e.path()).unwrap_or_default();
                    let m = Mail::parse(Some(e.path()), raw);
                    if m.to == to && m.subject.contains(subject) {
                        return m;
                    }
                }
            }
        }
        assert!(
            Instant::now() < deadline,
            "no email to {to} about {subject}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn no_password_token_or_link_secret_is_ever_logged() {
    let dir = tempfile::tempdir().unwrap();
    let port = e2e::free_port();
    let url = format!("http://127.0.0.1:{port}");
    let listen = format!("127.0.0.1:{port}");
    let (mut child, log) = e2e::start_binary(
        "gateway",
        &[
            "--listen-addr",
            &listen,
            "--outbox-poll-every",
            "100ms",
            "--queue-poll-every",
            "50ms",
        ],
        dir.path(),
        "debug",
    );
    let http = reqwest::Client::new();
    e2e::wait_healthy(&http, &url).await;
    let mut secrets: Vec<String> = Vec::new();

    // A partner signs up and logs in.
    let partner_pw = "partner-Secret-8731";
    secrets.push(partner_pw.into());
    let d = gql(
        &http,
        &url,
        None,
        SIGN_UP,
        json!({ "input": { "companyName": "Ledger & Line",
        "name": "Rosa", "email": "rosa@ledgerline.example", "password": partner_pw,
        "isAccountantOrBookkeeper": true } }),
    )
    .await;
    secrets.push(d["signUp"]["token"].as_str().unwrap().into());
    let d = gql(
        &http,
        &url,
        None,
        LOG_IN,
        json!({ "email": "rosa@ledgerline.example",
        "password": partner_pw, "companyId": null }),
    )
    .await;
    let partner = d["logIn"]["token"].as_str().unwrap().to_owned();
    secrets.push(partner.clone());
    // A wrong password is not logged either.
    let wrong = "wrong-Secret-5519";
    secrets.push(wrong.into());
    let res: Value = http
        .post(format!("{url}/graphql"))
        .json(&json!({ "query": LOG_IN, "variables": { "email": "rosa@ledgerline.example", "password": wrong } }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(res["errors"].is_array());

    // An email invite, accepted.
    gql(
        &http,
        &url,
        Some(&partner),
        INVITE,
        json!({ "email": "cleo@client.example", "company": "Cleo Co" }),
    )
    .await;
    let invite = mail(dir.path(), "cleo@client.example", "invites you").await;
    let invite_token = invite
        .token(&format!("{url}/invite/"))
        .expect("invite link");
    secrets.push(invite_token.clone());
    let client_pw = "client-Secret-2290";
    secrets.push(client_pw.into());
    let d = gql(
        &http,
        &url,
        None,
        ACCEPT_INVITE,
        json!({ "token": invite_token, "input": {
            "companyName": "Cleo Co", "name": "Cleo", "password": client_pw } }),
    )
    .await;
    secrets.push(d["acceptInvite"]["token"].as_str().unwrap().into());

    // The sign-up form, then a log-in to that client as the partner's own user there.
    let d = gql(
        &http,
        &url,
        Some(&partner),
        CREATE_CLIENT,
        json!({ "input": {
            "companyName": "Form Co", "contactName": "Fay", "contactEmail": "fay@form.example" } }),
    )
    .await;
    let client_id = d["createClientAccount"]["id"].as_str().unwrap().to_owned();
    let set_pw = mail(dir.path(), "fay@form.example", "set your password").await;
    secrets.push(
        set_pw
            .token(&format!("{url}/reset-password/"))
            .expect("set-password link"),
    );
    let d = gql(
        &http,
        &url,
        Some(&partner),
        LOG_IN_TO_CLIENT,
        json!({ "id": client_id }),
    )
    .await;
    secrets.push(d["logInToClient"]["token"].as_str().unwrap().into());

    // A password reset, used.
    gql(
        &http,
        &url,
        None,
        REQUEST_PASSWORD_RESET,
        json!({ "email": "cleo@client.example" }),
    )
    .await;
    let reset = mail(dir.path(), "cleo@client.example", "eset").await;
    let reset_token = reset
        .token(&format!("{url}/reset-password/"))
        .expect("reset link");
    secrets.push(reset_token.clone());
    let new_pw = "new-Secret-6604";
    secrets.push(new_pw.into());
    gql(
        &http,
        &url,
        None,
        RESET_PASSWORD,
        json!({ "t": reset_token, "p": new_pw }),
    )
    .await;

    e2e::terminate(&child);
    tokio::time::timeout(Duration::from_secs(30), child.wait())
        .await
        .expect("stops on SIGTERM")
        .unwrap();
    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(logged.lines().count() > 50, "the run logged at debug level");
    for secret in &secrets {
        assert!(secret.len() >= 8);
        assert!(
            !logged.contains(secret.as_str()),
            "a secret is in the log: {secret}"
        );
    }
    println!(
        "{} log lines searched for {} secrets",
        logged.lines().count(),
        secrets.len()
    );
}
