#!/usr/bin/env bash
# Throwaway servers on loopback for tests and benchmarks. Source this file, then call
# `pg_start` (sets TEST_POSTGRES_URL), `redis_start` (sets TEST_REDIS_URL),
# `pg_fault_start` (a second PostgreSQL the fault tests may stop and start: sets
# TEST_PG_FAULT_URL and TEST_PG_FAULT_CTL) and `services_stop` (also run on exit).
# Installs PostgreSQL and Redis from Debian's packages when they are missing.

set -euo pipefail

SERVICES_DIR="${SERVICES_DIR:-$(mktemp -d /tmp/partner-dashboard-services.XXXXXX)}"
PG_PID_FILES=()
REDIS_PID_FILE=""

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

apt_install() {
  # `apt-get update` once per run, then install what is missing.
  if [ -z "${APT_UPDATED:-}" ]; then
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    APT_UPDATED=1
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

pg_bindir() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -n "$d" ] && [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && [ -x "$d/postgres" ]; then
    echo "$d"
  fi
}

free_port() {
  python3 - <<'PY'
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
PY
}

# pg_cluster NAME: initdb + start a throwaway cluster; sets PG_PORT and PG_DIR.
pg_cluster() {
  local name=$1 bin port dir
  bin=$(pg_bindir)
  if [ -z "$bin" ]; then
    echo "scripts/services: installing PostgreSQL from Debian packages" >&2
    apt_install postgresql
    bin=$(pg_bindir)
  fi
  [ -n "$bin" ] || { echo "PostgreSQL server binaries not found after install" >&2; return 1; }
  port=$(free_port)
  dir="$SERVICES_DIR/$name"
  mkdir -p "$dir"
  # PostgreSQL refuses to run as root: run the throwaway cluster as `postgres`.
  local run=""
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --home-dir "$dir" postgres
    chown -R postgres "$dir"
    chmod 755 "$SERVICES_DIR"
    run="runuser -u postgres --"
  fi
  $run "$bin/initdb" -D "$dir/data" -U postgres -A trust --no-sync -E UTF8 >"$dir/initdb.log" 2>&1
  # A control script (start|stop|restart), also for tests that stop the server on purpose.
  cat >"$dir/ctl" <<CTL
#!/bin/sh
exec $run "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 -m fast \
  -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=400" "\$1"
CTL
  chmod 755 "$dir/ctl"
  "$dir/ctl" start >/dev/null
  PG_PID_FILES+=("$dir/data/postmaster.pid")
  PG_BIN="$bin"
  PG_DATA="$dir/data"
  PG_PORT="$port"
  PG_DIR="$dir"
  echo "scripts/services: PostgreSQL $("$bin/postgres" --version | awk '{print $3}') ($name) on 127.0.0.1:$port" >&2
}

pg_start() {
  pg_cluster pg
  export TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$PG_PORT/postgres"
}

pg_fault_start() {
  pg_cluster pg-fault
  export TEST_PG_FAULT_URL="postgres://postgres@127.0.0.1:$PG_PORT/postgres"
  export TEST_PG_FAULT_CTL="$PG_DIR/ctl"
}

redis_start() {
  if ! command -v redis-server >/dev/null 2>&1; then
    echo "scripts/services: installing Redis from Debian packages" >&2
    apt_install redis-server
    # The package starts a system-wide server; the tests use their own.
    as_root systemctl stop redis-server >/dev/null 2>&1 || as_root service redis-server stop >/dev/null 2>&1 || true
  fi
  local port dir
  port=$(free_port)
  dir="$SERVICES_DIR/redis"
  mkdir -p "$dir"
  redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$dir" \
    --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log"
  for _ in $(seq 1 50); do [ -s "$dir/redis.pid" ] && redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
  REDIS_PID_FILE="$dir/redis.pid"
  REDIS_PORT="$port"
  export TEST_REDIS_URL="redis://127.0.0.1:$port/0"
  echo "scripts/services: Redis $(redis-server --version | awk '{print $3}' | cut -d= -f2) on 127.0.0.1:$port" >&2
}

services_stop() {
  local f pid
  for f in "${PG_PID_FILES[@]}" "$REDIS_PID_FILE"; do
    if [ -n "$f" ] && [ -f "$f" ]; then
      pid=$(head -n 1 "$f")
      kill -INT "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
  rm -rf "$SERVICES_DIR"
}
