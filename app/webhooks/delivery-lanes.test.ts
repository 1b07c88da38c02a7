// The sender's lanes and address checks in-process: one endpoint that hangs cannot hold up
// another; every connection goes to the address its lookup checked; a failed attempt records the
// same thing for a closed port as for an open one that never answers HTTP.
import dns from "node:dns";
import net from "node:net";
import { afterEach, describe, expect, it, vi } from "vitest";
import { parseAllowedHosts, type AllowedHosts } from "../utils/env.server";
import { listWebhookDeliveries, startWebhookSender, webhookAddressPolicy } from "./index.server";
import { webhookRig } from "./test-support";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  for (const f of cleanups.splice(0).reverse()) await f();
});

const lastError = (t: ReturnType<typeof webhookRig>, endpointId: number) =>
  t.db.$client.prepare("select last_error from webhook_deliveries where endpoint_id = ?").pluck().get(endpointId);

describe("delivery lanes", () => {
  it("a healthy endpoint gets 40 events while another endpoint hangs on every request", async () => {
    const t = webhookRig(cleanups);
    const hanging = await t.receiver(["hang"]);
    const healthy = await t.receiver();
    await t.endpoint(hanging, ["balance.low"]);
    await t.endpoint(healthy, ["balance.low"]);
    // The production timeout: a hung request holds its slot for 10 s.
    const sender = startWebhookSender(t.ctx, { pollMs: 50 });
    cleanups.push(() => sender.stop());
    cleanups.push(() => hanging.close()); // first, so the hung sends end before stop() waits for them
    for (let i = 0; i < 40; i++) t.emit("balance.low");
    t.dispatch();
    sender.wake();
    await expect.poll(() => healthy.received.length, { timeout: 2000, interval: 10 }).toBe(40);
    expect(healthy.received.every((r) => r.verifyError === null)).toBe(true);
    // It really was hanging meanwhile: its own 8 slots full and nothing answered.
    expect(hanging.maxConcurrent()).toBe(8);
  });

  it("connects to the address its lookup checked, once, with the URL's name as Host", async () => {
    const t = webhookRig(cleanups);
    const r = await t.receiver();
    const lookup = vi
      .spyOn(dns, "lookup")
      .mockImplementation(((host: string, _o: unknown, cb: (e: null, a: dns.LookupAddress[]) => void) =>
        cb(null, host === "receiver.test" ? [{ address: "127.0.0.1", family: 4 }] : [])) as never);
    const ep = await t.endpoint(r, ["balance.low"], `http://receiver.test:${r.port}/hook`);
    lookup.mockClear();
    const sender = startWebhookSender(t.ctx, { pollMs: 3_600_000 });
    cleanups.push(() => sender.stop());
    t.emit("balance.low");
    t.dispatch();
    expect(await sender.drain()).toBe(1);
    expect(r.received.map((x) => [x.host, x.verifyError])).toEqual([[`receiver.test:${r.port}`, null]]);
    expect(lookup.mock.calls.map((c) => c[0])).toEqual(["receiver.test"]);
    expect(listWebhookDeliveries(t.db, ep.id, { limit: 1 }).data[0]).toMatchObject({ status: "delivered" });
  });

  it("checks again at every delivery: a name that now resolves inside is refused and nothing connects", async () => {
    const allowed = parseAllowedHosts("") as AllowedHosts;
    const production = webhookAddressPolicy({ NODE_ENV: "production", webhookAllowedHosts: allowed });
    const t = webhookRig(cleanups);
    const r = await t.receiver();
    let answer = "93.184.215.14";
    vi.spyOn(dns, "lookup").mockImplementation(((_h: string, _o: unknown, cb: (e: null, a: unknown) => void) =>
      cb(null, [{ address: answer, family: 4 }])) as never);
    // Accepted at creation (an outside address then), rebound to loopback before the delivery.
    const ep = await t.endpoint(r, ["balance.low"], `https://rebind.test:${r.port}/hook`);
    answer = "127.0.0.1";
    const sender = startWebhookSender(t.ctx, { pollMs: 3_600_000, policy: production });
    cleanups.push(() => sender.stop());
    t.emit("balance.low");
    t.dispatch();
    await sender.drain();
    expect(r.received).toEqual([]);
    expect(listWebhookDeliveries(t.db, ep.id, { limit: 1 }).data[0]).toMatchObject({
      status: "pending",
      attempts: 1,
      lastStatusCode: null,
    });
    expect(lastError(t, ep.id)).toBe("refused: the address is not allowed");
  });

  it("an IP literal inside is refused at delivery too (an endpoint stored before the rule)", async () => {
    const production = webhookAddressPolicy({ NODE_ENV: "production" });
    const t = webhookRig(cleanups);
    const r = await t.receiver();
    const ep = await t.endpoint(r, ["balance.low"]);
    const sender = startWebhookSender(t.ctx, { pollMs: 3_600_000, policy: production });
    cleanups.push(() => sender.stop());
    t.emit("balance.low");
    t.dispatch();
    await sender.drain();
    expect(r.received).toEqual([]);
    expect(lastError(t, ep.id)).toBe("refused: the address is not allowed");
  });

  it("a closed port and an open port that never answers HTTP leave the same record", async () => {
    const t = webhookRig(cleanups);
    const closed = await t.receiver();
    await closed.close();
    // Open: accepts, sends something that is not HTTP, hangs up.
    const sockets = new Set<net.Socket>();
    const open = net.createServer((socket) => {
      sockets.add(socket);
      socket.end("SSH-2.0-OpenSSH_9.6\r\n");
    });
    await new Promise<void>((resolve) => open.listen(0, "127.0.0.1", resolve));
    cleanups.push(() => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => open.close(resolve));
    });
    const openPort = (open.address() as net.AddressInfo).port;
    const a = await t.endpoint(closed, ["balance.low"]);
    const b = await t.endpoint(closed, ["balance.low"], `http://127.0.0.1:${openPort}/hook`);
    const sender = startWebhookSender(t.ctx, { pollMs: 3_600_000, timeoutMs: 2000 });
    cleanups.push(() => sender.stop());
    t.emit("balance.low");
    t.dispatch();
    await sender.drain();
    const seen = (id: number) => {
      const { id: _id, nextAttemptAt: _next, ...rest } = listWebhookDeliveries(t.db, id, { limit: 1 }).data[0];
      return { ...rest, lastError: lastError(t, id) };
    };
    expect(seen(a.id)).toEqual(seen(b.id));
    expect(seen(a.id)).toMatchObject({ lastStatusCode: null, attempts: 1, lastError: "no response" });
  });
});
