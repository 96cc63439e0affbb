-- pgbench: 500 INVITED clients of the database's first partner in one transaction, one
-- INSERT statement each (as a bulk invite writes them). See client_insert.sql.
BEGIN;
DO $$
DECLARE partner BIGINT := (SELECT id FROM accounts WHERE kind = 'PARTNER' ORDER BY id LIMIT 1);
BEGIN
  FOR i IN 1..500 LOOP
    INSERT INTO clients (partner_account_id, email, sort_name, status, status_rank, invited_via, invited_at)
      VALUES (partner, 'pgbench-bulk-' || i || '-' || random() || '@client.example', 'pgbench', 'INVITED', 0, 'EMAIL', now());
  END LOOP;
END $$;
COMMIT;
