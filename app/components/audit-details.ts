import { formatCredits, formatDateTime, formatMoney, nameWithCredits } from "./format";

/*
 * The audit log in people's words: an action code ("credits.grant") as what happened, and its
 * stored details (JSON) as labelled lines, with the same date, money and number formats as
 * every page. Unknown actions and keys still read as words, so a new audit row never shows JSON.
 */

const ACTION_LABELS: Record<string, string> = {
  "user.login": "Logged in",
  "user.logout": "Logged out",
  "user.signup": "Signed up",
  "user.seed": "Demo account created",
  "user.updated": "Account updated",
  "user.role_changed": "Role changed",
  "user.login_locked": "Login locked",
  "user.password_changed": "Password changed",
  "user.password_reset": "Password reset",
  "user.password_reset_requested": "Password reset requested",
  "credits.grant": "Credits granted",
  "credits.adjust": "Balance adjusted",
  "credits.void": "Grant voided",
  "balances.import": "Balances imported",
  "plan.created": "Plan created",
  "plan.created_from_stripe": "Plan created from Stripe",
  "plan.updated": "Plan changed",
  "plan.deleted": "Plan deleted",
  "plan.archived": "Plan archived",
  "plan.recorded_archived_from_deleted": "Deleted plan recorded as archived",
  "plans.import_from_stripe": "Plans imported from Stripe",
  "auto_topup.update": "Auto top-up changed",
  "auto_topup.disabled": "Auto top-up turned off",
  "api_key.create": "API key created",
  "api_key.revoke": "API key revoked",
  "stripe_event.replay": "Stripe event replayed",
  "webhook_endpoint.create": "Webhook endpoint created",
  "webhook_endpoint.update": "Webhook endpoint changed",
  "webhook_endpoint.delete": "Webhook endpoint deleted",
  "webhook_endpoint.rotate_secret": "Webhook secret rotated",
  "webhook_delivery.retry": "Webhook delivery retried",
};

/** "credits.grant" → "Credits granted"; an action without a label reads "Webhook endpoint: disable". */
export function auditActionLabel(action: string): string {
  const known = ACTION_LABELS[action];
  if (known) return known;
  const [subject, ...verb] = action.split(".");
  const words = (s: string) => s.replace(/[_-]+/g, " ").trim();
  const head = words(subject ?? "");
  const sentence = verb.length ? `${head}: ${words(verb.join(" "))}` : head;
  return sentence.charAt(0).toUpperCase() + sentence.slice(1);
}

const KEY_LABELS: Record<string, string> = {
  ip: "IP address",
  grantId: "Grant",
  entryId: "Ledger entry",
  attemptId: "Attempt",
  sessionsRevoked: "Sessions logged out",
  rateLimitPerSecond: "Rate limit per second",
  knownDevice: "Known device",
  publicName: "Name",
  internalId: "Internal id",
  creditExpiryDays: "Credits expire after (days)",
  stripePriceId: "Stripe price",
  stripeProductId: "Stripe product",
  isLegacy: "Legacy",
  isActive: "On sale",
  from: "From",
  to: "To",
};

/** "rolloverMaxCredits" → "Rollover max credits"; "priceCents" → "Price". */
export function detailKeyLabel(key: string): string {
  const known = KEY_LABELS[key];
  if (known) return known;
  const words = key
    .replace(/Cents$/, "")
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/_/g, " ")
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

type Details = Record<string, unknown>;

const isRecord = (v: unknown): v is Details => typeof v === "object" && v !== null && !Array.isArray(v);

/** A stored plan (`planJson`) in one line: "Starter — 1,000 credits, $10.00 / month". */
function planSummary(plan: Details): string | null {
  if (typeof plan.publicName !== "string" || typeof plan.credits !== "number") return null;
  const price =
    typeof plan.priceCents === "number" && typeof plan.currency === "string"
      ? `, ${formatMoney(plan.priceCents, plan.currency)}${typeof plan.interval === "string" ? ` / ${plan.interval}` : ""}`
      : "";
  return `${nameWithCredits(plan.publicName, plan.credits)}${price}`;
}

function formatValue(key: string, value: unknown, around: Details): string {
  if (value === null || value === undefined) return "—";
  if (typeof value === "boolean") return value ? "yes" : "no";
  if (typeof value === "number") {
    if (/Cents$/.test(key)) return formatMoney(value, typeof around.currency === "string" ? around.currency : "usd");
    if (/Id$/.test(key) || key === "id") return `#${value}`;
    return formatCredits(value);
  }
  if (typeof value === "string") {
    return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(value) && !Number.isNaN(Date.parse(value))
      ? formatDateTime(value)
      : value;
  }
  if (Array.isArray(value)) {
    return value.length
      ? value.map((v) => (typeof v === "string" ? detailKeyLabel(v) : formatValue(key, v, around))).join(", ")
      : "none";
  }
  if (isRecord(value)) {
    return (
      planSummary(value) ??
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => `${detailKeyLabel(k)}: ${formatValue(k, v, value)}`)
        .join("; ")
    );
  }
  return String(value);
}

export interface DetailLine {
  label: string;
  value: string;
}

/**
 * An audit row's details as labelled lines. A change stored as `before`/`after` reads as one line
 * per changed field ("Name: Starter → Starter plus"); everything else one line per key.
 */
export function describeAuditDetails(details: Details | null): DetailLine[] {
  if (!details) return [];
  const { before, after } = details;
  if (isRecord(before) && isRecord(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter(
      (k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]),
    );
    return keys.map((k) => ({
      label: detailKeyLabel(k),
      value: `${formatValue(k, before[k], before)} → ${formatValue(k, after[k], after)}`,
    }));
  }
  return Object.entries(details)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ({ label: detailKeyLabel(k), value: formatValue(k, v, details) }));
}
