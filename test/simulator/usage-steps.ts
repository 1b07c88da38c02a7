/**
 * The rate card's operations in the simulator (issue 25): usage (with idempotent replays),
 * checks, holds by feature with their capture, price changes, plan terms and archiving — each
 * through app/features/ with the user's plan terms from user_subscriptions, as the app does,
 * against ./rate-model.ts.
 */
import {
  addFeaturePrice,
  captureFeatureHold,
  checkUsage,
  holdFeature,
  recordUsage,
  setPlanFeature,
  updateFeature,
  type UsageResult,
} from "../../app/features/index.server";
import { allocations, captureOnModel, isOpen, keyed, pick, pickHold, Step, tryTake, type Wait } from "./commands";
import { expectCode, same } from "./compare";
import type { Engine } from "./engine";
import { InsufficientCredits, type MHold, type MPart, type Model } from "./model";
import { ceilMulDiv, type MFeature, type MPrice, type MQuote } from "./rate-model";

/** The user's terms for a feature now, on the model. */
function termsNow(m: Model, user: number, key: string) {
  const feature = m.rate.features.get(key);
  const sub = m.subscriptions.get(user);
  const periodStartMs = sub ? sub.periodStartMs : null;
  if (!feature) return { feature, periodStart: periodStartMs };
  return {
    feature,
    periodStart: periodStartMs,
    refusal: m.rate.refusal(feature, !!sub),
    price: m.rate.priceNow(user, feature, !!sub, m.nowMs),
  };
}

type UseOutcome = { result: UsageResult } | { refused: string };

/** A use on the model alone: refused (nothing changes; the balance when short), or recorded with the parts its credits took. */
function useOnModel(
  m: Model,
  user: number,
  key: string,
  quantity: number,
): { refused: string; balance?: number } | { q: MQuote; parts: MPart[] } {
  const t = termsNow(m, user, key);
  if (!t.feature) {
    m.seen.add("usage of an unknown feature");
    return { refused: "not_found" };
  }
  if (t.refusal) {
    m.seen.add(t.refusal === "feature_archived" ? "usage of an archived feature" : "usage of a feature not included");
    return { refused: t.refusal };
  }
  const q = m.rate.quote(user, t.feature, t.price!, t.periodStart, quantity);
  let parts: MPart[] = [];
  if (q.credits > 0) {
    const taken = tryTake(m, user, q.credits);
    if (taken instanceof InsufficientCredits) {
      m.seen.add("usage refused");
      return { refused: "insufficient_credits", balance: taken.balance };
    }
    parts = taken;
    m.line(user, "deduction", -q.credits);
  }
  m.rate.record(user, q, quantity, null);
  if (q.credits > 0) m.seen.add("usage charged");
  if (q.included > 0) m.seen.add("usage of included units");
  if (q.credits === 0 && quantity > q.included && q.price.credits > 0) {
    m.seen.add("usage covered by the carried remainder");
  }
  return { q, parts };
}

/** The answer a recorded use gives (the engine numbers the use and its deduction). */
function usageAnswer(m: Model, user: number, q: MQuote, parts: MPart[], quantity: number) {
  const balance = m.spendable(user);
  return {
    feature: q.feature.key,
    quantity,
    credits: q.credits,
    includedUnitsUsed: q.included,
    balance,
    deduction: q.credits > 0 ? { amount: q.credits, balance, allocations: allocations(parts) } : null,
  };
}

/**
 * A use of `quantity` units now, on the model and the engine: the engine's answer must be the
 * model's. Returns the answer, or the code it was refused with (nothing written).
 */
function useNow(m: Model, r: Engine, user: number, key: string, quantity: number, idempotencyKey: string | null) {
  const input = { userId: user, feature: key, quantity, idempotencyKey };
  const out = useOnModel(m, user, key, quantity);
  if ("refused" in out) {
    const e = expectCode(() => recordUsage(r.usage, input), out.refused);
    if (out.balance !== undefined) same(e.extra?.balance, out.balance, "usage: balance when short");
    return { refused: out.refused } as UseOutcome;
  }
  const res = recordUsage(r.usage, input);
  const expected = usageAnswer(m, user, out.q, out.parts, quantity);
  same(
    res,
    {
      ...expected,
      id: res.id,
      deduction: expected.deduction && { ...expected.deduction, id: res.deduction?.id },
      priceVersion: out.q.price.version,
      replayed: false,
    },
    "usage",
  );
  return { result: res } as UseOutcome;
}

