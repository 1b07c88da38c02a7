import { afterEach, describe, expect, it } from "vitest";
import { closeDatabase, openDatabase } from "../../db/client";
import { testContext } from "../../test/db";
import {
  authenticateApiKey,
  createApiKey,
  getApiKey,
  hashApiKey,
  LAST_USED_WRITE_INTERVAL_MS,
  listApiKeys,
  requireApiKey,
  revokeApiKey,
} from "./api-keys.server";
import { thrownAppError } from "../../test/errors";

let ctx: ReturnType<typeof testContext>;
afterEach(() => closeDatabase(ctx.db));
const setup = () => (ctx = testContext());

function storedRows() {
  return ctx.db.$client.prepare("select * from api_keys").all() as Record<string, unknown>[];
}

function bearer(key: string | null, raw?: string): Request {
  const headers = new Headers();
  if (raw !== undefined) headers.set("authorization", raw);
  else if (key) headers.set("authorization", `Bearer ${key}`);
  return new Request("http://localhost/api/v1/anything", { headers });
}

describe("createApiKey", () => {
  it("returns a recognisable key with 32 random bytes and stores only its hash and a short prefix", () => {
    setup();
    const { key, record } = createApiKey(ctx, { name: "worker", scope: "usage" });
    expect(key).toMatch(/^cb_usage_[A-Za-z0-9_-]{43}$/);
    expect(record).toMatchObject({
      name: "worker",
      scope: "usage",
      createdBy: null,
      lastUsedAt: null,
      revokedAt: null,
    });
    expect(key.startsWith(record.prefix)).toBe(true);
    expect(record.prefix.length).toBeLessThan(16);
    const [row] = storedRows();
    expect(row.key_hash).toBe(hashApiKey(key));
    expect(JSON.stringify(row)).not.toContain(key.slice(13));
  });

  it("marks admin keys with their own prefix and never makes the same key twice", () => {
    setup();
    const a = createApiKey(ctx, { name: "ops", scope: "admin", createdBy: "cli" });
    const b = createApiKey(ctx, { name: "ops", scope: "admin" });
    expect(a.key).toMatch(/^cb_admin_/);
    expect(a.key).not.toBe(b.key);
    expect(a.record.createdBy).toBe("cli");
  });

  it("records the creation in the audit log", () => {
    setup();
    const { record } = createApiKey(ctx, { name: "ops", scope: "admin", createdBy: "user:7" });
    const audit = ctx.db.$client.prepare("select actor, action, subject from audit_log").all();
    expect(audit).toEqual([{ actor: "user:7", action: "api_key.create", subject: `api_key:${record.id}` }]);
  });

  it("refuses an empty name, a too long name and an unknown scope without writing anything", () => {
    setup();
    expect(thrownAppError(() => createApiKey(ctx, { name: "  ", scope: "usage" }))).toMatchObject({ field: "name" });
    expect(thrownAppError(() => createApiKey(ctx, { name: "x".repeat(101), scope: "usage" }))).toMatchObject({
      field: "name",
    });
    expect(thrownAppError(() => createApiKey(ctx, { name: "x", scope: "root" as never }))).toMatchObject({
      code: "invalid_request",
      field: "scope",
    });
    expect(storedRows()).toHaveLength(0);
  });
});

