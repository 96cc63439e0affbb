//! Secrets never reach the logs (SPEC §8, issue 7): a gateway process logging at debug
//! level in JSON goes through a whole run (sign-up, log-in, invite and accept, the sign-up
//! form, log-in to a client, password reset); then its log is searched for every
//! password, session token and emailed link secret the run used.

use e2e::eventually;
use e2e::{
    ACCEPT_INVITE, CREATE_CLIENT, INVITE, LOG_IN, LOG_IN_TO_CLIENT, Mail, REQUEST_PASSWORD_RESET,
    RESET_PASSWORD, SIGN_UP,
};
use serde_json::{Value, json};
use std::time::Duration;

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
    let what = format!("an email to {to} about {subject}");
    eventually(&what, Duration::from_secs(30), async || {
        let entries = std::fs::read_dir(dir.join("outbox")).ok()?;
        entries.flatten().find_map(|e| {
            let path = e.path();
            if path.extension().is_none_or(|x| x != "eml") {
                return None;
            }
            let raw = std::fs::read_to_string(&path).unwrap_or_default();
            let m = Mail::parse(Some(path), raw);
            (m.to == to && m.subject.contains(subject)).then_some(m)
        })
    })
    .await
}

/// A gateway process of its own, logging at debug level in JSON, and what a test keeps
/// of the run: the secrets it used.
struct Run {
    http: reqwest::Client,
    url: String,
    dir: std::path::PathBuf,
    secrets: Vec<String>,
}

impl Run {
    async fn gql(&self, token: Option<&str>, query: &str, vars: Value) -> Value {
        gql(&self.http, &self.url, token, query, vars).await
    }

    fn keep(&mut self, secret: impl Into<String>) {
        self.secrets.push(secret.into());
    }
}

/// A partner signs up and logs in, and a wrong password is tried: returns the session.
async fn partner_signs_up_and_logs_in(run: &mut Run) -> String {
    let partner_pw = "partner-Secret-8731";
    run.keep(partner_pw);
    let d = run
        .gql(
            None,
            SIGN_UP,
            json!({ "input": { "companyName": "Ledger & Line",
            "name": "Rosa", "email": "rosa@ledgerline.example", "password": partner_pw,
            "isAccountantOrBookkeeper": true } }),
        )
        .await;
    run.keep(d["signUp"]["token"].as_str().unwrap());
    let d = run
        .gql(
            None,
            LOG_IN,
            json!({ "email": "rosa@ledgerline.example",
            "password": partner_pw, "companyId": null }),
        )
        .await;
    let partner = d["logIn"]["token"].as_str().unwrap().to_owned();
    run.keep(partner.clone());
    // A wrong password is not logged either.
    let wrong = "wrong-Secret-5519";
    run.keep(wrong);
    let res: Value = run
        .http
        .post(format!("{}/graphql", run.url))
        .json(&json!({ "query": LOG_IN, "variables": { "email": "rosa@ledgerline.example", "password": wrong } }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(res["errors"].is_array());
    partner
}

/// An email invite, accepted.
async fn an_invite_is_accepted(run: &mut Run, partner: &str) {
    let vars = json!({ "email": "cleo@client.example", "company": "Cleo Co" });
    run.gql(Some(partner), INVITE, vars).await;
    let invite = mail(&run.dir, "cleo@client.example", "invites you").await;
    let invite_token = invite
        .token(&format!("{}/invite/", run.url))
        .expect("invite link");
    run.keep(invite_token.clone());
    let client_pw = "client-Secret-2290";
    run.keep(client_pw);
    let d = run
        .gql(
            None,
            ACCEPT_INVITE,
            json!({ "token": invite_token, "input": {
                "companyName": "Cleo Co", "name": "Cleo", "password": client_pw } }),
        )
        .await;
    run.keep(d["acceptInvite"]["token"].as_str().unwrap());
}

/// The sign-up form, then a log-in to that client as the partner's own user there.
async fn a_form_client_is_logged_in_to(run: &mut Run, partner: &str) {
    let d = run
        .gql(
            Some(partner),
            CREATE_CLIENT,
            json!({ "input": {
            "companyName": "Form Co", "contactName": "Fay", "contactEmail": "fay@form.example" } }),
        )
        .await;
    let client_id = d["createClientAccount"]["id"].as_str().unwrap().to_owned();
    let set_pw = mail(&run.dir, "fay@form.example", "set your password").await;
    run.keep(
        set_pw
            .token(&format!("{}/reset-password/", run.url))
            .expect("set-password link"),
    );
    let d = run
        .gql(Some(partner), LOG_IN_TO_CLIENT, json!({ "id": client_id }))
        .await;
    run.keep(d["logInToClient"]["token"].as_str().unwrap());
}

/// A password reset, used.
async fn a_password_is_reset(run: &mut Run) {
    let vars = json!({ "email": "cleo@client.example" });
    run.gql(None, REQUEST_PASSWORD_RESET, vars).await;
    let reset = mail(&run.dir, "cleo@client.example", "eset").await;
    let reset_token = reset
        .token(&format!("{}/reset-password/", run.url))
        .expect("reset link");
    run.keep(reset_token.clone());
    let new_pw = "new-Secret-6604";
    run.keep(new_pw);
    let vars = json!({ "t": reset_token, "p": new_pw });
    run.gql(None, RESET_PASSWORD, vars).await;
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
    let mut run = Run {
        http,
        url,
        dir: dir.path().to_owned(),
        secrets: Vec::new(),
    };
    let partner = partner_signs_up_and_logs_in(&mut run).await;
    an_invite_is_accepted(&mut run, &partner).await;
    a_form_client_is_logged_in_to(&mut run, &partner).await;
    a_password_is_reset(&mut run).await;
    let secrets = run.secrets;

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