export class UsageStep extends Step {
  readonly name = "usage";
  constructor(
    wait: Wait,
    readonly user: number,
    readonly feature: string,
    readonly quantity: number,
    readonly key: string | null,
  ) {
    super(wait);
  }
  apply(m: Model, r: Engine): void {
    const user = m.users[this.user];
    const input = { userId: user, feature: this.feature, quantity: this.quantity, idempotencyKey: this.key };
    keyed(
      m,
      {
        kind: "usage",
        user,
        key: this.key === null ? null : `usage:${this.key}`,
        request: JSON.stringify([this.feature, this.quantity]),
      },
      () => recordUsage(r.usage, input),
      () => {
        const out = useNow(m, r, user, this.feature, this.quantity, this.key);
        return "result" in out ? { answer: out.result, stored: true } : undefined;
      },
      (res, original) => {
        const o = original as UsageResult;
        same(
          [res.replayed, res.id, res.credits, res.includedUnitsUsed, res.priceVersion, res.balance],
          [true, o.id, o.credits, o.includedUnitsUsed, o.priceVersion, m.spendable(user)],
          "usage replay",
        );
      },
    );
  }
  describe(): string {
    return `usage u${this.user} ${this.feature} × ${this.quantity}${this.key ? ` key ${this.key}` : ""}`;
  }
}

/** A check writes nothing and agrees with the model — and, when a use follows, with what the use did. */
export class CheckStep extends Step {
  readonly name = "check";
  constructor(
    wait: Wait,
    readonly user: number,
    readonly feature: string,
    readonly quantity: number,
    readonly thenUse: boolean,
  ) {
    super(wait);
  }
  apply(m: Model, r: Engine): void {
    const user = m.users[this.user];
    const input = { userId: user, feature: this.feature, quantity: this.quantity };
    const t = termsNow(m, user, this.feature);
    const changes = () => r.sql(`select total_changes()`).pluck().get() as number;
    const before = changes();
    if (!t.feature) {
      expectCode(() => checkUsage(r.usage, input), "not_found");
    } else {
      const balance = m.spendable(user);
      const includedRemaining = m.rate.includedRemaining(user, this.feature, t.periodStart);
      let expected: Record<string, unknown>;
      if (t.refusal) expected = { allowed: false, credits: 0, balance, includedRemaining, reason: t.refusal };
      else {
        const { credits } = m.rate.quote(user, t.feature, t.price!, t.periodStart, this.quantity);
        expected =
          credits > balance
            ? { allowed: false, credits, balance, includedRemaining, reason: "insufficient_credits" }
            : { allowed: true, credits, balance, includedRemaining };
      }
      const res = checkUsage(r.usage, input);
      same(res, expected, "check");
      m.seen.add(res.allowed ? "check allowed" : "check refused");
      // Lapsed holds a read records are the only write a check may make.
      if (m.settledThisStep === 0) same(changes() - before, 0, "check: rows written");
      if (this.thenUse) {
        const out = useNow(m, r, user, this.feature, this.quantity, null);
        same(
          ["result" in out, "result" in out ? out.result.credits : res.credits],
          [res.allowed, res.credits],
          "check then usage: allowed ⇔ used, same credits",
        );
        m.seen.add("check then usage");
      }
    }
  }
  describe(): string {
    return `check u${this.user} ${this.feature} × ${this.quantity}${this.thenUse ? " then use it" : ""}`;
  }
}

