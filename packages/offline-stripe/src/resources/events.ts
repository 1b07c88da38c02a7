/** Events: /v1/events. */
import type Stripe from "stripe";
import type { Engine } from "../engine";
import { type Params } from "../params";
import { newestFirst, paginate } from "../store";

export function listEvents(e: Engine, p: Params): Stripe.ApiList<Stripe.Event> {
  const type = p.string("type");
  const types = p.stringArray("types");
  const matches = (t: string) =>
    (type === undefined || (type.endsWith("*") ? t.startsWith(type.slice(0, -1)) : t === type)) &&
    (!types || types.includes(t));
  return paginate(
    newestFirst(e.state.events).filter((e) => matches(e.type)),
    p,
    "/v1/events",
  );
}
