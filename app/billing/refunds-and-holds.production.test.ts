/**
 * Refunds and voids while credits are held, on the production server (build/node/server.js, DEMO=1:
 * the offline Stripe it starts for itself delivers charge.refunded through the signed webhook).
 * Each customer buys the 500-credit pack through Checkout and holds all of it; a full refund, a
 * half refund or a void follows, then a release, a capture or the hold's expiry. Whatever the
 * order, the refunded or voided credits never become spendable again (docs/decisions/017).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startProductionServer, type ProductionServer } from "../../test/production-server";
import { freePort } from "../../test/server-process";
import { signUpAndBuyPack } from "../../test/billing/pack-buyer";

let server: ProductionServer;
let app: string;
let stripeUrl: string;

async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 15_000,
): Promise<T> {
  const untilMs = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > untilMs) throw new Error(`timed out waiting for ${what}\n${server.output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  const stripePort = await freePort();
  stripeUrl = `http://127.0.0.1:${stripePort}`;
  server = await startProductionServer({ STRIPE_OFFLINE_PORT: String(stripePort) });
  app = server.base;
}, 120_000);

afterAll(async () => {
  await server?.close();
});

const balance = async (userId: number) => (await server.get(`/api/v1/users/${userId}/balance`)).body;

let emails = 0;

/** A customer who signed up and bought the 500-credit pack through Checkout. */
async function customer(): Promise<{ userId: number; grantId: number; paymentIntent: string; paidCents: number }> {
  const email = `held-refund-${process.pid}-${++emails}@example.com`;
  const { userId } = await signUpAndBuyPack(app, server.query, { email, name: "Held" });
  await waitFor("the pack's credits", async () => ((await balance(userId)).balance === 500 ? true : undefined));
  const [purchase] = server.query<{ pi: string; paid: number }>(
    `select stripe_payment_intent_id as pi, amount_paid_cents as paid from topup_purchases where user_id = ?`,
    userId,
  );
  const [{ id: grantId }] = server.query<{ id: number }>(`select id from credit_grants where user_id = ?`, userId);
  return { userId, grantId, paymentIntent: purchase.pi, paidCents: purchase.paid };
}

/** Stripe refunds (part of) the charge; its signed charge.refunded reaches the server's webhook. */
async function refund(c: { userId: number; paymentIntent: string }, amountCents?: number): Promise<void> {
  const body = new URLSearchParams({ payment_intent: c.paymentIntent });
  if (amountCents !== undefined) body.set("amount", String(amountCents));
  const res = await fetch(`${stripeUrl}/_offline/refunds`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body,
  });
  expect(res.ok).toBe(true);
  const refunded = amountCents ?? Number.POSITIVE_INFINITY;
  await waitFor("the refund applied", () => {
    const [row] = server.query<{ refunded: number; paid: number }>(
      `select amount_refunded_cents as refunded, amount_paid_cents as paid from topup_purchases where user_id = ?`,
      c.userId,
    );
    return row.refunded === Math.min(refunded, row.paid) ? true : undefined;
  });
}

const removals = [
  { name: "a full refund", removed: 500, run: (c: Awaited<ReturnType<typeof customer>>) => refund(c) },
  {
    name: "a half refund",
    removed: 250,
    run: (c: Awaited<ReturnType<typeof customer>>) => refund(c, c.paidCents / 2),
  },
  {
    name: "a void",
    removed: 500,
    run: async (c: Awaited<ReturnType<typeof customer>>) => {
      const r = await server.post(`/api/v1/grants/${c.grantId}/void`, { reason: "granted by mistake" });
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ grant: { id: c.grantId, status: "voided" }, balance: 0 });
    },
  },
];

const endings = [
  {
    name: "a release",
    end: async (holdId: number) => expect((await server.post(`/api/v1/holds/${holdId}/release`)).status).toBe(200),
  },
  {
    name: "a capture",
    end: async (holdId: number, kept: number) => {
      const r = await server.post(`/api/v1/holds/${holdId}/capture`);
      if (kept === 0) {
        expect(r.status).toBe(409);
        expect((await server.post(`/api/v1/holds/${holdId}/capture`, { amount: 1 })).status).toBe(409);
      } else {
        expect(r.status).toBe(200);
        expect(r.body.deduction.amount).toBe(kept);
      }
    },
  },
  {
    name: "the hold's expiry",
    end: async (holdId: number) => {
      // As time passing would: the hold's expiresAt moves into the past.
      server.db.$client.prepare("update credit_holds set expires_at = ? where id = ?").run(Date.now() - 1000, holdId);
    },
  },
];

describe.each(removals)("$name while all the pack's credits are held", ({ run, removed }) => {
  const kept = 500 - removed;

  it.each(endings)("then $name: the removed credits are never spendable again", async ({ name, end }) => {
    const c = await customer();
    const hold = await server.post(`/api/v1/users/${c.userId}/holds`, { amount: 500, expiresInSeconds: 3600 });
    expect(hold.status).toBe(201);
    const holdId = hold.body.hold.id as number;
    await run(c);
    expect(await balance(c.userId)).toMatchObject({ balance: 0, held: kept });
    expect((await server.get(`/api/v1/holds/${holdId}`)).body.hold).toMatchObject({
      amount: 500,
      clawedBackAmount: removed,
    });
    // The removal's ledger entry names the hold it took the credits from.
    const ledger = await server.get(`/api/v1/users/${c.userId}/ledger?limit=1`);
    expect(ledger.body.entries[0]).toMatchObject({ amount: -removed, fromHolds: [{ holdId, amount: removed }] });

    await end(holdId, kept);
    const spendable = name === "a capture" ? 0 : kept;
    expect(await balance(c.userId)).toMatchObject({ balance: spendable, held: 0 });
    const more = await server.post(`/api/v1/users/${c.userId}/deductions`, { amount: spendable + 1 });
    expect(more.status).toBe(402);
    const [{ sum }] = server.query<{ sum: number }>(
      `select sum(amount) as sum from credit_ledger where user_id = ?`,
      c.userId,
    );
    expect(sum).toBe(spendable);
  });
});
