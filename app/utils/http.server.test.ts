import type { LoaderFunctionArgs } from "@remix-run/node";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { closeDatabase } from "../../db/client";
import { testContext } from "../../test/db";
import { apiResource, errorAnswer, errorResponse, parseId, parseJsonBytes, readJsonBody } from "./http.server";
import { MAX_BODY_BYTES } from "./limits";
import { respondIdempotently } from "./idempotency.server";
import { canonicalJson, MAX_JSON_DEPTH } from "./json";
import { parseInput, parseLimit, zCredits, zInstant } from "./schemas.server";
import { AppError } from "./errors";
import { rejectedAppError, thrownAppError } from "../../test/errors";

function post(
  body: BodyInit | null,
  headers: Record<string, string> = { "content-type": "application/json" },
): Request {
  return new Request("http://localhost/api/v1/x", { method: "POST", body, headers });
}

/** A body that arrives in chunks without a Content-Length, like a chunked upload. */
function streamOf(totalBytes: number, chunk = 64 * 1024): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent >= totalBytes) return controller.close();
      const n = Math.min(chunk, totalBytes - sent);
      sent += n;
      controller.enqueue(new Uint8Array(n).fill(0x20));
    },
  });
}

describe("readJsonBody", () => {
  it("parses a JSON object, also with a charset or a +json media type", async () => {
    expect(await readJsonBody(post('{"a":1}'))).toEqual({ a: 1 });
    expect(await readJsonBody(post('{"a":1}', { "content-type": "application/json; charset=utf-8" }))).toEqual({
      a: 1,
    });
    expect(await readJsonBody(post('{"a":1}', { "content-type": "application/merge-patch+json" }))).toEqual({ a: 1 });
  });

  it("reads an empty body, with or without a Content-Type, as an empty object", async () => {
    expect(await readJsonBody(post(null, {}))).toEqual({});
    expect(await readJsonBody(post(""))).toEqual({});
  });

  it("refuses a non-JSON content type, and a body sent without any content type, with 415", async () => {
    expect(
      (await rejectedAppError(readJsonBody(post("a=1", { "content-type": "application/x-www-form-urlencoded" })))).code,
    ).toBe("unsupported_media_type");
    expect((await rejectedAppError(readJsonBody(post('{"a":1}', { "content-type": "text/plain" })))).code).toBe(
      "unsupported_media_type",
    );
    const noType = new Request("http://localhost/x", { method: "POST", body: new Blob(['{"a":1}']) });
    expect(noType.headers.get("content-type")).toBeNull();
    expect((await rejectedAppError(readJsonBody(noType))).code).toBe("unsupported_media_type");
  });

  it("refuses malformed JSON, invalid UTF-8 and bodies that are not objects with 400", async () => {
    for (const body of ['{"a":', "[1,2]", "null", "12", '"text"']) {
      expect((await rejectedAppError(readJsonBody(post(body)))).code).toBe("invalid_request");
    }
    expect((await rejectedAppError(readJsonBody(post(new Uint8Array([0x7b, 0xff, 0x7d]))))).code).toBe(
      "invalid_request",
    );
  });

  it("refuses a body over 1 MiB by its Content-Length before reading it", async () => {
    const request = post("{}", { "content-type": "application/json", "content-length": String(MAX_BODY_BYTES + 1) });
    expect((await rejectedAppError(readJsonBody(request))).code).toBe("payload_too_large");
  });

  it("refuses a streamed body over 1 MiB that declares no length, and accepts exactly 1 MiB", async () => {
    const big = new Request("http://localhost/x", {
      method: "POST",
      body: streamOf(MAX_BODY_BYTES + 1),
      headers: { "content-type": "application/json" },
      duplex: "half",
    } as RequestInit);
    expect((await rejectedAppError(readJsonBody(big))).code).toBe("payload_too_large");
    const exact = "{" + " ".repeat(MAX_BODY_BYTES - 2) + "}";
    expect(await readJsonBody(post(exact))).toEqual({});
  });

  it("still refuses a body over 1 MiB that declared a small Content-Length", async () => {
    const lying = post("{" + " ".repeat(MAX_BODY_BYTES) + "}", {
      "content-type": "application/json",
      "content-length": "2",
    });
    expect((await rejectedAppError(readJsonBody(lying))).code).toBe("payload_too_large");
  });
});

