import type { AppContext } from "../utils/context.server";
import { afterEach, describe, expect, it } from "vitest";
import { dispatchBatch } from "../events/dispatcher.server";
import { registerEventConsumer } from "../events/outbox.server";
import { createUser } from "../auth/users.server";
import {
  adjustCredits,
  announceExpiringSoon,
  captureHold,
  deductCredits,
  expireGrants,
  holdCredits,
  refundGrantCredits,
  voidGrant,
} from "./index.server";
import { DAY_MS, grant, useCreditsDb, type TestCtx } from "./test-support";

const ctx = useCreditsDb();

interface Row {
  type: string;
  user_id: number | null;
  data: Record<string, unknown>;
}

function events(c: TestCtx, type?: string): Row[] {
  const rows = c.db.$client
    .prepare(`select type, user_id, data from event_outbox ${type ? "where type = ?" : ""} order by id`)
    .all(...(type ? [type] : [])) as { type: string; user_id: number | null; data: string }[];
  return rows.map((r) => ({ ...r, data: JSON.parse(r.data) as Record<string, unknown> }));
}

function customer(
  c: TestCtx,
  extra: { lowBalanceThreshold?: number | null; autoTopupThreshold?: number | null; externalId?: string } = {},
) {
  const externalId = extra.externalId ?? "acct_42";
  const user = createUser(c, { email: `e${Math.random().toString(36).slice(2)}@example.com`, externalId });
  c.db.$client
    .prepare("update users set low_balance_threshold = ?, auto_topup_threshold = ? where id = ?")
    .run(extra.lowBalanceThreshold ?? null, extra.autoTopupThreshold ?? null, user.id);
  return user.id;
}

let unregister: (() => void) | undefined;
afterEach(() => unregister?.());

