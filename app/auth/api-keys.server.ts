/**
 * API keys for the JSON API.
 *
 * A key looks like `cb_usage_<43 base64url chars>` (or `cb_admin_…`): the prefix tells a human,
 * and secret scanners, what it is and what it may do. Only the SHA-256 of the whole key is stored,
 * with its first characters for lists; the key itself is shown once, when it is created.
 *
 * Scopes: `usage` keys read balances and ledgers and create deductions; `admin` keys do
 * everything (an admin key satisfies a `usage` requirement, never the other way round).
 *
 * No in-memory cache of verified keys: a lookup is one read through a unique index (a few
 * microseconds), so a revocation — also one made by the CLI in another process — takes effect
 * on the very next request. `last_used_at` is written at most once a minute per key, so a key
 * under load costs one small write a minute, not one per request.
 */
import type Database from "better-sqlite3";
import { createHash, randomBytes } from "node:crypto";
import type { Db } from "../../db/client";
import { API_KEY_SCOPES, type ApiKeyScope } from "../../db/schema";
import { AppError } from "../utils/errors";
import { log } from "../utils/log.server";
import { recordAudit } from "./audit.server";
import type { DbClock } from "../utils/context.server";
import { perConnection } from "../../db/per-connection";
import { writeTransaction } from "../../db/transaction";
import { takeRequest } from "./rate-limit.server";

export { API_KEY_SCOPES, type ApiKeyScope };

/** What callers see of a key; never the hash. */
export interface ApiKeyRecord {
  id: number;
  name: string;
  scope: ApiKeyScope;
  /** First characters of the key, e.g. "cb_usage_Ab3x", to recognise it in lists. */
  prefix: string;
  createdBy: string | null;
  /** Requests per second the key may make (./rate-limit.server.ts); null = not limited. */
  rateLimitPerSecond: number | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  createdAt: Date;
}

const KEY_PREFIX: Record<ApiKeyScope, string> = { admin: "cb_admin_", usage: "cb_usage_" };
const KEY_RANDOM_BYTES = 32;
/** Prefix plus 4 random characters: enough to tell keys apart, useless to an attacker. */
const DISPLAY_PREFIX_LENGTH = 13;
const KEY_PATTERN = /^cb_(admin|usage)_[A-Za-z0-9_-]{43}$/;
export const LAST_USED_WRITE_INTERVAL_MS = 60_000;
const MAX_NAME_LENGTH = 100;

interface ApiKeyRow {
  id: number;
  name: string;
  scope: ApiKeyScope;
  prefix: string;
  created_by: string | null;
  rate_limit_per_second: number | null;
  last_used_at: number | null;
  revoked_at: number | null;
  created_at: number;
}

const COLUMNS = "id, name, scope, prefix, created_by, rate_limit_per_second, last_used_at, revoked_at, created_at";
/** The highest per-key limit: past it, a limit would be no limit at all. */
export const MAX_RATE_LIMIT_PER_SECOND = 100_000;

/** Prepared once per connection: authentication runs on every API request. */
function prepare(sqlite: Database.Database) {
  return {
    byHash: sqlite.prepare<[string], ApiKeyRow>(`select ${COLUMNS} from api_keys where key_hash = ?`),
    byId: sqlite.prepare<[number], ApiKeyRow>(`select ${COLUMNS} from api_keys where id = ?`),
    all: sqlite.prepare<[], ApiKeyRow>(`select ${COLUMNS} from api_keys order by id`),
    insert: sqlite.prepare<[string, ApiKeyScope, string, string, string | null, number | null, number], ApiKeyRow>(
      `insert into api_keys (name, scope, key_hash, prefix, created_by, rate_limit_per_second, created_at)
       values (?, ?, ?, ?, ?, ?, ?) returning ${COLUMNS}`,
    ),
    touch: sqlite.prepare<[number, number, number]>(
      "update api_keys set last_used_at = ? where id = ? and (last_used_at is null or last_used_at <= ?)",
    ),
    revoke: sqlite.prepare<[number, number]>("update api_keys set revoked_at = ? where id = ? and revoked_at is null"),
  };
}
const statements = perConnection(prepare);

function toRecord(row: ApiKeyRow): ApiKeyRecord {
  return {
    id: row.id,
    name: row.name,
    scope: row.scope,
    prefix: row.prefix,
    createdBy: row.created_by,
    rateLimitPerSecond: row.rate_limit_per_second,
    lastUsedAt: row.last_used_at == null ? null : new Date(row.last_used_at),
    revokedAt: row.revoked_at == null ? null : new Date(row.revoked_at),
    createdAt: new Date(row.created_at),
  };
}

export function hashApiKey(rawKey: string): string {
  return createHash("sha256").update(rawKey).digest("hex");
}

/** The actor string ledger entries and the audit log record for a key. */
export function apiKeyActor(record: Pick<ApiKeyRecord, "id">): string {
  return `api_key:${record.id}`;
}

/**
 * Creates a key and returns it once, in full, with its stored record. The key is not
 * recoverable afterwards: only its hash is kept.
 */
