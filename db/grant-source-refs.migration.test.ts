/**
 * The grant_source_refs migration (docs/decisions/016-grant-source-refs.md) on a database built at
 * the migration before it: grants of every kind carry their old Stripe/billing columns over as
 * neutral refs, ids and counters are kept, every index comes back, the ledger's invariants still
 * hold, and a second grant with the same source is still refused.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../app/utils/clock";
import { AppError } from "../app/utils/errors";
import {
  checkInvariants,
  findGrantBySource,
  grantCredits,
  listGrantsByGroup,
  rollOverCredits,
} from "../app/credits/index.server";
import { closeDatabase, openDatabase } from "./client";
import { defaultMigrationsFolder, migrateDatabase } from "./migrate";

const TAG = /_grant_source_refs$/;
const DAY_MS = 86_400_000;
const T0_MS = Date.parse("2026-01-01T00:00:00.000Z");

/** A copy of migrations/ whose journal stops just before grant_source_refs. */
function migrationsBefore(): string {
  const folder = path.join(fs.mkdtempSync(path.join(process.env.TEST_TMP_DIR!, "refs-")), "migrations");
  fs.cpSync(defaultMigrationsFolder(), folder, { recursive: true });
  const journalPath = path.join(folder, "meta", "_journal.json");
  const journal = JSON.parse(fs.readFileSync(journalPath, "utf8")) as { entries: { tag: string }[] };
  const at = journal.entries.findIndex((e) => TAG.test(e.tag));
  expect(at).toBeGreaterThan(0);
  journal.entries = journal.entries.slice(0, at);
  fs.writeFileSync(journalPath, JSON.stringify(journal));
  return folder;
}

function indexesOf(db: ReturnType<typeof openDatabase>, table: string): string[] {
  return (
    db.$client
      .prepare(`select name from sqlite_master where type = 'index' and tbl_name = ? and sql is not null order by name`)
      .all(table) as { name: string }[]
  ).map((r) => r.name);
}

