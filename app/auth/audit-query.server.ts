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

/** "user:12" → the person's email; anything else as it is. */
function labelActors(db: Db, refs: (string | null)[]): Map<string, string> {
  const ids = [...new Set(refs.flatMap((r) => (r && /^user:\d+$/.test(r) ? [Number(r.slice(5))] : [])))];
  const out = new Map<string, string>();
  if (ids.length === 0) return out;
  const rows = db.$client
    .prepare(`select id, email from users where id in (select value from json_each(?))`)
    .all(JSON.stringify(ids)) as { id: number; email: string }[];
  for (const r of rows) out.set(`user:${r.id}`, r.email);
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
