import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { setEventNotifier } from "../../events/outbox.server";
import { createHarness, type ApiHarness } from "./api-harness";

// Every API write that appends an event wakes the event dispatcher once it commits (through the
// write transaction's afterCommit queue), so `balance.low` and the rest go out without waiting for
// the dispatcher's poll — with or without an Idempotency-Key, one item or a batch.

let api: ApiHarness;
let wakes: number;
let outboxAtWake: number[];
let unnotify: () => void;

const lowEvents = () =>
  api.ctx.db.$client.prepare("select count(*) from event_outbox where type = 'balance.low'").pluck().get() as number;

function resetWakes() {
  wakes = 0;
  outboxAtWake = [];
}

beforeEach(() => {
  api = createHarness();
  resetWakes();
  unnotify = setEventNotifier(() => {
    wakes++;
    // Woken after the commit: the event is already there to deliver.
    outboxAtWake.push(lowEvents());
  });
});
afterEach(() => {
  unnotify();
  api.close();
});

/** A user with 150 credits: a deduction of 60 crosses the default low-balance threshold (100). */
async function userWith150(): Promise<number> {
  const created = await api.post("/api/v1/users", { email: `wake-${Date.now()}-${Math.random()}@example.com` });
  expect(created.status, created.text).toBe(201);
  const grant = await api.post(`/api/v1/users/${created.body.id}/grants`, { type: "topup", amount: 150 });
  expect(grant.status, grant.text).toBe(201);
  return created.body.id;
}

describe("the event dispatcher is woken after a write that appended an event", () => {
  it("by a deduction sent with an Idempotency-Key, once, after its balance.low is committed", async () => {
    const userId = await userWith150();
    resetWakes();
    const res = await api.post(`/api/v1/users/${userId}/deductions`, { amount: 60 }, { idempotencyKey: "job-1" });
    expect(res.status, res.text).toBe(201);
    expect(lowEvents()).toBe(1);
    expect(wakes).toBe(1);
    expect(outboxAtWake).toEqual([1]);
    // The replay writes nothing, so nothing is woken.
    await api.post(`/api/v1/users/${userId}/deductions`, { amount: 60 }, { idempotencyKey: "job-1" });
    expect(wakes).toBe(1);
  });

  it("by a deduction without a key", async () => {
    const userId = await userWith150();
    resetWakes();
    expect((await api.post(`/api/v1/users/${userId}/deductions`, { amount: 60 })).status).toBe(201);
    expect(wakes).toBe(1);
  });

  it("by a batch, once for all its items", async () => {
    const a = await userWith150();
    const b = await userWith150();
    resetWakes();
    const res = await api.post("/api/v1/deductions/batch", {
      items: [
        { userId: a, amount: 60, idempotencyKey: "a-1" },
        { userId: b, amount: 60 },
      ],
    });
    expect(res.status, res.text).toBe(200);
    expect(lowEvents()).toBe(2);
    expect(wakes).toBe(1);
  });

  it("not by a refused deduction, which wrote nothing", async () => {
    const userId = await userWith150();
    resetWakes();
    const res = await api.post(`/api/v1/users/${userId}/deductions`, { amount: 500 }, { idempotencyKey: "too-much" });
    expect(res.status).toBe(402);
    expect(wakes).toBe(0);
  });
});
