import { describe, expect, it } from "vitest";
import { formatDay, nameWithCredits } from "./format";

describe("nameWithCredits", () => {
  it("adds the credits to a name that does not say them", () => {
    expect(nameWithCredits("Team pack", 1000)).toBe("Team pack — 1,000 credits");
    expect(nameWithCredits("Single", 1, ", ")).toBe("Single, 1 credit");
  });

  it("says the credits once when the pack is named after them", () => {
    expect(nameWithCredits("500 credits", 500)).toBe("500 credits");
    expect(nameWithCredits("1,000 credits", 1000, ", ")).toBe("1,000 credits");
    expect(nameWithCredits("1000 Credits", 1000)).toBe("1000 Credits");
  });

  it("still says the credits when the name names another amount", () => {
    expect(nameWithCredits("500 credits", 1000)).toBe("500 credits — 1,000 credits");
  });
});

describe("formatDay", () => {
  it("says a UTC calendar day as a date people read, never as 11-08", () => {
    expect(formatDay("2026-11-08")).toBe("Nov 8, 2026");
    expect(formatDay("2026-12-31")).toBe("Dec 31, 2026");
  });

  it("refuses what is not a calendar day", () => {
    expect(() => formatDay("11-08")).toThrow("Not a calendar day");
  });
});
