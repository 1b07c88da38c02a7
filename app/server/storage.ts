/**
 * How the running server lives with a sick disk (see app/utils/storage-errors.server.ts for how a
 * failure is recognised and logged):
 * - /healthz answers 503 while a small write probe fails. The probe's result is cached for
 *   PROBE_INTERVAL_MS, so health checks never cost a write each.
 * - After a storage failure, a timer probes every RECOVERY_INTERVAL_MS until writes work, and
 *   retries `PRAGMA wal_checkpoint(TRUNCATE)` until one completes: it copies the WAL into the
 *   database and truncates it, giving back the space a WAL grown on a nearly full disk took
 *   (SQLite's own checkpoints failed there for want of space, so the WAL only grew).
 * - A page whose loader or action fails on storage shows a 503 with a plain message, not a 500.
 */
import type { ServerBuild } from "@remix-run/node";
import type { Request as ExpressRequest, Response as ExpressResponse } from "express";
import fs from "node:fs";
import path from "node:path";
import { probeWrite, type Db } from "../../db/client";
import { backupHealth } from "../backup/schedule.server";
import type { Env } from "../utils/env.server";
import { log } from "../utils/log.server";
import {
  isStorageError,
  noteStorageFailure,
  onStorageFailure,
  sqliteCode,
  STORAGE_RETRY_AFTER_SECONDS,
  storageRecovered,
  storageUnavailableError,
} from "../utils/storage-errors.server";

const PROBE_INTERVAL_MS = 3_000;
const RECOVERY_INTERVAL_MS = 2_000;

interface StorageHealth {
  ok: boolean;
  /** SQLite's code and words for the last failure while not ok. */
  code?: string;
  error?: string;
}

export interface StorageMonitor {
  /** The cached probe result; probes again when it is older than PROBE_INTERVAL_MS. */
  check(): StorageHealth;
  stop(): void;
}

export function startStorageMonitor(
  db: Db,
  opts: { probeIntervalMs?: number; recoveryIntervalMs?: number; now?: () => number; readOnly?: boolean } = {},
): StorageMonitor {
  // A read replica must not write (LiteFS replicates the primary's file): it has nothing to probe.
  if (opts.readOnly) return { check: () => ({ ok: true }), stop: () => {} };
  const probeIntervalMs = opts.probeIntervalMs ?? PROBE_INTERVAL_MS;
  const recoveryIntervalMs = opts.recoveryIntervalMs ?? RECOVERY_INTERVAL_MS;
  const now = opts.now ?? Date.now;
  let health: StorageHealth = { ok: true };
  let checkedAtMs = -Infinity;
  let recovery: NodeJS.Timeout | undefined;

  const failed = (e: unknown): StorageHealth => ({
    ok: false,
    code: sqliteCode(e) ?? "unknown",
    error: e instanceof Error ? e.message : String(e),
  });

  const probe = (): StorageHealth => {
    const sqlite = db.$client;
    if (!sqlite.open) return { ok: false, code: "closed", error: "the database is closed" };
    // Never wait for another process's write lock here: a health check must answer at once, and a
    // lock held elsewhere is not a storage problem.
    const busyTimeout = sqlite.pragma("busy_timeout", { simple: true });
    sqlite.pragma("busy_timeout = 0");
    try {
      probeWrite(sqlite);
      return { ok: true };
    } catch (e) {
      return isStorageError(e) ? failed(e) : { ok: true };
    } finally {
      sqlite.pragma(`busy_timeout = ${Number(busyTimeout)}`);
    }
  };

  // After a failure the WAL may hold much that could not be checkpointed (the checkpoint copies
  // pages into the database file, which must grow). TRUNCATE gives that space back, but only when it
  // can finish: a checkpoint that runs out of space half-way has grown the database file for
  // nothing and eaten the space just freed. So it runs only when the free space exceeds the WAL.
  let checkpointPending = false;
  const startRecovery = () => {
    if (recovery) return;
    recovery = setInterval(recover, recoveryIntervalMs);
    recovery.unref();
  };

  const record = (result: StorageHealth) => {
    const wasOk = health.ok;
    health = result;
    checkedAtMs = now();
    if (!result.ok) {
      checkpointPending = true;
      startRecovery();
    }
    if (result.ok && !wasOk) {
      log.info("storage recovered: database writes work again", { failuresSinceLastLog: storageRecovered() });
    }
  };

  const checkpointIfRoom = () => {
    const sqlite = db.$client;
    const file = sqlite.name;
    let walBytes = 0;
    let freeBytes = Infinity;
    try {
      walBytes = fs.statSync(`${file}-wal`).size;
      const s = fs.statfsSync(path.dirname(path.resolve(file)));
      freeBytes = Number(s.bavail) * Number(s.bsize);
    } catch {
      // No WAL file (nothing to checkpoint) or no statfs: try anyway.
    }
    if (freeBytes <= walBytes) return;
    try {
      const [result] = sqlite.pragma("wal_checkpoint(TRUNCATE)") as Array<{ busy: number }>;
      if (result && result.busy === 0) {
        checkpointPending = false;
        log.info("storage recovered: WAL checkpointed and truncated", { walBytesBefore: walBytes });
      }
    } catch {
      // Still failing; tried again on the next tick.
    }
  };

  const recover = () => {
    record(probe());
    if (checkpointPending) checkpointIfRoom();
    if (health.ok && !checkpointPending) {
      clearInterval(recovery);
      recovery = undefined;
    }
  };

  const unsubscribe = onStorageFailure((e) => {
    // A failed write is news: health turns 503 now, and the recovery timer starts.
    if (health.ok) record(failed(e));
  });

  return {
    check() {
      if (now() - checkedAtMs >= probeIntervalMs) record(probe());
      return health;
    },
    stop() {
      unsubscribe();
      clearInterval(recovery);
      recovery = undefined;
    },
  };
}

