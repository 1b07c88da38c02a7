/**
 * The migration from old single-number balances to grants (`balances import` in the CLI and the
 * admin import page): parse a CSV or JSON file, check every row, then import them all in one
 * IMMEDIATE transaction, or — with dryRun — report what would happen and write nothing.
 *
 * Each balance becomes one `topup` grant (source "migration") that expires `expiresInDays` after
 * the import (default 30, as the original plan for this system says) or never. Once per user:
 * a re-run of the same file imports nothing more; a different amount for an imported user is
 * refused and nothing in the file is imported.
 */
import { importLegacyBalanceExpiring, previewLegacyImport } from "./legacy-import.server";
import { addDays } from "../utils/clock";
import { AppError } from "../utils/errors";
import type { DbClock } from "../utils/context.server";
import { writeTransaction } from "../../db/transaction";

const DEFAULT_IMPORT_EXPIRY_DAYS = 30;
const MAX_IMPORT_EXPIRY_DAYS = 36_500;

export interface LegacyBalanceRow {
  /** 1-based line (CSV) or item (JSON) number, for messages. */
  at: number;
  userId?: number;
  email?: string;
  balance: number;
}

export interface ImportSummary {
  dryRun: boolean;
  rows: number;
  /** Imported (or, in a dry run, would be). */
  imported: number;
  alreadyImported: number;
  skippedZero: number;
  credits: number;
  /** ISO-8601, or null for grants that never expire. */
  expiresAt: string | null;
}

export interface ImportOptions {
  /** The user a row names, by id or email (auth's users, which the credit engine does not read). */
  findUserId: (ref: { userId?: number; email?: string }) => number | undefined;
  /** Days until the imported credits expire; null = never. */
  expiresInDays: number | null;
  dryRun?: boolean;
  actor?: string;
  /** Called every `progressEvery` rows and at the end (CLI: a line on stderr). */
  onProgress?: (done: number, total: number) => void;
  progressEvery?: number;
}

/** "30" → 30, "never" → null; anything else is refused with a clear message. */
export function parseExpiresInDays(raw: string | undefined | null): number | null {
  if (raw === undefined || raw === null || raw.trim() === "") return DEFAULT_IMPORT_EXPIRY_DAYS;
  const text = raw.trim().toLowerCase();
  if (text === "never") return null;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > MAX_IMPORT_EXPIRY_DAYS) {
    throw new AppError(
      "invalid_request",
      `--expires-in-days must be a whole number of days from 1 to ${MAX_IMPORT_EXPIRY_DAYS}, or "never"; got "${raw}".`,
      {
        field: "expiresInDays",
      },
    );
  }
  return n;
}

const MAX_BALANCE = 1_000_000_000_000;

function parseBalance(raw: unknown, where: string): number {
  const text = typeof raw === "number" ? String(raw) : typeof raw === "string" ? raw.trim() : "";
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text)) || Number(text) > MAX_BALANCE) {
    throw new AppError(
      "invalid_request",
      `${where}: balance must be a whole number of credits ≥ 0, got ${JSON.stringify(raw ?? null)}`,
    );
  }
  return Number(text);
}

function parseUserRef(userId: unknown, email: unknown, where: string): { userId?: number; email?: string } {
  const id = typeof userId === "number" ? String(userId) : typeof userId === "string" ? userId.trim() : "";
  const mail = typeof email === "string" ? email.trim() : "";
  if (id) {
    if (!/^[1-9]\d*$/.test(id) || !Number.isSafeInteger(Number(id))) {
      throw new AppError(
        "invalid_request",
        `${where}: userId must be a positive whole number, got ${JSON.stringify(userId)}`,
      );
    }
    return { userId: Number(id) };
  }
  if (mail) return { email: mail };
  throw new AppError("invalid_request", `${where}: needs an email or a userId`);
}

/** A minimal CSV line splitter: commas, optional double quotes ("" inside quotes is a quote). */
function splitCsvLine(line: string): string[] {
  const cells: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      cells.push(cell);
      cell = "";
    } else cell += ch;
  }
  cells.push(cell);
  return cells.map((c) => c.trim());
}

/**
 * CSV with a header naming `balance` and `email` and/or `userId` (any order, any case; other
 * columns ignored), or JSON: an array of {email | userId, balance}.
 */
