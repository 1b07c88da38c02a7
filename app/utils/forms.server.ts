import type { Submission, SubmissionResult } from "@conform-to/react";
import { data, type HeadersFunction } from "@remix-run/node";
import { httpStatusFor, type AppError } from "./errors";

/*
 * The server half of the page forms (docs/decisions/007-forms.md). A page's action parses its form
 * with Conform's `parseWithZod(form, { schema })` and answers a failed parse with
 * `submission.reply()` (every field's errors at once). When the input is valid but the domain
 * refuses it, `replyWithError` puts the domain's message where the person will look for it.
 */

export interface ReplyOptions {
  /** The form's field names; an error about another field is shown above the form. */
  fields?: readonly string[];
  /** The form's name for a domain field (e.g. the API's `priceCents` is the form's `price`). */
  fieldFor?: (domainField: string) => string;
  /** Never sent back to refill the form (passwords). */
  hideFields?: string[];
}

/** A domain error as the form's answer: next to its field when the form has one, else for the form. */
export function replyWithError(
  submission: Submission<unknown>,
  e: AppError,
  { fields, fieldFor = (f) => f, hideFields }: ReplyOptions = {},
): SubmissionResult<string[]> {
  const field = e.field ? fieldFor(e.field) : undefined;
  if (field && (!fields || fields.includes(field))) {
    return submission.reply({ fieldErrors: { [field]: [e.message] }, hideFields });
  }
  return submission.reply({ formErrors: [e.message], hideFields });
}

/** The HTTP answer for a form the domain refused: its status, and Retry-After on a 429. */
export function formErrorResponse<X extends object = object>(
  submission: Submission<unknown>,
  e: AppError,
  options?: ReplyOptions,
  /** Beside `result` in the answer (e.g. which of the page's forms it is for). */
  extra?: X,
) {
  const retryAfter = e.extra?.retryAfterSeconds;
  return data(
    { ...(extra as X), result: replyWithError(submission, e, options) },
    {
      status: httpStatusFor(e.code),
      headers: typeof retryAfter === "number" ? { "Retry-After": String(retryAfter) } : undefined,
    },
  );
}

/**
 * A throttled form's `headers` export: the action's Retry-After (a 429) reaches the browser on the
 * page's response too. `export const headers = retryAfterHeaders;`
 */
export const retryAfterHeaders: HeadersFunction = ({ actionHeaders }) => {
  const retryAfter = actionHeaders.get("Retry-After");
  return retryAfter ? { "Retry-After": retryAfter } : new Headers();
};
