import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MS_PER_DAY } from "../utils/clock";
import { customerLedgerCsvChunks, forecastRate, listLedgerPage, usageOverTime } from "./customer-view.server";
import { deductCredits, getBalance, grantCredits } from "./index.server";
import { newUser, useCreditsDb } from "./test-support";

const getCtx = useCreditsDb();

function promo(ctx: ReturnType<typeof getCtx>, userId: number, amount: number, reason = "Welcome") {
  return grantCredits(ctx, { userId, type: "promotional", source: "admin", amount, reason, actor: "test" });
}

describe("usage over time", () => {
  it("closes each day at its last balance, sums each day's spending and forecasts the run-out at the last 7 days' rate", () => {
    const ctx = getCtx();
    ctx.clock.set("2026-03-01T12:00:00.000Z");
    const user = newUser(ctx);
    promo(ctx, user, 1000);
    // Ten days of spending: 20 a day for the first three days, then 50 a day (in two deductions).
    for (let day = 0; day < 10; day++) {
      ctx.clock.advance(MS_PER_DAY);
      if (day < 3) deductCredits(ctx, { userId: user, amount: 20, reason: "work" });
      else {
        deductCredits(ctx, { userId: user, amount: 30, reason: "work" });
        deductCredits(ctx, { userId: user, amount: 20, reason: "more work" });
      }
    }
    const balance = getBalance(ctx, user).balance;
    expect(balance).toBe(1000 - 60 - 7 * 50);
    const usage = usageOverTime(ctx, user, balance);
    expect(usage.days).toHaveLength(30);
    expect(usage.days.at(-1)).toBe("2026-03-11");
    expect(usage.days[0]).toBe("2026-02-10");
    // Before the first grant nothing; the grant's day closes at 1,000; then down day by day.
    expect(usage.balance.slice(-12)).toEqual([0, 1000, 980, 960, 940, 890, 840, 790, 740, 690, 640, 590]);
    expect(usage.spent.slice(-11)).toEqual([0, 20, 20, 20, 50, 50, 50, 50, 50, 50, 50]);
    expect(usage.dailyRate).toBe(50);
    expect(usage.daysLeft).toBe(11);
    expect(usage.runsOutAt).toBe(new Date(ctx.clock.now().getTime() + (590 / 50) * MS_PER_DAY).toISOString());
  });

  it("forecasts nothing when nothing was spent, and falls back to the month's rate when the last week was quiet", () => {
    const ctx = getCtx();
    const user = newUser(ctx);
    promo(ctx, user, 500);
    const quiet = usageOverTime(ctx, user, 500);
    expect(quiet).toMatchObject({ dailyRate: 0, runsOutAt: null, daysLeft: null });
    expect(forecastRate([...Array(20).fill(0), 9, ...Array(9).fill(0)])).toBe(1);
    expect(forecastRate([...Array(23).fill(0), 10, 0, 0, 0, 0, 0, 5])).toBe(3);
  });

  it("gives no run-out date past ten years (a huge balance once made the date invalid and the page a 500)", () => {
    const ctx = getCtx();
    const user = newUser(ctx);
    promo(ctx, user, 1e12);
    deductCredits(ctx, { userId: user, amount: 10_000 });
    const usage = usageOverTime(ctx, user, 1e12 - 10_000);
    expect(usage.dailyRate).toBeGreaterThan(0);
    expect(usage).toMatchObject({ runsOutAt: null, daysLeft: null, lastsBeyondHorizon: true });
  });
});

