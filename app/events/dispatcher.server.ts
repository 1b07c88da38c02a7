/**
 * The dispatcher: after commit, hands each outbox event to the consumers that list its type, in one
 * IMMEDIATE transaction per batch that also marks the batch dispatched. So a consumer's rows and the
 * "dispatched" mark commit together: a crash (or a second process dispatching the same file) never
 * hands an event over twice or loses one; a restart resumes with what is left undispatched.
 *
 * It runs when poked (notifyEvents, after a producer's commit; a few milliseconds later so a burst
 * is one batch) and polls on its own, which finds events other processes (the CLI, a second
 * server) wrote, and the events of sources (credits.deducted: ledger entries), which it first
 * copies into the outbox in the same transaction (outbox.server.ts, copySourcedEvents).
 */
import type Database from "better-sqlite3";
import { performance } from "node:perf_hooks";
import type { Db } from "../../db/client";
import type { DbClock } from "../utils/context.server";
import { log } from "../utils/log.server";
import {
  copySourcedEvents,
  PUBLIC_EVENT_TYPES,
  eventConsumers,
  sourcedEventsPending,
  setEventNotifier,
  type EventConsumer,
  type EventType,
  type StoredEvent,
} from "./outbox.server";
import { perConnection } from "../../db/per-connection";
import { writeTransaction } from "../../db/transaction";

const PUBLIC = new Set<string>(PUBLIC_EVENT_TYPES);

export interface EventDispatcher {
  /** Dispatches one batch now; returns how many events it marked dispatched. */
  runOnce(): number;
  stop(): void;
}

export interface DispatcherOptions {
  /** How often to look for events without a poke (other processes' events). Default 1000 ms. */
  pollMs?: number;
  /** Delay after a poke, so a burst of commits is one batch. Default 5 ms. */
  coalesceMs?: number;
  batchSize?: number;
  /** Event-loop utilization (0–1) above which dispatching slows to one batch per busyPollMs. */
  busyUtilization?: number;
  busyPollMs?: number;
  busyBatchSize?: number;
  /** Replaces the event-loop meter (tests). */
  isBusy?: () => boolean;
}

interface OutboxRow {
  id: number;
  event_id: string;
  type: string;
  user_id: number | null;
  data: string;
  created_at: number;
}

function toStoredEvent(row: OutboxRow): StoredEvent {
  let data: Record<string, unknown> | undefined;
  return {
    id: row.event_id,
    type: row.type as EventType,
    userId: row.user_id,
    // Parsed on first use: the webhooks consumer never reads it (the sender sends the stored text).
    get data() {
      return (data ??= JSON.parse(row.data) as Record<string, unknown>);
    },
    createdAt: new Date(row.created_at),
    seq: row.id,
  };
}

/*
 * Where to start reading. event_outbox has no index but its rowid (each index would be one more
 * page per deduction's COMMIT): the dispatched events are always a prefix of the ids — one writer
 * at a time, so ids grow in commit order, and every batch takes the lowest undispatched ids — so
 * the read starts just past the last dispatched id, remembered per connection. The query still
 * checks dispatched_at, so a stale position (another process dispatched meanwhile) only costs a
 * short scan, never a double dispatch.
 */
const position = perConnection((): { after?: number } => ({}));
function startAfter(sqlite: Database.Database, s: Statements): number {
  // From the newest row backwards to the last dispatched one: only the undispatched tail is read.
  return (position(sqlite).after ??= (s.lastDispatched.get() as number | undefined) ?? 0);
}

/** Dispatches one batch of undispatched events (oldest first) in one IMMEDIATE transaction. */
export function dispatchBatch(ctx: DbClock, batchSize = 200): { count: number; touched: EventConsumer[] } {
  const { db, clock } = ctx;
  const sqlite = db.$client;
  const s = statements(sqlite);
  const touched = new Set<EventConsumer>();
  let last: number | undefined;
  // A read first: most polls find nothing, and then take no write lock.
  const nowMs = clock.now().getTime();
  if (s.anyUndispatched.get(startAfter(sqlite, s)) === undefined && !sourcedEventsPending(db, nowMs)) {
    return { count: 0, touched: [] };
  }
  const count = writeTransaction(sqlite, () => {
    // Events read from their domains' tables (credits.deducted) join the outbox first.
    copySourcedEvents(db, nowMs, batchSize);
    const rows = s.batch.all(startAfter(sqlite, s), batchSize) as OutboxRow[];
    if (rows.length === 0) return 0;
    const consumers = eventConsumers();
    for (const row of rows) {
      // Numbered in dispatch order, before anyone sees the event: every delivery carries the same number.
      if (row.user_id !== null && PUBLIC.has(row.type)) s.setSeq.run(s.nextSeq.get(row.user_id), row.id);
      const wanting = consumers.filter((c) => c.types.includes(row.type as EventType));
      if (wanting.length === 0) continue;
      const event = toStoredEvent(row);
      for (const c of wanting) {
        try {
          // A savepoint per consumer: one that throws loses its own writes for this event only.
          s.guarded(c, db, event);
          touched.add(c);
        } catch (e) {
          log.error("event consumer failed; event skipped for it", {
            consumer: c.name,
            eventId: event.id,
            type: event.type,
            error: e instanceof Error ? e.message : String(e),
          });
        }
      }
    }
    s.mark.run(nowMs, rows[0].id, rows[rows.length - 1].id);
    last = rows[rows.length - 1].id;
    return rows.length;
  });
  // Only once committed: a failed COMMIT leaves the events undispatched, and the position with them.
  if (last !== undefined) position(sqlite).after = last;
  return { count, touched: [...touched] };
}

