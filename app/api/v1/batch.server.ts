/**
 * POST /api/v1/deductions/batch — up to 1,000 deductions in one request, for metering pipelines.
 *
 * - The envelope is checked first: a body that is not `{items: [1–1,000 entries]}` is a 400 for the
 *   whole request and nothing is written (over MAX_BATCH_BODY_BYTES: 413).
 * - Then every item stands alone, in order: it is validated, its user resolved (a positive id, or
 *   "ext:<external id>"), and deducted exactly as POST /users/:userId/deductions would — the same
 *   answer, and `idempotencyKey` is that endpoint's Idempotency-Key for that user (one store, so a
 *   key used by either answers the original on a replay through either). A failing item (4xx)
 *   writes nothing and becomes `{status, error}` in its place; the others go on.
 * - All items run in ONE IMMEDIATE transaction with a savepoint per item (the engine's own
 *   transaction nests as one): one lock and one commit for the whole batch is what makes a batch
 *   several times faster than as many single requests. Anything but a 4xx (a full disk, a bug)
 *   rolls the whole batch back and answers as a single request would (503, 500).
 */
import { z } from "zod";
import { writeTransaction } from "../../../db/transaction";
import { AppError, errorBody, httpStatusFor, isAppError } from "../../utils/errors";
import { jsonTextAnswer, parseId } from "../../utils/http.server";
import { respondIdempotently } from "../../utils/idempotency.server";
import { IDEMPOTENCY_KEY_MAX_LENGTH, MAX_BODY_BYTES } from "../../utils/limits";
import { parseInput } from "../../utils/schemas.server";
import { jsonBody, type ApiCall, type Endpoint } from "./call.server";
import { deduct, deductionBody, deductionScope } from "./endpoints.server";
import { resolveUserRef } from "./users.server";
import { formatCredits } from "../../utils/format";

export const BATCH_MAX_ITEMS = 1000;
/**
 * 1,000 items of a long reason (1,000 characters) and some metadata need more than the 1 MiB of
 * the other endpoints: 4 MiB is ~4 KiB an item.
 */
export const MAX_BATCH_BODY_BYTES = 4 * MAX_BODY_BYTES;

/** One item: a deduction body plus whose it is and, optionally, its Idempotency-Key. */
export const batchDeductionItem = deductionBody.extend({
  userId: z.union([z.number().int(), z.string().max(300)], {
    errorMap: () => ({ message: 'must be a user id or "ext:" and an external id.' }),
  }),
  idempotencyKey: z
    .string()
    .min(1, `must be 1–${IDEMPOTENCY_KEY_MAX_LENGTH} characters.`)
    .max(IDEMPOTENCY_KEY_MAX_LENGTH, `must be 1–${IDEMPOTENCY_KEY_MAX_LENGTH} characters.`)
    .nullish(),
});

const itemsMessage = `must have 1–${formatCredits(BATCH_MAX_ITEMS)} items.`;
const itemsArray = <T extends z.ZodTypeAny>(item: T) =>
  z.array(item).min(1, itemsMessage).max(BATCH_MAX_ITEMS, itemsMessage);

/** The request body as documented (OpenAPI): `{items: [batchDeductionItem…]}`. */
export const batchDeductionsBody = z.object({ items: itemsArray(batchDeductionItem) });
/** What the whole request is refused for: the envelope only; items are then checked one by one. */
const batchEnvelope = z.object({ items: itemsArray(z.unknown()) });

/** The user id of an item: a positive id, or "ext:<external id>" (raw, not URL-encoded). */
function itemUserId(call: ApiCall, userId: number | string): number {
  return parseId(resolveUserRef(call.context.db, String(userId)), "user");
}

/** One item's result as JSON text (a stored answer is spliced in as it was stored). */
function runItem(call: ApiCall, rawItem: unknown): string {
  try {
    if (typeof rawItem !== "object" || rawItem === null || Array.isArray(rawItem)) {
      throw new AppError("invalid_request", "Each item must be a JSON object.");
    }
    const item = parseInput(batchDeductionItem, rawItem);
    const userId = itemUserId(call, item.userId);
    // What a single deduction's body would be: the idempotency hash covers exactly that.
    const { userId: _userId, idempotencyKey: _key, ...raw } = rawItem as Record<string, unknown>;
    const answer = respondIdempotently(
      call.context,
      item.idempotencyKey ?? undefined,
      { scope: deductionScope(userId), body: raw },
      (domainKey) => deduct(call, userId, item, domainKey),
    );
    const replayed = answer.headers["Idempotent-Replayed"] === "true" ? ',"replayed":true' : "";
    return `{"status":${answer.status},"body":${answer.body}${replayed}}`;
  } catch (e) {
    if (!isAppError(e) || httpStatusFor(e.code) >= 500) throw e;
    return JSON.stringify({ status: httpStatusFor(e.code), ...errorBody(asItemError(e)) });
  }
}

/** An item's key is its `idempotencyKey` field, not the request's Idempotency-Key header: say so. */
function asItemError(e: AppError): AppError {
  if (e.field !== "Idempotency-Key") return e;
  const message =
    e.code === "idempotency_conflict"
      ? "This item's idempotencyKey was already used for this user with a different deduction."
      : e.message.replace("Idempotency-Key", "idempotencyKey");
  return new AppError(e.code, message, { field: "idempotencyKey" });
}

export const batchDeductionsEndpoint: Endpoint = {
  scope: "usage",
  maxBodyBytes: MAX_BATCH_BODY_BYTES,
  run(call) {
    const { input } = jsonBody(call, batchEnvelope);
    const results = writeTransaction(call.context.db, () => input.items.map((item) => runItem(call, item)));
    return jsonTextAnswer(`{"results":[${results.join(",")}]}`, 200);
  },
};
