//! Bulk invites' server time: a partner sends `inviteClients` with `--rows` new rows
//! (500 by default), `--rounds` times, on a running gateway (PostgreSQL in
//! `scripts/bench bulk`), each round a dry run and then the real run of the same rows,
//! interleaved. Prints each kind's median and worst round-trip time on loopback (which
//! is the server's time plus well under a millisecond) and the ratio.

use clap::Parser;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

#[derive(Parser)]
struct Args {
    /// The gateway's base URL.
    #[arg(long)]
    url: String,
    #[arg(long, default_value_t = 500)]
    rows: usize,
    #[arg(long, default_value_t = 5)]
    rounds: usize,
}

const SIGN_UP: &str = "mutation($e: String!) { signUp(input: { companyName: \"Bulk Bench & Co\", name: \"Bea Bench\", email: $e, password: \"bench-password-1\", isAccountantOrBookkeeper: true }) { token } }";
const BULK: &str = "mutation($rows: [BulkInviteRow!]!, $dry: Boolean) { inviteClients(rows: $rows, dryRun: $dry) { invited wouldInvite skipped invalid } }";

async fn gql(
    http: &reqwest::Client,
    url: &str,
    token: Option<&str>,
    q: &str,
    v: Value,
) -> anyhow::Result<Value> {
    let mut req = http
        .post(format!("{url}/graphql"))
        .json(&json!({ "query": q, "variables": v }));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let body: Value = req.send().await?.json().await?;
    anyhow::ensure!(body.get("errors").is_none(), "{body}");
    Ok(body["data"].clone())
}

fn summary(times: &mut [Duration]) -> (f64, f64) {
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    (ms(times[times.len() / 2]), ms(times[times.len() - 1]))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let http = reqwest::Client::new();
    let email = format!("bench-{}@bulk.example", std::process::id());
    let token =
        gql(&http, &args.url, None, SIGN_UP, json!({ "e": email })).await?["signUp"]["token"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
    let (mut dry, mut real) = (Vec::new(), Vec::new());
    for round in 0..args.rounds {
        let rows: Vec<Value> = (0..args.rows)
            .map(|i| json!({ "email": format!("r{round}-{i}@client.example"), "companyName": format!("Client {round}-{i}") }))
            .collect();
        let t = Instant::now();
        let d = gql(
            &http,
            &args.url,
            Some(&token),
            BULK,
            json!({ "rows": rows, "dry": true }),
        )
        .await?;
        dry.push(t.elapsed());
        anyhow::ensure!(d["inviteClients"]["wouldInvite"] == json!(args.rows), "{d}");
        let t = Instant::now();
        let d = gql(
            &http,
            &args.url,
            Some(&token),
            BULK,
            json!({ "rows": rows }),
        )
        .await?;
        real.push(t.elapsed());
        anyhow::ensure!(d["inviteClients"]["invited"] == json!(args.rows), "{d}");
    }
    let (dry_p50, dry_max) = summary(&mut dry);
    let (real_p50, real_max) = summary(&mut real);
    println!(
        "bulk invite of {} rows, {} rounds: real run p50 {real_p50:.0} ms (worst {real_max:.0} ms); dry run p50 {dry_p50:.0} ms (worst {dry_max:.0} ms); real/dry {:.1}x",
        args.rows,
        args.rounds,
        real_p50 / dry_p50
    );
    Ok(())
}
