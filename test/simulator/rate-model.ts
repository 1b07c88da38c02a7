/**
 * The reference model of the rate card (issue 25), beside ./model.ts and as independent of the
 * engine: plain maps of features, price versions, plan terms, units used and included units, and
 * the rules as the issue states them —
 * - a use is priced by the user's terms now: their plan's own price for the feature, else the base
 *   price in effect (the latest effectiveAt at or before now);
 * - included units (a plan's, per billing period, only while the plan includes the feature) are
 *   used before credits and start again with each period;
 * - remainders carry: over all uses of one feature by one user at one price, the credits charged
 *   are ceil(total units × credits ÷ perUnits) — computed here from the units alone;
 * - a feature hold reserves ceil(quantity × credits ÷ perUnits) at the price now, and its capture
 *   charges at that held price.
 */

export interface MPrice {
  version: number;
  credits: number;
  perUnits: number;
  effectiveAtMs: number;
  /** A plan's own price (never a base price in effect). */
  plan: boolean;
}

export interface MFeature {
  key: string;
  name: string;
  archived: boolean;
  prices: MPrice[];
}

export interface MPlanTerms {
  enabled: boolean;
  /** The plan's own price version; null = the base price. */
  price: number | null;
  includedUnits: number;
}

/** The features every sequence starts with (the engine creates the same). */
export const FEATURES: { key: string; name: string; credits: number; perUnits: number }[] = [
  { key: "tokens", name: "Tokens", credits: 1, perUnits: 1000 },
  { key: "images", name: "Images", credits: 3, perUnits: 1 },
  { key: "calls", name: "Calls", credits: 2, perUnits: 7 },
  { key: "free", name: "Free", credits: 0, perUnits: 1 },
];

/** The simulator plan's terms when a sequence starts: included tokens, and images with included units at its own price. */
export const PLAN_TERMS: { key: string; includedUnits: number; price?: { credits: number; perUnits: number } }[] = [
  { key: "tokens", includedUnits: 2500 },
  { key: "images", includedUnits: 3, price: { credits: 2, perUnits: 1 } },
];

/** ceil(a × b ÷ c) in integers, exact past 2^53. */
export function ceilMulDiv(a: number, b: number, c: number): number {
  return Number((BigInt(a) * BigInt(b) + BigInt(c) - 1n) / BigInt(c));
}

export interface MUsage {
  user: number;
  feature: string;
  version: number;
  quantity: number;
  included: number;
  credits: number;
  holdId: number | null;
}

/** What a use of `quantity` units costs now, before it is recorded. */
export interface MQuote {
  feature: MFeature;
  price: MPrice;
  includedRemaining: number;
  included: number;
  credits: number;
  /** Set when the periods's included units are counted (the user's period start). */
  periodStartMs: number | null;
}

export class RateModel {
  features = new Map<string, MFeature>();
  /** The simulator plan's terms, by feature key. */
  planTerms = new Map<string, MPlanTerms>();
  /** Units charged (after included ones), by `user|feature|version`. */
  units = new Map<string, number>();
  /** Included units used, by `user|feature|periodStart`. */
  included = new Map<string, number>();
  usages: MUsage[] = [];
  /** Holds made by feature: what they hold and at which price. */
  featureHolds = new Map<number, { feature: string; version: number; quantity: number }>();

  constructor(nowMs: number) {
    for (const f of FEATURES) {
      this.features.set(f.key, {
        key: f.key,
        name: f.name,
        archived: false,
        prices: [{ version: 1, credits: f.credits, perUnits: f.perUnits, effectiveAtMs: nowMs, plan: false }],
      });
    }
    for (const t of PLAN_TERMS) {
      const feature = this.features.get(t.key)!;
      let price: number | null = null;
      if (t.price) {
        price = this.nextVersion(feature);
        feature.prices.push({ version: price, ...t.price, effectiveAtMs: nowMs, plan: true });
      }
      this.planTerms.set(t.key, { enabled: true, price, includedUnits: t.includedUnits });
    }
  }

  price(feature: MFeature, version: number): MPrice {
    const p = feature.prices.find((x) => x.version === version);
    if (!p) throw new Error(`rate model: ${feature.key} has no version ${version}`);
    return p;
  }

  basePrice(feature: MFeature, nowMs: number): MPrice {
    const base = feature.prices.filter((p) => !p.plan && p.effectiveAtMs <= nowMs);
    return base.sort((a, b) => b.effectiveAtMs - a.effectiveAtMs || b.version - a.version)[0];
  }

  nextVersion(feature: MFeature): number {
    return Math.max(...feature.prices.map((p) => p.version)) + 1;
  }

  /** Credits `quantity` more charged units cost at a price, given what the user was charged there. */
  chargeFor(user: number, feature: string, price: MPrice, quantity: number): number {
    const before = this.units.get(`${user}|${feature}|${price.version}`) ?? 0;
    return (
      ceilMulDiv(before + quantity, price.credits, price.perUnits) - ceilMulDiv(before, price.credits, price.perUnits)
    );
  }

  /** Included units the user has left of a feature now (periodStart: their period, or null without a subscription). */
  includedRemaining(user: number, feature: string, periodStartMs: number | null): number {
    const terms = this.planTerms.get(feature);
    if (periodStartMs === null || !terms || !terms.enabled || terms.includedUnits === 0) return 0;
    return Math.max(0, terms.includedUnits - (this.included.get(`${user}|${feature}|${periodStartMs}`) ?? 0));
  }

  /** The price a use by the user is charged at now. */
  priceNow(user: number, feature: MFeature, subscribed: boolean, nowMs: number): MPrice {
    const terms = subscribed ? this.planTerms.get(feature.key) : undefined;
    return terms?.price != null ? this.price(feature, terms.price) : this.basePrice(feature, nowMs);
  }

  /** Why the user may not use the feature now, or null. */
  refusal(feature: MFeature, subscribed: boolean): "feature_archived" | "feature_not_included" | null {
    if (feature.archived) return "feature_archived";
    if (subscribed && this.planTerms.get(feature.key)?.enabled === false) return "feature_not_included";
    return null;
  }

  quote(user: number, feature: MFeature, price: MPrice, periodStartMs: number | null, quantity: number): MQuote {
    const includedRemaining = this.includedRemaining(user, feature.key, periodStartMs);
    const included = Math.min(quantity, includedRemaining);
    const credits = this.chargeFor(user, feature.key, price, quantity - included);
    return { feature, price, includedRemaining, included, credits, periodStartMs };
  }

  /** Records a use as quoted. */
  record(user: number, q: MQuote, quantity: number, holdId: number | null): MUsage {
    const meter = `${user}|${q.feature.key}|${q.price.version}`;
    const charged = quantity - q.included;
    if (charged > 0) this.units.set(meter, (this.units.get(meter) ?? 0) + charged);
    if (q.included > 0) {
      const k = `${user}|${q.feature.key}|${q.periodStartMs}`;
      this.included.set(k, (this.included.get(k) ?? 0) + q.included);
    }
    const usage: MUsage = {
      user,
      feature: q.feature.key,
      version: q.price.version,
      quantity,
      included: q.included,
      credits: q.credits,
      holdId,
    };
    this.usages.push(usage);
    return usage;
  }
}
