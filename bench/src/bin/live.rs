//! The live client list's delivery rate: `--subscribers` WebSocket subscribers of one
//! partner (graphql-transport-ws, `clientChanged`), half on the gateway at `--url` and
//! half on the one at `--other-url`; a bulk invite of `--rows` rows through the first,
//! `--rounds` times. Each round times, from sending the mutation, how long until every
//! subscriber on each gateway has all the round's changes. Prints changes delivered per
//! second (subscribers × rows / time to the last one), beside the mutation's own time.

use clap::Parser;
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

#[derive(Parser)]
struct Args {
    /// The gateway that makes the changes (and serves half the subscribers).
    #[arg(long)]
    url: String,
    /// Another gateway on the same database and Redis (the other half).
    #[arg(long)]
    other_url: String,
    #[arg(long, default_value_t = 100)]
    subscribers: usize,
    #[arg(long, default_value_t = 500)]
    rows: usize,
    #[arg(long, default_value_t = 5)]
    rounds: usize,
}

const SIGN_UP: &str = "mutation($e: String!) { signUp(input: { companyName: \"Live Bench & Co\", name: \"Lee Bench\", email: $e, password: \"bench-password-1\", isAccountantOrBookkeeper: true }) { token } }";
const BULK: &str = "mutation($rows: [BulkInviteRow!]!) { inviteClients(rows: $rows) { invited } }";
const CHANGED: &str = "subscription { clientChanged { kind client { id email status inviteState inviteExpiresAt partnerAccess availableActions } } }";

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

/// Connects, subscribes, and publishes how many `next` messages came, and when the
/// latest did.
async fn subscriber(
    url: String,
    token: String,
    rounds: tokio::sync::watch::Sender<(usize, Instant)>,
    ready: tokio::sync::mpsc::Sender<()>,
) -> anyhow::Result<()> {
    let ws = format!("{}/graphql/ws", url.replacen("http", "ws", 1));
    let mut req = ws.as_str().into_client_request()?;
    req.headers_mut()
        .insert("Sec-WebSocket-Protocol", "graphql-transport-ws".parse()?);
    let (mut socket, _) = tokio_tungstenite::connect_async(req).await?;
    let init = json!({ "type": "connection_init", "payload": { "authorization": format!("Bearer {token}") } });
    socket.send(Message::Text(init.to_string().into())).await?;
    let ack = socket
        .next()
        .await
        .ok_or_else(|| anyhow::anyhow!("closed"))??;
    anyhow::ensure!(ack.to_text()?.contains("connection_ack"), "{ack:?}");
    let sub = json!({ "id": "1", "type": "subscribe", "payload": { "query": CHANGED } });
    socket.send(Message::Text(sub.to_string().into())).await?;
    // The subscription is registered once the server has read it: a ping round trip
    // after it proves that.
    socket
        .send(Message::Text(json!({ "type": "ping" }).to_string().into()))
        .await?;
    loop {
        let m = socket
            .next()
            .await
            .ok_or_else(|| anyhow::anyhow!("closed"))??;
        if m.to_text()?.contains("pong") {
            break;
        }
    }
    ready.send(()).await?;
    let mut count = 0usize;
    while let Some(m) = socket.next().await {
        let m = m?;
        if let Message::Text(t) = &m {
            if t.contains("\"next\"") {
                count += 1;
                rounds.send_replace((count, Instant::now()));
            } else if t.contains("\"ping\"") {
                socket
                    .send(Message::Text(json!({ "type": "pong" }).to_string().into()))
                    .await?;
            }
        }
        if let Message::Close(frame) = m {
            anyhow::bail!("closed by the server: {frame:?}");
        }
    }
    Ok(())
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

type Counter = (usize, tokio::sync::watch::Receiver<(usize, Instant)>);

/// Starts the subscribers, alternating between the two gateways, and waits until every
/// one is subscribed. Each counter says which gateway (0 = `url`) and what it has seen.
async fn subscribe_all(args: &Args, token: &str) -> anyhow::Result<Vec<Counter>> {
    let (ready_tx, mut ready_rx) = tokio::sync::mpsc::channel(args.subscribers);
    let mut counters = Vec::new();
    for i in 0..args.subscribers {
        let url = if i % 2 == 0 {
            &args.url
        } else {
            &args.other_url
        };
        let (tx, rx) = tokio::sync::watch::channel((0usize, Instant::now()));
        counters.push((i % 2, rx));
        let (url, token, ready) = (url.clone(), token.to_owned(), ready_tx.clone());
        tokio::spawn(async move {
            if let Err(e) = subscriber(url, token, tx, ready).await {
                eprintln!("subscriber {i}: {e}");
            }
        });
    }
    for _ in 0..args.subscribers {
        tokio::time::timeout(Duration::from_secs(30), ready_rx.recv())
            .await?
            .ok_or_else(|| anyhow::anyhow!("a subscriber failed"))?;
    }
    Ok(counters)
}

/// Seconds from `since` until the last subscriber on each gateway has `want` changes.
async fn last_arrivals(
    counters: &mut [Counter],
    want: usize,
    since: Instant,
) -> anyhow::Result<[f64; 2]> {
    let mut last = [0f64; 2];
    for (side, rx) in counters {
        let reached =
            tokio::time::timeout(Duration::from_secs(60), rx.wait_for(|(n, _)| *n >= want))
                .await
                .is_ok_and(|r| r.is_ok());
        if !reached {
            anyhow::bail!(
                "a subscriber got {} of {want} changes in 60 s",
                rx.borrow().0
            );
        }
        let at = rx.borrow().1;
        last[*side] = last[*side].max((at - since).as_secs_f64());
    }
    Ok(last)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let http = reqwest::Client::new();
    let email = format!("bench-{}@live.example", std::process::id());
    let token =
        gql(&http, &args.url, None, SIGN_UP, json!({ "e": email })).await?["signUp"]["token"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
    let mut counters = subscribe_all(&args, &token).await?;
    let (mut mutation, mut same, mut other) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..args.rounds {
        let rows: Vec<Value> = (0..args.rows)
            .map(|i| json!({ "email": format!("r{round}-{i}@client.example") }))
            .collect();
        let t = Instant::now();
        gql(
            &http,
            &args.url,
            Some(&token),
            BULK,
            json!({ "rows": rows }),
        )
        .await?;
        mutation.push(t.elapsed().as_secs_f64());
        let [s, o] = last_arrivals(&mut counters, (round + 1) * args.rows, t)
            .await
            .map_err(|e| anyhow::anyhow!("round {round}: {e}"))?;
        same.push(s);
        other.push(o);
    }
    let per_round = (args.subscribers * args.rows) as f64;
    let all: Vec<f64> = same.iter().zip(&other).map(|(a, b)| a.max(*b)).collect();
    let (m, s, o, a) = (median(mutation), median(same), median(other), median(all));
    println!(
        "live list, {} subscribers x {} changes per round, {} rounds (medians): {:.0} changes/s delivered ({:.0} ms to the last subscriber); the bulk invite itself {:.0} ms; last change on the gateway that made it {:.0} ms, on the other gateway {:.0} ms (other/same {:.2}x)",
        args.subscribers,
        args.rows,
        args.rounds,
        per_round / a,
        a * 1000.0,
        m * 1000.0,
        s * 1000.0,
        o * 1000.0,
        o / s
    );
    Ok(())
}
