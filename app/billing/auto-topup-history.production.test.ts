/**
 * Auto top-up on the production server (build/node/server.js, DEMO=1, its own offline Stripe) over
 * a history the server's clock cannot make: the system clock cannot be moved, so the past is
 * written first by the real code, with a ManualClock, on the same database file and the same
 * offline Stripe state file (app/server/offline-stripe.ts keeps it next to the database):
 *
 * - customer A bought the month's cap of automatic packs in the PREVIOUS UTC calendar month (the
 *   last at 23:59:59.999 of its last day), through the dispatcher, the worker, the offline Stripe
 *   and its signed webhooks;
 * - customer B's automatic pack was paid an hour ago, but its `payment_intent.succeeded` never
 *   reached the app (the webhook transport swallowed it), so the attempt is still open.
 *
 * Then the server starts on that file and shows: this month's crossings buy up to the cap (last
 * month's attempts do not count) and no further; and B's open attempt is settled from the
 * PaymentIntent Stripe has, once, whatever webhook replays follow.
 */
import Database from "better-sqlite3";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDatabase, openDatabase } from "../../db/client";
import { startProductionServer, type ProductionServer } from "../../test/production-server";
import { freePort } from "../../test/server-process";
import { createUser } from "../auth/users.server";
import { deductCredits, getBalance } from "../credits/index.server";
import { startEventDispatcher } from "../events/dispatcher.server";
import type { TopupPlan } from "../plans/index.server";
import { ManualClock } from "../utils/clock";
import { parseEnv } from "../utils/env.server";
import { capMonth, setAutoTopup } from "./auto-topup.server";
import { startAutoTopup } from "./auto-topup-worker.server";
import { startTopupCheckout } from "./checkout.server";
import { billingContext } from "./context.server";
import { createPlan } from "./plan-sync.server";
import { startTestStripe } from "../../test/billing/test-stripe";
import { receiveStripeWebhook } from "./webhook.server";

const CAP = 2;
/** The first millisecond of the current UTC month, from the real clock (the server's). */
const thisMonthStartMs = (() => {
  const now = new Date();
  return Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
})();
const lastMonthEnd = new Date(thisMonthStartMs - 1); // …-31T23:59:59.999Z (or 30th, 28th, 29th)
const lastMonth = capMonth(lastMonthEnd);

let server: ProductionServer | undefined;
let dir: string;
let dbPath: string;
let app: string;
let adminKey: string;
const customers = { a: 0, b: 0 };
let lostEvent: Stripe.Event | undefined;

