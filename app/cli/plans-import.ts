import { importPlansFromStripe } from "../billing/plans-import.server";
import { billingContext } from "../billing/context.server";
import type { CliCommand } from "./command";

/*
 * `npm run credits -- plans import-from-stripe [--dry-run]`: creates the subscription plans and
 * top-up packs that the Stripe account's active prices describe in their metadata (see
 * app/billing/plans-import.server.ts). The report goes to stdout as JSON; each price that lacks
 * metadata is also named on stderr, so an admin sees what to add in Stripe.
 */
export const planImportCommands: Record<string, CliCommand> = {
  "plans import-from-stripe": {
    summary:
      "Create plans and top-up packs from the Stripe prices' metadata (credits, planFamily, version, internalId, publicName); --dry-run changes nothing; safe to re-run",
    options: { "dry-run": { type: "boolean" } },
    async run(ctx, values, io) {
      const report = await importPlansFromStripe(ctx, billingContext(ctx).stripe, {
        dryRun: values["dry-run"] === true,
        actor: "cli",
      });
      for (const line of report.lines) {
        if (line.outcome === "skipped") io.err(`${line.priceId}: not imported — ${line.reason}\n`);
        else if (line.missing.length)
          io.err(`${line.priceId}: lacks metadata ${line.missing.join(", ")} (defaults used)\n`);
      }
      io.out(`${JSON.stringify(report)}\n`);
    },
  },
};
