import { describe, expect, it } from "vitest";
import { parseStripeForm } from "./form";

describe("parseStripeForm", () => {
  it("reads Stripe's bracket notation into nested objects and arrays", () => {
    const body =
      "mode=subscription&line_items[0][price]=price_1&line_items[0][quantity]=2&line_items[1][price]=price_2" +
      "&metadata[userId]=42&subscription_data[metadata][userId]=42&expand[0]=line_items&expand[1]=customer";
    expect(parseStripeForm(body)).toEqual({
      mode: "subscription",
      line_items: [{ price: "price_1", quantity: "2" }, { price: "price_2" }],
      metadata: { userId: "42" },
      subscription_data: { metadata: { userId: "42" } },
      expand: ["line_items", "customer"],
    });
  });

  it("reads percent-encoded brackets, empty brackets and plus-encoded spaces", () => {
    expect(parseStripeForm("expand%5B%5D=a&expand%5B%5D=b&name=Ada+Lovelace&description=a%26b")).toEqual({
      expand: ["a", "b"],
      name: "Ada Lovelace",
      description: "a&b",
    });
  });

  it("keeps an empty value, which Stripe reads as 'unset'", () => {
    expect(parseStripeForm("metadata[plan]=&nickname=")).toEqual({ metadata: { plan: "" }, nickname: "" });
  });

  it("orders array items by index, not by arrival", () => {
    expect(parseStripeForm("items[1][id]=b&items[0][id]=a")).toEqual({ items: [{ id: "a" }, { id: "b" }] });
  });

  it("reads an empty body as no parameters", () => {
    expect(parseStripeForm("")).toEqual({});
  });
});
