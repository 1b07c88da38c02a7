/**
 * Outbound webhook delivery (Standard Webhooks, standardwebhooks.com).
 *
 * - The consumer (runs in the event dispatcher's transaction) writes one pending delivery per
 *   endpoint that lists the event's type. Internal event types never reach it.
 * - The sender, after commit and off the request path, claims due deliveries (a lease on
 *   next_attempt_at, so a second process or a crash mid-send never loses one), POSTs them and
 *   records the outcome. 2xx = delivered; anything else, no answer within 10 s or a network error =
 *   retried on RETRY_DELAYS_MS (growing; > 24 h in all), then failed.
 * - Each endpoint is a lane of its own: its own send slots, sockets and timeouts, its own queue of
 *   due deliveries, so an endpoint that hangs or fails only ever waits on itself (decision 020).
 * - Every connection goes to an address the policy allowed, checked in the agent's lookup: the
 *   address checked is the address connected to (./addresses.server.ts).
 *   Every attempt carries the same webhook-id (the event id): receivers deduplicate on it.
 * - Pending deliveries live in the database, so a restart sends them (a claimed one whose result
 *   was never recorded is due again when its lease runs out).
 */
import type Database from "better-sqlite3";
import { createHmac } from "node:crypto";
import http from "node:http";
import https from "node:https";
import { performance } from "node:perf_hooks";
import { PUBLIC_EVENT_TYPES, type EventConsumer } from "../events/outbox.server";
import {
  addressRefusal,
  checkedLookup,
  normalHost,
  RefusedAddressError,
  webhookAddressPolicy,
  type WebhookAddressPolicy,
} from "./addresses.server";
import type { Clock } from "../utils/clock";
import type { DbClock } from "../utils/context.server";
import { log } from "../utils/log.server";
import { perConnection } from "../../db/per-connection";
import { isIP } from "node:net";
import { writeTransaction } from "../../db/transaction";

/** Delay before attempt n+1 after attempt n failed (n = 1…7); attempt 8 failing makes it failed. 27.6 h in all. */
export const RETRY_DELAYS_MS = [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000];
export const MAX_ATTEMPTS = RETRY_DELAYS_MS.length + 1;
export const DELIVERY_TIMEOUT_MS = 10_000;
/** Sends in flight to one endpoint at most (each endpoint has its own). */
export const ENDPOINT_CONCURRENCY = 8;
/** A claimed delivery is not claimed again before this (longer than a send can take). */
const CLAIM_LEASE_MS = DELIVERY_TIMEOUT_MS + 20_000;
/** At most this much of a response body is read (then the connection is dropped). */
const MAX_RESPONSE_BYTES = 16 * 1024;
const PUBLIC = new Set<string>(PUBLIC_EVENT_TYPES);

// ---------------------------------------------------------------------------------------------
// Consumer

/** The outbox consumer that turns public events into deliveries. `wake` pokes the sender after commit. */
export function webhooksConsumer(wake: () => void = () => {}): EventConsumer {
  return {
    name: "webhooks",
    types: [...PUBLIC_EVENT_TYPES],
    onlyForWebhookEndpoints: true,
    handle(db, event) {
      if (!PUBLIC.has(event.type) || event.seq === undefined) return;
      const nowMs = event.createdAt.getTime();
      statements(db.$client).enqueue.run({ type: `"${event.type}"`, seq: event.seq, now: nowMs });
    },
    afterCommit: wake,
  };
}

// ---------------------------------------------------------------------------------------------
// Signing

/** `v1,<base64 HMAC-SHA256 of "id.timestamp.body">` with the base64-decoded part of the secret after `whsec_`. */
export function signWebhook(secret: string, id: string, timestampSeconds: number, body: string): string {
  const key = Buffer.from(secret.startsWith("whsec_") ? secret.slice(6) : secret, "base64");
  return `v1,${createHmac("sha256", key).update(`${id}.${timestampSeconds}.${body}`).digest("base64")}`;
}

/**
 * The body every attempt sends: {id, type, createdAt, sequence?, data}, `data` as stored (no
 * re-encoding). `sequence` is the event's number among its user's public events (absent without one).
 */
export function webhookBody(e: {
  eventId: string;
  type: string;
  createdAtMs: number;
  data: string;
  userSeq?: number | null;
}): string {
  const sequence = e.userSeq == null ? "" : `"sequence":${e.userSeq},`;
  return `{"id":${JSON.stringify(e.eventId)},"type":${JSON.stringify(e.type)},"createdAt":"${new Date(e.createdAtMs).toISOString()}",${sequence}"data":${e.data}}`;
}

// ---------------------------------------------------------------------------------------------
// Sender

