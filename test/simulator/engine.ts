/**
 * The real side of the simulator: a fresh SQLite file per sequence, the engine's manual clock, two
 * customers with a saved card, a top-up pack on sale and an API key — and the entry points the app
 * itself uses: the credit engine's public surface, the v1 API router (batches), billing's
 * handlers for paid and refunded top-ups, auto top-up and the event dispatcher.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type Database from "better-sqlite3";
import type Stripe from "stripe";
import { closeDatabase, openDatabase, type Db } from "../../db/client";
import { migrateDatabase } from "../../db/migrate";
import { topupPurchases } from "../../db/schema";
import { eq } from "drizzle-orm";
import { handleApiV1, startApiV1 } from "../../app/api/v1/router.server";
import { runGroup } from "../../app/server/group-commit";
import { createApiKey } from "../../app/auth/api-keys.server";
import { createUser } from "../../app/auth/users.server";
import { autoTopupConsumer } from "../../app/billing/auto-topup.server";
import { recordTopupPurchase } from "../../app/billing/events/checkout.server";
import type { ApplyCtx } from "../../app/billing/events/shared.server";
import { getBalance, getHeld } from "../../app/credits/index.server";
import { dispatchBatch } from "../../app/events/dispatcher.server";
import { registerEventConsumer } from "../../app/events/outbox.server";
import { insertPlan, type TopupPlan } from "../../app/plans/index.server";
import { ManualClock } from "../../app/utils/clock";
import { writeTransaction } from "../../db/transaction";
import { usageContext } from "../../app/billing/usage.server";
import { createFeature, setPlanFeature, type UsageCtx } from "../../app/features/index.server";
import { FEATURES, PLAN_TERMS } from "./rate-model";

const START_MS = Date.parse("2026-01-01T00:00:00.000Z");
export const PACK = { credits: 120, priceCents: 600, expiryDays: 30 };

let baseFile: string | undefined;
let files = 0;

/** A migrated database file of its own: a copy of the test run's base file, or of one made here. */
function freshFile(): string {
  let base = process.env.TEST_BASE_DB;
  let dir = process.env.TEST_TMP_DIR;
  if (!base || !dir) {
    if (!baseFile) {
      const root = fs.existsSync("/dev/shm") ? "/dev/shm" : os.tmpdir();
      const made = fs.mkdtempSync(path.join(root, "credits-sim-"));
      baseFile = path.join(made, "base.db");
      migrateDatabase(baseFile);
      process.on("exit", () => fs.rmSync(made, { recursive: true, force: true }));
    }
    base = baseFile;
    dir = path.dirname(baseFile);
  }
  const file = path.join(dir, `sim-${process.pid}-${++files}.db`);
  fs.copyFileSync(base, file);
  return file;
}

/** What every sequence shares in this process: one connection (its prepared statements), a key, a pack. */
interface Rig {
  db: Db;
  clock: ManualClock;
  apiKey: string;
  pack: TopupPlan;
  /** The subscription plan the simulated subscriptions are on (its rate-card terms change per sequence). */
  planId: number;
  file: string;
  sequences: number;
}
let rig: Rig | undefined;

function theRig(): Rig {
  if (rig?.db.$client.open) return rig;
  const file = freshFile();
  const ctx = { db: openDatabase(file), clock: new ManualClock(START_MS) };
  const apiKey = createApiKey(ctx, { name: "simulator", scope: "admin" }).key;
  const plan = insertPlan(ctx, {
    kind: "topup",
    values: {
      internalId: "sim-pack",
      publicName: "Simulator pack",
      stripeProductId: "prod_sim",
      stripePriceId: "price_sim",
      credits: PACK.credits,
      priceCents: PACK.priceCents,
      currency: "usd",
      creditExpiryDays: PACK.expiryDays,
      isLegacy: false,
      isActive: true,
    },
  });
  if (plan.kind !== "topup") throw new Error("simulator: expected a top-up pack");
  const sub = insertPlan(ctx, {
    kind: "subscription",
    values: {
      internalId: "sim-plan-v1",
      planFamily: "sim-plan",
      version: 1,
      publicName: "Simulator plan",
      stripeProductId: "prod_sim_plan",
      stripePriceId: "price_sim_plan",
      credits: 100,
      interval: "month",
      priceCents: 1000,
      currency: "usd",
      creditExpiryDays: 30,
      isLegacy: false,
      isActive: true,
    },
  });
  registerEventConsumer(autoTopupConsumer(ctx.clock, () => {}));
  rig = { ...ctx, apiKey, pack: plan.plan, planId: sub.plan.id, file, sequences: 0 };
  return rig;
}

/** What the rig keeps between sequences; every other table is emptied (ids keep growing: AUTOINCREMENT). */
const KEPT = ["api_keys", "topup_plans", "subscription_plans", "event_outbox", "event_sources", "__drizzle_migrations"];
let tables: string[] | undefined;
function sequenceTables(sqlite: Db["$client"]): string[] {
  return (tables ??= (
    sqlite
      .prepare(`select name from sqlite_master where type = 'table' and name not like 'sqlite_%'`)
      .pluck()
      .all() as string[]
  ).filter((t) => !KEPT.includes(t)));
}

