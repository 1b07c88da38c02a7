/**
 * The Remix JSON routes on a database that refuses writes (a real read-only SQLite connection to
 * the test's file: SQLite itself answers SQLITE_READONLY, as it does on a read-only disk). Each
 * must answer 503 `storage_unavailable` with Retry-After — a webhook needs a 5xx so Stripe retries,
 * and nothing about it is a bug of ours (500) — and write nothing. The full disk, healthz and
 * recovery are tested on a real tmpfs against the production server (app/server/storage.test.ts).
 */
import type { ActionFunctionArgs } from "@remix-run/node";
import { afterEach, describe, expect, it, vi } from "vitest";
import { closeDatabase, type Db } from "../../../db/client";
import { drizzle } from "drizzle-orm/better-sqlite3";
import * as schema from "../../../db/schema";
import Database from "better-sqlite3";
import { createApiKey } from "../../auth/api-keys.server";
import { startTopupCheckout } from "../../billing/checkout.server";
import { startBillingHarness, type BillingHarness } from "../../../test/billing/harness";
import { log } from "../../utils/log.server";
import * as topupPlansRoute from "../api.admin.topup-plans";
import * as webhookRoute from "../api.webhooks.stripe";

let h: BillingHarness | undefined;
let readOnly: Db | undefined;
afterEach(async () => {
  if (readOnly) closeDatabase(readOnly);
  readOnly = undefined;
  await h?.close();
  h = undefined;
  vi.restoreAllMocks();
});

/** A second connection to the harness's file on which every write fails with SQLITE_READONLY. */
function readOnlyDb(b: BillingHarness): Db {
  const sqlite = new Database(b.ctx.path, { readonly: true });
  readOnly = drizzle(sqlite, { schema }) as Db;
  return readOnly;
}

async function expectStorageUnavailable(res: Response) {
  expect(res.status).toBe(503);
  expect(res.headers.get("retry-after")).toMatch(/^[1-9][0-9]*$/);
  const body = await res.json();
  expect(body.error.code).toBe("storage_unavailable");
}

describe("a database that refuses writes", () => {
  it("answers a Stripe webhook 503 storage_unavailable with Retry-After, so Stripe retries, and applies nothing", async () => {
    const errors = vi.spyOn(log, "error").mockImplementation(() => {});
    h = await startBillingHarness();
    const b = h;
    const user = b.newUser();
    const from = b.mark();
    const checkout = await startTopupCheckout(
      { db: b.context.db, clock: b.context.clock, appUrl: b.context.env.appUrl },
      b.stripe,
      { userId: user, planId: b.plans.pack.id },
    );
    await b.offline.trigger.payCheckout(checkout.sessionId);
    const completed = b.eventsSince(from, ["checkout.session.completed"])[0];
    const payload = JSON.stringify(completed);
    const request = new Request("http://localhost/api/webhooks/stripe", {
      method: "POST",
      headers: { "content-type": "application/json", "stripe-signature": b.sign(payload) },
      body: payload,
    });
    const db = readOnlyDb(b);
    // The route's Stripe work runs on context.billing: it gets the refusing database too.
    const context = { ...b.context, db, billing: { ...b.context.billing, db } };
    const res = await webhookRoute.action({ request, context, params: {} } as unknown as ActionFunctionArgs);
    await expectStorageUnavailable(res);
    expect(b.balance(user)).toBe(0);
    // Logged once, as a storage failure, without a stack.
    const lines = errors.mock.calls.filter(([msg]) => /storage/.test(msg));
    expect(lines.length).toBeLessThanOrEqual(1);
    expect(JSON.stringify(errors.mock.calls)).not.toMatch(/\n\s+at /);
    // Once the disk is writable again, the same delivery is applied.
    const again = await b.deliver(completed);
    expect(again.status).toBe(200);
    expect(b.balance(user)).toBe(1000);
  });

  it("answers the admin API 503 storage_unavailable with Retry-After, not 500", async () => {
    vi.spyOn(log, "error").mockImplementation(() => {});
    vi.spyOn(log, "warn").mockImplementation(() => {});
    h = await startBillingHarness();
    const b = h;
    const key = createApiKey(b.context, { name: "admin", scope: "admin" }).key;
    const before = b.counts();
    const request = new Request("http://localhost/api/admin/topup-plans", {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ internalId: "pack-storage", publicName: "Pack", credits: 100, priceCents: 100 }),
    });
    const db = readOnlyDb(b);
    // The route's Stripe work runs on context.billing: it gets the refusing database too.
    const context = { ...b.context, db, billing: { ...b.context.billing, db } };
    const res = await topupPlansRoute.action({ request, context, params: {} } as unknown as ActionFunctionArgs);
    await expectStorageUnavailable(res);
    expect(b.counts()).toEqual(before);
  });
});