async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 15_000,
): Promise<T> {
  const untilMs = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > untilMs) throw new Error(`timed out waiting for ${what}\n${server?.output() ?? ""}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The past, written by the app's own code under a ManualClock (see the header). */
async function writeHistory(): Promise<void> {
  const db = openDatabase(dbPath);
  const clock = new ManualClock(new Date(lastMonthEnd.getTime() - 12 * 3_600_000));
  const env = parseEnv({ NODE_ENV: "test", LOG_LEVEL: "silent", DATABASE_PATH: dbPath });
  const base = { db, clock, env };
  let swallow: (event: Stripe.Event) => boolean = () => false;
  const offline = await startTestStripe(
    { ...base, billing: billingContext(base) },
    {
      statePath: path.join(dir, "offline-stripe.json"),
      transport: async (request) => {
        const body = await request.text();
        const event = JSON.parse(body) as Stripe.Event;
        if (swallow(event)) {
          lostEvent = event;
          return { status: 200 }; // answered, never applied: the app did not hear of it
        }
        const answer = await receiveStripeWebhook(offline.context, offline.context.billing.stripe, {
          body,
          signature: request.headers.get("stripe-signature"),
          secret: offline.context.env.STRIPE_WEBHOOK_SECRET,
        });
        return { status: answer.status };
      },
    },
  );
  const ctx = offline.context;
  const dispatcher = startEventDispatcher(ctx, { pollMs: 3_600_000 });
  const worker = startAutoTopup(ctx.billing, { pollMs: 3_600_000 });
  const settle = async () => {
    for (let i = 0; i < 10; i++) {
      const moved = dispatcher.runOnce();
      await worker.run();
      await offline.flush();
      if (moved === 0) return;
    }
  };
  try {
    const pack = (
      await createPlan(
        { ...ctx, stripe: offline.stripe },
        {
          kind: "topup",
          input: { internalId: "pack-1000", publicName: "1,000 credits", credits: 1000, priceCents: 700 },
        },
        "test",
      )
    ).plan as TopupPlan;
    /** A customer with 1,000 credits from a paid Checkout (card saved), auto top-up on below 500. */
    const customer = async (email: string) => {
      const userId = createUser(ctx, { email, name: "History" }).id;
      const checkout = await startTopupCheckout({ db, clock, appUrl: ctx.env.appUrl }, offline.stripe, {
        userId,
        planId: pack.id,
        quantity: 1,
      });
      await offline.trigger.payCheckout(checkout.sessionId);
      setAutoTopup(ctx, userId, { enabled: true, topupPlanId: pack.id, threshold: 500, monthlyCapPacks: CAP }, "test");
      expect(getBalance(ctx, userId).balance).toBe(1000);
      return userId;
    };

    // A: the cap reached last month, the last pack at its very last millisecond.
    customers.a = await customer(`history-a-${process.pid}@example.com`);
    deductCredits(ctx, { userId: customers.a, amount: 600 }); // 400 < 500: buys
    await settle();
    clock.set(lastMonthEnd);
    deductCredits(ctx, { userId: customers.a, amount: 1000 }); // 400 again: buys the second
    await settle();
    expect(getBalance(ctx, customers.a).balance).toBe(1400);

    // B: an hour ago, a pack paid whose payment_intent.succeeded the app never received.
    clock.set(Date.now() - 3_600_000);
    customers.b = await customer(`history-b-${process.pid}@example.com`);
    swallow = (event) =>
      event.type === "payment_intent.succeeded" &&
      (event.data.object as Stripe.PaymentIntent).metadata?.userId === String(customers.b);
    deductCredits(ctx, { userId: customers.b, amount: 600 });
    await settle();
    expect(lostEvent).toBeDefined();
    expect(getBalance(ctx, customers.b).balance).toBe(400);
  } finally {
    worker.stop();
    dispatcher.stop();
    await offline.close();
    closeDatabase(db);
  }
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "auto-topup-history-"));
  dbPath = path.join(dir, "app.db");
  fs.copyFileSync(process.env.TEST_BASE_DB!, dbPath);
  await writeHistory();
  expect(attempts(customers.a).map((a) => [a.month, a.status])).toEqual([
    [lastMonth, "succeeded"],
    [lastMonth, "succeeded"],
  ]);
  expect(attempts(customers.b).map((a) => a.status)).toEqual(["processing"]);

  server = await startProductionServer({ STRIPE_OFFLINE_PORT: String(await freePort()) }, { databasePath: dbPath });
  app = server.base;
  adminKey = server.keys.admin;
}, 120_000);

afterAll(async () => {
  await server?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function query<T>(sql: string, ...args: unknown[]): T[] {
  const db = new Database(dbPath, { readonly: true });
  try {
    return db.prepare(sql).all(...args) as T[];
  } finally {
    db.close();
  }
}

function attempts(userId: number) {
  return query<{ id: number; month: string; status: string; stripe_payment_intent_id: string | null }>(
    `select id, month, status, stripe_payment_intent_id from auto_topup_attempts where user_id = ? order by id`,
    userId,
  );
}

async function api(method: string, url: string, body?: unknown) {
  const res = await fetch(`${app}/api/v1${url}`, {
    method,
    headers: { authorization: `Bearer ${adminKey}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const balance = async (userId: number) => (await api("GET", `/users/${userId}/balance`)).body.balance as number;

/** Deducts through the API and waits until the auto top-up consumer has seen the crossing and nothing is open. */
async function deductAndSettle(userId: number, amount: number, expectedBalance: number) {
  const before = query<{ n: number }>(`select coalesce(max(id), 0) as n from event_outbox`)[0].n;
  expect((await api("POST", `/users/${userId}/deductions`, { amount })).status).toBe(201);
  await waitFor(`the crossing of user ${userId} dispatched`, () =>
    query(
      `select 1 from event_outbox where type = 'auto_topup.needed' and user_id = ? and id > ? and dispatched_at is not null`,
      userId,
      before,
    ).length
      ? true
      : undefined,
  );
  await waitFor(`balance ${expectedBalance}`, async () =>
    (await balance(userId)) === expectedBalance && attempts(userId).every((a) => a.status === "succeeded")
      ? true
      : undefined,
  );
}

describe("auto top-up on the production server, over a history written with a moved clock", () => {
  it("counts the cap per UTC calendar month: last month's packs (one at 23:59:59.999) do not count, this month's cap holds", async () => {
    const a = customers.a;
    const thisMonth = capMonth(new Date(thisMonthStartMs));
    expect(lastMonth < thisMonth).toBe(true);
    expect(await balance(a)).toBe(1400);
    await deductAndSettle(a, 1000, 1400); // 400 < 500: buys, although last month reached the cap
    await deductAndSettle(a, 1000, 1400); // the second this month
    await deductAndSettle(a, 1000, 400); // the cap: nothing more this month
    expect(attempts(a).map((x) => [x.month, x.status])).toEqual([
      [lastMonth, "succeeded"],
      [lastMonth, "succeeded"],
      [thisMonth, "succeeded"],
      [thisMonth, "succeeded"],
    ]);
    expect(query(`select count(*) as n from topup_purchases where user_id = ?`, a)).toEqual([{ n: 1 + 2 * CAP }]);
  });

  it("settles an attempt whose payment_intent.succeeded never came from the PaymentIntent Stripe has, once", async () => {
    const b = customers.b;
    // The server's worker asks Stripe at start about attempts open longer than 5 minutes.
    await waitFor("the reconciled grant", async () => ((await balance(b)) === 1400 ? true : undefined));
    const [attempt] = attempts(b);
    expect(attempt.status).toBe("succeeded");
    const purchases = () =>
      query(
        `select count(*) as n from topup_purchases where stripe_payment_intent_id = ?`,
        attempt.stripe_payment_intent_id,
      );
    expect(purchases()).toEqual([{ n: 1 }]);

    // The lost event arrives after all, signed by the server's offline Stripe: nothing more.
    expect((lostEvent!.data.object as Stripe.PaymentIntent).id).toBe(attempt.stripe_payment_intent_id);
    for (const copy of [lostEvent!, { ...lostEvent!, id: `${lostEvent!.id}_replay` }]) {
      expect((await server!.postStripeEvent(copy)).status).toBe(200);
    }
    expect(await balance(b)).toBe(1400);
    expect(purchases()).toEqual([{ n: 1 }]);

    // No longer blocked: the next crossing buys the month's second pack.
    await deductAndSettle(b, 1000, 1400);
    expect(attempts(b).map((x) => x.status)).toEqual(["succeeded", "succeeded"]);
  });
});
