// The /api surface as an integrator meets it on the production server: every answer is JSON in the
// one error shape (unknown paths and malformed percent-encoding included), carries a Request-Id
// (the client's sane X-Request-Id kept), and the server's log lines for the request name it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startProductionServer, type ProductionServer } from "../../test/production-server";

let api: ProductionServer;
beforeAll(async () => {
  api = await startProductionServer();
}, 300_000);
afterAll(async () => {
  await api?.close();
});

/** A request the JSON client would refuse to send as is (a malformed URL), straight through fetch. */
async function raw(path: string, init: RequestInit = {}) {
  const res = await fetch(`${api.base}${path}`, init);
  const text = await res.text();
  return { status: res.status, headers: res.headers, text };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe("JSON everywhere under /api", () => {
  it.each([
    ["GET", "/api/admin/nothing-here", 404, "not_found"],
    ["POST", "/api/admin/webhook-endpoints/1/nothing", 404, "not_found"],
    ["GET", "/api/nowhere", 404, "not_found"],
    ["GET", "/api/v1/nothing-here", 404, "not_found"],
    ["GET", "/api/admin/topup-plans/%E0%A4%A", 400, "invalid_request"],
    ["GET", "/api/admin/%", 400, "invalid_request"],
  ])("%s %s answers %i %s as {error: {code, message}}", async (method, path, status, code) => {
    const res = await raw(path, { method, headers: { authorization: `Bearer ${api.keys.admin}` } });
    expect(res.status, res.text).toBe(status);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(JSON.parse(res.text)).toEqual({ error: { code, message: expect.any(String) } });
  });
});

describe("Request-Id", () => {
  it("is on every /api answer, v1 and admin, success and error, and a new one each time", async () => {
    const answers = [
      await api.get("/api/v1/openapi.json"),
      await api.get("/api/v1/users/999999"),
      await api.get("/api/admin/topup-plans"),
      await api.get("/api/admin/nothing-here"),
      await api.post("/api/v1/users", { email: "rid@example.com" }),
    ];
    const ids = answers.map((a) => a.headers.get("request-id"));
    for (const id of ids) expect(id).toMatch(UUID);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("keeps a client's sane X-Request-Id and replaces one that is not", async () => {
    const kept = await api.get("/api/v1/users/999999", { headers: { "x-request-id": "trace-42.abc_DEF:1" } });
    expect(kept.headers.get("request-id")).toBe("trace-42.abc_DEF:1");
    const admin = await api.get("/api/admin/topup-plans", { headers: { "x-request-id": "job/7" } });
    expect(admin.headers.get("request-id")).toBe("job/7");
    for (const bad of ["x".repeat(201), "has space", 'quote"d', ""]) {
      const res = await api.get("/api/v1/users/999999", { headers: { "x-request-id": bad } });
      expect(res.headers.get("request-id"), bad).toMatch(UUID);
    }
  });

  it("is in the server's log line for that request", async () => {
    const id = `log-check-${Date.now()}`;
    await api.get("/api/v1/users/999999", { headers: { "x-request-id": id } });
    const adminId = `${id}-admin`;
    await api.get("/api/admin/topup-plans", { headers: { "x-request-id": adminId } });
    await expect.poll(() => api.output().includes(adminId), { timeout: 5_000 }).toBe(true);
    const lines = api
      .output()
      .split("\n")
      .filter((l) => l.includes(id))
      .map((l) => JSON.parse(l));
    expect(lines).toEqual([
      expect.objectContaining({ msg: "request", path: "/api/v1/users/999999", status: 404, requestId: id }),
      expect.objectContaining({ msg: "request", path: "/api/admin/topup-plans", status: 200, requestId: adminId }),
    ]);
  });
});
