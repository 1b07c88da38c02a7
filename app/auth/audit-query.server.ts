/**
 * Reading the audit log for the admin console: filter by actor, action and customer, newest
 * first, keyset-paged on id. Actors "user:<id>" are labelled with the person's email.
 */
import type { Db } from "../../db/client";

const AUDIT_PAGE_SIZE = 50;

export interface AuditFilter {
  /** Exact actor ("user:12", "cli", "stripe", "api_key:3") or an email, resolved to "user:<id>". */
  actor?: string | null;
  /** Exact action, or a prefix ending in "." ("credits." → every credits action). */
  action?: string | null;
  /** The customer the action was about (subject "user:<id>"). */
  userId?: number | null;
  before?: number | null;
  limit?: number;
}

export interface AuditRow {
  id: number;
  actor: string;
  actorLabel: string;
  action: string;
  subject: string | null;
  subjectLabel: string | null;
  details: Record<string, unknown> | null;
  createdAt: string;
}

/** Who did it, for actors that are not a stored record ("stripe", "cli", …). */
const NAMED_ACTORS: Record<string, string> = {
  stripe: "Stripe",
  cli: "Command line",
  system: "System",
  seed: "Demo seed",
};

/** Stored records an audit subject or actor may name: "<kind>:<id>" → a query for its name. */
const NAMED_RECORDS: Record<string, { sql: string; label: (name: string) => string }> = {
  user: { sql: "select id, email as name from users", label: (n) => n },
  api_key: { sql: "select id, name from api_keys", label: (n) => `API key “${n}”` },
  subscription_plan: { sql: "select id, public_name as name from subscription_plans", label: (n) => `Plan “${n}”` },
  topup_plan: { sql: "select id, public_name as name from topup_plans", label: (n) => `Pack “${n}”` },
  webhook_endpoint: { sql: "select id, url as name from webhook_endpoints", label: (n) => `Webhook endpoint ${n}` },
};

/**
 * People's words for actor and subject references: "user:12" → the person's email, "topup_plan:2"
 * → "Pack “500 credits”", "stripe" → "Stripe"; a reference to nothing known keeps its raw form.
 */
export function labelActors(db: Db, refs: (string | null)[]): Map<string, string> {
  const out = new Map<string, string>();
  const idsByKind = new Map<string, Set<number>>();
  for (const ref of refs) {
    if (!ref) continue;
    if (NAMED_ACTORS[ref]) out.set(ref, NAMED_ACTORS[ref]);
    const m = /^([a-z_]+):(\d+)$/.exec(ref);
    if (m && NAMED_RECORDS[m[1]]) idsByKind.set(m[1], (idsByKind.get(m[1]) ?? new Set()).add(Number(m[2])));
  }
  for (const [kind, ids] of idsByKind) {
    const { sql, label } = NAMED_RECORDS[kind];
    const rows = db.$client
      .prepare(`${sql} where id in (select value from json_each(?))`)
      .all(JSON.stringify([...ids])) as { id: number; name: string }[];
    for (const r of rows) out.set(`${kind}:${r.id}`, label(r.name));
  }
  return out;
}

function resolveActor(db: Db, actor: string): string {
  if (!actor.includes("@")) return actor;
  const row = db.$client.prepare(`select id from users where lower(email) = lower(?)`).get(actor.trim()) as
    { id: number } | undefined;
  return row ? `user:${row.id}` : actor;
}

export function listAudit(db: Db, filter: AuditFilter = {}): { rows: AuditRow[]; nextBefore: number | null } {
  const limit = filter.limit ?? AUDIT_PAGE_SIZE;
  const where: string[] = ["id < ?"];
  const params: (string | number)[] = [filter.before ?? Number.MAX_SAFE_INTEGER];
  if (filter.actor?.trim()) {
    where.push("actor = ?");
    params.push(resolveActor(db, filter.actor.trim()));
  }
  const action = filter.action?.trim();
  if (action) {
    if (action.endsWith(".")) {
      where.push("substr(action, 1, ?) = ?");
      params.push(action.length, action);
    } else {
      where.push("action = ?");
      params.push(action);
    }
  }
  if (filter.userId) {
    where.push("subject = ?");
    params.push(`user:${filter.userId}`);
  }
  const rows = db.$client
    .prepare(
      `select id, actor, action, subject, details, created_at from audit_log where ${where.join(" and ")} order by id desc limit ?`,
    )
    .all(...params, limit + 1) as {
    id: number;
    actor: string;
    action: string;
    subject: string | null;
    details: string | null;
    created_at: number;
  }[];
  const page = rows.slice(0, limit);
  const labels = labelActors(
    db,
    page.flatMap((r) => [r.actor, r.subject]),
  );
  return {
    rows: page.map((r) => ({
      id: r.id,
      actor: r.actor,
      actorLabel: labels.get(r.actor) ?? r.actor,
      action: r.action,
      subject: r.subject,
      subjectLabel: r.subject ? (labels.get(r.subject) ?? r.subject) : null,
      details: r.details ? (JSON.parse(r.details) as Record<string, unknown>) : null,
      createdAt: new Date(r.created_at).toISOString(),
    })),
    nextBefore: rows.length > limit ? page[page.length - 1].id : null,
  };
}

/** The distinct actions recorded so far, for the filter's options. */
export function listAuditActions(db: Db): string[] {
  return db.$client
    .prepare(`select distinct action from audit_log order by action limit 200`)
    .pluck()
    .all() as string[];
}
