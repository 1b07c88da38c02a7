// A real webhook receiver for tests: node:http on 127.0.0.1, verifying every request's signature
// with the `standardwebhooks` package (the reference implementation receivers use).
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";
import { freshDb } from "../../test/db";
import { dispatchBatch } from "../events/dispatcher.server";
import { appendEvent, registerEventConsumer, type EventType } from "../events/outbox.server";
import { ManualClock } from "../utils/clock";
import { createWebhookEndpoint, webhookAddressPolicy, webhooksConsumer } from "./index.server";

export interface Received {
  id: string;
  timestamp: string;
  contentType: string | undefined;
  /** The Host header the request carried. */
  host: string | undefined;
  /** The raw webhook-signature header. */
  signature: string;
  /** What standardwebhooks verified and parsed; null when verification failed. */
  payload: { id: string; type: string; createdAt: string; sequence?: number; data: Record<string, unknown> } | null;
  verifyError: string | null;
  body: string;
}

export interface Receiver {
  url: string;
  port: number;
  received: Received[];
  /** Answers each request with the next status (the last one repeats); "hang" never answers. */
  answers: (number | "hang" | "endless")[];
  /** The most requests it had open at once. */
  maxConcurrent(): number;
  setSecret(secret: string): void;
  close(): Promise<void>;
}

export async function startReceiver(
  opts: { port?: number; host?: string; answers?: Receiver["answers"] } = {},
): Promise<Receiver> {
  let secret: string | null = null;
  const received: Received[] = [];
  const answers = opts.answers ?? [204];
  let n = 0;
  let open = 0;
  let maxOpen = 0;
  const server = http.createServer((req, res) => {
    maxOpen = Math.max(maxOpen, ++open);
    res.once("close", () => open--);
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const headers = {
        "webhook-id": String(req.headers["webhook-id"] ?? ""),
        "webhook-timestamp": String(req.headers["webhook-timestamp"] ?? ""),
        "webhook-signature": String(req.headers["webhook-signature"] ?? ""),
      };
      let payload: Received["payload"] = null;
      let verifyError: string | null = null;
      try {
        if (!secret) throw new Error("receiver has no secret");
        payload = new Webhook(secret).verify(body, headers) as Received["payload"];
      } catch (e) {
        verifyError = e instanceof Error ? e.message : String(e);
      }
      received.push({
        host: req.headers.host,
        signature: headers["webhook-signature"],
        id: headers["webhook-id"],
        timestamp: headers["webhook-timestamp"],
        contentType: req.headers["content-type"],
        payload,
        verifyError,
        body,
      });
      const answer = answers[Math.min(n++, answers.length - 1)];
      if (answer === "hang") return;
      if (answer === "endless") {
        res.writeHead(200, { "content-type": "text/plain" });
        const chunk = Buffer.alloc(64 * 1024, "x");
        const pump = () => {
          while (!res.destroyed && res.write(chunk));
          if (!res.destroyed) res.once("drain", pump);
        };
        pump();
        return;
      }
      res.writeHead(answer, { "content-type": "text/plain" }).end(answer >= 300 ? "nope" : "");
    });
  });
  const host = opts.host ?? "127.0.0.1";
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, host, resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${port}/hook`,
    port,
    received,
    answers,
    maxConcurrent: () => maxOpen,
    setSecret: (s) => void (secret = s),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * A database, a clock at the real time (receivers check webhook-timestamp against theirs), the
 * webhooks consumer, and endpoints on receivers; `cleanups` collects what the caller must undo.
 */
export function webhookRig(cleanups: (() => unknown)[], policy = webhookAddressPolicy({ NODE_ENV: "test" })) {
  const { db } = freshDb();
  const clock = new ManualClock(new Date());
  const ctx = { db, clock };
  cleanups.push(registerEventConsumer(webhooksConsumer()));
  const endpoint = async (r: Receiver, events: EventType[], url = r.url) => {
    const created = await createWebhookEndpoint(ctx, { url, events: events as never }, { policy, actor: "test" });
    r.setSecret(created.secret);
    return created;
  };
  const emit = (type: EventType, userId = 1, data: Record<string, unknown> = { userId }) =>
    appendEvent(db, { type, userId, data, at: clock.now() });
  const dispatch = () => {
    while (dispatchBatch(ctx).count > 0);
  };
  const receiver = async (answers?: Receiver["answers"]) => {
    const r = await startReceiver({ answers });
    cleanups.push(() => r.close());
    return r;
  };
  return { db, clock, ctx, policy, endpoint, emit, dispatch, receiver };
}