describe("parseJsonBytes (the body rules of every transport)", () => {
  const bytes = (text: string) => Buffer.from(text);

  it("parses a JSON object and reads an empty or blank body as {}", () => {
    expect(parseJsonBytes(bytes('{"a":1}'), "application/json")).toEqual({ a: 1 });
    expect(parseJsonBytes(bytes(""), undefined)).toEqual({});
    expect(parseJsonBytes(bytes("  \n"), "application/json")).toEqual({});
  });

  it("answers 413 for a body the transport stopped reading, but 415 first for a non-JSON type", () => {
    expect(thrownAppError(() => parseJsonBytes(null, "application/json")).code).toBe("payload_too_large");
    expect(thrownAppError(() => parseJsonBytes(null, undefined)).code).toBe("payload_too_large");
    expect(thrownAppError(() => parseJsonBytes(null, "text/plain")).code).toBe("unsupported_media_type");
    expect(thrownAppError(() => parseJsonBytes(new Uint8Array(MAX_BODY_BYTES + 1), "application/json")).code).toBe(
      "payload_too_large",
    );
  });

  it("refuses a non-empty body without a content type, invalid UTF-8, malformed JSON and non-objects", () => {
    expect(thrownAppError(() => parseJsonBytes(bytes('{"a":1}'), undefined)).code).toBe("unsupported_media_type");
    expect(thrownAppError(() => parseJsonBytes(new Uint8Array([0x7b, 0xff, 0x7d]), "application/json")).code).toBe(
      "invalid_request",
    );
    for (const body of ['{"a":', "[1]", "null", "3"]) {
      expect(thrownAppError(() => parseJsonBytes(bytes(body), "application/json")).code).toBe("invalid_request");
    }
  });
});

describe("parseJsonBytes nesting limit", () => {
  /** A body `depth` levels deep: the object itself, then arrays inside it. */
  const nestedBody = (depth: number) => Buffer.from(`{"a":${"[".repeat(depth - 1)}${"]".repeat(depth - 1)}}`);

  it(`accepts a body nested ${MAX_JSON_DEPTH} levels deep and refuses one level more with 400`, () => {
    expect(() => parseJsonBytes(nestedBody(MAX_JSON_DEPTH), "application/json")).not.toThrow();
    const e = thrownAppError(() => parseJsonBytes(nestedBody(MAX_JSON_DEPTH + 1), "application/json"));
    expect(e.code).toBe("invalid_request");
    expect(e.message).toContain(String(MAX_JSON_DEPTH));
  });

  it("does not count brackets inside strings, escaped quotes included", () => {
    const text = `{"a":"${"[{".repeat(5000)}\\"${"[".repeat(5000)}"}`;
    expect(parseJsonBytes(Buffer.from(text), "application/json")).toEqual(JSON.parse(text));
  });

  it("refuses 100,000 levels of nesting with 400 rather than overflowing the stack", () => {
    const deep = Buffer.from(`{"a":${"[".repeat(100_000)}${"]".repeat(100_000)}}`);
    expect(thrownAppError(() => parseJsonBytes(deep, "application/json")).code).toBe("invalid_request");
  });
});

describe("parseInput", () => {
  const schema = z.object({
    amount: zCredits,
    when: zInstant.optional(),
    nested: z.object({ n: z.number() }).optional(),
  });

  it("names the first bad field and says what is wrong with it", () => {
    expect(thrownAppError(() => parseInput(schema, {}))).toMatchObject({
      code: "invalid_request",
      field: "amount",
      message: "`amount` is required.",
    });
    expect(thrownAppError(() => parseInput(schema, { amount: "5" })).message).toBe(
      "`amount` must be a number (got string).",
    );
    expect(thrownAppError(() => parseInput(schema, { amount: 1.5 })).message).toBe("`amount` must be an integer.");
    expect(thrownAppError(() => parseInput(schema, { amount: 0 })).message).toBe("`amount` must be at least 1.");
    expect(thrownAppError(() => parseInput(schema, { amount: 1e12 + 1 })).message).toBe(
      "`amount` must be at most 1,000,000,000,000.",
    );
    expect(thrownAppError(() => parseInput(schema, { amount: 1, when: "tomorrow" })).field).toBe("when");
    expect(thrownAppError(() => parseInput(schema, { amount: 1, nested: { n: "x" } })).field).toBe("nested.n");
  });

  it("accepts ISO-8601 instants with Z or an offset, and refuses a date alone (not a date-time)", () => {
    const at = (when: string) => parseInput(schema, { amount: 1, when }).when?.toISOString();
    expect(at("2026-05-01T10:00:00Z")).toBe("2026-05-01T10:00:00.000Z");
    expect(at("2026-05-01T12:00:00.000+02:00")).toBe("2026-05-01T10:00:00.000Z");
    expect(thrownAppError(() => at("2026-05-01")).field).toBe("when");
    expect(() => at("2026-05-01T10:00:00")).toThrow(AppError);
    expect(() => at("2026-02-30T00:00:00Z")).toThrow(AppError);
  });
});

