import { z } from "zod";
import { formatCredits } from "../utils/format";

/*
 * Auto top-up's limits, the v1 API's PATCH /api/v1/users/:userId/auto-topup body, and the views
 * billing answers with. No server code here: the billing page's form runs the limits in the browser.
 */

export const MAX_AUTO_TOPUP_THRESHOLD = 1_000_000_000;
export const MAX_AUTO_TOPUP_CAP_PACKS = 100;

/** The API's body: any of the fields; the rest keep their current values. */
export const autoTopupPatchSchema = z
  .object({
    enabled: z.boolean(),
    topupPlanId: z.number().int("must be a whole number.").positive("must be a positive id."),
    threshold: z
      .number()
      .int("must be a whole number.")
      .min(1, "must be at least 1.")
      .max(MAX_AUTO_TOPUP_THRESHOLD, `must be at most ${formatCredits(MAX_AUTO_TOPUP_THRESHOLD)}.`),
    monthlyCapPacks: z
      .number()
      .int("must be a whole number.")
      .min(1, "must be at least 1.")
      .max(MAX_AUTO_TOPUP_CAP_PACKS, `must be at most ${MAX_AUTO_TOPUP_CAP_PACKS}.`),
  })
  .partial()
  .strict();

export type AutoTopupPatch = z.infer<typeof autoTopupPatchSchema>;

/** A customer's auto top-up as pages and the API show it. */
export interface AutoTopupView {
  enabled: boolean;
  topupPlanId: number | null;
  threshold: number | null;
  monthlyCapPacks: number | null;
  /** Why auto top-up turned itself off, until the customer changes the setting. */
  notice: string | null;
  /** Packs bought (or being bought) automatically this calendar month (UTC). */
  usedThisMonth: number;
  attempts: AttemptView[];
}

export interface AttemptView {
  id: number;
  status: "pending" | "processing" | "succeeded" | "failed";
  packName: string;
  credits: number;
  amountCents: number;
  currency: string;
  stripePaymentIntentId: string | null;
  failureMessage: string | null;
  amountRefundedCents: number;
  createdAt: string;
}
