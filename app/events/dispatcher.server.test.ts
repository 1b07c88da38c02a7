import { afterEach, describe, expect, it, vi } from "vitest";
import { openDatabase } from "../../db/client";
import { freshDb } from "../../test/db";
import { ManualClock } from "../utils/clock";
import { dispatchBatch, startEventDispatcher } from "./dispatcher.server";
import { appendEvent, notifyEvents, registerEventConsumer, type StoredEvent } from "./outbox.server";

const clock = new ManualClock("2026-01-01T00:00:00.000Z");
const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((f) => f()));

function collect(name: string, types: StoredEvent["type"][] = ["credits.granted", "balance.low"]) {
  const seen: StoredEvent[] = [];
  cleanups.push(registerEventConsumer({ name, types, handle: (_db, e) => void seen.push(e) }));
  return seen;
}

function undispatched(db: ReturnType<typeof freshDb>["db"]): number {
  return (
    db.$client.prepare("select count(*) as n from event_outbox where dispatched_at is null").get() as { n: number }
  ).n;
}

describe("event dispatcher", () => {
  it("hands each event to the consumers listing its type once, in order, and marks it dispatched", () => {
    const { db } = freshDb();
    const seen = collect("a");
    const other = collect("b", ["payment.failed"]);
    const ids = [
      appendEvent(db, { type: "credits.granted", userId: 1, data: { n: 1 }, at: clock.now() }),
      appendEvent(db, { type: "balance.low", userId: 1, data: { n: 2 }, at: clock.now() }),
    ];
    expect(dispatchBatch({ db, clock }).count).toBe(2);
    expect(seen.map((e) => [e.id, e.type, e.data, e.userId, e.createdAt])).toEqual([
      [ids[0], "credits.granted", { n: 1 }, 1, clock.now()],
      [ids[1], "balance.low", { n: 2 }, 1, clock.now()],
    ]);
    expect(other).toEqual([]);
    expect(undispatched(db)).toBe(0);
    expect(dispatchBatch({ db, clock }).count).toBe(0);
    expect(seen).toHaveLength(2);
  });

  it("a consumer that throws loses only its own writes; others still get the event", () => {
    const { db } = freshDb();
    const seen = collect("ok");
    cleanups.push(
      registerEventConsumer({
        name: "broken",
        types: ["credits.granted"],
        handle: (d) => {
          d.$client.prepare("insert into audit_log (actor, action, created_at) values ('x', 'y', 0)").run();
          throw new Error("boom");
        },
      }),
    );
    appendEvent(db, { type: "credits.granted", userId: 1, data: {}, at: clock.now() });
    expect(dispatchBatch({ db, clock }).count).toBe(1);
    expect(seen).toHaveLength(1);
    expect(db.$client.prepare("select count(*) as n from audit_log").get()).toEqual({ n: 0 });
  });

  it("a restart resumes with the events left undispatched, and a second connection never redelivers", () => {
    const { db, path } = freshDb();
    for (let i = 0; i < 5; i++) appendEvent(db, { type: "credits.granted", userId: i, data: {}, at: clock.now() });
    const seen = collect("a");
    expect(dispatchBatch({ db, clock }, 2).count).toBe(2);
    db.$client.close();
    const reopened = openDatabase(path);
    const second = openDatabase(path);
    expect(dispatchBatch({ db: reopened, clock }, 2).count).toBe(2);
    expect(dispatchBatch({ db: second, clock }, 2).count).toBe(1);
    expect(dispatchBatch({ db: reopened, clock }, 2).count).toBe(0);
    expect(seen.map((e) => e.userId)).toEqual([0, 1, 2, 3, 4]);
    reopened.$client.close();
    second.$client.close();
  });

  it("runs after notifyEvents without waiting for its poll, and calls afterCommit", async () => {
    const { db } = freshDb();
    let woke = 0;
    const seen: StoredEvent[] = [];
    cleanups.push(
      registerEventConsumer({
        name: "a",
        types: ["credits.granted"],
        handle: (_d, e) => void seen.push(e),
        afterCommit: () => void woke++,
      }),
    );
    const dispatcher = startEventDispatcher({ db, clock }, { pollMs: 60_000 });
    cleanups.push(() => dispatcher.stop());
    appendEvent(db, { type: "credits.granted", userId: 1, data: {}, at: clock.now() });
    notifyEvents();
    await expect.poll(() => seen.length, { timeout: 2000, interval: 5 }).toBe(1);
    expect(woke).toBe(1);
  });

  it("finds events written by another connection by polling", async () => {
    const { db, path } = freshDb();
    const seen = collect("a");
    const dispatcher = startEventDispatcher({ db, clock }, { pollMs: 20 });
    cleanups.push(() => dispatcher.stop());
    const writer = openDatabase(path);
    appendEvent(writer, { type: "balance.low", userId: 3, data: {}, at: clock.now() });
    writer.$client.close();
    await expect.poll(() => seen.length, { timeout: 2000, interval: 10 }).toBe(1);
  });
});

describe("event dispatcher under load", () => {
  afterEach(() => vi.useRealTimers());

  it("while the event loop is saturated, ignores pokes and sends one small batch per busy poll; catches up after", () => {
    vi.useFakeTimers();
    const { db } = freshDb();
    const seen = collect("a");
    let busy = true;
    const dispatcher = startEventDispatcher(
      { db, clock },
      {
        isBusy: () => busy,
        busyBatchSize: 2,
        busyPollMs: 1000,
        pollMs: 60_000,
      },
    );
    cleanups.push(() => dispatcher.stop());
    for (let i = 0; i < 5; i++) appendEvent(db, { type: "credits.granted", userId: i, data: {}, at: clock.now() });
    vi.advanceTimersByTime(0);
    expect(seen).toHaveLength(2);
    notifyEvents();
    vi.advanceTimersByTime(50); // a poke would have run after 5 ms
    expect(seen).toHaveLength(2);
    vi.advanceTimersByTime(1000);
    expect(seen).toHaveLength(4);
    busy = false;
    notifyEvents();
    vi.advanceTimersByTime(5);
    expect(seen.map((e) => e.userId)).toEqual([0, 1, 2, 3, 4]);
  });
});