export function createApiKey(
  ctx: DbClock,
  input: { name: string; scope: ApiKeyScope; createdBy?: string | null; rateLimitPerSecond?: number | null },
): { key: string; record: ApiKeyRecord } {
  const name = typeof input.name === "string" ? input.name.trim() : "";
  if (!name) throw new AppError("invalid_request", "Give the key a name.", { field: "name" });
  if (name.length > MAX_NAME_LENGTH) {
    throw new AppError("invalid_request", `The name must be at most ${MAX_NAME_LENGTH} characters.`, { field: "name" });
  }
  if (!API_KEY_SCOPES.includes(input.scope)) {
    throw new AppError("invalid_request", `The scope must be one of: ${API_KEY_SCOPES.join(", ")}.`, {
      field: "scope",
    });
  }
  const rateLimit = input.rateLimitPerSecond ?? null;
  if (
    rateLimit !== null &&
    !(Number.isSafeInteger(rateLimit) && rateLimit >= 1 && rateLimit <= MAX_RATE_LIMIT_PER_SECOND)
  ) {
    throw new AppError(
      "invalid_request",
      `The rate limit must be a whole number of requests per second from 1 to ${MAX_RATE_LIMIT_PER_SECOND}.`,
      { field: "rateLimitPerSecond" },
    );
  }
  const key = KEY_PREFIX[input.scope] + randomBytes(KEY_RANDOM_BYTES).toString("base64url");
  const nowMs = ctx.clock.now().getTime();
  const createdBy = input.createdBy ?? null;
  const s = statements(ctx.db.$client);
  const row = writeTransaction(ctx.db, () => {
    const inserted = s.insert.get(
      name,
      input.scope,
      hashApiKey(key),
      key.slice(0, DISPLAY_PREFIX_LENGTH),
      createdBy,
      rateLimit,
      nowMs,
    )!;
    recordAudit(ctx, {
      actor: createdBy ?? "system",
      action: "api_key.create",
      subject: apiKeyActor(inserted),
      details: { name, scope: input.scope, prefix: inserted.prefix, rateLimitPerSecond: rateLimit },
    });
    return inserted;
  });
  return { key, record: toRecord(row) };
}

/**
 * The key's record, or null when the key is unknown, malformed or revoked. Records the use at
 * most once a minute per key; a failure to record it never fails the request.
 */
export function authenticateApiKey(ctx: DbClock, rawKey: string): ApiKeyRecord | null {
  const { db, clock } = ctx;
  if (!KEY_PATTERN.test(rawKey)) return null;
  const s = statements(db.$client);
  const row = s.byHash.get(hashApiKey(rawKey));
  if (!row || row.revoked_at != null) return null;
  const nowMs = clock.now().getTime();
  if (row.last_used_at == null || nowMs - row.last_used_at >= LAST_USED_WRITE_INTERVAL_MS) {
    try {
      writeTransaction(db, () => s.touch.run(nowMs, row.id, nowMs - LAST_USED_WRITE_INTERVAL_MS));
      row.last_used_at = nowMs;
    } catch (e) {
      log.warn("could not record API key use", { keyId: row.id, error: String(e) });
    }
  }
  return toRecord(row);
}

export function listApiKeys(db: Db): ApiKeyRecord[] {
  return statements(db.$client).all.all().map(toRecord);
}

export function getApiKey(db: Db, id: number): ApiKeyRecord | undefined {
  const row = statements(db.$client).byId.get(id);
  return row ? toRecord(row) : undefined;
}

/** Revokes a key for good; revoking a revoked key changes nothing and keeps the first date. */
export function revokeApiKey(ctx: DbClock, input: { id: number; actor?: string | null }): ApiKeyRecord {
  const s = statements(ctx.db.$client);
  const nowMs = ctx.clock.now().getTime();
  const row = writeTransaction(ctx.db, () => {
    const changed = s.revoke.run(nowMs, input.id).changes;
    if (changed) {
      recordAudit(ctx, {
        actor: input.actor ?? "system",
        action: "api_key.revoke",
        subject: `api_key:${input.id}`,
      });
    }
    return s.byId.get(input.id);
  });
  if (!row) throw new AppError("not_found", `API key ${input.id} does not exist.`, { field: "id" });
  return toRecord(row);
}

/**
 * The API key behind `Authorization: Bearer <key>`, allowed for `scope`, or an AppError:
 * `unauthenticated` (401) when there is none or it is unknown/revoked, `forbidden` (403) when a
 * usage key calls an admin endpoint. Throws AppError, so wrap the loader/action in `apiRoute()`
 * from app/utils/http.server.ts (or catch it and answer with `errorResponse(e)`).
 */
export function requireApiKey(request: Request, context: DbClock, scope: ApiKeyScope): ApiKeyRecord {
  return requireApiKeyHeader(request.headers.get("authorization") ?? undefined, context, scope);
}

/** requireApiKey for a server that has the Authorization header's value in hand (the v1 API). */
export function requireApiKeyHeader(header: string | undefined, context: DbClock, scope: ApiKeyScope): ApiKeyRecord {
  if (!header) {
    throw new AppError("unauthenticated", "Missing API key: send the header Authorization: Bearer <key>.");
  }
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  if (!match) throw new AppError("unauthenticated", "The Authorization header must be: Bearer <key>.");
  const record = authenticateApiKey(context, match[1]);
  if (!record) throw new AppError("unauthenticated", "The API key is invalid or has been revoked.");
  if (scope === "admin" && record.scope !== "admin") {
    throw new AppError("forbidden", "This endpoint needs an admin API key; this one has the usage scope.");
  }
  if (record.rateLimitPerSecond !== null)
    takeRequest(record.id, record.rateLimitPerSecond, context.clock.now().getTime());
  return record;
}
