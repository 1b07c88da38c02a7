/**
 * The rate card's stored totals, checked like the ledger's (app/credits/invariants.server.ts):
 * R1 a meter's credits = ceil(units × credits ÷ perUnits) of its price (the remainder rule);
 * R2 a meter's units and credits = the sums over its user's usage rows at that price (charged units
 *    are quantity − included units). Only a price that can leave a remainder keeps meters
 *    (pricing.ts carriesRemainder); at any other, R2's sums hold by construction. Returns one message per violation; empty = all hold.
 */
import type { Db } from "../../db/client";
import { creditsFor } from "./pricing";

export function findRateCardViolations(db: Db): string[] {
  const rows = db.$client
    .prepare(
      `select m.user_id, m.price_id, m.units, m.credits, p.credits as pc, p.per_units as pu,
         (select coalesce(sum(quantity - included_units), 0) from usage_records u
           where u.user_id = m.user_id and u.price_id = m.price_id) as used,
         (select coalesce(sum(credits), 0) from usage_records u
           where u.user_id = m.user_id and u.price_id = m.price_id) as charged
       from usage_meters m join feature_prices p on p.id = m.price_id`,
    )
    .all() as {
    user_id: number;
    price_id: number;
    units: number;
    credits: number;
    pc: number;
    pu: number;
    used: number;
    charged: number;
  }[];
  const out: string[] = [];
  for (const r of rows) {
    const at = `user ${r.user_id}, price ${r.price_id}`;
    const owed = creditsFor(r.units, { credits: r.pc, perUnits: r.pu });
    if (r.credits !== owed) out.push(`R1 ${at}: meter credits ${r.credits} ≠ ceil(units × price) ${owed}`);
    if (r.units !== r.used) out.push(`R2 ${at}: meter units ${r.units} ≠ usage rows' charged units ${r.used}`);
    if (r.credits !== r.charged) out.push(`R2 ${at}: meter credits ${r.credits} ≠ usage rows' credits ${r.charged}`);
  }
  return out;
}
