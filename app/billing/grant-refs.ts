/**
 * The references billing gives the grants it makes (docs/decisions/016-grant-source-refs.md). The
 * credit engine stores them as opaque strings — one grant per `sourceRef`, `groupRef` ties grants
 * together — so these strings are written here and nowhere else, and only billing reads them.
 */
export const grantRefs = {
  /** sourceRef of the grant a paid subscription invoice produced. */
  invoice: (stripeInvoiceId: string) => `${INVOICE_PREFIX}${stripeInvoiceId}`,
  /** sourceRef of the grant a top-up purchase (topup_purchases.id) produced. */
  topupPurchase: (purchaseId: number) => `topup_purchase:${purchaseId}`,
  /** groupRef of a subscription's grants (user_subscriptions.id): its invoices' and its rollovers. */
  subscription: (subscriptionId: number) => `subscription:${subscriptionId}`,
};

/** Every invoice's sourceRef starts with this (listGrantsBySourcePrefix). */
export const INVOICE_PREFIX = "stripe_invoice:";

/** The Stripe invoice id in an invoice grant's sourceRef (null for any other ref). */
export function invoiceIdOf(sourceRef: string | null): string | null {
  return sourceRef?.startsWith(INVOICE_PREFIX) ? sourceRef.slice(INVOICE_PREFIX.length) : null;
}
