#!/usr/bin/env bash
# Installs PostgreSQL from Debian's packages if needed, starts a private cluster on loopback
# (port 55432, trust auth, data in a temporary folder) and prints the URL the tests read.
set -euo pipefail
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >&2
  apt-get install -y -q postgresql >&2
fi
BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
URL="postgres://postgres@127.0.0.1:55432/access_test"
# Already running (a second run on the same machine): reuse it.
if "$BIN/pg_isready" -q -h 127.0.0.1 -p 55432; then
  "$BIN/psql" -h 127.0.0.1 -p 55432 -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'access_test'" | grep -q 1 \
    || "$BIN/psql" -h 127.0.0.1 -p 55432 -U postgres -c 'CREATE DATABASE access_test' >/dev/null
  echo "$URL"
  exit 0
fi
DATA=$(mktemp -d /tmp/access-pg.XXXXXX)
chown postgres:postgres "$DATA"
run() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi; }
run "$BIN/initdb -D $DATA -A trust -U postgres" >/dev/null
run "$BIN/pg_ctl -D $DATA -l $DATA/log -o '-p 55432 -k /tmp -c listen_addresses=127.0.0.1' -w start" >&2
run "$BIN/psql -h 127.0.0.1 -p 55432 -U postgres -c 'CREATE DATABASE access_test'" >/dev/null
echo "$URL"
