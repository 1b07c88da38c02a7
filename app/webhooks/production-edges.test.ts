// Outbound webhooks on the production server (issue 22 bullets 6–7, issue 24 item 5): endpoint
// addresses checked at creation and at every delivery, failed attempts that cannot map a network,
// one hanging endpoint that cannot hold up another, PATCH and secret rotation, and the events list
// and deliveries paged to the end.
import net from "node:net";
import { Webhook } from "standardwebhooks";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { grantCredits } from "../credits/index.server";
import { startProductionServer, type ProductionServer } from "../../test/production-server";
import { startReceiver, type Receiver, type Received } from "./test-support";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const f of cleanups.splice(0).reverse()) await f();
});

async function receiver(opts: Parameters<typeof startReceiver>[0] = {}): Promise<Receiver> {
  const r = await startReceiver(opts);
  cleanups.push(() => r.close());
  return r;
}

const count = (s: ProductionServer, table: string) =>
  s.db.$client.prepare(`select count(*) from ${table}`).pluck().get() as number;

describe("webhook endpoint addresses in production (no WEBHOOK_ALLOWED_HOSTS)", () => {
  let s: ProductionServer;
  beforeAll(async () => {
    s = await startProductionServer();
  });
  afterAll(() => s?.close());

  it("refuses every inside address, literal or resolved, at creation and at update, and writes nothing", async () => {
    const ok = await s.post("/api/admin/webhook-endpoints", { url: "https://93.184.215.14/hooks" });
    expect(ok.status, ok.text).toBe(201);
    for (const url of [
      "https://[::ffff:169.254.169.254]/",
      "https://[::ffff:a9fe:a9fe]/latest",
      "https://[fd00:ec2::254]/",
      "https://10.0.0.5/",
      "https://192.168.1.1/",
      "https://172.16.5.4/",
      "https://[::1]/",
      "https://127.0.0.1:3000/",
      "https://localhost/hooks", // a name that resolves inside
      "https://[ff02::1]/",
      "http://127.0.0.1:9/hook", // loopback is not special in production
    ]) {
      const created = await s.post("/api/admin/webhook-endpoints", { url });
      expect([created.status, created.body?.error?.field], url).toEqual([400, "url"]);
      const patched = await s.patch(`/api/admin/webhook-endpoints/${ok.body.id}`, { url });
      expect([patched.status, patched.body?.error?.field], url).toEqual([400, "url"]);
    }
    expect(count(s, "webhook_endpoints")).toBe(1);
    expect((await s.get("/api/admin/webhook-endpoints")).body.data[0].url).toBe("https://93.184.215.14/hooks");
  });
});

