#!/usr/bin/env bash
# A throwaway PostgreSQL server for the store tests (tests/kpi/test_store*.py).
#
#   eval "$(bash .ci/postgres.sh start)"          # exports KPI_TEST_POSTGRES_URL and KPI_TEST_POSTGRES_DIR
#   bash .ci/postgres.sh stop "$KPI_TEST_POSTGRES_DIR"
#
# `start` installs Debian's postgresql package when initdb is nowhere to be found (unless
# KPI_PG_NO_INSTALL=1), creates a cluster in a new temporary directory — owned by the
# `postgres` user when run as root, since initdb refuses root — starts it on 127.0.0.1 on a
# free port with its socket inside that directory, creates the database `kpi_test` with a
# random password, and prints the two `export` lines on stdout (everything else goes to
# stderr). `stop` stops that server and removes the directory.
set -euo pipefail

say() { echo "::: postgres.sh: $*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

pg_bin() {
  local initdb
  initdb=$(command -v initdb 2>/dev/null || true)
  if [ -n "$initdb" ]; then dirname "$(readlink -f "$initdb")"; return; fi
  # Debian keeps the server binaries off PATH, one directory per major version.
  find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -n 1
}

# Run as the cluster's owner: ourselves, or `postgres` (created if missing) when we are root.
run_as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u "$owner" -- "$@"; else "$@"; fi
}

start() {
  local bin dir port password url
  bin=$(pg_bin)
  if [ -z "$bin" ]; then
    if [ "${KPI_PG_NO_INSTALL:-}" = 1 ]; then say "initdb not found and KPI_PG_NO_INSTALL=1"; exit 1; fi
    say "installing Debian's postgresql"
    as_root apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq postgresql >&2
    bin=$(pg_bin)
    [ -n "$bin" ] || { say "postgresql installed but initdb still not found"; exit 1; }
  fi

  owner=$(id -un)
  if [ "$(id -u)" = 0 ]; then
    owner=postgres
    id -u "$owner" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$owner"
  fi
  dir=$(mktemp -d "${TMPDIR:-/tmp}/kpi-postgres.XXXXXX")
  chmod 700 "$dir"
  mkdir "$dir/socket"
  password=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
  printf '%s\n' "$password" >"$dir/password"
  chmod 600 "$dir/password"
  [ "$(id -u)" = 0 ] && chown -R "$owner" "$dir"

  say "initdb in $dir (owner $owner, $("$bin/postgres" --version))"
  run_as_owner "$bin/initdb" -D "$dir/data" -U kpi --pwfile="$dir/password" --auth=scram-sha-256 \
    -E UTF8 --no-locale --no-sync >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }

  # A throwaway cluster: nothing in it outlives the run, so it does not flush to disk. The tests kill
  # clients, never this server; its fsyncs only made every other test's disk writes wait (the 10M
  # events test writes gigabytes).
  THROWAWAY="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  for attempt in 1 2 3 4 5; do
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    if run_as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
         -o "-c listen_addresses=127.0.0.1 -p $port -k $dir/socket -c max_connections=50 $THROWAWAY" start >&2; then
      break
    fi
    say "start on port $port failed (attempt $attempt)"; tail -n 5 "$dir/server.log" >&2 || true
    [ "$attempt" = 5 ] && exit 1
  done

  PGPASSWORD=$password "$bin/createdb" -h 127.0.0.1 -p "$port" -U kpi kpi_test
  url="postgresql+psycopg://kpi:$password@127.0.0.1:$port/kpi_test"
  say "PostgreSQL listening on 127.0.0.1:$port, database kpi_test"
  printf "export KPI_TEST_POSTGRES_URL='%s'\n" "$url"
  printf "export KPI_TEST_POSTGRES_DIR='%s'\n" "$dir"
}

stop() {
  local dir=${1:?usage: postgres.sh stop DIR}
  [ -d "$dir/data" ] || { say "no cluster in $dir"; exit 0; }
  local bin
  bin=$(pg_bin)
  owner=$(stat -c %U "$dir/data")
  run_as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >&2 || true
  rm -rf "$dir"
}

case "${1:-start}" in
  start) start ;;
  stop) stop "${2:-}" ;;
  *) echo "usage: $0 start | stop DIR" >&2; exit 2 ;;
esac
