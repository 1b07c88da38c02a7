import { parseWithZod } from "@conform-to/zod";
import type { SubmissionResult } from "@conform-to/react";
import type { DbClock } from "../utils/context.server";
import { isAppError } from "../utils/errors";
import { replyWithError } from "../utils/forms.server";
import { autoTopupFormSchema, type AutoTopupSection } from "./auto-topup-form";

export type { AutoTopupSection };
import { autoTopupPacks, getAutoTopup, setAutoTopup } from "../billing/auto-topup.server";

export function autoTopupSection(ctx: DbClock, userId: number): AutoTopupSection {
  return {
    setting: getAutoTopup(ctx, userId),
    packs: autoTopupPacks(ctx.db).map((p) => ({
      id: p.id,
      publicName: p.publicName,
      credits: p.credits,
      priceCents: p.priceCents,
      currency: p.currency,
    })),
  };
}

export interface AutoTopupFormAnswer {
  ok: boolean;
  form: "auto-topup";
  message?: string;
  result: SubmissionResult<string[]>;
}

/**
 * A refusal, with a summary of every problem for the top of the page: without JavaScript the page
 * reloads there, far above the form's own errors.
 */
function refused(result: SubmissionResult<string[]>): AutoTopupFormAnswer {
  const problems = Object.values(result.error ?? {}).flatMap((errors) => errors ?? []);
  return { ok: false, form: "auto-topup", message: `Auto top-up was not saved: ${problems.join(" ")}`, result };
}

/** The billing page's `intent=auto-topup` form: every field's error at once, nothing written on any. */
export function submitAutoTopupForm(ctx: DbClock, userId: number, formData: FormData): AutoTopupFormAnswer {
  const submission = parseWithZod(formData, { schema: autoTopupFormSchema });
  if (submission.status !== "success") return refused(submission.reply());
  const { enabled, topupPlanId, threshold, monthlyCapPacks } = submission.value;
  try {
    setAutoTopup(ctx, userId, { enabled, topupPlanId, threshold, monthlyCapPacks }, `user:${userId}`);
  } catch (e) {
    if (!isAppError(e)) throw e;
    // "enabled" is a checkbox without an error slot: a refusal about it (no saved card) goes above the form.
    const fields = ["topupPlanId", "threshold", "monthlyCapPacks"];
    return refused(replyWithError(submission, e, { fields }));
  }
  return {
    ok: true,
    form: "auto-topup",
    message: enabled ? "Auto top-up is on." : "Auto top-up is off.",
    result: submission.reply(),
  };
}
