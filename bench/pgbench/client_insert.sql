-- pgbench: what keeping the firm's counters adds to a write, without the gateway. One
-- transaction inserting one INVITED client of the database's first partner (an invite's
-- row), and one inserting 500 in 500 statements (a bulk invite's rows). Run against a
-- database with the counters' triggers and one without (`scripts/bench versus` runs
-- it on the baseline's and the new gateway's write-side databases, interleaved).
\set n random(1, 2000000000)
BEGIN;
INSERT INTO clients (partner_account_id, email, sort_name, status, status_rank, invited_via, invited_at)
  SELECT id, 'pgbench-' || :n || '-' || random() || '@client.example', 'pgbench', 'INVITED', 0, 'EMAIL', now()
  FROM accounts WHERE kind = 'PARTNER' ORDER BY id LIMIT 1;
COMMIT;
