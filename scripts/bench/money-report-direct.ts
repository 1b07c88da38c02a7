/**
 * The admin money report timed directly (no HTTP) on subscription invoices paid over the last 90
 * days (default 22,500), each stored as the webhooks leave it: the invoice.paid event (a
 * Stripe-sized payload), its grant and grant ledger entry, and billing's subscription_invoices row;
 * optionally older invoices before the window (billing's rows only). p50/p90 of 40 calls after 2
 * warm-ups (docs/decisions/016-grant-source-refs.md).
 * Run: npx tsx scripts/bench/money-report-direct.ts [invoices] [olderInvoices]
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { closeDatabase, openDatabase } from "../../db/client";
import { migrateDatabase } from "../../db/migrate";
import { moneyReport } from "../../app/billing/reports.server";
import { systemClock, MS_PER_DAY } from "../../app/utils/clock";
import { time } from "./time";

const N = Number(process.argv[2] ?? 22_500);
const OLDER = Number(process.argv[3] ?? 0);
const USERS = 2_500;

function payload(id: string, customer: string, sub: string, amount: number, created: number) {
  const line = (i: number) => ({
    id: `il_${id}_${i}`,
    object: "line_item",
    amount,
    currency: "usd",
    description: `1 × Pro (at $${amount / 100} / month)`,
    period: { start: created, end: created + 30 * 86400 },
    parent: { type: "subscription_item_details", subscription_item_details: { subscription: sub, proration: false } },
    pricing: {
      type: "price_details",
      price_details: { price: "price_pro", product: "prod_pro" },
      unit_amount_decimal: String(amount),
    },
    quantity: 1,
    metadata: {},
  });
  return {
    id: `evt_${id}`,
    object: "event",
    type: "invoice.paid",
    created,
    data: {
      object: {
        id: `in_${id}`,
        object: "invoice",
        customer,
        currency: "usd",
        amount_due: amount,
        amount_paid: amount,
        amount_remaining: 0,
        billing_reason: "subscription_cycle",
        status: "paid",
        number: `INV-${id}`,
        hosted_invoice_url: `https://invoice.stripe.com/i/acct_1/test_${id}`,
        invoice_pdf: `https://pay.stripe.com/invoice/acct_1/test_${id}/pdf`,
        created,
        period_start: created,
        period_end: created,
        parent: {
          type: "subscription_details",
          subscription_details: { subscription: sub, metadata: { userId: "1" } },
        },
        lines: { object: "list", data: [line(0)], has_more: false, total_count: 1, url: `/v1/invoices/in_${id}/lines` },
        status_transitions: { finalized_at: created, paid_at: created },
        metadata: {},
      },
    },
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
  };
}

function prefill(sqlite: ReturnType<typeof openDatabase>["$client"], n: number) {
  const now = Date.now();
  const users: number[] = [];
  const insertUser = sqlite.prepare("insert into users (email, name, created_at, updated_at) values (?, '', ?, ?)");
  const event = sqlite.prepare(
    "insert into stripe_events (id, type, status, payload, created_at, updated_at) values (?, 'invoice.paid', 'processed', ?, ?, ?)",
  );
  const grant = sqlite.prepare(
    `insert into credit_grants (user_id, type, amount, remaining, priority, effective_at, expires_at, source, source_ref,
       group_ref, reason, created_at, updated_at)
     values (?, 'subscription', 1000, 1000, 10, ?, ?, 'subscription', ?, ?, 'Pro subscription credits', ?, ?)`,
  );
  const ledger = sqlite.prepare(
    `insert into credit_ledger (user_id, type, amount, balance_after, grant_id, metadata, created_at)
     values (?, 'grant', 1000, 1000, ?, ?, ?)`,
  );
  const invoice = sqlite.prepare(
    `insert into subscription_invoices (user_id, stripe_invoice_id, number, billing_reason, status, amount_due_cents,
       amount_paid_cents, currency, hosted_invoice_url, invoice_pdf_url, created_at, updated_at)
     values (?, ?, ?, 'subscription_cycle', 'paid', ?, ?, 'usd', ?, ?, ?, ?)`,
  );
  sqlite
    .transaction(() => {
      for (let i = 0; i < USERS; i++)
        users.push(Number(insertUser.run(`u${i}@bench.example`, now, now).lastInsertRowid));
      for (let i = 0; i < n; i++) {
        const at = now - Math.floor(((i + 0.5) / n) * 89 * MS_PER_DAY);
        const userId = users[i % USERS];
        const id = String(i).padStart(6, "0");
        const amount = [900, 2900, 9900][i % 3];
        const p = payload(id, `cus_${userId}`, `sub_${userId}`, amount, Math.floor(at / 1000));
        event.run(p.id, JSON.stringify(p), at, at);
        const grantId = Number(
          grant.run(userId, at, at + 30 * MS_PER_DAY, `stripe_invoice:in_${id}`, `subscription:${userId}`, at, at)
            .lastInsertRowid,
        );
        ledger.run(
          userId,
          grantId,
          JSON.stringify({ stripeInvoiceId: `in_${id}`, stripeEventId: p.id, billingReason: "subscription_cycle" }),
          at,
        );
        const d = p.data.object;
        invoice.run(userId, d.id, d.number, amount, amount, d.hosted_invoice_url, d.invoice_pdf, at, at);
      }
      for (let i = 0; i < OLDER; i++) {
        const at = now - 91 * MS_PER_DAY - i * 60_000;
        invoice.run(users[i % USERS], `in_old_${i}`, `OLD-${i}`, 900, 900, null, null, at, at);
      }
    })
    .immediate();
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "money-report-bench-"));
try {
  const file = path.join(dir, "bench.db");
  migrateDatabase(file, path.resolve("migrations"));
  const db = openDatabase(file);
  prefill(db.$client, N);
  const ctx = { db, clock: systemClock };
  const report = moneyReport(ctx, 90);
  const days = report.days.filter((d) => d.subscriptionsInCents > 0).length;
  time(
    `${N.toLocaleString("en-US")} invoices in 90 days (${days} days, ${report.totals.subscriptionsInCents} cents), ${OLDER.toLocaleString("en-US")} before, moneyReport(90)`,
    () => moneyReport(ctx, 90),
  );
  closeDatabase(db);
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
