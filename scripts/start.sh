#!/usr/bin/env bash
# Production entry point (the image's CMD).
#
# With a Litestream replica configured (LITESTREAM_REPLICA_URL or LITESTREAM_S3_BUCKET):
#   1. if the database file is missing (new machine, new volume), restore it from the replica;
#      a failed restore stops the boot, because starting on an empty database and replicating it
#      would bury the real backup under a new generation;
#   2. run the server under `litestream replicate -exec`, which streams the WAL to the replica and
#      forwards SIGTERM/SIGINT to the server, then exits when the server does.
# Without a replica the server runs directly. Either way this script `exec`s, so the process that
# receives the platform's stop signal is Litestream or the server, never a shell that ignores it.
# The server applies pending migrations itself at boot (before it listens), so there is no separate
# migrate step; under Litestream those writes are replicated like any other.
set -euo pipefail

# Run from the app root whatever the caller's directory: the server finds build/, public/ and
# migrations/ relative to it.
cd "$(dirname "${BASH_SOURCE[0]}")/.."

log() { printf 'start.sh: %s\n' "$*" >&2; }

# Same default as app/utils/env.server.ts; made absolute so Litestream and the server agree on it.
DATABASE_PATH="${DATABASE_PATH:-./data/app.db}"
case "$DATABASE_PATH" in
  /*) ;;
  *) DATABASE_PATH="$PWD/${DATABASE_PATH#./}" ;;
esac
export DATABASE_PATH

SERVER=(node build/node/server.js)

if [[ -z "${LITESTREAM_REPLICA_URL:-}" && -z "${LITESTREAM_S3_BUCKET:-}" ]]; then
  log "no Litestream replica configured (LITESTREAM_REPLICA_URL / LITESTREAM_S3_BUCKET unset): starting the server without replication"
  exec "${SERVER[@]}"
fi

if [[ -n "${LITESTREAM_REPLICA_URL:-}" && -n "${LITESTREAM_S3_BUCKET:-}" ]]; then
  log "set either LITESTREAM_REPLICA_URL or LITESTREAM_S3_BUCKET, not both"
  exit 1
fi
if [[ -n "${LITESTREAM_S3_BUCKET:-}" ]]; then
  # One bucket may hold several apps' replicas; by default this one lives under the file's name.
  export LITESTREAM_S3_PATH="${LITESTREAM_S3_PATH:-$(basename "$DATABASE_PATH")}"
fi

LITESTREAM_CONFIG="${LITESTREAM_CONFIG:-$PWD/litestream.yml}"
if [[ ! -f "$LITESTREAM_CONFIG" ]]; then
  log "Litestream config not found: $LITESTREAM_CONFIG"
  exit 1
fi
if ! command -v litestream >/dev/null 2>&1; then
  # Refuse rather than run without the backups the configuration asks for.
  log "a replica is configured but the litestream binary is not on PATH"
  exit 1
fi

mkdir -p "$(dirname "$DATABASE_PATH")"
if [[ ! -e "$DATABASE_PATH" ]]; then
  log "no database at $DATABASE_PATH: restoring it from the replica, if the replica has one"
  if ! litestream restore -if-db-not-exists -if-replica-exists -config "$LITESTREAM_CONFIG" "$DATABASE_PATH"; then
    log "restoring $DATABASE_PATH from the replica failed: not starting (fix access to the replica, or restore by hand)"
    exit 1
  fi
fi

log "starting the server under Litestream replication"
exec litestream replicate -config "$LITESTREAM_CONFIG" -exec "${SERVER[*]}"
