import { describe, expect, it } from "vitest";
import { mulDivRound, proratedCredits } from "./proration";

const period = { start: 1_000, end: 1_000 + 30 * 86_400 };

describe("proratedCredits", () => {
  it("gives the whole difference from the period's start or before, and nothing from its end or after", () => {
    expect(proratedCredits(900, period, period.start)).toBe(900);
    expect(proratedCredits(900, period, period.start - 86_400)).toBe(900);
    expect(proratedCredits(900, period, period.end)).toBe(0);
    expect(proratedCredits(900, period, period.end + 1)).toBe(0);
  });

  it("gives the share of the period left, to the nearest credit", () => {
    expect(proratedCredits(900, period, period.start + 10 * 86_400)).toBe(600);
    expect(proratedCredits(1, { start: 0, end: 3 }, 1)).toBe(1); // 2/3 rounds up
    expect(proratedCredits(1, { start: 0, end: 3 }, 2)).toBe(0); // 1/3 rounds down
  });

  it("rounds halves up", () => {
    expect(proratedCredits(1, { start: 0, end: 2 }, 1)).toBe(1); // 0.5
    expect(proratedCredits(3, { start: 0, end: 2 }, 1)).toBe(2); // 1.5
    expect(proratedCredits(5, { start: 0, end: 4 }, 3)).toBe(1); // 1.25
  });

  it("gives nothing for a period of zero length or one that ends before it starts", () => {
    expect(proratedCredits(900, { start: 5_000, end: 5_000 }, 4_000)).toBe(0);
    expect(proratedCredits(900, { start: 5_000, end: 5_000 }, 5_000)).toBe(0);
    expect(proratedCredits(900, { start: 5_000, end: 4_000 }, 3_000)).toBe(0);
  });

  it("stays exact for amounts whose product exceeds 2^53", () => {
    const long = { start: 0, end: 2 ** 31 };
    expect(proratedCredits(2 ** 40, long, 2 ** 30)).toBe(2 ** 39);
  });
});

describe("mulDivRound", () => {
  it("refuses a divisor that is not positive", () => {
    expect(() => mulDivRound(1, 1, 0)).toThrow(/divisor must be positive/);
  });
});
