/**
 * The simulator's operations: each applies one money operation to the model and to the engine
 * (through the entry point the app uses), checks the engine's answer against the model's, and
 * then everything is compared (./compare.ts). Every step may first let time pass (`wait`), so
 * operations meet lapsed holds and unswept grants that no read has recorded yet.
 */
import type fc from "fast-check";
import {
  adjustCredits,
  captureHold,
  deductCredits,
  expireGrants,
  expireHolds,
  grantCredits,
  holdCredits,
  importLegacyBalance,
  refundGrantCredits,
  releaseHold,
  rollOverCredits,
  syncBalances,
  voidGrant,
} from "../../app/credits/index.server";
import { applyAutoTopupPayment, failAttempt, setAutoTopup } from "../../app/billing/auto-topup.server";
import { importLegacyBalances } from "../../app/credits/balance-import.server";
import { findUserId } from "../../app/auth/users.server";
import { applyTopupRefund } from "../../app/billing/events/refunds.server";
import type Stripe from "stripe";
import { compare, expectCode, same } from "./compare";
import { PACK, type Engine } from "./engine";
import {
  ADJUSTMENT_PRIORITY,
  DAY_MS,
  DEFAULT_PRIORITY,
  InsufficientCredits,
  ROLLOVER_PRIORITY,
  type GrantType,
  type MGrant,
  type MHold,
  type MPart,
  type Model,
} from "./model";

/** How many steps ran in this process (the runner's count). */
export const counter = { steps: 0 };

/** Time that passes before a step: none, some milliseconds, or up to (or just past) the next boundary. */
export type Wait = { kind: "none" } | { kind: "ms"; ms: number } | { kind: "boundary"; offset: -1 | 0 | 1 };

/** The next instant a grant starts or stops counting, a hold lapses or a period ends. */
function nextBoundary(m: Model, offset: number): number | undefined {
  const times = [
    ...m.grants.filter((g) => g.status !== "voided").flatMap((g) => [g.effectiveAtMs, g.expiresAtMs ?? Infinity]),
    ...m.holds.filter((h) => h.status === "held").map((h) => h.expiresAtMs),
    ...[...m.subscriptions.values()].map((s) => s.periodEndMs),
  ];
  return times
    .map((t) => t + offset)
    .filter((t) => t > m.nowMs && t !== Infinity)
    .sort((a, b) => a - b)[0];
}

function waitText(w: Wait): string {
  if (w.kind === "none") return "";
  return w.kind === "ms" ? `wait ${w.ms}ms; ` : `to boundary${w.offset ? (w.offset > 0 ? "+1" : "-1") : ""}; `;
}

export abstract class Step implements fc.Command<Model, Engine> {
  constructor(readonly wait: Wait) {}
  abstract readonly name: string;
  check(): boolean {
    return true;
  }
  run(m: Model, r: Engine): void {
    counter.steps += 1;
    let toMs = m.nowMs;
    if (this.wait.kind === "ms") toMs = m.nowMs + this.wait.ms;
    if (this.wait.kind === "boundary") toMs = nextBoundary(m, this.wait.offset) ?? m.nowMs;
    m.nowMs = toMs;
    r.ctx.clock.set(toMs);
    // Lapsed holds stop reserving at their expiresAt, whatever has run since (the engine records them lazily).
    m.settledThisStep = m.settleHolds();
    this.apply(m, r);
    m.seen.add(this.name);
    compare(m, r);
  }
  abstract apply(m: Model, r: Engine): void;
  abstract describe(): string;
  toString(): string {
    return `${waitText(this.wait)}${this.describe()}`;
  }
}

export function pick<T>(list: T[], n: number): T | undefined {
  return list.length === 0 ? undefined : list[n % list.length];
}

/** The model's side of a spend that may be short: the parts, or the balance it had. */
export function tryTake(m: Model, user: number, amount: number): MPart[] | InsufficientCredits {
  try {
    return m.take(user, amount);
  } catch (e) {
    if (e instanceof InsufficientCredits) return e;
    throw e;
  }
}

export const allocations = (parts: MPart[]) => parts.map((p) => ({ grantId: p.grantId, amount: p.amount }));

/** An idempotency key the model remembers: which request it named and what the engine answered. */
export interface Keyed {
  kind:
    | "grant"
    | "deduct"
    | "adjust"
    | "hold"
    | "capture"
    | "void"
    | "refund"
    | "legacy"
    | "rollover"
    | "payment"
    | "usage";
  user: number;
  key: string;
  /** The request as the model compares it (same text = same request). */
  request: string;
  /** Re-sends exactly the original request. */
  resend: (r: Engine) => unknown;
  answer: unknown;
}

class Keys {
  list: Keyed[] = [];
  find(user: number, key: string): Keyed | undefined {
    return this.list.find((k) => k.user === user && k.key === key);
  }
}
const keysOf = new WeakMap<Model, Keys>();
function keys(m: Model): Keys {
  let k = keysOf.get(m);
  if (!k) keysOf.set(m, (k = new Keys()));
  return k;
}

/**
 * A keyed call: a key already used for the same request must answer `replay` (and change nothing),
 * for another request idempotency_conflict; a new key runs `fresh`, and the key is remembered when
 * the call wrote something (`stored`).
 */