/** closeRig(): for the end of a test file (the runner's process just exits). */
export function closeRig(): void {
  if (!rig) return;
  closeDatabase(rig.db);
  statements.clear();
  for (const suffix of ["", "-wal", "-shm"]) fs.rmSync(rig.file + suffix, { force: true });
  rig = undefined;
}

const statements = new Map<string, Database.Statement<unknown[]>>();

export class Engine {
  readonly ctx: { db: Db; clock: ManualClock };
  readonly users: number[];
  readonly apiKey: string;
  readonly pack: TopupPlan;
  readonly planId: number;
  /** The context usage goes through: the user's plan terms from user_subscriptions, as in the app. */
  readonly usage: UsageCtx;
  private events = 0;

  /** A clean slate for one sequence: no credits, no holds, two new customers with a saved card. */
  constructor() {
    const r = theRig();
    this.ctx = { db: r.db, clock: r.clock };
    this.apiKey = r.apiKey;
    this.pack = r.pack;
    this.planId = r.planId;
    this.usage = usageContext(this.ctx);
    r.clock.set(START_MS);
    const sqlite = r.db.$client;
    sqlite.pragma("foreign_keys = OFF");
    sqlite.transaction(() => {
      for (const table of sequenceTables(sqlite)) sqlite.prepare(`delete from ${table}`).run();
    })();
    sqlite.pragma("foreign_keys = ON");
    const stamp = `${process.pid}-${++r.sequences}`;
    this.users = [0, 1].map((i) => createUser(this.ctx, { email: `sim${i}-${stamp}@example.com` }).id);
    // A card saved at an earlier Checkout: what auto top-up needs to be turned on.
    const setCustomer = sqlite.prepare(`update users set stripe_customer_id = ? where id = ?`);
    for (const id of this.users) setCustomer.run(`cus_sim_${stamp}_${id}`, id);
    for (const f of FEATURES) {
      createFeature(
        this.ctx,
        { key: f.key, name: f.name, unitName: "unit", price: { credits: f.credits, perUnits: f.perUnits } },
        "simulator",
      );
    }
    for (const t of PLAN_TERMS) {
      setPlanFeature(this.ctx, this.planId, t.key, { includedUnits: t.includedUnits, price: t.price }, "simulator");
    }
  }

  /** The simulator plays Stripe's subscription webhook: the user is on the plan for this period. */
  subscribe(user: number, periodStartMs: number, periodEndMs: number): void {
    const sqlite = this.ctx.db.$client;
    const changed = sqlite
      .prepare(`update user_subscriptions set current_period_start = ?, current_period_end = ? where user_id = ?`)
      .run(periodStartMs, periodEndMs, user).changes;
    if (changed > 0) return;
    sqlite
      .prepare(
        `insert into user_subscriptions (user_id, plan_id, stripe_subscription_id, status, current_period_start,
          current_period_end, created_at, updated_at) values (?, ?, ?, 'active', ?, ?, ?, ?)`,
      )
      .run(user, this.planId, `sub_sim_${user}`, periodStartMs, periodEndMs, periodStartMs, periodStartMs);
  }

  close(): void {}

  /** The event dispatcher's pass (auto top-up records its attempts here). */
  dispatch(): void {
    while (dispatchBatch(this.ctx).count > 0);
  }

  /** A Stripe event's apply step: billing's handler runs in one IMMEDIATE transaction. */
  applyStripe<R>(type: string, fn: (ctx: ApplyCtx) => R): R {
    const event = { id: `evt_sim_${++this.events}`, type, data: { object: {} } } as unknown as Stripe.Event;
    return writeTransaction(this.ctx.db, () => fn({ ...this.ctx, event }));
  }

  /** A top-up bought at Checkout: the purchase and its grant, as checkout.session.completed records them. */
  buyPack(user: number): { purchaseId: number; grantId: number } {
    return this.applyStripe("checkout.session.completed", (ctx) => {
      const session = `cs_sim_${this.events}`;
      const purchase = recordTopupPurchase(ctx, {
        userId: user,
        plan: this.pack,
        quantity: 1,
        credits: PACK.credits,
        stripeCheckoutSessionId: session,
        stripePaymentIntentId: `pi_${session}`,
        amountPaidCents: PACK.priceCents,
        currency: "usd",
        reason: "Top-up",
        metadata: {},
      });
      const grantId = this.ctx.db.$client
        .prepare(`select id from credit_grants where source_ref = ?`)
        .pluck()
        .get(`topup_purchase:${purchase.id}`) as number;
      return { purchaseId: purchase.id, grantId };
    });
  }

  purchase(id: number): typeof topupPurchases.$inferSelect {
    return this.ctx.db.select().from(topupPurchases).where(eq(topupPurchases.id, id)).get()!;
  }

