/**
 * Plans into Stripe, for admins: creating a plan without a `stripePriceId` first creates a Stripe
 * product and price carrying the plan in their metadata, then inserts the plan. The Stripe calls
 * use idempotency keys derived from the plan's internalId and content, so a retried request (after
 * a crash, a timeout, a lost answer) reuses the same product and price instead of making new ones.
 * Editing, archiving and deleting a plan keep its Stripe price in step. The other direction
 * (Stripe prices into plans, for webhooks) is ./price-to-plan.server.ts.
 *
 * Network calls always happen before the database transaction, never inside it.
 */
import { createHash } from "node:crypto";
import type Stripe from "stripe";
import type { PlanInterval } from "../../db/schema";
import { recordAudit } from "../auth/audit.server";
import {
  assertPlanIsNew,
  draftPlan,
  getPlan,
  insertPlan,
  isPlanOffered,
  lastPlanId,
  planJson,
  planNotFound,
  planSubject,
  planUpdateFromPatch,
  removePlan,
  updatePlan,
  type CreatePlanInput,
  type KindedPlan,
  type NewPlan,
  type PlanDraft,
  type PlanKind,
  type PlanPatch,
} from "../plans/index.server";
import { AppError } from "../utils/errors";
import type { StripeContext } from "./context.server";
import { isInvalidRequest, isStripeNotFound, stripeErrorToAppError } from "./stripe-errors.server";
import { productOf } from "./price-to-plan.server";
import { isPlanInUse } from "./subscription-state.server";
import { writeTransaction } from "../../db/transaction";

/** What the admin direction needs: billing's context without the app URL. */
type PlanAdminCtx = Omit<StripeContext, "appUrl">;

/** Marks Stripe products and prices this app created (and so may deactivate). */
const MANAGED_BY = "credit-billing";

// ---------------------------------------------------------------------------------------------
// Plan → Stripe price (the admin API, the admin pages and the demo seed share these)

/** The metadata a plan's Stripe product and price carry; resolvePlanFromStripePrice reads it back. */
function planMetadata(plan: NewPlan): Record<string, string> {
  const v = plan.values;
  return {
    credits: String(v.credits),
    ...(plan.kind === "subscription"
      ? { planFamily: plan.values.planFamily, version: String(plan.values.version) }
      : {}),
    internalId: v.internalId,
    publicName: v.publicName,
    creditExpiryDays: String(v.creditExpiryDays),
    planKind: plan.kind,
    managedBy: MANAGED_BY,
  };
}

/**
 * `plan-<kind>-<internalId>-<last plan id>-<what>-<content hash>`. A retry of a create that
 * failed before its insert (crash, timeout, lost answer) sends the same key and gets the same
 * product and price back. The content hash lets a corrected request (say, another price) make
 * new objects instead of hitting Stripe's error for a reused key with other parameters; the last
 * plan id lets a plan that was deleted (its price deactivated) be created again with a fresh,
 * active price instead of the replayed old one.
 */
function idempotencyKey(plan: NewPlan, seq: number, what: "product" | "price", params: unknown): string {
  const hash = createHash("sha256").update(JSON.stringify(params)).digest("hex").slice(0, 16);
  return `plan-${plan.kind}-${plan.values.internalId}-${seq}-${what}-${hash}`;
}

/** Creates the Stripe product and price for a plan that has none. */
async function createStripePrice(
  stripe: Stripe,
  plan: NewPlan,
  seq: number,
): Promise<{ productId: string; priceId: string }> {
  const metadata = planMetadata(plan);
  const productParams: Stripe.ProductCreateParams = { name: plan.values.publicName, metadata };
  const product = await stripe.products.create(productParams, {
    idempotencyKey: idempotencyKey(plan, seq, "product", productParams),
  });
  const priceParams: Stripe.PriceCreateParams = {
    product: product.id,
    unit_amount: plan.values.priceCents,
    currency: plan.values.currency,
    nickname: plan.values.internalId,
    metadata,
    ...(plan.kind === "subscription" ? { recurring: { interval: plan.values.interval } } : {}),
  };
  const price = await stripe.prices.create(priceParams, {
    idempotencyKey: idempotencyKey(plan, seq, "price", priceParams),
  });
  return { productId: product.id, priceId: price.id };
}

/**
 * Fills a draft's price fields from an existing Stripe price, refusing one that does not fit:
 * wrong kind, unfixed amount, or amount/currency/interval different from what was asked.
 */