export function keyed<R>(
  m: Model,
  k: { kind: Keyed["kind"]; user: number; key: string | null; request: string },
  call: () => R,
  fresh: () => { answer: R; stored: boolean } | undefined,
  checkReplay: (answer: R, original: unknown) => void,
): void {
  if (k.key !== null) {
    const known = keys(m).find(k.user, k.key);
    if (known && known.request === k.request) {
      checkReplay(call(), known.answer);
      m.seen.add(`${k.kind} replayed`);
      return;
    }
    if (known) {
      expectCode(call, "idempotency_conflict");
      m.seen.add("idempotency conflict");
      return;
    }
  }
  const out = fresh();
  if (out?.stored && k.key !== null) {
    keys(m).list.push({ ...k, key: k.key, resend: () => call(), answer: out.answer });
  }
}

// ---- grants ------------------------------------------------------------------------------------

export class GrantStep extends Step {
  readonly name = "grant";
  constructor(
    wait: Wait,
    readonly user: number,
    readonly type: GrantType,
    readonly amount: number,
    readonly startsInMs: number,
    readonly lastsForMs: number | null,
    readonly priority: number | null,
    readonly key: string | null,
  ) {
    super(wait);
  }
  apply(m: Model, r: Engine): void {
    const user = m.users[this.user];
    const effectiveAtMs = m.nowMs + this.startsInMs;
    const expiresAtMs = this.lastsForMs === null ? null : effectiveAtMs + this.lastsForMs;
    const input = {
      userId: user,
      type: this.type,
      amount: this.amount,
      source: "api" as const,
      effectiveAt: new Date(effectiveAtMs),
      expiresAt: expiresAtMs === null ? null : new Date(expiresAtMs),
      priority: this.priority ?? undefined,
      idempotencyKey: this.key,
    };
    const request = JSON.stringify(["grant", this.type, this.amount, effectiveAtMs, expiresAtMs, this.priority]);
    keyed(
      m,
      { kind: "grant", user, key: this.key, request },
      () => grantCredits(r.ctx, input),
      () => {
        const res = grantCredits(r.ctx, input);
        const priority = this.priority ?? DEFAULT_PRIORITY[this.type];
        m.addGrant(
          {
            id: res.grant.id,
            user,
            type: this.type,
            amount: this.amount,
            priority,
            effectiveAtMs,
            expiresAtMs,
            groupRef: null,
            rollover: false,
          },
          "grant",
        );
        same(res.balance, m.spendable(user), "grant: balance");
        same(res.grant.status, this.startsInMs > 0 ? "pending" : "active", "grant: status");
        if (this.startsInMs > 0) m.seen.add("future-dated grant");
        m.seen.add(expiresAtMs === null ? "never-expiring grant" : "expiring grant");
        m.seen.add(`${this.type} grant`);
        return { answer: res, stored: true };
      },
      (res, original) => {
        const o = original as typeof res;
        same(
          [res.replayed, res.grant.id, res.entryId, res.balance],
          [true, o.grant.id, o.entryId, o.balance],
          "grant replay",
        );
      },
    );
  }
  describe(): string {
    const life = this.lastsForMs === null ? "never expires" : `lasts ${this.lastsForMs}ms`;
    return `grant u${this.user} ${this.type} ${this.amount} starts in ${this.startsInMs}ms, ${life}, priority ${this.priority ?? "default"}${this.key ? ` key ${this.key}` : ""}`;
  }
}

// ---- deductions, batches, adjustments ------------------------------------------------------------

export class DeductStep extends Step {
  readonly name = "deduct";
  constructor(
    wait: Wait,
    readonly user: number,
    readonly amount: number,
    readonly key: string | null,
  ) {
    super(wait);
  }
  apply(m: Model, r: Engine): void {
    const user = m.users[this.user];
    const input = { userId: user, amount: this.amount, idempotencyKey: this.key };
    keyed(
      m,
      { kind: "deduct", user, key: this.key, request: JSON.stringify(["deduct", this.amount]) },
      () => deductCredits(r.ctx, input),
      () => {
        const parts = tryTake(m, user, this.amount);
        if (parts instanceof InsufficientCredits) {
          const e = expectCode(() => deductCredits(r.ctx, input), "insufficient_credits");
          same(e.extra?.balance, parts.balance, "deduct: balance when short");
          m.seen.add("deduct refused");
          return undefined;
        }
        m.line(user, "deduction", -this.amount);
        const res = deductCredits(r.ctx, input);
        same(
          [res.allocations, res.balance],
          [allocations(parts), m.spendable(user)],
          "deduct: allocations and balance",
        );
        return { answer: res, stored: true };
      },
      (res, original) => same(res, { ...(original as object), replayed: true }, "deduct replay"),
    );
  }
  describe(): string {
    return `deduct u${this.user} ${this.amount}${this.key ? ` key ${this.key}` : ""}`;
  }
}

type BatchItem = { user: number; amount: number; key: string | null };

/**
 * Deductions sent together: one POST /api/v1/deductions/batch, or ("group") one POST
 * /api/v1/users/:userId/deductions each, arriving together and run as one group commit. Either
 * way each item stands alone, in order.
 */
