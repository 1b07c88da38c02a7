import { describe, expect, it } from "vitest";
import { freshDb } from "../../test/db";
import { ManualClock } from "../utils/clock";
import { AppError } from "../utils/errors";
import { checkWebhookUrl, createWebhookEndpoint, MAX_WEBHOOK_ENDPOINTS } from "./index.server";

function refusal(url: string, production: boolean): string | null {
  try {
    checkWebhookUrl(url, production);
    return null;
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    expect((e as AppError).field).toBe("url");
    return (e as AppError).message;
  }
}

describe("webhook endpoint URLs", () => {
  it("production: https anywhere, plain http only to this machine", () => {
    expect(refusal("https://hooks.example.com/x", true)).toBeNull();
    expect(refusal("http://127.0.0.1:8080/x", true)).toBeNull();
    expect(refusal("http://127.1.2.3/x", true)).toBeNull();
    expect(refusal("http://localhost:3000/x", true)).toBeNull();
    expect(refusal("http://[::1]:3000/x", true)).toBeNull();
    expect(refusal("http://hooks.example.com/x", true)).toMatch(/https/);
    expect(refusal("http://10.0.0.5/x", true)).toMatch(/https/);
    expect(refusal("http://127.0.0.1.example.com/x", true)).toMatch(/https/);
  });

  it("outside production any http(s) URL; never other schemes, credentials, fragments or link-local hosts", () => {
    expect(refusal("http://hooks.example.com/x", false)).toBeNull();
    for (const production of [true, false]) {
      expect(refusal("ftp://example.com/x", production)).toMatch(/http/);
      expect(refusal("javascript:alert(1)", production)).toMatch(/http/);
      expect(refusal("/relative", production)).toMatch(/absolute/);
      expect(refusal("https://u:p@example.com/x", production)).toMatch(/user name/);
      expect(refusal("https://example.com/x#frag", production)).toMatch(/fragment/);
      expect(refusal("http://169.254.169.254/latest/meta-data", production)).toMatch(/link-local/);
      expect(refusal("http://[fe80::1]/x", production)).toMatch(/link-local/);
    }
  });

  it(`refuses a ${MAX_WEBHOOK_ENDPOINTS + 1}st endpoint with 409 and writes nothing`, () => {
    const { db } = freshDb();
    const ctx = { db, clock: new ManualClock() };
    const opts = { production: false, actor: "test" };
    for (let i = 0; i < MAX_WEBHOOK_ENDPOINTS; i++) createWebhookEndpoint(ctx, { url: `https://e${i}.example/` }, opts);
    expect(() => createWebhookEndpoint(ctx, { url: "https://one-more.example/" }, opts)).toThrow(
      expect.objectContaining({ code: "conflict" }),
    );
    expect(db.$client.prepare("select count(*) as n from webhook_endpoints").get()).toEqual({
      n: MAX_WEBHOOK_ENDPOINTS,
    });
  });
});
