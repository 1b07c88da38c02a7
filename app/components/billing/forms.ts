import { z } from "zod";
import { MAX_TOPUP_QUANTITY } from "~/utils/limits";
import type { PlanLike } from "~/components/Subscription";

const QUANTITY = `Choose between 1 and ${MAX_TOPUP_QUANTITY} packs.`;

/** A pack's form: how many packs (an empty box means one). */
export const topupSchema = z.object({
  intent: z.literal("topup"),
  planId: z.number().int().positive(),
  quantity: z
    .number({ invalid_type_error: QUANTITY })
    .int(QUANTITY)
    .min(1, QUANTITY)
    .max(MAX_TOPUP_QUANTITY, QUANTITY)
    .default(1),
});

/** A plan on sale, as the page gets it. */
export type OfferedPlan = PlanLike & { internalId: string };
/** A pack on sale, as the page gets it. */
export type OfferedPack = Omit<PlanLike, "interval"> & { internalId: string; creditExpiryDays: number };

/** Billing's PlanChangePreview as the page gets it. */
export interface PlanReview {
  kind: "upgrade" | "downgrade" | "keep";
  current: PlanLike;
  target: PlanLike;
  amountNowCents: number;
  amountAtRenewalCents: number;
  currency: string;
  creditsNow: number;
  creditsPerPeriod: number;
  renewsAt: string | null;
  prorationDate: number;
}

export interface CancelReview {
  endsAt: string | null;
  planName: string | null;
}