export class BatchStep extends Step {
  readonly name: string;
  constructor(
    wait: Wait,
    readonly items: BatchItem[],
    readonly via: "batch" | "group" = "batch",
  ) {
    super(wait);
    this.name = via === "batch" ? "batch" : "deductions grouped";
  }
  apply(m: Model, r: Engine): void {
    const api = apiKeys(m);
    const expected: unknown[] = [];
    /** Answers the engine has yet to number: their ids are filled in from its results. */
    const fresh: { index: number; body: Record<string, unknown> }[] = [];
    for (const [index, item] of this.items.entries()) {
      const user = m.users[item.user];
      const known = item.key === null ? undefined : api.get(`${user}:${item.key}`);
      if (known && known.amount === item.amount) {
        expected.push({ status: 201, body: known.body, replayed: true });
        m.seen.add("batch item replayed");
        continue;
      }
      if (known) {
        expected.push({ status: 409, code: "idempotency_conflict" });
        continue;
      }
      const parts = tryTake(m, user, item.amount);
      if (parts instanceof InsufficientCredits) {
        expected.push({ status: 402, code: "insufficient_credits" });
        continue;
      }
      m.line(user, "deduction", -item.amount);
      const body = { amount: item.amount, balance: m.spendable(user), allocations: allocations(parts), metadata: null };
      expected.push({ status: 201, body });
      fresh.push({ index, body });
      if (item.key !== null) api.set(`${user}:${item.key}`, { amount: item.amount, body });
    }
    const answer =
      this.via === "batch"
        ? r.batch(
            this.items.map((i) => ({
              userId: m.users[i.user],
              amount: i.amount,
              ...(i.key === null ? {} : { idempotencyKey: i.key }),
            })),
          )
        : {
            status: 200,
            results: r.group(
              this.items.map((i) => ({
                url: `/api/v1/users/${m.users[i.user]}/deductions`,
                body: { amount: i.amount },
                idempotencyKey: i.key,
              })),
            ),
          };
    same(answer.status, 200, "batch: status");
    for (const f of fresh) f.body.id = answer.results[f.index]?.body?.id;
    const got = answer.results.map((res) =>
      res.status === 201
        ? { status: 201, body: res.body, ...(res.replayed ? { replayed: true } : {}) }
        : { status: res.status, code: res.error?.code },
    );
    same(got, expected, "batch: results");
  }
  describe(): string {
    return `${this.via} [${this.items.map((i) => `u${i.user} ${i.amount}${i.key ? ` key ${i.key}` : ""}`).join(", ")}]`;
  }
}

const apiKeyStores = new WeakMap<Model, Map<string, { amount: number; body: Record<string, unknown> }>>();
function apiKeys(m: Model): Map<string, { amount: number; body: Record<string, unknown> }> {
  let s = apiKeyStores.get(m);
  if (!s) apiKeyStores.set(m, (s = new Map()));
  return s;
}

export class AdjustStep extends Step {
  readonly name: string;
  constructor(
    wait: Wait,
    readonly user: number,
    readonly amount: number,
    readonly key: string | null,
  ) {
    super(wait);
    this.name = amount > 0 ? "adjust up" : "adjust down";
  }
  apply(m: Model, r: Engine): void {
    const user = m.users[this.user];
    const input = {
      userId: user,
      amount: this.amount,
      reason: "simulator",
      source: "api" as const,
      idempotencyKey: this.key,
    };
    keyed(
      m,
      { kind: "adjust", user, key: this.key, request: JSON.stringify(["adjust", this.amount]) },
      () => adjustCredits(r.ctx, input),
      () => {
        if (this.amount > 0) {
          const res = adjustCredits(r.ctx, input);
          m.addGrant(
            {
              id: res.grantId!,
              user,
              type: "promotional",
              amount: this.amount,
              priority: ADJUSTMENT_PRIORITY,
              effectiveAtMs: m.nowMs,
              expiresAtMs: null,
              groupRef: null,
              rollover: false,
            },
            "adjustment",
          );
          same(res.balance, m.spendable(user), "adjust up: balance");
          return { answer: res, stored: true };
        }
        const parts = tryTake(m, user, -this.amount);
        if (parts instanceof InsufficientCredits) {
          expectCode(() => adjustCredits(r.ctx, input), "insufficient_credits");
          return undefined;
        }
        m.line(user, "adjustment", this.amount);
        const res = adjustCredits(r.ctx, input);
        same([res.allocations, res.balance], [allocations(parts), m.spendable(user)], "adjust down");
        return { answer: res, stored: true };
      },
      (res, original) => {
        const o = original as typeof res;
        same([res.replayed, res.id, res.balance, res.grantId], [true, o.id, o.balance, o.grantId], "adjust replay");
      },
    );
  }
  describe(): string {
    return `adjust u${this.user} ${this.amount > 0 ? "+" : ""}${this.amount}${this.key ? ` key ${this.key}` : ""}`;
  }
}

// ---- holds -----------------------------------------------------------------------------------

export class HoldStep extends Step {
  readonly name = "hold";
  constructor(
    wait: Wait,
    readonly user: number,
    readonly amount: number,
    readonly seconds: number,
    readonly key: string | null,
  ) {
    super(wait);
  }
  apply(m: Model, r: Engine): void {
    const user = m.users[this.user];
    const input = { userId: user, amount: this.amount, expiresInSeconds: this.seconds, idempotencyKey: this.key };
    keyed(
      m,
      {
        kind: "hold",
        user,
        key: this.key === null ? null : `hold:${this.key}`,
        request: JSON.stringify([this.amount, this.seconds]),
      },
      () => holdCredits(r.ctx, input),
      () => {
        const parts = tryTake(m, user, this.amount);
        if (parts instanceof InsufficientCredits) {
          const e = expectCode(() => holdCredits(r.ctx, input), "insufficient_credits");
          same(e.extra?.balance, parts.balance, "hold: balance when short");
          return undefined;
        }
        const res = holdCredits(r.ctx, input);
        m.holds.push({
          id: res.hold.id,
          user,
          amount: this.amount,
          parts,
          expiresAtMs: m.nowMs + this.seconds * 1000,
          status: "held",
          captured: 0,
        });
        same([res.balance, res.held], [m.spendable(user), m.held(user)], "hold: balance and held");
        return { answer: res, stored: true };
      },
      (res, original) => {
        const o = original as typeof res;
        same(
          [res.replayed, res.hold.id, res.balance, res.held],
          [true, o.hold.id, m.spendable(user), m.held(user)],
          "hold replay",
        );
      },
    );
  }
  describe(): string {
    return `hold u${this.user} ${this.amount} for ${this.seconds}s${this.key ? ` key ${this.key}` : ""}`;
  }
}

