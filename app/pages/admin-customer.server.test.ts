import { describe, expect, it } from "vitest";
import type { AppLoadContext } from "@remix-run/node";
import { eq } from "drizzle-orm";
import { auditLog, topupPurchases } from "../../db/schema";
import { payTopup, useBillingHarness, type BillingHarness } from "../../test/billing/harness";
import { createUser, getUserById, setUserRole, type User } from "~/auth/users.server";
import { getGrant, grantCredits, holdCredits } from "~/credits/index.server";
import { customerPageAction, customerPageData } from "./admin-customer.server";

// The admin customer page's posts, as the route hands them over: review first, then confirm.

const harness = useBillingHarness({ deliver: "auto" });

const form = (fields: Record<string, string>) => {
  const f = new FormData();
  for (const [k, v] of Object.entries(fields)) f.set(k, v);
  return f;
};

async function setup() {
  const b = await harness();
  const admin = createUser(b.context, { email: "admin@example.com", role: "admin" });
  const customer = getUserById(b.context.db, b.newUser())!;
  const post = (fields: Record<string, string>, who: { id: number } = admin, user: User = customer) =>
    customerPageAction(b.context as unknown as AppLoadContext, who, user, form(fields));
  return { b, admin, customer, post };
}

/** A customer with one paid 1,000-credit pack ($7.00), its credits granted. */
async function withPaidPack(b: BillingHarness, userId: number) {
  await payTopup(b, userId);
  await b.offline.flush();
  expect(b.balance(userId)).toBe(1000);
  const refunds = async () => (await b.stripe.refunds.list({ limit: 100 })).data;
  const purchase = b.context.db.select().from(topupPurchases).where(eq(topupPurchases.userId, userId)).get()!;
  return { ref: `topup:${purchase.stripePaymentIntentId}`, refunds };
}

const status = (answer: unknown) => (answer as { init: { status?: number } | null }).init?.status ?? 200;
const reply = (answer: unknown) =>
  (answer as { data: { result: { error?: Record<string, string[]> }; confirm?: Record<string, unknown> } }).data;
const audits = (b: BillingHarness) => b.context.db.select().from(auditLog).all();

describe("refunding a payment from the admin customer page", () => {
  it("reviews first (nothing refunded), refunds once on confirmation, and the webhook takes the credits back", async () => {
    const { b, customer, post } = await setup();
    const { ref, refunds } = await withPaidPack(b, customer.id);

    const review = await post({ intent: "confirm-refund", payment: ref, amount: "3.50" });
    expect(status(review)).toBe(200);
    const confirm = reply(review).confirm!;
    expect(confirm).toMatchObject({ kind: "refund", amountCents: 350, paidCents: 700, credits: 500 });
    expect(await refunds()).toHaveLength(0);

    // The confirmation needs the review's key: without it, nothing happens.
    const noKey = await post({ intent: "refund", payment: ref, amount: "3.50" });
    expect(status(noKey)).toBe(400);
    expect(await refunds()).toHaveLength(0);

    const confirmed = { intent: "refund", payment: ref, amount: "3.50", key: String(confirm.key) };
    expect(await post(confirmed)).toEqual({ done: expect.stringMatching(/^Refunded \$3\.50 of Top-up/) });
    // A resubmitted confirmation (a double click) is the same refund.
    await post(confirmed);
    expect((await refunds()).map((r) => r.amount)).toEqual([350]);
    expect(audits(b).filter((a) => a.action === "payment.refund")).toHaveLength(1);

    await b.offline.flush();
    expect(b.balance(customer.id)).toBe(500);
  });

  it("refuses a refund larger than what is left of the payment, at the review and at the confirmation", async () => {
    const { b, customer, post } = await setup();
    const { ref, refunds } = await withPaidPack(b, customer.id);
    for (const intent of ["confirm-refund", "refund"]) {
      const answer = await post({ intent, payment: ref, amount: "7.01", key: "abcdefgh-0001" });
      expect(status(answer)).toBe(400);
      expect(reply(answer).result.error?.amount?.[0]).toMatch(/more than is left to refund/);
    }
    expect(await refunds()).toHaveLength(0);
    expect(b.balance(customer.id)).toBe(1000);
  });

  it("answers bad input with every field's error and writes nothing", async () => {
    const { b, customer, post } = await setup();
    const { refunds } = await withPaidPack(b, customer.id);
    const before = audits(b).length;
    const refund = await post({ intent: "confirm-refund", payment: "nonsense", amount: "-1" });
    expect(status(refund)).toBe(400);
    expect(Object.keys(reply(refund).result.error ?? {}).sort()).toEqual(["amount", "payment"]);
    // Another customer's payment is not this customer's to refund.
    const other = getUserById(b.context.db, b.newUser())!;
    const { ref: theirs } = await withPaidPack(b, other.id);
    const elsewhere = await post({ intent: "confirm-refund", payment: theirs });
    expect(status(elsewhere)).toBe(404);
    const grant = await post({ intent: "confirm-grant", amount: "0", reason: " ", expiresOn: "someday" });
    expect(Object.keys(reply(grant).result.error ?? {}).sort()).toEqual(["amount", "expiresOn", "reason"]);
    const adjust = await post({ intent: "adjust", amount: "50", reason: "x" });
    expect(reply(adjust).result.error?.key).toBeDefined();
    expect(await refunds()).toHaveLength(0);
    expect(audits(b)).toHaveLength(before);
    expect(b.balance(customer.id)).toBe(1000);
  });
});

