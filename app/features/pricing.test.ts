import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { carriedUnits, charge, creditsFor, EMPTY_METER, worstCaseCredits, type Meter, type Price } from "./pricing";

/** Charges the uses one after another from an empty meter; returns the credits of each. */
function chargeAll(price: Price, uses: number[]): { charged: number[]; meter: Meter } {
  let meter = EMPTY_METER;
  const charged: number[] = [];
  for (const q of uses) {
    const next = charge(meter, price, q);
    charged.push(next.credits);
    meter = next.meter;
  }
  return { charged, meter };
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

describe("rate card arithmetic", () => {
  it("charges 1 credit for 1,000 single units at 1 credit per 1,000, and the 1,001st starts the next", () => {
    const price = { credits: 1, perUnits: 1000 };
    const { charged, meter } = chargeAll(price, Array(1000).fill(1));
    expect(sum(charged)).toBe(1);
    expect(charged[0]).toBe(1); // the first unit starts the credit
    expect(carriedUnits(meter, price)).toBe(0);
    expect(charge(meter, price, 1).credits).toBe(1);
  });

  it("carries the units a started credit still covers", () => {
    const price = { credits: 1, perUnits: 1000 };
    const { meter } = chargeAll(price, [1]);
    expect(carriedUnits(meter, price)).toBe(999);
    const { meter: after } = chargeAll(price, [600, 600]);
    expect(after).toEqual({ units: 1200, credits: 2 });
    expect(carriedUnits(after, price)).toBe(800);
  });

  it("charges 3 credits an image", () => {
    expect(chargeAll({ credits: 3, perUnits: 1 }, [1, 2, 5]).charged).toEqual([3, 6, 15]);
  });

  it("charges nothing at a free price and carries nothing", () => {
    const price = { credits: 0, perUnits: 1 };
    const { charged, meter } = chargeAll(price, [5, 7]);
    expect(charged).toEqual([0, 0]);
    expect(carriedUnits(meter, price)).toBe(0);
  });

  it("stays exact where units × credits passes 2^53", () => {
    expect(creditsFor(9_000_000_000_001, { credits: 1_000_000, perUnits: 1_000_000_000 })).toBe(9_000_000_001);
    expect(creditsFor(2 ** 52 + 1, { credits: 3, perUnits: 2 })).toBe(6_755_399_441_055_746);
  });

  it("charges in total ceil(total units × credits ÷ perUnits) however the units are split", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1000 }),
        fc.integer({ min: 1, max: 100_000 }),
        fc.array(fc.integer({ min: 1, max: 5000 }), { minLength: 1, maxLength: 200 }),
        (credits, perUnits, uses) => {
          const price = { credits, perUnits };
          const { charged, meter } = chargeAll(price, uses);
          const total = sum(uses);
          expect(sum(charged)).toBe(Math.ceil((total * credits) / perUnits));
          expect(charged.every((c) => c >= 0)).toBe(true);
          expect(carriedUnits(meter, price)).toBeGreaterThanOrEqual(0);
        },
      ),
    );
  });

  it("never charges one use more than its worst case, which a feature hold reserves", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1000 }),
        fc.integer({ min: 1, max: 100_000 }),
        fc.array(fc.integer({ min: 1, max: 5000 }), { maxLength: 50 }),
        fc.integer({ min: 1, max: 5000 }),
        (credits, perUnits, before, quantity) => {
          const price = { credits, perUnits };
          const { meter } = chargeAll(price, before);
          expect(charge(meter, price, quantity).credits).toBeLessThanOrEqual(worstCaseCredits(price, quantity));
        },
      ),
    );
  });
});
