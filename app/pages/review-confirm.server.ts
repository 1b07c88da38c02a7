import type { SubmissionResult } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod";
import { data } from "@remix-run/node";
import type { z } from "zod";
import { AppError, isAppError } from "~/utils/errors";
import { formErrorResponse } from "~/utils/forms.server";

/*
 * "Review, then confirm" for an admin's change: the review post checks the input and says what
 * will happen (writing nothing), and the confirm post, carrying what was reviewed plus a fresh
 * key, does it. Both run the same checks, so a confirmation made stale meanwhile is refused too.
 */

/** What the page gets back for a form: its errors, or the review to confirm. */
export interface IntentReply<C> {
  form: string;
  result: SubmissionResult<string[]>;
  confirm?: C;
}

export interface ReviewedIntent<V extends { intent: string }, R, C> {
  form: string;
  /** The review post's and the confirm post's `intent` values. */
  reviewIntent: string;
  confirmIntent: string;
  schema: z.ZodType<V, z.ZodTypeDef, unknown>;
  /** The form's fields, so a domain error about one shows beside it. */
  fields: readonly string[];
  /** Checks the input against the current state; throws an AppError to refuse. */
  check(value: V): R | Promise<R>;
  /** The review panel's content; `key` names the change the confirm post makes (idempotency). */
  describe(value: V, checked: R, key: string): C;
  /** Makes the change and answers the toast's message; throws an AppError to refuse. */
  confirm(value: V, checked: R): string | Promise<string>;
}

export type IntentAnswer<C> = { done: string } | ReturnType<typeof data<IntentReply<C>>>;

/** Runs one intent's review or confirm post. */
export async function reviewThenConfirm<V extends { intent: string }, R, C>(
  formData: FormData,
  intent: ReviewedIntent<V, R, C>,
): Promise<IntentAnswer<C>> {
  const submission = parseWithZod(formData, { schema: intent.schema });
  if (submission.status !== "success") {
    return data({ form: intent.form, result: submission.reply() }, { status: 400 });
  }
  const value = submission.value;
  try {
    const checked = await intent.check(value);
    if (value.intent === intent.reviewIntent) {
      return data({
        form: intent.form,
        result: submission.reply(),
        confirm: intent.describe(value, checked, newKey()),
      });
    }
    if (value.intent !== intent.confirmIntent) throw new AppError("invalid_request", "That action is not available.");
    return { done: await intent.confirm(value, checked) };
  } catch (e) {
    if (!isAppError(e)) throw e;
    return formErrorResponse(submission, e, { fields: intent.fields }, { form: intent.form });
  }
}

const newKey = () => crypto.randomUUID();
