import { describe, expect, it } from "vitest";
import { auditActionLabel, describeAuditDetails, detailKeyLabel } from "./audit-details";

describe("audit rows in people's words", () => {
  it("names known actions and turns unknown ones into words", () => {
    expect(auditActionLabel("credits.grant")).toBe("Credits granted");
    expect(auditActionLabel("user.login")).toBe("Logged in");
    expect(auditActionLabel("webhook_endpoint.disable")).toBe("Webhook endpoint: disable");
  });

  it("labels detail keys as words", () => {
    expect(detailKeyLabel("ip")).toBe("IP address");
    expect(detailKeyLabel("rolloverMaxCredits")).toBe("Rollover max credits");
    expect(detailKeyLabel("priceCents")).toBe("Price");
  });

  it("says a stored plan in one line, not as JSON", () => {
    const plan = {
      id: 2,
      publicName: "500 credits",
      credits: 500,
      priceCents: 500,
      currency: "usd",
      stripePriceId: "price_x",
      isLegacy: false,
    };
    expect(describeAuditDetails({ plan })).toEqual([{ label: "Plan", value: "500 credits, $5.00" }]);
    expect(describeAuditDetails({ plan: { ...plan, publicName: "Pro", credits: 5000, interval: "month" } })).toEqual([
      { label: "Plan", value: "Pro — 5,000 credits, $5.00 / month" },
    ]);
  });

  it("says each value the way pages do: dates, money, counts, ids, yes/no", () => {
    expect(
      describeAuditDetails({
        ip: "127.0.0.1",
        grantId: 12,
        amount: 1500,
        lockedUntil: "2026-12-11T00:00:00.000Z",
        knownDevice: false,
        disabledReason: null,
      }),
    ).toEqual([
      { label: "IP address", value: "127.0.0.1" },
      { label: "Grant", value: "#12" },
      { label: "Amount", value: "1,500" },
      { label: "Locked until", value: "Dec 11, 2026, 12:00 AM UTC" },
      { label: "Known device", value: "no" },
      { label: "Disabled reason", value: "—" },
    ]);
  });

  it("says a change as before → after, one line per changed field", () => {
    expect(
      describeAuditDetails({
        changed: ["publicName", "isLegacy"],
        before: { publicName: "Starter", isLegacy: false, credits: 1000 },
        after: { publicName: "Starter plus", isLegacy: true, credits: 1000 },
      }),
    ).toEqual([
      { label: "Name", value: "Starter → Starter plus" },
      { label: "Legacy", value: "no → yes" },
    ]);
  });

  it("has nothing to say about a row without details", () => {
    expect(describeAuditDetails(null)).toEqual([]);
  });
});
