import { afterEach, describe, expect, it } from "vitest";
import { freshDb } from "../../test/db";
import { dispatchBatch } from "../events/dispatcher.server";
import { appendEvent, registerEventConsumer, type EventType } from "../events/outbox.server";
import { ManualClock } from "../utils/clock";
import {
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  DELIVERY_TIMEOUT_MS,
  listWebhookDeliveries,
  retryWebhookDelivery,
  startWebhookSender,
  webhooksConsumer,
  webhookAddressPolicy,
  type WebhookSender,
} from "./index.server";
import { startReceiver, type Receiver } from "./test-support";

const policy = webhookAddressPolicy({ NODE_ENV: "test" });

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const f of cleanups.splice(0).reverse()) await f();
});

/** A database, a clock at the real time (receivers check webhook-timestamp against theirs), a sender. */
async function setup(opts: { timeoutMs?: number } = {}) {
  const { db } = freshDb();
  const clock = new ManualClock(new Date());
  const ctx = { db, clock };
  cleanups.push(registerEventConsumer(webhooksConsumer()));
  // Polls only on request (drain): the test decides when time passes.
  const sender: WebhookSender = startWebhookSender(ctx, { pollMs: 3_600_000, timeoutMs: opts.timeoutMs });
  cleanups.push(() => sender.stop());
  const endpoint = async (r: Receiver, events?: EventType[]) => {
    const created = await createWebhookEndpoint(
      ctx,
      { url: r.url, events: events as never },
      { policy, actor: "test" },
    );
    r.setSecret(created.secret);
    return created;
  };
  const emit = (type: EventType, data: Record<string, unknown> = { userId: 1 }) =>
    appendEvent(db, { type, userId: 1, data, at: clock.now() });
  const deliver = async () => {
    while (dispatchBatch(ctx).count > 0);
    return sender.drain();
  };
  return { db, clock, ctx, sender, endpoint, emit, deliver };
}

async function receiver(answers?: Receiver["answers"]) {
  const r = await startReceiver({ answers });
  cleanups.push(() => r.close());
  return r;
}

const PUBLIC: EventType[] = [
  "credits.granted",
  "credits.deducted",
  "credits.expired",
  "credits.voided",
  "credits.expiring_soon",
  "balance.low",
  "balance.depleted",
  "hold.expired",
];

