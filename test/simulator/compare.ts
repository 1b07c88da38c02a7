/**
 * After every step: the engine and the model must agree on each user's spendable balance, held
 * credits, grants in burn-down order, cached balance and ledger lines, on every grant's remaining
 * and status, every hold and every auto top-up attempt — and the engine's own invariant checker
 * must find nothing.
 */
import assert from "node:assert/strict";
import { checkInvariants } from "../../app/credits/index.server";
import { AppError } from "../../app/utils/errors";
import type { Engine } from "./engine";
import type { Model } from "./model";

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
  checkInvariants(r.ctx);
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
