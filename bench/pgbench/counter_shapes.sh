#!/usr/bin/env bash
# The shapes of trigger tried for the client counters (issue 27), side by side with
# pgbench on copies of one database, rounds interleaved: `none` (no counters), `row`
# (migration m0020: a delta row per client, folded at commit by a deferred constraint
# trigger; what SQLite keeps), `stmt` (m0021: statement-level triggers over transition
# tables; what PostgreSQL runs) and `mixed` (statement-level inserts, row-level updates).
# Each transaction inserts a client and updates another column of it, once (`one`) or
# 500 times (`bulk500`). Needs target/release/gateway (for the schema). Prints tps and
# latencies, then each copy's counters beside a COUNT(*).
#
#   bench/pgbench/counter_shapes.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/services.sh
GW=
trap '[ -n "$GW" ] && kill "$GW" 2>/dev/null; services_stop' EXIT
pg_start
T="$SERVICES_DIR/shapes"
mkdir -p "$T"
P="$PG_BIN/psql -q -h 127.0.0.1 -p $PG_PORT -U postgres"
$PG_BIN/createdb -h 127.0.0.1 -p $PG_PORT -U postgres base
port=$(free_port)
DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/base" DATA_DIR=$T/data LISTEN_ADDR=127.0.0.1:$port EMBEDDED_WORKER=false RUST_LOG=warn target/release/gateway >$T/gw.log 2>&1 &
GW=$!
for _ in $(seq 1 300); do curl -fs http://127.0.0.1:$port/readyz >/dev/null 2>&1 && break; sleep 0.1; done
kill $GW; wait $GW 2>/dev/null || true; GW=
$P base -c "INSERT INTO accounts (id, name, kind, platform, company_id, created_at) SELECT 1, 'P', 'PARTNER', 'V2', 'C000001', now() ON CONFLICT DO NOTHING"
for v in none row stmt mixed; do
  $PG_BIN/createdb -h 127.0.0.1 -p $PG_PORT -U postgres -T base $v
done
$P none -c "DROP TRIGGER clients_counted_insert ON clients; DROP TRIGGER clients_counted_delete ON clients; DROP TRIGGER clients_counted_update ON clients;"
# row = m0020
$P row -c "DROP TRIGGER clients_counted_insert ON clients; DROP TRIGGER clients_counted_delete ON clients; DROP TRIGGER clients_counted_update ON clients; DROP FUNCTION client_status_counts_added(); DROP FUNCTION client_status_counts_removed(); DROP FUNCTION client_status_counts_changed();"
python3 - <<'PY' > $T/m0020.sql
import re
s=open('migration/src/m0020_client_status_counts.rs').read()
print(re.search(r'POSTGRES_TRIGGERS: &str = r#"(.*?)"#;', s, re.S).group(1))
PY
$P row -f $T/m0020.sql
$P mixed -c "DROP TRIGGER clients_counted_update ON clients; CREATE FUNCTION counted_row_update() RETURNS TRIGGER LANGUAGE plpgsql AS \$\$ BEGIN INSERT INTO client_status_counts (partner_account_id, status, n) VALUES (OLD.partner_account_id, OLD.status, -1), (NEW.partner_account_id, NEW.status, 1) ON CONFLICT (partner_account_id, status) DO UPDATE SET n = client_status_counts.n + EXCLUDED.n; RETURN NULL; END \$\$; CREATE TRIGGER clients_counted_update AFTER UPDATE OF status, partner_account_id ON clients FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.partner_account_id IS DISTINCT FROM NEW.partner_account_id) EXECUTE FUNCTION counted_row_update();"
cat > $T/one.sql <<'SQL'
BEGIN;
INSERT INTO clients (partner_account_id, email, sort_name, status, status_rank, invited_via, invited_at) VALUES (1, 'c' || random() || '@x.example', 'c', 'INVITED', 0, 'EMAIL', now()) RETURNING id \gset
UPDATE clients SET last_invite_sent_at = now() WHERE id = :id;
COMMIT;
SQL
cat > $T/bulk.sql <<'SQL'
BEGIN;
SELECT bulk500();
COMMIT;
SQL
for v in none row stmt mixed; do
$P $v -c "CREATE FUNCTION bulk500() RETURNS void LANGUAGE plpgsql AS \$\$ DECLARE i int; cid bigint; BEGIN FOR i IN 1..500 LOOP INSERT INTO clients (partner_account_id, email, sort_name, status, status_rank, invited_via, invited_at) VALUES (1, 'b' || random() || '@x.example', 'b', 'INVITED', 0, 'EMAIL', now()) RETURNING id INTO cid; UPDATE clients SET last_invite_sent_at = now() WHERE id = cid; END LOOP; END \$\$"
done
for round in 1 2 3; do
  for v in none row stmt mixed; do
    one=$($PG_BIN/pgbench -n -c 1 -T 5 -f $T/one.sql -h 127.0.0.1 -p $PG_PORT -U postgres $v | awk '/^tps/ {print $3}')
    bulk=$($PG_BIN/pgbench -n -c 1 -T 8 -f $T/bulk.sql -h 127.0.0.1 -p $PG_PORT -U postgres $v | awk '/latency average/ {print $4}')
    echo "round $round $v: one-invite tps=$one  bulk500 latency=${bulk}ms"
  done
done
for v in row stmt mixed; do echo "$v counts:"; $P $v -c "SELECT * FROM client_status_counts"; $P $v -c "SELECT status, count(*) FROM clients GROUP BY 1"; done