describe("ids, limits and canonical JSON", () => {
  it("answers not_found for ids that are not positive integers", () => {
    expect(parseId("42", "user")).toBe(42);
    for (const bad of ["0", "-1", "abc", "1.5", "01", "99999999999999999", undefined]) {
      expect(thrownAppError(() => parseId(bad, "user")).code).toBe("not_found");
    }
  });

  it("takes limit 1–100 with 50 by default and refuses anything else", () => {
    const limit = (q: string) => parseLimit(new URLSearchParams(q));
    expect(limit("")).toBe(50);
    expect(limit("limit=")).toBe(50);
    expect(limit("limit=1")).toBe(1);
    expect(limit("limit=100")).toBe(100);
    for (const bad of ["0", "101", "1.5", "-1", "ten", "1e2"]) {
      expect(thrownAppError(() => limit(`limit=${bad}`))).toMatchObject({ code: "invalid_request", field: "limit" });
    }
  });

  it("serialises equal objects equally whatever their key order", () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: null } })).toBe(
      canonicalJson({ a: { c: null, d: [1, { x: 1, y: 2 }] }, b: 1 }),
    );
    expect(canonicalJson({ a: 1 })).not.toBe(canonicalJson({ a: "1" }));
  });
});

describe("errorResponse and apiResource", () => {
  it("turns an AppError into the API's JSON error with its status and extra fields", async () => {
    const res = errorResponse(
      new AppError("insufficient_credits", "Not enough credits.", { extra: { balance: 3, requested: 5 } }),
    );
    expect(res.status).toBe(402);
    expect(res.headers.get("content-type")).toContain("application/json");
    expect(await res.json()).toEqual({
      error: { code: "insufficient_credits", message: "Not enough credits." },
      balance: 3,
      requested: 5,
    });
    const unauth = errorResponse(new AppError("unauthenticated", "No key."));
    expect(unauth.headers.get("www-authenticate")).toMatch(/^Bearer/);
  });

  it("gives the same answer as a plain status, headers and JSON text for any transport", () => {
    const answer = errorAnswer(new AppError("unauthenticated", "No key."));
    expect(answer.status).toBe(401);
    expect(answer.headers).toMatchObject({
      "Content-Type": "application/json; charset=utf-8",
      "Cache-Control": "no-store",
      "WWW-Authenticate": expect.stringMatching(/^Bearer/),
    });
    expect(JSON.parse(answer.body)).toEqual({ error: { code: "unauthenticated", message: "No key." } });
  });

  it("answers 503 with Retry-After when the database stayed locked, since nothing was written", async () => {
    const res = errorResponse(Object.assign(new Error("database is locked"), { code: "SQLITE_BUSY" }));
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("1");
    expect((await res.json()).error.code).toBe("service_unavailable");
  });

  it("hides unexpected errors behind a 500 internal_error", async () => {
    const res = errorResponse(new Error("secret stack details"));
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(text).not.toContain("secret");
    expect(JSON.parse(text).error.code).toBe("internal_error");
  });

  it("answers 405 with an Allow header for a method the endpoint does not have", async () => {
    const route = apiResource({ POST: () => new Response("ok") });
    const args = (method: string) =>
      ({
        request: new Request("http://localhost/x", { method }),
        params: {},
        context: {},
      }) as unknown as LoaderFunctionArgs;
    const res = await route.loader(args("GET"));
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("POST");
    expect((await res.json()).error.code).toBe("method_not_allowed");
    expect((await route.action(args("DELETE"))).status).toBe(405);
    expect(await (await route.action(args("POST"))).text()).toBe("ok");
  });
});