export function parseLegacyBalances(text: string, format: "csv" | "json"): LegacyBalanceRow[] {
  if (format === "json") {
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (e) {
      throw new AppError("invalid_request", `The file is not valid JSON (${(e as Error).message}).`);
    }
    if (!Array.isArray(data))
      throw new AppError("invalid_request", "The JSON file must be an array of {email | userId, balance}.");
    return data.map((item, i) => {
      const where = `item ${i + 1}`;
      if (!item || typeof item !== "object") throw new AppError("invalid_request", `${where}: must be an object`);
      const o = item as Record<string, unknown>;
      return { at: i + 1, ...parseUserRef(o.userId, o.email, where), balance: parseBalance(o.balance, where) };
    });
  }
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  const header = splitCsvLine(lines[0] ?? "").map((h) => h.toLowerCase());
  const col = (name: string) => header.indexOf(name.toLowerCase());
  const [emailAt, userIdAt, balanceAt] = [col("email"), col("userId"), col("balance")];
  if (balanceAt < 0 || (emailAt < 0 && userIdAt < 0)) {
    throw new AppError("invalid_request", "The CSV header must name a balance column and an email or userId column.");
  }
  const rows: LegacyBalanceRow[] = [];
  lines.slice(1).forEach((line, i) => {
    if (!line.trim()) return;
    const cells = splitCsvLine(line);
    const where = `line ${i + 2}`;
    rows.push({
      at: i + 2,
      ...parseUserRef(userIdAt >= 0 ? cells[userIdAt] : undefined, emailAt >= 0 ? cells[emailAt] : undefined, where),
      balance: parseBalance(cells[balanceAt], where),
    });
  });
  return rows;
}

/** Checks every row, then imports them all in one transaction (or none, on any problem). */
export function importLegacyBalances(ctx: DbClock, rows: LegacyBalanceRow[], options: ImportOptions): ImportSummary {
  const problems: string[] = [];
  const resolved: { userId: number; balance: number }[] = [];
  const seen = new Map<number, LegacyBalanceRow>();
  for (const row of rows) {
    const where = row.at > 0 ? `row ${row.at}` : "a row";
    const userId = options.findUserId(row);
    if (userId === undefined) {
      problems.push(`${where}: no user ${row.userId !== undefined ? `#${row.userId}` : row.email}`);
      continue;
    }
    const earlier = seen.get(userId);
    if (earlier) {
      problems.push(`${where}: user #${userId} is already in row ${earlier.at}`);
      continue;
    }
    seen.set(userId, row);
    resolved.push({ userId, balance: row.balance });
  }
  const conflicts = resolved.filter((r) => previewLegacyImport(ctx, r.userId, r.balance) === "conflict");
  for (const c of conflicts.slice(0, 20)) {
    problems.push(`user #${c.userId} already has a different imported balance (this file says ${c.balance})`);
  }
  if (problems.length) {
    const shown = problems.slice(0, 20).join("; ");
    const more = problems.length > 20 ? ` (and ${problems.length - 20} more)` : "";
    throw new AppError(
      conflicts.length && problems.length === conflicts.length ? "idempotency_conflict" : "invalid_request",
      `Nothing was imported: ${shown}${more}.`,
    );
  }
  const now = ctx.clock.now();
  const expiresAt = options.expiresInDays === null ? null : addDays(now, options.expiresInDays);
  const summary: ImportSummary = {
    dryRun: Boolean(options.dryRun),
    rows: rows.length,
    imported: 0,
    alreadyImported: 0,
    skippedZero: 0,
    credits: 0,
    expiresAt: expiresAt?.toISOString() ?? null,
  };
  const every = options.progressEvery ?? 1000;
  const count = (outcome: string, balance: number, i: number) => {
    if (outcome === "zero") summary.skippedZero++;
    else if (outcome === "already_imported") summary.alreadyImported++;
    else {
      summary.imported++;
      summary.credits += balance;
    }
    if (options.onProgress && ((i + 1) % every === 0 || i + 1 === resolved.length))
      options.onProgress(i + 1, resolved.length);
  };
  if (options.dryRun) {
    resolved.forEach(({ userId, balance }, i) => count(previewLegacyImport(ctx, userId, balance), balance, i));
    return summary;
  }
  return writeTransaction(ctx.db, (): ImportSummary => {
    resolved.forEach(({ userId, balance }, i) => {
      const outcome = importLegacyBalanceExpiring(ctx, {
        userId,
        amount: balance,
        expiresAt,
        actor: options.actor ?? "migration",
      });
      count(outcome, balance, i);
    });
    return summary;
  });
}

/** The format from the file name (or an explicit choice). */
export function importFormat(name: string, explicit?: string | null): "csv" | "json" {
  const format = explicit || (name.toLowerCase().endsWith(".json") ? "json" : "csv");
  if (format !== "csv" && format !== "json")
    throw new AppError("invalid_request", "The format must be csv or json.", { field: "format" });
  return format;
}