interface DueRow {
  id: number;
  endpoint_id: number;
  attempts: number;
  url: string;
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: number | null;
  event_id: string;
  type: string;
  data: string;
  created_at: number;
  user_seq: number | null;
}

interface Outcome {
  id: number;
  ok: boolean;
  statusCode: number | null;
  error: string | null;
  attempts: number;
}

export interface WebhookSender {
  /** Look for due deliveries now (after a dispatch committed some). */
  wake(): void;
  /** Sends everything due now and waits for the results (tests; the loop does the same on its own). */
  drain(): Promise<number>;
  /** Stops claiming, waits for the sends in flight (at most the delivery timeout), records them. */
  stop(): Promise<void>;
}

export interface SenderOptions {
  /** Sends in flight to one endpoint at most. */
  concurrency?: number;
  pollMs?: number;
  timeoutMs?: number;
  /** While the event loop is this busy (0–1), send at most `busyPerPoll` a poll (requests come first). */
  busyUtilization?: number;
  busyPerPoll?: number;
  /** Replaces the event-loop meter (tests). */
  isBusy?: () => boolean;
  /** Which addresses may be connected to; default: the test/development policy (loopback allowed). */
  policy?: WebhookAddressPolicy;
}

/** One endpoint's lane: its sends in flight and its own sockets. */
interface Lane {
  inFlight: number;
  agents: { http: http.Agent; https: https.Agent };
}

export function startWebhookSender(ctx: DbClock, opts: SenderOptions = {}): WebhookSender {
  const { db, clock } = ctx;
  const concurrency = opts.concurrency ?? ENDPOINT_CONCURRENCY;
  const pollMs = opts.pollMs ?? 1000;
  const timeoutMs = opts.timeoutMs ?? DELIVERY_TIMEOUT_MS;
  const busyUtilization = opts.busyUtilization ?? 0.8;
  const busyPerPoll = opts.busyPerPoll ?? 20;
  const policy = opts.policy ?? webhookAddressPolicy({ NODE_ENV: "test" });
  const lookup = checkedLookup(policy);
  const s = statements(db.$client);
  const lanes = new Map<number, Lane>();
  const inFlight = new Set<Promise<void>>();
  const outcomes: Outcome[] = [];
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let pumpQueued = false;
  let flushQueued = false;
  let elu = performance.eventLoopUtilization();
  let busy = opts.isBusy?.() ?? false;
  let budget = busy ? busyPerPoll : Infinity;
  let turn = 0;

  const lane = (endpointId: number): Lane => {
    let l = lanes.get(endpointId);
    if (!l) {
      // The agent's lookup is where every connection's address is checked.
      const agentOpts = { keepAlive: true, maxSockets: concurrency, lookup } as http.AgentOptions;
      l = { inFlight: 0, agents: { http: new http.Agent(agentOpts), https: new https.Agent(agentOpts) } };
      lanes.set(endpointId, l);
    }
    return l;
  };
  const dropLane = (endpointId: number) => {
    const l = lanes.get(endpointId);
    if (!l || l.inFlight > 0) return;
    l.agents.http.destroy();
    l.agents.https.destroy();
    lanes.delete(endpointId);
  };

  const flush = () => {
    flushQueued = false;
    if (outcomes.length === 0) return;
    const batch = outcomes.splice(0);
    try {
      record(s, db.$client, clock, batch);
    } catch (e) {
      // The lease makes them due again; the receiver sees the same webhook-id once more.
      log.warn("webhook results not recorded; they will be retried", { error: String(e), count: batch.length });
    }
    pump();
  };

  const send = async (row: DueRow, l: Lane) => {
    const attempts = row.attempts + 1;
    let outcome: Outcome;
    try {
      const statusCode = await post(row, clock, timeoutMs, l.agents, policy);
      const ok = statusCode >= 200 && statusCode < 300;
      outcome = { id: row.id, ok, statusCode, error: ok ? null : `HTTP ${statusCode}`, attempts };
    } catch (e) {
      outcome = { id: row.id, ok: false, statusCode: null, error: describe(e), attempts };
    }
    outcomes.push(outcome);
    if (!flushQueued) {
      flushQueued = true;
      setImmediate(flush);
    }
  };

  const start = (row: DueRow) => {
    const l = lane(row.endpoint_id);
    l.inFlight++;
    const p = send(row, l).finally(() => {
      l.inFlight--;
      inFlight.delete(p);
    });
    inFlight.add(p);
  };

  /** Claims what each endpoint has room for (within `total`), starting the round at a rotating endpoint. */
  const claimAll = (total: number): DueRow[] => {
    const endpoints = s.enabledEndpoints.all() as number[];
    for (const id of lanes.keys()) if (!endpoints.includes(id)) dropLane(id);
    const wants: [number, number][] = [];
    const n = endpoints.length;
    turn = n === 0 ? 0 : (turn + 1) % n;
    for (let i = 0; i < n; i++) {
      const id = endpoints[(turn + i) % n];
      const free = concurrency - (lanes.get(id)?.inFlight ?? 0);
      if (free > 0) wants.push([id, free]);
    }
    return claim(s, db.$client, clock, wants, total);
  };

  let draining = false;
  const pump = () => {
    if (stopped || draining) return;
    const total = busy ? budget : Infinity;
    if (total <= 0) return;
    let rows: DueRow[];
    try {
      rows = claimAll(total);
    } catch (e) {
      log.warn("webhook claim failed; will retry", { error: String(e) });
      return;
    }
    if (busy) budget -= rows.length;
    for (const row of rows) start(row);
  };

  const schedulePump = () => {
    if (pumpQueued || stopped) return;
    pumpQueued = true;
    setImmediate(() => {
      pumpQueued = false;
      pump();
    });
  };

  const poll = () => {
    // Requests first: while the event loop is nearly saturated (a deduction burst with an endpoint
    // listing credits.deducted), send a small batch per poll and let the backlog wait.
    const utilization = performance.eventLoopUtilization();
    busy = opts.isBusy
      ? opts.isBusy()
      : performance.eventLoopUtilization(utilization, elu).utilization > busyUtilization;
    elu = utilization;
    budget = busy ? busyPerPoll : Infinity;
    pump();
    timer = setTimeout(poll, pollMs);
    timer.unref();
  };
  timer = setTimeout(poll, 0);
  timer.unref();

  return {
    wake: () => {
      if (!busy) schedulePump();
    },
    async drain() {
      // The only claimer meanwhile; the same per-endpoint bounds as the loop.
      draining = true;
      let sent = 0;
      try {
        for (;;) {
          const rows = claimAll(Infinity);
          rows.forEach(start);
          sent += rows.length;
          if (inFlight.size === 0) break;
          await Promise.race([...inFlight]);
          flush();
        }
      } finally {
        draining = false;
      }
      return sent;
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await Promise.allSettled([...inFlight]);
      flush();
      for (const id of [...lanes.keys()]) dropLane(id);
    },
  };
}

