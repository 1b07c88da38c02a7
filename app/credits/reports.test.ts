/**
 * The credit report keeps per-day sums in memory and adds only rows above its id watermarks; after
 * random inserts across days (late rows for earlier, already-summed days too, clock moves over
 * midnight and both periods asked in turn) every answer must equal a from-scratch computation.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { closeDatabase } from "../../db/client";
import { GRANT_TYPES } from "../../db/schema";
import { testContext } from "../../test/db";
import { MS_PER_DAY } from "../utils/clock";
import { createUser } from "../auth/users.server";
import { creditReport, reportDays, type CreditReport, type ReportPeriod } from "./reports.server";

const ENTRY_TYPES = ["deduction", "adjustment", "expiration", "void", "refund", "grant"] as const;

type Step =
  | { kind: "ledger"; type: (typeof ENTRY_TYPES)[number]; amount: number; lateMs: number }
  | { kind: "grant"; type: (typeof GRANT_TYPES)[number]; amount: number; lateMs: number }
  | { kind: "advance"; ms: number }
  | { kind: "report"; days: ReportPeriod };

const late = fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 100 * MS_PER_DAY }));
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    kind: fc.constant("ledger" as const),
    type: fc.constantFrom(...ENTRY_TYPES),
    amount: fc.integer({ min: -500, max: 500 }),
    lateMs: late,
  }),
  fc.record({
    kind: fc.constant("grant" as const),
    type: fc.constantFrom(...GRANT_TYPES),
    amount: fc.integer({ min: 1, max: 500 }),
    lateMs: late,
  }),
  fc.record({ kind: fc.constant("advance" as const), ms: fc.integer({ min: 0, max: 3 * MS_PER_DAY }) }),
  fc.record({ kind: fc.constant("report" as const), days: fc.constantFrom<ReportPeriod>(30, 90) }),
);

/** The report summed from every row, with no cache: the definition the cached one must meet. */
function fromScratch(
  sqlite: ReturnType<typeof testContext>["db"]["$client"],
  nowMs: number,
  days: number,
): CreditReport {
  const labels = reportDays(nowMs, days);
  const first = Math.floor(nowMs / MS_PER_DAY) - days + 1;
  const rows = labels.map((day) => ({
    day,
    grantedSubscription: 0,
    grantedTopup: 0,
    grantedPromotional: 0,
    spent: 0,
    expired: 0,
    voided: 0,
    refunded: 0,
    outstanding: 0,
  }));
  const net = rows.map(() => 0);
  const index = (atMs: number) => {
    const i = Math.floor(atMs / MS_PER_DAY) - first;
    return i >= 0 && i < days ? i : -1;
  };
  for (const e of sqlite.prepare("select type, amount, created_at as at from credit_ledger").all() as {
    type: string;
    amount: number;
    at: number;
  }[]) {
    const i = index(e.at);
    if (i < 0) continue;
    net[i] += e.amount;
    const r = rows[i];
    if (e.type === "deduction") r.spent -= e.amount;
    else if (e.type === "adjustment") r.spent -= Math.min(e.amount, 0);
    else if (e.type === "expiration") r.expired -= e.amount;
    else if (e.type === "void") r.voided -= e.amount;
    else if (e.type === "refund") r.refunded -= e.amount;
  }
  for (const g of sqlite.prepare("select type, amount, created_at as at from credit_grants").all() as {
    type: string;
    amount: number;
    at: number;
  }[]) {
    const i = index(g.at);
    if (i < 0) continue;
    if (g.type === "subscription") rows[i].grantedSubscription += g.amount;
    else if (g.type === "topup") rows[i].grantedTopup += g.amount;
    else rows[i].grantedPromotional += g.amount;
  }
  const outstandingNow = Number(sqlite.prepare("select coalesce(sum(credit_balance), 0) from users").pluck().get());
  let after = 0;
  for (let i = days - 1; i >= 0; i--) {
    rows[i].outstanding = outstandingNow - after;
    after += net[i];
  }
  const total = (k: Exclude<keyof (typeof rows)[number], "day" | "outstanding">) => rows.reduce((a, r) => a + r[k], 0);
  return {
    days: rows,
    totals: {
      grantedSubscription: total("grantedSubscription"),
      grantedTopup: total("grantedTopup"),
      grantedPromotional: total("grantedPromotional"),
      spent: total("spent"),
      expired: total("expired"),
      voided: total("voided"),
      refunded: total("refunded"),
      outstandingNow,
    },
  };
}

describe("creditReport's cached, incremental sums", () => {
  it("equal a from-scratch sum after random inserts across days, late rows included", () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 40 }), (steps) => {
        const ctx = testContext();
        try {
          const sqlite = ctx.db.$client;
          // Start mid-day so "today" is partial when first summed.
          ctx.clock.set("2026-03-10T13:00:00.000Z");
          const userId = createUser(ctx, { email: `reports-${process.pid}@example.com` }).id;
          const ledger = sqlite.prepare(
            "insert into credit_ledger (user_id, type, amount, balance_after, created_at) values (?, ?, ?, 0, ?)",
          );
          const balance = sqlite.prepare("update users set credit_balance = credit_balance + ? where id = ?");
          // Room for the negative entries (the balance may not go below 0); not a ledger row.
          balance.run(100_000, userId);
          const grant = sqlite.prepare(
            `insert into credit_grants (user_id, type, amount, remaining, priority, effective_at, source, created_at, updated_at)
             values (?, ?, ?, ?, 100, ?, 'api', ?, ?)`,
          );
          const check = (days: ReportPeriod) => {
            expect(creditReport(ctx, days)).toEqual(fromScratch(sqlite, ctx.clock.now().getTime(), days));
          };
          for (const s of [...steps, { kind: "report", days: 90 } as const, { kind: "report", days: 30 } as const]) {
            const nowMs = ctx.clock.now().getTime();
            if (s.kind === "ledger") {
              ledger.run(userId, s.type, s.amount, nowMs - s.lateMs);
              balance.run(s.amount, userId);
            } else if (s.kind === "grant") {
              const atMs = nowMs - s.lateMs;
              grant.run(userId, s.type, s.amount, s.amount, atMs, atMs, atMs);
            } else if (s.kind === "advance") ctx.clock.advance(s.ms);
            else check(s.days);
          }
        } finally {
          closeDatabase(ctx.db);
        }
      }),
      { numRuns: 60 },
    );
  });
});
