import { formatDateTime, formatMoney, nameWithCredits, plural } from "../utils/format";

/**
 * Every message is plain text plus HTML saying the same thing, with exactly one link, to this app
 * (APP_URL): mail clients and filters trust a message whose only link goes where it says, and a
 * person can always type the address instead of clicking.
 */
export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

export interface MailContent {
  subject: string;
  greeting: string;
  /** Paragraphs before the link. */
  lines: string[];
  link: { label: string; path: string };
  /** Paragraphs after the link (why you got this, what if it was not you). */
  footer: string[];
}

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

export function renderMail(content: MailContent, appUrl: string): RenderedMail {
  const url = new URL(content.link.path, appUrl + "/").toString();
  const text = [content.greeting, "", ...content.lines.flatMap((l) => [l, ""]), `${content.link.label}: ${url}`, ""]
    .concat(content.footer.flatMap((l) => [l, ""]))
    .concat(["— Credits"])
    .join("\n");
  const p = (s: string) => `<p style="margin:0 0 16px">${escapeHtml(s)}</p>`;
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(content.subject)}</title></head>
<body style="font-family:system-ui,sans-serif;color:#0f172a;line-height:1.5;max-width:560px;margin:0 auto;padding:24px">
${p(content.greeting)}
${content.lines.map(p).join("\n")}
<p style="margin:24px 0"><a href="${escapeHtml(url)}" style="background:#4f46e5;color:#fff;padding:10px 16px;border-radius:6px;text-decoration:none;font-weight:600">${escapeHtml(content.link.label)}</a></p>
${content.footer.map((l) => `<p style="margin:0 0 12px;color:#475569;font-size:14px">${escapeHtml(l)}</p>`).join("\n")}
<p style="margin:0;color:#475569;font-size:14px">— Credits</p>
</body></html>`;
  return { subject: content.subject, text, html };
}

const greet = (name: string | null | undefined) => (name?.trim() ? `Hello ${name.trim()},` : "Hello,");
const credits = (n: number) => plural(n, "credit");
const OPT_OUT =
  "You get this because it is turned on in your account's notification settings; you can turn it off there.";

export function passwordResetMail(input: { name: string; token: string; validMinutes: number }): MailContent {
  return {
    subject: "Reset your Credits password",
    greeting: greet(input.name),
    lines: [
      "Someone (we hope you) asked to reset the password of your Credits account.",
      `The link below lets you choose a new password. It works once, for ${input.validMinutes} minutes, and logs out every device that is logged in to your account.`,
    ],
    link: { label: "Choose a new password", path: `/reset-password?token=${encodeURIComponent(input.token)}` },
    footer: ["If you did not ask for this, ignore this message: your password stays as it is."],
  };
}

export function creditsExpiringMail(input: { name: string; amount: number; expiresAt: Date; now: Date }): MailContent {
  const days = Math.max(0, Math.ceil((input.expiresAt.getTime() - input.now.getTime()) / 86_400_000));
  const when = days <= 1 ? "within a day" : `in ${days} days`;
  return {
    subject: `${credits(input.amount)} expire ${when}`,
    greeting: greet(input.name),
    lines: [
      `${credits(input.amount)} in your account expire on ${formatDateTime(input.expiresAt)} (${when}).`,
      "Credits that are not spent by then are lost. Use them before that date; the credits page shows every grant and when it expires.",
    ],
    link: { label: "See your credits", path: "/credits" },
    footer: [OPT_OUT],
  };
}

export function lowBalanceMail(input: { name: string; balance: number; threshold: number }): MailContent {
  return {
    subject: `Your balance is low: ${credits(input.balance)} left`,
    greeting: greet(input.name),
    lines: [
      `Your balance fell below ${credits(input.threshold)}: you have ${credits(input.balance)} left.`,
      "When it reaches zero, paid actions stop. Buy a credit pack or change your plan on the billing page.",
    ],
    link: { label: "Add credits", path: "/billing" },
    footer: [OPT_OUT],
  };
}

export function paymentFailedMail(input: {
  name: string;
  planName: string;
  amountCents: number;
  currency: string;
}): MailContent {
  return {
    subject: `Your payment for ${input.planName} did not go through`,
    greeting: greet(input.name),
    lines: [
      `We could not take ${formatMoney(input.amountCents, input.currency)} for your ${input.planName} subscription.`,
      "Update your payment method on the billing page so your subscription and its credits continue.",
    ],
    link: { label: "Fix your payment", path: "/billing" },
    footer: [OPT_OUT],
  };
}

export function autoTopupFailedMail(input: {
  name: string;
  reason: string;
  packName: string;
  amountCents: number;
  currency: string;
}): MailContent {
  return {
    subject: "Auto top-up is off: the payment did not go through",
    greeting: greet(input.name),
    lines: [
      `We tried to buy ${input.packName} for ${formatMoney(input.amountCents, input.currency)} because your balance ran low, and the payment did not go through.`,
      input.reason,
    ],
    link: { label: "Fix your payment", path: "/billing" },
    footer: [OPT_OUT],
  };
}

export function topupReceiptMail(input: {
  name: string;
  packName: string;
  credits: number;
  amountCents: number;
  currency: string;
  paidAt: Date;
  automatic?: boolean;
}): MailContent {
  return {
    subject: `Receipt: ${input.automatic ? "auto top-up, " : ""}${nameWithCredits(input.packName, input.credits, ", ")}`,
    greeting: greet(input.name),
    lines: [
      input.automatic
        ? `Your balance ran low, so auto top-up bought ${input.packName} for ${formatMoney(input.amountCents, input.currency)} on ${formatDateTime(input.paidAt)}.`
        : `Thank you for your purchase. Paid ${formatMoney(input.amountCents, input.currency)} for ${input.packName} on ${formatDateTime(input.paidAt)}.`,
      `${credits(input.credits)} were added to your balance.`,
      "The billing page lists every payment with Stripe's receipt.",
    ],
    link: { label: "See your payments", path: "/billing" },
    footer: [OPT_OUT],
  };
}
