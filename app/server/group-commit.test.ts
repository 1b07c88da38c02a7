import path from "node:path";
import type Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openSqlite } from "../../db/client";
import { setWriteGate } from "../../db/transaction";
import { AppError } from "../utils/errors";
import { jsonAnswer, type ApiAnswer } from "../utils/http.server";
import { groupCommitter, MAX_GROUP_REQUESTS } from "./group-commit";

let sqlite: Database.Database;
let other: Database.Database;
let files = 0;

beforeEach(() => {
  sqlite = openSqlite(path.join(process.env.TEST_TMP_DIR!, `group-commit-${process.pid}-${++files}.db`));
  sqlite.exec("create table t (v integer not null)");
  other = openSqlite(sqlite.name);
});
afterEach(() => {
  setWriteGate(sqlite, null);
  other.close();
  sqlite.close();
});

const rows = () => other.prepare("select v from t order by rowid").pluck().all();
const committed = () => other.prepare("select count(*) from t").pluck().get() as number;
const insert = (v: number) => sqlite.prepare("insert into t (v) values (?)").run(v);

/** Queues one request per `run` in the same turn, as requests that arrived together; resolves with every answer. */
function sendTogether(runs: Array<() => ApiAnswer>): Promise<ApiAnswer[]> {
  const group = groupCommitter(sqlite);
  return Promise.all(
    runs.map((run, i) => new Promise<ApiAnswer>((done) => group({ requestId: `req-${i}`, run, done }))),
  );
}

const writes = (v: number) => () => {
  insert(v);
  return jsonAnswer({ v }, 201);
};

describe("group commit", () => {
  it("runs the requests that arrive together in ONE transaction and answers them after its COMMIT", async () => {
    const seenByOthers: number[] = [];
    const answers = await sendTogether([
      writes(1),
      writes(2),
      () => {
        insert(3);
        seenByOthers.push(committed()); // nothing of the group is committed yet
        return jsonAnswer({ v: 3 }, 201);
      },
    ]);
    expect(seenByOthers).toEqual([0]);
    expect(answers.map((a) => [a.status, JSON.parse(a.body).v])).toEqual([
      [201, 1],
      [201, 2],
      [201, 3],
    ]);
    expect(rows()).toEqual([1, 2, 3]);
    expect(sqlite.inTransaction).toBe(false);
  });

  it("every answer is sent after the COMMIT: a request's answer never reports an uncommitted write", async () => {
    const group = groupCommitter(sqlite);
    const atAnswer: number[] = [];
    await Promise.all(
      [1, 2, 3].map(
        (v) =>
          new Promise<void>((resolve) =>
            group({
              requestId: undefined,
              run: writes(v),
              done: () => {
                atAnswer.push(committed());
                resolve();
              },
            }),
          ),
      ),
    );
    expect(atAnswer).toEqual([3, 3, 3]);
  });

  it("a request refused (4xx) rolls back its own writes only; the others are written", async () => {
    const answers = await sendTogether([
      writes(1),
      () => {
        insert(2);
        throw new AppError("insufficient_credits", "Not enough credits.");
      },
      writes(3),
    ]);
    expect(answers.map((a) => a.status)).toEqual([201, 402, 201]);
    expect(JSON.parse(answers[1].body).error.code).toBe("insufficient_credits");
    expect(rows()).toEqual([1, 3]);
  });

  it("a bug in one request (500) rolls back its own writes only", async () => {
    const answers = await sendTogether([
      writes(1),
      () => {
        insert(2);
        throw new TypeError("a bug");
      },
      writes(3),
    ]);
    expect(answers.map((a) => a.status)).toEqual([201, 500, 201]);
    expect(rows()).toEqual([1, 3]);
  });

  it("a storage failure in one request answers EVERY request of the group 503 and writes nothing", async () => {
    const answers = await sendTogether([
      writes(1),
      writes(2),
      () => {
        insert(3);
        throw Object.assign(new Error("database or disk is full"), { code: "SQLITE_FULL" });
      },
      writes(4),
    ]);
    expect(answers.map((a) => a.status)).toEqual([503, 503, 503, 503]);
    expect(JSON.parse(answers[0].body).error.code).toBe("storage_unavailable");
    expect(rows()).toEqual([]);
    expect(sqlite.inTransaction).toBe(false);
  });

  it("a transaction SQLite rolled back by itself fails the whole group: the requests before it are not reported written", async () => {
    const answers = await sendTogether([
      writes(1),
      () => {
        insert(2);
        sqlite.exec("rollback"); // what SQLite may do itself on SQLITE_FULL, SQLITE_NOMEM or an I/O error
        return jsonAnswer({ v: 2 }, 201);
      },
      writes(3),
    ]);
    expect(answers.map((a) => [a.status, JSON.parse(a.body).error.code])).toEqual([
      [503, "service_unavailable"],
      [503, "service_unavailable"],
      [503, "service_unavailable"],
    ]);
    expect(rows()).toEqual([]);
  });

  it("a closed write gate answers every request 503 (retry) and runs none of them", async () => {
    let ran = 0;
    setWriteGate(sqlite, { open: () => false, deadlineMs: 20 });
    const answers = await sendTogether(
      [1, 2].map((v) => () => {
        ran++;
        return writes(v)();
      }),
    );
    expect(answers.map((a) => [a.status, JSON.parse(a.body).error.code])).toEqual([
      [503, "service_unavailable"],
      [503, "service_unavailable"],
    ]);
    expect(ran).toBe(0);
    expect(rows()).toEqual([]);
  });

  it(`splits more than ${MAX_GROUP_REQUESTS} requests into groups, in the order they came`, async () => {
    const transactions = new Set<number>();
    sqlite.exec("create table tx (n integer)");
    const count = MAX_GROUP_REQUESTS * 2 + 1;
    const answers = await sendTogether(
      Array.from({ length: count }, (_, v) => () => {
        // data_version of ANOTHER connection changes only when a transaction commits: the same value = the same group.
        transactions.add(other.pragma("data_version", { simple: true }) as number);
        return writes(v)();
      }),
    );
    expect(answers.every((a) => a.status === 201)).toBe(true);
    expect(rows()).toEqual(Array.from({ length: count }, (_, v) => v));
    expect(transactions.size).toBe(3);
  });

  it("an answer that cannot be sent does not keep the rest of the group from theirs", async () => {
    const group = groupCommitter(sqlite);
    const sent: number[] = [];
    await new Promise<void>((resolve) => {
      group({
        requestId: undefined,
        run: writes(1),
        done: () => {
          throw new Error("the socket is gone");
        },
      });
      group({
        requestId: undefined,
        run: writes(2),
        done: (a) => {
          sent.push(a.status);
          resolve();
        },
      });
    });
    expect(sent).toEqual([201]);
    expect(rows()).toEqual([1, 2]);
  });

  it("a request alone is answered as without grouping: no transaction is opened around it", async () => {
    const outside: boolean[] = [];
    const [answer] = await sendTogether([
      () => {
        outside.push(!sqlite.inTransaction); // its own writeTransaction would be the outermost
        return writes(7)();
      },
    ]);
    expect(outside).toEqual([true]);
    expect(answer.status).toBe(201);
    expect(rows()).toEqual([7]);
  });

  it("a request that answers a server error (without throwing) rolls back its own writes only", async () => {
    const answers = await sendTogether([
      writes(1),
      () => {
        insert(2);
        return jsonAnswer({ error: { code: "internal_error", message: "x" } }, 500);
      },
      writes(3),
    ]);
    expect(answers.map((a) => a.status)).toEqual([201, 500, 201]);
    expect(rows()).toEqual([1, 3]);
  });
});
