/**
 * Group commit for the API's small writes (Endpoint.groupCommit: a deduction, a use). SQLite
 * writes every page a transaction dirtied to the WAL at COMMIT, and a checkpoint copies it again;
 * one deduction dirties 8 pages (the ledger's last page and its indexes, the grant, the user...),
 * and the next deduction dirties the same 8. So the requests that arrive together, in one turn of
 * the event loop, run in ONE write transaction, each in a savepoint of its own, and are answered
 * after its COMMIT (docs/decisions/027-group-commit.md).
 *
 * - A request that fails (a 4xx, or a 5xx from a bug) rolls back its own savepoint only: the others
 *   are written and answered as if it had not come.
 * - A failure of the storage or of the transaction itself (the COMMIT, the write gate's
 *   SQLITE_BUSY, a transaction SQLite rolled back by itself) answers EVERY request of the group
 *   with that error: nothing of the group was written.
 * - A request alone runs as it would without grouping (no savepoint).
 */
import { writeTransaction } from "../../db/transaction";
import type Database from "better-sqlite3";
import { errorAnswer, type ApiAnswer } from "../utils/http.server";
import { withRequestId } from "../utils/log.server";
import { isStorageError, sqliteCode } from "../utils/storage-errors.server";

/** At most this many requests share one write transaction. */
export const MAX_GROUP_REQUESTS = 64;

export interface Grouped {
  /** Names the request on the log lines its handling writes. */
  requestId: string | undefined;
  run(): ApiAnswer;
  done(answer: ApiAnswer): void;
}

/** Thrown to roll back one request's savepoint when its answer is a server error. */
class UndoRequest {
  constructor(readonly answer: ApiAnswer) {}
}

/** Queues requests for the next group (see above); `done` gets each answer after the COMMIT. */
export function groupCommitter(sqlite: Database.Database): (item: Grouped) => void {
  const pending: Grouped[] = [];
  let scheduled = false;

  const runOne = (item: Grouped): ApiAnswer =>
    withRequestId(item.requestId, () => {
      try {
        return writeTransaction(sqlite, () => {
          const answer = item.run();
          if (answer.status >= 500) throw new UndoRequest(answer);
          return answer;
        });
      } catch (e) {
        if (!sqlite.inTransaction || isStorageError(e) || sqliteCode(e)?.startsWith("SQLITE_BUSY")) throw e; // the group's
        return e instanceof UndoRequest ? e.answer : errorAnswer(e);
      }
    });

  const flush = () => {
    const group = pending.splice(0, MAX_GROUP_REQUESTS);
    if (pending.length > 0) setImmediate(flush);
    else scheduled = false;
    let answers: ApiAnswer[];
    if (group.length === 1) {
      const [item] = group;
      answers = [
        withRequestId(item.requestId, () => {
          try {
            return item.run();
          } catch (e) {
            return errorAnswer(e);
          }
        }),
      ];
    } else {
      try {
        answers = writeTransaction(sqlite, () => group.map(runOne));
      } catch (e) {
        const answer = withRequestId(group[0].requestId, () => errorAnswer(e));
        answers = group.map(() => answer);
      }
    }
    group.forEach((item, i) => item.done(answers[i]));
  };

  return (item) => {
    pending.push(item);
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  };
}
