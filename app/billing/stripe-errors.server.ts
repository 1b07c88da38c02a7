import Stripe from "stripe";
import { AppError } from "../utils/errors";
import { log } from "../utils/log.server";

/*
 * The one reading of the Stripe SDK's errors. Admin and customer actions turn them into AppErrors
 * (`stripeErrorToAppError`); the webhook asks whether one goes away on its own (`isTransientError`)
 * or names an object Stripe does not have (`missingStripeObject`); callers ask `isStripeNotFound`,
 * `isInvalidRequest` and `isCardError` rather than reading an error's type, code or status.
 */

const isStripeError = (e: unknown): e is Stripe.errors.StripeError => e instanceof Stripe.errors.StripeError;

/** Stripe refused the request itself (bad parameters, a card declined): the caller's to fix. */
const refused = (e: Stripe.errors.StripeError): boolean =>
  e instanceof Stripe.errors.StripeInvalidRequestError || e instanceof Stripe.errors.StripeCardError;

/**
 * A failed Stripe call as an AppError: a request Stripe refused is the caller's (400
 * invalid_request, naming `field` when given); anything else is Stripe's trouble (503, logged).
 * An AppError or an error that is not Stripe's passes through unchanged.
 */
export function stripeErrorToAppError(e: unknown, field?: string): unknown {
  if (e instanceof AppError || !isStripeError(e)) return e;
  if (refused(e)) return new AppError("invalid_request", `Stripe refused the request: ${e.message}`, { field });
  log.error("stripe call failed", { error: e.message, type: e.type });
  return new AppError("service_unavailable", "Stripe could not be reached. Nothing was changed; please try again.");
}

/** Runs a Stripe call, turning Stripe's errors into the app's (a field names the form field to blame). */
export async function callStripe<T>(call: () => Promise<T>, field?: string): Promise<T> {
  try {
    return await call();
  } catch (e) {
    throw stripeErrorToAppError(e, field);
  }
}

/** Stripe refused the request as invalid (e.g. expiring a session that completed meanwhile). */
export function isInvalidRequest(e: unknown): boolean {
  return e instanceof Stripe.errors.StripeInvalidRequestError;
}

/** True when Stripe answered 404: the object does not exist (or no longer does). */
export function isStripeNotFound(e: unknown): boolean {
  return isInvalidRequest(e) && (e as Stripe.errors.StripeError).statusCode === 404;
}

/** Stripe declined the card (a charge's answer, not Stripe's trouble): the error carries the decline code. */
export function isCardError(e: unknown): e is Stripe.errors.StripeCardError {
  return e instanceof Stripe.errors.StripeCardError;
}

/** What Stripe answered 404 resource_missing for (e.g. "such checkout.session: 'cs_…'"), else null. */
export function missingStripeObject(e: unknown): string | null {
  if (!isStripeNotFound(e)) return null;
  const message = (e as Error).message;
  const said = /^No such (.+)$/i.exec(message.trim());
  return said ? said[1] : message || "such object";
}

/**
 * Thrown when an event must wait for another one the app has not applied yet: answered 503, so
 * Stripe delivers it again later (the event stays `received`).
 */
export class NotReadyYet extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NotReadyYet";
  }
}

/** Errors that go away on their own: Stripe unreachable, rate limited or failing; SQLite busy. */
export function isTransientError(e: unknown): boolean {
  if (e instanceof NotReadyYet) return true;
  if (e instanceof Stripe.errors.StripeConnectionError) return true;
  if (e instanceof Stripe.errors.StripeRateLimitError) return true;
  if (e instanceof Stripe.errors.StripeAPIError) return true;
  if (isStripeError(e)) return (e.statusCode ?? 0) >= 500 || e.statusCode === 429;
  const code = (e as { code?: unknown } | null)?.code;
  return code === "SQLITE_BUSY" || code === "SQLITE_LOCKED" || code === "SQLITE_BUSY_SNAPSHOT";
}

/** A bad signature or body on the webhook (400, nothing written). */
export function isSignatureError(e: unknown): e is Stripe.errors.StripeSignatureVerificationError {
  return e instanceof Stripe.errors.StripeSignatureVerificationError;
}
