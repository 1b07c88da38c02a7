import path from "node:path";
import type Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { openSqlite } from "./client";
import { afterCommit, setWriteGate, writeTransaction } from "./transaction";

let sqlite: Database.Database;
let files = 0;

beforeEach(() => {
  sqlite = openSqlite(path.join(process.env.TEST_TMP_DIR!, `write-tx-${process.pid}-${++files}.db`));
  sqlite.exec("create table t (v integer not null)");
});
afterEach(() => sqlite.close());

const rows = () => sqlite.prepare("select v from t order by rowid").pluck().all();
const insert = (v: number) => sqlite.prepare("insert into t (v) values (?)").run(v);

describe("writeTransaction", () => {
  it("commits an IMMEDIATE transaction and returns fn's result", () => {
    const result = writeTransaction(sqlite, (db) => {
      expect(db).toBe(sqlite);
      expect(sqlite.inTransaction).toBe(true);
      insert(1);
      return "done";
    });
    expect(result).toBe("done");
    expect(rows()).toEqual([1]);
    expect(sqlite.inTransaction).toBe(false);
  });

  it("inner calls join the outer transaction: nothing is committed until the outermost returns", () => {
    const other = openSqlite(sqlite.name);
    try {
      writeTransaction(sqlite, () => {
        insert(1);
        writeTransaction(sqlite, () => insert(2));
        // Another connection sees nothing yet: the inner call did not commit.
        expect(other.prepare("select count(*) from t").pluck().get()).toBe(0);
      });
      expect(other.prepare("select count(*) from t").pluck().get()).toBe(2);
    } finally {
      other.close();
    }
  });

  it("an inner call that throws rolls back its own writes and drops its callbacks; the outer goes on", () => {
    const kept = vi.fn();
    const dropped = vi.fn();
    writeTransaction(sqlite, () => {
      insert(1);
      afterCommit(sqlite, kept);
      expect(() =>
        writeTransaction(sqlite, () => {
          insert(2);
          afterCommit(sqlite, dropped);
          throw new Error("inner fails");
        }),
      ).toThrow("inner fails");
    });
    expect(rows()).toEqual([1]);
    expect(kept).toHaveBeenCalledTimes(1);
    expect(dropped).not.toHaveBeenCalled();
  });

  it("runs afterCommit callbacks once, after the outermost commit only, in order", () => {
    const seen: string[] = [];
    const a = () => seen.push(`a saw ${rows().length} rows, inTransaction=${sqlite.inTransaction}`);
    const b = () => seen.push("b");
    writeTransaction(sqlite, () => {
      insert(1);
      writeTransaction(sqlite, () => {
        afterCommit(sqlite, a);
        insert(2);
      });
      expect(seen).toEqual([]); // not after the inner call
      afterCommit(sqlite, b);
      afterCommit(sqlite, a); // the same callback again: still once
    });
    expect(seen).toEqual(["a saw 2 rows, inTransaction=false", "b"]);
    writeTransaction(sqlite, () => insert(3));
    expect(seen).toHaveLength(2); // a later transaction does not run them again
  });

  it("drops every callback when the outermost transaction rolls back", () => {
    const cb = vi.fn();
    expect(() =>
      writeTransaction(sqlite, () => {
        insert(1);
        writeTransaction(sqlite, () => afterCommit(sqlite, cb));
        throw new Error("outer fails");
      }),
    ).toThrow("outer fails");
    expect(rows()).toEqual([]);
    writeTransaction(sqlite, () => insert(2));
    expect(cb).not.toHaveBeenCalled();
  });

  it("a callback that throws does not undo the commit nor stop the next callback", () => {
    const next = vi.fn();
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      const result = writeTransaction(sqlite, () => {
        insert(1);
        afterCommit(sqlite, () => {
          throw new Error("callback fails");
        });
        afterCommit(sqlite, next);
        return 7;
      });
      expect(result).toBe(7);
      expect(error).toHaveBeenCalledTimes(1);
    } finally {
      error.mockRestore();
    }
    expect(rows()).toEqual([1]);
    expect(next).toHaveBeenCalledTimes(1);
  });

  it("afterCommit with no transaction open runs at once (the write has committed); inside a foreign one it refuses", () => {
    const cb = vi.fn();
    afterCommit(sqlite, cb);
    expect(cb).toHaveBeenCalledTimes(1);
    sqlite.transaction(() => {
      expect(() => afterCommit(sqlite, cb)).toThrow(/not opened by writeTransaction/);
    })();
    expect(cb).toHaveBeenCalledTimes(1);
  });

  it("inside a transaction opened some other way, joins it and runs callbacks when the outermost call returns", () => {
    const cb = vi.fn();
    sqlite.transaction(() => {
      writeTransaction(sqlite, () => {
        insert(1);
        afterCommit(sqlite, cb);
      });
      expect(cb).toHaveBeenCalledTimes(1);
    })();
    expect(rows()).toEqual([1]);
  });
});

describe("a write gate (setWriteGate)", () => {
  it("is asked with the write lock held, before the work; while it says no the writer waits and writes nothing", () => {
    const other = openSqlite(sqlite.name);
    try {
      let asked = 0;
      setWriteGate(sqlite, {
        deadlineMs: 5_000,
        open: () => {
          asked++;
          // The lock is ours: another connection cannot write meanwhile.
          expect(() => other.prepare("insert into t (v) values (0)").run()).toThrow(/locked|busy/i);
          return asked >= 3;
        },
      });
      other.pragma("busy_timeout = 0");
      const ran = vi.fn(() => insert(1));
      writeTransaction(sqlite, ran);
      expect(asked).toBe(3);
      expect(ran).toHaveBeenCalledTimes(1);
      expect(rows()).toEqual([1]);
    } finally {
      other.close();
    }
  });

  it("past its deadline the write fails as SQLITE_BUSY, its work never run and nothing written", () => {
    setWriteGate(sqlite, { deadlineMs: 20, open: () => false });
    const ran = vi.fn(() => insert(1));
    const queued = vi.fn();
    expect(() =>
      writeTransaction(sqlite, () => {
        afterCommit(sqlite, queued);
        ran();
      }),
    ).toThrow(expect.objectContaining({ code: "SQLITE_BUSY" }));
    expect(ran).not.toHaveBeenCalled();
    expect(queued).not.toHaveBeenCalled();
    expect(rows()).toEqual([]);
    expect(sqlite.inTransaction).toBe(false);
    // Removed, writes go through again.
    setWriteGate(sqlite, null);
    writeTransaction(sqlite, () => insert(2));
    expect(rows()).toEqual([2]);
  });

  it("is asked once per outermost transaction, not by nested ones, and guards a RETURNING write outside any transaction", () => {
    let asked = 0;
    setWriteGate(sqlite, { deadlineMs: 1_000, open: () => (asked++, true) });
    writeTransaction(sqlite, () => {
      insert(1);
      writeTransaction(sqlite, () => insert(2));
    });
    expect(asked).toBe(1);
    expect(sqlite.prepare("insert into t (v) values (3) returning v").pluck().get()).toBe(3);
    expect(asked).toBe(2);
    expect(rows()).toEqual([1, 2, 3]);
  });
});
