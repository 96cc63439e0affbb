//! How many clients each partner has in each status, kept by the database itself
//! (issue 27): the client list's `totalCount` and the status counts read four rows
//! instead of counting the partner's clients on every page. On PostgreSQL,
//! `m0021_statement_counters` replaces the triggers below with statement-level ones
//! (cheaper per write); SQLite keeps these.
//!
//! Triggers on `clients` keep `client_status_counts` in the same transaction as every
//! insert, delete and change of status or partner, whichever process or statement makes
//! it (the gateway, the worker's sweeps, bulk invites, the legacy import).
//!
//! On PostgreSQL a row's change is first written to `client_status_deltas` (+1 to its
//! new status, -1 to its old), and a deferred constraint trigger folds a transaction's
//! deltas into the counters at its commit: one upsert per partner and status a
//! transaction, not one per row (updating one counter row once per changed client of a
//! bulk invite or a sweep would make each update walk the transaction's earlier
//! versions of that row). The
//! fold moves the deltas it sees with one `DELETE … RETURNING`, so committed deltas never
//! remain and readers read the counters alone; the counter rows' locks order concurrent
//! folds of one partner, taken in status order. SQLite has one writer and updates rows
//! in place: its triggers add to the counters directly. Existing rows are counted once,
//! inside the migration's transaction, after the triggers exist (creating a trigger
//! locks `clients` against writes until the migration commits, so no change falls
//! between the count and the triggers).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Accounts {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum ClientStatusCounts {
    Table,
    PartnerAccountId,
    Status,
    N,
}

pub(crate) const POSTGRES_TRIGGERS: &str = r#"
CREATE TABLE client_status_deltas (
  id BIGSERIAL PRIMARY KEY,
  partner_account_id BIGINT NOT NULL,
  status VARCHAR(16) NOT NULL,
  d BIGINT NOT NULL
);
CREATE INDEX client_status_deltas_partner_idx ON client_status_deltas (partner_account_id);

CREATE FUNCTION client_status_counts_track() RETURNS TRIGGER
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    INSERT INTO client_status_deltas (partner_account_id, status, d)
      VALUES (OLD.partner_account_id, OLD.status, -1);
  END IF;
  IF TG_OP <> 'DELETE' THEN
    INSERT INTO client_status_deltas (partner_account_id, status, d)
      VALUES (NEW.partner_account_id, NEW.status, 1);
  END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION client_status_deltas_fold() RETURNS TRIGGER
LANGUAGE plpgsql AS $$
BEGIN
  -- Folded already, with the others of its partner.
  IF NOT EXISTS (SELECT 1 FROM client_status_deltas WHERE id = NEW.id) THEN
    RETURN NULL;
  END IF;
  WITH moved AS (
    DELETE FROM client_status_deltas WHERE partner_account_id = NEW.partner_account_id
    RETURNING status, d
  )
  INSERT INTO client_status_counts (partner_account_id, status, n)
    SELECT NEW.partner_account_id, status, SUM(d) FROM moved
    -- A partner account deleted in this transaction took its counters with it.
    WHERE EXISTS (SELECT 1 FROM accounts WHERE id = NEW.partner_account_id)
    GROUP BY status ORDER BY status
  ON CONFLICT (partner_account_id, status) DO UPDATE SET n = client_status_counts.n + EXCLUDED.n;
  RETURN NULL;
END $$;

CREATE TRIGGER clients_counted_insert AFTER INSERT ON clients
  FOR EACH ROW EXECUTE FUNCTION client_status_counts_track();
CREATE TRIGGER clients_counted_delete AFTER DELETE ON clients
  FOR EACH ROW EXECUTE FUNCTION client_status_counts_track();
CREATE TRIGGER clients_counted_update AFTER UPDATE OF status, partner_account_id ON clients
  FOR EACH ROW
  WHEN (OLD.status IS DISTINCT FROM NEW.status
        OR OLD.partner_account_id IS DISTINCT FROM NEW.partner_account_id)
  EXECUTE FUNCTION client_status_counts_track();
CREATE CONSTRAINT TRIGGER client_status_deltas_folded AFTER INSERT ON client_status_deltas
  DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION client_status_deltas_fold();
"#;

const SQLITE_TRIGGERS: [&str; 3] = [
    r#"CREATE TRIGGER clients_counted_insert AFTER INSERT ON clients BEGIN
  INSERT INTO client_status_counts (partner_account_id, status, n)
    VALUES (NEW.partner_account_id, NEW.status, 1)
    ON CONFLICT (partner_account_id, status) DO UPDATE SET n = n + 1;
END"#,
    r#"CREATE TRIGGER clients_counted_delete AFTER DELETE ON clients BEGIN
  UPDATE client_status_counts SET n = n - 1
    WHERE partner_account_id = OLD.partner_account_id AND status = OLD.status;
END"#,
    r#"CREATE TRIGGER clients_counted_update AFTER UPDATE OF status, partner_account_id ON clients
  WHEN OLD.status IS NOT NEW.status OR OLD.partner_account_id IS NOT NEW.partner_account_id
BEGIN
  UPDATE client_status_counts SET n = n - 1
    WHERE partner_account_id = OLD.partner_account_id AND status = OLD.status;
  INSERT INTO client_status_counts (partner_account_id, status, n)
    VALUES (NEW.partner_account_id, NEW.status, 1)
    ON CONFLICT (partner_account_id, status) DO UPDATE SET n = n + 1;
END"#,
];

const BACKFILL: &str = "INSERT INTO client_status_counts (partner_account_id, status, n) \
     SELECT partner_account_id, status, COUNT(*) FROM clients GROUP BY partner_account_id, status";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ClientStatusCounts::Table)
                    .col(
                        ColumnDef::new(ClientStatusCounts::PartnerAccountId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ClientStatusCounts::Status)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ClientStatusCounts::N)
                            .big_integer()
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(ClientStatusCounts::PartnerAccountId)
                            .col(ClientStatusCounts::Status),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(
                                ClientStatusCounts::Table,
                                ClientStatusCounts::PartnerAccountId,
                            )
                            .to(Accounts::Table, Accounts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DbBackend::Postgres => {
                db.execute_unprepared(POSTGRES_TRIGGERS).await?;
            }
            _ => {
                for t in SQLITE_TRIGGERS {
                    db.execute_unprepared(t).await?;
                }
            }
        }
        db.execute_unprepared(BACKFILL).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for t in [
            "clients_counted_insert",
            "clients_counted_delete",
            "clients_counted_update",
        ] {
            let sql = match manager.get_database_backend() {
                DbBackend::Postgres => format!("DROP TRIGGER IF EXISTS {t} ON clients"),
                _ => format!("DROP TRIGGER IF EXISTS {t}"),
            };
            db.execute_unprepared(&sql).await?;
        }
        if manager.get_database_backend() == DbBackend::Postgres {
            db.execute_unprepared(
                "DROP TABLE IF EXISTS client_status_deltas; \
                 DROP FUNCTION IF EXISTS client_status_counts_track(); \
                 DROP FUNCTION IF EXISTS client_status_deltas_fold()",
            )
            .await?;
        }
        manager
            .drop_table(Table::drop().table(ClientStatusCounts::Table).to_owned())
            .await
    }
}
