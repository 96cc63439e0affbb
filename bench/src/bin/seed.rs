//! Seeds a PostgreSQL database for the client-list benchmark: N partner firms with M
//! clients each (half of them with a client account in which the partner has its own
//! ADMIN user, so "Log in" is available), and one session per partner owner whose token
//! is written to a file for the load generator.

use anyhow::Context;
use base64::Engine;
use clap::Parser;
use indicatif::{ProgressBar, ProgressStyle};
use migration::MigratorTrait;
use sea_orm::ConnectionTrait;
use sha2::{Digest, Sha256};
use std::io::Write;
use std::time::Instant;

#[derive(Parser, Debug)]
#[command(about = "Seed partners and clients for scripts/bench (PostgreSQL only)")]
struct Args {
    /// PostgreSQL database to seed (it should be empty).
    #[arg(long, env = "DATABASE_URL")]
    database_url: String,
    #[arg(long, default_value_t = 1000)]
    partners: i64,
    #[arg(long, default_value_t = 1000)]
    clients_per_partner: i64,
    /// Where to write one session token per partner, one a line.
    #[arg(long)]
    tokens_out: std::path::PathBuf,
}

/// The benchmark's session token of partner `p` (43 URL-safe characters, like real ones).
fn token(p: i64) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(Sha256::digest(format!("bench-partner-{p}")))
}

