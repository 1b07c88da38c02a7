import type { Db } from "../../db/client";
import { registerEventConsumer, type EventConsumer, type StoredEvent } from "../events/outbox.server";
import type { MailKind } from "./kinds";
import { enqueueMail, hasOptedOut, recipientOf } from "./outbox.server";
import {
  autoTopupFailedMail,
  creditsExpiringMail,
  lowBalanceMail,
  paymentFailedMail,
  renderMail,
  topupReceiptMail,
  type MailContent,
} from "./templates.server";
import { notifyMail } from "./worker.server";

/*
 * Customer notices from the event bus (app/events/). The dispatcher calls `handle` after the change
 * committed, inside its own transaction per batch: the mail row is written there, keyed by the
 * event id (a redelivered event mails once), and the worker is poked once that commits.
 */
const MAIL_EVENT_TYPES = [
  "credits.expiring_soon",
  "balance.low",
  "payment.failed",
  "topup.paid",
  // A failed automatic top-up is a failed payment to the customer (same opt-out).
  "auto_topup.failed",
] as const;

type Data = Record<string, unknown>;
const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);
const str = (v: unknown): string | null => (typeof v === "string" && v.trim() ? v : null);
const date = (v: unknown): Date | null => {
  const d = typeof v === "string" || typeof v === "number" ? new Date(v) : v instanceof Date ? v : null;
  return d && !Number.isNaN(d.getTime()) ? d : null;
};
// The producers send cents without a currency (payment.failed, topup.paid): the app sells in one.
const currencyOf = (d: Data) => str(d.currency) ?? "usd";

/** The mail an event asks for, or null when its data is not what the contract says (logged by the caller). */
function contentFor(event: StoredEvent, name: string): { kind: MailKind; content: MailContent } | null {
  const d = event.data;
  switch (event.type) {
    case "credits.expiring_soon": {
      const amount = num(d.amount);
      const expiresAt = date(d.expiresAt);
      if (amount === null || !expiresAt) return null;
      return {
        kind: "credits_expiring",
        content: creditsExpiringMail({ name, amount, expiresAt, now: event.createdAt }),
      };
    }
    case "balance.low": {
      const balance = num(d.balance);
      const threshold = num(d.threshold);
      if (balance === null || threshold === null) return null;
      return { kind: "low_balance", content: lowBalanceMail({ name, balance, threshold }) };
    }
    case "payment.failed": {
      const amountCents = num(d.amountCents);
      if (amountCents === null) return null;
      return {
        kind: "payment_failed",
        content: paymentFailedMail({
          name,
          planName: str(d.planName) ?? "your plan",
          amountCents,
          currency: currencyOf(d),
        }),
      };
    }
    case "topup.paid": {
      const credits = num(d.credits);
      const amountCents = num(d.amountCents);
      if (credits === null || amountCents === null) return null;
      return {
        kind: "topup_receipt",
        content: topupReceiptMail({
          name,
          packName: str(d.packName) ?? "Credit pack",
          credits,
          amountCents,
          currency: currencyOf(d),
          paidAt: event.createdAt,
          automatic: d.automatic === true,
        }),
      };
    }
    case "auto_topup.failed": {
      const amountCents = num(d.amountCents);
      const reason = str(d.reason);
      if (amountCents === null || !reason) return null;
      return {
        kind: "payment_failed",
        content: autoTopupFailedMail({
          name,
          reason,
          packName: str(d.packName) ?? "a credit pack",
          amountCents,
          currency: currencyOf(d),
        }),
      };
    }
    default:
      return null;
  }
}

/** Enqueues the mail for one event (or nothing: no user, opted out, unusable data). Returns the row id. */
export function mailForEvent(db: Db, event: StoredEvent, appUrl: string): number | null {
  const userId = event.userId ?? num(event.data.userId);
  if (userId === null) return null;
  const to = recipientOf(db, userId);
  if (!to) return null;
  const wanted = contentFor(event, to.name);
  if (!wanted || hasOptedOut(db, userId, wanted.kind)) return null;
  return enqueueMail(db, {
    kind: wanted.kind,
    userId,
    to: to.email,
    mail: renderMail(wanted.content, appUrl),
    dedupeKey: `event:${event.id}`,
    at: event.createdAt,
  });
}

export function mailConsumer(appUrl: string): EventConsumer {
  return {
    name: "mail",
    types: [...MAIL_EVENT_TYPES],
    handle: (db, event) => void mailForEvent(db, event, appUrl),
    // The rows are committed now: send them rather than wait for the worker's next poll.
    afterCommit: notifyMail,
  };
}

/** Call once at start-up (app/server/main.ts); returns its removal (tests). */
export function registerMailConsumer(appUrl: string): () => void {
  return registerEventConsumer(mailConsumer(appUrl));
}
