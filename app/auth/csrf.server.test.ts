import { describe, expect, it } from "vitest";
import { isCrossOriginPost, isExemptFromOriginCheck } from "./csrf.server";

const APP = "https://credits.example.com";

function post(headers: Record<string, string>, path = "/login", method = "POST") {
  return isCrossOriginPost(method, path, new Headers(headers), APP);
}

describe("cross-origin form posts", () => {
  it("accepts a same-origin post", () => {
    expect(post({ "sec-fetch-site": "same-origin", origin: APP, host: "credits.example.com" })).toBe(false);
    expect(post({ origin: APP })).toBe(false);
  });

  it("accepts a post whose Origin matches the Host it was sent to", () => {
    expect(post({ origin: "http://localhost:3210", host: "localhost:3210" })).toBe(false);
  });

  it("refuses a post from another site", () => {
    expect(post({ "sec-fetch-site": "cross-site", origin: "https://evil.example" })).toBe(true);
    expect(post({ "sec-fetch-site": "same-site", origin: "https://sub.example.com" })).toBe(true);
    expect(post({ origin: "https://evil.example", host: "credits.example.com" })).toBe(true);
  });

  it("refuses a post from an opaque origin (sandboxed frame, data: URL)", () => {
    expect(post({ origin: "null" })).toBe(true);
  });

  it("lets clients that send neither Sec-Fetch-Site nor Origin through (curl, servers)", () => {
    expect(post({})).toBe(false);
    expect(post({ "sec-fetch-site": "none" })).toBe(false);
  });

  it("never checks safe methods", () => {
    for (const method of ["GET", "HEAD", "OPTIONS"]) {
      expect(post({ "sec-fetch-site": "cross-site", origin: "https://evil.example" }, "/credits", method)).toBe(false);
    }
  });

  it("exempts the Stripe webhook, which carries no cookie", () => {
    expect(isExemptFromOriginCheck("/api/webhooks/stripe", new Headers())).toBe(true);
    expect(post({ "sec-fetch-site": "cross-site", origin: "https://stripe.example" }, "/api/webhooks/stripe")).toBe(
      false,
    );
  });

  it("exempts requests authenticated by a Bearer API key", () => {
    const headers = {
      authorization: "Bearer cb_admin_abc",
      "sec-fetch-site": "cross-site",
      origin: "https://evil.example",
    };
    expect(post(headers, "/api/v1/users")).toBe(false);
    expect(post({ ...headers, authorization: "Basic abc" }, "/api/v1/users")).toBe(true);
  });
});
