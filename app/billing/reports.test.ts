/**
 * The money report over its indexed queries: top-ups by purchase day, refunds by refund day and
 * paid subscription invoices by invoice date (billing's subscription_invoices), in the main
 * currency only; rows outside the window are left out.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { closeDatabase } from "../../db/client";
import { testContext } from "../../test/db";
import { createUser } from "../auth/users.server";
import { MS_PER_DAY } from "../utils/clock";
import { moneyReport } from "./reports.server";

let ctx: ReturnType<typeof testContext>;

/** A subscription invoice as the webhook handlers record it (app/billing/history.server.ts). */
function paidInvoice(
  userId: number,
  stripeInvoiceId: string,
  at: number,
  amountPaidCents: number,
  more: { status?: string; refundedCents?: number; currency?: string; updatedAt?: number } = {},
) {
  ctx.db.$client
    .prepare(
      `insert into subscription_invoices (user_id, stripe_invoice_id, status, amount_due_cents, amount_paid_cents,
         amount_refunded_cents, currency, created_at, updated_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(
      userId,
      stripeInvoiceId,
      more.status ?? "paid",
      amountPaidCents,
      amountPaidCents,
      more.refundedCents ?? 0,
      more.currency ?? "usd",
      at,
      more.updatedAt ?? at,
    );
}
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

    const invoice = (at: number, eventId: string, amount: number) => paidInvoice(userId, `in_${eventId}`, at, amount);
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

  it("counts a subscription invoice's payment on its date, refunded or not, and a failed one not at all", () => {
    const now = ctx.clock.now().getTime();
    const userId = createUser(ctx, { email: `invoices-${process.pid}@example.com` }).id;
    paidInvoice(userId, "in_paid", now - 3 * MS_PER_DAY, 2900);
    // Refunds of subscription invoices are not deducted, and do not move the payment to their day.
    paidInvoice(userId, "in_refunded", now - 3 * MS_PER_DAY, 900, {
      status: "refunded",
      refundedCents: 900,
      updatedAt: now,
    });
    paidInvoice(userId, "in_partly", now - 2 * MS_PER_DAY, 9900, {
      status: "partially_refunded",
      refundedCents: 100,
      updatedAt: now,
    });
    paidInvoice(userId, "in_failed", now - 2 * MS_PER_DAY, 0, { status: "failed" });
    // Paid two days after its date (a retried payment): counted on its date.
    paidInvoice(userId, "in_retried", now - 4 * MS_PER_DAY, 2900, { updatedAt: now - 2 * MS_PER_DAY });
    paidInvoice(userId, "in_eur", now - 1 * MS_PER_DAY, 1500, { currency: "eur" });

    const report = moneyReport(ctx, 30);
    expect(report.currency).toBe("usd");
    expect(report.otherCurrencies).toEqual(["eur"]);
    const day = (offset: number) => report.days[report.days.length - 1 - offset];
    expect(day(0).subscriptionsInCents).toBe(0);
    expect(day(1).subscriptionsInCents).toBe(0);
    expect(day(2).subscriptionsInCents).toBe(9900);
    expect(day(3).subscriptionsInCents).toBe(3800);
    expect(day(4).subscriptionsInCents).toBe(2900);
    expect(report.totals).toEqual({ topupsInCents: 0, subscriptionsInCents: 16600, topupsRefundedCents: 0 });
  });
});
