import { afterEach, describe, expect, it } from "vitest";
import { freshDb } from "../../test/db";
import { ManualClock } from "../utils/clock";
import { dispatchBatch } from "./dispatcher.server";
import { appendEvent, registerEventConsumer, registerEventSource, type SourcedEvent } from "./outbox.server";
import { writeTransaction } from "../../db/transaction";

const at = new Date("2026-01-01T00:00:00.000Z");
const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((f) => f()));

function rows(db: ReturnType<typeof freshDb>["db"]) {
  return db.$client
    .prepare("select event_id, type, user_id, data, created_at, dispatched_at from event_outbox order by id")
    .all();
}

describe("appendEvent", () => {
  it("writes one row inside the caller's transaction and returns its evt_ id", () => {
    const { db } = freshDb();
    const id = writeTransaction(db, () =>
      appendEvent(db, { type: "credits.granted", userId: 7, data: { userId: 7, balance: 5 }, at }),
    );
    expect(id).toMatch(/^evt_[0-9a-f]{32}$/);
    expect(rows(db)).toEqual([
      {
        event_id: id,
        type: "credits.granted",
        user_id: 7,
        data: '{"userId":7,"balance":5}',
        created_at: at.getTime(),
        dispatched_at: null,
      },
    ]);
  });

  it("writes nothing when the caller's transaction rolls back", () => {
    const { db } = freshDb();
    expect(() =>
      writeTransaction(db, () => {
        appendEvent(db, { type: "balance.low", userId: 1, data: {}, at });
        throw new Error("rolled back");
      }),
    ).toThrow("rolled back");
    expect(rows(db)).toEqual([]);
  });

  it("ids are unique", () => {
    const { db } = freshDb();
    const ids = new Set(
      Array.from({ length: 200 }, () => appendEvent(db, { type: "credits.expired", userId: null, data: {}, at })),
    );
    expect(ids.size).toBe(200);
  });
});

describe("event sources (a type read from its domain's own table, e.g. credits.deducted from the ledger)", () => {
  /** A source over an append-only list standing in for the domain's table: event n has id n, written at n × 100 ms. */
  function listSource() {
    const written: SourcedEvent[] = [];
    cleanups.push(
      registerEventSource({
        type: "credits.deducted",
        read: (_db, afterId, limit) => written.filter((e) => e.sourceId > afterId).slice(0, limit),
        lastIdBefore: (_db, beforeMs) => written.filter((e) => e.atMs < beforeMs).at(-1)?.sourceId ?? 0,
        hasAfter: (_db, afterId) => written.some((e) => e.sourceId > afterId),
      }),
    );
    return {
      write: () => {
        const n = written.length + 1;
        written.push({ sourceId: n, userId: 1, data: { n }, atMs: n * 100 });
      },
    };
  }
  const copied = (db: ReturnType<typeof freshDb>["db"]) =>
    (
      db.$client.prepare("select data from event_outbox where type = 'credits.deducted' order by id").all() as {
        data: string;
      }[]
    ).map((r) => (JSON.parse(r.data) as { n: number }).n);
  const endpoint = (db: ReturnType<typeof freshDb>["db"], createdAtMs: number) =>
    Number(
      db.$client
        .prepare("insert into webhook_endpoints (url, events, secret, created_at) values (?, ?, ?, ?)")
        .run("http://127.0.0.1:1/", JSON.stringify(["credits.deducted"]), "whsec_x", createdAtMs).lastInsertRowid,
    );

  it("its producer cannot append it: the table is the record", () => {
    const { db } = freshDb();
    listSource();
    expect(() => appendEvent(db, { type: "credits.deducted", userId: 1, data: {}, at })).toThrow(/event source/);
  });

  it("copies into the outbox only events written while a webhook endpoint listed the type, once each", () => {
    const { db } = freshDb();
    const clock = new ManualClock(10_000);
    const source = listSource();
    source.write(); // 1 at 100 ms: nobody wants it
    expect(dispatchBatch({ db, clock }).count).toBe(0);
    expect(copied(db)).toEqual([]);
    const first = endpoint(db, 150);
    source.write(); // 2 at 200
    source.write(); // 3 at 300
    dispatchBatch({ db, clock });
    expect(copied(db)).toEqual([2, 3]);
    source.write(); // 4
    dispatchBatch({ db, clock });
    dispatchBatch({ db, clock });
    expect(copied(db)).toEqual([2, 3, 4]);
    db.$client.prepare("delete from webhook_endpoints where id = ?").run(first);
    source.write(); // 5 at 500: nobody wants it again
    expect(dispatchBatch({ db, clock }).count).toBe(0);
    endpoint(db, 550);
    source.write(); // 6 at 600
    dispatchBatch({ db, clock });
    expect(copied(db)).toEqual([2, 3, 4, 6]);
    // Copied events are dispatched like any other.
    expect(db.$client.prepare("select count(*) from event_outbox where dispatched_at is null").pluck().get()).toBe(0);
  });

  it("a consumer in this process wants the events written from when the dispatcher first saw it", () => {
    const { db } = freshDb();
    const clock = new ManualClock(250);
    const source = listSource();
    source.write();
    source.write(); // 1, 2 at 100, 200
    const seen: number[] = [];
    cleanups.push(
      registerEventConsumer({
        name: "t",
        types: ["credits.deducted"],
        handle: (_db, e) => void seen.push((e.data as { n: number }).n),
      }),
    );
    dispatchBatch({ db, clock });
    source.write(); // 3 at 300
    dispatchBatch({ db, clock });
    expect(seen).toEqual([3]);
  });

  it("copies at most a batch per dispatch, resuming where it stopped", () => {
    const { db } = freshDb();
    const clock = new ManualClock(10_000);
    const source = listSource();
    endpoint(db, 0);
    for (let i = 0; i < 5; i++) source.write();
    expect(dispatchBatch({ db, clock }, 2).count).toBe(2);
    expect(dispatchBatch({ db, clock }, 2).count).toBe(2);
    expect(dispatchBatch({ db, clock }, 2).count).toBe(1);
    expect(dispatchBatch({ db, clock }, 2).count).toBe(0);
    expect(copied(db)).toEqual([1, 2, 3, 4, 5]);
  });
});
