#!/usr/bin/env bash
# Run a command against a throw-away PostgreSQL cluster, then remove the cluster (also when the command
# fails or is interrupted with Ctrl-C).
#
#   scripts/with-postgres.sh .venv/bin/python -m pytest -m "not browser" -q
#
# The cluster listens on a unix socket in a fresh temporary directory only (no TCP port, so it never
# collides with another cluster), trusts local connections, and is created UTF-8 with the C.UTF-8
# locale. Its superuser is `opensales`, who owns the `opensales` database and may create the
# `test_opensales` database Django's test runner makes. The command sees DATABASE_URL.
# Installs the server from Debian's packages when it is missing. As root, the server runs as the
# `postgres` system user (PostgreSQL refuses to run as root).
set -euo pipefail

newest_pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }

pg_bin=$(newest_pg_bin || true)
if [ -z "$pg_bin" ] || [ ! -x "$pg_bin/initdb" ]; then
  echo "Installing PostgreSQL from Debian's packages…"
  sudo=()
  [ "$(id -u)" = 0 ] || sudo=(sudo)
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  pg_bin=$(newest_pg_bin)
  [ -x "$pg_bin/initdb" ] || { echo "PostgreSQL's initdb not found after installing" >&2; exit 1; }
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/opensales-pg.XXXXXX")
run_as=()
if [ "$(id -u)" = 0 ]; then
  # Debian's postgresql-common creates this user; make it if the server came some other way.
  id postgres >/dev/null 2>&1 || useradd --system --user-group --no-create-home --home-dir /nonexistent \
    --shell /usr/sbin/nologin postgres
  chown postgres: "$dir"
  run_as=(runuser -u postgres --)
fi

cleanup() {
  local status=$?
  trap - EXIT INT TERM HUP
  if [ -f "$dir/data/postmaster.pid" ]; then
    (cd / && "${run_as[@]}" "$pg_bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1) || true
  fi
  rm -rf "$dir"
  exit "$status"
}
trap cleanup EXIT
# Bash runs the EXIT trap when a signal ends the script only if the signal is trapped.
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# The server user may not be allowed into the caller's working directory; run its tools from /.
pg() { (cd / && "${run_as[@]}" "$pg_bin/$1" "${@:2}"); }

pg initdb -D "$dir/data" -U opensales --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
  { cat "$dir/initdb.log" >&2; exit 1; }
pg pg_ctl -D "$dir/data" -l "$dir/server.log" -w -t 60 start -o "-c listen_addresses='' \
  -c unix_socket_directories='$dir' -c fsync=off -c full_page_writes=off -c synchronous_commit=off" \
  >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
pg createdb -h "$dir" -U opensales -T template0 -E UTF8 --locale=C.UTF-8 opensales

export DATABASE_URL="postgres://opensales@/opensales?host=$dir"
echo "PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') on $dir"
# Not `exec`: the cluster must be removed when the command ends.
"$@"
