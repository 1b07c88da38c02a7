import type Database from "better-sqlite3";

/* users, as the credit engine reads and writes it: the cached balance and what balance events need. */

/** [externalId, lowBalanceThreshold, autoTopupThreshold] of a user: what balance events need. */
export type UserEventRow = [string | null, number | null, number | null];

export function userStatements(sqlite: Database.Database) {
  const p = (sql: string) => sqlite.prepare(sql);
  return {
    userBalance: p(`select credit_balance from users where id = ?`).pluck(),
    /** (delta, userId) */
    addToBalance: p(`update users set credit_balance = credit_balance + ? where id = ?`),
    userEventRow: p(`select external_id, low_balance_threshold, auto_topup_threshold from users where id = ?`).raw(
      true,
    ) as Database.Statement<[number], UserEventRow>,
    usersPage: p(`select id, credit_balance from users where id > ? order by id limit ?`),
    setBalance: p(`update users set credit_balance = ? where id = ?`),
  };
}
