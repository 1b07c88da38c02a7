import fs from "node:fs";
import { getUserByEmail, getUserById } from "../auth/users.server";
import { importLegacyBalance } from "../credits/index.server";
import type { AppContext } from "../utils/context.server";
import { AppError } from "../utils/errors";
import type { CliCommand } from "./commands";

/*
 * `npm run credits -- balances import --file legacy.csv|legacy.json`: the migration from an old
 * single-number balance to grants. Each balance becomes one never-expiring grant through the
 * engine's importLegacyBalance, which is idempotent per user — running the same file again
 * imports nothing more, and a different amount for an already imported user is refused.
 *
 * All or nothing: every row is checked first (and every problem reported), then all of them are
 * imported in one IMMEDIATE transaction, so a bad file or a conflict leaves the database as it was.
 */

export interface LegacyBalanceRow {
  /** 1-based line (CSV) or item (JSON) number, for messages. */
  at: number;
  userId?: number;
  email?: string;
  balance: number;
}

export interface ImportSummary {
  rows: number;
  imported: number;
  alreadyImported: number;
  skippedZero: number;
  credits: number;
}

const MAX_BALANCE = 1_000_000_000_000;

function parseBalance(raw: unknown, where: string): number {
  const text = typeof raw === "number" ? String(raw) : typeof raw === "string" ? raw.trim() : "";
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text)) || Number(text) > MAX_BALANCE) {
    throw new AppError("invalid_request", `${where}: balance must be a whole number of credits ≥ 0, got ${JSON.stringify(raw ?? null)}`);
  }
  return Number(text);
}

function parseUserRef(userId: unknown, email: unknown, where: string): { userId?: number; email?: string } {
  const id = typeof userId === "number" ? String(userId) : typeof userId === "string" ? userId.trim() : "";
  const mail = typeof email === "string" ? email.trim() : "";
  if (id) {
    if (!/^[1-9]\d*$/.test(id) || !Number.isSafeInteger(Number(id))) {
      throw new AppError("invalid_request", `${where}: userId must be a positive whole number, got ${JSON.stringify(userId)}`);
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
    if (!Array.isArray(data)) throw new AppError("invalid_request", "The JSON file must be an array of {email | userId, balance}.");
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
export function importLegacyBalances(ctx: AppContext, rows: LegacyBalanceRow[], actor = "migration"): ImportSummary {
  const problems: string[] = [];
  const resolved: { userId: number; balance: number }[] = [];
  const seen = new Map<number, LegacyBalanceRow>();
  for (const row of rows) {
    const where = row.at > 0 ? `row ${row.at}` : "a row";
    const user = row.userId !== undefined ? getUserById(ctx.db, row.userId) : getUserByEmail(ctx.db, row.email!);
    if (!user) {
      problems.push(`${where}: no user ${row.userId !== undefined ? `#${row.userId}` : row.email}`);
      continue;
    }
    const earlier = seen.get(user.id);
    if (earlier) {
      problems.push(`${where}: user #${user.id} is already in row ${earlier.at}`);
      continue;
    }
    seen.set(user.id, row);
    resolved.push({ userId: user.id, balance: row.balance });
  }
  if (problems.length) {
    const shown = problems.slice(0, 20).join("; ");
    const more = problems.length > 20 ? ` (and ${problems.length - 20} more)` : "";
    throw new AppError("invalid_request", `Nothing was imported: ${shown}${more}.`);
  }
  return ctx.db.$client
    .transaction((): ImportSummary => {
      const summary: ImportSummary = { rows: rows.length, imported: 0, alreadyImported: 0, skippedZero: 0, credits: 0 };
      for (const { userId, balance } of resolved) {
        let result;
        try {
          result = importLegacyBalance(ctx, { userId, amount: balance, actor });
        } catch (e) {
          if (e instanceof AppError && e.code === "idempotency_conflict") {
            throw new AppError(
              "idempotency_conflict",
              `Nothing was imported: user #${userId} already has a different imported balance (this file says ${balance}).`,
            );
          }
          throw e;
        }
        if (!result) summary.skippedZero++;
        else if (result.replayed) summary.alreadyImported++;
        else {
          summary.imported++;
          summary.credits += balance;
        }
      }
      return summary;
    })
    .immediate();
}

export const balanceImportCommands: Record<string, CliCommand> = {
  "balances import": {
    summary:
      "Turn legacy single-number balances into never-expiring grants: --file legacy.csv (email|userId,balance) or .json ([{email|userId, balance}]); safe to re-run",
    options: { file: { type: "string" }, format: { type: "string" } },
    run(ctx, values, io) {
      const file = values.file;
      if (typeof file !== "string" || !file) throw new AppError("invalid_request", "--file is required", { field: "file" });
      const format = values.format ?? (file.toLowerCase().endsWith(".json") ? "json" : "csv");
      if (format !== "csv" && format !== "json") {
        throw new AppError("invalid_request", "--format must be csv or json", { field: "format" });
      }
      let text: string;
      try {
        text = fs.readFileSync(file, "utf8");
      } catch (e) {
        throw new AppError("invalid_request", `Cannot read ${file}: ${(e as Error).message}`, { field: "file" });
      }
      const summary = importLegacyBalances(ctx, parseLegacyBalances(text, format));
      io.out(`${JSON.stringify(summary)}\n`);
    },
  },
};
