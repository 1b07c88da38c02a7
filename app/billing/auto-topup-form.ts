import { z } from "zod";
import { formatCredits } from "../utils/format";

/*
 * Auto top-up input, shared by the billing page's form (browser and server) and the v1 API's
 * PATCH /api/v1/users/:userId/auto-topup. No server code here: the page runs it in the browser.
 */

export const MAX_AUTO_TOPUP_THRESHOLD = 1_000_000_000;
export const MAX_AUTO_TOPUP_CAP_PACKS = 100;

const THRESHOLD = `Enter a whole number of credits from 1 to ${formatCredits(MAX_AUTO_TOPUP_THRESHOLD)}.`;
const CAP = `Enter a whole number of packs from 1 to ${MAX_AUTO_TOPUP_CAP_PACKS}.`;
const PACK = "Choose a pack.";

/** The billing page's form: every field in the customer's words. An unchecked box is "off". */
export const autoTopupFormSchema = z.object({
  intent: z.literal("auto-topup"),
  enabled: z.boolean().optional().default(false),
  topupPlanId: z.number({ required_error: PACK, invalid_type_error: PACK }).int(PACK).positive(PACK),
  threshold: z
    .number({ required_error: THRESHOLD, invalid_type_error: THRESHOLD })
    .int(THRESHOLD)
    .min(1, THRESHOLD)
    .max(MAX_AUTO_TOPUP_THRESHOLD, THRESHOLD),
  monthlyCapPacks: z
    .number({ required_error: CAP, invalid_type_error: CAP })
    .int(CAP)
    .min(1, CAP)
    .max(MAX_AUTO_TOPUP_CAP_PACKS, CAP),
});

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

/** What the billing page's auto top-up section shows (app/components/AutoTopup.tsx). */
export interface AutoTopupSection {
  setting: AutoTopupView;
  packs: { id: number; publicName: string; credits: number; priceCents: number; currency: string }[];
}