/**
 * What an attempt without an answer records: the same words whether the port was closed, the host
 * unreachable, the connection reset or never answered, so the record cannot map a network; only a
 * refusal by the address policy says so (it connected to nothing).
 */
function describe(e: unknown): string {
  if (e instanceof RefusedAddressError) return "refused: the address is not allowed";
  return "no response";
}

/** Claims, per endpoint, up to its free slots of due deliveries (at most `total` in all): a lease moves next_attempt_at ahead. */
function claim(
  s: Statements,
  sqlite: Database.Database,
  clock: Clock,
  wants: [endpointId: number, free: number][],
  total: number,
): DueRow[] {
  const nowMs = clock.now().getTime();
  // Reads first: most polls find nothing, and then take no write lock.
  const due = wants.filter(([id]) => s.anyDue.get(id, nowMs) !== undefined);
  if (due.length === 0) return [];
  return writeTransaction(sqlite, () => {
    const rows: DueRow[] = [];
    for (const [id, free] of due) {
      const take = Math.min(free, total - rows.length);
      if (take <= 0) break;
      rows.push(...(s.due.all(id, nowMs, take) as DueRow[]));
    }
    for (const r of rows) s.lease.run(nowMs + CLAIM_LEASE_MS, nowMs, r.id);
    return rows;
  });
}

/** Records a batch of attempts in one transaction. */
function record(s: Statements, sqlite: Database.Database, clock: Clock, batch: Outcome[]): void {
  const nowMs = clock.now().getTime();
  writeTransaction(sqlite, () => {
    for (const o of batch) {
      if (o.ok) s.delivered.run(o.attempts, o.statusCode, nowMs, o.id);
      else {
        const delayMs = RETRY_DELAYS_MS[o.attempts - 1];
        // Only a pending row changes: one deleted with its endpoint, or retried meanwhile, is left alone.
        s.failedAttempt.run({
          id: o.id,
          attempts: o.attempts,
          statusCode: o.statusCode,
          error: o.error,
          now: nowMs,
          status: delayMs === undefined ? "failed" : "pending",
          next: delayMs === undefined ? null : nowMs + delayMs,
        });
      }
    }
  });
}

