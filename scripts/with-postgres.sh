#!/usr/bin/env bash
# Run a command against a throw-away PostgreSQL cluster on a unix socket, then remove the cluster.
# Installs the server from Debian's packages when it is missing.
set -euo pipefail
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
if [ -z "$pg_bin" ] || [ ! -x "$pg_bin/initdb" ]; then
  echo "Installing PostgreSQL from Debian's packages…"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
fi
dir=$(mktemp -d /tmp/opensales-pg.XXXXXX)
run_as=()
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --home "$dir" postgres
  chown postgres "$dir"
  run_as=(runuser -u postgres --)
fi
cleanup() {
  "${run_as[@]}" "$pg_bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT
"${run_as[@]}" "$pg_bin/initdb" -D "$dir/data" -U opensales --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
"${run_as[@]}" "$pg_bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
  -o "-c listen_addresses='' -c unix_socket_directories='$dir' -c fsync=off -c full_page_writes=off -c synchronous_commit=off" start >/dev/null
"${run_as[@]}" "$pg_bin/createdb" -h "$dir" -U opensales -T template0 -E UTF8 --locale=C.UTF-8 opensales
export DATABASE_URL="postgres://opensales@/opensales?host=$dir"
echo "PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') on $dir"
"$@"
