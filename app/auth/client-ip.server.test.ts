import { describe, expect, it } from "vitest";
import { clientIpFromRequest, resolveClientIp } from "./client-ip.server";

const forged = { "fly-client-ip": "198.51.100.7", "x-forwarded-for": "192.0.2.1, 203.0.113.9" };

describe("the client IP used for throttling", () => {
  it("trusts no header when no proxy is configured: a client cannot rotate its address", () => {
    expect(resolveClientIp(forged, "10.0.0.1", { kind: "none" })).toBe("10.0.0.1");
  });

  it("with TRUST_PROXY=fly reads Fly-Client-IP, which Fly's edge sets", () => {
    expect(resolveClientIp(forged, "10.0.0.1", { kind: "fly" })).toBe("198.51.100.7");
    expect(resolveClientIp({}, "10.0.0.1", { kind: "fly" })).toBe("10.0.0.1");
    expect(resolveClientIp({ "fly-client-ip": "not-an-ip" }, "10.0.0.1", { kind: "fly" })).toBe("10.0.0.1");
  });

  it("with N hops takes the N-th X-Forwarded-For entry from the right, ignoring what the client put left of it", () => {
    expect(resolveClientIp(forged, "10.0.0.1", { kind: "hops", hops: 1 })).toBe("203.0.113.9");
    expect(resolveClientIp(forged, "10.0.0.1", { kind: "hops", hops: 2 })).toBe("192.0.2.1");
    expect(resolveClientIp({ "x-forwarded-for": "203.0.113.9" }, "10.0.0.1", { kind: "hops", hops: 2 })).toBe(
      "203.0.113.9",
    );
    expect(resolveClientIp({}, "10.0.0.1", { kind: "hops", hops: 1 })).toBe("10.0.0.1");
  });

  it("folds IPv4-mapped IPv6 into IPv4 and lowercases IPv6", () => {
    expect(resolveClientIp({}, "::ffff:127.0.0.1", { kind: "none" })).toBe("127.0.0.1");
    expect(resolveClientIp({}, "2001:DB8::1", { kind: "none" })).toBe("2001:db8::1");
    expect(resolveClientIp({}, undefined, { kind: "none" })).toBeUndefined();
  });

  it("reads the single address the server put in X-Forwarded-For", () => {
    const request = new Request("http://localhost/login", { headers: { "x-forwarded-for": "203.0.113.5, 10.0.0.1" } });
    expect(clientIpFromRequest(request)).toBe("203.0.113.5");
    expect(clientIpFromRequest(new Request("http://localhost/login"))).toBeNull();
  });
});
