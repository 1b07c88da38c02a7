/**
 * The event outbox: domain events written in the SAME transaction as the change that causes them
 * (event_outbox), and fanned out after commit to the consumers registered at start-up (outbound
 * webhooks, email, auto top-up) by the dispatcher (./dispatcher.server.ts). Contract:
 * docs/decisions/011-outbox-webhooks.md.
 *
 * Invariants:
 * - an event exists iff the transaction that appended it committed (one INSERT inside it);
 * - every event is handed to every consumer that lists its type exactly once, in id order, in the
 *   dispatcher's transaction that also marks it dispatched (a crash rolls both back);
 * - `credits.deducted` is written only when someone wants it (a webhook endpoint lists it, or a
 *   consumer in this process does): deductions stay as fast as before otherwise.
 */
import type Database from "better-sqlite3";
import { randomUUID } from "node:crypto";
import type { Db } from "../../db/client";

/** Sent to webhook endpoints (issue 10 contract); `data` shapes are documented there. */
export const PUBLIC_EVENT_TYPES = [
  "credits.granted",
  "credits.deducted",
  "credits.expired",
  "credits.voided",
  "credits.expiring_soon",
  "balance.low",
  "balance.depleted",
  "hold.expired",
] as const;
/** Never sent to webhook endpoints; `data` is documented by each producer. */
export const INTERNAL_EVENT_TYPES = [
  "payment.failed",
  "topup.paid",
  "auto_topup.needed",
  // app/billing/auto-topup.server.ts: auto top-up turned itself off (data documented at switchOff).
  "auto_topup.failed",
] as const;

export type PublicEventType = (typeof PUBLIC_EVENT_TYPES)[number];
export type InternalEventType = (typeof INTERNAL_EVENT_TYPES)[number];
export type EventType = PublicEventType | InternalEventType;

export interface StoredEvent {
  id: string;
  type: EventType;
  userId: number | null;
  data: Record<string, unknown>;
  createdAt: Date;
  /** The outbox row id (dispatch order), set by the dispatcher. */
  seq?: number;
}

export interface EventConsumer {
  /** Unique; registering the same name again replaces the consumer. */
  name: string;
  types: EventType[];
  /** Runs in the dispatcher's transaction (sync); may write its own rows. Must not do network I/O. */
  handle(db: Db, event: StoredEvent): void;
  /** Optional: called after a dispatch transaction in which this consumer handled events committed. */
  afterCommit?(): void;
  /**
   * The outbound webhooks consumer: it wants credits.deducted only while a webhook endpoint lists
   * it, which appendEvent checks in the database itself (so any process — the CLI too — decides alike).
   */
  onlyForWebhookEndpoints?: boolean;
}

const consumers = new Map<string, EventConsumer>();

/** Registers a consumer (at start-up). Returns a function that removes it again (tests). */
export function registerEventConsumer(c: EventConsumer): () => void {
  consumers.set(c.name, c);
  return () => {
    if (consumers.get(c.name) === c) consumers.delete(c.name);
  };
}

/** The consumers registered now (the dispatcher reads this on every batch). */
export function eventConsumers(): EventConsumer[] {
  return [...consumers.values()];
}

interface Statements {
  insert: Database.Statement;
  endpointWantsDeducted: Database.Statement;
}
const statements = new WeakMap<Database.Database, Statements>();
function stmts(sqlite: Database.Database): Statements {
  let s = statements.get(sqlite);
  if (!s) {
    s = {
      insert: sqlite.prepare(
        `insert into event_outbox (event_id, type, user_id, data, created_at) values (?, ?, ?, ?, ?)`,
      ),
      // A handful of rows at most; the JSON array holds the quoted type.
      endpointWantsDeducted: sqlite
        .prepare(`select 1 from webhook_endpoints where instr(events, '"credits.deducted"') > 0 limit 1`)
        .pluck(),
    };
    statements.set(sqlite, s);
  }
  return s;
}

function wantsDeducted(sqlite: Database.Database): boolean {
  for (const c of consumers.values()) {
    if (!c.onlyForWebhookEndpoints && c.types.includes("credits.deducted")) return true;
  }
  return stmts(sqlite).endpointWantsDeducted.get() !== undefined;
}

/**
 * Synchronous; call INSIDE the caller's write transaction (one INSERT). Returns the event id
 * ("evt_…"), or null when the event was dropped because nobody consumes it (credits.deducted with
 * no endpoint or consumer listing it).
 */
export function appendEvent(
  db: Db,
  e: { type: EventType; userId: number | null; data: Record<string, unknown>; at: Date },
): string | null {
  const sqlite = db.$client;
  if (e.type === "credits.deducted" && !wantsDeducted(sqlite)) return null;
  const id = `evt_${randomUUID().replaceAll("-", "")}`;
  stmts(sqlite).insert.run(id, e.type, e.userId, JSON.stringify(e.data), e.at.getTime());
  return id;
}

let poke: (() => void) | undefined;

/** Poke the dispatcher after a commit (cheap; it also polls on its own, for other processes' events). */
export function notifyEvents(): void {
  poke?.();
}

/** The dispatcher installs its wake-up here (one per process); returns its removal. */
export function setEventNotifier(fn: () => void): () => void {
  poke = fn;
  return () => {
    if (poke === fn) poke = undefined;
  };
}