describe("changing a role from the admin customer page", () => {
  it("reviews first: the review writes nothing, and a set-role without the reviewed role is refused", async () => {
    const { b, customer, post } = await setup();
    const review = await post({ intent: "confirm-role", role: "admin" });
    expect(reply(review).confirm).toEqual({ kind: "role", email: customer.email, from: "customer", role: "admin" });
    expect(status(await post({ intent: "set-role", role: "admin" }))).toBe(400);
    expect(getUserById(b.context.db, customer.id)?.role).toBe("customer");
    expect(await post({ intent: "set-role", role: "admin", from: "customer" })).toEqual({
      done: `${customer.email} is now an admin.`,
    });
    expect(getUserById(b.context.db, customer.id)?.role).toBe("admin");
  });

  it("refuses an admin whose own role was taken after the page checked it, and the last admin's demotion", async () => {
    const { b, admin, post } = await setup();
    const other = createUser(b.context, { email: "b@example.com", role: "admin" });
    setUserRole(b.context, { email: other.email, role: "customer", actor: `user:${admin.id}`, byAdminId: admin.id });
    // `other` passed requireAdmin, then lost the role before its post was read.
    const late = await post({ intent: "set-role", role: "customer", from: "admin" }, other, admin);
    expect(status(late)).toBe(403);
    expect(getUserById(b.context.db, admin.id)?.role).toBe("admin");
    const last = await post({ intent: "confirm-role", role: "customer" }, other, admin);
    expect(status(last)).toBe(409);
  });
});

describe("voiding a grant whose credits are all held", () => {
  it("shows the held credits, reviews them, and the void takes them from the open hold", async () => {
    const { b, customer, post } = await setup();
    const { grant } = grantCredits(b.context, {
      userId: customer.id,
      type: "promotional",
      amount: 100,
      source: "admin",
    });
    holdCredits(b.context, { userId: customer.id, amount: 100 });
    expect(getGrant(b.context, grant.id)).toMatchObject({ remaining: 0, status: "depleted" });
    const page = customerPageData(b.context as unknown as AppLoadContext, customer, new URL("http://x/"));
    expect(page.held).toEqual({ [grant.id]: 100 });

    const review = await post({ intent: "confirm-void", grantId: String(grant.id) });
    const confirm = reply(review).confirm!;
    expect(confirm).toMatchObject({ kind: "void", remaining: 0, held: 100 });
    const done = await post({ intent: "void", grantId: String(grant.id), key: String(confirm.key) });
    expect(done).toEqual({ done: expect.stringMatching(/^Voided grant #\d+: 100 credits removed/) });
    expect(customerPageData(b.context as unknown as AppLoadContext, customer, new URL("http://x/")).held).toEqual({});
  });
});
