/**
 * LiteFS mode (docs/decisions/005-scale-out.md): several machines, one primary that takes writes,
 * read replicas elsewhere. On when LITEFS_DIR is set (LiteFS's FUSE mount, litefs.yml `fuse.dir`).
 *
 * - LiteFS writes `${LITEFS_DIR}/.primary` (the primary's hostname) on replicas only; no file means
 *   this machine is the primary.
 * - On a replica, every request that may write (anything but GET/HEAD/OPTIONS: page actions and
 *   /api/v1 writes alike) is answered at once, body unread, with 409 and `fly-replay:
 *   instance=<primary>`: Fly's proxy replays it on the primary; the client never sees the 409.
 * - Read your own writes: after a write, the primary sets a `txnum` cookie with the database's
 *   transaction number (`${LITEFS_DIR}/${db}-pos`, "txid/checksum" in hex). A replica serving a GET
 *   with that cookie waits until it has replicated that far (polling, up to LITEFS_TXID_WAIT_MS),
 *   then serves it locally and drops the cookie; if it does not catch up in time, it replays the
 *   request to the primary. This is the Epic Stack's litefs-js approach, written here (litefs-js's
 *   own wait loop exits at once: its condition is inverted) without adding the dependency.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const TXNUM_COOKIE = "txnum";
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export interface LiteFsConfig {
  dir: string;
  databaseFilename: string;
  /** This machine's name as LiteFS writes it into .primary (litefs.yml lease.hostname). */
  hostname: string;
  txWaitMs: number;
  pollMs: number;
}

/** The LiteFS settings from the environment, or null when LiteFS mode is off. */
export function liteFsConfig(source: Record<string, string | undefined> = process.env): LiteFsConfig | null {
  const dir = source.LITEFS_DIR;
  if (!dir) return null;
  const waitMs = Number(source.LITEFS_TXID_WAIT_MS ?? 500);
  return {
    dir,
    databaseFilename: path.basename(source.DATABASE_PATH || "app.db"),
    hostname: source.HOSTNAME || os.hostname(),
    txWaitMs: Number.isFinite(waitMs) && waitMs >= 0 ? waitMs : 500,
    pollMs: 30,
  };
}

/** The primary's hostname when this machine is a replica; null when it is the primary. */
export function primaryInstance(config: LiteFsConfig): string | null {
  try {
    const primary = fs.readFileSync(path.join(config.dir, ".primary"), "utf8").trim();
    return primary && primary !== config.hostname ? primary : null;
  } catch {
    return null;
  }
}

/** The database's replication position (LiteFS's `-pos` file), 0 when unknown. */
function txNumber(config: LiteFsConfig): number {
  try {
    const pos = fs.readFileSync(path.join(config.dir, `${config.databaseFilename}-pos`), "utf8");
    const n = parseInt(pos.trim().split("/")[0], 16);
    return Number.isFinite(n) ? n : 0;
  } catch {
    return 0;
  }
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? "").split(";")) {
    const [k, ...v] = part.trim().split("=");
    if (k === name) return v.join("=");
  }
  return undefined;
}

function appendSetCookie(res: ServerResponse, cookie: string): void {
  const existing = res.getHeader("set-cookie");
  const list = existing === undefined ? [] : Array.isArray(existing) ? existing : [String(existing)];
  res.setHeader("set-cookie", [...list, cookie]);
}

const txCookie = (value: number, https: boolean) =>
  `${TXNUM_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Lax${https ? "; Secure" : ""}`;
const clearTxCookie = (https: boolean) =>
  `${TXNUM_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0${https ? "; Secure" : ""}`;

function replay(res: ServerResponse, primary: string): void {
  const body = JSON.stringify({
    error: { code: "replayed_to_primary", message: `This replica does not take writes; replaying on ${primary}.` },
  });
  res.writeHead(409, {
    "fly-replay": `instance=${primary}`,
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(body),
    "cache-control": "no-store",
  });
  res.end(body);
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * Wraps the server's request handler with the LiteFS routing; returns the handler itself when
 * LiteFS mode is off. `https` marks the txnum cookie Secure.
 */
export function withLiteFs(handle: Handler, opts: { https: boolean; config?: LiteFsConfig | null }): Handler {
  const config = opts.config === undefined ? liteFsConfig() : opts.config;
  if (!config) return handle;
  const { https } = opts;
  return (req, res) => {
    // Read on every request: with a Consul lease the primary can move at any time.
    const primary = primaryInstance(config);
    const method = (req.method ?? "GET").toUpperCase();
    const wanted = Number(cookieValue(req.headers.cookie, TXNUM_COOKIE));
    const hasCookie = Number.isFinite(wanted) && cookieValue(req.headers.cookie, TXNUM_COOKIE) !== undefined;

    if (!SAFE_METHODS.has(method)) {
      if (primary) return replay(res, primary);
      // The primary: once the handler has written, tell the client how far it must see.
      const writeHead = res.writeHead;
      res.writeHead = function (this: ServerResponse, ...args: Parameters<typeof writeHead>) {
        if (!res.headersSent) appendSetCookie(res, txCookie(txNumber(config), https));
        return writeHead.apply(this, args);
      } as typeof writeHead;
      return handle(req, res);
    }
    if (!hasCookie) return handle(req, res);
    if (!primary) {
      appendSetCookie(res, clearTxCookie(https));
      return handle(req, res);
    }
    // A replica, and the client has written: serve locally once this replica has caught up.
    const deadlineMs = Date.now() + config.txWaitMs;
    const check = () => {
      if (txNumber(config) >= wanted) {
        appendSetCookie(res, clearTxCookie(https));
        handle(req, res);
      } else if (Date.now() >= deadlineMs) replay(res, primary);
      else setTimeout(check, config.pollMs);
    };
    check();
  };
}
