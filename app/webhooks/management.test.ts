// Endpoint management in-process: secret rotation (both signatures for 24 hours, checked with the
// `standardwebhooks` package), disabling, the events list and deliveries paged to the end, and
// per-user sequence numbers.
import { Webhook } from "standardwebhooks";
import { createUser } from "../auth/users.server";
import { deductCredits, grantCredits } from "../credits/index.server";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  listEventBodies,
  listWebhookDeliveries,
  PREVIOUS_SECRET_TTL_MS,
  rotateWebhookSecret,
  startWebhookSender,
  updateWebhookEndpoint,
  type WebhookSender,
} from "./index.server";
import { webhookRig, type Received } from "./test-support";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const f of cleanups.splice(0).reverse()) await f();
});

function rig() {
  const t = webhookRig(cleanups);
  const sender: WebhookSender = startWebhookSender(t.ctx, { pollMs: 3_600_000 });
  cleanups.push(() => sender.stop());
  const deliver = async () => {
    t.dispatch();
    return sender.drain();
  };
  return { ...t, sender, deliver };
}

/** standardwebhooks' verdict, by a receiver whose clock reads the (virtual) time the delivery was signed. */
const verifies = (secret: string, r: Received) => {
  const now = vi.spyOn(Date, "now").mockReturnValue(Number(r.timestamp) * 1000);
  try {
    new Webhook(secret).verify(r.body, {
      "webhook-id": r.id,
      "webhook-timestamp": r.timestamp,
      "webhook-signature": r.signature,
    });
    return true;
  } catch {
    return false;
  } finally {
    now.mockRestore();
  }
};