export function isOpen(m: Model, h: MHold): boolean {
  return h.status === "held" && h.expiresAtMs > m.nowMs;
}

/** An even pick takes an open hold when there is one (most holds are closed later on); an odd one any hold. */
export function pickHold(m: Model, n: number): MHold | undefined {
  const open = m.holds.filter((h) => isOpen(m, h));
  return n % 2 === 0 && open.length > 0 ? pick(open, n >> 1) : pick(m.holds, n >> 1);
}

export class CaptureStep extends Step {
  readonly name: string;
  constructor(
    wait: Wait,
    readonly pick: number,
    readonly amount: number | null,
    readonly key: string | null,
  ) {
    super(wait);
    this.name = amount === null ? "capture" : "capture part";
  }
  apply(m: Model, r: Engine): void {
    const h = pickHold(m, this.pick);
    if (!h) return;
    const input = { holdId: h.id, amount: this.amount, idempotencyKey: this.key };
    keyed(
      m,
      {
        kind: "capture",
        user: h.user,
        key: this.key === null ? null : `${this.key}#hold:${h.id}`,
        request: JSON.stringify([this.amount]),
      },
      () => captureHold(r.ctx, input),
      () => {
        if (!isOpen(m, h)) {
          expectCode(() => captureHold(r.ctx, input), "conflict");
          return undefined;
        }
        if (h.amount === 0) {
          expectCode(() => captureHold(r.ctx, input), "conflict");
          m.seen.add("capture of a hold a refund emptied");
          return undefined;
        }
        const amount = this.amount ?? h.amount;
        if (amount > h.amount) {
          expectCode(() => captureHold(r.ctx, input), "invalid_request");
          return undefined;
        }
        const captured = captureOnModel(m, h, amount);
        const res = captureHold(r.ctx, input);
        same(
          [res.deduction.amount, res.deduction.allocations, res.deduction.balance, res.held],
          [amount, allocations(captured), m.spendable(h.user), m.held(h.user)],
          "capture",
        );
        if (amount < h.amount) m.seen.add("capture part");
        return { answer: res, stored: true };
      },
      (res, original) => {
        const o = original as typeof res;
        same([res.replayed, res.deduction], [true, o.deduction], "capture replay");
      },
    );
  }
  describe(): string {
    return `capture hold #${this.pick} ${this.amount ?? "all"}${this.key ? ` key ${this.key}` : ""}`;
  }
}

/** A capture of `amount` on the model: ONE deduction line; what the hold took beyond it goes back. Returns the captured parts. */
export function captureOnModel(m: Model, h: MHold, amount: number): MPart[] {
  const captured: MPart[] = [];
  const rest: MPart[] = [];
  let left = amount;
  for (const p of h.parts) {
    const n = Math.min(left, p.amount);
    if (n > 0) captured.push({ grantId: p.grantId, amount: n });
    rest.push({ grantId: p.grantId, amount: p.amount - n });
    left -= n;
  }
  h.status = "captured";
  h.captured = amount;
  m.giveBack(h.user, rest);
  m.line(h.user, "deduction", -amount);
  return captured;
}

export class ReleaseStep extends Step {
  readonly name = "release";
  constructor(
    wait: Wait,
    readonly pick: number,
  ) {
    super(wait);
  }
  apply(m: Model, r: Engine): void {
    const h = pickHold(m, this.pick);
    if (!h) return;
    if (!isOpen(m, h)) {
      expectCode(() => releaseHold(r.ctx, { holdId: h.id }), "conflict");
      return;
    }
    h.status = "released";
    m.giveBack(h.user, h.parts);
    if (m.rate.featureHolds.has(h.id)) m.seen.add("feature hold released");
    const res = releaseHold(r.ctx, { holdId: h.id });
    same([res.hold.status, res.balance, res.held], ["released", m.spendable(h.user), m.held(h.user)], "release");
  }
  describe(): string {
    return `release hold #${this.pick}`;
  }
}

// ---- voids and refunds -----------------------------------------------------------------------

/**
 * A void on the model: everything left of the grant, free and held, ends with one `void` line and
 * the grant is voided (issue 20: also when all of it was held; one that expired first stays
 * expired, its held credits still end). Returns the credits removed, or null when nothing was left.
 */
function voidOnModel(m: Model, g: MGrant): number | null {
  m.settleExpiry(g);
  if (g.status === "voided") return null;
  const before = m.spendable(g.user);
  const took = m.takeEverywhere(g, Number.MAX_SAFE_INTEGER);
  const removed = took.free + took.held;
  if (removed === 0) return null;
  if (g.status !== "expired") g.status = "voided";
  m.line(g.user, "void", -removed, g.id);
  m.lowered(g.user, before, m.spendable(g.user));
  if (took.held > 0) m.seen.add("void took held credits");
  return removed;
}

