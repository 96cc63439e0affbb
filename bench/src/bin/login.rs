//! What a second factor costs at log-in (issue 25): signs up two partners on a running
//! gateway, one with an authenticator app, then times, interleaved, the log-in of each as
//! a person does it: `logIn` alone, against `logIn` (the pending token) and
//! `verifySecondFactor`. The second step uses recovery codes (an app's code works once
//! per 30-second step), renewed with `regenerateRecoveryCodes` when they run out, outside
//! the timing. Prints the p50 and p90 of each and their ratio.

use clap::Parser;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

#[derive(Parser)]
struct Args {
    /// The gateway's base URL.
    #[arg(long)]
    url: String,
    /// Log-ins of each kind.
    #[arg(long, default_value_t = 200)]
    tries: usize,
}

const LOG_IN: &str = "mutation($email: String!, $password: String!) { logIn(email: $email, password: $password) { token secondFactorRequired } }";
const VERIFY: &str = "mutation($code: String) { verifySecondFactor(code: $code) { token } }";
const PASSWORD: &str = "correct-horse-1";

async fn gql(
    http: &reqwest::Client,
    url: &str,
    token: Option<&str>,
    query: &str,
    variables: Value,
) -> anyhow::Result<Value> {
    let mut req = http
        .post(format!("{url}/graphql"))
        .json(&json!({ "query": query, "variables": variables }));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let answer: Value = req.send().await?.json().await?;
    anyhow::ensure!(answer["errors"].is_null(), "{query}: {answer}");
    Ok(answer["data"].clone())
}

async fn partner(http: &reqwest::Client, url: &str, email: &str) -> anyhow::Result<String> {
    let d = gql(http, url, None, "mutation($input: SignUpInput!) { signUp(input: $input) { token } }",
        json!({ "input": { "companyName": "Ledger & Line", "name": "Rosa", "email": email, "password": PASSWORD, "isAccountantOrBookkeeper": true } })).await?;
    Ok(d["signUp"]["token"].as_str().unwrap_or_default().to_owned())
}

/// Enrols an authenticator app for `token`; answers the recovery codes.
async fn enrol(http: &reqwest::Client, url: &str, token: &str) -> anyhow::Result<Vec<String>> {
    let begun = gql(
        http,
        url,
        Some(token),
        "mutation { beginTotpEnrolment { secret } }",
        json!({}),
    )
    .await?;
    let secret = begun["beginTotpEnrolment"]["secret"]
        .as_str()
        .unwrap_or_default();
    let bytes = totp_rs::Secret::Encoded(secret.to_owned())
        .to_bytes()
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let step = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs();
    let code = totp_rs::TOTP::new_unchecked(
        totp_rs::Algorithm::SHA1,
        6,
        1,
        30,
        bytes,
        None,
        String::new(),
    )
    .generate(step);
    let done = gql(
        http,
        url,
        Some(token),
        "mutation($code: String!) { confirmTotpEnrolment(code: $code) }",
        json!({ "code": code }),
    )
    .await?;
    Ok(serde_json::from_value(
        done["confirmTotpEnrolment"].clone(),
    )?)
}

fn at(v: &[Duration], q: f64) -> Duration {
    let mut v = v.to_vec();
    v.sort();
    v[((v.len() - 1) as f64 * q) as usize]
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let http = reqwest::Client::new();
    let id = std::process::id();
    let plain = format!("plain-{id}@ledgerline.example");
    let guarded = format!("guarded-{id}@ledgerline.example");
    partner(&http, &args.url, &plain).await?;
    let token = partner(&http, &args.url, &guarded).await?;
    let mut codes = enrol(&http, &args.url, &token).await?;
    let (mut one, mut two) = (Vec::new(), Vec::new());
    for i in 0..args.tries {
        for first in [i % 2 == 0, i % 2 != 0] {
            if first {
                let t = Instant::now();
                gql(
                    &http,
                    &args.url,
                    None,
                    LOG_IN,
                    json!({ "email": plain, "password": PASSWORD }),
                )
                .await?;
                one.push(t.elapsed());
                continue;
            }
            let code = codes.pop().expect("a recovery code");
            let t = Instant::now();
            let pending = gql(
                &http,
                &args.url,
                None,
                LOG_IN,
                json!({ "email": guarded, "password": PASSWORD }),
            )
            .await?;
            let pending = pending["logIn"]["token"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            let done = gql(
                &http,
                &args.url,
                Some(&pending),
                VERIFY,
                json!({ "code": code }),
            )
            .await?;
            two.push(t.elapsed());
            if codes.is_empty() {
                let session = done["verifySecondFactor"]["token"]
                    .as_str()
                    .unwrap_or_default();
                let fresh = gql(
                    &http,
                    &args.url,
                    Some(session),
                    "mutation { regenerateRecoveryCodes }",
                    json!({}),
                )
                .await?;
                codes = serde_json::from_value(fresh["regenerateRecoveryCodes"].clone())?;
            }
        }
    }
    let (a, b) = (at(&one, 0.5), at(&two, 0.5));
    println!(
        "logIn without a second factor p50={a:.2?} p90={:.2?} | logIn + verifySecondFactor p50={b:.2?} p90={:.2?} | ratio {:.2}x ({} each, interleaved)",
        at(&one, 0.9),
        at(&two, 0.9),
        b.as_secs_f64() / a.as_secs_f64(),
        args.tries
    );
    Ok(())
}
