import { describe, expect, it } from "vitest";
import { addDays } from "../utils/clock";
import { adjustCredits, deductCredits, grantCredits, refundGrantCredits, voidGrant } from "./index.server";
import { DAY_MS, expectAppError, newUser, useCreditsDb, writeCounts } from "./test-support";
import { writeTransaction } from "../../db/transaction";

const ctx = useCreditsDb();

function storedKey(entryId: number) {
  return ctx()
    .db.$client.prepare("select idempotency_key as key, request_hash as hash from credit_ledger where id = ?")
    .get(entryId) as {
    key: string | null;
    hash: string | null;
  };
}

describe("idempotency keys", () => {
  it("replay a deduction: the original result, replayed, nothing written — even after the balance moved", () => {
    const userId = newUser(ctx());
    grantCredits(ctx(), { userId, type: "topup", amount: 100, source: "topup" });
    const first = deductCredits(ctx(), {
      userId,
      amount: 30,
      reason: "job 1",
      metadata: { a: 1, b: 2 },
      idempotencyKey: "api:deductions:k1",
    });
    expect(storedKey(first.id)).toEqual({ key: "api:deductions:k1", hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    deductCredits(ctx(), { userId, amount: 10 });
    ctx().clock.advance(DAY_MS);
    const before = writeCounts(ctx());
    // Same request (metadata keys in another order) → same answer.
    const again = deductCredits(ctx(), {
      userId,
      amount: 30,
      reason: "job 1",
      metadata: { b: 2, a: 1 },
      idempotencyKey: "api:deductions:k1",
    });
    expect(again).toEqual({ ...first, replayed: true });
    expect(writeCounts(ctx())).toEqual(before);
  });

  it("refuse the same key with a different request: idempotency_conflict, nothing written", () => {
    const userId = newUser(ctx());
    grantCredits(ctx(), { userId, type: "topup", amount: 100, source: "topup" });
    deductCredits(ctx(), { userId, amount: 30, idempotencyKey: "k" });
    const before = writeCounts(ctx());
    expectAppError(() => deductCredits(ctx(), { userId, amount: 31, idempotencyKey: "k" }), "idempotency_conflict");
    expectAppError(
      () => deductCredits(ctx(), { userId, amount: 30, reason: "other", idempotencyKey: "k" }),
      "idempotency_conflict",
    );
    // A key names one operation: reusing it for another kind of write is a conflict too.
    expectAppError(
      () => adjustCredits(ctx(), { userId, amount: 30, reason: "x", idempotencyKey: "k" }),
      "idempotency_conflict",
    );
    expect(writeCounts(ctx())).toEqual(before);
  });

  it("refuse metadata nested too deep to hash, with a clear error instead of a stack overflow", () => {
    const userId = newUser(ctx());
    grantCredits(ctx(), { userId, type: "topup", amount: 100, source: "topup" });
    let deep: Record<string, unknown> = { leaf: true };
    for (let i = 0; i < 2_000; i++) deep = { x: [deep] };
    const before = writeCounts(ctx());
    expectAppError(
      () => deductCredits(ctx(), { userId, amount: 1, metadata: deep, idempotencyKey: "deep" }),
      "invalid_request",
    );
    expectAppError(() => deductCredits(ctx(), { userId, amount: 1, metadata: deep }), "invalid_request");
    expect(writeCounts(ctx())).toEqual(before);
  });

  it("are not used up by a request that failed", () => {
    const userId = newUser(ctx());
    expectAppError(
      () => deductCredits(ctx(), { userId, amount: 5, idempotencyKey: "retry-me" }),
      "insufficient_credits",
    );
    grantCredits(ctx(), { userId, type: "topup", amount: 10, source: "topup" });
    expect(deductCredits(ctx(), { userId, amount: 5, idempotencyKey: "retry-me" })).toMatchObject({
      replayed: false,
      balance: 5,
    });
  });

  it("are scoped to the user", () => {
    const a = newUser(ctx());
    const b = newUser(ctx());
    grantCredits(ctx(), { userId: a, type: "topup", amount: 10, source: "topup" });
    grantCredits(ctx(), { userId: b, type: "topup", amount: 10, source: "topup" });
    deductCredits(ctx(), { userId: a, amount: 1, idempotencyKey: "same" });
    expect(deductCredits(ctx(), { userId: b, amount: 2, idempotencyKey: "same" })).toMatchObject({
      replayed: false,
      amount: 2,
    });
  });

  it("replay a grant with its original answer, even when effectiveAt was left to default", () => {
    const userId = newUser(ctx());
    const expiresAt = addDays(ctx().clock.now(), 30);
    const input = {
      userId,
      type: "subscription" as const,
      amount: 50,
      source: "api" as const,
      expiresAt,
      idempotencyKey: "api:grants:g1",
    };
    const first = grantCredits(ctx(), input);
    deductCredits(ctx(), { userId, amount: 20 });
    ctx().clock.advance(1000);
    const before = writeCounts(ctx());
    const again = grantCredits(ctx(), input);
    expect(again).toEqual({ ...first, replayed: true });
    expect(writeCounts(ctx())).toEqual(before);
    expectAppError(() => grantCredits(ctx(), { ...input, amount: 51 }), "idempotency_conflict");
    expectAppError(() => grantCredits(ctx(), { ...input, expiresAt: addDays(expiresAt, 1) }), "idempotency_conflict");
    expect(writeCounts(ctx())).toEqual(before);
  });

  it("scope void keys to the grant: one key may void two grants, and a replay returns what was removed", () => {
    const userId = newUser(ctx());
    const g1 = grantCredits(ctx(), { userId, type: "promotional", amount: 10, source: "admin" });
    const g2 = grantCredits(ctx(), { userId, type: "promotional", amount: 20, source: "admin" });
    const v1 = voidGrant(ctx(), { grantId: g1.grant.id, idempotencyKey: "void-key", reason: "oops" });
    const v2 = voidGrant(ctx(), { grantId: g2.grant.id, idempotencyKey: "void-key", reason: "oops" });
    expect([v1.removed, v2.removed]).toEqual([10, 20]);
    const before = writeCounts(ctx());
    expect(voidGrant(ctx(), { grantId: g1.grant.id, idempotencyKey: "void-key", reason: "oops" })).toEqual({
      ...v1,
      replayed: true,
    });
    expectAppError(
      () => voidGrant(ctx(), { grantId: g1.grant.id, idempotencyKey: "void-key", reason: "other" }),
      "idempotency_conflict",
    );
    expect(writeCounts(ctx())).toEqual(before);
  });

  it("replay refunds and adjustments without writing again", () => {
    const userId = newUser(ctx());
    const g = grantCredits(ctx(), { userId, type: "topup", amount: 100, source: "topup" });
    const refund = refundGrantCredits(ctx(), { grantId: g.grant.id, amount: 40, idempotencyKey: "stripe:re_1" });
    const plus = adjustCredits(ctx(), { userId, amount: 5, reason: "goodwill", idempotencyKey: "adj:1" });
    const minus = adjustCredits(ctx(), { userId, amount: -7, reason: "fix", idempotencyKey: "adj:2" });
    const before = writeCounts(ctx());
    expect(refundGrantCredits(ctx(), { grantId: g.grant.id, amount: 40, idempotencyKey: "stripe:re_1" })).toEqual({
      ...refund,
      replayed: true,
    });
    expect(adjustCredits(ctx(), { userId, amount: 5, reason: "goodwill", idempotencyKey: "adj:1" })).toEqual({
      ...plus,
      replayed: true,
    });
    expect(adjustCredits(ctx(), { userId, amount: -7, reason: "fix", idempotencyKey: "adj:2" })).toEqual({
      ...minus,
      replayed: true,
    });
    expectAppError(
      () => refundGrantCredits(ctx(), { grantId: g.grant.id, amount: 41, idempotencyKey: "stripe:re_1" }),
      "idempotency_conflict",
    );
    expect(writeCounts(ctx())).toEqual(before);
  });

  it("hash metadata as it is stored, so metadata that stores differently is a conflict, not a replay", () => {
    const userId = newUser(ctx());
    grantCredits(ctx(), { userId, type: "topup", amount: 100, source: "topup" });
    const dated = (iso: string) => ({ userId, amount: 1, metadata: { at: new Date(iso) }, idempotencyKey: "dated" });
    const first = deductCredits(ctx(), dated("2026-01-01T00:00:00.000Z"));
    const stored = ctx().db.$client.prepare("select metadata from credit_ledger where id = ?").pluck().get(first.id);
    expect(stored).toBe('{"at":"2026-01-01T00:00:00.000Z"}');
    // The same metadata written as JSON text is the same request…
    const asText = { at: "2026-01-01T00:00:00.000Z" };
    expect(deductCredits(ctx(), { userId, amount: 1, metadata: asText, idempotencyKey: "dated" })).toEqual({
      ...first,
      replayed: true,
    });
    // …and a different date is a different one.
    const before = writeCounts(ctx());
    expectAppError(() => deductCredits(ctx(), dated("2027-01-01T00:00:00.000Z")), "idempotency_conflict");
    expect(writeCounts(ctx())).toEqual(before);
  });

  it("write once when the same request arrives twice inside one caller transaction", () => {
    const userId = newUser(ctx());
    grantCredits(ctx(), { userId, type: "topup", amount: 100, source: "topup" });
    const [a, b] = writeTransaction(ctx().db, () => [
      deductCredits(ctx(), { userId, amount: 9, idempotencyKey: "twice" }),
      deductCredits(ctx(), { userId, amount: 9, idempotencyKey: "twice" }),
    ]);
    expect(b).toEqual({ ...a, replayed: true });
    expect(writeCounts(ctx()).ledger).toBe(2);
  });
});