describe("outbound webhooks", () => {
  it("sends each public event as a signed Standard Webhooks POST that standardwebhooks verifies", async () => {
    const t = await setup();
    const r = await receiver();
    await t.endpoint(r, PUBLIC);
    const ids = PUBLIC.map((type, i) => t.emit(type, { userId: 1, n: i }));
    expect(await t.deliver()).toBe(PUBLIC.length);
    expect(r.received.map((x) => x.verifyError)).toEqual(PUBLIC.map(() => null));
    expect(r.received.map((x) => x.payload?.type)).toEqual(PUBLIC);
    expect(r.received.map((x) => x.id)).toEqual(ids);
    const first = r.received[0];
    expect(first.contentType).toBe("application/json");
    expect(first.timestamp).toBe(String(Math.floor(t.clock.now().getTime() / 1000)));
    expect(first.payload).toEqual({
      id: ids[0],
      type: "credits.granted",
      createdAt: t.clock.now().toISOString(),
      sequence: 1,
      data: { userId: 1, n: 0 },
    });
  });

  it("a tampered body or another endpoint's secret fails verification (the receiver really checks)", async () => {
    const t = await setup();
    const r = await receiver();
    await t.endpoint(r, ["balance.low"]);
    const other = await createWebhookEndpoint(
      t.ctx,
      { url: "http://127.0.0.1:9/x", events: ["hold.expired"] },
      { policy, actor: "test" },
    );
    r.setSecret(other.secret);
    t.emit("balance.low");
    await t.deliver();
    expect(r.received).toHaveLength(1);
    expect(r.received[0].payload).toBeNull();
    expect(r.received[0].verifyError).toMatch(/signature/i);
  });

  it("default endpoints get every public type but credits.deducted, and internal types never", async () => {
    const t = await setup();
    const r = await receiver();
    const created = await t.endpoint(r);
    expect(created.events).toEqual(PUBLIC.filter((x) => x !== "credits.deducted"));
    t.emit("credits.deducted"); // in the outbox (no event source in this test), but not listed here
    for (const internal of ["payment.failed", "topup.paid", "auto_topup.needed"] as const) t.emit(internal);
    t.emit("balance.depleted");
    await t.deliver();
    expect(r.received.map((x) => x.payload?.type)).toEqual(["balance.depleted"]);
  });

  it("an endpoint gets only the types it lists; each endpoint its own delivery", async () => {
    const t = await setup();
    const a = await receiver();
    const b = await receiver();
    await t.endpoint(a, ["balance.low"]);
    await t.endpoint(b, ["balance.low", "credits.expired"]);
    t.emit("balance.low");
    t.emit("credits.expired");
    await t.deliver();
    expect(a.received.map((x) => x.payload?.type)).toEqual(["balance.low"]);
    expect(b.received.map((x) => x.payload?.type)).toEqual(["balance.low", "credits.expired"]);
  });

  it("a receiver that answers 500 then 200 gets the same webhook-id twice, the retry after its delay", async () => {
    const t = await setup();
    const r = await receiver([500, 200]);
    const ep = await t.endpoint(r, ["credits.granted"]);
    const id = t.emit("credits.granted");
    await t.deliver();
    const [pending] = listWebhookDeliveries(t.db, ep.id, { limit: 10 }).data;
    expect(pending).toMatchObject({ eventId: id, status: "pending", attempts: 1, lastStatusCode: 500 });
    expect(new Date(pending.nextAttemptAt!).getTime()).toBe(t.clock.now().getTime() + 5_000);
    expect(await t.deliver()).toBe(0); // not due yet
    t.clock.advance(5_000);
    await t.deliver();
    expect(r.received.map((x) => x.id)).toEqual([id, id]);
    expect(r.received.every((x) => x.verifyError === null)).toBe(true);
    expect(listWebhookDeliveries(t.db, ep.id, { limit: 10 }).data[0]).toMatchObject({
      status: "delivered",
      attempts: 2,
      lastStatusCode: 200,
      nextAttemptAt: null,
    });
  });

  it("keeps retrying with growing delays for at least 24 hours, then marks the delivery failed", async () => {
    const t = await setup();
    const r = await receiver([503]);
    const ep = await t.endpoint(r, ["credits.granted"]);
    t.emit("credits.granted");
    const startMs = t.clock.now().getTime();
    const delays: number[] = [];
    await t.deliver();
    for (;;) {
      const [d] = listWebhookDeliveries(t.db, ep.id, { limit: 1 }).data;
      if (d.status !== "pending") break;
      const dueMs = new Date(d.nextAttemptAt!).getTime();
      delays.push(dueMs - t.clock.now().getTime());
      t.clock.set(dueMs);
      await t.deliver();
    }
    expect(delays.every((d, i) => i === 0 || d >= delays[i - 1])).toBe(true);
    expect(t.clock.now().getTime() - startMs).toBeGreaterThanOrEqual(24 * 3_600_000);
    const [failed] = listWebhookDeliveries(t.db, ep.id, { limit: 1 }).data;
    expect(failed).toMatchObject({
      status: "failed",
      attempts: r.received.length,
      lastStatusCode: 503,
      nextAttemptAt: null,
    });
    expect(new Set(r.received.map((x) => x.id)).size).toBe(1);
    // An admin's retry: one more attempt, same webhook-id.
    r.answers.splice(0, r.answers.length, 200);
    expect(retryWebhookDelivery(t.ctx, failed.id, "test")).toMatchObject({ status: "pending" });
    await t.deliver();
    expect(listWebhookDeliveries(t.db, ep.id, { limit: 1 }).data[0]).toMatchObject({
      status: "delivered",
      lastStatusCode: 200,
    });
    expect(new Set(r.received.map((x) => x.id)).size).toBe(1);
  });

  it("no answer within the timeout (10 s in production) is a failed attempt, retried later", async () => {
    expect(DELIVERY_TIMEOUT_MS).toBe(10_000);
    const t = await setup({ timeoutMs: 300 });
    const r = await receiver(["hang", 204]);
    const ep = await t.endpoint(r, ["hold.expired"]);
    t.emit("hold.expired");
    await t.deliver();
    expect(listWebhookDeliveries(t.db, ep.id, { limit: 1 }).data[0]).toMatchObject({
      status: "pending",
      attempts: 1,
      lastStatusCode: null,
    });
    t.clock.advance(5_000);
    await t.deliver();
    expect(listWebhookDeliveries(t.db, ep.id, { limit: 1 }).data[0]).toMatchObject({
      status: "delivered",
      attempts: 2,
    });
  });

  it("sends at most 8 at a time", async () => {
    const t = await setup({ timeoutMs: 300 });
    const r = await receiver(["hang"]);
    const ep = await t.endpoint(r, ["balance.low"]);
    for (let i = 0; i < 20; i++) t.emit("balance.low");
    await t.deliver();
    expect(r.received).toHaveLength(20);
    expect(r.maxConcurrent()).toBe(8);
    expect(listWebhookDeliveries(t.db, ep.id, { limit: 100 }).data.map((d) => [d.status, d.attempts])).toEqual(
      Array.from({ length: 20 }, () => ["pending", 1]),
    );
  });

  it("while the event loop is saturated, sends only a small batch per poll and ignores wake-ups", async () => {
    const t = await setup();
    await t.sender.stop(); // only the busy one below sends
    const r = await receiver();
    const ep = await t.endpoint(r, ["balance.low"]);
    for (let i = 0; i < 5; i++) t.emit("balance.low");
    while (dispatchBatch(t).count > 0);
    // A sender that finds the event loop busy: its first poll (now) sends its budget of 2; the next
    // poll is an hour away, and wake-ups add nothing meanwhile.
    const busySender = startWebhookSender(t, { pollMs: 3_600_000, isBusy: () => true, busyPerPoll: 2 });
    cleanups.push(() => busySender.stop());
    busySender.wake();
    const delivered = () =>
      listWebhookDeliveries(t.db, ep.id, { limit: 10 }).data.filter((d) => d.status === "delivered").length;
    await expect.poll(delivered, { timeout: 5000, interval: 20 }).toBe(2);
    busySender.wake();
    expect(r.received).toHaveLength(2);
    expect(listWebhookDeliveries(t.db, ep.id, { limit: 10 }).data.filter((d) => d.attempts === 0)).toHaveLength(3);
  });

  it("an unreachable endpoint is a failed attempt; an endless response body is not read to its end", async () => {
    const t = await setup();
    const gone = await receiver();
    const ep = await t.endpoint(gone, ["balance.low"]);
    await gone.close();
    const endless = await receiver(["endless"]);
    const ep2 = await t.endpoint(endless, ["balance.low"]);
    t.emit("balance.low");
    await t.deliver();
    expect(listWebhookDeliveries(t.db, ep.id, { limit: 1 }).data[0]).toMatchObject({
      status: "pending",
      attempts: 1,
      lastStatusCode: null,
    });
    expect(listWebhookDeliveries(t.db, ep2.id, { limit: 1 }).data[0]).toMatchObject({
      status: "delivered",
      lastStatusCode: 200,
    });
  });

  it("a deleted endpoint's pending deliveries are never sent", async () => {
    const t = await setup();
    const r = await receiver();
    const ep = await t.endpoint(r, ["balance.low"]);
    t.emit("balance.low");
    while (dispatchBatch(t).count > 0);
    deleteWebhookEndpoint(t.ctx, ep.id, "test");
    expect(await t.sender.drain()).toBe(0);
    expect(r.received).toEqual([]);
  });

  it("a delivery claimed by a sender that died is sent again once its lease runs out (same webhook-id)", async () => {
    const t = await setup();
    const r = await receiver();
    const ep = await t.endpoint(r, ["balance.low"]);
    const id = t.emit("balance.low");
    while (dispatchBatch(t).count > 0);
    // What a claim leaves behind when the process dies before recording the result.
    t.db.$client.prepare("update webhook_deliveries set next_attempt_at = ?").run(t.clock.now().getTime() + 30_000);
    expect(await t.sender.drain()).toBe(0);
    t.clock.advance(30_000);
    expect(await t.sender.drain()).toBe(1);
    expect(r.received.map((x) => x.id)).toEqual([id]);
    expect(listWebhookDeliveries(t.db, ep.id, { limit: 1 }).data[0]).toMatchObject({ status: "delivered" });
  });
});
