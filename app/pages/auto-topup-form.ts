import { z } from "zod";
import { formatCredits } from "../utils/format";
import { MAX_AUTO_TOPUP_CAP_PACKS, MAX_AUTO_TOPUP_THRESHOLD, type AutoTopupView } from "../billing/auto-topup-input";

/* The billing page's auto top-up form; it runs in the browser too, so no server code here. */

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

/** What the billing page's auto top-up section shows (app/components/AutoTopup.tsx). */
export interface AutoTopupSection {
  setting: AutoTopupView;
  packs: { id: number; publicName: string; credits: number; priceCents: number; currency: string }[];
}
