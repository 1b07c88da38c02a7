import { openDatabase } from "../db/client";
import { runCli } from "../app/cli/main";
import type { AppContext } from "../app/utils/context.server";

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs one CLI command in-process, as `npm run credits -- ...argv` would, on the database file at
 * `ctx.path`. runCli closes the database it is given, so each call opens its own connection and
 * the test's `ctx.db` stays usable.
 */
export async function runCliForTest(ctx: AppContext & { path: string }, argv: string[]): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  const code = await runCli(argv, { out: (s) => (stdout += s), err: (s) => (stderr += s) }, () => ({
    ...ctx,
    db: openDatabase(ctx.path),
  }));
  return { code, stdout, stderr };
}