async function completeFromStripePrice(stripe: Stripe, draft: PlanDraft, priceId: string): Promise<NewPlan> {
  let price: Stripe.Price;
  try {
    price = await stripe.prices.retrieve(priceId, { expand: ["product"] });
  } catch (e) {
    if (isStripeNotFound(e)) {
      throw new AppError("invalid_request", `Stripe has no price ${priceId}.`, { field: "stripePriceId" });
    }
    throw stripeErrorToAppError(e, "stripePriceId");
  }
  const bad = (message: string, field = "stripePriceId") => new AppError("invalid_request", message, { field });
  if (price.unit_amount === null) throw bad(`Stripe price ${priceId} has no fixed amount.`);
  const currency = price.currency.toLowerCase();
  const v = draft.values;
  if (v.priceCents !== undefined && v.priceCents !== price.unit_amount) {
    throw bad(`priceCents ${v.priceCents} differs from the Stripe price's amount ${price.unit_amount}.`, "priceCents");
  }
  if (v.currency !== undefined && v.currency !== currency) {
    throw bad(`currency ${v.currency} differs from the Stripe price's currency ${currency}.`, "currency");
  }
  const productId = productOf(price).id;
  if (draft.kind === "topup") {
    if (price.recurring) throw bad(`Stripe price ${priceId} is recurring; a top-up plan needs a one-time price.`);
    return {
      kind: "topup",
      values: {
        ...draft.values,
        priceCents: price.unit_amount,
        currency,
        stripeProductId: productId,
        stripePriceId: priceId,
      },
    };
  }
  const r = price.recurring;
  if (!r) throw bad(`Stripe price ${priceId} is one-time; a subscription plan needs a recurring price.`);
  if (
    (r.interval !== "month" && r.interval !== "year") ||
    (r.interval_count ?? 1) !== 1 ||
    r.usage_type === "metered"
  ) {
    throw bad(`Stripe price ${priceId} must bill a fixed amount every month or every year.`);
  }
  if (draft.values.interval !== undefined && draft.values.interval !== r.interval) {
    throw bad(`interval ${draft.values.interval} differs from the Stripe price's interval ${r.interval}.`, "interval");
  }
  return {
    kind: "subscription",
    values: {
      ...draft.values,
      priceCents: price.unit_amount,
      currency,
      interval: r.interval as PlanInterval,
      stripeProductId: productId,
      stripePriceId: priceId,
    },
  };
}

/**
 * Creates a plan: checks it would be new, settles its Stripe price (creating product + price
 * when no stripePriceId is given, else checking the given price fits), then inserts it and its
 * audit row in one IMMEDIATE transaction.
 */
export async function createPlan(ctx: PlanAdminCtx, create: CreatePlanInput, actor: string): Promise<KindedPlan> {
  const draft = draftPlan(ctx.db, create);
  assertPlanIsNew(ctx.db, { kind: draft.kind, values: draft.values });

  let plan: NewPlan;
  if (draft.values.stripePriceId) {
    plan = await completeFromStripePrice(ctx.stripe, draft, draft.values.stripePriceId);
  } else {
    const v = draft.values;
    const priceCents = v.priceCents!; // the create schemas require it when there is no stripePriceId
    const currency = v.currency ?? "usd";
    plan =
      draft.kind === "subscription"
        ? {
            kind: "subscription",
            values: {
              ...draft.values,
              priceCents,
              currency,
              interval: draft.values.interval ?? "month",
              stripeProductId: null,
            },
          }
        : { kind: "topup", values: { ...draft.values, priceCents, currency, stripeProductId: null } };
    let ids: { productId: string; priceId: string };
    try {
      ids = await createStripePrice(ctx.stripe, plan, lastPlanId(ctx.db, plan.kind));
    } catch (e) {
      throw stripeErrorToAppError(e);
    }
    plan.values.stripeProductId = ids.productId;
    plan.values.stripePriceId = ids.priceId;
  }

  return writeTransaction(ctx.db, () => {
    const inserted = insertPlan(ctx, plan);
    recordAudit(ctx, {
      actor,
      action: "plan.created",
      subject: planSubject(inserted.kind, inserted.plan.id),
      details: { plan: planJson(inserted) },
    });
    return inserted;
  });
}

/**
 * Sets a Stripe price's `active` flag when this app created it (metadata managedBy); prices made
 * elsewhere (the Dashboard) are the admin's to manage. Inactive prices cannot be bought anew,
 * but subscriptions already on them keep renewing.
 */
async function setManagedPriceActive(stripe: Stripe, priceId: string, active: boolean): Promise<void> {
  let price: Stripe.Price;
  try {
    price = await stripe.prices.retrieve(priceId);
  } catch (e) {
    if (isStripeNotFound(e)) return;
    throw stripeErrorToAppError(e);
  }
  if (price.metadata?.managedBy !== MANAGED_BY || price.active === active) return;
  try {
    await stripe.prices.update(priceId, { active });
  } catch (e) {
    throw stripeErrorToAppError(e);
  }
}

/**
 * Renames the Stripe product of a plan when this app created it (metadata managedBy), so Checkout
 * and invoices show the plan's new name; a product made elsewhere is the admin's to manage.
 */
