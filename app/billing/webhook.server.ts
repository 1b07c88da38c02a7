import { count, desc, eq, inArray } from "drizzle-orm";
import type Stripe from "stripe";
import type { Db } from "../../db/client";
import { stripeEvents, type StripeEventStatus } from "../../db/schema";
import { AppError, errorBody, httpStatusFor } from "../utils/errors";
import { log } from "../utils/log.server";
import { isStorageError } from "../utils/storage-errors.server";
import { EVENT_HANDLERS, ignoredEvent, type Outcome } from "./events/index.server";
import { isSignatureError, isTransientError, missingStripeObject } from "./stripe-errors.server";
import type { DbClock } from "../utils/context.server";
import { writeTransaction } from "../../db/transaction";

/*
 * Stripe webhooks: verify, store by event id, apply — exactly once per effect.
 *
 * 1. The signature is checked with the SDK (`constructEvent`, 300 s tolerance) on the raw body
 *    before anything else; a bad one is a 400 and nothing is written.
 * 2. Every network call the event needs (the session with its line items, the subscription, the
 *    prices) happens next, outside any transaction.
 * 3. One IMMEDIATE transaction re-reads the event row, applies the effects and writes the row with
 *    its final status. A crash anywhere leaves all of it or none of it.
 *
 * Answers (what Stripe does with them): 200 for processed, duplicate, ignored and held events
 * (done; a held event waits for an admin to replay it); 503 for transient trouble — Stripe's API
 * unreachable or rate limited, the database busy — and 500 for a processing bug, recorded on the
 * event as `failed` with the error so admins see it. Stripe retries both 5xx answers for days,
 * which is what a bug fix needs too: once deployed, the next retry succeeds.
 */

export type StoredStripeEvent = typeof stripeEvents.$inferSelect;

const SIGNATURE_TOLERANCE_SECONDS = 300;

/** Events in these states are never applied again. */
const FINAL_STATUSES: readonly StripeEventStatus[] = ["processed", "ignored"];

export type ProcessResult =
  | { kind: "done"; status: "processed" | "ignored" | "held"; reason: string | null; duplicate: boolean }
  | { kind: "failed"; error: string }
  | { kind: "transient"; error: string };

export interface ProcessOptions {
  /**
   * Test-only: runs inside the transaction after the event's effects were written and before
   * the event row is, so a test can crash an event half-way.
   */
  afterEffects?: (event: Stripe.Event) => void;
}

/**
 * What the webhook answers. A refusal carries its AppError, which the route throws so the API's
 * one error response (utils/http.server.ts) writes it; `body` is that same JSON, for tests.
 */
export interface WebhookAnswer {
  status: number;
  body: Record<string, unknown>;
  error?: AppError;
}

const refusal = (error: AppError): WebhookAnswer => ({
  status: httpStatusFor(error.code),
  body: errorBody(error),
  error,
});

// ---------------------------------------------------------------------------------------------
// Verification

class WebhookRejected extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WebhookRejected";
  }
}

/** The verified event, or WebhookRejected (answered 400, nothing written). */
function verifyStripeWebhook(
  stripe: Stripe,
  input: { body: string; signature: string | null; secret: string; now: Date },
): Stripe.Event {
  if (!input.signature) throw new WebhookRejected("Missing Stripe-Signature header.");
  let event: Stripe.Event;
  try {
    event = stripe.webhooks.constructEvent(
      input.body,
      input.signature,
      input.secret,
      SIGNATURE_TOLERANCE_SECONDS,
      undefined,
      input.now.getTime(),
    );
  } catch (e) {
    if (isSignatureError(e)) {
      throw new WebhookRejected(`Invalid Stripe signature: ${e.message}`);
    }
    throw new WebhookRejected("The event body is not valid JSON.");
  }
  if (
    !event ||
    typeof event.id !== "string" ||
    !event.id ||
    typeof event.type !== "string" ||
    typeof event.data !== "object" ||
    event.data === null ||
    typeof event.data.object !== "object"
  ) {
    throw new WebhookRejected("The body is not a Stripe event.");
  }
  return event;
}

// ---------------------------------------------------------------------------------------------
// Processing

const errorText = (e: unknown): string => (e instanceof Error ? `${e.name}: ${e.message}` : String(e)).slice(0, 2000);

export function getStripeEvent(db: Db, id: string): StoredStripeEvent | undefined {
  return db.select().from(stripeEvents).where(eq(stripeEvents.id, id)).get();
}

