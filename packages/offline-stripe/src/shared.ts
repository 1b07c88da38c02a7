/** Helpers shared by the resource modules. */
import type Stripe from "stripe";
import { invalid } from "./params";
import * as make from "./objects";

export const INTERVALS = ["day", "week", "month", "year"] as const;

export const INCLUDABLE = new Set(["line_items", "payments", "refunds"]);

/** Periods count from the billing cycle anchor, so Jan 31 → Feb 28 → Mar 31 (no drift to the 28th). */
export function nextPeriodEnd(anchor: number, start: number, interval: make.Interval, count: number): number {
  for (let n = 1; n < 10_000; n++) {
    const end = make.addInterval(anchor, interval, n * count);
    if (end > start) return end;
  }
  throw new Error("billing cycle anchor is too far in the past");
}

export function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** Stripe's `previous_attributes`: the top-level fields that changed, with their old values. */
export function diff(before: object, after: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const a = before as Record<string, unknown>;
  const b = after as Record<string, unknown>;
  for (const key of Object.keys(b)) {
    if (JSON.stringify(a[key]) !== JSON.stringify(b[key])) out[key] = a[key] ?? null;
  }
  return out;
}

export function decimalToInteger(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) {
    throw invalid("The offline Stripe supports whole-unit amounts only.", "unit_amount_decimal");
  }
  return Number(v);
}

export function money(amount: number, currency: string): string {
  return `${(amount / 100).toFixed(2)} ${currency.toUpperCase()}`;
}

/**
 * What a person calls a price: its product's name as the product is now (renamed plans show their
 * new name, a price loaded from the state file after a restart too), else the name in its
 * metadata or its nickname; never its id.
 */
export function priceName(products: Record<string, Stripe.Product>, price: Stripe.Price): string {
  const product = typeof price.product === "string" ? products[price.product] : price.product;
  const name = product && "name" in product ? product.name : undefined;
  return name || price.metadata?.publicName || price.nickname || "One item";
}

/** Who a customer is to a person: "Ada Lovelace (ada@example.com)", else the email, else "a customer". */
export function customerLabel(customer: Pick<Stripe.Customer, "name" | "email"> | undefined | null): string {
  if (!customer) return "a customer";
  if (customer.name && customer.email) return `${customer.name} (${customer.email})`;
  return customer.name || customer.email || "a customer";
}
