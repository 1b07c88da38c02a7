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
 * - a type with an event source (credits.deducted: the ledger's deduction entries) is never
 *   appended by its producer: the entry in the domain's own append-only table, written in the
 *   change's transaction, is the record, and the dispatcher copies those written since someone
 *   wanted the type (a webhook endpoint listing it since its creation, or a consumer in this process
 *   since the dispatcher first saw it) into the outbox in its own transaction, with a position in
 *   event_sources. A deduction's COMMIT writes no outbox page, endpoint or not.
 */
import type Database from "better-sqlite3";
import { randomUUID } from "node:crypto";
import type { Db } from "../../db/client";
import { perConnection } from "../../db/per-connection";
import { afterCommit } from "../../db/transaction";

/** Sent to webhook endpoints; `data` shapes are documented in app/api/openapi/webhooks.ts (decision 011). */
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

export type PublicEventType = (typeof PUBLIC_EVENT_TYPES)[number];
/**
 * Never sent to webhook endpoints; `data` is documented by each producer (auto_topup.failed: at
 * switchOff; webhook.test: app/webhooks/test-event.server.ts, written with its one delivery).
 */
type InternalEventType = "payment.failed" | "topup.paid" | "auto_topup.needed" | "auto_topup.failed" | "webhook.test";
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
   * The outbound webhooks consumer: it wants a sourced type (credits.deducted) only while a webhook
   * endpoint lists it, which the dispatcher checks in the database (any process decides alike).
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

/**
 * An event type read from a domain's own append-only table after commit instead of being appended
 * by the write (the domain registers it; the dispatcher copies its events into the outbox).
 */
export interface EventSource {
  type: PublicEventType;
  /** Up to `limit` events with source ids after `afterId`, in id order. */
  read(db: Db, afterId: number, limit: number): SourcedEvent[];
  /** The id of the source's last event written before `ms` (0 when none): where interest from `ms` on starts. */
  lastIdBefore(db: Db, beforeMs: number): number;
  /** Is there an event after `afterId`? */
  hasAfter(db: Db, afterId: number): boolean;
}

export interface SourcedEvent {
  sourceId: number;
  userId: number | null;
  data: Record<string, unknown>;
  atMs: number;
}

const sources = new Map<EventType, EventSource>();

/** Registers the source of an event type (the domain that owns the table, at import). Returns its removal. */
export function registerEventSource(source: EventSource): () => void {
  sources.set(source.type, source);
  return () => {
    if (sources.get(source.type) === source) sources.delete(source.type);
  };
}

/** Is `type` read from a domain's table (its interest starts when an endpoint starts listing it)? */
export function hasEventSource(type: string): boolean {
  return sources.has(type as EventType);
}

interface Statements {
  insert: Database.Statement;
  endpointsSince: Database.Statement;
  position: Database.Statement;
  setPosition: Database.Statement;
}
const stmts = perConnection((sqlite): Statements => ({
  insert: sqlite.prepare(`insert into event_outbox (event_id, type, user_id, data, created_at) values (?, ?, ?, ?, ?)`),
  // A handful of rows at most; the JSON array holds the quoted type.
  // From an endpoint's creation, or from the update that added the type (no backlog from before it).
  endpointsSince: sqlite
    .prepare(`select min(coalesce(events_since, created_at)) from webhook_endpoints where instr(events, ?) > 0`)
    .pluck(),
  position: sqlite.prepare(`select last_id from event_sources where name = ?`).pluck(),
  setPosition: sqlite.prepare(
    `insert into event_sources (name, last_id) values (?, ?) on conflict (name) do update set last_id = excluded.last_id`,
  ),
}));

/** When each consumer listing a sourced type was first seen by a dispatcher (its interest starts then). */
const consumerSeen = new WeakMap<EventConsumer, number>();

/**
 * Since when someone wants `type` (ms), or null: the oldest webhook endpoint listing it (from its
 * creation), or a consumer in this process listing it (from when this was first asked with it there).
 */
function wantedSince(db: Db, type: EventType, nowMs: number): number | null {
  let sinceMs: number | null = null;
  for (const c of consumers.values()) {
    if (c.onlyForWebhookEndpoints || !c.types.includes(type)) continue;
    let seenMs = consumerSeen.get(c);
    if (seenMs === undefined) consumerSeen.set(c, (seenMs = nowMs));
    sinceMs = sinceMs === null ? seenMs : Math.min(sinceMs, seenMs);
  }
  const endpoints = stmts(db.$client).endpointsSince.get(`"${type}"`) as number | null;
  if (endpoints !== null) sinceMs = sinceMs === null ? endpoints : Math.min(sinceMs, endpoints);
  return sinceMs;
}

function insertEvent(
  db: Db,
  e: { type: EventType; userId: number | null; data: Record<string, unknown>; at: Date },
): string {
  const id = `evt_${randomUUID().replaceAll("-", "")}`;
  stmts(db.$client).insert.run(id, e.type, e.userId, JSON.stringify(e.data), e.at.getTime());
  return id;
}

/**
 * Synchronous; call INSIDE the caller's writeTransaction (one INSERT), which wakes the dispatcher
 * once it commits. Returns the event id ("evt_…"). A type with an event source is refused: its
 * table is its record.
 */
export function appendEvent(
  db: Db,
  e: { type: EventType; userId: number | null; data: Record<string, unknown>; at: Date },
): string {
  if (sources.has(e.type)) throw new Error(`events: ${e.type} comes from its event source, not appendEvent`);
  const id = insertEvent(db, e);
  afterCommit(db, notifyEvents);
  return id;
}

/**
 * The dispatcher, inside its write transaction: copies up to `limit` events of each wanted source
 * written since it became wanted into the outbox, and moves the source's position past them.
 */
export function copySourcedEvents(db: Db, nowMs: number, limit: number): number {
  let copied = 0;
  for (const source of sources.values()) {
    const from = sourceStart(db, source, nowMs);
    if (from === null) continue;
    const events = source.read(db, from, limit);
    if (events.length === 0) continue;
    for (const e of events)
      insertEvent(db, { type: source.type, userId: e.userId, data: e.data, at: new Date(e.atMs) });
    stmts(db.$client).setPosition.run(source.type, events[events.length - 1].sourceId);
    copied += events.length;
  }
  return copied;
}

/** A read: is there a sourced event to copy? (The dispatcher asks before taking the write lock.) */
export function sourcedEventsPending(db: Db, nowMs: number): boolean {
  for (const source of sources.values()) {
    const from = sourceStart(db, source, nowMs);
    if (from !== null && source.hasAfter(db, from)) return true;
  }
  return false;
}

/** Where to read a source from: past its position and past what was written before anyone wanted it. */
function sourceStart(db: Db, source: EventSource, nowMs: number): number | null {
  const sinceMs = wantedSince(db, source.type, nowMs);
  if (sinceMs === null) return null;
  const position = (stmts(db.$client).position.get(source.type) as number | undefined) ?? 0;
  return Math.max(position, source.lastIdBefore(db, sinceMs));
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