function writeEventRow(
  db: Db,
  now: Date,
  event: Stripe.Event,
  existing: StoredStripeEvent | undefined,
  fields: { status: StripeEventStatus; error: string | null; processedAt: Date | null },
): void {
  if (existing) {
    db.update(stripeEvents)
      .set({ ...fields, attempts: existing.attempts + 1, updatedAt: now })
      .where(eq(stripeEvents.id, event.id))
      .run();
    return;
  }
  db.insert(stripeEvents)
    .values({
      id: event.id,
      type: event.type,
      payload: event as unknown as Record<string, unknown>,
      stripeCreatedAt: typeof event.created === "number" ? new Date(event.created * 1000) : null,
      attempts: 1,
      ...fields,
      createdAt: now,
      updatedAt: now,
    })
    .run();
}

/** Records a failed attempt in its own transaction; best effort (the database may be the problem). */
function recordAttempt(ctx: DbClock, event: Stripe.Event, status: "received" | "failed" | "held", error: string): void {
  try {
    writeTransaction(ctx.db, () => {
      const existing = getStripeEvent(ctx.db, event.id);
      if (existing && FINAL_STATUSES.includes(existing.status)) return;
      writeEventRow(ctx.db, ctx.clock.now(), event, existing, { status, error, processedAt: null });
    });
  } catch (e) {
    log.error("stripe event: could not record the failed attempt", { eventId: event.id, error: errorText(e) });
  }
}

/**
 * Applies one verified (or stored) Stripe event. Safe to call any number of times, concurrently
 * and in any order with other events.
 */
export async function processStripeEvent(
  ctx: DbClock,
  stripe: Stripe,
  event: Stripe.Event,
  opts: ProcessOptions = {},
): Promise<ProcessResult> {
  const stored = getStripeEvent(ctx.db, event.id);
  if (stored && FINAL_STATUSES.includes(stored.status)) {
    return { kind: "done", status: stored.status as "processed" | "ignored", reason: stored.error, duplicate: true };
  }
  const handler = EVENT_HANDLERS[event.type] ?? ignoredEvent;

  let prepared: unknown;
  try {
    prepared = await handler.prepare(stripe, event, ctx);
  } catch (e) {
    const missing = missingStripeObject(e);
    if (missing) {
      // Permanent: a retry by Stripe cannot make the object appear (an event from another account
      // or mode, a deleted object). Held, so an admin sees why and can replay it; answered 200.
      const reason = `Stripe has no ${missing}; nothing was applied. Replay the event once the cause is fixed.`;
      log.warn("stripe event held: it refers to an object Stripe does not have", {
        eventId: event.id,
        type: event.type,
        error: errorText(e),
      });
      recordAttempt(ctx, event, "held", reason);
      const after = getStripeEvent(ctx.db, event.id);
      if (after && FINAL_STATUSES.includes(after.status)) {
        return { kind: "done", status: after.status as "processed" | "ignored", reason: after.error, duplicate: true };
      }
      return { kind: "done", status: "held", reason, duplicate: false };
    }
    const transient = isTransientError(e);
    log.warn("stripe event: preparing failed", { eventId: event.id, type: event.type, transient, error: errorText(e) });
    recordAttempt(ctx, event, transient ? "received" : "failed", errorText(e));
    return transient ? { kind: "transient", error: errorText(e) } : { kind: "failed", error: errorText(e) };
  }

  try {
    const result = writeTransaction(ctx.db, (): ProcessResult => {
      const existing = getStripeEvent(ctx.db, event.id);
      if (existing && FINAL_STATUSES.includes(existing.status)) {
        return {
          kind: "done",
          status: existing.status as "processed" | "ignored",
          reason: existing.error,
          duplicate: true,
        };
      }
      const outcome: Outcome = handler.apply({ db: ctx.db, clock: ctx.clock, event }, prepared);
      opts.afterEffects?.(event);
      const now = ctx.clock.now();
      writeEventRow(ctx.db, now, event, existing, {
        status: outcome.status,
        error: outcome.reason,
        processedAt: outcome.status === "held" ? null : now,
      });
      return { kind: "done", status: outcome.status, reason: outcome.reason, duplicate: false };
    });
    if (result.kind === "done" && result.status === "held") {
      log.warn("stripe event held; an admin can replay it once fixed", {
        eventId: event.id,
        type: event.type,
        reason: result.reason,
      });
    }
    return result;
  } catch (e) {
    // A full, read-only or failing disk: nothing was applied and recording the attempt would fail
    // too. The route answers 503 storage_unavailable (Stripe retries) and logs it, rate-limited.
    if (isStorageError(e)) throw e;
    const transient = isTransientError(e);
    log.error("stripe event: applying failed", { eventId: event.id, type: event.type, transient, error: errorText(e) });
    recordAttempt(ctx, event, transient ? "received" : "failed", errorText(e));
    return transient ? { kind: "transient", error: errorText(e) } : { kind: "failed", error: errorText(e) };
  }
}