/** GET /healthz: 200 when the database reads and the (cached) write probe passes, else 503. */
export function healthzHandler(db: Db, monitor: StorageMonitor, env?: Env) {
  return (_req: ExpressRequest, res: ExpressResponse) => {
    res.set("Cache-Control", "no-store");
    try {
      db.$client.prepare("select 1 as ok from users limit 1").all();
    } catch (e) {
      res.status(503).json({ ok: false, error: { code: "storage_unavailable", message: String(e) } });
      return;
    }
    const health = monitor.check();
    if (health.ok) {
      // The last backup check is detail only: a failed check is for an operator, not a reason
      // for the platform to restart a healthy server (app/backup/schedule.server.ts).
      res.status(200).json(env ? { ok: true, backup: backupHealth(env) } : { ok: true });
      return;
    }
    res
      .status(503)
      .set("Retry-After", String(STORAGE_RETRY_AFTER_SECONDS))
      .json({ ok: false, error: { code: "storage_unavailable", message: `${health.code}: ${health.error}` } });
  };
}

type Build = ServerBuild | (() => Promise<ServerBuild>);

/**
 * The Remix build with every loader and action wrapped: a storage failure they throw becomes a
 * thrown 503 Response whose text the root ErrorBoundary shows, logged by the rate-limited log
 * (a raw error would be a 500 "Something went wrong" and a stack in the log per request).
 * The JSON routes catch errors themselves (apiRoute) and map them the same way.
 */
export function containStorageErrors(build: Build): Build {
  if (typeof build === "function") return async () => wrapBuild(await build());
  return wrapBuild(build);
}

const wrapped = new WeakMap<ServerBuild, ServerBuild>();

function wrapBuild(build: ServerBuild): ServerBuild {
  let out = wrapped.get(build);
  if (out) return out;
  const routes: ServerBuild["routes"] = {};
  for (const [id, route] of Object.entries(build.routes)) {
    const module = { ...route.module };
    if (module.loader) module.loader = guard(module.loader);
    if (module.action) module.action = guard(module.action);
    routes[id] = { ...route, module };
  }
  out = { ...build, routes };
  wrapped.set(build, out);
  return out;
}

function guard<F extends (...args: never[]) => unknown>(fn: F): F {
  return (async (...args: Parameters<F>) => {
    try {
      return await fn(...args);
    } catch (e) {
      if (!isStorageError(e)) throw e;
      noteStorageFailure(e, "page");
      throw new Response(storageUnavailableError(e).message, {
        status: 503,
        headers: { "Retry-After": String(STORAGE_RETRY_AFTER_SECONDS), "Content-Type": "text/plain; charset=utf-8" },
      });
    }
  }) as unknown as F;
}