export class FeatureHoldStep extends Step {
  readonly name = "feature hold";
  constructor(
    wait: Wait,
    readonly user: number,
    readonly feature: string,
    readonly quantity: number,
    readonly seconds: number,
    readonly reason: string | null,
    readonly key: string | null,
  ) {
    super(wait);
  }
  apply(m: Model, r: Engine): void {
    const user = m.users[this.user];
    const input = {
      userId: user,
      feature: this.feature,
      quantity: this.quantity,
      expiresInSeconds: this.seconds,
      reason: this.reason,
      idempotencyKey: this.key,
    };
    keyed(
      m,
      {
        kind: "hold",
        user,
        // Holds by feature and by amount share the keys of holds.
        key: this.key === null ? null : `hold:${this.key}`,
        request: JSON.stringify(["feature", this.feature, this.quantity, this.seconds, this.reason]),
      },
      () => holdFeature(r.usage, input),
      () => {
        const t = termsNow(m, user, this.feature);
        if (!t.feature) {
          expectCode(() => holdFeature(r.usage, input), "not_found");
          return undefined;
        }
        if (t.refusal) {
          expectCode(() => holdFeature(r.usage, input), t.refusal);
          m.seen.add("feature hold refused");
          return undefined;
        }
        const price = t.price!;
        const amount = ceilMulDiv(this.quantity, price.credits, price.perUnits);
        if (amount === 0) {
          expectCode(() => holdFeature(r.usage, input), "invalid_request");
          m.seen.add("feature hold of a free feature");
          return undefined;
        }
        const parts = tryTake(m, user, amount);
        if (parts instanceof InsufficientCredits) {
          const e = expectCode(() => holdFeature(r.usage, input), "insufficient_credits");
          same(e.extra?.balance, parts.balance, "feature hold: balance when short");
          m.seen.add("feature hold refused");
          return undefined;
        }
        const res = holdFeature(r.usage, input);
        m.holds.push({
          id: res.hold.id,
          user,
          amount,
          parts,
          expiresAtMs: m.nowMs + this.seconds * 1000,
          status: "held",
          captured: 0,
        });
        m.rate.featureHolds.set(res.hold.id, {
          feature: this.feature,
          version: price.version,
          quantity: this.quantity,
        });
        same(
          [res.hold.amount, res.hold.feature, res.hold.quantity, res.hold.priceVersion, res.balance, res.held],
          [amount, this.feature, this.quantity, price.version, m.spendable(user), m.held(user)],
          "feature hold",
        );
        return { answer: res, stored: true };
      },
      (res, original) => {
        const o = original as typeof res;
        same(
          [res.replayed, res.hold.id, res.hold.amount, res.hold.priceVersion, res.balance, res.held],
          [true, o.hold.id, o.hold.amount, o.hold.priceVersion, m.spendable(user), m.held(user)],
          "feature hold replay",
        );
        m.seen.add("feature hold replayed");
      },
    );
  }
  describe(): string {
    const reason = this.reason === null ? "" : ` reason ${this.reason}`;
    return `hold u${this.user} ${this.feature} × ${this.quantity} for ${this.seconds}s${reason}${this.key ? ` key ${this.key}` : ""}`;
  }
}

/** An even pick takes an open feature hold when there is one, an odd one any feature hold (else any hold). */
function pickFeatureHold(m: Model, n: number): MHold | undefined {
  const byFeature = m.holds.filter((h) => m.rate.featureHolds.has(h.id));
  const open = byFeature.filter((h) => isOpen(m, h));
  if (n % 2 === 0 && open.length > 0) return pick(open, n >> 1);
  return byFeature.length > 0 ? pick(byFeature, n >> 1) : pickHold(m, n);
}

export class FeatureCaptureStep extends Step {
  readonly name: string;
  constructor(
    wait: Wait,
    readonly pick: number,
    readonly quantity: number | null,
  ) {
    super(wait);
    this.name = quantity === null ? "feature capture" : "feature capture part";
  }
  apply(m: Model, r: Engine): void {
    const h = pickFeatureHold(m, this.pick);
    if (!h) return;
    const input = { holdId: h.id, quantity: this.quantity };
    const capture = () => captureFeatureHold(r.usage, input);
    const fh = m.rate.featureHolds.get(h.id);
    if (!fh) {
      expectCode(capture, "invalid_request");
      m.seen.add("feature capture of a hold by amount");
      return;
    }
    const quantity = this.quantity ?? fh.quantity;
    if (quantity > fh.quantity) {
      expectCode(capture, "invalid_request");
      return;
    }
    const feature = m.rate.features.get(fh.feature)!;
    const price = m.rate.price(feature, fh.version);
    const sub = m.subscriptions.get(h.user);
    const q = m.rate.quote(h.user, feature, price, sub ? sub.periodStartMs : null, quantity);
    if (!isOpen(m, h) || (q.credits > 0 && h.amount === 0)) {
      expectCode(capture, "conflict");
      m.seen.add("feature capture refused");
      return;
    }
    if (q.credits > h.amount) {
      // Refunds or voids of its grants took part of what it reserved (decision 017).
      expectCode(capture, "invalid_request");
      m.seen.add("feature capture refused");
      return;
    }
    let parts: MPart[] = [];
    if (q.credits > 0) parts = captureOnModel(m, h, q.credits);
    else {
      h.status = "released";
      m.giveBack(h.user, h.parts);
      m.seen.add("feature capture covered");
    }
    m.rate.record(h.user, q, quantity, h.id);
    const res = capture();
    const balance = m.spendable(h.user);
    same(
      [res.usage, res.hold.status, res.held],
      [
        {
          id: res.usage.id,
          feature: feature.key,
          quantity,
          credits: q.credits,
          includedUnitsUsed: q.included,
          balance,
          deduction:
            q.credits > 0
              ? { id: res.usage.deduction?.id, amount: q.credits, balance, allocations: allocations(parts) }
              : null,
          priceVersion: price.version,
          replayed: false,
        },
        h.status,
        m.held(h.user),
      ],
      "feature capture",
    );
  }
  describe(): string {
    return `capture feature hold #${this.pick} ${this.quantity ?? "all"} units`;
  }
}

