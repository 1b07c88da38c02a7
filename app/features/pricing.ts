/**
 * The rate card's arithmetic (docs/decisions/022-rate-card-pricing.md), pure and in integers.
 *
 * A price is `credits` per `perUnits` units. A user's units at one price are metered (units
 * charged, credits charged), and a use of `quantity` more units is charged
 *   ceil((units + quantity) × credits ÷ perUnits) − credits charged so far,
 * so however the units come, the credits charged at one price are ceil(total units × credits ÷
 * perUnits): never more, never less. The first unit of a started credit pays it; the units it
 * still covers (`carriedUnits`) are spent first by the next uses.
 */

export interface Price {
  credits: number;
  perUnits: number;
}

/** A user's charged units and the credits charged for them, at one price. */
export interface Meter {
  units: number;
  credits: number;
}

export const EMPTY_METER: Meter = { units: 0, credits: 0 };

/** ceil(units × credits ÷ perUnits), exact for any safe integers (the product may pass 2^53). */
export function creditsFor(units: number, price: Price): number {
  const product = BigInt(units) * BigInt(price.credits);
  const per = BigInt(price.perUnits);
  return Number((product + per - 1n) / per);
}

/**
 * Whether uses at this price can leave a remainder to carry: only when a unit costs a fraction of a
 * credit. A price of whole credits per unit (3 per 1, 10 per 5, or free) charges each use exactly,
 * whatever came before, so no meter is kept for it.
 */
export function carriesRemainder(price: Price): boolean {
  return price.credits % price.perUnits !== 0;
}

/** What `quantity` more units cost on top of `meter`, and the meter after. */
export function charge(meter: Meter, price: Price, quantity: number): { credits: number; meter: Meter } {
  const units = meter.units + quantity;
  const total = creditsFor(units, price);
  return { credits: total - meter.credits, meter: { units, credits: total } };
}

/**
 * Units already paid for at this price and not used yet: the next uses spend them before any new
 * credit is charged (for a free price, 0: nothing is ever paid ahead).
 */
export function carriedUnits(meter: Meter, price: Price): number {
  if (price.credits === 0) return 0;
  const paidFor = (BigInt(meter.credits) * BigInt(price.perUnits)) / BigInt(price.credits);
  return Number(paidFor - BigInt(meter.units));
}

/** The worst-case cost of `quantity` units with nothing carried: what a feature hold reserves. */
export function worstCaseCredits(price: Price, quantity: number): number {
  return creditsFor(quantity, price);
}
