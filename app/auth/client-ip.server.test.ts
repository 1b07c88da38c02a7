import { describe, expect, it } from "vitest";
import { clientIpFromRequest, resolveClientIp } from "./client-ip.server";

describe("the client IP used for login throttling", () => {
  it("prefers Fly-Client-IP, which Fly's edge sets and clients cannot override there", () => {
    expect(resolveClientIp({ "fly-client-ip": "203.0.113.5", "x-forwarded-for": "10.0.0.1" }, "10.0.0.1")).toBe("203.0.113.5");
  });

  it("falls back to express's req.ip and folds IPv4-mapped IPv6 into IPv4", () => {
    expect(resolveClientIp({}, "::ffff:127.0.0.1")).toBe("127.0.0.1");
    expect(resolveClientIp({}, "2001:DB8::1")).toBe("2001:db8::1");
    expect(resolveClientIp({}, undefined)).toBeUndefined();
  });

  it("reads the single address the server put in X-Forwarded-For", () => {
    const request = new Request("http://localhost/login", { headers: { "x-forwarded-for": "203.0.113.5, 10.0.0.1" } });
    expect(clientIpFromRequest(request)).toBe("203.0.113.5");
    expect(clientIpFromRequest(new Request("http://localhost/login"))).toBeNull();
  });
});
