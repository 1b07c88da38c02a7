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
  atMs: number,
  amountPaidCents: number,
  more: { status?: string; refundedCents?: number; currency?: string; updatedAtMs?: number } = {},
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
      atMs,
      more.updatedAtMs ?? atMs,
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
    const nowMs = ctx.clock.now().getTime();
    const userId = createUser(ctx, { email: `money-${process.pid}@example.com` }).id;
    const planId = Number(
      sqlite
        .prepare(
          "insert into topup_plans (internal_id, public_name, credits, price_cents, created_at, updated_at) values ('p', 'P', 100, 500, ?, ?)",
        )
        .run(nowMs, nowMs).lastInsertRowid,
    );
    let session = 0;
    const purchase = (atMs: number, paid: number, refunded: number, refundedAtMs: number, currency = "usd") =>
      sqlite
        .prepare(
          `insert into topup_purchases (user_id, plan_id, stripe_checkout_session_id, credits, amount_paid_cents,
             amount_refunded_cents, currency, created_at, updated_at) values (?, ?, ?, 100, ?, ?, ?, ?, ?)`,
        )
        .run(userId, planId, `cs_${++session}`, paid, refunded, currency, atMs, refundedAtMs);
    purchase(nowMs, 500, 0, nowMs);
    purchase(nowMs - MS_PER_DAY, 700, 200, nowMs);
    purchase(nowMs - 40 * MS_PER_DAY, 900, 0, nowMs - 40 * MS_PER_DAY); // before a 30-day window
    purchase(nowMs, 300, 0, nowMs, "eur");

    const invoice = (atMs: number, eventId: string, amount: number) =>
      paidInvoice(userId, `in_${eventId}`, atMs, amount);
    invoice(nowMs - 2 * MS_PER_DAY, "evt_1", 2900);
    invoice(nowMs - 60 * MS_PER_DAY, "evt_old", 2900);

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
    const nowMs = ctx.clock.now().getTime();
    const userId = createUser(ctx, { email: `invoices-${process.pid}@example.com` }).id;
    paidInvoice(userId, "in_paid", nowMs - 3 * MS_PER_DAY, 2900);
    // Refunds of subscription invoices are not deducted, and do not move the payment to their day.
    paidInvoice(userId, "in_refunded", nowMs - 3 * MS_PER_DAY, 900, {
      status: "refunded",
      refundedCents: 900,
      updatedAtMs: nowMs,
    });
    paidInvoice(userId, "in_partly", nowMs - 2 * MS_PER_DAY, 9900, {
      status: "partially_refunded",
      refundedCents: 100,
      updatedAtMs: nowMs,
    });
    paidInvoice(userId, "in_failed", nowMs - 2 * MS_PER_DAY, 0, { status: "failed" });
    // Paid two days after its date (a retried payment): counted on its date.
    paidInvoice(userId, "in_retried", nowMs - 4 * MS_PER_DAY, 2900, { updatedAtMs: nowMs - 2 * MS_PER_DAY });
    paidInvoice(userId, "in_eur", nowMs - 1 * MS_PER_DAY, 1500, { currency: "eur" });

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