async function renameManagedProduct(stripe: Stripe, productId: string, publicName: string): Promise<void> {
  try {
    const product = await stripe.products.retrieve(productId);
    if (product.metadata?.managedBy !== MANAGED_BY || product.name === publicName) return;
    await stripe.products.update(productId, { name: publicName, metadata: { publicName } });
  } catch (e) {
    if (isStripeNotFound(e)) return;
    throw stripeErrorToAppError(e);
  }
}

/**
 * Expires the open Checkout Sessions that would buy a plan (by the app's metadata or the plan's
 * price among the line items), so a plan taken off sale cannot be bought through a page opened
 * before. A session paid or expired in the meantime is left as it is.
 */
async function expireOpenCheckouts(
  stripe: Stripe,
  kind: PlanKind,
  plan: { id: number; stripePriceId: string | null },
): Promise<number> {
  const metadataKey = kind === "subscription" ? "subscriptionPlanId" : "topupPlanId";
  let expired = 0;
  try {
    for await (const session of stripe.checkout.sessions.list({
      status: "open",
      limit: 100,
      expand: ["data.line_items"],
    })) {
      const forPlan =
        session.metadata?.[metadataKey] === String(plan.id) ||
        (!!plan.stripePriceId && (session.line_items?.data ?? []).some((l) => l.price?.id === plan.stripePriceId));
      if (!forPlan) continue;
      try {
        await stripe.checkout.sessions.expire(session.id);
        expired++;
      } catch (e) {
        if (!isInvalidRequest(e)) throw e; // paid or expired meanwhile
      }
    }
  } catch (e) {
    throw stripeErrorToAppError(e);
  }
  return expired;
}

/**
 * Edits a plan's editable fields (publicName, isLegacy, isActive, creditExpiryDays). Fixed
 * fields (credits, price, currency, interval of a plan with a Stripe price; identity fields)
 * → invalid_request. Restoring an archived plan (isActive true) reactivates its Stripe price; a new
 * publicName renames the Stripe product this app made.
 */
export async function editPlan(
  ctx: PlanAdminCtx,
  kind: PlanKind,
  id: number,
  patch: PlanPatch,
  actor: string,
): Promise<KindedPlan> {
  const current = getPlan(ctx.db, kind, id);
  if (!current) throw planNotFound(kind, id);
  const update = planUpdateFromPatch(current, patch); // refuses fixed fields before any network call
  if (update.archivedAt === null && current.plan.stripePriceId) {
    await setManagedPriceActive(ctx.stripe, current.plan.stripePriceId, true);
  }
  if (
    update.publicName !== undefined &&
    update.publicName !== current.plan.publicName &&
    current.plan.stripeProductId
  ) {
    await renameManagedProduct(ctx.stripe, current.plan.stripeProductId, update.publicName);
  }
  if (isPlanOffered(current.plan) && !isPlanOffered({ ...current.plan, ...update })) {
    await expireOpenCheckouts(ctx.stripe, kind, current.plan);
  }
  return writeTransaction(ctx.db, () => {
    const { before, after, changed } = updatePlan(ctx, kind, id, patch);
    if (changed.length) {
      const pick = (p: KindedPlan) =>
        Object.fromEntries(changed.map((k) => [k, (planJson(p) as unknown as Record<string, unknown>)[k] ?? null]));
      recordAudit(ctx, {
        actor,
        action: "plan.updated",
        subject: planSubject(kind, id),
        details: { changed, before: pick(before), after: pick(after) },
      });
    }
    return after;
  });
}

export type DeletePlanResult = { deleted: true } | { archived: true; plan: KindedPlan };

/**
 * Deletes a plan nothing refers to, or archives one that subscriptions or purchases refer to.
 * Either way its Stripe price, when this app created it, is deactivated first and the plan's open
 * Checkout Sessions are expired, so nobody can buy it anew; a deleted plan's price is remembered
 * (deleted_plan_prices), so a payment already under way is honoured without putting the plan back
 * on sale. Existing subscriptions keep renewing on it.
 */
export async function deleteOrArchivePlan(
  ctx: PlanAdminCtx,
  kind: PlanKind,
  id: number,
  actor: string,
): Promise<DeletePlanResult> {
  const current = getPlan(ctx.db, kind, id);
  if (!current) throw planNotFound(kind, id);
  if (current.plan.stripePriceId) await setManagedPriceActive(ctx.stripe, current.plan.stripePriceId, false);
  await expireOpenCheckouts(ctx.stripe, kind, current.plan);
  return writeTransaction(ctx.db, (): DeletePlanResult => {
    const result = removePlan(ctx, kind, id, isPlanInUse(ctx.db, kind, id));
    recordAudit(ctx, {
      actor,
      action: "deleted" in result ? "plan.deleted" : "plan.archived",
      subject: planSubject(kind, id),
      details: { plan: planJson(result.plan) },
    });
    return "deleted" in result ? { deleted: true } : { archived: true, plan: result.plan };
  });
}
