//! The client counters of m0020 kept by statement-level triggers on PostgreSQL (issue 27).
//!
//! m0020 wrote a delta row for every changed client and folded a transaction's deltas
//! at its commit with a deferred constraint trigger: a single invite paid a delta row, its
//! index entries, its removal and three lookups at commit (measured in `scripts/bench
//! versus`, each gateway on its own database: an invite 1.3× and a 500-row bulk invite
//! 1.4× the time without counters). Here each statement that inserts, deletes or
//! changes clients adds its changes to the counters once, grouped by partner and
//! status, from the statement's transition tables: an invite is one upsert, a bulk
//! invite of 500 rows one upsert, a sweep of one partner's trials one upsert of two rows.
//!
//! Locks: a counter row stays locked from the statement to the commit, so two
//! transactions writing one partner's clients in one status take turns from that
//! statement on (m0020 held it for the commit alone). Every statement takes its counter
//! rows in (partner, status) order, and every transaction that changes clients today
//! (an invite, a bulk invite, an accept, a subscription, a sweep of one partner, an
//! upgrade) changes them in one statement, so two of them cannot wait on each other
//! in a circle.
//!
//! SQLite keeps m0020's row triggers: it has no statement-level triggers, one writer,
//! and updates a counter row in place.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

use crate::m0020_client_status_counts::POSTGRES_TRIGGERS as ROW_TRIGGERS;

#[derive(DeriveMigrationName)]
pub struct Migration;

const UP: &str = r#"
DROP TRIGGER clients_counted_insert ON clients;
DROP TRIGGER clients_counted_delete ON clients;
DROP TRIGGER clients_counted_update ON clients;
DROP TRIGGER client_status_deltas_folded ON client_status_deltas;
-- Deltas are folded as their transaction commits, so none should be here; any that
-- are go into the counters before the table goes.
INSERT INTO client_status_counts (partner_account_id, status, n)
  SELECT partner_account_id, status, SUM(d) FROM client_status_deltas
  GROUP BY partner_account_id, status ORDER BY partner_account_id, status
ON CONFLICT (partner_account_id, status) DO UPDATE SET n = client_status_counts.n + EXCLUDED.n;
DROP TABLE client_status_deltas;
DROP FUNCTION client_status_counts_track();
DROP FUNCTION client_status_deltas_fold();

CREATE FUNCTION client_status_counts_added() RETURNS TRIGGER
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO client_status_counts (partner_account_id, status, n)
    SELECT partner_account_id, status, COUNT(*) FROM added
    GROUP BY partner_account_id, status ORDER BY partner_account_id, status
  ON CONFLICT (partner_account_id, status) DO UPDATE SET n = client_status_counts.n + EXCLUDED.n;
  RETURN NULL;
END $$;

CREATE FUNCTION client_status_counts_removed() RETURNS TRIGGER
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO client_status_counts (partner_account_id, status, n)
    SELECT partner_account_id, status, -COUNT(*) FROM removed
    -- A partner account deleted in this transaction took its counters with it.
    WHERE EXISTS (SELECT 1 FROM accounts WHERE accounts.id = removed.partner_account_id)
    GROUP BY partner_account_id, status ORDER BY partner_account_id, status
  ON CONFLICT (partner_account_id, status) DO UPDATE SET n = client_status_counts.n + EXCLUDED.n;
  RETURN NULL;
END $$;

CREATE FUNCTION client_status_counts_changed() RETURNS TRIGGER
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO client_status_counts (partner_account_id, status, n)
    SELECT partner_account_id, status, SUM(d) FROM (
      SELECT partner_account_id, status, 1 AS d FROM after_rows
      UNION ALL
      SELECT partner_account_id, status, -1 AS d FROM before_rows
    ) AS moved
    GROUP BY partner_account_id, status
    -- Most updates of clients change neither column: nothing to write.
    HAVING SUM(d) <> 0
    ORDER BY partner_account_id, status
  ON CONFLICT (partner_account_id, status) DO UPDATE SET n = client_status_counts.n + EXCLUDED.n;
  RETURN NULL;
END $$;

CREATE TRIGGER clients_counted_insert AFTER INSERT ON clients
  REFERENCING NEW TABLE AS added
  FOR EACH STATEMENT EXECUTE FUNCTION client_status_counts_added();
CREATE TRIGGER clients_counted_delete AFTER DELETE ON clients
  REFERENCING OLD TABLE AS removed
  FOR EACH STATEMENT EXECUTE FUNCTION client_status_counts_removed();
-- PostgreSQL allows no column list on an UPDATE trigger with transition tables.
CREATE TRIGGER clients_counted_update AFTER UPDATE ON clients
  REFERENCING OLD TABLE AS before_rows NEW TABLE AS after_rows
  FOR EACH STATEMENT EXECUTE FUNCTION client_status_counts_changed();
"#;

const DOWN: &str = r#"
DROP TRIGGER clients_counted_insert ON clients;
DROP TRIGGER clients_counted_delete ON clients;
DROP TRIGGER clients_counted_update ON clients;
DROP FUNCTION client_status_counts_added();
DROP FUNCTION client_status_counts_removed();
DROP FUNCTION client_status_counts_changed();
"#;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DbBackend::Postgres {
            manager.get_connection().execute_unprepared(UP).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DbBackend::Postgres {
            let db = manager.get_connection();
            db.execute_unprepared(DOWN).await?;
            db.execute_unprepared(ROW_TRIGGERS).await?;
        }
        Ok(())
    }
}
