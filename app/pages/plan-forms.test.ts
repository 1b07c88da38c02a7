import { parseWithZod } from "@conform-to/zod";
import { describe, expect, it } from "vitest";
import { parseCreatePlanInput } from "../plans/index.server";
import {
  centsToPrice,
  createInputFrom,
  editPlanForm,
  newSubscriptionPlanForm,
  patchFrom,
  priceToCents,
} from "./plan-forms";

describe("admin form input", () => {
  it("reads prices the way people type them", () => {
    expect(priceToCents("10")).toBe(1000);
    expect(priceToCents("10.5")).toBe(1050);
    expect(priceToCents("$1,000.09")).toBe(100009);
    expect(priceToCents("0.99")).toBe(99);
    expect(priceToCents("ten")).toBe("ten");
    expect(priceToCents("1.999")).toBe("1.999");
    expect(centsToPrice(1050)).toBe("10.50");
    expect(centsToPrice(5)).toBe("0.05");
  });

  it("turns a create form into the same input the API's schema gives, with every error in the form's words", () => {
    const form = new FormData();
    for (const [k, v] of Object.entries({
      kind: "subscription",
      planFamily: "team",
      version: "",
      publicName: "Team",
      credits: "1,000",
      price: "12.00",
      currency: "USD",
      interval: "year",
      creditExpiryDays: "30",
      isActive: "on",
    })) {
      form.set(k, v);
    }
    const ok = parseWithZod(form, { schema: newSubscriptionPlanForm });
    expect(ok.status).toBe("success");
    const input = createInputFrom(ok.status === "success" ? ok.value : (undefined as never));
    expect(input).toEqual(
      parseCreatePlanInput("subscription", {
        planFamily: "team",
        publicName: "Team",
        credits: 1000,
        priceCents: 1200,
        currency: "usd",
        interval: "year",
        creditExpiryDays: 30,
        isActive: true,
      }),
    );

    for (const [k, v] of Object.entries({
      planFamily: "my plan",
      publicName: "",
      credits: "lots",
      price: "ten",
      currency: "dollars",
    }))
      form.set(k, v);
    const bad = parseWithZod(form, { schema: newSubscriptionPlanForm });
    expect(bad.status === "error" && bad.error).toEqual({
      planFamily: ["Start the plan family with a letter or digit and use only letters, digits, “.”, “_” and “-”."],
      publicName: ["Enter the name customers see."],
      credits: ["Enter a whole number of credits."],
      price: ["Enter a price like 10.00."],
      currency: ["Enter a three-letter currency code, e.g. usd."],
    });
  });

  it("reads unchecked boxes on the edit form as false", () => {
    const form = new FormData();
    form.set("publicName", "Pro");
    form.set("creditExpiryDays", "30");
    form.set("intent", "update");
    const parsed = parseWithZod(form, { schema: editPlanForm });
    expect(parsed.status === "success" && patchFrom(parsed.value)).toEqual({
      publicName: "Pro",
      creditExpiryDays: 30,
      isLegacy: false,
      isActive: false,
    });
  });

  it("reads a rollover's terms from the create form", () => {
    const form = parseWithZod(
      toFormData({
        kind: "subscription",
        planFamily: "roll",
        publicName: "Roll",
        credits: "100",
        price: "1.00",
        rolloverPercent: "30",
        rolloverMaxCredits: "1,000",
      }),
      { schema: newSubscriptionPlanForm },
    );
    expect(form.status).toBe("success");
    if (form.status === "success") {
      expect(createInputFrom(form.value).input).toMatchObject({ rolloverPercent: 30, rolloverMaxCredits: 1000 });
    }
  });
});

function toFormData(values: Record<string, string>): FormData {
  const f = new FormData();
  for (const [k, v] of Object.entries(values)) f.set(k, v);
  return f;
}
