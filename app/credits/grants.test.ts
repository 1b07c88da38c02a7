import { describe, expect, it } from "vitest";
import { closeDatabase } from "../../db/client";
import { testContext } from "../../test/db";
import { addDays } from "../utils/clock";
import {
  adjustCredits,
  checkInvariants,
  deductCredits,
  getBalance,
  getGrant,
  grantCredits,
  grantDemoCredits,
  importLegacyBalance,
  listLedger,
  syncBalances,
  findGrantBySource,
  listGrantsByGroup,
  listGrantsBySourcePrefix,
} from "./index.server";
import { requestHash } from "./keyed.server";
import { DAY_MS, cachedBalance, expectAppError, newUser, useCreditsDb, writeCounts, grant } from "./test-support";
import { writeTransaction } from "../../db/transaction";

const ctx = useCreditsDb();

describe("grants", () => {
  it("counts a grant at once, with the type's default priority", () => {
    const userId = newUser(ctx());
    const sub = grantCredits(ctx(), { userId, type: "subscription", amount: 100, source: "subscription" });
    const promo = grantCredits(ctx(), { userId, type: "promotional", amount: 20, source: "admin", reason: "Welcome" });
    const topup = grantCredits(ctx(), { userId, type: "topup", amount: 5, source: "topup" });
    expect([sub.grant.priority, promo.grant.priority, topup.grant.priority]).toEqual([10, 20, 30]);
    expect(sub.grant).toMatchObject({
      userId,
      type: "subscription",
      amount: 100,
      remaining: 100,
      status: "active",
      source: "subscription",
      effectiveAt: "2026-01-01T00:00:00.000Z",
      expiresAt: null,
      reason: null,
    });
    expect(promo.grant.reason).toBe("Welcome");
    expect([sub.balance, promo.balance, topup.balance]).toEqual([100, 120, 125]);
    expect(getBalance(ctx(), userId).balance).toBe(125);
    expect(cachedBalance(ctx(), userId)).toBe(125);
  });

  it("takes an explicit priority, reason, actor and metadata", () => {
    const userId = newUser(ctx());
    const r = grantCredits(ctx(), {
      userId,
      type: "topup",
      amount: 7,
      priority: 0,
      source: "api",
      actor: "api_key:1",
      metadata: { ticket: 42 },
    });
    expect(r.grant.priority).toBe(0);
    const entry = ctx()
      .db.$client.prepare("select actor, metadata, type, amount, grant_id from credit_ledger where id = ?")
      .get(r.entryId);
    expect(entry).toEqual({
      actor: "api_key:1",
      metadata: '{"ticket":42}',
      type: "grant",
      amount: 7,
      grant_id: r.grant.id,
    });
  });

  it.each([0, -1, 1.5, 1_000_000_000_001, Number.NaN, "5" as unknown as number])(
    "rejects an amount of %s and writes nothing",
    (amount) => {
      const userId = newUser(ctx());
      const before = writeCounts(ctx());
      expectAppError(
        () => grantCredits(ctx(), { userId, type: "topup", amount, source: "admin" }),
        "invalid_request",
        "amount",
      );
      expect(writeCounts(ctx())).toEqual(before);
    },
  );

  it("accepts the largest amount, 1,000,000,000,000", () => {
    const userId = newUser(ctx());
    expect(grantCredits(ctx(), { userId, type: "topup", amount: 1e12, source: "admin" }).balance).toBe(1e12);
  });

  it("refuses a grant that would lift the balance past 2^53 − 1, so every sum stays an exact integer", () => {
    // Its own database: replaying 9,000 grants through checkInvariants after the test takes seconds.
    const big = testContext();
    try {
      const userId = newUser(big);
      const full = Math.floor(Number.MAX_SAFE_INTEGER / 1e12); // 9,007 grants of 1e12
      writeTransaction(big.db, () => {
        for (let i = 0; i < full; i++) grantCredits(big, { userId, type: "topup", amount: 1e12, source: "api" });
      });
      grantCredits(big, { userId, type: "topup", amount: Number.MAX_SAFE_INTEGER - full * 1e12, source: "admin" });
      expect(getBalance(big, userId).balance).toBe(Number.MAX_SAFE_INTEGER);
      const before = writeCounts(big);
      const one = { userId, type: "topup" as const, amount: 1, source: "admin" as const };
      expectAppError(() => grantCredits(big, one), "invalid_request", "amount");
      expectAppError(() => adjustCredits(big, { userId, amount: 1, reason: "x" }), "invalid_request", "amount");
      expect(writeCounts(big)).toEqual(before);
      expect(deductCredits(big, { userId, amount: 1e12 }).balance).toBe(Number.MAX_SAFE_INTEGER - 1e12);
      expect(cachedBalance(big, userId)).toBe(Number.MAX_SAFE_INTEGER - 1e12);
      expect(syncBalances(big, { userId })).toEqual({ checked: 1, drifted: [] });
    } finally {
      closeDatabase(big.db);
    }
  }, 120_000); // 9,000 grants, each with its credits.granted event, on a machine the tests share

  it("rejects bad fields with the field's name and writes nothing", () => {
    const userId = newUser(ctx());
    const now = ctx().clock.now();
    const before = writeCounts(ctx());
    const base = { userId, amount: 10, source: "admin" as const, type: "topup" as const };
    expectAppError(() => grantCredits(ctx(), { ...base, type: "gift" as never }), "invalid_request", "type");
    expectAppError(() => grantCredits(ctx(), { ...base, source: "stripe" as never }), "invalid_request", "source");
    expectAppError(() => grantCredits(ctx(), { ...base, priority: 101 }), "invalid_request", "priority");
    expectAppError(() => grantCredits(ctx(), { ...base, priority: -1 }), "invalid_request", "priority");
    expectAppError(() => grantCredits(ctx(), { ...base, priority: 2.5 }), "invalid_request", "priority");
    expectAppError(() => grantCredits(ctx(), { ...base, expiresAt: now }), "invalid_request", "expiresAt");
    expectAppError(
      () => grantCredits(ctx(), { ...base, expiresAt: new Date(now.getTime() - 1) }),
      "invalid_request",
      "expiresAt",
    );
    expectAppError(
      () => grantCredits(ctx(), { ...base, effectiveAt: addDays(now, 5), expiresAt: addDays(now, 5) }),
      "invalid_request",
      "expiresAt",
    );
    expectAppError(
      () => grantCredits(ctx(), { ...base, effectiveAt: addDays(now, 5), expiresAt: addDays(now, 4) }),
      "invalid_request",
      "expiresAt",
    );
    expectAppError(
      () => grantCredits(ctx(), { ...base, effectiveAt: new Date("nope") }),
      "invalid_request",
      "effectiveAt",
    );
    expectAppError(() => grantCredits(ctx(), { ...base, reason: "x".repeat(1001) }), "invalid_request", "reason");
    expectAppError(() => grantCredits(ctx(), { ...base, userId: 0 }), "invalid_request", "userId");
    expectAppError(() => grantCredits(ctx(), { ...base, sourceRef: "" }), "invalid_request", "sourceRef");
    expectAppError(() => grantCredits(ctx(), { ...base, sourceRef: "x".repeat(256) }), "invalid_request", "sourceRef");
    expectAppError(
      () => grantCredits(ctx(), { ...base, groupRef: 7 as unknown as string }),
      "invalid_request",
      "groupRef",
    );
    expect(writeCounts(ctx())).toEqual(before);
  });

  it("answers not_found for an unknown user and writes nothing", () => {
    const before = writeCounts(ctx());
    expectAppError(() => grantCredits(ctx(), { userId: 9999, type: "topup", amount: 1, source: "admin" }), "not_found");
    expect(writeCounts(ctx())).toEqual(before);
  });

  it("counts a future-dated grant only from its effectiveAt, though its ledger entry is written at once", () => {
    const userId = newUser(ctx());
    grantCredits(ctx(), { userId, type: "subscription", amount: 50, source: "subscription" });
    const startsAt = addDays(ctx().clock.now(), 3);
    const future = grantCredits(ctx(), { userId, type: "topup", amount: 100, effectiveAt: startsAt, source: "admin" });

    expect(future.grant.status).toBe("pending");
    expect(future.balance).toBe(50);
    expect(getBalance(ctx(), userId)).toMatchObject({
      balance: 50,
      breakdown: { subscription: 50, topup: 0, promotional: 0 },
    });
    expect(getBalance(ctx(), userId).grants.map((g) => g.id)).not.toContain(future.grant.id);
    // The cache (and the ledger sum) counts it: it is booked, just not spendable yet.
    expect(cachedBalance(ctx(), userId)).toBe(150);
    expect(listLedger(ctx(), userId, {}).entries[0]).toMatchObject({ type: "grant", amount: 100, balanceAfter: 50 });
    expectAppError(() => deductCredits(ctx(), { userId, amount: 51 }), "insufficient_credits");

    ctx().clock.set(startsAt.getTime() - 1);
    expect(getBalance(ctx(), userId).balance).toBe(50);
    ctx().clock.set(startsAt);
    expect(getGrant(ctx(), future.grant.id)!.status).toBe("active");
    expect(getBalance(ctx(), userId).balance).toBe(150);
    expect(deductCredits(ctx(), { userId, amount: 120 }).balance).toBe(30);
  });

  it("never lets expired credits be spent, whether or not the sweep has run", () => {
    const userId = newUser(ctx());
    const expiresAt = addDays(ctx().clock.now(), 30);
    const g = grantCredits(ctx(), { userId, type: "subscription", amount: 100, expiresAt, source: "subscription" });
    ctx().clock.set(expiresAt.getTime() - 1);
    expect(getBalance(ctx(), userId).balance).toBe(100);
    expect(deductCredits(ctx(), { userId, amount: 1 }).balance).toBe(99);

    ctx().clock.set(expiresAt); // expiresAt is exclusive
    expect(getBalance(ctx(), userId)).toMatchObject({ balance: 0, grants: [], nextExpiry: null });
    const e = expectAppError(() => deductCredits(ctx(), { userId, amount: 1 }), "insufficient_credits");
    expect(e.extra).toEqual({ balance: 0, requested: 1 });
    expect(getGrant(ctx(), g.grant.id)).toMatchObject({ status: "expired", remaining: 99 });
    // Booked until the sweep records the expiry.
    expect(cachedBalance(ctx(), userId)).toBe(99);
  });

  it("refuses a second grant with the same sourceRef, whoever asks, and writes nothing", () => {
    const userId = newUser(ctx());
    const other = newUser(ctx());
    // Opaque strings: nothing is looked up (no invoice or purchase rows exist anywhere).
    const first = grant(ctx(), userId, "subscription", 10, { sourceRef: "stripe_invoice:in_1", groupRef: "g:1" });
    const topup = grant(ctx(), userId, "topup", 100, { sourceRef: "topup_purchase:42" });
    const before = writeCounts(ctx());
    const e = expectAppError(
      () => grant(ctx(), userId, "subscription", 10, { sourceRef: "stripe_invoice:in_1" }),
      "conflict",
      "sourceRef",
    );
    expect(e.message).toBe(`Source stripe_invoice:in_1 already has grant ${first.grant.id}.`);
    expect(e.extra).toEqual({ grantId: first.grant.id });
    const again = expectAppError(
      () =>
        grantCredits(ctx(), {
          userId: other,
          type: "topup",
          amount: 5,
          source: "topup",
          sourceRef: "topup_purchase:42",
        }),
      "conflict",
      "sourceRef",
    );
    expect(again.extra).toEqual({ grantId: topup.grant.id });
    expect(writeCounts(ctx())).toEqual(before);
    // A group is not unique: many grants share one.
    grant(ctx(), userId, "subscription", 5, { sourceRef: "stripe_invoice:in_2", groupRef: "g:1" });
  });

  it("finds grants by sourceRef, by groupRef and by a sourceRef prefix, with their grant entry's metadata", () => {
    const userId = newUser(ctx());
    const other = newUser(ctx());
    const a = grant(ctx(), userId, "subscription", 10, {
      sourceRef: "inv:a",
      groupRef: "sub:1",
      metadata: { stripeEventId: "evt_a" },
    });
    ctx().clock.advance(DAY_MS);
    const b = grant(ctx(), userId, "subscription", 20, { sourceRef: "inv:b", groupRef: "sub:1" });
    const rolled = grant(ctx(), userId, "subscription", 3, { groupRef: "sub:1" });
    grant(ctx(), other, "subscription", 30, { sourceRef: "inv:c", groupRef: "sub:2" });
    grant(ctx(), userId, "topup", 40, { sourceRef: "invx:d" });
    grant(ctx(), userId, "topup", 50, { sourceRef: "in" });
    deductCredits(ctx(), { userId, amount: 10 });

    expect(findGrantBySource(ctx(), "inv:a")).toEqual({ id: a.grant.id, status: "depleted", remaining: 0 });
    expect(findGrantBySource(ctx(), "inv:zz")).toBeUndefined();
    expect(findGrantBySource(ctx(), "")).toBeUndefined();

    const group = listGrantsByGroup(ctx(), "sub:1");
    expect(group.map((g) => g.id)).toEqual([a.grant.id, b.grant.id, rolled.grant.id]);
    expect(group[0]).toMatchObject({
      userId,
      type: "subscription",
      amount: 10,
      remaining: 0,
      status: "depleted",
      sourceRef: "inv:a",
      groupRef: "sub:1",
      metadata: { stripeEventId: "evt_a" },
    });
    expect(group[2]).toMatchObject({ sourceRef: null, metadata: null });
    expect(listGrantsByGroup(ctx(), "sub:1", { limit: 1 }).map((g) => g.id)).toEqual([a.grant.id]);
    expect(listGrantsByGroup(ctx(), "sub:9")).toEqual([]);

    // "inv:" matches inv:a, inv:b, inv:c — not "invx:d" nor "in"; newest first.
    const all = listGrantsBySourcePrefix(ctx(), { prefix: "inv:" });
    expect(all.map((g) => g.sourceRef)).toEqual(["inv:c", "inv:b", "inv:a"]);
    const mine = listGrantsBySourcePrefix(ctx(), { prefix: "inv:", userId, limit: 1 });
    expect(mine.map((g) => g.sourceRef)).toEqual(["inv:b"]);
    const since = listGrantsBySourcePrefix(ctx(), { prefix: "inv:", createdFrom: ctx().clock.now() });
    expect(since.map((g) => g.sourceRef)).toEqual(["inv:c", "inv:b"]);
    expectAppError(() => listGrantsBySourcePrefix(ctx(), { prefix: "" }), "invalid_request", "prefix");
    expectAppError(() => listGrantsByGroup(ctx(), "sub:1", { limit: 0 }), "invalid_request", "limit");
  });

  it("hashes a keyed grant without refs exactly as before source refs, so keys stored then still replay", () => {
    const userId = newUser(ctx());
    const g = grantCredits(ctx(), {
      userId,
      type: "promotional",
      amount: 7,
      reason: "Hi",
      source: "api",
      idempotencyKey: "api:grants:k1",
    });
    const stored = ctx()
      .db.$client.prepare("select request_hash from credit_ledger where id = ?")
      .pluck()
      .get(g.entryId);
    // The request as grantCredits hashed it when grants took subscriptionId / stripeInvoiceId / topupPurchaseId.
    const before = requestHash({
      op: "grant",
      type: "promotional",
      amount: 7,
      effectiveAt: null,
      expiresAt: null,
      priority: null,
      reason: "Hi",
      source: "api",
      subscriptionId: null,
      stripeInvoiceId: null,
      topupPurchaseId: null,
      metadata: null,
    });
    expect(stored).toBe(before);
  });

  it("imports a legacy balance once as a never-expiring top-up", () => {
    const userId = newUser(ctx());
    const first = importLegacyBalance(ctx(), { userId, amount: 250, reason: "Legacy balance" })!;
    expect(first.grant).toMatchObject({
      type: "topup",
      source: "migration",
      amount: 250,
      expiresAt: null,
      reason: "Legacy balance",
    });
    ctx().clock.advance(DAY_MS);
    const again = importLegacyBalance(ctx(), { userId, amount: 250, reason: "Legacy balance" })!;
    expect(again).toMatchObject({ replayed: true, entryId: first.entryId });
    expectAppError(
      () => importLegacyBalance(ctx(), { userId, amount: 300, reason: "Legacy balance" }),
      "idempotency_conflict",
    );
    expect(importLegacyBalance(ctx(), { userId: newUser(ctx()), amount: 0, reason: "nothing" })).toBeNull();
    expect(getBalance(ctx(), userId).balance).toBe(250);
  });

  it("gives the demo customer welcome credits and a top-up, once", () => {
    const userId = newUser(ctx());
    expect(grantDemoCredits(ctx(), userId)).toEqual({ balance: 1500 });
    ctx().clock.advance(DAY_MS);
    expect(grantDemoCredits(ctx(), userId)).toEqual({ balance: 1500 });
    const view = getBalance(ctx(), userId);
    expect(view.breakdown).toEqual({ subscription: 0, topup: 1000, promotional: 500 });
    expect(view.grants.map((g) => g.reason)).toEqual(["Welcome credits", "Demo top-up"]);
    checkInvariants(ctx());
  });
});
