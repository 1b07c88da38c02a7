/** The customer portal: /v1/billing_portal/sessions and the hosted portal's buttons. */
import type Stripe from "stripe";
import type { Engine } from "../engine";
import * as make from "../objects";
import { invalid, noSuch, type Params } from "../params";
import { diff } from "../shared";
import { renderSubscription, setCancelAtPeriodEnd } from "./subscriptions";

export function createPortalSession(e: Engine, p: Params): Stripe.BillingPortal.Session {
  const customer = e.store.get("customers", p.requiredString("customer"), "customer");
  const id = make.newId("bps", 24);
  const session = make.portalSession({
    now: e.now(),
    id,
    url: `${e.publicUrl()}/portal/${id}`,
    customer: customer.id,
    returnUrl: p.string("return_url") ?? null,
  });
  e.state.portalSessions[id] = session;
  return session;
}

/** Portal buttons: cancel at period end, or undo it. */
export function portalSetCancelAtPeriodEnd(
  e: Engine,
  portalSessionId: string,
  subscriptionId: string,
  cancel: boolean,
): Stripe.Subscription {
  const session = e.store.get("portalSessions", portalSessionId);
  const sub = e.store.get("subscriptions", subscriptionId);
  if (sub.customer !== session.customer) throw noSuch("subscription", subscriptionId);
  if (sub.status === "canceled") throw invalid("This subscription has already ended.");
  const before = renderSubscription(e, sub);
  setCancelAtPeriodEnd(e, sub, cancel, null);
  const after = renderSubscription(e, sub);
  const previous = diff(before, after);
  if (Object.keys(previous).length) e.emit("customer.subscription.updated", after, previous);
  return after;
}
