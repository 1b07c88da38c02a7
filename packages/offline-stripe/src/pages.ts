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

export function escapeHtml(s: unknown): string {
  return String(s ?? "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

function formatDate(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString().slice(0, 10);
}

function layout(title: string, body: string): string {
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
         box-shadow: 0 2px 8px rgba(0,0,0,.08); }
  .badge { display: inline-block; background: #ffde92; color: #5c3b00; border-radius: 4px; padding: 2px 8px;
           font-size: .75rem; font-weight: 600; }
  table { width: 100%; border-collapse: collapse; margin: 1rem 0; }
  td, th { padding: .5rem 0; text-align: left; border-bottom: 1px solid #e3e8ee; }
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
<body><main>
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
  productName: (price: Stripe.Price) => string;
  basePath: string;
}): string {
  const base = `${p.basePath}/portal/${encodeURIComponent(p.session.id)}`;
  const subs = p.subscriptions
    .map((sub) => {
      const item = sub.items.data[0];
      const price = item?.price;
      const periodEnd = item ? formatDate(item.current_period_end) : "";
      const plan = price
        ? `${escapeHtml(p.productName(price))} — ${escapeHtml(formatMoney(price.unit_amount ?? 0, price.currency))} / ${escapeHtml(
            price.recurring?.interval ?? "",
          )}`
        : "";
      const action = `${base}/subscriptions/${encodeURIComponent(sub.id)}`;
      const state =
        sub.status === "canceled"
          ? `<p>Ended ${escapeHtml(formatDate(sub.ended_at ?? sub.canceled_at ?? 0))}.</p>`
          : sub.cancel_at_period_end
            ? `<p>Cancels on ${escapeHtml(periodEnd)}.</p>
<form method="post" action="${escapeHtml(action)}/resume"><button class="primary" type="submit">Resume subscription</button></form>`
            : `<p>Renews on ${escapeHtml(periodEnd)}. Status: ${escapeHtml(sub.status)}.</p>
<form method="post" action="${escapeHtml(action)}/cancel"><button class="secondary" type="submit">Cancel subscription</button></form>`;
      return `<section data-subscription="${escapeHtml(sub.id)}"><h2>${plan}</h2>${state}</section>`;
    })
    .join("");
  const body = `<h1>Billing</h1>
<p class="muted">${escapeHtml(p.customer.email ?? p.customer.id)}</p>
${subs || "<p>No subscriptions.</p>"}
${p.session.return_url ? `<p class="actions"><a class="button secondary" href="${escapeHtml(p.session.return_url)}">Return</a></p>` : ""}`;
  return layout("Billing · Offline Stripe", body);
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