/** The usage chart computed straight from the ledger rows, with no cache: what every view must equal. */
function usageFromLedger(ctx: ReturnType<typeof getCtx>, userId: number, days = 30) {
  const rows = ctx.db.$client
    .prepare(
      `select id, type, amount, balance_after as b, created_at as at from credit_ledger where user_id = ? order by id`,
    )
    .all(userId) as { id: number; type: string; amount: number; b: number; at: number }[];
  const today = Math.floor(ctx.clock.now().getTime() / MS_PER_DAY);
  const startDay = today - (days - 1);
  let running = 0;
  const balance: number[] = [];
  const spent: number[] = [];
  for (const r of rows) if (Math.floor(r.at / MS_PER_DAY) < startDay) running = r.b;
  for (let d = startDay; d <= today; d++) {
    const on = rows.filter((r) => Math.floor(r.at / MS_PER_DAY) === d);
    if (on.length) running = on.at(-1)!.b;
    balance.push(running);
    spent.push(on.filter((r) => r.type === "deduction").reduce((sum, r) => sum - r.amount, 0));
  }
  return { balance: balance.slice(0, -1), spent };
}

describe("usage over time, viewed again and again while credits move", () => {
  it("always equals the chart computed from the whole ledger (views after the first read only new entries)", () => {
    const ctx = getCtx();
    const user = newUser(ctx);
    const other = newUser(ctx);
    promo(ctx, user, 1_000_000);
    promo(ctx, other, 1_000_000);
    const step = fc.oneof(
      fc.record({ kind: fc.constant("deduct" as const), amount: fc.integer({ min: 1, max: 500 }), who: fc.boolean() }),
      fc.record({ kind: fc.constant("grant" as const), amount: fc.integer({ min: 1, max: 500 }) }),
      fc.record({ kind: fc.constant("wait" as const), ms: fc.integer({ min: 1, max: 5 * MS_PER_DAY }) }),
      fc.record({ kind: fc.constant("view" as const), days: fc.constantFrom(7, 30) }),
    );
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 40 }), (steps) => {
        for (const s of steps) {
          if (s.kind === "deduct")
            deductCredits(ctx, { userId: s.who ? user : other, amount: s.amount, reason: "work" });
          else if (s.kind === "grant") promo(ctx, user, s.amount);
          else if (s.kind === "wait") ctx.clock.advance(s.ms);
          else {
            const balance = getBalance(ctx, user).balance;
            // A 7-day view between 30-day ones: the remembered days must widen back correctly.
            const usage = usageOverTime(ctx, user, balance, s.days);
            const expected = usageFromLedger(ctx, user, s.days);
            expect(usage.spent).toEqual(expected.spent);
            expect(usage.balance.slice(0, -1)).toEqual(expected.balance);
            expect(usage.balance.at(-1)).toBe(balance);
          }
        }
      }),
      { numRuns: 40 },
    );
  });
});

describe("the customer's history CSV", () => {
  it("has every ledger entry of the customer with the page's numbers, and only theirs; a type filters it", () => {
    const ctx = getCtx();
    const user = newUser(ctx);
    const other = newUser(ctx);
    promo(ctx, user, 300, '=HYPERLINK("x"), with "quotes"');
    promo(ctx, other, 50);
    for (let i = 0; i < 5; i++) deductCredits(ctx, { userId: user, amount: 7, reason: `call ${i}` });
    const csv = [...customerLedgerCsvChunks(ctx, user, { pageSize: 2 })].join("");
    const lines = csv.trimEnd().split("\r\n");
    expect(lines[0]).toBe("id,createdAt,type,amount,balanceAfter,reason");
    const ledger = listLedgerPage(ctx, user, { limit: 100 }).rows.reverse();
    expect(lines.slice(1)).toHaveLength(ledger.length);
    expect(lines[1]).toBe(`${ledger[0].id},${ledger[0].createdAt},grant,300,300,"'=HYPERLINK(""x""), with ""quotes"""`);
    expect(lines.at(-1)).toBe(`${ledger.at(-1)!.id},${ledger.at(-1)!.createdAt},deduction,-7,265,call 4`);
    const deductions = [...customerLedgerCsvChunks(ctx, user, { type: "deduction" })].join("").trimEnd().split("\r\n");
    expect(deductions.slice(1).every((l) => l.split(",")[2] === "deduction")).toBe(true);
    expect(deductions).toHaveLength(6);
  });
});
