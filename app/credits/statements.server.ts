import type Database from "better-sqlite3";
import type { Db } from "../../db/client";
import { grantStatements } from "./tables/grants.server";
import { holdStatements } from "./tables/holds.server";
import { ledgerStatements } from "./tables/ledger.server";
import { userStatements } from "./tables/users.server";

/** Every statement of the credit engine, by table (./tables/), plus the connection they belong to. */
export type Statements = ReturnType<typeof grantStatements> &
  ReturnType<typeof ledgerStatements> &
  ReturnType<typeof holdStatements> &
  ReturnType<typeof userStatements> & {
    /** The connection's handle (appendEvent takes one). */
    db: Db;
  };

const cache = new WeakMap<Database.Database, Statements>();

/** Prepared once per connection: the hot path never re-parses SQL or builds queries. */
export function statementsFor(db: Db): Statements {
  const sqlite = db.$client;
  let s = cache.get(sqlite);
  if (!s) {
    s = {
      ...grantStatements(sqlite),
      ...ledgerStatements(sqlite),
      ...holdStatements(sqlite),
      ...userStatements(sqlite),
      db,
    };
    cache.set(sqlite, s);
  }
  return s;
}