/** The webhook-signature header: the current secret's, and the previous one's until it expires. */
export function signatureHeader(
  row: Pick<DueRow, "secret" | "previous_secret" | "previous_secret_expires_at">,
  id: string,
  timestampSeconds: number,
  body: string,
  nowMs: number,
): string {
  const sig = signWebhook(row.secret, id, timestampSeconds, body);
  const previousValid = row.previous_secret && row.previous_secret_expires_at && row.previous_secret_expires_at > nowMs;
  return previousValid ? `${sig} ${signWebhook(row.previous_secret!, id, timestampSeconds, body)}` : sig;
}

/** One POST; resolves with the status code once the (bounded) response body is read. */
function post(
  row: DueRow,
  clock: Clock,
  timeoutMs: number,
  agents: { http: http.Agent; https: https.Agent },
  policy: WebhookAddressPolicy,
): Promise<number> {
  const body = webhookBody({
    eventId: row.event_id,
    type: row.type,
    createdAtMs: row.created_at,
    data: row.data,
    userSeq: row.user_seq,
  });
  const nowMs = clock.now().getTime();
  const timestamp = Math.floor(nowMs / 1000);
  const url = new URL(row.url);
  const secure = url.protocol === "https:";
  // An IP literal is connected to without a lookup, so it is checked here.
  const host = normalHost(url.hostname);
  const literalRefusal = isIP(host) ? addressRefusal(policy, host, host) : null;
  if (literalRefusal) return Promise.reject(new RefusedAddressError(host, literalRefusal));
  return new Promise<number>((resolve, reject) => {
    const req = (secure ? https : http).request(
      url,
      {
        method: "POST",
        agent: secure ? agents.https : agents.http,
        headers: {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(body),
          "user-agent": "credit-billing-webhooks/1",
          "webhook-id": row.event_id,
          "webhook-timestamp": String(timestamp),
          "webhook-signature": signatureHeader(row, row.event_id, timestamp, body, nowMs),
        },
      },
      (res) => {
        const status = res.statusCode ?? 0;
        let read = 0;
        res.on("data", (chunk: Buffer) => {
          read += chunk.length;
          if (read > MAX_RESPONSE_BYTES) {
            // Enough: the status is what counts. Dropping the connection stops the rest.
            clearTimeout(timer);
            res.destroy();
            resolve(status);
          }
        });
        res.on("end", () => {
          clearTimeout(timer);
          resolve(status);
        });
        res.on("error", (e) => {
          clearTimeout(timer);
          reject(e);
        });
      },
    );
    const timer = setTimeout(() => req.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs);
    req.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    req.end(body);
  });
}

interface Statements {
  enqueue: Database.Statement;
  enabledEndpoints: Database.Statement;
  anyDue: Database.Statement;
  due: Database.Statement;
  lease: Database.Statement;
  delivered: Database.Statement;
  failedAttempt: Database.Statement;
}
const statements = perConnection((sqlite): Statements => ({
  // One pending delivery per enabled endpoint listing the type; the unique (endpoint, event) index
  // makes a second dispatch of the same event (never expected) a no-op.
  enqueue: sqlite.prepare(
    `insert or ignore into webhook_deliveries
         (endpoint_id, event_row_id, status, attempts, next_attempt_at, created_at, updated_at)
       select id, @seq, 'pending', 0, @now, @now, @now from webhook_endpoints
         where enabled = 1 and instr(events, @type) > 0`,
  ),
  enabledEndpoints: sqlite.prepare(`select id from webhook_endpoints where enabled = 1 order by id`).pluck(),
  // Served by webhook_deliveries_endpoint_due_idx, as is `due`.
  anyDue: sqlite
    .prepare(
      `select 1 from webhook_deliveries where endpoint_id = ? and status = 'pending' and next_attempt_at <= ? limit 1`,
    )
    .pluck(),
  due: sqlite.prepare(
    `select d.id, d.endpoint_id, d.attempts, w.url, w.secret, w.previous_secret, w.previous_secret_expires_at,
            e.event_id, e.type, e.data, e.created_at, e.user_seq
       from webhook_deliveries d
       join webhook_endpoints w on w.id = d.endpoint_id
       join event_outbox e on e.id = d.event_row_id
       where d.endpoint_id = ? and d.status = 'pending' and d.next_attempt_at <= ?
       order by d.next_attempt_at limit ?`,
  ),
  lease: sqlite.prepare(`update webhook_deliveries set next_attempt_at = ?, updated_at = ? where id = ?`),
  delivered: sqlite.prepare(
    `update webhook_deliveries set status = 'delivered', attempts = ?, last_status_code = ?, last_error = null,
         next_attempt_at = null, updated_at = ? where id = ?`,
  ),
  failedAttempt: sqlite.prepare(
    `update webhook_deliveries set status = @status, attempts = @attempts, last_status_code = @statusCode,
         last_error = @error, next_attempt_at = @next, updated_at = @now where id = @id and status = 'pending'`,
  ),
}));
