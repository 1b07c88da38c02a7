/** Customers: /v1/customers. */
import type Stripe from "stripe";
import type { Engine } from "../engine";
import * as make from "../objects";
import { type Params } from "../params";
import { newestFirst, paginate } from "../store";

export function createCustomer(e: Engine, p: Params): Stripe.Customer {
  const c = make.customer({
    now: e.now(),
    email: p.nullableString("email") ?? null,
    name: p.nullableString("name") ?? null,
    description: p.nullableString("description") ?? null,
    phone: p.nullableString("phone") ?? null,
    metadata: p.metadata() ?? {},
  });
  e.state.customers[c.id] = c;
  return c;
}

export function updateCustomer(e: Engine, id: string, p: Params): Stripe.Customer {
  const c = e.store.get("customers", id);
  for (const key of ["email", "name", "description", "phone"] as const) {
    const v = p.nullableString(key);
    if (v !== undefined) c[key] = v;
  }
  c.metadata = p.metadata("metadata", c.metadata) ?? c.metadata;
  return c;
}

export function listCustomers(e: Engine, p: Params): Stripe.ApiList<Stripe.Customer> {
  const email = p.string("email");
  const all = newestFirst(e.state.customers).filter((c) => email === undefined || c.email === email);
  return paginate(all, p, "/v1/customers");
}