describe("credit events in the outbox", () => {
  it("credits.granted carries the grant and the balance, in the grant's transaction", () => {
    const userId = customer(ctx());
    const r = grant(ctx(), userId, "topup", 500);
    expect(events(ctx())).toEqual([
      {
        type: "credits.granted",
        user_id: userId,
        data: { userId, externalId: "acct_42", grant: r.grant, balance: 500, metadata: null },
      },
    ]);
  });

  it("balance.low once when a deduction crosses the default threshold (100), balance.depleted at 0", () => {
    const userId = customer(ctx());
    grant(ctx(), userId, "topup", 150);
    deductCredits(ctx(), { userId, amount: 50 }); // 100: not below
    expect(events(ctx(), "balance.low")).toEqual([]);
    deductCredits(ctx(), { userId, amount: 1 }); // 99: crossed
    deductCredits(ctx(), { userId, amount: 1 }); // still below: no second event
    expect(events(ctx(), "balance.low").map((e) => e.data)).toEqual([
      { userId, externalId: "acct_42", balance: 99, threshold: 100 },
    ]);
    deductCredits(ctx(), { userId, amount: 98 });
    expect(events(ctx(), "balance.depleted").map((e) => e.data)).toEqual([
      { userId, externalId: "acct_42", balance: 0 },
    ]);
  });

  it("uses the user's own threshold (0 = off) and the configured default, and holds count as spending", () => {
    const own = customer(ctx(), { lowBalanceThreshold: 10 });
    grant(ctx(), own, "topup", 20);
    holdCredits(ctx(), { userId: own, amount: 15 });
    const off = customer(ctx(), { lowBalanceThreshold: 0, externalId: "off" });
    grant(ctx(), off, "topup", 20);
    deductCredits(ctx(), { userId: off, amount: 15 });
    const configured = customer(ctx(), { externalId: "configured" });
    grant(ctx(), configured, "topup", 20);
    const lowAt18: AppContext = { ...ctx(), env: { ...ctx().env, LOW_BALANCE_THRESHOLD: 18 } };
    deductCredits(lowAt18, { userId: configured, amount: 3 });
    expect(events(ctx(), "balance.low").map((e) => [e.user_id, e.data.threshold, e.data.balance])).toEqual([
      [own, 10, 5],
      [configured, 18, 17],
    ]);
  });

  it("auto_topup.needed when the balance crosses the user's auto top-up threshold (internal event)", () => {
    const userId = customer(ctx(), { autoTopupThreshold: 50, lowBalanceThreshold: 0 });
    grant(ctx(), userId, "topup", 60);
    deductCredits(ctx(), { userId, amount: 5 });
    adjustCredits(ctx(), { userId, amount: -10, reason: "correction" });
    expect(events(ctx(), "auto_topup.needed").map((e) => e.data)).toEqual([{ userId, balance: 45, threshold: 50 }]);
  });

  it("balance events for voids and refunds too; credits.voided carries the voided grant", () => {
    const userId = customer(ctx());
    const a = grant(ctx(), userId, "topup", 100).grant.id;
    const b = grant(ctx(), userId, "topup", 30).grant.id;
    const voided = voidGrant(ctx(), { grantId: a });
    expect(events(ctx(), "credits.voided").map((e) => e.data)).toEqual([
      { userId, externalId: "acct_42", grant: voided.grant, balance: 30 },
    ]);
    expect(events(ctx(), "balance.low").map((e) => e.data.balance)).toEqual([30]);
    refundGrantCredits(ctx(), { grantId: b, amount: 30 });
    expect(events(ctx(), "balance.depleted")).toHaveLength(1);
  });

  it("credits.deducted (read from the ledger by the dispatcher) only when someone consumes it, with the deduction, its metadata and, for a capture, its holdId and the hold's metadata", () => {
    const userId = customer(ctx());
    const g = grant(ctx(), userId, "topup", 1000).grant.id;
    deductCredits(ctx(), { userId, amount: 5 });
    dispatchBatch(ctx());
    expect(events(ctx(), "credits.deducted")).toEqual([]);
    ctx().clock.advance(1000);
    unregister = registerEventConsumer({ name: "test", types: ["credits.deducted"], handle() {} });
    dispatchBatch(ctx()); // wanted from now on: the deduction of 5 never becomes an event
    const outboxRows = ctx().db.$client.prepare("select count(*) from event_outbox").pluck();
    const before = outboxRows.get();
    const d = deductCredits(ctx(), { userId, amount: 7, reason: "job 1", metadata: { job: 1 } });
    const { hold } = holdCredits(ctx(), { userId, amount: 9, metadata: { job: 2 } });
    const c = captureHold(ctx(), { holdId: hold.id, amount: 4 });
    // The deductions themselves wrote no outbox row: the ledger entry is the event's record.
    expect(outboxRows.get()).toBe(before);
    dispatchBatch(ctx());
    expect(events(ctx(), "credits.deducted").map((e) => e.data)).toEqual([
      {
        userId,
        externalId: "acct_42",
        deduction: {
          id: d.id,
          amount: 7,
          balance: 988,
          allocations: [{ grantId: g, amount: 7 }],
          reason: "job 1",
          metadata: { job: 1 },
          holdId: null,
          usage: null,
        },
        balance: 988,
      },
      {
        userId,
        externalId: "acct_42",
        deduction: { ...c.deduction, reason: null, holdId: hold.id, usage: null },
        balance: 984,
      },
    ]);
    expect(c.deduction.metadata).toEqual({ job: 2 });
  });

  it("credits.deducted for a webhook endpoint: the entries from the endpoint's created_at on (that millisecond included), after the events their own transactions wrote", () => {
    const userId = customer(ctx());
    grant(ctx(), userId, "topup", 10);
    deductCredits(ctx(), { userId, amount: 1 }); // before the endpoint: never an event
    ctx().clock.advance(1000);
    deductCredits(ctx(), { userId, amount: 2 }); // the endpoint's millisecond, before it was inserted
    ctx()
      .db.$client.prepare("insert into webhook_endpoints (url, events, secret, created_at) values (?, ?, ?, ?)")
      .run("http://127.0.0.1:1/", JSON.stringify(["credits.deducted"]), "whsec_x", ctx().clock.now().getTime());
    deductCredits(ctx(), { userId, amount: 3 });
    ctx().clock.advance(1);
    deductCredits(ctx(), { userId, amount: 4 }); // empties the balance: balance.depleted in its transaction
    dispatchBatch(ctx());
    const mine = events(ctx()).filter((e) => e.user_id === userId);
    expect(
      mine.map((e) =>
        e.type === "credits.deducted" ? `deducted ${(e.data.deduction as { amount: number }).amount}` : e.type,
      ),
    ).toEqual([
      "credits.granted",
      "balance.depleted",
      // Copied by the dispatcher after commit, so they follow the events written in the same
      // transactions (decision 011).
      "deducted 2",
      "deducted 3",
      "deducted 4",
    ]);
  });

  it("credits.expired when the sweep records an expiry", () => {
    const userId = customer(ctx());
    const g = grant(ctx(), userId, "subscription", 40, { expiresAt: new Date(ctx().clock.now().getTime() + DAY_MS) });
    grant(ctx(), userId, "topup", 500);
    ctx().clock.advance(DAY_MS);
    expireGrants(ctx());
    expect(events(ctx(), "credits.expired").map((e) => e.data)).toEqual([
      { userId, externalId: "acct_42", grantId: g.grant.id, amount: 40, balance: 500 },
    ]);
  });

  it("balance.low and balance.depleted when expiring credits took the balance down, judged when the sweep records them", () => {
    const userId = customer(ctx());
    const nowMs = ctx().clock.now().getTime();
    grant(ctx(), userId, "subscription", 150, { expiresAt: new Date(nowMs + DAY_MS) });
    grant(ctx(), userId, "topup", 40);
    deductCredits(ctx(), { userId, amount: 10 });
    expect(events(ctx(), "balance.low")).toEqual([]);
    ctx().clock.advance(DAY_MS);
    expireGrants(ctx());
    expect(events(ctx(), "balance.low").map((e) => e.data)).toEqual([
      { userId, externalId: "acct_42", balance: 40, threshold: 100 },
    ]);
    const only = customer(ctx(), { externalId: "only" });
    grant(ctx(), only, "promotional", 30, { expiresAt: new Date(ctx().clock.now().getTime() + DAY_MS) });
    ctx().clock.advance(DAY_MS);
    expireGrants(ctx());
    expect(events(ctx(), "balance.depleted").map((e) => e.data)).toEqual([
      { userId: only, externalId: "only", balance: 0 },
    ]);
  });

  it("credits.expiring_soon once per grant with credits left within EXPIRING_SOON_DAYS", () => {
    const userId = customer(ctx());
    const nowMs = ctx().clock.now().getTime();
    const soon = grant(ctx(), userId, "subscription", 40, { expiresAt: new Date(nowMs + 7 * DAY_MS) }).grant.id;
    const later = grant(ctx(), userId, "subscription", 30, { expiresAt: new Date(nowMs + 8 * DAY_MS) }).grant.id;
    const spent = grant(ctx(), userId, "subscription", 5, { expiresAt: new Date(nowMs + 2 * DAY_MS) }).grant.id;
    grant(ctx(), userId, "topup", 100);
    deductCredits(ctx(), { userId, amount: 5 + 40 + 10 }); // empties `spent` and `soon`, 10 of `later`
    expect(spent).toBeGreaterThan(0);
    expect(announceExpiringSoon(ctx())).toBe(0);
    const added = grant(ctx(), userId, "promotional", 3, { expiresAt: new Date(nowMs + 3 * DAY_MS) }).grant.id;
    expect(announceExpiringSoon(ctx())).toBe(1);
    ctx().clock.advance(DAY_MS);
    expect(announceExpiringSoon(ctx())).toBe(1); // `later` is now within 7 days
    expect(announceExpiringSoon(ctx())).toBe(0); // remembered: never twice
    expect(
      events(ctx(), "credits.expiring_soon").map((e) => [e.data.grantId, e.data.amount, e.data.expiresAt]),
    ).toEqual([
      [added, 3, new Date(nowMs + 3 * DAY_MS).toISOString()],
      [later, 20, new Date(nowMs + 8 * DAY_MS).toISOString()],
    ]);
    expect(soon).toBeLessThan(later);
    const soonIs30Days: AppContext = { ...ctx(), env: { ...ctx().env, EXPIRING_SOON_DAYS: 30 } };
    expect(announceExpiringSoon(soonIs30Days)).toBe(0);
  });
});
