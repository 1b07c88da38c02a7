/**
 * The credit engine's public surface. Everything else (routes, billing, the CLI, tests) imports
 * from here only. Plain TypeScript over a database handle and a clock; no Remix, no Stripe.
 *
 * `balance` in every result is the user's SPENDABLE balance now (grants in effect; credits that
 * holds reserve are not in it — `held` counts them, ./holds.server.ts); ledger entries'
 * balanceAfter is the same number right after the entry. Definitions and invariants:
 * ./invariants.server.ts; burn-down order: BURN_DOWN_SQL in ./tables/grants.server.ts.
 *
 * Every mutation works standalone (it opens its own IMMEDIATE transaction) and nested inside a
 * caller's transaction (better-sqlite3 turns the inner one into a savepoint), so a webhook can
 * write its event row and the credits it grants atomically.
 */
export {
  grantCredits,
  voidGrant,
  refundGrantCredits,
  getGrant,
  importLegacyBalance,
  grantDemoCredits,
  DEFAULT_PRIORITY,
} from "./grants.server";
export type { GrantCreditsInput, GrantResult } from "./grants.server";
export { deductCredits, adjustCredits } from "./deduct.server";
export type { Allocation, DeductResult, UsageTag } from "./deduct.server";
export { getBalance, listLedger, type BalanceView } from "./ledger.server";
export { expireGrants, syncBalances, startCreditJobs, announceExpiringSoon } from "./jobs.server";
export { checkInvariants, findInvariantViolations } from "./invariants.server";
export { holdCredits, captureHold, releaseHold, getHold, getHeld, expireHolds, HOLD_SECONDS } from "./holds.server";
export { creditsConfig } from "./events.server";
export { BURN_DOWN_SQL } from "./tables/grants.server";
export { findGrantBySource, listGrantsByGroup, listGrantsBySourcePrefix } from "./grant-refs.server";
export { listGrants, GRANT_LIST_STATUSES } from "./grants-list.server";
export type { GrantView, HoldView } from "./views.server";
export { creditReport, reportDays, reportStart, type ReportPeriod } from "./reports.server";
export { rollOverCredits, rolledAmount, ROLLOVER_PRIORITY } from "./rollover.server";
