import type { SubmissionResult } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod";
import type { AppLoadContext } from "@remix-run/node";
import { getUserById, updateUser } from "~/auth/users.server";
import { lowBalanceSchema, type LowBalanceView } from "~/components/LowBalanceAlert";
import { formatCredits } from "~/components/format";
import { creditsConfig } from "~/credits/index.server";
import { httpStatusFor, isAppError } from "~/utils/errors";
import { replyWithError } from "~/utils/forms.server";

export function lowBalanceView(context: AppLoadContext, userId: number): LowBalanceView {
  return {
    own: getUserById(context.db, userId)?.lowBalanceThreshold ?? null,
    defaultLevel: creditsConfig(context).lowBalanceThreshold,
  };
}

type LowBalanceAnswer =
  | { done: string }
  | { status: number; reply: { intent: "low-balance"; result: SubmissionResult<string[]>; message: null } };

/** The account page's `intent=low-balance` post: the customer's own level, through the same updateUser as the API. */
export function saveLowBalanceAlert(context: AppLoadContext, userId: number, formData: FormData): LowBalanceAnswer {
  const submission = parseWithZod(formData, { schema: lowBalanceSchema });
  const refuse = (status: number, result: SubmissionResult<string[]>): LowBalanceAnswer => ({
    status,
    reply: { intent: "low-balance", result, message: null },
  });
  if (submission.status !== "success") return refuse(400, submission.reply());
  const threshold = submission.value.threshold ?? null;
  try {
    updateUser(context, { userId, changes: { lowBalanceThreshold: threshold }, actor: `user:${userId}` });
  } catch (e) {
    if (!isAppError(e)) throw e;
    return refuse(
      httpStatusFor(e.code),
      replyWithError(submission, e, { fields: ["threshold"], fieldFor: () => "threshold" }),
    );
  }
  if (threshold === 0) return { done: "Low-balance alerts are off." };
  const level = threshold ?? creditsConfig(context).lowBalanceThreshold;
  return { done: `You will be alerted when your balance falls below ${formatCredits(level)} credits.` };
}
