/**
 * The one way to write: `writeTransaction(db, fn)` runs `fn` in an IMMEDIATE transaction (the write
 * lock is taken at BEGIN, so concurrent writers queue on busy_timeout instead of failing on a lock
 * upgrade). Called inside another, it joins it as a savepoint: its writes commit with the outer
 * transaction, and if it throws only its own part is rolled back. `afterCommit(db, cb)` queues work
 * (waking the event dispatcher, …) that runs once after the OUTERMOST commit, never after a
 * rollback. Inside a transaction opened some other way (the event dispatcher's batch, a test's),
 * the callbacks run when the outermost writeTransaction returns: nothing would run them later.
 *
 * A connection may have a write gate (`setWriteGate`): a check run first in every outermost write
 * transaction, with the write lock held. While it says no, the transaction commits nothing, the
 * writer sleeps a millisecond (blocking: the lock is free meanwhile) and tries again; past the
 * gate's deadline the write fails as SQLITE_BUSY (503, nothing written). Under Litestream the
 * server's gate keeps writes from overwriting WAL frames Litestream has not copied yet
 * (app/backup/litestream-write-guard.server.ts).
 */
import type Database from "better-sqlite3";
import { perConnection } from "./per-connection";

/** A drizzle database (./client.ts Db) or its connection. */
type Handle = { $client: Database.Database } | Database.Database;

interface Queue {
  /** How many writeTransaction calls are open on this connection. */
  depth: number;
  callbacks: (() => void)[];
}

export interface WriteGate {
  /** Whether a write may go on now (called with the write lock held, before any write). */
  open(): boolean;
  /** How long a write waits for the gate before it fails as SQLITE_BUSY. */
  deadlineMs: number;
}

const queues = perConnection((): Queue => ({ depth: 0, callbacks: [] }));
const gates = new WeakMap<Database.Database, WriteGate>();
const GATE_RETRY_MS = 1;
const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Puts `gate` in front of every outermost writeTransaction on `sqlite` (null: removes it). */
export function setWriteGate(sqlite: Database.Database, gate: WriteGate | null): void {
  if (gate) gates.set(sqlite, gate);
  else gates.delete(sqlite);
}
// One reusable transaction function per connection: building one per call costs more than some statements.
const immediateTx = perConnection((sqlite) => sqlite.transaction((work: () => unknown) => work()).immediate);

function sqliteOf(db: Handle): Database.Database {
  return "$client" in db ? db.$client : db;
}

/** Runs `fn` in one IMMEDIATE transaction (a savepoint of the caller's, when nested); returns its result. */
export function writeTransaction<H extends Handle, R>(db: H, fn: (db: H) => R): R {
  const sqlite = sqliteOf(db);
  const queue = queues(sqlite);
  const queued = queue.callbacks.length;
  queue.depth++;
  let result: R;
  try {
    const gate = sqlite.inTransaction ? undefined : gates.get(sqlite);
    result = gate ? gatedTransaction(sqlite, gate, () => fn(db)) : (immediateTx(sqlite)(() => fn(db)) as R);
  } catch (e) {
    // What the rolled-back part queued must not run.
    queue.callbacks.length = queued;
    throw e;
  } finally {
    queue.depth--;
  }
  if (queue.depth === 0) runCallbacks(queue);
  return result;
}

/** `work` in an IMMEDIATE transaction once `gate` is open (see above). */
function gatedTransaction<R>(sqlite: Database.Database, gate: WriteGate, work: () => R): R {
  const deadlineAtMs = performance.now() + gate.deadlineMs;
  const closed = Symbol("closed");
  for (;;) {
    const result = immediateTx(sqlite)(() => (gate.open() ? work() : closed));
    if (result !== closed) return result as R;
    if (performance.now() >= deadlineAtMs) {
      throw Object.assign(new Error(`the write gate stayed closed for ${gate.deadlineMs} ms; nothing was written`), {
        code: "SQLITE_BUSY",
      });
    }
    Atomics.wait(sleeper, 0, 0, GATE_RETRY_MS);
  }
}

/**
 * Queues `cb` to run once after the outermost writeTransaction on this connection commits (dropped if
 * it rolls back). The same function queued twice runs once. With no transaction open the write has
 * committed already, so `cb` runs now; inside a transaction writeTransaction did not open, nothing
 * would run it: an error.
 */
export function afterCommit(db: Handle, cb: () => void): void {
  const sqlite = sqliteOf(db);
  const queue = queues(sqlite);
  if (queue.depth > 0) {
    if (!queue.callbacks.includes(cb)) queue.callbacks.push(cb);
  } else if (sqlite.inTransaction) {
    throw new Error("afterCommit: inside a transaction not opened by writeTransaction");
  } else {
    runCallbacks({ depth: 0, callbacks: [cb] });
  }
}

/** Each callback once, in order; one that throws is reported and does not stop the others (the commit stands). */
function runCallbacks(queue: Queue): void {
  const callbacks = queue.callbacks.splice(0);
  for (const cb of callbacks) {
    try {
      cb();
    } catch (e) {
      console.error("afterCommit: a callback failed after the commit", e);
    }
  }
}
