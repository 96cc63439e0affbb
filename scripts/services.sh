#!/usr/bin/env bash
# Throwaway servers on loopback for tests and benchmarks. Source this file, then call
# `pg_start` (sets TEST_POSTGRES_URL) and `services_stop` (also run on exit).
# Installs PostgreSQL from Debian's packages when it is missing.

set -euo pipefail

SERVICES_DIR="${SERVICES_DIR:-$(mktemp -d /tmp/partner-dashboard-services.XXXXXX)}"
PG_PID_FILE=""

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

pg_start() {
  local bin port dir
  bin=$(pg_bindir)
  if [ -z "$bin" ]; then
    echo "scripts/services: installing PostgreSQL from Debian packages" >&2
    apt_install postgresql
    bin=$(pg_bindir)
  fi
  [ -n "$bin" ] || { echo "PostgreSQL server binaries not found after install" >&2; return 1; }
  port=$(free_port)
  dir="$SERVICES_DIR/pg"
  mkdir -p "$dir"
  # PostgreSQL refuses to run as root: run the throwaway cluster as `postgres`.
  local run=()
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --home-dir "$dir" postgres
    chown -R postgres "$dir"
    chmod 755 "$SERVICES_DIR"
    run=(runuser -u postgres --)
  fi
  "${run[@]}" "$bin/initdb" -D "$dir/data" -U postgres -A trust --no-sync -E UTF8 >"$dir/initdb.log" 2>&1
  "${run[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=400" >/dev/null
  PG_PID_FILE="$dir/data/postmaster.pid"
  PG_BIN="$bin"
  PG_DATA="$dir/data"
  PG_PORT="$port"
  export TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/postgres"
  echo "scripts/services: PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port" >&2
}

services_stop() {
  if [ -n "${PG_PID_FILE:-}" ] && [ -f "$PG_PID_FILE" ]; then
    local pid
    pid=$(head -n 1 "$PG_PID_FILE")
    kill -INT "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -rf "$SERVICES_DIR"
}
