import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { closeDatabase, openDatabase } from "../../db/client";
import { DatabaseRefused, migrateDatabase } from "../../db/migrate";
import { systemClock } from "../utils/clock";
import type { AppContext } from "../utils/context.server";
import { isAppError } from "../utils/errors";
import { parseEnvOrExit } from "../utils/env.server";
import { setLogLevel } from "../utils/log.server";
import type { CliCommand } from "./command";
import { commands } from "./commands";

export class CliUsageError extends Error {}

function usage(): string {
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(22)} ${c.summary}`);
  return `Usage: npm run credits -- <command> [options]\n\nCommands:\n${lines.join("\n")}\n`;
}

/** Runs one CLI command against a context; results go to `out`, messages to `err`. */
export async function runCli(
  argv: string[],
  io: { out: (s: string) => void; err: (s: string) => void },
  makeContext: () => AppContext,
): Promise<number> {
  if (argv.length > 0 && ["help", "--help", "-h"].includes(argv[0])) {
    io.out(usage());
    return 0;
  }
  const name = [argv[0], argv[1]].filter(Boolean).join(" ");
  const command: CliCommand | undefined = commands[name];
  if (!command) {
    io.err(argv.length ? `Unknown command: ${name}\n\n${usage()}` : usage());
    return argv.length ? 2 : 0;
  }
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({ args: argv.slice(2), options: command.options ?? {}, strict: true }).values as Record<
      string,
      string | boolean | undefined
    >;
  } catch (e) {
    io.err(`${(e as Error).message}\n`);
    return 2;
  }
  let ctx: AppContext;
  try {
    ctx = makeContext();
  } catch (e) {
    // The database was refused at open (full or read-only disk, damaged file, newer build): its one sentence, no stack.
    if (e instanceof DatabaseRefused) {
      io.err(`${e.message}\n`);
      return 1;
    }
    throw e;
  }
  try {
    await command.run(ctx, values, io);
    return 0;
  } catch (e) {
    if (e instanceof CliUsageError) {
      io.err(`${e.message}\n`);
      return 2;
    }
    if (isAppError(e)) {
      io.err(`error (${e.code}): ${e.message}\n`);
      return 1;
    }
    io.err(`error: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  } finally {
    closeDatabase(ctx.db);
  }
}

async function main(): Promise<void> {
  const env = parseEnvOrExit();
  setLogLevel(env.LOG_LEVEL === "info" ? "warn" : env.LOG_LEVEL);
  const code = await runCli(
    process.argv.slice(2),
    { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) },
    () => {
      migrateDatabase(env.DATABASE_PATH);
      return { db: openDatabase(env.DATABASE_PATH), clock: systemClock, env };
    },
  );
  process.exit(code);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  void main();
}