describe("webhooks in production with WEBHOOK_ALLOWED_HOSTS=127.0.0.1", () => {
  let s: ProductionServer;
  beforeAll(async () => {
    s = await startProductionServer({ WEBHOOK_ALLOWED_HOSTS: "127.0.0.1" });
  });
  afterAll(() => s?.close());

  async function endpoint(r: Receiver | { url: string }, events: string[]) {
    const res = await s.post("/api/admin/webhook-endpoints", { url: r.url, events });
    expect(res.status, res.text).toBe(201);
    if ("setSecret" in r) r.setSecret(res.body.secret);
    return res.body as { id: number; secret: string };
  }
  async function userWith(credits: number): Promise<number> {
    const res = await s.post("/api/v1/users", { email: `hooks-${Math.random().toString(36).slice(2)}@example.com` });
    expect(res.status, res.text).toBe(201);
    grantCredits(s.ctx, { userId: res.body.id, type: "topup", amount: credits, source: "admin" });
    return res.body.id;
  }
  const deliveries = async (id: number) => (await s.get(`/api/admin/webhook-endpoints/${id}/deliveries`)).body.data;

  it("a healthy endpoint receives 40 events within 2 s while another endpoint hangs", async () => {
    const hanging = await receiver({ answers: ["hang"] });
    const healthy = await receiver();
    await endpoint(hanging, ["credits.deducted"]);
    await endpoint(healthy, ["credits.deducted"]);
    const userId = await userWith(1000);
    const items = Array.from({ length: 40 }, () => ({ userId, amount: 1 }));
    const res = await s.post("/api/v1/deductions/batch", { items }, { key: s.keys.usage });
    expect(res.status, res.text).toBe(200);
    await expect.poll(() => healthy.received.length, { timeout: 2000, interval: 10 }).toBe(40);
    expect(healthy.received.filter((r) => r.verifyError !== null)).toEqual([]);
    // The other endpoint was hanging all along: requests open, none answered.
    expect(hanging.received.length).toBeGreaterThan(0);
    expect(hanging.maxConcurrent()).toBeGreaterThan(0);
  });

  it("an allowed name is resolved and delivered to; an address outside the allowed range is refused at delivery", async () => {
    const byName = await receiver();
    const named = await endpoint({ url: `http://localhost:${byName.port}/hook` }, ["balance.low"]);
    byName.setSecret(named.secret);
    // An endpoint stored before its address was refused (or whose name moved inside since).
    const inside = await receiver({ host: "127.0.0.2" });
    const refused = await endpoint({ url: `http://127.0.0.1:${inside.port}/hook` }, ["balance.low"]);
    s.db.$client.prepare("update webhook_endpoints set url = ? where id = ?").run(inside.url, refused.id);
    const userId = await userWith(100);
    const low = await s.post(`/api/v1/users/${userId}/deductions`, { amount: 50 }, { key: s.keys.usage });
    expect(low.status, low.text).toBe(201); // 100 → 50: balance.low
    await expect.poll(() => byName.received.length, { timeout: 10_000, interval: 20 }).toBe(1);
    expect(byName.received[0]).toMatchObject({ host: `localhost:${byName.port}`, verifyError: null });
    await expect.poll(async () => (await deliveries(refused.id))[0]?.attempts, { timeout: 10_000 }).toBe(1);
    expect(inside.received).toEqual([]);
    expect((await deliveries(refused.id))[0]).toMatchObject({ status: "pending", lastStatusCode: null });
  });

  it("a closed port and an open port that does not speak HTTP leave the same record", async () => {
    const gone = await receiver();
    await gone.close();
    const sockets = new Set<net.Socket>();
    const open = net.createServer((socket) => {
      sockets.add(socket);
      socket.end("SSH-2.0-OpenSSH_9.6\r\n");
    });
    await new Promise<void>((resolve) => open.listen(0, "127.0.0.1", resolve));
    cleanups.push(() => {
      for (const x of sockets) x.destroy();
      return new Promise((resolve) => open.close(resolve));
    });
    const a = await endpoint({ url: gone.url }, ["balance.depleted"]);
    const b = await endpoint({ url: `http://127.0.0.1:${(open.address() as net.AddressInfo).port}/` }, [
      "balance.depleted",
    ]);
    const userId = await userWith(10);
    expect((await s.post(`/api/v1/users/${userId}/deductions`, { amount: 10 }, { key: s.keys.usage })).status).toBe(
      201,
    );
    const seen = async (id: number) => {
      const [d] = await deliveries(id);
      const lastError = s.db.$client
        .prepare("select last_error from webhook_deliveries where endpoint_id = ?")
        .pluck()
        .get(id);
      return d && { status: d.status, attempts: d.attempts, lastStatusCode: d.lastStatusCode, lastError };
    };
    await expect.poll(async () => (await seen(a.id))?.attempts, { timeout: 10_000 }).toBe(1);
    await expect.poll(async () => (await seen(b.id))?.attempts, { timeout: 10_000 }).toBe(1);
    expect(await seen(a.id)).toEqual(await seen(b.id));
    expect(await seen(a.id)).toEqual({
      status: "pending",
      attempts: 1,
      lastStatusCode: null,
      lastError: "no response",
    });
  });

  it("PATCH changes url, events, enabled and description; bad input is 400 and writes nothing", async () => {
    const r = await receiver();
    const ep = await endpoint(r, ["balance.low"]);
    const path = `/api/admin/webhook-endpoints/${ep.id}`;
    for (const [body, field] of [
      [{}, undefined],
      [{ enabled: "no" }, "enabled"],
      [{ events: [] }, "events"],
      [{ events: ["payment.failed"] }, "events.0"],
      [{ url: "ftp://x.example/" }, "url"],
      [{ description: "d".repeat(501) }, "description"],
    ] as const) {
      const res = await s.patch(path, body);
      expect([res.status, res.body.error.code, res.body.error.field], JSON.stringify(body)).toEqual([
        400,
        "invalid_request",
        field,
      ]);
    }
    expect((await s.patch("/api/admin/webhook-endpoints/999", { enabled: false })).status).toBe(404);
    expect((await s.patch(path, { enabled: false }, { key: s.keys.usage })).status).toBe(403);
    const moved = await receiver();
    const res = await s.patch(path, {
      url: moved.url,
      events: ["balance.depleted"],
      enabled: false,
      description: "paused",
    });
    expect(res.body).toEqual({
      id: ep.id,
      url: moved.url,
      events: ["balance.depleted"],
      description: "paused",
      enabled: false,
      previousSecretExpiresAt: null,
      createdAt: expect.any(String),
    });
    // Disabled: an event meanwhile makes no delivery; enabled again, the next one does.
    const userId = await userWith(10);
    await s.post(`/api/v1/users/${userId}/deductions`, { amount: 5 }, { key: s.keys.usage });
    expect((await s.patch(path, { enabled: true, description: null })).body).toMatchObject({
      enabled: true,
      description: null,
    });
    moved.setSecret(ep.secret);
    await s.post(`/api/v1/users/${userId}/deductions`, { amount: 5 }, { key: s.keys.usage });
    await expect.poll(() => moved.received.length, { timeout: 10_000 }).toBe(1);
    expect(moved.received[0].payload?.type).toBe("balance.depleted");
    expect(r.received).toEqual([]);
    expect((await deliveries(ep.id)).map((d: { type: string }) => d.type)).toEqual(["balance.depleted"]);
  });

  it("rotate-secret returns the new secret once; deliveries then verify with the old and the new secret", async () => {
    const r = await receiver();
    const ep = await endpoint(r, ["credits.granted"]);
    const rotated = await s.post(`/api/admin/webhook-endpoints/${ep.id}/rotate-secret`);
    expect(rotated.status, rotated.text).toBe(200);
    expect(rotated.body).toMatchObject({ id: ep.id, secret: expect.stringMatching(/^whsec_/) });
    expect(rotated.body.secret).not.toBe(ep.secret);
    const expiresInMs = Date.parse(rotated.body.previousSecretExpiresAt) - Date.now();
    expect(expiresInMs).toBeGreaterThan(23.9 * 3600_000);
    expect(expiresInMs).toBeLessThanOrEqual(24 * 3600_000);
    expect(JSON.stringify((await s.get("/api/admin/webhook-endpoints")).body)).not.toContain("whsec_");
    expect((await s.post("/api/admin/webhook-endpoints/999/rotate-secret")).status).toBe(404);

    const userId = (await s.post("/api/v1/users", { email: `rot-${Date.now()}@example.com` })).body.id;
    await s.post(`/api/v1/users/${userId}/grants`, { amount: 5, type: "promotional" });
    await expect.poll(() => r.received.length, { timeout: 10_000 }).toBe(1);
    const verify = (secret: string, x: Received) =>
      new Webhook(secret).verify(x.body, {
        "webhook-id": x.id,
        "webhook-timestamp": x.timestamp,
        "webhook-signature": x.signature,
      });
    expect(verify(ep.secret, r.received[0])).toMatchObject({ type: "credits.granted" });
    expect(verify(rotated.body.secret, r.received[0])).toMatchObject({ type: "credits.granted" });
    expect(() => verify(`whsec_${Buffer.alloc(32, 7).toString("base64")}`, r.received[0])).toThrow(/signature/i);
  });

  it("events list newest first, each exactly as delivered, and pages to the end without repeats; deliveries too", async () => {
    const r = await receiver();
    const ep = await endpoint(r, ["credits.granted", "credits.voided"]);
    const users = [
      (await s.post("/api/v1/users", { email: `ev1-${Date.now()}@example.com` })).body.id,
      (await s.post("/api/v1/users", { email: `ev2-${Date.now()}@example.com` })).body.id,
    ];
    for (let i = 0; i < 120; i++) {
      const res = await s.post(`/api/v1/users/${users[i % 2]}/grants`, { amount: 1 + i, type: "promotional" });
      expect(res.status).toBe(201);
    }
    await expect.poll(() => r.received.length, { timeout: 20_000 }).toBe(120);

    const before = r.received.map((x) => x.id);
    const events: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await s.get(`/api/admin/events?type=credits.granted&limit=25${cursor ? `&cursor=${cursor}` : ""}`);
      expect(res.status, res.text).toBe(200);
      // Each body sits in the answer byte for byte as the receiver got it.
      for (const e of res.body.data) {
        const delivered = r.received.find((x) => x.id === e.id);
        if (delivered) expect(res.text).toContain(delivered.body);
        events.push(e.id);
      }
      // A grant meanwhile (newer than every page) never shifts what is left.
      await s.post(`/api/v1/users/${users[0]}/grants`, { amount: 1, type: "promotional" });
      cursor = res.body.nextCursor;
      expect(++pages).toBeLessThan(20);
    } while (cursor !== null);
    expect(new Set(events).size).toBe(events.length);
    expect(before.filter((id) => !events.includes(id))).toEqual([]);

    // Per-user sequence numbers: each user's grants are 1, 2, … in order (ours are all their events).
    const mine = r.received.map((x) => x.payload!).filter((p) => p.data.userId === users[1]);
    expect(mine.map((p) => p.sequence).sort((a, b) => a! - b!)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));

    const ids: number[] = [];
    cursor = null;
    do {
      const res = await s.get(
        `/api/admin/webhook-endpoints/${ep.id}/deliveries?limit=50${cursor ? `&cursor=${cursor}` : ""}`,
      );
      expect(res.status, res.text).toBe(200);
      ids.push(...res.body.data.map((d: { id: number }) => d.id));
      cursor = res.body.nextCursor;
    } while (cursor !== null);
    expect(ids.length).toBeGreaterThanOrEqual(120);
    expect(new Set(ids).size).toBe(ids.length);

    for (const q of ["type=payment.failed", "limit=0", "limit=101", "cursor=nope", "cursor=WyJ4IiwxXQ"]) {
      const res = await s.get(`/api/admin/events?${q}`);
      expect([res.status, res.body.error.code], q).toEqual([400, "invalid_request"]);
    }
    // A cursor belongs to its filter.
    const first = await s.get("/api/admin/events?type=credits.granted&limit=1");
    expect((await s.get(`/api/admin/events?limit=1&cursor=${first.body.nextCursor}`)).status).toBe(400);
    expect((await s.get("/api/admin/events", { key: s.keys.usage })).status).toBe(403);
  });
});

vi.setConfig({ testTimeout: 60_000 });
