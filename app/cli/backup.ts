import { litestreamSetup } from "../backup/litestream.server";
import { backupStatus, saveVerifyResult, verifyBackup } from "../backup/verify.server";
import { AppError } from "../utils/errors";
import type { AppContext } from "../utils/context.server";
import type { CliCommand } from "./command";

function replicaConfig(ctx: AppContext) {
  const setup = litestreamSetup(ctx.env.DATABASE_PATH);
  if (!setup.configured) throw new Error(`backup: ${setup.reason}`);
  return setup.config;
}

/**
 * `backup verify` restores the latest replica into a temporary file and checks it (integrity, the
 * ledger invariants, the newest ledger entry against the live database): one line on stdout, exit 1
 * on any problem. `backup status` shows the replica's generations and lag. Both read the replica
 * settings scripts/start.sh uses (LITESTREAM_* variables, litestream.yml).
 */
export const backupCommands: Record<string, CliCommand> = {
  "backup verify": {
    summary: "Restore the latest replica to a temp file and check it (integrity, invariants, newest entry); --json",
    options: { json: { type: "boolean" }, "max-lag-seconds": { type: "string" } },
    async run(ctx, values, io) {
      const config = replicaConfig(ctx);
      const lag = values["max-lag-seconds"];
      if (lag !== undefined && !(typeof lag === "string" && /^\d+$/.test(lag))) {
        throw new AppError("invalid_request", "backup verify: --max-lag-seconds must be a whole number of seconds", {
          field: "max-lag-seconds",
        });
      }
      const result = await verifyBackup(ctx, config, { maxLagSeconds: lag === undefined ? undefined : Number(lag) });
      saveVerifyResult(ctx.env.DATABASE_PATH, result);
      io.out(values.json ? `${JSON.stringify(result)}\n` : `${result.verdict}\n`);
      if (!result.ok) throw new Error("the backup did not verify (see the line above)");
    },
  },
  "backup status": {
    summary: "Show the replica's generations, the current one's lag behind the live database, and snapshots; --json",
    options: { json: { type: "boolean" } },
    async run(ctx, values, io) {
      const status = await backupStatus(replicaConfig(ctx));
      if (values.json) io.out(`${JSON.stringify(status)}\n`);
      else {
        io.out(`replica: ${status.replica}\n`);
        io.out(`generations: ${status.generations.length}\n`);
        for (const g of status.generations) {
          io.out(`  ${g.generation}  last sync lag ${g.lag}  from ${g.start} to ${g.end}\n`);
        }
        io.out(`snapshots: ${status.snapshots}\n`);
        for (const p of status.problems) io.out(`problem: ${p}\n`);
      }
      if (!status.ok) throw new Error(status.problems.join("; "));
    },
  },
};