describe("migration grant_source_refs", () => {
  it("turns invoice, top-up, subscription and rollover links into refs, keeping ids, indexes and the ledger", () => {
    const before = migrationsBefore();
    const file = path.join(path.dirname(before), "app.db");
    migrateDatabase(file, before);
    const old = openDatabase(file);
    const run = (sql: string, ...args: unknown[]) => Number(old.$client.prepare(sql).run(...args).lastInsertRowid);
    expect(old.$client.prepare(`select count(*) from sqlite_master where type = 'trigger'`).pluck().get()).toBe(0);

    // Billing's rows, then grants of each kind as the engine wrote them before refs.
    const userId = run(
      `insert into users (email, created_at, updated_at) values ('old@example.com', ?, ?)`,
      T0_MS,
      T0_MS,
    );
    const subId = run(
      `insert into user_subscriptions (user_id, stripe_subscription_id, status, created_at, updated_at)
       values (?, 'sub_1', 'active', ?, ?)`,
      userId,
      T0_MS,
      T0_MS,
    );
    run(
      `insert into topup_plans (internal_id, public_name, credits, price_cents, created_at, updated_at)
       values ('pack', 'Pack', 50, 500, ?, ?)`,
      T0_MS,
      T0_MS,
    );
    const purchaseId = run(
      `insert into topup_purchases (user_id, plan_id, stripe_checkout_session_id, credits, amount_paid_cents, currency,
         created_at, updated_at) values (?, 1, 'cs_1', 50, 500, 'usd', ?, ?)`,
      userId,
      T0_MS,
      T0_MS,
    );
    let balance = 0;
    const addGrant = (
      g: { type: string; amount: number; priority: number; expiresAtMs: number | null; source: string },
      links: { subscriptionId?: number; stripeInvoiceId?: string; topupPurchaseId?: number },
      metadata: Record<string, unknown> | null = null,
    ) => {
      const id = run(
        `insert into credit_grants (user_id, type, amount, remaining, priority, effective_at, expires_at, status, reason,
           source, subscription_id, stripe_invoice_id, topup_purchase_id, created_at, updated_at)
         values (?, ?, ?, ?, ?, ?, ?, 'active', 'old', ?, ?, ?, ?, ?, ?)`,
        userId,
        g.type,
        g.amount,
        g.amount,
        g.priority,
        T0_MS,
        g.expiresAtMs,
        g.source,
        links.subscriptionId ?? null,
        links.stripeInvoiceId ?? null,
        links.topupPurchaseId ?? null,
        T0_MS,
        T0_MS,
      );
      balance += g.amount;
      run(
        `insert into credit_ledger (user_id, type, amount, balance_after, reason, grant_id, metadata, created_at)
         values (?, 'grant', ?, ?, 'old', ?, ?, ?)`,
        userId,
        g.amount,
        balance,
        id,
        metadata && JSON.stringify(metadata),
        T0_MS,
      );
      return id;
    };
    const sub = { type: "subscription", source: "subscription", priority: 10, expiresAtMs: T0_MS + 30 * DAY_MS };
    const invoice = addGrant({ ...sub, amount: 100 }, { subscriptionId: subId, stripeInvoiceId: "in_1" }, { a: 1 });
    const topup = addGrant(
      { type: "topup", source: "topup", amount: 50, priority: 30, expiresAtMs: T0_MS + 365 * DAY_MS },
      { topupPurchaseId: purchaseId },
    );
    const admin = addGrant({ type: "promotional", source: "admin", amount: 20, priority: 20, expiresAtMs: null }, {});
    const rolled = addGrant({ ...sub, amount: 15, priority: 9 }, { subscriptionId: subId });
    run(
      `insert into credit_rollovers (user_id, subscription_id, renewal_key, period_end, unused_credits, percent,
         max_credits, rolled_credits, grant_id, created_at) values (?, ?, 'invoice:in_1', ?, 30, 50, null, 15, ?, ?)`,
      userId,
      subId,
      T0_MS,
      rolled,
      T0_MS,
    );
    // A deduction, so ledger_allocations point at rebuilt grants: 15 from the rollover grant, 15 from the invoice's.
    const entry = run(
      `insert into credit_ledger (user_id, type, amount, balance_after, created_at) values (?, 'deduction', -30, ?, ?)`,
      userId,
      balance - 30,
      T0_MS,
    );
    run(
      `insert into ledger_allocations (entry_id, grant_id, amount) values (?, ?, 15), (?, ?, 15)`,
      entry,
      rolled,
      entry,
      invoice,
    );
    old.$client.prepare(`update credit_grants set remaining = 0, status = 'depleted' where id = ?`).run(rolled);
    old.$client.prepare(`update credit_grants set remaining = 85 where id = ?`).run(invoice);
    balance -= 30;
    old.$client.prepare(`update users set credit_balance = ? where id = ?`).run(balance, userId);
    // The counter runs ahead of the ids (e.g. rows written then rolled back by an older build): kept.
    old.$client.prepare(`update sqlite_sequence set seq = 500 where name = 'credit_grants'`).run();
    const grantsBefore = old.$client
      .prepare(
        `select id, user_id, type, amount, remaining, priority, status, expires_at from credit_grants order by id`,
      )
      .all();
    closeDatabase(old);
    const clock = new ManualClock(T0_MS + 60_000);

    migrateDatabase(file);
    const db = openDatabase(file);
    const ctx = { db, clock };
    try {
      expect(
        db.$client
          .prepare(
            `select id, user_id, type, amount, remaining, priority, status, expires_at from credit_grants order by id`,
          )
          .all(),
      ).toEqual(grantsBefore);
      expect(db.$client.prepare(`select id, source_ref, group_ref from credit_grants order by id`).all()).toEqual([
        { id: invoice, source_ref: "stripe_invoice:in_1", group_ref: `subscription:${subId}` },
        { id: topup, source_ref: `topup_purchase:${purchaseId}`, group_ref: null },
        { id: admin, source_ref: null, group_ref: null },
        { id: rolled, source_ref: null, group_ref: `subscription:${subId}` },
      ]);
      expect(db.$client.prepare(`select group_ref, renewal_key, grant_id from credit_rollovers`).all()).toEqual([
        { group_ref: `subscription:${subId}`, renewal_key: "invoice:in_1", grant_id: rolled },
      ]);
      expect(indexesOf(db, "credit_grants")).toEqual([
        "credit_grants_burn_down_idx",
        "credit_grants_created_at_idx",
        "credit_grants_expiring_soon_idx",
        "credit_grants_expiry_idx",
        "credit_grants_group_idx",
        "credit_grants_source_ref_unique",
      ]);
      expect(indexesOf(db, "credit_rollovers")).toEqual([
        "credit_rollovers_grant_unique",
        "credit_rollovers_period_unique",
        "credit_rollovers_renewal_unique",
      ]);
      expect(
        db.$client.prepare(`select count(*) from sqlite_master where instr(sql, '__new_') > 0`).pluck().get(),
      ).toBe(0);
      expect(db.$client.pragma("foreign_key_check")).toEqual([]);
      // The CHECK constraints came along, and foreign keys from the ledger still point at grants.
      expect(() =>
        db.$client.prepare(`update credit_grants set remaining = amount + 1 where id = ?`).run(admin),
      ).toThrow(/CHECK constraint failed/);
      expect(() =>
        db.$client.prepare(`insert into ledger_allocations (entry_id, grant_id, amount) values (1, 9999, 1)`).run(),
      ).toThrow(/FOREIGN KEY constraint failed/);

      checkInvariants({ db, clock });

      // A replayed webhook still grants once: the old invoice and purchase are taken.
      for (const [sourceRef, grantId] of [
        ["stripe_invoice:in_1", invoice],
        [`topup_purchase:${purchaseId}`, topup],
      ] as const) {
        let error: unknown;
        try {
          grantCredits(ctx, { userId, type: "subscription", amount: 1, source: "subscription", sourceRef });
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(AppError);
        expect(error).toMatchObject({ code: "conflict", field: "sourceRef", extra: { grantId } });
      }
      expect(findGrantBySource(ctx, "stripe_invoice:in_1")).toEqual({ id: invoice, status: "active", remaining: 85 });
      expect(listGrantsByGroup(ctx, `subscription:${subId}`).map((g) => [g.id, g.metadata])).toEqual([
        [invoice, { a: 1 }],
        [rolled, null],
      ]);
      // The renewal that rolled over is still a replay under its group.
      expect(
        rollOverCredits(ctx, {
          userId,
          groupRef: `subscription:${subId}`,
          renewalKey: "invoice:in_1",
          periodEnd: new Date(T0_MS),
          newPeriodEnd: new Date(T0_MS + 30 * DAY_MS),
          percent: 50,
          maxCredits: null,
          fromLabel: "Plan",
        }),
      ).toEqual({ unused: 30, rolled: 15, grantId: rolled, replayed: true });
      const next = grantCredits(ctx, { userId, type: "promotional", amount: 5, source: "admin" });
      expect(next.grant.id).toBe(501);
      checkInvariants({ db, clock });
    } finally {
      closeDatabase(db);
    }
  });
});
