import {
  API_KEY_SCOPES,
  createApiKey,
  listApiKeys,
  MAX_RATE_LIMIT_PER_SECOND,
  revokeApiKey,
  type ApiKeyScope,
} from "../auth/api-keys.server";
import { AppError } from "../utils/errors";
import type { CliCommand } from "./command";

// Bad options are AppErrors (runCli prints "error (invalid_request): …" and exits 1); CliUsageError
// lives in main.ts, which imports this file through commands.ts.
const usageError = (message: string, field: string) => new AppError("invalid_request", message, { field });

/**
 * `api-keys create|list|revoke`. `create` prints the key alone as the last line of stdout (so
 * `KEY=$(npm run credits -- api-keys create … | tail -n1)` works); everything for humans goes
 * to stderr.
 */
export const apiKeyCommands: Record<string, CliCommand> = {
  "api-keys create": {
    summary:
      "Create an API key: --name NAME --scope admin|usage [--rate-limit N requests per second] (prints the key once)",
    options: { name: { type: "string" }, scope: { type: "string" }, "rate-limit": { type: "string" } },
    run(ctx, values, io) {
      const name = typeof values.name === "string" ? values.name.trim() : "";
      if (!name) throw usageError('api-keys create: --name is required, e.g. --name "billing worker"', "name");
      const scope = values.scope;
      if (typeof scope !== "string" || !API_KEY_SCOPES.includes(scope as ApiKeyScope)) {
        throw usageError(`api-keys create: --scope must be one of: ${API_KEY_SCOPES.join(", ")}`, "scope");
      }
      const rawLimit = values["rate-limit"];
      let rateLimitPerSecond: number | null = null;
      if (rawLimit !== undefined) {
        const text = typeof rawLimit === "string" ? rawLimit.trim() : "";
        if (!/^[1-9][0-9]{0,5}$/.test(text) || Number(text) > MAX_RATE_LIMIT_PER_SECOND) {
          throw usageError(
            `api-keys create: --rate-limit must be a whole number of requests per second from 1 to ${MAX_RATE_LIMIT_PER_SECOND}`,
            "rate-limit",
          );
        }
        rateLimitPerSecond = Number(text);
      }
      const { key, record } = createApiKey(ctx, {
        name,
        scope: scope as ApiKeyScope,
        createdBy: "cli",
        rateLimitPerSecond,
      });
      const limit = record.rateLimitPerSecond === null ? "no rate limit" : `${record.rateLimitPerSecond} requests/s`;
      io.err(
        `Created API key #${record.id} "${record.name}" (scope ${record.scope}, ${limit}). It is shown only once; store it now.\n`,
      );
      io.out(`${key}\n`);
    },
  },
  "api-keys list": {
    summary: "List API keys (never the keys themselves); --json for one JSON object per line",
    options: { json: { type: "boolean" } },
    run(ctx, values, io) {
      const keys = listApiKeys(ctx.db);
      if (values.json) {
        for (const k of keys) io.out(`${JSON.stringify(k)}\n`);
        return;
      }
      if (keys.length === 0) {
        io.err("No API keys yet. Create one with: npm run credits -- api-keys create --name NAME --scope usage\n");
        return;
      }
      const rows = keys.map((k) => [
        String(k.id),
        k.name,
        k.scope,
        `${k.prefix}…`,
        k.createdAt.toISOString(),
        k.lastUsedAt?.toISOString() ?? "never",
        k.revokedAt ? `revoked ${k.revokedAt.toISOString()}` : "active",
        k.rateLimitPerSecond === null ? "none" : `${k.rateLimitPerSecond}/s`,
      ]);
      const header = ["ID", "NAME", "SCOPE", "PREFIX", "CREATED", "LAST USED", "STATUS", "RATE LIMIT"];
      const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
      for (const r of [header, ...rows])
        io.out(
          `${r
            .map((c, i) => c.padEnd(widths[i]))
            .join("  ")
            .trimEnd()}\n`,
        );
    },
  },
  "api-keys revoke": {
    summary: "Revoke an API key for good: --id N (takes effect on the next request)",
    options: { id: { type: "string" } },
    run(ctx, values, io) {
      const raw = typeof values.id === "string" ? values.id.trim() : "";
      if (!/^[1-9][0-9]*$/.test(raw))
        throw usageError("api-keys revoke: --id must be a key id (see api-keys list)", "id");
      const record = revokeApiKey(ctx, { id: Number(raw), actor: "cli" });
      io.err(`API key #${record.id} "${record.name}" is revoked.\n`);
      io.out(`${JSON.stringify({ id: record.id, revokedAt: record.revokedAt?.toISOString() ?? null })}\n`);
    },
  },
};
