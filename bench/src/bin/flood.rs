//! Can anonymous callers slow everyone's log-in by making the gateway hash passwords?
//! Times `logIn` on a running gateway idle and while `--flooders` clients from another
//! loopback address (127.0.0.2) keep sending, back to back, the costliest anonymous
//! request there is: a batch of 10 operations of 20 aliased `acceptInvite` and
//! `resetPassword` calls each (200 password-setting calls per request). Idle and flooded
//! rounds alternate, so both are measured in the same minutes. Prints logIn's p50 and p90
//! for each, their ratio, the flood's request rate, and how many password hashes the
//! gateway ran for the flood (`password_hashes_total`).

use clap::Parser;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

#[derive(Parser)]
struct Args {
    /// The gateway's base URL (on 127.0.0.1).
    #[arg(long)]
    url: String,
    /// Timed logIn calls per round.
    #[arg(long, default_value_t = 30)]
    tries: usize,
    /// Rounds of each kind, alternating idle and flooded.
    #[arg(long, default_value_t = 3)]
    rounds: usize,
    /// Flood requests in flight at once.
    #[arg(long, default_value_t = 48)]
    flooders: usize,
}

const LOG_IN: &str = "mutation($email: String!, $password: String!) { logIn(email: $email, password: $password) { token } }";

/// One operation of 20 aliased calls, each with a token of the right shape.
fn flood_operation(i: usize) -> Value {
    let calls: Vec<String> = (0..20)
        .map(|a| {
            let token = format!("{:A>43}", format!("flood-{i}-{a}"));
            if i.is_multiple_of(2) {
                format!(
                    r#"a{a}: acceptInvite(token: "{token}", input: {{companyName: "Flood", name: "Flood", password: "flood-password-1"}}) {{ token }}"#
                )
            } else {
                format!(r#"a{a}: resetPassword(token: "{token}", newPassword: "flood-password-1")"#)
            }
        })
        .collect();
    json!({ "query": format!("mutation {{ {} }}", calls.join(" ")) })
}

async fn hashes(http: &reqwest::Client, url: &str) -> anyhow::Result<f64> {
    let m = http
        .get(format!("{url}/metrics"))
        .send()
        .await?
        .text()
        .await?;
    Ok(m.lines()
        .filter(|l| l.starts_with("password_hashes_total{"))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum())
}

fn at(v: &[Duration], q: f64) -> Duration {
    let mut v = v.to_vec();
    v.sort();
    v[((v.len() - 1) as f64 * q) as usize]
}

/// Starts `n` flooders sending `batch` back to back until `stop`; `sent` counts answers.
fn start_flood(
    attacker: &reqwest::Client,
    url: &str,
    batch: &Arc<Vec<u8>>,
    n: usize,
    stop: &Arc<AtomicBool>,
    sent: &Arc<AtomicU64>,
) -> Vec<tokio::task::JoinHandle<()>> {
    (0..n)
        .map(|_| {
            let (c, url, body) = (attacker.clone(), url.to_owned(), batch.clone());
            let (stop, sent) = (stop.clone(), sent.clone());
            tokio::spawn(async move {
                while !stop.load(Ordering::Relaxed) {
                    let r = c
                        .post(format!("{url}/graphql"))
                        .header("content-type", "application/json")
                        .body(body.as_ref().clone())
                        .send()
                        .await;
                    if let Ok(r) = r {
                        let _ = r.bytes().await;
                        sent.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        })
        .collect()
}

/// Times `tries` logIn calls of the victim, one after another.
async fn time_log_ins(
    http: &reqwest::Client,
    url: &str,
    email: &str,
    tries: usize,
) -> anyhow::Result<Vec<Duration>> {
    let mut took = Vec::with_capacity(tries);
    for _ in 0..tries {
        let t = Instant::now();
        let r: Value = http
            .post(format!("{url}/graphql"))
            .json(&json!({ "query": LOG_IN, "variables": { "email": email, "password": "correct-horse-1" } }))
            .send()
            .await?
            .json()
            .await?;
        anyhow::ensure!(r["errors"].is_null(), "logIn failed: {r}");
        took.push(t.elapsed());
    }
    Ok(took)
}

/// Signs the victim up and returns its email.
async fn sign_up(http: &reqwest::Client, url: &str) -> anyhow::Result<String> {
    let email = format!("flood-{}@ledgerline.example", std::process::id());
    let signed_up: Value = http
        .post(format!("{url}/graphql"))
        .json(&json!({ "query": "mutation($input: SignUpInput!) { signUp(input: $input) { token } }",
            "variables": { "input": { "companyName": "Ledger & Line", "name": "Rosa", "email": email,
                 "password": "correct-horse-1", "isAccountantOrBookkeeper": true } } }))
        .send()
        .await?
        .json()
        .await?;
    anyhow::ensure!(signed_up["errors"].is_null(), "signUp failed: {signed_up}");
    Ok(email)
}

#[derive(Default)]
struct Flood {
    requests: u64,
    seconds: f64,
    hashes: f64,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let http = reqwest::Client::new();
    let email = sign_up(&http, &args.url).await?;
    let batch: Value = (0..10).map(flood_operation).collect::<Vec<_>>().into();
    let batch = Arc::new(serde_json::to_vec(&batch)?);
    let attacker = reqwest::Client::builder()
        .local_address(std::net::IpAddr::from([127, 0, 0, 2]))
        .build()?;

    let (mut idle, mut flooded, mut flood) = (Vec::new(), Vec::new(), Flood::default());
    for _ in 0..args.rounds {
        idle.extend(time_log_ins(&http, &args.url, &email, args.tries).await?);
        let stop = Arc::new(AtomicBool::new(false));
        let sent = Arc::new(AtomicU64::new(0));
        let tasks = start_flood(&attacker, &args.url, &batch, args.flooders, &stop, &sent);
        // Let the flood build up before timing.
        tokio::time::sleep(Duration::from_millis(500)).await;
        let hashes_before = hashes(&http, &args.url).await?;
        let (started, sent_before) = (Instant::now(), sent.load(Ordering::Relaxed));
        flooded.extend(time_log_ins(&http, &args.url, &email, args.tries).await?);
        flood.seconds += started.elapsed().as_secs_f64();
        flood.requests += sent.load(Ordering::Relaxed) - sent_before;
        // The victim's own log-ins each ran one check.
        flood.hashes += hashes(&http, &args.url).await? - hashes_before - args.tries as f64;
        stop.store(true, Ordering::Relaxed);
        for t in tasks {
            let _ = t.await;
        }
    }
    let (pi, pf) = (at(&idle, 0.5), at(&flooded, 0.5));
    println!(
        "logIn idle: p50={pi:.2?} p90={:.2?} | under flood: p50={pf:.2?} p90={:.2?} | flooded/idle p50 = {:.2}x (target <= 2x)",
        at(&idle, 0.9),
        at(&flooded, 0.9),
        pf.as_secs_f64() / pi.as_secs_f64()
    );
    println!(
        "flood: {} requests of 200 password-setting calls from 127.0.0.2 ({:.0} req/s, {} in flight); password hashes run for them: {:.0}",
        flood.requests,
        flood.requests as f64 / flood.seconds.max(1e-9),
        args.flooders,
        flood.hashes
    );
    Ok(())
}
