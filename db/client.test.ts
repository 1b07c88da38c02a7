import path from "node:path";
import { describe, expect, it } from "vitest";
import { openSqlite } from "./client";

describe("a write that returns rows, outside a transaction", () => {
  // better-sqlite3's .get() reads the first row and resets the statement without looking at what
  // the reset said; in autocommit mode the COMMIT happens there. A commit that fails (a full disk:
  // SQLITE_FULL; here a deferred foreign key, which fails the same way without filling a disk)
  // used to return the row of a write that was rolled back: sign-up created no user but went on.
  it("throws when its commit fails, instead of returning the row of a write that was not kept", () => {
    const sqlite = openSqlite(path.join(process.env.TEST_TMP_DIR!, `returning-${process.pid}.db`));
    sqlite.exec(`
      create table parent (id integer primary key);
      create table child (id integer primary key, parent_id integer references parent(id) deferrable initially deferred);
    `);
    const insert = sqlite.prepare("insert into child (parent_id) values (?) returning id");
    expect(() => insert.get(42)).toThrow(/FOREIGN KEY constraint failed/);
    expect(sqlite.prepare("select count(*) as n from child").get()).toEqual({ n: 0 });
    expect(sqlite.inTransaction).toBe(false);
    // Inside a transaction the statement is unchanged: the error comes at COMMIT, as it always did.
    sqlite.prepare("insert into parent (id) values (1)").run();
    expect(sqlite.transaction(() => insert.get(1))()).toEqual({ id: 1 });
    expect(insert.get(1)).toEqual({ id: 2 });
    sqlite.close();
  });
});