fn token_hash(t: &str) -> String {
    Sha256::digest(t.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// SQL for a unique Company ID from a number (three letters from n / 10000, four digits).
const CID: &str = "chr(65 + (({n} / 10000 / 676) % 26)::int) || chr(65 + (({n} / 10000 / 26) % 26)::int) || chr(65 + (({n} / 10000) % 26)::int) || lpad(({n} % 10000)::text, 4, '0')";

fn cid(n: &str) -> String {
    CID.replace("{n}", n)
}

/// SQL seeding partners `p0..=p1` with `m` clients each, in one transaction.
fn batch_sql(p0: i64, p1: i64, m: i64) -> String {
    // One fixed argon2id hash for every seeded user; nobody logs in with a password here.
    let hash = "$argon2id$v=19$m=19456,t=2,p=1$VcJCc46PI3rz0D+LInn0ZQ$/0Uk7YjHu+sWJdzOmiBRRXmWtb0Dd/FKpKxrllsmPgw";
    format!(
        "BEGIN;
        INSERT INTO accounts (company_id, name, kind, platform, created_at)
          SELECT {pcid}, 'Bench Partner ' || p, 'PARTNER', 'V2', now() FROM generate_series({p0}, {p1}) p;
        INSERT INTO users (account_id, email, name, password_hash, role, active, created_at)
          SELECT a.id, 'owner' || p || '@bench.example', 'Owner ' || p, '{hash}', 'OWNER', true, now()
          FROM generate_series({p0}, {p1}) p JOIN accounts a ON a.company_id = {pcid};
        INSERT INTO accounts (company_id, name, kind, platform, trial_ends_at, created_at)
          SELECT {ccid}, 'Client ' || p || '-' || g, 'CLIENT', 'V2', now() + interval '14 days', now()
          FROM generate_series({p0}, {p1}) p, generate_series(1, {m}) g WHERE g % 2 = 0;
        INSERT INTO users (account_id, email, name, password_hash, role, active, created_at)
          SELECT a.id, 'owner' || p || '@bench.example', 'Owner ' || p, '{hash}', 'ADMIN', true, now()
          FROM generate_series({p0}, {p1}) p CROSS JOIN generate_series(1, {m}) g
          JOIN accounts a ON a.company_id = {ccid} WHERE g % 2 = 0;
        INSERT INTO clients (partner_account_id, client_account_id, company_id, email, name, sort_name, status, status_rank, invited_via, invited_at, last_invite_sent_at, trial_ends_at)
          SELECT pa.id, ca.id, ca.company_id, 'client' || g || '@p' || p || '.example',
                 CASE WHEN g % 2 = 0 THEN 'Client ' || p || '-' || g END,
                 lower(COALESCE(CASE WHEN g % 2 = 0 THEN 'Client ' || p || '-' || g END, 'client' || g || '@p' || p || '.example')),
                 CASE WHEN g % 2 = 1 THEN 'INVITED' WHEN g % 6 = 0 THEN 'PAYING' WHEN g % 4 = 0 THEN 'TRIAL_EXPIRED' ELSE 'TRIAL' END,
                 CASE WHEN g % 2 = 1 THEN 0 WHEN g % 6 = 0 THEN 3 WHEN g % 4 = 0 THEN 2 ELSE 1 END,
                 CASE WHEN g % 3 = 0 THEN 'FORM' WHEN g % 3 = 1 THEN 'EMAIL' ELSE 'LINK' END,
                 now() - (g || ' minutes')::interval,
                 CASE WHEN g % 2 = 1 THEN now() END,
                 CASE WHEN g % 2 = 0 THEN now() + ((g % 14) || ' days')::interval END
          FROM generate_series({p0}, {p1}) p CROSS JOIN generate_series(1, {m}) g
          JOIN accounts pa ON pa.company_id = {pcid}
          LEFT JOIN accounts ca ON ca.company_id = {ccid};
        COMMIT;",
        pcid = cid("p"),
        ccid = cid("(100000 + p * 1000 + g)"),
    )
}

/// One session per partner owner of `p0..=p1`; the tokens are written to `tokens`.
async fn seed_sessions(
    db: &sea_orm::DatabaseConnection,
    p0: i64,
    p1: i64,
    tokens: &mut std::fs::File,
) -> anyhow::Result<()> {
    let mut values = Vec::new();
    for p in p0..=p1 {
        let t = token(p);
        writeln!(tokens, "{t}")?;
        values.push(format!(
            "((SELECT u.id FROM users u JOIN accounts a ON a.id = u.account_id WHERE a.company_id = {} AND u.role = 'OWNER'), '{}', now(), now() + interval '30 days')",
            cid(&p.to_string()),
            token_hash(&t)
        ));
    }
    db.execute_unprepared(&format!(
        "INSERT INTO sessions (user_id, token_hash, created_at, expires_at) VALUES {}",
        values.join(",")
    ))
    .await?;
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    anyhow::ensure!(
        args.database_url.starts_with("postgres"),
        "bench-seed seeds PostgreSQL only"
    );
    let db = entity::db::connect(&args.database_url, 4)
        .await
        .context("connect")?;
    migration::Migrator::up(&db, None)
        .await
        .context("migrate")?;
    let start = Instant::now();
    let m = args.clients_per_partner;
    let total = (args.partners * m) as u64;
    let bar = ProgressBar::new(total).with_style(ProgressStyle::with_template(
        "{spinner} seeding clients {bar:40} {human_pos}/{human_len} ({per_sec}, eta {eta})",
    )?);
    if !console_is_tty() {
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    let mut tokens = std::fs::File::create(&args.tokens_out)?;
    let batch = 10i64;
    let mut p0 = 1i64;
    while p0 <= args.partners {
        let p1 = (p0 + batch - 1).min(args.partners);
        db.execute_unprepared(&batch_sql(p0, p1, m))
            .await
            .map_err(|e| anyhow::anyhow!("seeding partners {p0}..{p1}: {e:?}"))?;
        seed_sessions(&db, p0, p1, &mut tokens).await?;
        bar.inc(((p1 - p0 + 1) * m) as u64);
        if !console_is_tty() && (p1 % 100 == 0 || p1 == args.partners) {
            eprintln!("seeded {} of {} clients", p1 * m, total);
        }
        p0 = p1 + 1;
    }
    // For pgbench: partner number -> the ids and token hash the gateway would look up.
    db.execute_unprepared(
        "DROP TABLE IF EXISTS bench_partners;
         CREATE TABLE bench_partners AS
           SELECT row_number() OVER (ORDER BY s.id) AS p, s.token_hash, u.id AS user_id, u.account_id, u.email
           FROM sessions s JOIN users u ON u.id = s.user_id;
         CREATE UNIQUE INDEX ON bench_partners (p);",
    )
    .await?;
    // Statistics and the visibility map, as a long-running database would have them.
    db.execute_unprepared("VACUUM ANALYZE").await?;
    bar.finish_and_clear();
    eprintln!(
        "seeded {} partners x {} clients in {:.1} s",
        args.partners,
        m,
        start.elapsed().as_secs_f64()
    );
    Ok(())
}

fn console_is_tty() -> bool {
    use std::io::IsTerminal;
    std::io::stderr().is_terminal()
}