describe("secret rotation", () => {
  it("returns a new secret; for 24 hours deliveries verify with the old and the new one, then with the new one only", async () => {
    const t = rig();
    const r = await t.receiver();
    const ep = await t.endpoint(r, ["balance.low"]);
    const oldSecret = (t.db.$client.prepare("select secret from webhook_endpoints").pluck().get() as string)!;
    const rotated = rotateWebhookSecret(t.ctx, ep.id, "test");
    expect(rotated.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(rotated.secret).not.toBe(oldSecret);
    expect(rotated.previousSecretExpiresAt).toBe(
      new Date(t.clock.now().getTime() + PREVIOUS_SECRET_TTL_MS).toISOString(),
    );

    t.emit("balance.low");
    await t.deliver();
    expect(r.received[0].signature.split(" ")).toHaveLength(2);
    expect([verifies(oldSecret, r.received[0]), verifies(rotated.secret, r.received[0])]).toEqual([true, true]);

    t.clock.advance(PREVIOUS_SECRET_TTL_MS - 1000);
    t.emit("balance.low");
    await t.deliver();
    expect([verifies(oldSecret, r.received[1]), verifies(rotated.secret, r.received[1])]).toEqual([true, true]);

    t.clock.advance(1000);
    t.emit("balance.low");
    await t.deliver();
    expect(r.received[2].signature.split(" ")).toHaveLength(1);
    expect([verifies(oldSecret, r.received[2]), verifies(rotated.secret, r.received[2])]).toEqual([false, true]);
  });

  it("a second rotation within 24 hours drops the oldest secret", async () => {
    const t = rig();
    const r = await t.receiver();
    const ep = await t.endpoint(r, ["balance.low"]);
    const first = t.db.$client.prepare("select secret from webhook_endpoints").pluck().get() as string;
    const second = rotateWebhookSecret(t.ctx, ep.id, "test").secret;
    const third = rotateWebhookSecret(t.ctx, ep.id, "test").secret;
    t.emit("balance.low");
    await t.deliver();
    expect([first, second, third].map((s) => verifies(s, r.received[0]))).toEqual([false, true, true]);
  });
});

describe("updating an endpoint", () => {
  it("a disabled endpoint gets no deliveries for events meanwhile; its pending ones wait and go once enabled", async () => {
    const t = rig();
    const down = await t.receiver([500, 204]);
    const ep = await t.endpoint(down, ["balance.low"]);
    const pending = t.emit("balance.low");
    await t.deliver(); // answered 500: pending, retried in 5 s
    expect(
      await updateWebhookEndpoint(t.ctx, ep.id, { enabled: false }, { policy: t.policy, actor: "t" }),
    ).toMatchObject({
      enabled: false,
    });
    t.emit("balance.low");
    t.clock.advance(5000);
    expect(await t.deliver()).toBe(0);
    await updateWebhookEndpoint(t.ctx, ep.id, { enabled: true }, { policy: t.policy, actor: "t" });
    expect(await t.deliver()).toBe(1);
    expect(down.received.map((x) => x.id)).toEqual([pending, pending]);
    expect(listWebhookDeliveries(t.db, ep.id, { limit: 10 }).data).toHaveLength(1);
  });

  it("adding credits.deducted to an old endpoint sends deductions from the change on, never a backlog", async () => {
    const t = rig();
    const r = await t.receiver();
    const ep = await t.endpoint(r, ["balance.low"]);
    const userId = createUser(t.ctx, { email: "backlog@example.com" }).id;
    grantCredits(t.ctx, { userId, type: "promotional", amount: 1000, source: "admin" });
    t.clock.advance(1000);
    const before = deductCredits(t.ctx, { userId, amount: 1 });
    await t.deliver();
    t.clock.advance(1000);
    await updateWebhookEndpoint(
      t.ctx,
      ep.id,
      { events: ["balance.low", "credits.deducted"] },
      { policy: t.policy, actor: "t" },
    );
    t.clock.advance(1000);
    const after = deductCredits(t.ctx, { userId, amount: 2 });
    await t.deliver();
    const sent = r.received.map((x) => x.payload?.data.deduction as { id: number } | undefined).map((d) => d?.id);
    expect(sent).toEqual([after.id]);
    expect(sent).not.toContain(before.id);
  });

  it("changes url, events and description, checked like a new endpoint, and audited", async () => {
    const t = rig();
    const r = await t.receiver();
    const other = await t.receiver();
    const ep = await t.endpoint(r, ["balance.low"]);
    const updated = await updateWebhookEndpoint(
      t.ctx,
      ep.id,
      { url: other.url, events: ["hold.expired", "balance.low", "hold.expired"], description: "moved" },
      { policy: t.policy, actor: "test" },
    );
    expect(updated).toMatchObject({ url: other.url, events: ["balance.low", "hold.expired"], description: "moved" });
    await expect(
      updateWebhookEndpoint(t.ctx, ep.id, { url: "https://10.0.0.5/" }, { policy: t.policy, actor: "test" }),
    ).rejects.toMatchObject({ code: "invalid_request", field: "url" });
    await expect(
      updateWebhookEndpoint(t.ctx, 999, { enabled: false }, { policy: t.policy, actor: "test" }),
    ).rejects.toMatchObject({ code: "not_found" });
    other.setSecret(ep.secret);
    t.emit("hold.expired");
    await t.deliver();
    expect([r.received.length, other.received.length]).toEqual([0, 1]);
    const audit = t.db.$client.prepare("select action from audit_log order by id").pluck().all();
    expect(audit).toEqual(["webhook_endpoint.create", "webhook_endpoint.update"]);
  });
});

describe("reading back", () => {
  it("the events list pages newest first to the end without repeats while events keep arriving, each body as delivered", async () => {
    const t = rig();
    const r = await t.receiver();
    await t.endpoint(r, ["balance.low", "credits.expired"]);
    for (let i = 0; i < 23; i++) t.emit(i % 3 === 0 ? "credits.expired" : "balance.low", 1 + (i % 2));
    t.emit("payment.failed"); // internal: never listed
    await t.deliver();
    const seen: string[] = [];
    let before: number | null = null;
    for (let pages = 0; ; pages++) {
      const page = listEventBodies(t.db, { limit: 5, beforeId: before });
      seen.push(...page.data);
      // Newer events never shift the pages already being read.
      t.emit("balance.low");
      t.dispatch();
      if (page.nextBeforeId === null) break;
      before = page.nextBeforeId;
      expect(pages).toBeLessThan(10);
    }
    expect(seen).toHaveLength(23);
    expect(new Set(seen).size).toBe(23);
    // Exactly the bodies the receiver got; one long page holds them in the same order.
    expect([...seen].sort()).toEqual(r.received.map((x) => x.body).sort());
    const all = listEventBodies(t.db, { limit: 100 }).data;
    expect(all.slice(all.length - 23)).toEqual(seen);
    const expired = listEventBodies(t.db, { type: "credits.expired", limit: 100 }).data;
    expect(expired.map((b) => JSON.parse(b).type)).toEqual(Array(8).fill("credits.expired"));
  });

  it("an endpoint's deliveries page to the end without repeats (past the old cap of 100)", async () => {
    const t = rig();
    const r = await t.receiver();
    const ep = await t.endpoint(r, ["balance.low"]);
    for (let i = 0; i < 130; i++) t.emit("balance.low");
    await t.deliver();
    const ids: number[] = [];
    let before: number | null = null;
    do {
      const page = listWebhookDeliveries(t.db, ep.id, { limit: 100, beforeId: before });
      ids.push(...page.data.map((d) => d.id));
      before = page.nextBeforeId;
    } while (before !== null);
    expect(ids).toHaveLength(130);
    expect(new Set(ids).size).toBe(130);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
  });

  it("numbers each user's public events 1, 2, … across types, in dispatch order; internal events get none", async () => {
    const t = rig();
    const r = await t.receiver();
    await t.endpoint(r, ["balance.low", "hold.expired"]);
    t.emit("balance.low", 7);
    t.emit("hold.expired", 8);
    t.emit("payment.failed", 7);
    t.emit("credits.expired", 7); // not listed by the endpoint: a gap it sees
    t.emit("hold.expired", 7);
    await t.deliver();
    t.emit("balance.low", 7);
    await t.deliver();
    const got = r.received.map((x) => [x.payload?.data.userId as number, x.payload!.sequence!]);
    expect(got.sort((a, b) => a[0] - b[0] || a[1] - b[1])).toEqual([
      [7, 1],
      [7, 3],
      [7, 4],
      [8, 1],
    ]);
    const internal = t.db.$client
      .prepare("select user_seq from event_outbox where type = 'payment.failed'")
      .pluck()
      .get();
    expect(internal).toBeNull();
  });
});
