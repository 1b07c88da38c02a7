// The baseline the engine is measured against: the same writes a deduction needs, as bare
// better-sqlite3 prepared statements in one IMMEDIATE transaction — select the user's grants in
// burn-down order, update the grants it takes from, update the user's cached balance, insert one
// ledger entry. No validation, no idempotency, no allocation rows: the floor, not a rival design.

export const RAW_BURN_DOWN_SQL = `select id, remaining from credit_grants
  where user_id = ? and status = 'active' and effective_at <= ? and (expires_at is null or expires_at > ?)
  order by priority, expires_at is null, expires_at, effective_at, id`;

/** Returns `deduct(userId, amount)` → {id, amount, balance, allocations}; throws when short. */
export function rawDeducter(sqlite) {
  const selectGrants = sqlite.prepare(RAW_BURN_DOWN_SQL).raw(true);
  const updateGrant = sqlite.prepare(`update credit_grants set remaining = remaining - ?,
    status = case when remaining - ? = 0 then 'depleted' else status end, updated_at = ? where id = ?`);
  const updateUser = sqlite.prepare("update users set credit_balance = credit_balance - ? where id = ?");
  const insertEntry = sqlite.prepare(`insert into credit_ledger (user_id, type, amount, balance_after, created_at)
    values (?, 'deduction', ?, ?, ?)`);
  const tx = sqlite.transaction((userId, amount, now) => {
    const grants = selectGrants.all(userId, now, now);
    let available = 0;
    for (const g of grants) available += g[1];
    if (available < amount) throw new Error(`insufficient credits: ${available} < ${amount}`);
    const allocations = [];
    let left = amount;
    for (const [grantId, remaining] of grants) {
      const take = Math.min(remaining, left);
      updateGrant.run(take, take, now, grantId);
      allocations.push({ grantId, amount: take });
      left -= take;
      if (left === 0) break;
    }
    updateUser.run(amount, userId);
    const balance = available - amount;
    const id = Number(insertEntry.run(userId, -amount, balance, now).lastInsertRowid);
    return { id, amount, balance, allocations };
  });
  return (userId, amount) => tx.immediate(userId, amount, Date.now());
}

/** The pragmas db/client.ts sets on every connection, so both sides run on equal terms. */
export function applyAppPragmas(sqlite) {
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("busy_timeout = 5000");
  sqlite.pragma("synchronous = NORMAL");
  sqlite.pragma("foreign_keys = ON");
}
