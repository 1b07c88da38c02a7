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
# The binary: `litestream` on PATH (an operator's own install), else the one the lockfile pins
# (@flydotio/litestream, installed by `npm ci`). That package's `.bin/litestream` is a Node wrapper
# that neither forwards signals nor passes on the exit code, so it is never run: the platform
# package's binary beside it is. Bash's own $OSTYPE/$HOSTTYPE name the platform (no extra tools).
case "${OSTYPE:-}" in linux*) platform=linux ;; darwin*) platform=darwin ;; *) platform=unknown ;; esac
case "${HOSTTYPE:-}" in x86_64 | amd64) platform+="-x64" ;; aarch64 | arm64) platform+="-arm64" ;; *) platform+="-unknown" ;; esac
LITESTREAM="$(command -v litestream 2>/dev/null || true)"
if [[ -z "$LITESTREAM" && -e "$PWD/node_modules/.bin/litestream" ]]; then
  LITESTREAM="$PWD/node_modules/.bin/litestream"
fi
if [[ "$LITESTREAM" == */node_modules/.bin/litestream ]]; then
  LITESTREAM="$(dirname "$LITESTREAM")/../@flydotio/litestream-$platform/litestream"
fi
if [[ -z "$LITESTREAM" || ! -x "$LITESTREAM" ]]; then
  # Refuse rather than run without the backups the configuration asks for.
  log "a replica is configured but the litestream binary is not on PATH nor in node_modules (npm ci installs @flydotio/litestream)"
  exit 1
fi

mkdir -p "$(dirname "$DATABASE_PATH")"
if [[ ! -e "$DATABASE_PATH" ]]; then
  log "no database at $DATABASE_PATH: restoring it from the replica, if the replica has one"
  if ! "$LITESTREAM" restore -if-db-not-exists -if-replica-exists -config "$LITESTREAM_CONFIG" "$DATABASE_PATH"; then
    log "restoring $DATABASE_PATH from the replica failed: not starting (fix access to the replica, or restore by hand)"
    exit 1
  fi
fi

log "starting the server under Litestream replication"
# Tells the server it runs under Litestream: on stop it waits for a WAL small enough that
# Litestream's last sync needs no checkpoint, which v0.3.13 would fail with exit 1
# (app/backup/litestream-exit.server.ts).
export LITESTREAM_REPLICATING=1
exec "$LITESTREAM" replicate -config "$LITESTREAM_CONFIG" -exec "${SERVER[*]}"