/** A refund on the model: up to `amount` of the grant's credits, free first, then held. */
function refundOnModel(m: Model, g: MGrant, amount: number): number {
  m.settleExpiry(g);
  if (g.status === "voided") return 0;
  const before = m.spendable(g.user);
  const took = m.takeEverywhere(g, amount);
  const removed = took.free + took.held;
  if (removed === 0) return 0;
  if (took.free > 0 && g.remaining === 0) g.status = "depleted";
  m.line(g.user, "refund", -removed, g.id);
  m.lowered(g.user, before, m.spendable(g.user));
  if (took.held > 0) m.seen.add("refund took held credits");
  return removed;
}

export class VoidStep extends Step {
  readonly name = "void";
  constructor(
    wait: Wait,
    readonly pick: number,
    readonly viaApi: boolean,
    readonly key: string | null,
  ) {
    super(wait);
  }
  apply(m: Model, r: Engine): void {
    const g = pick(m.grants, this.pick);
    if (!g) return;
    if (this.viaApi) {
      const removed = voidOnModel(m, g);
      const res = r.voidViaApi(g.id, null);
      same([res.status, (res.body.grant as { status: string }).status], [200, viewStatus(m, g)], "void via the API");
      if (removed !== null) m.seen.add("void via the API");
      return;
    }
    keyed(
      m,
      { kind: "void", user: g.user, key: this.key === null ? null : `${this.key}#grant:${g.id}`, request: "void" },
      () => voidGrant(r.ctx, { grantId: g.id, idempotencyKey: this.key }),
      () => {
        const removed = voidOnModel(m, g);
        const res = voidGrant(r.ctx, { grantId: g.id, idempotencyKey: this.key });
        same(
          [res.removed, res.balance, res.grant.status],
          [removed ?? 0, m.spendable(g.user), viewStatus(m, g)],
          "void",
        );
        return { answer: res, stored: removed !== null };
      },
      (res, original) => {
        const o = original as typeof res;
        same([res.replayed, res.removed, res.balance], [true, o.removed, o.balance], "void replay");
      },
    );
  }
  describe(): string {
    return `void grant #${this.pick}${this.viaApi ? " via the API" : ""}${this.key ? ` key ${this.key}` : ""}`;
  }
}

/** The status the engine shows for a grant (time decides pending and expired). */
function viewStatus(m: Model, g: MGrant): string {
  if (g.status !== "active") return g.status;
  if (g.effectiveAtMs > m.nowMs) return "pending";
  if (g.expiresAtMs !== null && g.expiresAtMs <= m.nowMs) return "expired";
  return "active";
}

export class RefundStep extends Step {
  readonly name = "refund";
  constructor(
    wait: Wait,
    readonly pick: number,
    readonly amount: number,
    readonly key: string | null,
  ) {
    super(wait);
  }
  apply(m: Model, r: Engine): void {
    const g = pick(m.grants, this.pick);
    if (!g) return;
    const input = { grantId: g.id, amount: this.amount, idempotencyKey: this.key };
    keyed(
      m,
      {
        kind: "refund",
        user: g.user,
        key: this.key === null ? null : `${this.key}#grant:${g.id}`,
        request: JSON.stringify([this.amount]),
      },
      () => refundGrantCredits(r.ctx, input),
      () => {
        const removed = refundOnModel(m, g, this.amount);
        const res = refundGrantCredits(r.ctx, input);
        same([res.removed, res.balance], [removed, m.spendable(g.user)], "refund");
        return { answer: res, stored: removed > 0 };
      },
      (res, original) => same(res, { ...(original as object), replayed: true }, "refund replay"),
    );
  }
  describe(): string {
    return `refund grant #${this.pick} ${this.amount}${this.key ? ` key ${this.key}` : ""}`;
  }
}

// ---- Stripe: top-ups bought and refunded ------------------------------------------------------

function addPackGrant(m: Model, user: number, grantId: number): void {
  m.addGrant(
    {
      id: grantId,
      user,
      type: "topup",
      amount: PACK.credits,
      priority: DEFAULT_PRIORITY.topup,
      effectiveAtMs: m.nowMs,
      expiresAtMs: m.nowMs + PACK.expiryDays * DAY_MS,
      groupRef: null,
      rollover: false,
    },
    "grant",
  );
}

export class BuyPackStep extends Step {
  readonly name = "buy pack";
  constructor(
    wait: Wait,
    readonly user: number,
  ) {
    super(wait);
  }
  apply(m: Model, r: Engine): void {
    const user = m.users[this.user];
    const { purchaseId, grantId } = r.buyPack(user);
    addPackGrant(m, user, grantId);
    m.purchases.push({
      id: purchaseId,
      user,
      grantId,
      credits: PACK.credits,
      paidCents: PACK.priceCents,
      refundedCents: 0,
      creditsRefunded: 0,
    });
  }
  describe(): string {
    return `buy pack u${this.user}`;
  }
}

