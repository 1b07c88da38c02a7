import type { PlanKind } from "./validation";

/**
 * The admin plan forms send text; the API schemas want numbers and booleans. These helpers turn
 * a submitted form into the same object a JSON client would send, so forms and API share one
 * validation. Text that is not a number stays text, and the schema names the field.
 *
 * The form asks for the price in major units ("10.00"), like a person would type it; it becomes
 * `priceCents` here. Errors about `priceCents` are shown next to the `price` input.
 */

/** Form input name for an API field name. */
export function formFieldFor(apiField: string | undefined): string {
  return apiField === "priceCents" ? "price" : (apiField ?? "form");
}

function text(form: FormData, name: string): string | undefined {
  const v = form.get(name);
  if (typeof v !== "string") return undefined;
  const t = v.trim();
  return t === "" ? undefined : t;
}

function integer(form: FormData, name: string): number | string | undefined {
  const t = text(form, name)?.replace(/[,_\s]/g, "");
  if (t === undefined) return undefined;
  return /^-?[0-9]+$/.test(t) ? Number(t) : t;
}

/** "10", "10.5", "10.50", "$1,000.00" → cents; other text is returned as is (the schema refuses it). */
export function priceToCents(value: string | undefined): number | string | undefined {
  if (value === undefined) return undefined;
  const t = value.replace(/^[$€£]/, "").replace(/[,_\s]/g, "");
  const m = /^([0-9]+)(?:\.([0-9]{1,2}))?$/.exec(t);
  if (!m) return value;
  return Number(m[1]) * 100 + Number((m[2] ?? "").padEnd(2, "0"));
}

/** "1000" → "10.00": the form's view of an amount in cents. */
export function centsToPrice(cents: number): string {
  return `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, "0")}`;
}

function dropUndefined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

export const CREATE_FORM_FIELDS: Record<PlanKind, string[]> = {
  subscription: [
    "planFamily",
    "version",
    "internalId",
    "publicName",
    "credits",
    "price",
    "currency",
    "interval",
    "creditExpiryDays",
    "stripePriceId",
  ],
  topup: ["internalId", "publicName", "credits", "price", "currency", "creditExpiryDays", "stripePriceId"],
};

/** A create form as the body of POST /api/admin/{subscription,topup}-plans. */
export function createInputFromForm(kind: PlanKind, form: FormData): Record<string, unknown> {
  const common = {
    internalId: text(form, "internalId"),
    publicName: text(form, "publicName") ?? "",
    credits: integer(form, "credits"),
    priceCents: priceToCents(text(form, "price")),
    currency: text(form, "currency"),
    creditExpiryDays: integer(form, "creditExpiryDays"),
    stripePriceId: text(form, "stripePriceId"),
    isActive: form.get("isActive") === "on",
  };
  if (kind === "topup") return dropUndefined(common);
  return dropUndefined({
    ...common,
    planFamily: text(form, "planFamily") ?? "",
    version: integer(form, "version"),
    interval: text(form, "interval"),
  });
}

/** The edit form as a PATCH body; an unchecked checkbox sends nothing, which means false. */
export function patchFromForm(form: FormData): Record<string, unknown> {
  return dropUndefined({
    publicName: text(form, "publicName") ?? "",
    creditExpiryDays: integer(form, "creditExpiryDays") ?? "",
    isLegacy: form.get("isLegacy") === "on",
    isActive: form.get("isActive") === "on",
  });
}

export function formValues(form: FormData, fields: string[]): Record<string, string> {
  return Object.fromEntries(fields.map((f) => [f, typeof form.get(f) === "string" ? String(form.get(f)) : ""]));
}
