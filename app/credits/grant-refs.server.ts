/**
 * Grants found by the references their caller gave them (docs/decisions/016-grant-source-refs.md):
 * `sourceRef` (what produced a grant; one grant per ref) and `groupRef` (grants that belong
 * together). Both are the caller's opaque strings — billing builds them (app/billing/grant-refs.ts);
 * here they are only compared, never parsed. Other domains ask here instead of reading
 * credit_grants. Cold paths: plain objects, as stored (status not adjusted for the clock).
 */
import type { GrantStatus, GrantType } from "../../db/schema";
import type { DbClock } from "../utils/context.server";
import { checkLimit, invalid } from "./checks.server";
import { statementsFor } from "./statements.server";
import { perConnection } from "../../db/per-connection";

/** A grant with its references and the metadata its `grant` entry was written with. */
export interface SourcedGrant {
  id: number;
  userId: number;
  type: GrantType;
  amount: number;
  remaining: number;
  /** As stored: an active grant past its expiresAt is still `active` until the sweep runs. */
  status: GrantStatus;
  reason: string | null;
  sourceRef: string | null;
  groupRef: string | null;
  expiresAt: Date | null;
  createdAt: Date;
  /** The caller's metadata on the grant's `grant` ledger entry, or null. */
  metadata: Record<string, unknown> | null;
}

interface SourcedRow {
  id: number;
  user_id: number;
  type: GrantType;
  amount: number;
  remaining: number;
  status: GrantStatus;
  reason: string | null;
  source_ref: string | null;
  group_ref: string | null;
  expires_at: number | null;
  created_at: number;
  metadata: string | null;
}

const SOURCED_SELECT = `select g.id, g.user_id, g.type, g.amount, g.remaining, g.status, g.reason, g.source_ref,
    g.group_ref, g.expires_at, g.created_at, l.metadata
  from credit_grants g left join credit_ledger l on l.grant_id = g.id and l.type = 'grant'`;

function toSourced(r: SourcedRow): SourcedGrant {
  return {
    id: r.id,
    userId: r.user_id,
    type: r.type,
    amount: r.amount,
    remaining: r.remaining,
    status: r.status,
    reason: r.reason,
    sourceRef: r.source_ref,
    groupRef: r.group_ref,
    expiresAt: r.expires_at === null ? null : new Date(r.expires_at),
    createdAt: new Date(r.created_at),
    metadata: r.metadata === null ? null : (JSON.parse(r.metadata) as Record<string, unknown>),
  };
}

const MAX_LIST = 1000;

const refStatements = perConnection((sqlite) => ({
  byGroup: sqlite.prepare<[string, number], SourcedRow>(
    `${SOURCED_SELECT} where g.group_ref = ? order by g.id limit ?`,
  ),
}));

/**
 * The grant a source produced, if any (one per sourceRef): billing asks here whether a paid
 * invoice or top-up was already granted, and which grant a refund takes credits from.
 */
export function findGrantBySource(
  ctx: Pick<DbClock, "db">,
  sourceRef: string,
): { id: number; status: GrantStatus; remaining: number } | undefined {
  if (typeof sourceRef !== "string" || sourceRef === "") return undefined;
  return statementsFor(ctx.db).grantBySourceRef.get(sourceRef);
}

/** A group's grants, oldest first (at most `limit`; all when omitted). Served by credit_grants_group_idx. */
export function listGrantsByGroup(
  ctx: Pick<DbClock, "db">,
  groupRef: string,
  options: { limit?: number } = {},
): SourcedGrant[] {
  const limit = checkLimit(options.limit, MAX_LIST, -1);
  if (typeof groupRef !== "string" || groupRef === "") return [];
  const rows = refStatements(ctx.db.$client).byGroup.all(groupRef, limit);
  return rows.map(toSourced);
}

/** A prefix the caller namespaces its refs with ("stripe_invoice:"): printable ASCII, so it bounds a range. */
const PREFIX = /^[\x20-\x7e]{1,100}$/;

/**
 * Grants whose sourceRef starts with `prefix` — a caller's own namespace of refs, compared as
 * strings — newest first: optionally one user's, optionally created at or after `createdFrom`,
 * at most `limit` (all when omitted). Read by the ref range (credit_grants_source_ref_unique), or
 * by credit_grants_created_at_idx over a window (ordering by created_at keeps SQLite on it).
 */
export function listGrantsBySourcePrefix(
  ctx: Pick<DbClock, "db">,
  options: { prefix: string; userId?: number; createdFrom?: Date; limit?: number },
): SourcedGrant[] {
  const { prefix } = options;
  if (typeof prefix !== "string" || !PREFIX.test(prefix)) {
    throw invalid("prefix", "`prefix` must be 1 to 100 printable ASCII characters.");
  }
  const limit = checkLimit(options.limit, MAX_LIST, -1);
  // [prefix, prefix with its last character + 1): the refs that start with it, as an index range.
  const upper = prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
  const where = [`g.source_ref >= @lo and g.source_ref < @hi`];
  const params: Record<string, unknown> = { lo: prefix, hi: upper, limit };
  if (options.userId !== undefined) {
    where.push(`g.user_id = @userId`);
    params.userId = options.userId;
  }
  if (options.createdFrom !== undefined) {
    // A window: read it by credit_grants_created_at_idx (`+` keeps SQLite off the whole ref range).
    where[0] = `+g.source_ref >= @lo and +g.source_ref < @hi`;
    where.push(`g.created_at >= @from`);
    params.from = options.createdFrom.getTime();
  }
  const rows = ctx.db.$client
    .prepare(`${SOURCED_SELECT} where ${where.join(" and ")} order by g.created_at desc, g.id desc limit @limit`)
    .all(params) as SourcedRow[];
  return rows.map(toSourced);
}
