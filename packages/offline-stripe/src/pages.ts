import type Stripe from "stripe";

/** The offline Stripe's hosted pages: plain HTML forms that work without JavaScript. */

/** Amounts on the hosted pages, as Stripe's Checkout shows them ("$12.00"). */
export function formatMoney(cents: number, currency: string): string {
  try {
    return new Intl.NumberFormat("en-US", { style: "currency", currency: currency.toUpperCase() }).format(cents / 100);
  } catch {
    return `${(cents / 100).toFixed(2)} ${currency.toUpperCase()}`;
  }
}

function escapeHtml(s: unknown): string {
  return String(s ?? "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

const dateFormat = new Intl.DateTimeFormat("en-US", { dateStyle: "medium", timeZone: "UTC" });

/** "Dec 7, 2026", as the app's pages say a day (UTC). */
export function formatDate(unixSeconds: number): string {
  return dateFormat.format(new Date(unixSeconds * 1000));
}

function layout(title: string, body: string, opts: { wide?: boolean } = {}): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)}</title>
<style>
  body { font-family: system-ui, sans-serif; background: #f6f9fc; color: #1a1f36; margin: 0; }
  main { max-width: 32rem; margin: 3rem auto; background: #fff; border-radius: 8px; padding: 2rem;
         box-shadow: 0 2px 8px rgba(0,0,0,.08); overflow-wrap: anywhere; }
  main.wide { max-width: 48rem; }
  @media (max-width: 36rem) { main { margin: 0; border-radius: 0; padding: 1.25rem 1rem; box-shadow: none; } }
  label { display: block; font-size: .875rem; margin: .5rem 0 .25rem; }
  input { font: inherit; padding: .5rem; border: 1px solid #c1c9d2; border-radius: 6px; max-width: 100%; box-sizing: border-box; }
  .error { background: #fdecea; color: #8a1c12; border-radius: 6px; padding: .75rem 1rem; }
  .visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
  .done { background: #e6f4ea; color: #1e5631; border-radius: 6px; padding: .75rem 1rem; }
  .badge { display: inline-block; background: #ffde92; color: #5c3b00; border-radius: 4px; padding: 2px 8px;
           font-size: .75rem; font-weight: 600; }
  table { width: 100%; border-collapse: collapse; margin: 1rem 0; }
  td, th { padding: .5rem .75rem .5rem 0; text-align: left; border-bottom: 1px solid #e3e8ee; }
  td:last-child, th:last-child { padding-right: 0; }
  td.num, th.num { text-align: right; }
  .actions { display: flex; gap: .75rem; margin-top: 1.5rem; flex-wrap: wrap; }
  button, a.button { font: inherit; border: 0; border-radius: 6px; padding: .6rem 1.2rem; cursor: pointer;
                     text-decoration: none; display: inline-block; }
  .primary { background: #635bff; color: #fff; }
  .secondary { background: #e3e8ee; color: #1a1f36; }
  .muted { color: #697386; font-size: .875rem; }
  section { border-top: 1px solid #e3e8ee; padding-top: 1rem; margin-top: 1rem; }
</style>
</head>
<body><main${opts.wide ? ' class="wide"' : ""}>
<p><span class="badge">Offline Stripe · test mode</span></p>
${body}
</main></body>
</html>`;
}

export function checkoutPage(p: {
  session: Stripe.Checkout.Session;
  lineItems: Stripe.LineItem[];
  basePath: string;
}): string {
  const { session, lineItems } = p;
  const currency = session.currency ?? "usd";
  const rows = lineItems
    .map((li) => {
      const interval = li.price?.recurring ? ` / ${li.price.recurring.interval}` : "";
      return `<tr><td>${escapeHtml(li.description)}</td><td class="num">${li.quantity ?? 1}</td><td class="num">${escapeHtml(
        formatMoney(li.amount_total, li.currency),
      )}${escapeHtml(interval)}</td></tr>`;
    })
    .join("");
  const action = `${p.basePath}/checkout/${encodeURIComponent(session.id)}`;
  let body: string;
  if (session.status === "open") {
    body = `<h1>${session.mode === "subscription" ? "Subscribe" : "Pay"}</h1>
<p class="muted">${escapeHtml(session.customer_email ?? "")}</p>
<table><thead><tr><th>Item</th><th class="num">Qty</th><th class="num">Amount</th></tr></thead>
<tbody>${rows}</tbody>
<tfoot><tr><th>Total due today</th><th></th><th class="num" data-testid="checkout-total">${escapeHtml(
      formatMoney(session.amount_total ?? 0, currency),
    )}</th></tr></tfoot></table>
<p class="muted">Test card 4242 4242 4242 4242 — no real money moves.</p>
<div class="actions">
<form method="post" action="${escapeHtml(action)}/pay"><button class="primary" type="submit">Pay ${escapeHtml(
      formatMoney(session.amount_total ?? 0, currency),
    )}</button></form>
<form method="post" action="${escapeHtml(action)}/cancel"><button class="secondary" type="submit">Cancel</button></form>
</div>`;
  } else if (session.status === "complete") {
    body = `<h1>Payment complete</h1><p>Thanks! This Checkout Session has been paid.</p>${
      session.success_url
        ? `<p><a class="button primary" href="${escapeHtml(successUrl(session))}">Continue</a></p>`
        : ""
    }`;
  } else {
    body = `<h1>Session expired</h1><p>This Checkout Session is no longer available.</p>`;
  }
  return layout("Checkout · Offline Stripe", body);
}

export function successUrl(session: Stripe.Checkout.Session): string {
  return (session.success_url ?? "").replace(/\{CHECKOUT_SESSION_ID\}/g, session.id);
}

export function portalPage(p: {
  session: Stripe.BillingPortal.Session;
  customer: Stripe.Customer;
  subscriptions: Stripe.Subscription[];
  priceName: (price: Stripe.Price) => string;
  card: Stripe.PaymentMethod | null;
  invoices: Stripe.Invoice[];
  basePath: string;
  notice?: string | null;
  error?: string | null;
}): string {
  const base = `${p.basePath}/portal/${encodeURIComponent(p.session.id)}`;
  const subs = p.subscriptions
    .map((sub) => {
      const item = sub.items.data[0];
      const price = item?.price;
      const periodEnd = item ? formatDate(item.current_period_end) : "";
      const plan = price
        ? `${escapeHtml(p.priceName(price))} — ${escapeHtml(formatMoney(price.unit_amount ?? 0, price.currency))}${
            price.recurring ? ` / ${escapeHtml(price.recurring.interval)}` : ""
          }`
        : "Subscription";
      const action = `${base}/subscriptions/${encodeURIComponent(sub.id)}`;
      const state =
        sub.status === "canceled"
          ? `<p>Ended ${escapeHtml(formatDate(sub.ended_at ?? sub.canceled_at ?? 0))}.</p>`
          : sub.cancel_at_period_end
            ? `<p>Cancels on ${escapeHtml(periodEnd)}.</p>
<form method="post" action="${escapeHtml(action)}/resume"><button class="primary" type="submit">Resume subscription</button></form>`
            : `<p>${sub.status === "past_due" ? "Payment failed; Stripe retries it." : `Renews on ${escapeHtml(periodEnd)}.`}</p>
<form method="post" action="${escapeHtml(action)}/cancel"><button class="secondary" type="submit">Cancel subscription</button></form>`;
      return `<section data-subscription="${escapeHtml(sub.id)}"><h3>${plan}</h3>${state}</section>`;
    })
    .join("");
  const card = p.card?.card
    ? `${escapeHtml(p.card.card.brand.toUpperCase())} ending in ${escapeHtml(p.card.card.last4)}, expires ${p.card.card.exp_month}/${p.card.card.exp_year}`
    : "No card saved yet.";
  const invoices = p.invoices
    .map(
      (inv) =>
        `<tr><td>${escapeHtml(formatDate(inv.created))}</td><td class="num">${escapeHtml(
          formatMoney(inv.total, inv.currency),
        )}</td><td>${escapeHtml(invoiceStatus(inv))}</td><td class="num"><a href="${escapeHtml(
          `${p.basePath}/invoices/${encodeURIComponent(inv.id)}`,
        )}">View<span class="visually-hidden"> invoice of ${escapeHtml(formatDate(inv.created))}</span></a></td></tr>`,
    )
    .join("");
  const body = `<h1>Billing</h1>
<p class="muted">${escapeHtml(p.customer.email ?? p.customer.name ?? "")}</p>
${p.notice ? `<p class="done" role="status">${escapeHtml(p.notice)}</p>` : ""}
${p.error ? `<p class="error" role="alert">${escapeHtml(p.error)}</p>` : ""}
<h2>Subscription</h2>
${subs || "<p>No subscriptions.</p>"}
<section><h2>Payment method</h2><p data-testid="portal-card">${card}</p>
<form method="post" action="${escapeHtml(base)}/payment_method">
<label for="card">New card number</label>
<input id="card" name="card" inputmode="numeric" autocomplete="cc-number" placeholder="4242 4242 4242 4242" required>
<p class="muted">Test mode: any 12–19 digit number works; no card is charged now.</p>
<div class="actions"><button class="primary" type="submit">Update card</button></div>
</form></section>
<section><h2>Invoices</h2>
${
  invoices
    ? `<table data-testid="portal-invoices"><thead><tr><th>Date</th><th class="num">Amount</th><th>Status</th><th class="num"><span class="visually-hidden">Invoice</span></th></tr></thead><tbody>${invoices}</tbody></table>`
    : "<p>No invoices yet.</p>"
}</section>
${p.session.return_url ? `<p class="actions"><a class="button secondary" href="${escapeHtml(p.session.return_url)}">Return</a></p>` : ""}`;
  return layout("Billing · Offline Stripe", body);
}

function invoiceStatus(inv: Stripe.Invoice): string {
  if (inv.status === "paid") return "Paid";
  if (inv.status === "open") return "Due";
  if (inv.status === "void") return "Void";
  if (inv.status === "uncollectible") return "Uncollectible";
  return "Draft";
}

export function messagePage(title: string, message: string): string {
  return layout(title, `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p>`);
}

/** Stripe's hosted invoice page (`hosted_invoice_url`): the lines, the total and whether it was paid. */
export function invoicePage(invoice: Stripe.Invoice): string {
  const rows = (invoice.lines?.data ?? [])
    .map(
      (l) =>
        `<tr><td>${escapeHtml(l.description)}</td><td class="num">${escapeHtml(formatMoney(l.amount, l.currency))}</td></tr>`,
    )
    .join("");
  return layout(
    `Invoice ${invoice.number ?? invoice.id}`,
    `<h1>Invoice ${escapeHtml(invoice.number ?? invoice.id)}</h1>
<p class="muted">${escapeHtml(formatDate(invoice.created))} · ${escapeHtml(invoice.status ?? "")}</p>
<table><thead><tr><th>Description</th><th class="num">Amount</th></tr></thead><tbody>${rows}</tbody></table>
<p>Amount due: <strong>${escapeHtml(formatMoney(invoice.amount_due, invoice.currency))}</strong> · paid: <strong>${escapeHtml(
      formatMoney(invoice.amount_paid, invoice.currency),
    )}</strong></p>`,
  );
}

/** Stripe's receipt page for a charge (`receipt_url`). */
export function receiptPage(charge: Stripe.Charge): string {
  return layout(
    `Receipt for ${charge.id}`,
    `<h1>Receipt</h1>
<p class="muted">${escapeHtml(formatDate(charge.created))} · ${escapeHtml(charge.description ?? "")}</p>
<p>Amount paid: <strong>${escapeHtml(formatMoney(charge.amount, charge.currency))}</strong></p>
${charge.amount_refunded > 0 ? `<p>Refunded: <strong>${escapeHtml(formatMoney(charge.amount_refunded, charge.currency))}</strong></p>` : ""}`,
  );
}

/** One subscription on the trigger page, in people's words. */
export interface TriggerSubscription {
  id: string;
  customer: string;
  plan: string;
  status: string;
  periodEnd: string;
  cancelAtPeriodEnd: boolean;
  failNextPayment: boolean;
}

/** One payment on the trigger page. */
export interface TriggerCharge {
  /** The anchor: the payment intent's id when there is one, else the charge's. */
  id: string;
  chargeId: string;
  customer: string;
  what: string;
  amount: string;
  refunded: string | null;
  refundable: boolean;
  created: string;
}

const STATUS_WORDS: Record<string, string> = {
  active: "active",
  past_due: "payment failed, waiting for a retry",
  canceled: "ended",
  incomplete: "waiting for its first payment",
  incomplete_expired: "never paid",
  trialing: "in trial",
  unpaid: "unpaid",
};

/**
 * The demo's test-clock triggers (`/triggers` beside the hosted pages): each subscription and
 * payment named by customer and plan, each button a plain form whose answer says what it did.
 */
export function triggersPage(p: {
  subscriptions: TriggerSubscription[];
  charges: TriggerCharge[];
  basePath: string;
  /** Set when the page shows one customer only (`?customer=cus_…`). */
  forCustomer?: string | null;
}): string {
  const base = `${p.basePath}/triggers`;
  const button = (action: string, label: string, hidden = "") =>
    `<form method="post" action="${escapeHtml(action)}">${hidden}<button class="secondary" type="submit">${escapeHtml(label)}</button></form>`;
  const subs = p.subscriptions
    .map((s) => {
      const action = (what: string) => `${base}/subscriptions/${encodeURIComponent(s.id)}/${what}`;
      const buttons =
        s.status === "canceled"
          ? ""
          : [
              button(action("renew"), "Renew now"),
              button(action("renew"), "Renew with a declined card", '<input type="hidden" name="fail" value="true">'),
              s.failNextPayment ? "" : button(action("fail_next_payment"), "Decline the next payment"),
              s.status === "past_due" ? button(action("retry_payment"), "Retry the payment") : "",
            ].join("");
      return `<section id="${escapeHtml(s.id)}" data-subscription="${escapeHtml(s.id)}"><h3>${escapeHtml(s.customer)} — ${escapeHtml(s.plan)}</h3>
<p>${escapeHtml(STATUS_WORDS[s.status] ?? s.status)}${s.cancelAtPeriodEnd ? ", cancels at the end of the period" : ""} · period ends ${escapeHtml(s.periodEnd)}${
        s.failNextPayment ? " · <strong>the next payment will be declined</strong>" : ""
      }</p>
<div class="actions">${buttons}</div></section>`;
    })
    .join("");
  const charges = p.charges
    .map((c) => {
      const refund = c.refundable
        ? `<form method="post" action="${escapeHtml(`${base}/refunds`)}"><input type="hidden" name="charge" value="${escapeHtml(c.chargeId)}">
<label for="amount-${escapeHtml(c.id)}">Amount to refund, in cents (empty: all of it)</label>
<div class="actions"><input id="amount-${escapeHtml(c.id)}" name="amount" inputmode="numeric"><button class="secondary" type="submit">Refund</button></div></form>`
        : "";
      return `<section id="${escapeHtml(c.id)}" data-charge="${escapeHtml(c.id)}"><h3>${escapeHtml(c.customer)} — ${escapeHtml(c.what)}</h3>
<p>${escapeHtml(c.amount)} paid ${escapeHtml(c.created)}${c.refunded ? ` · ${escapeHtml(c.refunded)} refunded` : ""}</p>${refund}</section>`;
    })
    .join("");
  return layout(
    "Test triggers · Offline Stripe",
    `<h1>Test triggers${p.forCustomer ? ` for ${escapeHtml(p.forCustomer)}` : ""}</h1>
${p.forCustomer ? `<p><a href="${escapeHtml(base)}">Every customer</a></p>` : ""}
<p class="muted">Make Stripe do now what it would do later: renew, decline, retry, refund. Each sends the webhooks real Stripe would send.</p>
<h2>Automatic payments</h2>
${button(`${base}/decline_next`, "Decline the next automatic payment (auto top-up)")}
<h2>Subscriptions</h2>${subs || "<p>None yet.</p>"}
<h2>Payments</h2>${charges || "<p>None yet.</p>"}`,
    { wide: true },
  );
}

/** What a trigger did, said plainly, with the way back to the triggers. */
export function triggerDonePage(p: { message: string; ok: boolean; basePath: string }): string {
  return layout(
    `${p.ok ? "Done" : "Not done"} · Offline Stripe`,
    `<h1>${p.ok ? "Done" : "Not done"}</h1>
<p class="${p.ok ? "done" : "error"}" role="${p.ok ? "status" : "alert"}" data-testid="trigger-result">${escapeHtml(p.message)}</p>
<p class="actions"><a class="button primary" href="${escapeHtml(`${p.basePath}/triggers`)}">Back to the triggers</a></p>`,
  );
}
