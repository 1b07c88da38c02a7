/** Rendering answers: includable fields (`line_items`, `payments`, `refunds`) and `expand`. */
import type Stripe from "stripe";
import type { Engine } from "../engine";
import * as make from "../objects";
import { INCLUDABLE, clone } from "../shared";
import { expandPaths, newestFirst } from "../store";
import { lineItemsOf } from "./checkout-sessions";
import { renderSubscription } from "./subscriptions";

/** The answer for one object: includable fields (`line_items`, `payments`, `refunds`) and `expand`. */
export function present(e: Engine, object: { id: string; object: string }, expand: string[]): unknown {
  let out: Record<string, unknown> = clone(object) as unknown as Record<string, unknown>;
  if (object.object === "subscription") out = renderSubscription(e, object as Stripe.Subscription) as never;
  include(
    e,
    out,
    expand.map((e) => e.split(".")[0]),
  );
  expandPaths(
    e.store,
    out,
    expand.filter((e) => !INCLUDABLE.has(e)),
  );
  return out;
}

export function presentList(
  e: Engine,
  list: Stripe.ApiList<{ id: string; object: string }>,
  expand: string[],
): unknown {
  const out = clone(list) as unknown as Stripe.ApiList<Record<string, unknown>>;
  const itemPaths = expand.filter((e) => e.startsWith("data.")).map((e) => e.slice(5));
  for (const item of out.data)
    include(
      e,
      item,
      itemPaths.map((e) => e.split(".")[0]),
    );
  expandPaths(
    e.store,
    out,
    expand.filter((e) => !INCLUDABLE.has(e.replace(/^data\./, ""))),
  );
  return out;
}

function include(e: Engine, obj: Record<string, unknown>, heads: string[]): void {
  if (obj.object === "checkout.session" && heads.includes("line_items")) {
    const id = obj.id as string;
    obj.line_items = make.emptyList(`/v1/checkout/sessions/${id}/line_items`, lineItemsOf(e, id));
  }
  if (obj.object === "invoice" && heads.includes("payments")) {
    const id = obj.id as string;
    obj.payments = make.emptyList(`/v1/invoice_payments?invoice=${id}`, clone(e.state.invoicePayments[id] ?? []));
  }
  if (obj.object === "charge" && heads.includes("refunds")) {
    const id = obj.id as string;
    const refunds = newestFirst(e.state.refunds).filter((r) => r.charge === id);
    obj.refunds = make.emptyList(`/v1/charges/${id}/refunds`, clone(refunds));
  }
}
