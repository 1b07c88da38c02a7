import { describe, expect, it } from "vitest";
import { errorCatalogue } from "~/api/error-catalogue";
import { ERROR_STATUS } from "~/utils/errors";
import { snippets } from "./Snippets";

describe("/docs/api snippets", () => {
  it("give curl, the TypeScript SDK and Python for an operation, with its key, Idempotency-Key and body", () => {
    const [curl, ts, py] = snippets(
      {
        id: "op-createDeduction",
        method: "post",
        path: "/api/v1/users/{userId}/deductions",
        op: { parameters: [{ name: "Idempotency-Key", in: "header" }] },
      },
      { amount: 25, metadata: { ok: true, none: null } },
    );
    expect(curl.code).toContain("curl -X POST https://credits.example.com/api/v1/users/42/deductions");
    expect(curl.code).toContain('-H "Idempotency-Key: $(uuidgen)"');
    expect(curl.code).toContain(`-d '{"amount":25,"metadata":{"ok":true,"none":null}}'`);
    expect(ts.code).toContain('credits.POST("/api/v1/users/{userId}/deductions"');
    expect(ts.code).toContain('params: { path: { userId: "42" }, header: { "Idempotency-Key": idempotencyKey() } }');
    expect(py.code).toContain('json={"amount":25,"metadata":{"ok":True,"none":None}}');
    expect(py.code).toContain('"Idempotency-Key": str(uuid.uuid4())');
  });

  it("leave out the body and Idempotency-Key of a GET", () => {
    const [curl, ts, py] = snippets(
      { id: "op-getBalance", method: "get", path: "/api/v1/users/{userId}/balance", op: {} },
      undefined,
    );
    expect(curl.code).not.toContain("-d");
    expect(ts.code).toContain(
      'credits.GET("/api/v1/users/{userId}/balance", {\n  params: { path: { userId: "42" } },\n});',
    );
    expect(py.code).not.toMatch(/json=|uuid/);
  });
});

describe("the error catalogue", () => {
  it("has every error code with its status, what it means and what to do", () => {
    const entries = errorCatalogue();
    expect(entries.map((e) => e.code).sort()).toEqual(Object.keys(ERROR_STATUS).sort());
    for (const e of entries) {
      expect(e.status).toBe(ERROR_STATUS[e.code]);
      expect(e.meaning.length, e.code).toBeGreaterThan(10);
      expect(e.action.length, e.code).toBeGreaterThan(10);
    }
  });
});
