import { z } from "zod";
import { hasVisibleCharacter } from "~/utils/text";

/*
 * The admin customer page's money forms, checked in the browser and on the server. Each is posted
 * twice: "confirm-…" reviews (app/pages/review-confirm.server.ts), then the confirmation, carrying
 * a key made at the review, does it.
 */

const EXPIRED = "This confirmation expired; start again.";
const KEY = z.string().regex(/^[A-Za-z0-9-]{8,100}$/, EXPIRED);
const needsKey = (doIntent: string) => (v: { intent: string; key?: string }) => v.intent !== doIntent || !!v.key;
const REASON = z
  .string({ required_error: "Say why; the customer sees this next to the credits." })
  .trim()
  .min(1, "Say why; the customer sees this next to the credits.")
  .max(200, "Use at most 200 characters.")
  .refine(hasVisibleCharacter, "Say why in words; the customer sees this next to the credits.");

export const adjustSchema = z
  .object({
    intent: z.enum(["confirm-adjust", "adjust"]),
    amount: z
      .number({
        required_error: "Enter a number of credits, like 200 to add or -50 to take away.",
        invalid_type_error: "Enter a whole number, like 200 to add or -50 to take away.",
      })
      .int("Enter a whole number of credits.")
      .refine((n) => n !== 0, "Enter a number other than 0.")
      .refine((n) => Math.abs(n) <= 1_000_000, "Adjust by at most 1,000,000 credits at once."),
    reason: REASON,
    key: KEY.optional(),
  })
  .refine(needsKey("adjust"), { path: ["key"], message: EXPIRED });

export const voidSchema = z
  .object({
    intent: z.enum(["confirm-void", "void"]),
    grantId: z.number({ required_error: "Choose a grant.", invalid_type_error: "Choose a grant." }).int().positive(),
    reason: z
      .string()
      .trim()
      .max(200, "Use at most 200 characters.")
      .refine((s) => s === "" || hasVisibleCharacter(s), "Say why in words, or leave the reason empty.")
      .optional(),
    key: KEY.optional(),
  })
  .refine(needsKey("void"), { path: ["key"], message: EXPIRED });

const DAY = /^\d{4}-\d{2}-\d{2}$/;
export const grantSchema = z
  .object({
    intent: z.enum(["confirm-grant", "grant"]),
    amount: z
      .number({
        required_error: "Enter how many credits to grant.",
        invalid_type_error: "Enter a whole number of credits, like 500.",
      })
      .int("Enter a whole number of credits.")
      .min(1, "Grant at least 1 credit.")
      .max(1_000_000, "Grant at most 1,000,000 credits at once."),
    reason: REASON,
    expiresOn: z
      .string()
      .trim()
      .refine((s) => DAY.test(s) && !Number.isNaN(Date.parse(`${s}T00:00:00Z`)), "Use a date like 2026-12-31.")
      .optional(),
    key: KEY.optional(),
  })
  .refine(needsKey("grant"), { path: ["key"], message: EXPIRED });

/** An amount of money as typed ("5", "4.50"); empty on the review means "all that is left". */
const MONEY = /^\d{1,9}(\.\d{1,2})?$/;

export const refundSchema = z
  .object({
    intent: z.enum(["confirm-refund", "refund"]),
    payment: z
      .string({ required_error: "Choose a payment." })
      .regex(/^(topup|invoice):[A-Za-z0-9_]{1,255}$/, "Choose a payment."),
    amount: z.string().trim().regex(MONEY, "Enter an amount like 5 or 4.50, without the currency sign.").optional(),
    key: KEY.optional(),
  })
  .refine(needsKey("refund"), { path: ["key"], message: EXPIRED })
  .refine((v) => v.intent !== "refund" || v.amount, { path: ["amount"], message: EXPIRED });

/** "4.50" → 450, in integers only. */
export function moneyToCents(text: string): number {
  const [whole, fraction = ""] = text.split(".");
  return Number(whole) * 100 + Number(fraction.padEnd(2, "0"));
}

/** 450 → "4.50", what the confirmation posts back. */
export function centsToMoney(cents: number): string {
  return `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, "0")}`;
}

/** What the review step shows; the confirmation posts it back. */
export type CustomerConfirm =
  | { kind: "adjust"; amount: number; reason: string; key: string; balance: number }
  | { kind: "void"; grantId: number; remaining: number; held: number; grantLabel: string; key: string; reason: string }
  | { kind: "grant"; amount: number; reason: string; expiresOn: string; key: string }
  | {
      kind: "refund";
      payment: string;
      description: string;
      amount: string;
      amountCents: number;
      paidCents: number;
      refundedCents: number;
      currency: string;
      /** Credits the charge.refunded webhook will take back (fewer if spent); 0 for an invoice. */
      credits: number;
      key: string;
    }
  | { kind: "role"; email: string; from: "customer" | "admin"; role: "customer" | "admin" };
