// Every public event type the credit engine appends reaches a real receiver, signed (verified with
// the standardwebhooks package), with its documented data; internal types never do.
import { afterEach, describe, expect, it } from "vitest";
import { freshDb } from "../../test/db";
import { createUser } from "../auth/users.server";
import {
  announceExpiringSoon,
  deductCredits,
  expireGrants,
  expireHolds,
  grantCredits,
  holdCredits,
  voidGrant,
} from "../credits/index.server";
import { dispatchBatch } from "../events/dispatcher.server";
import { PUBLIC_EVENT_TYPES, registerEventConsumer } from "../events/outbox.server";
import { addDays, ManualClock } from "../utils/clock";
import { createWebhookEndpoint, startWebhookSender, webhookAddressPolicy, webhooksConsumer } from "./index.server";
import { startReceiver } from "./test-support";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const f of cleanups.splice(0).reverse()) await f();
});

describe("credit engine events as webhooks", () => {
  it("a receiver sees each public event type, verified, with the issue 10 data", async () => {
    const { db } = freshDb();
    // Real time (receivers check webhook-timestamp within 5 minutes); the test moves it about a minute.
    const clock = new ManualClock(new Date());
    const ctx = { db, clock };
    cleanups.push(registerEventConsumer(webhooksConsumer()));
    const sender = startWebhookSender(ctx, { pollMs: 3_600_000 });
    cleanups.push(() => sender.stop());
    const r = await startReceiver();
    cleanups.push(() => r.close());
    const endpoint = await createWebhookEndpoint(
      ctx,
      { url: r.url, events: [...PUBLIC_EVENT_TYPES] },
      { policy: webhookAddressPolicy({ NODE_ENV: "test" }), actor: "test" },
    );
    r.setSecret(endpoint.secret);
    const deliver = async () => {
      while (dispatchBatch(ctx).count > 0);
      await sender.drain();
    };

    const userId = createUser(ctx, { email: "hooks@example.com", externalId: "acct_42" }).id;
    const a = grantCredits(ctx, {
      userId,
      type: "promotional",
      amount: 150,
      source: "admin",
      expiresAt: addDays(clock.now(), 3),
    });
    deductCredits(ctx, { userId, amount: 60 }); // 150 → 90: below the default threshold of 100
    announceExpiringSoon(ctx);
    grantCredits(ctx, {
      userId,
      type: "topup",
      amount: 10,
      source: "admin",
      expiresAt: new Date(clock.now().getTime() + 1000),
    });
    holdCredits(ctx, { userId, amount: 5, expiresInSeconds: 60 });
    clock.advance(61_000);
    expireGrants(ctx);
    expireHolds(ctx);
    const c = grantCredits(ctx, { userId, type: "promotional", amount: 5, source: "admin" });
    voidGrant(ctx, { grantId: c.grant.id, reason: "test" });
    deductCredits(ctx, { userId, amount: 90 }); // → 0
    await deliver();

    expect(r.received.filter((x) => x.verifyError !== null)).toEqual([]);
    // The first event of each type.
    const byType = new Map<string, NonNullable<(typeof r.received)[number]["payload"]>>();
    for (const x of r.received) if (!byType.has(x.payload!.type)) byType.set(x.payload!.type, x.payload!);
    expect([...byType.keys()].sort()).toEqual([...PUBLIC_EVENT_TYPES].sort());
    for (const p of byType.values()) {
      expect(p.id).toMatch(/^evt_/);
      expect(new Date(p.createdAt).toISOString()).toBe(p.createdAt);
      expect(p.data).toMatchObject({ userId, externalId: "acct_42" });
    }
    expect(byType.get("credits.granted")!.data).toMatchObject({ grant: { id: a.grant.id, amount: 150 }, balance: 150 });
    // Deliveries run concurrently: the deductions' events arrive in any order.
    expect(r.received.filter((x) => x.payload!.type === "credits.deducted").map((x) => x.payload!.data)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ deduction: expect.objectContaining({ amount: 60 }), balance: 90 }),
      ]),
    );
    expect(byType.get("balance.low")!.data).toEqual({ userId, externalId: "acct_42", balance: 90, threshold: 100 });
    expect(byType.get("credits.expiring_soon")!.data).toMatchObject({ grantId: a.grant.id, amount: 90 });
    expect(byType.get("credits.expired")!.data).toMatchObject({ amount: 10 });
    expect(byType.get("hold.expired")!.data).toMatchObject({ hold: { amount: 5 } });
    expect(byType.get("credits.voided")!.data).toMatchObject({ grant: { id: c.grant.id } });
    expect(byType.get("balance.depleted")!.data).toEqual({ userId, externalId: "acct_42", balance: 0 });
  });
});
