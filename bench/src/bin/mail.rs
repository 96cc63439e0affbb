//! Emails per second end to end: `count` invite emails are written to the outbox (as the
//! invite mutation writes them), then `workers` `worker run` processes hand them through
//! Redis to a real SMTP server in this process. Prints the time from the workers' start
//! to the last email, and the steady rate from the first email to the last.

use clap::Parser;
use sea_orm::TransactionTrait;
use sea_orm_migration::MigratorTrait;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

#[derive(Parser)]
struct Args {
    #[arg(long)]
    database_url: String,
    #[arg(long)]
    redis_url: String,
    #[arg(long, default_value_t = 1)]
    workers: usize,
    #[arg(long, default_value_t = 10_000)]
    count: u64,
    /// The `worker` binary to run.
    #[arg(long, default_value = "target/release/worker")]
    worker_bin: String,
}

#[derive(Clone)]
struct Sink(Arc<AtomicU64>);

impl mailin_embedded::Handler for Sink {
    fn data_end(&mut self) -> mailin_embedded::Response {
        self.0.fetch_add(1, Ordering::Relaxed);
        mailin_embedded::response::OK
    }
}

/// A real SMTP server on loopback counting the emails it accepts; returns its address.
fn start_sink(received: Arc<AtomicU64>) -> anyhow::Result<std::net::SocketAddr> {
    // TCP_NODELAY on the listening socket is inherited by the accepted ones: the sink
    // answers each SMTP command at once instead of waiting on Nagle's algorithm.
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None)?;
    socket.set_tcp_nodelay(true)?;
    socket.bind(&"127.0.0.1:0".parse::<std::net::SocketAddr>()?.into())?;
    socket.listen(128)?;
    let listener: std::net::TcpListener = socket.into();
    let smtp = listener.local_addr()?;
    // One thread per SMTP connection: more than the workers' pools hold together, or a
    // new connection waits for an idle one to time out.
    let mut server = mailin_embedded::Server::new(Sink(received));
    server.with_num_threads(128).with_tcp_listener(listener);
    std::thread::spawn(move || {
        let _ = server.serve();
    });
    Ok(smtp)
}

/// Writes `count` invite emails to the outbox, 1000 to a transaction.
async fn fill_outbox(db: &sea_orm::DatabaseConnection, count: u64) -> anyhow::Result<()> {
    let mut left = count;
    while left > 0 {
        let n = left.min(1000);
        let txn = db.begin().await?;
        for i in 0..n {
            let email = worker::Mail::Invite {
                to: format!("client{}-{i}@bench.example", left),
                partner_name: "Bench & Co".into(),
                company_name: Some("Client Co".into()),
                link: "http://bench.test/invite/0123456789abcdef".into(),
                client_id: None,
            };
            worker::queue_mail(&txn, None, &email).await?;
        }
        txn.commit().await?;
        left -= n;
    }
    Ok(())
}

/// Starts `args.workers` worker processes sending through `smtp`.
fn start_workers(
    args: &Args,
    smtp: std::net::SocketAddr,
    data: &std::path::Path,
) -> anyhow::Result<Vec<tokio::process::Child>> {
    let ns = format!("bench{}", std::process::id());
    (0..args.workers)
        .map(|i| {
            Ok(tokio::process::Command::new(&args.worker_bin)
                .arg("run")
                .env("DATABASE_URL", &args.database_url)
                .env("REDIS_URL", &args.redis_url)
                .env("QUEUE_NAMESPACE", &ns)
                .env("SMTP_URL", format!("smtp://{smtp}"))
                .env("DATA_DIR", data.join(format!("w{i}")))
                .env("OUTBOX_POLL_EVERY", "50ms")
                .env("RUST_LOG", "warn")
                .kill_on_drop(true)
                .spawn()?)
        })
        .collect()
}

/// Stops the workers as ops would (SIGTERM) and waits for them.
async fn stop_workers(children: Vec<tokio::process::Child>) {
    for c in &children {
        if let Some(pid) = c.id() {
            let _ = std::process::Command::new("kill")
                .args(["-TERM", &pid.to_string()])
                .status();
        }
    }
    for mut c in children {
        let _ = tokio::time::timeout(Duration::from_secs(30), c.wait()).await;
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let received = Arc::new(AtomicU64::new(0));
    let smtp = start_sink(received.clone())?;
    let db = entity::db::connect(&args.database_url, 4).await?;
    migration::Migrator::up(&db, None).await?;
    let written = Instant::now();
    fill_outbox(&db, args.count).await?;
    println!(
        "outbox: {} invite emails written in {:.1} s",
        args.count,
        written.elapsed().as_secs_f64()
    );

    let data = tempfile::tempdir()?;
    let started = Instant::now();
    let children = start_workers(&args, smtp, data.path())?;
    let mut first = None;
    let deadline = Instant::now() + Duration::from_secs(900);
    loop {
        let n = received.load(Ordering::Relaxed);
        if n > 0 && first.is_none() {
            first = Some((Instant::now(), n));
        }
        if n >= args.count {
            break;
        }
        anyhow::ensure!(Instant::now() < deadline, "only {n} emails after 900 s");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let total = started.elapsed().as_secs_f64();
    let (t_first, n_first) = first.expect("some email arrived");
    let steady = (args.count - n_first) as f64 / t_first.elapsed().as_secs_f64();
    println!(
        "workers={} emails={} total={total:.1}s emails/s={:.0} (first to last: {steady:.0}/s)",
        args.workers,
        args.count,
        args.count as f64 / total
    );
    stop_workers(children).await;
    Ok(())
}
