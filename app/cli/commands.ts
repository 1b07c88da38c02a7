import { apiKeyCommands } from "./api-keys";
import { backupCommands } from "./backup";
import { balanceImportCommands } from "./balances-import";
import { creditCommands } from "./credits";
import { planImportCommands } from "./plans-import";
import { stripeEventCommands } from "./stripe-events";
import { userCommands } from "./users";
import type { CliCommand } from "./command";

/**
 * Every CLI command, by its two-word name. Each command parses its options, calls one domain
 * function and prints the result (stdout) or a message (stderr).
 */
export const commands: Record<string, CliCommand> = {
  ...apiKeyCommands,
  ...backupCommands,
  ...creditCommands,
  ...balanceImportCommands,
  ...planImportCommands,
  ...stripeEventCommands,
  ...userCommands,
};
