import type { AppContext } from "../utils/context.server";

/* What a CLI command is: its own module, so each command file imports it without importing the list of all commands. */

interface CliIo {
  out: (s: string) => void;
  err: (s: string) => void;
}

export interface CliCommand {
  summary: string;
  options?: Record<string, { type: "string" | "boolean"; short?: string }>;
  run(ctx: AppContext, values: Record<string, string | boolean | undefined>, io: CliIo): Promise<void> | void;
}
