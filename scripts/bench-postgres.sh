#!/usr/bin/env bash
# The persistent PostgreSQL cluster of the benchmarks (bench/run.py), under var/bench/pg; unlike
# scripts/with-postgres.sh it survives between runs, so the large data set is loaded once.
#
#   scripts/bench-postgres.sh start          # create the cluster if needed, start it
#   scripts/bench-postgres.sh url NAME       # create database NAME if needed, print its DATABASE_URL
#   scripts/bench-postgres.sh drop NAME      # drop database NAME (to rebuild its data)
#   scripts/bench-postgres.sh version        # the server's version
#   scripts/bench-postgres.sh stop
#
# It listens on a unix socket in var/bench/pg only (no TCP port), trusts local connections, UTF-8 with
# the C.UTF-8 locale, superuser `opensales`. Settings for a benchmark, not for keeping data safe:
# fsync stays on (durability costs are part of the figures), shared_buffers 512MB.
set -euo pipefail
cd "$(dirname "$0")/.."

newest_pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }
pg_bin=$(newest_pg_bin || true)
if [ -z "$pg_bin" ] || [ ! -x "$pg_bin/initdb" ]; then
  echo "Installing PostgreSQL from Debian's packages…" >&2
  sudo=()
  [ "$(id -u)" = 0 ] || sudo=(sudo)
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  pg_bin=$(newest_pg_bin)
fi

dir="$(pwd)/var/bench/pg"
run_as=()
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --user-group --no-create-home --home-dir /nonexistent \
    --shell /usr/sbin/nologin postgres
  run_as=(runuser -u postgres --)
fi
pg() { (cd / && "${run_as[@]}" "$pg_bin/$1" "${@:2}"); }
running() { [ -f "$dir/data/postmaster.pid" ] && pg pg_ctl -D "$dir/data" status >/dev/null 2>&1; }

case "${1:-}" in
  start)
    if [ ! -f "$dir/data/PG_VERSION" ]; then
      mkdir -p "$dir"
      [ "$(id -u)" = 0 ] && chown postgres: "$dir"
      pg initdb -D "$dir/data" -U opensales --auth=trust --encoding=UTF8 --locale=C.UTF-8 \
        >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
    fi
    running || pg pg_ctl -D "$dir/data" -l "$dir/server.log" -w -t 120 start -o "-c listen_addresses='' \
      -c unix_socket_directories='$dir' -c shared_buffers=512MB -c max_connections=100" >/dev/null ||
      { cat "$dir/server.log" >&2; exit 1; }
    ;;
  url)
    name="${2:?database name}"
    pg psql -h "$dir" -U opensales -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='$name'" |
      grep -q 1 || pg createdb -h "$dir" -U opensales -T template0 -E UTF8 --locale=C.UTF-8 "$name"
    echo "postgres://opensales@/$name?host=$dir"
    ;;
  drop)
    pg dropdb -h "$dir" -U opensales --if-exists "${2:?database name}"
    ;;
  version)
    "$pg_bin/postgres" --version | awk '{print $3}'
    ;;
  stop)
    if running; then pg pg_ctl -D "$dir/data" -m fast -w stop >/dev/null; fi
    ;;
  *)
    echo "usage: $0 start | url NAME | drop NAME | version | stop" >&2
    exit 2
    ;;
esac
