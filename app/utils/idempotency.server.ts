/**
 * Idempotency-Key for the JSON APIs: the api_idempotency table stores each keyed answer so a
 * retried request gets the same answer. The request hash is the one canonical JSON of
 * ./json.ts, shared with the credit engine's ledger keys (app/credits/keyed.server.ts).
 */
import type Database from "better-sqlite3";
import type { DbClock } from "./context.server";
import { AppError } from "./errors";
import { jsonAnswer, jsonTextAnswer, type ApiAnswer, type ApiResult } from "./http.server";
import { jsonHash } from "./json";
import { IDEMPOTENCY_KEY_MAX_LENGTH } from "./limits";
import { perConnection } from "../../db/per-connection";
import { writeTransaction } from "../../db/transaction";

/** The Idempotency-Key header: absent → null; empty or longer than 255 characters → 400. */
function idempotencyKeyOf(header: string | null | undefined): string | null {
  const key = header ?? null;
  if (key === null) return null;
  if (key.length === 0 || key.length > IDEMPOTENCY_KEY_MAX_LENGTH) {
    throw new AppError(
      "invalid_request",
      `The Idempotency-Key header must be 1–${IDEMPOTENCY_KEY_MAX_LENGTH} characters.`,
      {
        field: "Idempotency-Key",
      },
    );
  }
  return key;
}

/** The hash stored beside a key: equal bodies (whatever their key order) hash equally. */
const requestHash = jsonHash;

interface IdempotencyRow {
  request_hash: string;
  status: number;
  body: string;
}

function prepare(sqlite: Database.Database) {
  return {
    find: sqlite.prepare<[string, string], IdempotencyRow>(
      "select request_hash, status, body from api_idempotency where scope = ? and key = ?",
    ),
    insert: sqlite.prepare<[string, string, string, number, string, number]>(
      "insert into api_idempotency (scope, key, request_hash, status, body, created_at) values (?, ?, ?, ?, ?, ?)",
    ),
  };
}
const statements = perConnection(prepare);

/**
 * Runs a POST's domain call under the request's Idempotency-Key.
 *
 * With a key, the lookup, the domain call and the stored answer share ONE write transaction
 * (the domain function's own joins it), so two identical requests at
 * once still write once: the second waits for the lock, then finds the first's record. A replay
 * with the same body returns the stored status and body with `Idempotent-Replayed: true`; the
 * same key with another body is 409 `idempotency_conflict`. Only 2xx answers are stored: a failed
 * request rolls back and may be retried with the same key.
 *
 * `scope` names the endpoint and the user or grant (e.g. "users/12/deductions"). The domain call
 * gets a namespaced key ("api:<scope>:<key>") to record on its ledger entry.
 */
export function respondIdempotently(
  context: DbClock,
  idempotencyKeyHeader: string | null | undefined,
  opts: { scope: string; body: unknown },
  run: (domainKey: string | null) => ApiResult,
): ApiAnswer {
  const key = idempotencyKeyOf(idempotencyKeyHeader);
  if (key === null) {
    const result = run(null);
    return jsonAnswer(result.body, result.status);
  }
  const hash = requestHash(opts.body);
  const s = statements(context.db.$client);
  const outcome = writeTransaction(context.db, () => {
    const stored = s.find.get(opts.scope, key);
    if (stored) {
      if (stored.request_hash !== hash) {
        throw new AppError(
          "idempotency_conflict",
          "This Idempotency-Key was already used with a different request body.",
          { field: "Idempotency-Key" },
        );
      }
      return { status: stored.status, text: stored.body, replayed: true };
    }
    const result = run(`api:${opts.scope}:${key}`);
    const text = JSON.stringify(result.body);
    if (result.status >= 200 && result.status < 300) {
      s.insert.run(opts.scope, key, hash, result.status, text, context.clock.now().getTime());
    }
    return { status: result.status, text, replayed: false };
  });
  return jsonTextAnswer(outcome.text, outcome.status, outcome.replayed ? REPLAYED : undefined);
}

const REPLAYED = { "Idempotent-Replayed": "true" };