function answerFor(eventId: string, result: ProcessResult): WebhookAnswer {
  switch (result.kind) {
    case "done":
      return {
        status: 200,
        body: { received: true, id: eventId, status: result.duplicate ? "duplicate" : result.status },
      };
    case "transient":
      return refusal(new AppError("service_unavailable", "Temporary failure; retry later."));
    case "failed":
      return refusal(new AppError("internal_error", "The event could not be processed; it was recorded as failed."));
  }
}

/** The whole webhook endpoint, minus HTTP: raw body + signature header in, status + JSON out. */
export async function receiveStripeWebhook(
  ctx: DbClock,
  stripe: Stripe,
  input: { body: string; signature: string | null; secret: string | undefined },
  opts: ProcessOptions = {},
): Promise<WebhookAnswer> {
  if (!input.secret) {
    log.error("stripe webhook: STRIPE_WEBHOOK_SECRET is not configured");
    return refusal(new AppError("internal_error", "Webhook secret not configured."));
  }
  let event: Stripe.Event;
  try {
    event = verifyStripeWebhook(stripe, { ...input, secret: input.secret, now: ctx.clock.now() });
  } catch (e) {
    if (e instanceof WebhookRejected) {
      return refusal(new AppError("invalid_request", e.message));
    }
    throw e;
  }
  return answerFor(event.id, await processStripeEvent(ctx, stripe, event, opts));
}

// ---------------------------------------------------------------------------------------------
// Admin: held and failed events, replay

export interface StripeEventView {
  id: string;
  type: string;
  status: StripeEventStatus;
  error: string | null;
  attempts: number;
  stripeCreatedAt: string | null;
  processedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export function stripeEventView(row: StoredStripeEvent): StripeEventView {
  return {
    id: row.id,
    type: row.type,
    status: row.status,
    error: row.error,
    attempts: row.attempts,
    stripeCreatedAt: row.stripeCreatedAt?.toISOString() ?? null,
    processedAt: row.processedAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** Newest first; by default the events that need an admin (held, failed, still received). */
/** How many stored events wait for an admin (held, failed, or received but never applied). */
export function countStripeEventsNeedingAttention(db: Db): number {
  return db
    .select({ n: count() })
    .from(stripeEvents)
    .where(inArray(stripeEvents.status, ["held", "failed", "received"]))
    .get()!.n;
}

export function listStripeEvents(
  db: Db,
  opts: { statuses?: StripeEventStatus[]; limit?: number } = {},
): StripeEventView[] {
  const statuses = opts.statuses ?? ["held", "failed", "received"];
  return db
    .select()
    .from(stripeEvents)
    .where(inArray(stripeEvents.status, statuses))
    .orderBy(desc(stripeEvents.updatedAt), desc(stripeEvents.id))
    .limit(Math.min(Math.max(opts.limit ?? 100, 1), 500))
    .all()
    .map(stripeEventView);
}

export interface ReplayResult {
  event: { id: string; status: StripeEventStatus };
  /** What happened on this replay: `duplicate` when it had already been applied. */
  outcome: "processed" | "ignored" | "held" | "failed" | "duplicate";
  reason: string | null;
}

/**
 * Re-processes a stored event from its payload (no signature: it was verified when it arrived).
 * A processed event is not applied again; a held one is applied if its plan now exists.
 * Throws AppError not_found for an unknown event, service_unavailable for transient trouble.
 */
export async function replayStripeEvent(ctx: DbClock, stripe: Stripe, eventId: string): Promise<ReplayResult> {
  const row = getStripeEvent(ctx.db, eventId);
  if (!row) throw new AppError("not_found", `No Stripe event ${eventId}.`);
  const result = await processStripeEvent(ctx, stripe, row.payload as unknown as Stripe.Event);
  if (result.kind === "transient") {
    throw new AppError("service_unavailable", `Stripe or the database is unavailable; try again. (${result.error})`);
  }
  const after = getStripeEvent(ctx.db, eventId)!;
  return {
    event: { id: after.id, status: after.status },
    outcome: result.kind === "failed" ? "failed" : result.duplicate ? "duplicate" : result.status,
    reason: result.kind === "failed" ? result.error : result.reason,
  };
}
