import type { SubmissionResult } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod";
import type { AppLoadContext } from "@remix-run/node";
import { z } from "zod";
import { autoTopupSection, submitAutoTopupForm } from "~/pages/auto-topup-page.server";
import { performBillingAction, type BillingAction } from "~/pages/billing-page.server";
import type { PlanChangePreview } from "~/billing/subscriptions.server";
import { getBillingOverview } from "~/pages/billing-overview.server";
import { previewNextInvoice } from "~/billing/upcoming-invoice.server";
import { topupSchema } from "~/components/billing/forms";
import { httpStatusFor, isAppError } from "~/utils/errors";

/** What /billing shows: the overview, the auto top-up section, and Stripe's preview of the next invoice. */
export async function billingPageData(context: AppLoadContext, userId: number) {
  return {
    ...getBillingOverview(context, userId),
    autoTopup: autoTopupSection(context, userId),
    nextInvoice: await previewNextInvoice(context, context.billing.stripe, userId),
  };
}

const planId = z.number().int().positive();
/** Every form on the page; the others are a button (and a plan). */
const actionSchema = z.discriminatedUnion("intent", [
  topupSchema,
  z.object({ intent: z.literal("subscribe"), planId }),
  // Changing the plan and canceling are two POSTs: review (what it costs), then confirm ("yes").
  z.object({ intent: z.literal("review-change"), planId }),
  z.object({
    intent: z.literal("change-plan"),
    planId,
    prorationDate: z.number().int().positive().optional(),
    confirm: z.literal("yes").optional(),
  }),
  z.object({ intent: z.literal("review-cancel") }),
  z.object({ intent: z.literal("cancel"), confirm: z.literal("yes").optional() }),
  z.object({ intent: z.literal("resume") }),
  z.object({ intent: z.literal("portal") }),
]);

/** The page's answer to a form that did not finish: an error, or a review to confirm. */
export interface BillingReply {
  ok: boolean;
  message: string;
  field?: string;
  /** Which pack's form was wrong, or "auto-topup" for that form. */
  planId?: string;
  form?: "auto-topup";
  result?: SubmissionResult<string[]>;
  review?: PlanChangePreview;
  reviewCancel?: { endsAt: string | null; planName: string | null };
}

type BillingAnswer =
  /** A full page load: the checkout and portal pages are not routes of this app. */
  | { redirectTo: string }
  /** Done: a fresh /billing with this toast. */
  | { done: string }
  | { status: number; reply: BillingReply };

const refused = (status: number, reply: Omit<BillingReply, "ok">): BillingAnswer => ({
  status,
  reply: { ok: false, ...reply },
});

/** One post of the billing page. */
export async function billingPageAction(
  context: AppLoadContext,
  userId: number,
  formData: FormData,
): Promise<BillingAnswer> {
  if (formData.get("intent") === "auto-topup") {
    const answer = submitAutoTopupForm(context, userId, formData);
    if (answer.ok) return { done: answer.message ?? "Auto top-up is saved." };
    return refused(400, { message: answer.message ?? "", form: "auto-topup", result: answer.result });
  }
  const submission = parseWithZod(formData, { schema: actionSchema });
  if (submission.status !== "success") {
    const quantity = submission.error?.quantity;
    if (!quantity) return refused(400, { message: "That action is not available." });
    // Which pack's form was wrong, so the page shows the error next to that input.
    const pack = typeof submission.payload.planId === "string" ? submission.payload.planId : undefined;
    return refused(400, { message: quantity[0], field: "quantity", planId: pack, result: submission.reply() });
  }
  let action = submission.value as BillingAction & { confirm?: "yes" };
  // A change or cancel that was not confirmed (an old form, a direct POST) is only reviewed.
  if (action.intent === "change-plan" && action.confirm !== "yes") {
    action = { intent: "review-change", planId: action.planId };
  } else if (action.intent === "cancel" && action.confirm !== "yes") {
    action = { intent: "review-cancel" };
  }
  try {
    const result = await performBillingAction(context.billing, context.billing.stripe, userId, action);
    if ("redirectTo" in result) return result;
    if ("review" in result) return { status: 200, reply: { ok: true, message: "", review: result.review } };
    if ("reviewCancel" in result) {
      return { status: 200, reply: { ok: true, message: "", reviewCancel: result.reviewCancel } };
    }
    return { done: result.message };
  } catch (e) {
    if (!isAppError(e)) throw e;
    return refused(httpStatusFor(e.code), { message: e.message, field: e.field });
  }
}
