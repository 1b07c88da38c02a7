import { describe, expect, it } from "vitest";
import { PASSWORD_HASH_PARAMS, hashPassword, needsRehash, verifyPassword } from "./password.server";

// One full-cost hash is made and reused; the rest use a cheap cost so the suite stays fast.
const CHEAP = { log2N: 10 };

describe("password hashing", () => {
  it("hashes at OWASP's scrypt parameters by default and encodes them in the string", async () => {
    const startedMs = performance.now();
    const hash = await hashPassword("correct horse battery staple");
    const elapsedMs = performance.now() - startedMs;
    const [scheme, log2N, r, p, salt, key] = hash.split("$");
    expect(scheme).toBe("scrypt");
    expect([Number(log2N), Number(r), Number(p)]).toEqual([17, 8, 1]);
    expect(Buffer.from(salt, "base64url")).toHaveLength(16);
    expect(Buffer.from(key, "base64url")).toHaveLength(PASSWORD_HASH_PARAMS.keyBytes);
    // N=2^17 is deliberately slow; a much faster hash would mean the cost was not applied.
    expect(elapsedMs).toBeGreaterThan(40);
    expect(await verifyPassword("correct horse battery staple", hash)).toBe(true);
    expect(await verifyPassword("correct horse battery stapler", hash)).toBe(false);
    expect(needsRehash(hash)).toBe(false);
  });

  it("verifies a hash made with other parameters, using the parameters stored in it", async () => {
    const hash = await hashPassword("a long enough password", CHEAP);
    expect(hash.startsWith("scrypt$10$8$1$")).toBe(true);
    expect(await verifyPassword("a long enough password", hash)).toBe(true);
    expect(await verifyPassword("A long enough password", hash)).toBe(false);
    expect(needsRehash(hash)).toBe(true);
  });

  it("salts every hash, so the same password never hashes the same twice", async () => {
    const [a, b] = await Promise.all([
      hashPassword("same password here", CHEAP),
      hashPassword("same password here", CHEAP),
    ]);
    expect(a).not.toBe(b);
    expect(a.split("$")[4]).not.toBe(b.split("$")[4]);
  });

  it("answers false for a missing or malformed hash after spending a full-cost hash", async () => {
    const cheapStartedMs = performance.now();
    await verifyPassword("whatever", await hashPassword("whatever", CHEAP));
    const cheapMs = performance.now() - cheapStartedMs;
    for (const stored of [null, undefined, "", "not-a-hash", "scrypt$99$8$1$AAAA$BBBB", "bcrypt$2b$10$abc"]) {
      const startedMs = performance.now();
      expect(await verifyPassword("whatever", stored)).toBe(false);
      // The dummy hash runs at N=2^17: clearly slower than the 2^10 hash above.
      expect(performance.now() - startedMs).toBeGreaterThan(cheapMs);
    }
  });

  it("refuses a cost below 2^17 outside tests", async () => {
    const before = process.env.NODE_ENV;
    process.env.NODE_ENV = "production";
    try {
      await expect(hashPassword("a long enough password", CHEAP)).rejects.toThrow(/only allowed in tests/);
    } finally {
      process.env.NODE_ENV = before;
    }
  });
});
