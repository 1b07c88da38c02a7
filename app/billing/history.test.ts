import { describe, expect, it } from "vitest";
import { MS_PER_DAY } from "../utils/clock";
import { performBillingAction } from "../pages/billing-page.server";
import { startSubscriptionCheckout } from "./checkout.server";
import { listPayments, listSubscriptionHistory } from "./history.server";
import { moneyReport } from "./reports.server";
import { previewPlanChange } from "./subscriptions.server";
import { getBillingOverview } from "../pages/billing-overview.server";
import { checkoutCtx, payTopup, useBillingHarness, type BillingHarness } from "../../test/billing/harness";

const harness = useBillingHarness({ start: "2026-01-01T00:00:00.000Z", deliver: "auto" });

async function subscribe(b: BillingHarness, userId: number, planId = b.plans.starter.id) {
  const checkout = await startSubscriptionCheckout(checkoutCtx(b), b.stripe, { userId, planId });
  const session = await b.offline.trigger.payCheckout(checkout.sessionId);
  return session.subscription as string;
}

const action = (b: BillingHarness, userId: number, a: Parameters<typeof performBillingAction>[3]) =>
  performBillingAction({ ...b.context, appUrl: b.context.env.appUrl }, b.stripe, userId, a);

function outbox(b: BillingHarness, type: string) {
  return (
    b.context.db.$client
      .prepare("select user_id as userId, data from event_outbox where type = ? order by id")
      .all(type) as {
      userId: number;
      data: string;
    }[]
  ).map((r) => ({ userId: r.userId, data: JSON.parse(r.data) as Record<string, unknown> }));
}

describe("plan change previews", () => {
  it("previews an upgrade for what the offline Stripe then charges, and the credits it brings", async () => {
    const b = await harness();
    const user = b.newUser();
    const subscriptionId = await subscribe(b, user);
    // Ten days and an odd number of seconds into the period.
    b.context.clock.advance(10 * MS_PER_DAY + 12_345_678);
    const preview = await previewPlanChange(b.context, b.stripe, { userId: user, planId: b.plans.pro.id });
    expect(preview.kind).toBe("upgrade");
    expect(preview.amountAtRenewalCents).toBe(4000);
    expect(preview.creditsPerPeriod).toBe(5000);
    expect(preview.amountNowCents).toBeGreaterThan(0);
    expect(preview.amountNowCents).toBeLessThan(3000);

    // The customer reads the preview for a minute before confirming.
    b.context.clock.advance(60_000);
    const balanceBefore = b.balance(user);
    const result = await action(b, user, {
      intent: "change-plan",
      planId: b.plans.pro.id,
      prorationDate: preview.prorationDate,
    });
    expect(result).toMatchObject({ message: expect.stringContaining("added") });
    await b.offline.flush();
    const invoices = await b.stripe.invoices.list({ subscription: subscriptionId });
    const upgrade = invoices.data.find((i) => i.billing_reason === "subscription_update")!;
    expect(upgrade.amount_paid).toBe(preview.amountNowCents);
    expect(b.balance(user) - balanceBefore).toBe(preview.creditsNow);

    const payments = listPayments(b.context, user);
    expect(payments.map((p) => [p.kind, p.amountCents, p.status])).toEqual([
      ["subscription", preview.amountNowCents, "paid"],
      ["subscription", 1000, "paid"],
    ]);
    expect(payments[0].url).toMatch(/\/invoices\/in_/);
    expect(listSubscriptionHistory(b.context, user).map((h) => [h.kind, h.planName, h.fromPlanName])).toEqual([
      ["upgraded", "Pro", "Starter"],
      ["started", "Starter", null],
    ]);
  });

  it("previews a downgrade as nothing now and the cheaper plan at renewal, and needs no proration", async () => {
    const b = await harness();
    const user = b.newUser();
    await subscribe(b, user, b.plans.pro.id);
    const preview = await previewPlanChange(b.context, b.stripe, { userId: user, planId: b.plans.starter.id });
    expect(preview).toMatchObject({ kind: "downgrade", amountNowCents: 0, amountAtRenewalCents: 1000, creditsNow: 0 });
  });

  it("refuses a confirmation whose preview is older than half an hour or dated in the future", async () => {
    const b = await harness();
    const user = b.newUser();
    await subscribe(b, user);
    const preview = await previewPlanChange(b.context, b.stripe, { userId: user, planId: b.plans.pro.id });
    // A date from the future (a hand-edited form) would prorate less than the preview showed.
    await expect(
      action(b, user, { intent: "change-plan", planId: b.plans.pro.id, prorationDate: preview.prorationDate + 3600 }),
    ).rejects.toMatchObject({ code: "conflict" });
    b.context.clock.advance(31 * 60_000);
    await expect(
      action(b, user, { intent: "change-plan", planId: b.plans.pro.id, prorationDate: preview.prorationDate }),
    ).rejects.toMatchObject({ code: "conflict" });
    expect(listSubscriptionHistory(b.context, user).map((h) => h.kind)).toEqual(["started"]);
  });
});

