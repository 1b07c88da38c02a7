/**
 * After every step: the engine and the model must agree on each user's spendable balance, held
 * credits, grants in burn-down order, cached balance and ledger lines, on every grant's remaining
 * and status, every hold and every auto top-up attempt — and the engine's own invariant checker
 * must find nothing.
 */
import assert from "node:assert/strict";
import { checkInvariants } from "../../app/credits/index.server";
import { findRateCardViolations } from "../../app/features/index.server";
import { AppError } from "../../app/utils/errors";
import type { Engine } from "./engine";
import type { Model } from "./model";
import { ceilMulDiv } from "./rate-model";

export function compare(m: Model, r: Engine): void {
  r.dispatch();
  m.dispatch();
  for (const [i, user] of m.users.entries()) {
    const view = r.balance(user);
    const order = m.burnDownOrder(user);
    const label = `user ${i}`;
    same(view.balance, m.spendable(user), `${label} balance`);
    same(view.held, m.held(user), `${label} held`);
    same(
      view.grants.map((g) => [g.id, g.remaining]),
      order.map((g) => [g.id, g.remaining]),
      `${label} grants in burn-down order`,
    );
    same(r.cached(user), m.cached(user), `${label} cached balance`);
    const lines = m.lines
      .filter((l) => l.user === user)
      .map((l) => `${l.type} ${l.amount} ${l.grantId ?? "-"}`)
      .sort();
    same(r.ledger(user), lines, `${label} ledger lines`);
  }
  same(
    r.grants().map((g) => [g.id, g.remaining, g.status]),
    m.grants.map((g) => [g.id, g.remaining, g.status]),
    "every grant [id, remaining, status]",
  );
  same(
    r.holds().map((h) => [h.id, h.reserved, h.status, h.captured_amount]),
    m.holds.map((h) => [h.id, h.amount, h.status, h.captured]),
    "every hold [id, reserved, status, captured]",
  );
  same(
    r.attempts().map((a) => [a.user_id, a.month, a.status]),
    m.attempts.map((a) => [a.user, a.month, a.status]),
    "auto top-up attempts",
  );
  compareRate(m, r);
  checkInvariants(r.ctx);
  same(findRateCardViolations(r.ctx.db), [], "rate card invariants");
}

const byColumns = (a: unknown[], b: unknown[]) => {
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number | string;
    const y = b[i] as number | string;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
};

/**
 * The rate card: every user's units and credits per price (credits = ceil(units × credits ÷
 * perUnits): the usage records charged at that price add up to it, and so does the meter where
 * the price keeps one), the included units
 * used per period, and every usage record with the ledger deduction it names.
 */
function compareRate(m: Model, r: Engine): void {
  const charged = [...m.rate.units.entries()]
    .map(([k, units]) => {
      const [user, feature, version] = k.split("|");
      const price = m.rate.price(m.rate.features.get(feature)!, Number(version));
      const row = [Number(user), feature, Number(version), units, ceilMulDiv(units, price.credits, price.perUnits)];
      return { row, metered: price.credits % price.perUnits !== 0 };
    })
    .sort((a, b) => byColumns(a.row, b.row));
  // A meter is kept only at a price that can leave a remainder (a fraction of a credit per unit).
  const meters = charged.filter((c) => c.metered).map((c) => c.row);
  same(
    r
      .sql(
        `select m.user_id, f.key, p.version, m.units, m.credits from usage_meters m
      join feature_prices p on p.id = m.price_id join features f on f.id = p.feature_id order by 1, 2, 3`,
      )
      .raw(true)
      .all(),
    meters,
    "usage meters [user, feature, version, units, credits]",
  );
  same(
    r
      .sql(
        `select r.user_id, f.key, p.version, sum(r.quantity - r.included_units), sum(r.credits) from usage_records r
      join feature_prices p on p.id = r.price_id join features f on f.id = p.feature_id
      group by 1, 2, 3 having sum(r.quantity - r.included_units) > 0 order by 1, 2, 3`,
      )
      .raw(true)
      .all(),
    charged.map((c) => c.row),
    "usage records per price [user, feature, version, units charged, credits]",
  );
  same(
    r
      .sql(
        `select i.user_id, f.key, i.period_start, i.units from included_usage i join features f on f.id = i.feature_id
      order by 1, 2, 3`,
      )
      .raw(true)
      .all(),
    [...m.rate.included.entries()]
      .map(([k, units]) => {
        const [user, feature, periodStart] = k.split("|");
        return [Number(user), feature, Number(periodStart), units];
      })
      .sort(byColumns),
    "included units used [user, feature, period start, units]",
  );
  same(
    r
      .sql(
        `select r.user_id, f.key, p.version, r.quantity, r.included_units, r.credits, r.hold_id, e.amount,
      json_extract(e.usage, '$.feature'), json_extract(e.usage, '$.quantity'), json_extract(e.usage, '$.priceVersion')
      from usage_records r join features f on f.id = r.feature_id join feature_prices p on p.id = r.price_id
      left join credit_ledger e on e.id = r.entry_id order by r.id`,
      )
      .raw(true)
      .all(),
    m.rate.usages.map((u) => {
      const charged = u.credits > 0;
      return [
        u.user,
        u.feature,
        u.version,
        u.quantity,
        u.included,
        u.credits,
        u.holdId,
        charged ? -u.credits : null,
        charged ? u.feature : null,
        charged ? u.quantity : null,
        charged ? u.version : null,
      ];
    }),
    "usage records [user, feature, version, quantity, included, credits, hold, entry amount, entry's feature, quantity, version]",
  );
}

/** The engine's value (actual) against the model's (expected). */
export function same(actual: unknown, expected: unknown, what: string): void {
  assert.deepStrictEqual(
    actual,
    expected,
    `${what}: engine ${JSON.stringify(actual)}, model ${JSON.stringify(expected)}`,
  );
}

/** Runs fn and expects an AppError with `code`; returns it. */
export function expectCode(fn: () => unknown, code: string): AppError {
  try {
    fn();
  } catch (e) {
    if (e instanceof AppError && e.code === code) return e;
    throw new Error(`expected AppError ${code}, got ${e instanceof Error ? e.message : String(e)}`);
  }
  throw new Error(`expected AppError ${code}, but the call succeeded`);
}
