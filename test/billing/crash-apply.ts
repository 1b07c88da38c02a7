/**
 * Test-only child process: applies one stored Stripe event to a database file and dies with
 * exit code 70 in the middle of the apply transaction (after the effects, before the commit),
 * the way a killed server would. Used by webhook.test.ts to check that SQLite keeps none of it.
 *
 *   node --import tsx test/billing/crash-apply.ts <db> <api base> <key> <event.json> <now ISO>
 */
import fs from "node:fs";
import type Stripe from "stripe";
import { openDatabase } from "../../db/client";
import { createStripeClient } from "../../app/billing/stripe.server";
import { processStripeEvent } from "../../app/billing/webhook.server";

const [databasePath, apiBase, key, eventFile, nowIso] = process.argv.slice(2);
const db = openDatabase(databasePath);
const stripe = createStripeClient({ STRIPE_SECRET_KEY: key, STRIPE_API_BASE: apiBase });
const event = JSON.parse(fs.readFileSync(eventFile, "utf8")) as Stripe.Event;
const now = new Date(nowIso);

await processStripeEvent({ db, clock: { now: () => now } }, stripe, event, {
  afterEffects: () => process.exit(70),
});
process.exit(0);
