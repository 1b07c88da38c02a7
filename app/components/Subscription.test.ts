import { describe, expect, it } from "vitest";
import { planDisplayName } from "./Subscription";

const starter = {
  id: 1,
  publicName: "Starter",
  credits: 1000,
  priceCents: 1000,
  currency: "usd",
  interval: "month",
  isLegacy: false,
  isActive: true,
  archivedAt: null,
  createdAt: "2025-04-01T00:00:00.000Z",
};

describe("plan names", () => {
  it("name a plan on sale as it is, and one no longer sold with its year", () => {
    expect(planDisplayName(starter)).toBe("Starter");
    expect(planDisplayName({ ...starter, isLegacy: true })).toBe("Starter (2025 plan, no longer sold)");
    expect(planDisplayName({ ...starter, isActive: false })).toBe("Starter (2025 plan, no longer sold)");
    expect(planDisplayName({ ...starter, archivedAt: "2026-01-01T00:00:00.000Z" })).toBe(
      "Starter (2025 plan, no longer sold)",
    );
  });
});