describe("respondIdempotently", () => {
  let ctx: ReturnType<typeof testContext>;
  afterEach(() => closeDatabase(ctx.db));

  const auditCount = () => (ctx.db.$client.prepare("select count(*) as n from audit_log").get() as { n: number }).n;
  /** The Idempotency-Key header as the transport hands it over (undefined = absent). */
  const request = (key?: string) => key;
  const replayedOf = (answer: { headers: Record<string, string> }) => answer.headers["Idempotent-Replayed"] ?? null;
  /** A stand-in domain write: one audit row, answered with its id. */
  const write = (domainKey: string | null) => {
    const r = ctx.db.$client
      .prepare("insert into audit_log (actor, action, subject, created_at) values ('test', 'write', ?, 0) returning id")
      .get(domainKey) as { id: number };
    return { status: 201, body: { id: r.id, domainKey } };
  };

  it("replays the stored answer for the same key and body, writing nothing more", () => {
    ctx = testContext();
    const first = respondIdempotently(ctx, request("k1"), { scope: "users/1/x", body: { a: 1, b: 2 } }, write);
    const replay = respondIdempotently(ctx, request("k1"), { scope: "users/1/x", body: { b: 2, a: 1 } }, write);
    expect(first.status).toBe(201);
    expect(replayedOf(first)).toBeNull();
    expect(replay.status).toBe(201);
    expect(replayedOf(replay)).toBe("true");
    expect(replay.body).toBe(first.body);
    expect(replay.headers["Content-Type"]).toBe("application/json; charset=utf-8");
    expect(auditCount()).toBe(1);
    const row = ctx.db.$client.prepare("select subject from audit_log").get() as { subject: string };
    expect(row.subject).toBe("api:users/1/x:k1");
  });

  it("refuses the same key with another body, and keeps keys of other scopes apart", () => {
    ctx = testContext();
    respondIdempotently(ctx, request("k1"), { scope: "users/1/x", body: { a: 1 } }, write);
    expect(() => respondIdempotently(ctx, request("k1"), { scope: "users/1/x", body: { a: 2 } }, write)).toThrow(
      expect.objectContaining({ code: "idempotency_conflict" }),
    );
    const other = respondIdempotently(ctx, request("k1"), { scope: "users/2/x", body: { a: 2 } }, write);
    expect(replayedOf(other)).toBeNull();
    expect(auditCount()).toBe(2);
  });

  it("stores nothing for a failed request, so a retry with the same key runs again", () => {
    ctx = testContext();
    const failing = (domainKey: string | null) => {
      write(domainKey);
      throw new AppError("insufficient_credits", "short");
    };
    expect(() => respondIdempotently(ctx, request("k1"), { scope: "s", body: {} }, failing)).toThrow(AppError);
    expect(auditCount()).toBe(0);
    expect(ctx.db.$client.prepare("select count(*) as n from api_idempotency").get()).toEqual({ n: 0 });
    expect(respondIdempotently(ctx, request("k1"), { scope: "s", body: {} }, write).status).toBe(201);
    expect(auditCount()).toBe(1);
  });

  it("does not store non-2xx answers a domain call returns", () => {
    ctx = testContext();
    const accepted = () => ({ status: 409, body: { no: true } });
    respondIdempotently(ctx, request("k1"), { scope: "s", body: {} }, accepted);
    expect(ctx.db.$client.prepare("select count(*) as n from api_idempotency").get()).toEqual({ n: 0 });
  });

  it("runs without a transaction or record when there is no key, and refuses keys over 255 characters or empty", () => {
    ctx = testContext();
    respondIdempotently(ctx, request(), { scope: "s", body: {} }, write);
    respondIdempotently(ctx, request(), { scope: "s", body: {} }, write);
    expect(auditCount()).toBe(2);
    expect(respondIdempotently(ctx, request("k".repeat(255)), { scope: "s", body: {} }, write).status).toBe(201);
    for (const key of ["k".repeat(256), ""]) {
      expect(() => respondIdempotently(ctx, request(key), { scope: "s", body: {} }, write)).toThrow(
        expect.objectContaining({ code: "invalid_request", field: "Idempotency-Key" }),
      );
    }
    expect(auditCount()).toBe(3);
  });
});