/** charge.refunded: the charge's running amount_refunded grows by `cents` (0 = the same event again). */
export class StripeRefundStep extends Step {
  readonly name = "stripe refund";
  constructor(
    wait: Wait,
    readonly pick: number,
    readonly cents: number,
  ) {
    super(wait);
  }
  apply(m: Model, r: Engine): void {
    const p = pick(m.purchases, this.pick);
    if (!p) return;
    const cumulative = Math.min(p.paidCents, p.refundedCents + this.cents);
    const g = m.grant(p.grantId);
    let expected = { removed: 0, accounted: 0 };
    if (cumulative > p.refundedCents) {
      const target = Math.min(p.credits, Math.floor((p.credits * cumulative) / p.paidCents));
      const accounted = Math.max(0, target - p.creditsRefunded);
      const spent = g.remaining < g.amount;
      const removed = accounted > 0 ? refundOnModel(m, g, accounted) : 0;
      expected = { removed, accounted };
      m.seen.add(cumulative === p.paidCents ? "stripe refund full" : "stripe refund partial");
      m.seen.add(spent ? "stripe refund after spending" : "stripe refund before spending");
      p.refundedCents = cumulative;
      p.creditsRefunded += accounted;
    } else {
      m.seen.add("stripe refund replayed");
    }
    const res = r.applyStripe("charge.refunded", (ctx) =>
      applyTopupRefund(ctx, r.purchase(p.id), { amount: p.paidCents, amountRefunded: cumulative }),
    );
    same(res, expected, "charge.refunded");
  }
  describe(): string {
    return `stripe refund purchase #${this.pick} +${this.cents} cents`;
  }
}

// ---- auto top-up -----------------------------------------------------------------------------

export class AutoTopupStep extends Step {
  readonly name = "auto top-up settings";
  constructor(
    wait: Wait,
    readonly user: number,
    readonly enabled: boolean,
    readonly threshold: number,
    readonly cap: number,
  ) {
    super(wait);
  }
  apply(m: Model, r: Engine): void {
    const user = m.users[this.user];
    setAutoTopup(
      r.ctx,
      user,
      { enabled: this.enabled, topupPlanId: r.pack.id, threshold: this.threshold, monthlyCapPacks: this.cap },
      "simulator",
    );
    m.autoTopup.set(user, { enabled: this.enabled, threshold: this.threshold, cap: this.cap });
  }
  describe(): string {
    return `auto top-up u${this.user} ${this.enabled ? "on" : "off"} below ${this.threshold}, cap ${this.cap}`;
  }
}

function attemptId(r: Engine, index: number): number {
  return r.ctx.db.$client
    .prepare(`select id from auto_topup_attempts order by id limit 1 offset ?`)
    .pluck()
    .get(index) as number;
}

/** The simulator plays Stripe: the off-session payment of an open attempt succeeds (or is declined). */
export class SettlePaymentStep extends Step {
  readonly name: string;
  constructor(
    wait: Wait,
    readonly pick: number,
    readonly succeed: boolean,
  ) {
    super(wait);
    this.name = succeed ? "auto top-up paid" : "auto top-up declined";
  }
  apply(m: Model, r: Engine): void {
    const a = pick(
      m.attempts.filter((x) => x.status === "pending"),
      this.pick,
    );
    if (!a) return;
    const id = attemptId(r, m.attempts.indexOf(a));
    if (!this.succeed) {
      a.status = "failed";
      m.autoTopup.get(a.user)!.enabled = false;
      same(failAttempt(r.ctx, id, { code: "card_declined", message: "Declined by the simulator." }), true, "decline");
      return;
    }
    const pi = {
      id: `pi_auto_${id}`,
      amount: PACK.priceCents,
      amount_received: PACK.priceCents,
      currency: "usd",
      metadata: { autoTopupAttemptId: String(id), userId: String(a.user) },
    } as unknown as Stripe.PaymentIntent;
    const pay = () => r.applyStripe("payment_intent.succeeded", (ctx) => applyAutoTopupPayment(ctx, pi, null));
    same(pay().status, "processed", "auto top-up payment");
    a.status = "succeeded";
    const purchase = r.ctx.db.$client
      .prepare(
        `select p.id, g.id as grantId from topup_purchases p join credit_grants g
        on g.source_ref = 'topup_purchase:' || p.id where p.stripe_payment_intent_id = ?`,
      )
      .get(pi.id) as { id: number; grantId: number };
    addPackGrant(m, a.user, purchase.grantId);
    m.purchases.push({
      id: purchase.id,
      user: a.user,
      grantId: purchase.grantId,
      credits: PACK.credits,
      paidCents: PACK.priceCents,
      refundedCents: 0,
      creditsRefunded: 0,
    });
    const again = { status: "processed", reason: "already granted for this payment intent" };
    keys(m).list.push({ kind: "payment", user: a.user, key: pi.id, request: pi.id, resend: pay, answer: again });
    // Stripe delivers an event more than once: every payment is sent again at once (ReplayStep sends it later).
    same(pay(), again, "payment replay");
    m.seen.add("payment replayed");
  }
  describe(): string {
    return `${this.succeed ? "pay" : "decline"} auto top-up attempt #${this.pick}`;
  }
}

// ---- jobs ------------------------------------------------------------------------------------

export class SweepStep extends Step {
  readonly name = "expiry sweep";
  apply(m: Model, r: Engine): void {
    const due = m.grants
      .filter((g) => g.status === "active" && g.expiresAtMs !== null && g.expiresAtMs <= m.nowMs)
      .sort((a, b) => a.expiresAtMs! - b.expiresAtMs! || a.id - b.id);
    const users = [...new Set(due.map((g) => g.user))];
    let credits = 0;
    for (const user of users) {
      const mine = due.filter((g) => g.user === user);
      const spendable = m.spendable(user);
      let gone = 0;
      for (const g of mine) gone += m.expire(g);
      credits += gone;
      m.lowered(user, spendable + gone, spendable);
    }
    same(expireHolds(r.ctx), m.settledThisStep, "sweep: lapsed holds recorded");
    const res = expireGrants(r.ctx);
    same([res.expired, res.credits], [due.length, credits], "sweep");
  }
  describe(): string {
    return "expiry sweep";
  }
}