/** Starts dispatching in this process; stop() before closing the database. */
export function startEventDispatcher(ctx: DbClock, opts: DispatcherOptions = {}): EventDispatcher {
  const pollMs = opts.pollMs ?? 1000;
  const coalesceMs = opts.coalesceMs ?? 5;
  const batchSize = opts.batchSize ?? 200;
  const busyUtilization = opts.busyUtilization ?? 0.9;
  const busyPollMs = opts.busyPollMs ?? 1000;
  const busyBatchSize = opts.busyBatchSize ?? 50;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let dueAtMs = Infinity;

  const runOnce = (size = batchSize): number => {
    const { count, touched } = dispatchBatch(ctx, size);
    for (const c of touched) {
      try {
        c.afterCommit?.();
      } catch (e) {
        log.error("event consumer afterCommit failed", { consumer: c.name, error: String(e) });
      }
    }
    return count;
  };

  const schedule = (delayMs: number) => {
    if (stopped) return;
    const atMs = Date.now() + delayMs;
    if (timer && atMs >= dueAtMs) return;
    if (timer) clearTimeout(timer);
    dueAtMs = atMs;
    timer = setTimeout(tick, delayMs);
    timer.unref();
  };

  // Requests come first: while the event loop is saturated (a burst of deductions with an endpoint
  // listing credits.deducted), pokes are ignored and one small batch goes per busyPollMs; the backlog is
  // dispatched at full speed once the burst is over.
  let elu = performance.eventLoopUtilization();
  let eluAtMs = Date.now();
  let busy = false;
  const measureBusy = () => {
    if (opts.isBusy) return void (busy = opts.isBusy());
    if (Date.now() - eluAtMs < 250) return;
    const now = performance.eventLoopUtilization();
    busy = performance.eventLoopUtilization(now, elu).utilization > busyUtilization;
    elu = now;
    eluAtMs = Date.now();
  };

  const tick = () => {
    timer = undefined;
    dueAtMs = Infinity;
    if (stopped) return;
    measureBusy();
    let more = false;
    try {
      const size = busy ? busyBatchSize : batchSize;
      more = runOnce(size) === size;
    } catch (e) {
      // A busy or failing database: the events stay undispatched; try again on the next poll.
      log.warn("event dispatch failed; will retry", { error: e instanceof Error ? e.message : String(e) });
    }
    schedule(busy ? busyPollMs : more ? 0 : pollMs);
  };

  const unnotify = setEventNotifier(() => {
    measureBusy();
    schedule(busy ? busyPollMs : coalesceMs);
  });
  schedule(0);
  return {
    runOnce,
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      unnotify();
    },
  };
}

interface Statements {
  /** A consumer's handle() inside a savepoint (made once: making one per call costs more than the work). */
  guarded: (c: EventConsumer, db: Db, event: StoredEvent) => void;
  batch: Database.Statement;
  mark: Database.Statement;
  lastDispatched: Database.Statement;
  anyUndispatched: Database.Statement;
  nextSeq: Database.Statement;
  setSeq: Database.Statement;
}
const statements = perConnection((sqlite): Statements => ({
  guarded: (c: EventConsumer, db: Db, event: StoredEvent) => writeTransaction(db, () => c.handle(db, event)),
  // A rowid range from the position on.
  batch: sqlite.prepare(
    `select id, event_id, type, user_id, data, created_at from event_outbox
       where id > ? and dispatched_at is null order by id limit ?`,
  ),
  anyUndispatched: sqlite.prepare(`select 1 from event_outbox where id > ? and dispatched_at is null limit 1`).pluck(),
  lastDispatched: sqlite
    .prepare(`select id from event_outbox where dispatched_at is not null order by id desc limit 1`)
    .pluck(),
  mark: sqlite.prepare(`update event_outbox set dispatched_at = ? where dispatched_at is null and id between ? and ?`),
  // A user's public events are numbered 1, 2, … in dispatch order.
  nextSeq: sqlite
    .prepare(
      `insert into user_event_sequences (user_id, last_seq) values (?, 1)
         on conflict (user_id) do update set last_seq = last_seq + 1 returning last_seq`,
    )
    .pluck(),
  setSeq: sqlite.prepare(`update event_outbox set user_seq = ? where id = ?`),
}));