export class PriceStep extends Step {
  readonly name: string;
  constructor(
    wait: Wait,
    readonly feature: string,
    readonly credits: number,
    readonly perUnits: number,
    readonly inMs: number,
  ) {
    super(wait);
    this.name = inMs > 0 ? "price change scheduled" : "price change";
  }
  apply(m: Model, r: Engine): void {
    const feature = m.rate.features.get(this.feature)!;
    const effectiveAtMs = m.nowMs + this.inMs;
    const version = m.rate.nextVersion(feature);
    feature.prices.push({ version, credits: this.credits, perUnits: this.perUnits, effectiveAtMs, plan: false });
    const res = addFeaturePrice(
      r.ctx,
      this.feature,
      {
        credits: this.credits,
        perUnits: this.perUnits,
        effectiveAt: this.inMs > 0 ? new Date(effectiveAtMs) : undefined,
      },
      "simulator",
    );
    same([res.version, Date.parse(res.effectiveAt)], [version, effectiveAtMs], "price change");
  }
  describe(): string {
    return `price ${this.feature} ${this.credits} per ${this.perUnits}${this.inMs > 0 ? ` from in ${this.inMs}ms` : ""}`;
  }
}

export class PlanTermsStep extends Step {
  readonly name = "plan terms";
  constructor(
    wait: Wait,
    readonly feature: string,
    readonly enabled: boolean | undefined,
    readonly price: { credits: number; perUnits: number } | null | undefined,
    readonly includedUnits: number | undefined,
  ) {
    super(wait);
  }
  apply(m: Model, r: Engine): void {
    const feature = m.rate.features.get(this.feature)!;
    const current = m.rate.planTerms.get(this.feature);
    const currentPrice: MPrice | null = current?.price != null ? m.rate.price(feature, current.price) : null;
    let price = current?.price ?? null;
    if (this.price === null) price = null;
    else if (this.price !== undefined) {
      const same =
        currentPrice && currentPrice.credits === this.price.credits && currentPrice.perUnits === this.price.perUnits;
      if (!same) {
        price = m.rate.nextVersion(feature);
        feature.prices.push({ version: price, ...this.price, effectiveAtMs: m.nowMs, plan: true });
        m.seen.add("plan price");
      }
    }
    const enabled = this.enabled ?? current?.enabled ?? true;
    const includedUnits = this.includedUnits ?? current?.includedUnits ?? 0;
    const changed =
      !current || current.enabled !== enabled || current.price !== price || current.includedUnits !== includedUnits;
    m.rate.planTerms.set(this.feature, { enabled, price, includedUnits });
    if (!enabled) m.seen.add("feature not in plan");
    if (includedUnits > 0) m.seen.add("plan included units");
    const input = {
      ...(this.enabled === undefined ? {} : { enabled: this.enabled }),
      ...(this.price === undefined ? {} : { price: this.price }),
      ...(this.includedUnits === undefined ? {} : { includedUnits: this.includedUnits }),
    };
    const res = setPlanFeature(r.ctx, r.planId, this.feature, input, "simulator");
    same(
      [res.changed, res.terms.enabled, res.terms.price?.version ?? null, res.terms.includedUnits],
      [changed, enabled, price, includedUnits],
      "plan terms",
    );
  }
  describe(): string {
    const price =
      this.price === undefined ? "" : ` price ${this.price ? `${this.price.credits}/${this.price.perUnits}` : "base"}`;
    const enabled = this.enabled === undefined ? "" : this.enabled ? " enabled" : " disabled";
    const included = this.includedUnits === undefined ? "" : ` included ${this.includedUnits}`;
    return `plan terms ${this.feature}${enabled}${price}${included}`;
  }
}

