/** Products and prices: /v1/products, /v1/prices. */
import type Stripe from "stripe";
import type { Engine } from "../engine";
import * as make from "../objects";
import { invalid, missingParam, type Params } from "../params";
import { INTERVALS, decimalToInteger } from "../shared";
import { newestFirst, paginate } from "../store";

export function createProduct(e: Engine, p: Params): Stripe.Product {
  const id = p.string("id");
  if (id && e.state.products[id]) {
    throw invalid(`Product already exists.`, "id", "resource_already_exists");
  }
  const prod = make.product({
    id,
    now: e.now(),
    name: p.requiredString("name"),
    active: p.boolean("active") ?? true,
    description: p.nullableString("description") ?? null,
    metadata: p.metadata() ?? {},
  });
  e.state.products[prod.id] = prod;
  return prod;
}

export function updateProduct(e: Engine, id: string, p: Params): Stripe.Product {
  const prod = e.store.get("products", id);
  const name = p.string("name");
  if (name !== undefined) {
    if (!name) throw invalid("You passed an empty string for 'name'.", "name", "parameter_invalid_empty");
    prod.name = name;
  }
  const description = p.nullableString("description");
  if (description !== undefined) prod.description = description;
  prod.active = p.boolean("active") ?? prod.active;
  prod.metadata = p.metadata("metadata", prod.metadata) ?? prod.metadata;
  const defaultPrice = p.nullableString("default_price");
  if (defaultPrice) e.store.get("prices", defaultPrice, "default_price");
  if (defaultPrice !== undefined) prod.default_price = defaultPrice;
  prod.updated = e.now();
  return prod;
}

export function listProducts(e: Engine, p: Params): Stripe.ApiList<Stripe.Product> {
  const active = p.boolean("active");
  const ids = p.stringArray("ids");
  const all = newestFirst(e.state.products).filter(
    (x) => (active === undefined || x.active === active) && (!ids || ids.includes(x.id)),
  );
  return paginate(all, p, "/v1/products");
}

export function createPrice(e: Engine, p: Params): Stripe.Price {
  const currency = p.requiredString("currency").toLowerCase();
  const unitAmount = p.integer("unit_amount", { min: 0 }) ?? decimalToInteger(p.string("unit_amount_decimal"));
  if (unitAmount === undefined) throw missingParam("unit_amount");
  let productId = p.string("product");
  const productData = p.object("product_data");
  if (productId && productData)
    throw invalid("You may only specify one of these parameters: product, product_data.", "product");
  if (productId) {
    e.store.get("products", productId, "product");
  } else if (productData) {
    const prod = createProduct(e, productData);
    productId = prod.id;
  } else {
    throw missingParam("product");
  }
  const recurringParams = p.object("recurring");
  let recurring: { interval: make.Interval; interval_count: number } | null = null;
  if (recurringParams) {
    const interval = recurringParams.oneOf("interval", INTERVALS);
    if (!interval) throw missingParam("recurring[interval]");
    recurring = { interval, interval_count: recurringParams.integer("interval_count", { min: 1 }) ?? 1 };
  }
  const lookupKey = p.nullableString("lookup_key") ?? null;
  if (lookupKey) claimLookupKey(e, lookupKey, p.boolean("transfer_lookup_key") ?? false);
  const pr = make.price({
    now: e.now(),
    product: productId,
    currency,
    unitAmount,
    active: p.boolean("active") ?? true,
    recurring,
    metadata: p.metadata() ?? {},
    nickname: p.nullableString("nickname") ?? null,
    lookupKey,
    taxBehavior: p.oneOf("tax_behavior", ["exclusive", "inclusive", "unspecified"] as const) ?? null,
  });
  e.state.prices[pr.id] = pr;
  return pr;
}

function claimLookupKey(e: Engine, lookupKey: string, transfer: boolean): void {
  const holder = Object.values(e.state.prices).find((x) => x.lookup_key === lookupKey);
  if (!holder) return;
  if (!transfer) {
    throw invalid(
      `A price (\`${holder.id}\`) already uses that lookup key. Pass transfer_lookup_key=true to move it to this price.`,
      "lookup_key",
    );
  }
  holder.lookup_key = null;
}

export function updatePrice(e: Engine, id: string, p: Params): Stripe.Price {
  const pr = e.store.get("prices", id);
  pr.active = p.boolean("active") ?? pr.active;
  pr.metadata = p.metadata("metadata", pr.metadata) ?? pr.metadata;
  const nickname = p.nullableString("nickname");
  if (nickname !== undefined) pr.nickname = nickname;
  const lookupKey = p.nullableString("lookup_key");
  if (lookupKey) claimLookupKey(e, lookupKey, p.boolean("transfer_lookup_key") ?? false);
  if (lookupKey !== undefined) pr.lookup_key = lookupKey;
  return pr;
}

export function listPrices(e: Engine, p: Params): Stripe.ApiList<Stripe.Price> {
  const active = p.boolean("active");
  const product = p.string("product");
  const type = p.oneOf("type", ["one_time", "recurring"] as const);
  const currency = p.string("currency");
  const lookupKeys = p.stringArray("lookup_keys");
  const all = newestFirst(e.state.prices).filter(
    (x) =>
      (active === undefined || x.active === active) &&
      (product === undefined || x.product === product) &&
      (type === undefined || x.type === type) &&
      (currency === undefined || x.currency === currency) &&
      (!lookupKeys || (x.lookup_key !== null && lookupKeys.includes(x.lookup_key))),
  );
  return paginate(all, p, "/v1/prices");
}
