import fs from "node:fs";
import {
  importFormat,
  importLegacyBalances,
  parseExpiresInDays,
  parseLegacyBalances,
} from "../credits/balance-import.server";
import { findUserId } from "../auth/users.server";
import { AppError } from "../utils/errors";
import type { CliCommand } from "./command";

/*
 * `npm run credits -- balances import --file legacy.csv|legacy.json [--expires-in-days N|never]
 * [--dry-run]`: the migration from old single-number balances to grants (see
 * app/credits/balance-import.server.ts). The summary goes to stdout as JSON; progress lines go to
 * stderr so they never mix with it.
 */

export const balanceImportCommands: Record<string, CliCommand> = {
  "balances import": {
    summary:
      "Turn legacy balances into grants expiring in 30 days (--expires-in-days N|never): --file legacy.csv (email|userId,balance) or .json; --dry-run changes nothing; safe to re-run",
    options: {
      file: { type: "string" },
      format: { type: "string" },
      "expires-in-days": { type: "string" },
      "dry-run": { type: "boolean" },
    },
    run(ctx, values, io) {
      const file = values.file;
      if (typeof file !== "string" || !file)
        throw new AppError("invalid_request", "--file is required", { field: "file" });
      const format = importFormat(file, typeof values.format === "string" ? values.format : null);
      const expiresInDays = parseExpiresInDays(
        typeof values["expires-in-days"] === "string" ? values["expires-in-days"] : undefined,
      );
      let text: string;
      try {
        text = fs.readFileSync(file, "utf8");
      } catch (e) {
        throw new AppError("invalid_request", `Cannot read ${file}: ${(e as Error).message}`, { field: "file" });
      }
      const rows = parseLegacyBalances(text, format);
      const dryRun = values["dry-run"] === true;
      const summary = importLegacyBalances(ctx, rows, {
        findUserId: (ref) => findUserId(ctx.db, ref),
        expiresInDays,
        dryRun,
        actor: "cli",
        progressEvery: Math.max(1000, Math.ceil(rows.length / 20)),
        onProgress:
          rows.length >= 1000
            ? (done, total) => io.err(`${dryRun ? "checked" : "imported"} ${done}/${total} rows\n`)
            : undefined,
      });
      io.out(`${JSON.stringify(summary)}\n`);
    },
  },
};