describe("subscription history", () => {
  it("records each change once: downgrade, keep, cancel, resume, renewal, failed payment", async () => {
    const b = await harness();
    const user = b.newUser();
    const subscriptionId = await subscribe(b, user, b.plans.pro.id);
    // A customer's clicks are seconds apart: each change's webhooks arrive before the next click.
    for (const a of [
      { intent: "change-plan", planId: b.plans.starter.id },
      { intent: "change-plan", planId: b.plans.pro.id },
      { intent: "cancel" },
      { intent: "resume" },
    ] as const) {
      await action(b, user, a);
      await b.offline.flush();
    }
    b.context.clock.advance(32 * MS_PER_DAY);
    await b.offline.trigger.renew(subscriptionId);
    b.context.clock.advance(32 * MS_PER_DAY);
    await b.offline.trigger.renew(subscriptionId, { fail: true });
    await b.offline.flush();

    expect(
      listSubscriptionHistory(b.context, user)
        .map((h) => `${h.kind}:${h.planName}`)
        .reverse(),
    ).toEqual([
      "started:Pro",
      "downgraded:Starter",
      "downgrade_canceled:Pro",
      "canceled:Pro",
      "resumed:Pro",
      "renewed:Pro",
      "payment_failed:Pro",
    ]);
    const failed = listPayments(b.context, user)[0];
    expect(failed).toMatchObject({ kind: "subscription", status: "failed", amountCents: 4000 });
    expect(failed.url).toMatch(/\/invoices\/in_/);

    // The payment.failed event for the email engineer, in the same transaction.
    expect(outbox(b, "payment.failed")).toEqual([
      {
        userId: user,
        data: { userId: user, planName: "Pro", amountCents: 4000, hostedInvoiceUrl: failed.url },
      },
    ]);
    const { warnings } = getBillingOverview(b.context, user);
    expect(warnings.failedPayment).toMatchObject({ amountCents: 4000, url: failed.url });
    expect(warnings.subscriptionNeedsPayment).toBe(true);

    // Paid on retry: the payment is paid and the warning goes away.
    await b.offline.trigger.retryPayment(subscriptionId);
    await b.offline.flush();
    expect(listPayments(b.context, user)[0].status).toBe("paid");
    expect(getBillingOverview(b.context, user).warnings.failedPayment).toBeNull();
  });

  it("adds nothing when Stripe delivers the same events again", async () => {
    const b = await harness();
    const user = b.newUser();
    const from = b.mark();
    await subscribe(b, user);
    await b.offline.flush();
    const before = [listSubscriptionHistory(b.context, user), listPayments(b.context, user)];
    for (const event of b.eventsSince(from)) await b.deliver(event);
    expect([listSubscriptionHistory(b.context, user), listPayments(b.context, user)]).toEqual(before);
  });
});

describe("top-up payments", () => {
  it("keep Stripe's receipt link and append topup.paid once", async () => {
    const b = await harness();
    const user = b.newUser();
    const { completed } = await payTopup(b, user, 2);
    await b.offline.flush();
    await b.deliver(completed);
    const [payment] = listPayments(b.context, user);
    expect(payment).toMatchObject({ kind: "topup", amountCents: 1400, status: "paid" });
    expect(payment.url).toMatch(/\/receipts\/ch_/);
    expect(outbox(b, "topup.paid")).toEqual([
      {
        userId: user,
        data: { userId: user, packName: "1,000 credits", credits: 2000, amountCents: 1400, receiptUrl: payment.url },
      },
    ]);
  });
});

// The admin money report sums this payment history (app/billing/reports.server.ts).
describe("the money report over the payment history", () => {
  it("sums what Stripe took for subscription invoices on their dates, refunded or not, and no failed payment", async () => {
    const b = await harness();
    const user = b.newUser();
    const subscriptionId = await subscribe(b, user);
    b.context.clock.advance(32 * MS_PER_DAY);
    await b.offline.trigger.renew(subscriptionId);
    b.context.clock.advance(32 * MS_PER_DAY);
    await b.offline.trigger.renew(subscriptionId, { fail: true });
    await b.offline.flush();
    const first = b.context.db.$client
      .prepare("select stripe_payment_intent_id as pi from subscription_invoices order by id limit 1")
      .get() as { pi: string };
    await b.offline.trigger.refund({ payment_intent: first.pi });
    await b.offline.flush();
    const statuses = b.context.db.$client.prepare("select status from subscription_invoices order by id").pluck().all();
    expect(statuses).toEqual(["refunded", "paid", "failed"]);

    const invoices = (await b.stripe.invoices.list({ subscription: subscriptionId })).data;
    expect(invoices.map((i) => i.status).sort()).toEqual(["open", "paid", "paid"]);
    const expected = new Map<string, number>();
    for (const i of invoices.filter((i) => i.status === "paid")) {
      const day = new Date(i.created * 1000).toISOString().slice(0, 10);
      expected.set(day, (expected.get(day) ?? 0) + i.amount_paid);
    }

    const report = moneyReport(b.context, 90);
    expect(report.currency).toBe("usd");
    expect(
      new Map(report.days.filter((d) => d.subscriptionsInCents > 0).map((d) => [d.day, d.subscriptionsInCents])),
    ).toEqual(expected);
    expect(report.totals.subscriptionsInCents).toBe(2000);
  });
});
