import { describe, expect, it } from "vitest";
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { RenewalNote, planDisplayName } from "./Subscription";

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

describe("the renewal note", () => {
  const subscription = {
    status: "active",
    live: true,
    plan: starter,
    pendingPlan: null,
    currentPeriodEnd: "2026-12-10T00:00:00.000Z",
    cancelAtPeriodEnd: false,
    canceledAt: null,
  };
  const text = (s: typeof subscription) =>
    renderToStaticMarkup(createElement(RenewalNote, { subscription: s }))
      .replace(/<[^>]+>/g, "")
      .replace(/&#x27;/g, "'");

  it("says when an active plan renews and that its credits expire then", () => {
    expect(text(subscription)).toMatch(/^Renews on .*this period's credits expire then\.$/);
  });

  it("after a failed renewal, says the payment is retried and the credits come once it is paid, not that it renews", () => {
    for (const status of ["past_due", "unpaid", "incomplete"]) {
      const note = text({ ...subscription, status });
      expect(note).not.toMatch(/Renews on|expire then/);
      expect(note).toMatch(/renewal payment did not go through/);
      expect(note).toMatch(/credits are added once it is paid/);
    }
  });
});
