import http from "node:http";
import https from "node:https";
import Stripe from "stripe";
import type { Store } from "./store";

/**
 * Where signed events go: a function that takes the webhook POST as a Request. Over HTTP it is
 * `fetch`; a test can pass a Remix action directly (`(request) => action({ request, context, params: {} })`).
 * A thrown Response counts as that response; any other throw as a connection error.
 */
export type WebhookTransport = (request: Request) => Promise<Response | { status: number }>;

export interface DeliveryOptions {
  /** Attempts per event before giving up (Stripe retries for days; tests need seconds). Default 4. */
  maxAttempts?: number;
  /** First retry delay; each further retry waits 4× longer. Default 100 ms. */
  retryDelayMs?: number;
  /** Deliver the events of one operation in random order (Stripe does not guarantee order). */
  shuffle?: boolean;
  /** Deliver every event twice (Stripe delivers at least once). */
  duplicate?: boolean;
  /** Randomness for shuffle, e.g. a seeded generator for a reproducible test. */
  random?: () => number;
}

export interface DeliveryRecord {
  eventId: string;
  type: string;
  attempt: number;
  /** HTTP status, or null for a connection error / thrown exception. */
  status: number | null;
  error?: string;
}

export class WebhookQueue {
  readonly deliveries: DeliveryRecord[] = [];
  private transport: WebhookTransport | undefined;
  private url: string;
  private running: Promise<void> | undefined;
  private closed = false;
  private timers = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();

  constructor(
    private readonly store: Store,
    private readonly secret: string,
    private readonly options: DeliveryOptions,
    private readonly log: (msg: string, fields: Record<string, unknown>) => void,
  ) {
    this.url = "http://offline-stripe.invalid/webhook";
  }

  get hasEndpoint(): boolean {
    return this.transport !== undefined;
  }

  setEndpoint(endpoint: { url: string } | { transport: WebhookTransport; url?: string }): void {
    if ("transport" in endpoint) {
      this.transport = endpoint.transport;
      if (endpoint.url) this.url = endpoint.url;
    } else {
      this.url = endpoint.url;
      this.transport = postOverHttp;
    }
    this.kick();
  }

  /** Queues the events of one operation, after it has returned (Stripe sends them asynchronously). */
  enqueue(events: Stripe.Event[]): void {
    if (!this.transport) return;
    let ids = events.map((e) => e.id);
    if (this.options.duplicate) ids = ids.flatMap((id) => [id, id]);
    if (this.options.shuffle) ids = shuffle(ids, this.options.random ?? Math.random);
    this.store.state.pendingDeliveries.push(...ids);
    this.store.save();
    setImmediate(() => this.kick());
  }

  /** Resolves once every queued event has been delivered or given up on. */
  async flush(): Promise<void> {
    while (!this.closed && this.transport && (this.running || this.store.state.pendingDeliveries.length)) {
      this.kick();
      await this.running;
    }
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers) {
      clearTimeout(t.timer);
      t.resolve();
    }
    this.timers.clear();
  }

  private kick(): void {
    if (this.running || this.closed || !this.transport) return;
    this.running = this.drain().finally(() => {
      this.running = undefined;
    });
  }

  private async drain(): Promise<void> {
    // The state object is replaced when an operation rolls back, so it is re-read after every await.
    while (!this.closed && this.store.state.pendingDeliveries.length) {
      const id = this.store.state.pendingDeliveries[0];
      const event = this.store.state.events[id];
      if (event) await this.deliver(structuredClone(event));
      if (this.closed) return;
      const pending = this.store.state.pendingDeliveries;
      if (pending[0] === id) pending.shift();
      const stored = this.store.state.events[id];
      if (stored && stored.pending_webhooks > 0 && !pending.includes(id)) stored.pending_webhooks -= 1;
      this.store.save();
    }
  }

  private async deliver(event: Stripe.Event): Promise<void> {
    const maxAttempts = this.options.maxAttempts ?? 4;
    const baseDelayMs = this.options.retryDelayMs ?? 100;
    // Stripe's payloads are pretty-printed; the signature covers these exact bytes.
    const payload = JSON.stringify(event, null, 2);
    for (let attempt = 1; attempt <= maxAttempts && !this.closed; attempt++) {
      // Signed with the wall clock, not the injected one: the receiver checks the timestamp
      // against its own wall clock (constructEvent's tolerance), as with real Stripe.
      const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret: this.secret });
      const request = new Request(this.url, {
        method: "POST",
        headers: {
          "Content-Type": "application/json; charset=utf-8",
          "Stripe-Signature": signature,
          "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
          "Cache-Control": "no-cache",
        },
        body: payload,
      });
      let status: number | null = null;
      let error: string | undefined;
      try {
        const response = await this.transport!(request);
        status = response.status;
        if (response instanceof Response) await response.body?.cancel();
      } catch (e) {
        if (e instanceof Response) {
          status = e.status;
        } else {
          error = e instanceof Error ? e.message : String(e);
        }
      }
      this.deliveries.push({ eventId: event.id, type: event.type, attempt, status, ...(error ? { error } : {}) });
      if (status !== null && status >= 200 && status < 300) return;
      this.log("offline stripe: webhook delivery failed", {
        event: event.id,
        type: event.type,
        attempt,
        status,
        error,
      });
      if (attempt < maxAttempts) await this.wait(baseDelayMs * 4 ** (attempt - 1));
    }
  }

  private wait(delayMs: number): Promise<void> {
    return new Promise((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          this.timers.delete(entry);
          resolve();
        }, delayMs),
        resolve,
      };
      this.timers.add(entry);
    });
  }
}

/**
 * One connection per delivery, closed after the answer (as Stripe's deliveries arrive). A pooled
 * keep-alive connection (fetch's default) would hold the app's graceful shutdown open for the
 * whole keep-alive timeout when the offline Stripe runs inside the app's process.
 */
async function postOverHttp(request: Request): Promise<{ status: number }> {
  const body = await request.text();
  const url = new URL(request.url);
  return new Promise((resolve, reject) => {
    const req = (url.protocol === "https:" ? https : http).request(
      url,
      { method: request.method, headers: Object.fromEntries(request.headers), agent: false, timeout: 15_000 },
      (res) => {
        res.resume();
        res.on("end", () => resolve({ status: res.statusCode ?? 0 }));
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error("webhook delivery timed out")));
    req.on("error", reject);
    req.end(body);
  });
}

function shuffle<T>(items: T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
