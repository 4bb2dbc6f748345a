#!/usr/bin/env bash
# Runs the server's test suite against PostgreSQL + S3 (moto), started here on
# loopback ports under a temp folder and stopped on exit.
#
#   scripts/test-services.sh              # cargo test -p server
#   scripts/test-services.sh accounts     # extra args go to cargo test
#
# Installs what is missing: Debian `postgresql` (apt) and `moto[server]` (PyPI).
set -euo pipefail

cd "$(dirname "$0")/.."
PG_PORT="${PG_PORT:-55432}"
S3_PORT="${S3_PORT:-55433}"
WORK="$(mktemp -d /tmp/qv-services.XXXXXX)"
chmod 755 "$WORK"

if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    echo "installing postgresql (apt)…" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
if ! command -v moto_server >/dev/null 2>&1; then
    echo "installing moto[server] (PyPI)…" >&2
    pip install -q 'moto[server]'
fi
PG_BIN="$(dirname "$(ls -d /usr/lib/postgresql/*/bin/initdb | sort -V | tail -1)")"

MOTO_PID=""
cleanup() {
    set +e
    if [ -f "$WORK/pg/postmaster.pid" ]; then
        run_pg "$PG_BIN/pg_ctl" -D "$WORK/pg" -m immediate stop >/dev/null 2>&1
    fi
    if [ -n "$MOTO_PID" ]; then kill "$MOTO_PID" 2>/dev/null; wait "$MOTO_PID" 2>/dev/null; fi
    rm -rf "$WORK"
}
trap cleanup EXIT

# PostgreSQL refuses to run as root: use the `postgres` account when we are root.
run_pg() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

mkdir -p "$WORK/pg"
[ "$(id -u)" = 0 ] && chown postgres "$WORK/pg"
run_pg "$PG_BIN/initdb" -D "$WORK/pg" -U qv --auth=trust >/dev/null
run_pg "$PG_BIN/pg_ctl" -D "$WORK/pg" -l "$WORK/pg/log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $WORK/pg -c max_connections=400 -c fsync=off" start >/dev/null

moto_server -H 127.0.0.1 -p "$S3_PORT" >"$WORK/moto.log" 2>&1 &
MOTO_PID=$!
for _ in $(seq 1 100); do
    curl -fs "http://127.0.0.1:$S3_PORT/" >/dev/null 2>&1 && break
    sleep 0.1
done
curl -fs -X PUT "http://127.0.0.1:$S3_PORT/qv-test" >/dev/null

export QV_TEST_DATABASE_URL="postgres://qv@127.0.0.1:$PG_PORT/postgres"
export QV_TEST_BLOB_URL="s3://qv-test"
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1
export AWS_ENDPOINT="http://127.0.0.1:$S3_PORT" AWS_ALLOW_HTTP=true

echo "PostgreSQL on 127.0.0.1:$PG_PORT, S3 (moto) on 127.0.0.1:$S3_PORT" >&2
cargo test -p server "$@"
