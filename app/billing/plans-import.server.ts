/**
 * `plans import-from-stripe`: brings the price book in from an existing Stripe account. Every
 * active price is read (network first, before any write); a price whose metadata says how many
 * credits it buys becomes a subscription plan (recurring) or a top-up pack (one-time) through the
 * same resolvePlanFromStripePrice the webhooks use, so an import and a later event agree. Every
 * price that lacks any of the metadata an admin should set (credits, planFamily, version,
 * internalId, publicName) is reported, so the admin can add it in Stripe and run it again.
 * Re-runs create nothing twice (a known price id is its plan).
 */
import type Stripe from "stripe";
import { recordAudit } from "../auth/audit.server";
import { findPlanByStripePriceId } from "../plans/index.server";
import { planFromStripePrice, resolvePlanFromStripePrice } from "./price-to-plan.server";
import type { DbClock } from "../utils/context.server";
import { writeTransaction } from "../../db/transaction";

const PLAN_METADATA_KEYS = ["credits", "planFamily", "version", "internalId", "publicName"] as const;

interface PriceImportLine {
  priceId: string;
  kind: "subscription" | "topup";
  /** created / would_create: a new plan; exists: the price already has a plan; skipped: cannot be imported. */
  outcome: "created" | "would_create" | "exists" | "skipped";
  planId: number | null;
  /** Metadata keys the price lacks (planFamily and version only matter for recurring prices). */
  missing: string[];
  reason: string | null;
}

export interface PlansImportReport {
  dryRun: boolean;
  prices: number;
  created: number;
  existing: number;
  skipped: number;
  lines: PriceImportLine[];
}

const MAX_PRICES = 10_000;

function missingMetadata(price: Stripe.Price): string[] {
  return PLAN_METADATA_KEYS.filter((key) => {
    if (!price.recurring && (key === "planFamily" || key === "version")) return false;
    return !price.metadata?.[key]?.trim();
  });
}

/** Every active price, with its product (for names), page by page. */
async function listActivePrices(stripe: Stripe): Promise<Stripe.Price[]> {
  const prices: Stripe.Price[] = [];
  for await (const price of stripe.prices.list({ active: true, limit: 100, expand: ["data.product"] })) {
    prices.push(price);
    if (prices.length >= MAX_PRICES) break;
  }
  // Oldest first, so version numbers filled in by the import follow the order prices were made.
  return prices.sort((a, b) => a.created - b.created || a.id.localeCompare(b.id));
}

export async function importPlansFromStripe(
  ctx: DbClock,
  stripe: Stripe,
  options: { dryRun?: boolean; actor: string },
): Promise<PlansImportReport> {
  const prices = await listActivePrices(stripe);
  const lines: PriceImportLine[] = prices.map((price) => {
    const kind = price.recurring ? "subscription" : "topup";
    const missing = missingMetadata(price);
    const known = findPlanByStripePriceId(ctx.db, price.id);
    if (known) return { priceId: price.id, kind, outcome: "exists", planId: known.plan.id, missing, reason: null };
    const parsed = planFromStripePrice(price);
    if (!parsed.ok)
      return { priceId: price.id, kind, outcome: "skipped", planId: null, missing, reason: parsed.reason };
    if (options.dryRun)
      return { priceId: price.id, kind, outcome: "would_create", planId: null, missing, reason: null };
    const resolved = resolvePlanFromStripePrice(ctx, price);
    if (resolved.kind === "held")
      return { priceId: price.id, kind, outcome: "skipped", planId: null, missing, reason: resolved.reason };
    return { priceId: price.id, kind, outcome: "created", planId: resolved.plan.id, missing, reason: null };
  });
  const report: PlansImportReport = {
    dryRun: Boolean(options.dryRun),
    prices: prices.length,
    created: lines.filter((l) => l.outcome === "created" || l.outcome === "would_create").length,
    existing: lines.filter((l) => l.outcome === "exists").length,
    skipped: lines.filter((l) => l.outcome === "skipped").length,
    lines,
  };
  if (!options.dryRun && report.created > 0) {
    writeTransaction(ctx.db, () =>
      recordAudit(ctx, {
        actor: options.actor,
        action: "plans.import_from_stripe",
        details: { created: report.created, existing: report.existing, skipped: report.skipped },
      }),
    );
  }
  return report;
}