export class ArchiveStep extends Step {
  readonly name: string;
  constructor(
    wait: Wait,
    readonly feature: string,
    readonly archived: boolean,
  ) {
    super(wait);
    this.name = archived ? "feature archived" : "feature restored";
  }
  apply(m: Model, r: Engine): void {
    const feature: MFeature = m.rate.features.get(this.feature)!;
    feature.archived = this.archived;
    const res = updateFeature(r.ctx, this.feature, { archived: this.archived }, "simulator");
    same(res.archived, this.archived, "archive");
  }
  describe(): string {
    return `${this.archived ? "archive" : "restore"} ${this.feature}`;
  }
}

type UsageEvent = { user: number; feature: string; quantity: number; key: string };

const batchKeyStores = new WeakMap<Model, Map<string, { request: string; body: Record<string, unknown> }>>();

/**
 * Uses sent together through the v1 router: one POST /api/v1/usage/batch, or ("group") one POST
 * /api/v1/users/:userId/usage each, arriving together and run as one group commit. Either way each
 * event stands alone, keyed, in order.
 */
export class UsageBatchStep extends Step {
  readonly name: string;
  constructor(
    wait: Wait,
    readonly events: UsageEvent[],
    readonly via: "batch" | "group" = "batch",
  ) {
    super(wait);
    this.name = via === "batch" ? "usage batch" : "uses grouped";
  }
  apply(m: Model, r: Engine): void {
    let api = batchKeyStores.get(m);
    if (!api) batchKeyStores.set(m, (api = new Map()));
    const expected: unknown[] = [];
    const fresh: { index: number; body: Record<string, unknown> }[] = [];
    for (const [index, e] of this.events.entries()) {
      const user = m.users[e.user];
      const request = JSON.stringify([e.feature, e.quantity]);
      const known = api.get(`${user}:${e.key}`);
      if (known && known.request === request) {
        expected.push({ status: 201, body: known.body, replayed: true });
        m.seen.add("usage batch event replayed");
        continue;
      }
      if (known) {
        expected.push({ status: 409, code: "idempotency_conflict" });
        continue;
      }
      const out = useOnModel(m, user, e.feature, e.quantity);
      if ("refused" in out) {
        expected.push({ status: { not_found: 404, insufficient_credits: 402 }[out.refused] ?? 403, code: out.refused });
        continue;
      }
      const body: Record<string, unknown> = usageAnswer(m, user, out.q, out.parts, e.quantity);
      expected.push({ status: 201, body });
      fresh.push({ index, body });
      api.set(`${user}:${e.key}`, { request, body });
    }
    const answer =
      this.via === "batch"
        ? r.usageBatch(
            this.events.map((e) => ({
              userId: m.users[e.user],
              feature: e.feature,
              quantity: e.quantity,
              idempotencyKey: e.key,
            })),
          )
        : {
            status: 200,
            results: r.group(
              this.events.map((e) => ({
                url: `/api/v1/users/${m.users[e.user]}/usage`,
                body: { feature: e.feature, quantity: e.quantity },
                idempotencyKey: e.key,
              })),
            ),
          };
    same(answer.status, 200, "usage batch: status");
    // The engine numbers uses and deductions: take its ids for the answers the model expects.
    for (const f of fresh) {
      const got = answer.results[f.index]?.body as { id?: number; deduction?: { id?: number } | null } | undefined;
      f.body.id = got?.id;
      const deduction = f.body.deduction as Record<string, unknown> | null;
      if (deduction) f.body.deduction = { ...deduction, id: got?.deduction?.id };
    }
    const results = answer.results.map((res) =>
      res.status === 201
        ? { status: 201, body: res.body, ...(res.replayed ? { replayed: true } : {}) }
        : { status: res.status, code: res.error?.code },
    );
    same(results, expected, "usage batch: results");
  }
  describe(): string {
    return `${this.via === "batch" ? "usage batch" : "uses grouped"} [${this.events.map((e) => `u${e.user} ${e.feature} × ${e.quantity} key ${e.key}`).join(", ")}]`;
  }
}
