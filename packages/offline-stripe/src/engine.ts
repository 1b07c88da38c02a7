import Stripe from "stripe";
import type { Clock } from "./clock";
import { newId } from "./objects";
import type { Store } from "./store";

/** Who caused the events of one operation: an API request (id + idempotency key) or Stripe itself. */
export interface RequestInfo {
  id: string | null;
  idempotencyKey: string | null;
}

/**
 * The core of the offline Stripe: its state, its clock and its events. The operations live in
 * resources/ (one module per Stripe resource), as functions of this engine. Each operation runs
 * inside `run()`, which collects the events it creates, saves the state and hands the events to
 * the webhook queue only when it succeeded.
 *
 * Events exist for what a billing webhook endpoint subscribes to: Checkout Sessions,
 * subscriptions, invoices, payments and refunds — not for customers, products or prices.
 */
export class Engine {
  private batch: Stripe.Event[] = [];
  private request: RequestInfo = { id: null, idempotencyKey: null };

  constructor(
    readonly store: Store,
    private readonly clock: Clock,
    readonly publicUrl: () => string,
    private readonly onEvents: (events: Stripe.Event[]) => void,
    private readonly hasEndpoint: () => boolean,
  ) {}

  get state() {
    return this.store.state;
  }

  now(): number {
    return Math.floor(this.clock.now().getTime() / 1000);
  }

  /**
   * Runs one operation atomically: on error nothing it changed is kept and no event is sent.
   * `deliver: false` records the events (listed, retrievable) but sends no webhook: a lost delivery.
   */
  run<T>(request: RequestInfo | null, fn: () => T, opts: { deliver?: boolean } = {}): T {
    const before = JSON.stringify(this.store.state);
    this.batch = [];
    this.request = request ?? { id: null, idempotencyKey: null };
    try {
      const result = fn();
      const events = this.batch;
      if (opts.deliver === false) for (const event of events) event.pending_webhooks = 0;
      this.store.save();
      this.batch = [];
      if (events.length && opts.deliver !== false) this.onEvents(events);
      return result;
    } catch (e) {
      this.store.state = JSON.parse(before);
      this.batch = [];
      throw e;
    }
  }

  emit(type: Stripe.Event.Type, object: unknown, previous?: Record<string, unknown>): void {
    const event = {
      id: newId("evt", 24),
      object: "event",
      api_version: Stripe.API_VERSION,
      created: this.now(),
      data: {
        object: JSON.parse(JSON.stringify(object)),
        ...(previous && Object.keys(previous).length
          ? { previous_attributes: JSON.parse(JSON.stringify(previous)) }
          : {}),
      },
      livemode: false,
      pending_webhooks: this.hasEndpoint() ? 1 : 0,
      request: { id: this.request.id, idempotency_key: this.request.idempotencyKey },
      type,
    } as Stripe.Event;
    this.state.events[event.id] = event;
    this.batch.push(event);
  }
}
