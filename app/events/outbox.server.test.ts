import { afterEach, describe, expect, it } from "vitest";
import { freshDb } from "../../test/db";
import { appendEvent, registerEventConsumer } from "./outbox.server";

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
    const id = db.$client.transaction(() =>
      appendEvent(db, { type: "credits.granted", userId: 7, data: { userId: 7, balance: 5 }, at }),
    )();
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
      db.$client.transaction(() => {
        appendEvent(db, { type: "balance.low", userId: 1, data: {}, at });
        throw new Error("rolled back");
      })(),
    ).toThrow("rolled back");
    expect(rows(db)).toEqual([]);
  });

  it("drops credits.deducted while no endpoint or consumer lists it", () => {
    const { db } = freshDb();
    expect(appendEvent(db, { type: "credits.deducted", userId: 1, data: {}, at })).toBeNull();
    expect(rows(db)).toEqual([]);
  });

  it("keeps credits.deducted once a webhook endpoint lists it", () => {
    const { db } = freshDb();
    db.$client
      .prepare("insert into webhook_endpoints (url, events, secret, created_at) values (?, ?, ?, ?)")
      .run("http://127.0.0.1:1/", JSON.stringify(["credits.deducted"]), "whsec_x", 0);
    expect(appendEvent(db, { type: "credits.deducted", userId: 1, data: {}, at })).toMatch(/^evt_/);
    expect(rows(db)).toHaveLength(1);
  });

  it("keeps credits.deducted when a registered consumer lists it", () => {
    const { db } = freshDb();
    cleanups.push(registerEventConsumer({ name: "t", types: ["credits.deducted"], handle: () => {} }));
    expect(appendEvent(db, { type: "credits.deducted", userId: 1, data: {}, at })).toMatch(/^evt_/);
  });

  it("ids are unique", () => {
    const { db } = freshDb();
    const ids = new Set(
      Array.from({ length: 200 }, () => appendEvent(db, { type: "credits.expired", userId: null, data: {}, at })),
    );
    expect(ids.size).toBe(200);
  });
});