  /** POST /api/v1/deductions/batch through the v1 router, as a metering pipeline sends it. */
  batch(items: { userId: number; amount: number; idempotencyKey?: string }[]): {
    status: number;
    results: { status: number; body?: Record<string, unknown>; error?: { code: string }; replayed?: boolean }[];
  } {
    const answer = handleApiV1(this.ctx, {
      method: "POST",
      url: "/api/v1/deductions/batch",
      headers: { authorization: `Bearer ${this.apiKey}`, "content-type": "application/json" },
      body: Buffer.from(JSON.stringify({ items })),
    });
    const parsed = JSON.parse(answer.body) as { results: never[] };
    return { status: answer.status, results: parsed.results };
  }

  /** POST /api/v1/usage/batch through the v1 router, as a metering pipeline sends it. */
  usageBatch(events: { userId: number; feature: string; quantity: number; idempotencyKey: string }[]): {
    status: number;
    results: { status: number; body?: Record<string, unknown>; error?: { code: string }; replayed?: boolean }[];
  } {
    const answer = handleApiV1(this.ctx, {
      method: "POST",
      url: "/api/v1/usage/batch",
      headers: { authorization: `Bearer ${this.apiKey}`, "content-type": "application/json" },
      body: Buffer.from(JSON.stringify({ events })),
    });
    const parsed = JSON.parse(answer.body) as { results: never[] };
    return { status: answer.status, results: parsed.results };
  }

  /**
   * Requests that arrived together, each a POST through the v1 router with the key, run as ONE
   * group commit as the server runs them (app/server/group-commit.ts): their results in the
   * batches' shape.
   */
  group(requests: { url: string; body: Record<string, unknown>; idempotencyKey: string | null }[]): {
    status: number;
    body?: Record<string, unknown>;
    error?: { code: string };
    replayed?: boolean;
  }[] {
    const runs = requests.map((req) => {
      const headers: Record<string, string> = {
        authorization: `Bearer ${this.apiKey}`,
        "content-type": "application/json",
      };
      if (req.idempotencyKey !== null) headers["idempotency-key"] = req.idempotencyKey;
      const step = startApiV1(this.ctx, { method: "POST", url: req.url, headers });
      const body = Buffer.from(JSON.stringify(req.body));
      return { requestId: undefined, run: () => ("answer" in step ? step.answer : step.run(body)) };
    });
    return runGroup(this.ctx.db.$client, runs).map((answer) => {
      const parsed = JSON.parse(answer.body) as Record<string, unknown> & { error?: { code: string } };
      if (answer.status >= 400) return { status: answer.status, error: parsed.error };
      const replayed = answer.headers["Idempotent-Replayed"] === "true";
      return { status: answer.status, body: parsed, ...(replayed ? { replayed } : {}) };
    });
  }

  /** POST /api/v1/grants/:id/void with the admin key: the API's answer. */
  voidViaApi(grantId: number, idempotencyKey: string | null): { status: number; body: Record<string, unknown> } {
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.apiKey}`,
      "content-type": "application/json",
    };
    if (idempotencyKey !== null) headers["idempotency-key"] = idempotencyKey;
    const answer = handleApiV1(this.ctx, {
      method: "POST",
      url: `/api/v1/grants/${grantId}/void`,
      headers,
      body: Buffer.from("{}"),
    });
    return { status: answer.status, body: JSON.parse(answer.body) as Record<string, unknown> };
  }

  // ---- what the comparison reads -------------------------------------------------------------

  /** A statement prepared once per connection (the comparison runs after every step). */
  sql(text: string): Database.Statement<unknown[]> {
    let st = statements.get(text);
    if (!st) statements.set(text, (st = this.ctx.db.$client.prepare(text)));
    return st;
  }

  balance(user: number) {
    return getBalance(this.ctx, user);
  }

  held(user: number): number {
    return getHeld(this.ctx, user);
  }

  grants(): { id: number; remaining: number; status: string }[] {
    return this.sql(`select id, remaining, status from credit_grants order by id`).all() as never;
  }

  /** Every hold with what it still reserves (refunds and voids of its grants take from it: decision 017). */
  holds(): { id: number; reserved: number; status: string; captured_amount: number }[] {
    return this.sql(
      `select id, amount - clawed_amount as reserved, status, captured_amount from credit_holds order by id`,
    ).all() as never;
  }

  /** Each user's ledger as sorted "type amount grant" lines (order within a step is the engine's own). */
  ledger(user: number): string[] {
    const rows = this.sql(`select type, amount, grant_id from credit_ledger where user_id = ?`).all(user) as {
      type: string;
      amount: number;
      grant_id: number | null;
    }[];
    return rows.map((r) => `${r.type} ${r.amount} ${r.grant_id ?? "-"}`).sort();
  }

  cached(user: number): number {
    return this.sql(`select credit_balance from users where id = ?`).pluck().get(user) as number;
  }

  attempts(): { user_id: number; month: string; status: string }[] {
    return this.sql(`select user_id, month, status from auto_topup_attempts order by id`).all() as never;
  }
}
