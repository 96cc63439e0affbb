//! Can a caller tell known emails from unknown ones by how long the answer takes? Signs
//! up a partner on a running gateway, then times, interleaved, `logIn` with an unknown
//! email against `logIn` with a known email and a wrong password, and
//! `requestPasswordReset` for a known against an unknown email. Prints the median and
//! p90 of each and how far apart the medians are. (The tests check that the answers and
//! the work done are the same; timings belong here, not in a test.)

use clap::Parser;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

#[derive(Parser)]
struct Args {
    /// The gateway's base URL.
    #[arg(long)]
    url: String,
    /// Calls of each operation.
    #[arg(long, default_value_t = 200)]
    tries: usize,
}

const LOG_IN: &str = "mutation($email: String!, $password: String!) { logIn(email: $email, password: $password) { token } }";
const RESET: &str = "mutation($email: String!) { requestPasswordReset(email: $email) }";

async fn gql(
    http: &reqwest::Client,
    url: &str,
    query: &str,
    variables: Value,
) -> anyhow::Result<Value> {
    Ok(http
        .post(format!("{url}/graphql"))
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await?
        .json()
        .await?)
}

struct Timings(Vec<Duration>);

impl Timings {
    fn at(&self, q: f64) -> Duration {
        let mut v = self.0.clone();
        v.sort();
        v[((v.len() - 1) as f64 * q) as usize]
    }
}

/// Times `tries` calls of each of two operations, taking turns at going first. Fails if
/// the two answers ever differ.
async fn compare(
    http: &reqwest::Client,
    url: &str,
    tries: usize,
    a: (&str, Value),
    b: (&str, Value),
) -> anyhow::Result<(Timings, Timings)> {
    let (mut ta, mut tb) = (Vec::new(), Vec::new());
    for i in 0..tries {
        let mut answers = Vec::new();
        for first in [i % 2 == 0, i % 2 != 0] {
            let (op, times) = if first { (&a, &mut ta) } else { (&b, &mut tb) };
            let t = Instant::now();
            let answer = gql(http, url, op.0, op.1.clone()).await?;
            times.push(t.elapsed());
            answers.push(answer);
        }
        anyhow::ensure!(
            answers[0] == answers[1],
            "the answers differ: {} vs {}",
            answers[0],
            answers[1]
        );
    }
    Ok((Timings(ta), Timings(tb)))
}

fn report(what: &str, (na, a): (&str, &Timings), (nb, b): (&str, &Timings)) {
    let (ma, mb) = (a.at(0.5), b.at(0.5));
    let gap = (ma.as_secs_f64() - mb.as_secs_f64()).abs() / ma.min(mb).as_secs_f64() * 100.0;
    println!(
        "{what}: {na} p50={ma:.2?} p90={:.2?} | {nb} p50={mb:.2?} p90={:.2?} | medians {gap:.1}% apart",
        a.at(0.9),
        b.at(0.9)
    );
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let http = reqwest::Client::new();
    let known = format!("bench-{}@ledgerline.example", std::process::id());
    let signed_up = gql(
        &http,
        &args.url,
        "mutation($input: SignUpInput!) { signUp(input: $input) { token } }",
        json!({ "input": { "companyName": "Ledger & Line", "name": "Rosa", "email": known,
                 "password": "correct-horse-1", "isAccountantOrBookkeeper": true } }),
    )
    .await?;
    anyhow::ensure!(signed_up["errors"].is_null(), "signUp failed: {signed_up}");
    let unknown = "nobody@ledgerline.example";

    let (u, w) = compare(
        &http,
        &args.url,
        args.tries,
        (
            LOG_IN,
            json!({ "email": unknown, "password": "wrong-password-1" }),
        ),
        (
            LOG_IN,
            json!({ "email": known, "password": "wrong-password-1" }),
        ),
    )
    .await?;
    report("logIn", ("unknown email", &u), ("wrong password", &w));

    let (k, u) = compare(
        &http,
        &args.url,
        args.tries,
        (RESET, json!({ "email": known })),
        (RESET, json!({ "email": unknown })),
    )
    .await?;
    report("requestPasswordReset", ("known", &k), ("unknown", &u));
    Ok(())
}
