import { describe, expect, it } from "vitest";
import { nameWithCredits } from "./format";

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