export class SyncStep extends Step {
  readonly name = "balance sync";
  constructor(
    wait: Wait,
    readonly user: number,
    readonly drift: number,
  ) {
    super(wait);
  }
  apply(m: Model, r: Engine): void {
    const user = m.users[this.user];
    if (this.drift > 0) {
      // A fault: someone edited the cached balance by hand; the sync must put it back.
      r.ctx.db.$client
        .prepare(`update users set credit_balance = credit_balance + ? where id = ?`)
        .run(this.drift, user);
      m.seen.add("balance drift repaired");
    }
    // Its numbers are the stored ones (a lapsed hold no write has recorded yet is not in them): the gap is the drift.
    const res = syncBalances(r.ctx);
    same(
      [res.checked, res.drifted.map((d) => [d.userId, d.cached - d.actual])],
      [m.users.length, this.drift > 0 ? [[user, this.drift]] : []],
      "balance sync",
    );
  }
  describe(): string {
    return `balance sync${this.drift > 0 ? ` after u${this.user}'s cached balance drifted by ${this.drift}` : ""}`;
  }
}

export class LegacyImportStep extends Step {
  readonly name = "legacy import";
  constructor(
    wait: Wait,
    readonly user: number,
    readonly amount: number,
    readonly expiresInDays: number | null,
    readonly viaCli: boolean,
  ) {
    super(wait);
  }
  apply(m: Model, r: Engine): void {
    const user = m.users[this.user];
    const known = m.legacy.get(user);
    const days = this.viaCli ? this.expiresInDays : null;
    if (this.amount === 0) {
      if (this.viaCli) {
        const res = importLegacyBalances(r.ctx, [{ at: 1, userId: user, balance: 0 }], {
          expiresInDays: days,
          findUserId: (ref) => findUserId(r.ctx.db, ref),
        });
        same(res.skippedZero, 1, "legacy import of 0");
      } else same(importLegacyBalance(r.ctx, { userId: user, amount: 0 }), null, "legacy import of 0");
      return;
    }
    const call = () =>
      this.viaCli
        ? importLegacyBalances(r.ctx, [{ at: 1, userId: user, balance: this.amount }], {
            expiresInDays: days,
            findUserId: (ref) => findUserId(r.ctx.db, ref),
          })
        : importLegacyBalance(r.ctx, { userId: user, amount: this.amount });
    // The CLI decides by amount alone; the engine's own import is a keyed request (amount and expiry).
    const replay = known && known.amount === this.amount && (this.viaCli || !known.expires);
    if (known && !replay) {
      expectCode(call, "idempotency_conflict");
      return;
    }
    const res = call();
    if (replay) {
      m.seen.add("legacy import replayed");
      if (this.viaCli) same((res as { alreadyImported: number }).alreadyImported, 1, "legacy import again");
      else same((res as { replayed: boolean }).replayed, true, "legacy import again");
      return;
    }
    const grantId = r.ctx.db.$client
      .prepare(`select grant_id from credit_ledger where user_id = ? and idempotency_key = 'migration:legacy-balance'`)
      .pluck()
      .get(user) as number;
    m.addGrant(
      {
        id: grantId,
        user,
        type: "topup",
        amount: this.amount,
        priority: DEFAULT_PRIORITY.topup,
        effectiveAtMs: m.nowMs,
        expiresAtMs: days === null ? null : m.nowMs + days * DAY_MS,
        groupRef: null,
        rollover: false,
      },
      "grant",
    );
    m.legacy.set(user, { amount: this.amount, expires: days !== null });
  }
  describe(): string {
    const how = this.viaCli ? `via the CLI, expiring in ${this.expiresInDays ?? "never"} days` : "via the engine";
    return `legacy import u${this.user} ${this.amount} ${how}`;
  }
}

// ---- subscriptions: invoices and rollover at renewal -----------------------------------------

const PERIOD_MS = 3 * DAY_MS;

