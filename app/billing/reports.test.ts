/**
 * The money report over its indexed queries: top-ups by purchase day, refunds by refund day and
 * subscription invoices by grant day (amount from the stored invoice.paid event), in the main
 * currency only; rows outside the window are left out.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { closeDatabase } from "../../db/client";
import { testContext } from "../../test/db";
import { createUser } from "../auth/users.server";
import { MS_PER_DAY } from "../utils/clock";
import { moneyReport } from "./reports.server";

let ctx: ReturnType<typeof testContext>;
beforeEach(() => {
  ctx = testContext();
  ctx.clock.set("2026-03-30T12:00:00.000Z");
});
afterEach(() => closeDatabase(ctx.db));

describe("moneyReport", () => {
  it("sums paid, refunded and invoiced money per day in the main currency", () => {
    const sqlite = ctx.db.$client;
    const now = ctx.clock.now().getTime();
    const userId = createUser(ctx, { email: `money-${process.pid}@example.com` }).id;
    const planId = Number(
      sqlite
        .prepare(
          "insert into topup_plans (internal_id, public_name, credits, price_cents, created_at, updated_at) values ('p', 'P', 100, 500, ?, ?)",
        )
        .run(now, now).lastInsertRowid,
    );
    let session = 0;
    const purchase = (at: number, paid: number, refunded: number, refundedAt: number, currency = "usd") =>
      sqlite
        .prepare(
          `insert into topup_purchases (user_id, plan_id, stripe_checkout_session_id, credits, amount_paid_cents,
             amount_refunded_cents, currency, created_at, updated_at) values (?, ?, ?, 100, ?, ?, ?, ?, ?)`,
        )
        .run(userId, planId, `cs_${++session}`, paid, refunded, currency, at, refundedAt);
    purchase(now, 500, 0, now);
    purchase(now - MS_PER_DAY, 700, 200, now);
    purchase(now - 40 * MS_PER_DAY, 900, 0, now - 40 * MS_PER_DAY); // before a 30-day window
    purchase(now, 300, 0, now, "eur");

    const invoice = (at: number, eventId: string, amount: number) => {
      sqlite
        .prepare(
          "insert into stripe_events (id, type, payload, created_at, updated_at) values (?, 'invoice.paid', ?, ?, ?)",
        )
        .run(eventId, JSON.stringify({ data: { object: { currency: "usd", amount_paid: amount } } }), at, at);
      const grantId = Number(
        sqlite
          .prepare(
            `insert into credit_grants (user_id, type, amount, remaining, priority, effective_at, source, source_ref,
               created_at, updated_at) values (?, 'subscription', 1000, 1000, 100, ?, 'subscription', ?, ?, ?)`,
          )
          .run(userId, at, `stripe_invoice:in_${eventId}`, at, at).lastInsertRowid,
      );
      sqlite
        .prepare(
          `insert into credit_ledger (user_id, type, amount, balance_after, grant_id, metadata, created_at)
           values (?, 'grant', 1000, 1000, ?, ?, ?)`,
        )
        .run(userId, grantId, JSON.stringify({ stripeEventId: eventId }), at);
    };
    invoice(now - 2 * MS_PER_DAY, "evt_1", 2900);
    invoice(now - 60 * MS_PER_DAY, "evt_old", 2900);

    const report = moneyReport(ctx, 30);
    expect(report.currency).toBe("usd");
    expect(report.otherCurrencies).toEqual(["eur"]);
    const day = (offset: number) => report.days[report.days.length - 1 - offset];
    expect(day(0)).toMatchObject({ topupsInCents: 500, topupsRefundedCents: 200, subscriptionsInCents: 0 });
    expect(day(1)).toMatchObject({ topupsInCents: 700, topupsRefundedCents: 0 });
    expect(day(2)).toMatchObject({ subscriptionsInCents: 2900 });
    expect(report.totals).toEqual({ topupsInCents: 1200, subscriptionsInCents: 2900, topupsRefundedCents: 200 });
  });
});