describe("authenticateApiKey", () => {
  it("finds the key's record for the exact key and nothing for a wrong or malformed one", () => {
    setup();
    const { key, record } = createApiKey(ctx, { name: "worker", scope: "usage" });
    expect(authenticateApiKey(ctx, key)?.id).toBe(record.id);
    const flipped = key.slice(0, -1) + (key.endsWith("A") ? "B" : "A");
    expect(authenticateApiKey(ctx, flipped)).toBeNull();
    expect(authenticateApiKey(ctx, "")).toBeNull();
    expect(authenticateApiKey(ctx, key + "x")).toBeNull();
  });

  it("stops accepting a key as soon as it is revoked, even by another connection", () => {
    setup();
    const { key, record } = createApiKey(ctx, { name: "worker", scope: "usage" });
    expect(authenticateApiKey(ctx, key)).not.toBeNull();
    const other = testContextOn(ctx.path);
    revokeApiKey(other, { id: record.id });
    closeDatabase(other.db);
    expect(authenticateApiKey(ctx, key)).toBeNull();
  });

  it("records last use at most once a minute per key", () => {
    setup();
    const { key, record } = createApiKey(ctx, { name: "worker", scope: "usage" });
    const lastUsed = () => getApiKey(ctx.db, record.id)!.lastUsedAt?.getTime();
    const t0Ms = ctx.clock.now().getTime();
    authenticateApiKey(ctx, key);
    expect(lastUsed()).toBe(t0Ms);
    ctx.clock.advance(LAST_USED_WRITE_INTERVAL_MS - 1);
    const changesBefore = ctx.db.$client.prepare("select total_changes() as n").get() as { n: number };
    authenticateApiKey(ctx, key);
    const changesAfter = ctx.db.$client.prepare("select total_changes() as n").get() as { n: number };
    expect(changesAfter.n).toBe(changesBefore.n);
    expect(lastUsed()).toBe(t0Ms);
    ctx.clock.advance(1);
    authenticateApiKey(ctx, key);
    expect(lastUsed()).toBe(t0Ms + LAST_USED_WRITE_INTERVAL_MS);
  });
});

describe("revokeApiKey and listApiKeys", () => {
  it("lists every key without its secret and keeps the first revocation date on a second revoke", () => {
    setup();
    const a = createApiKey(ctx, { name: "a", scope: "usage" });
    createApiKey(ctx, { name: "b", scope: "admin" });
    const first = revokeApiKey(ctx, { id: a.record.id, actor: "cli" });
    ctx.clock.advance(5_000);
    const second = revokeApiKey(ctx, { id: a.record.id });
    expect(second.revokedAt).toEqual(first.revokedAt);
    const list = listApiKeys(ctx.db);
    expect(list.map((k) => [k.name, k.scope, k.revokedAt !== null])).toEqual([
      ["a", "usage", true],
      ["b", "admin", false],
    ]);
    expect(JSON.stringify(list)).not.toContain(a.key);
    const revocations = ctx.db.$client.prepare("select actor from audit_log where action = 'api_key.revoke'").all();
    expect(revocations).toEqual([{ actor: "cli" }]);
  });

  it("answers not_found for a key that does not exist", () => {
    setup();
    expect(thrownAppError(() => revokeApiKey(ctx, { id: 99 }))).toMatchObject({ code: "not_found" });
  });
});

describe("requireApiKey", () => {
  it("returns the record of a valid Bearer key of a sufficient scope", () => {
    setup();
    const usage = createApiKey(ctx, { name: "u", scope: "usage" });
    const admin = createApiKey(ctx, { name: "a", scope: "admin" });
    expect(requireApiKey(bearer(usage.key), ctx, "usage").id).toBe(usage.record.id);
    expect(requireApiKey(bearer(admin.key), ctx, "usage").id).toBe(admin.record.id);
    expect(requireApiKey(bearer(admin.key), ctx, "admin").id).toBe(admin.record.id);
    expect(requireApiKey(bearer(null, `bearer   ${admin.key}`), ctx, "admin").id).toBe(admin.record.id);
  });

  it("is unauthenticated without a header, with another scheme, with an unknown key or a revoked one", () => {
    setup();
    const usage = createApiKey(ctx, { name: "u", scope: "usage" });
    for (const request of [
      bearer(null),
      bearer(null, `Basic ${Buffer.from("a:b").toString("base64")}`),
      bearer(null, "Bearer"),
      bearer("cb_usage_" + "A".repeat(43)),
    ]) {
      expect(thrownAppError(() => requireApiKey(request, ctx, "usage")).code).toBe("unauthenticated");
    }
    revokeApiKey(ctx, { id: usage.record.id });
    expect(thrownAppError(() => requireApiKey(bearer(usage.key), ctx, "usage")).code).toBe("unauthenticated");
  });

  it("forbids a usage key on an admin endpoint", () => {
    setup();
    const usage = createApiKey(ctx, { name: "u", scope: "usage" });
    expect(thrownAppError(() => requireApiKey(bearer(usage.key), ctx, "admin")).code).toBe("forbidden");
  });
});

/** A second connection (its own context) on the same database file. */
function testContextOn(file: string) {
  return { db: openDatabase(file), clock: ctx.clock };
}