export class RenewStep extends Step {
  readonly name = "renewal";
  constructor(
    wait: Wait,
    readonly user: number,
    readonly credits: number,
    readonly percent: number,
    readonly cap: number | null,
    readonly lateMs: number,
  ) {
    super(wait);
  }
  apply(m: Model, r: Engine): void {
    const user = m.users[this.user];
    const sub = m.subscriptions.get(user);
    const groupRef = `subscription:sim-${this.user}`;
    if (!sub) {
      const periodEndMs = m.nowMs + PERIOD_MS;
      m.subscriptions.set(user, { groupRef, periodStartMs: m.nowMs, periodEndMs, invoices: 1 });
      r.subscribe(user, m.nowMs, periodEndMs);
      this.invoiceGrant(m, r, user, groupRef, 1, periodEndMs);
      return;
    }
    // The renewal's invoice comes at (or a little after) the end of the period.
    if (m.nowMs < sub.periodEndMs + this.lateMs) {
      m.nowMs = sub.periodEndMs + this.lateMs;
      r.ctx.clock.set(m.nowMs);
      m.settledThisStep += m.settleHolds();
    }
    const periodEndMs = sub.periodEndMs;
    const newPeriodEndMs = Math.max(periodEndMs, m.nowMs) + PERIOD_MS;
    const invoice = sub.invoices + 1;
    const input = {
      userId: user,
      groupRef,
      renewalKey: `invoice:sim-${this.user}-${invoice}`,
      periodEnd: new Date(periodEndMs),
      newPeriodEnd: new Date(newPeriodEndMs),
      percent: this.percent,
      maxCredits: this.cap,
      fromLabel: "Simulator plan",
    };
    const expected = rollOverOnModel(m, user, groupRef, periodEndMs, newPeriodEndMs, this.percent, this.cap);
    const res = rollOverCredits(r.ctx, input);
    if (expected.rolled > 0) {
      m.addGrant(
        {
          id: res.grantId!,
          user,
          type: "subscription",
          amount: expected.rolled,
          priority: ROLLOVER_PRIORITY,
          effectiveAtMs: m.nowMs,
          expiresAtMs: newPeriodEndMs,
          groupRef,
          rollover: true,
        },
        "grant",
      );
      m.seen.add("credits rolled over");
    }
    same([res.unused, res.rolled, res.replayed], [expected.unused, expected.rolled, false], "rollover");
    if (this.percent > 0) {
      m.rollovers.set(input.renewalKey, { unused: res.unused, rolled: res.rolled, grantId: res.grantId });
      keys(m).list.push({
        kind: "rollover",
        user,
        key: input.renewalKey,
        request: input.renewalKey,
        resend: () => rollOverCredits(r.ctx, input),
        answer: { ...res, replayed: true },
      });
    }
    // The new period starts the rate card's included units again.
    if ([...m.rate.included.keys()].some((k) => k.startsWith(`${user}|`) && k.endsWith(`|${sub.periodStartMs}`))) {
      m.seen.add("included units reset at renewal");
    }
    sub.periodStartMs = newPeriodEndMs - PERIOD_MS;
    sub.periodEndMs = newPeriodEndMs;
    sub.invoices = invoice;
    r.subscribe(user, sub.periodStartMs, newPeriodEndMs);
    this.invoiceGrant(m, r, user, groupRef, invoice, newPeriodEndMs);
  }
  /** invoice.paid: the period's plan credits, expiring at its end. */
  private invoiceGrant(m: Model, r: Engine, user: number, groupRef: string, n: number, periodEndMs: number): void {
    const res = grantCredits(r.ctx, {
      userId: user,
      type: "subscription",
      amount: this.credits,
      source: "subscription",
      effectiveAt: new Date(m.nowMs),
      expiresAt: new Date(periodEndMs),
      sourceRef: `stripe_invoice:sim-${this.user}-${n}`,
      groupRef,
    });
    m.addGrant(
      {
        id: res.grant.id,
        user,
        type: "subscription",
        amount: this.credits,
        priority: DEFAULT_PRIORITY.subscription,
        effectiveAtMs: m.nowMs,
        expiresAtMs: periodEndMs,
        groupRef,
        rollover: false,
      },
      "grant",
    );
  }
  describe(): string {
    return `renew u${this.user}: ${this.credits} credits, rollover ${this.percent}% cap ${this.cap ?? "none"}, ${this.lateMs}ms late`;
  }
}

/** Rollover at renewal on the model (only at or after the period's end). */
function rollOverOnModel(
  m: Model,
  user: number,
  groupRef: string,
  periodEndMs: number,
  newPeriodEndMs: number,
  percent: number,
  cap: number | null,
): { unused: number; rolled: number } {
  if (percent === 0) return { unused: 0, rolled: 0 };
  let unused = 0;
  const sources = m.grants.filter(
    (g) =>
      g.user === user &&
      g.groupRef === groupRef &&
      g.type === "subscription" &&
      g.expiresAtMs === periodEndMs &&
      !g.rollover,
  );
  for (const g of sources) {
    if (g.status === "expired") unused += g.expiredCredits;
    else if (g.status === "active") unused += m.expire(g);
  }
  const share = Math.floor((unused * percent) / 100);
  const rolled = cap === null ? share : Math.min(share, cap);
  if (rolled > 0 && newPeriodEndMs <= m.nowMs) throw new Error("simulator: the new period has ended already");
  return { unused, rolled };
}

// ---- time and replays --------------------------------------------------------------------------

export class WaitStep extends Step {
  readonly name = "time passes";
  apply(): void {}
  describe(): string {
    return "read balances";
  }
}

/** Sends one earlier keyed request again, exactly: the original answer, nothing written. */
export class ReplayStep extends Step {
  readonly name = "replay";
  constructor(
    wait: Wait,
    readonly pick: number,
  ) {
    super(wait);
  }
  apply(m: Model, r: Engine): void {
    // A kind first, then one of its keys: rare kinds (a paid auto top-up) get replayed too.
    const list = keys(m).list;
    const kinds = [...new Set(list.map((x) => x.kind))];
    const kind = pick(kinds, this.pick);
    const k = pick(
      list.filter((x) => x.kind === kind),
      Math.floor(this.pick / Math.max(1, kinds.length)),
    );
    if (!k) return;
    const res = k.resend(r) as Record<string, unknown>;
    m.seen.add(`${k.kind} replayed`);
    const o = k.answer as Record<string, unknown>;
    switch (k.kind) {
      case "deduct":
      case "refund":
      case "rollover":
        same(res, { ...o, replayed: true }, `${k.kind} replay`);
        break;
      case "payment":
        same(res, o, "payment replay");
        break;
      default:
        same(res.replayed, true, `${k.kind} replay`);
        if ((res.hold as { feature?: string } | undefined)?.feature) m.seen.add("feature hold replayed");
    }
  }
  describe(): string {
    return `replay keyed request #${this.pick}`;
  }
}
