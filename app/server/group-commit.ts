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
import { AppError } from "../utils/errors";
import { log, withRequestId } from "../utils/log.server";
import { isBusyError, isStorageError } from "../utils/storage-errors.server";

/** At most this many requests share one write transaction. */
export const MAX_GROUP_REQUESTS = 64;

/** Thrown to roll back one request's savepoint when its answer is a server error. */
class UndoRequest {
  constructor(readonly answer: ApiAnswer) {}
}

/** One request of a group: what runs it (an error it throws becomes its answer). */
export interface GroupRequest {
  /** Names the request on the log lines its handling writes. */
  requestId: string | undefined;
  run(): ApiAnswer;
}

/** A request queued for the next group: `done` gets its answer after the COMMIT. */
export interface Grouped extends GroupRequest {
  done(answer: ApiAnswer): void;
}

/** The storage, or the write lock (the Litestream write gate): a failure of the group, not of one request. */
function isGroupFailure(e: unknown): boolean {
  return isStorageError(e) || isBusyError(e);
}

/** One request inside the group's transaction, in a savepoint of its own. */
function runInSavepoint(sqlite: Database.Database, request: GroupRequest): ApiAnswer {
  // A savepoint outside a transaction would BEGIN one of its own and commit this request alone.
  if (!sqlite.inTransaction) throw new Error("the group's transaction is gone");
  return withRequestId(request.requestId, () => {
    try {
      return writeTransaction(sqlite, () => {
        const answer = request.run();
        if (answer.status >= 500) throw new UndoRequest(answer);
        return answer;
      });
    } catch (e) {
      // The group's failure, not this request's: every request of the group answers it.
      if (!sqlite.inTransaction || isGroupFailure(e)) throw e;
      return e instanceof UndoRequest ? e.answer : errorAnswer(e);
    }
  });
}

/**
 * Runs `requests` as one group (see above), in order, and returns their answers: what the server
 * does with the requests that arrived together, and what the engine simulator draws.
 */
export function runGroup(sqlite: Database.Database, requests: readonly GroupRequest[]): ApiAnswer[] {
  if (requests.length === 1) {
    const [request] = requests;
    return [
      withRequestId(request.requestId, () => {
        try {
          return request.run();
        } catch (e) {
          return errorAnswer(e);
        }
      }),
    ];
  }
  try {
    return writeTransaction(sqlite, () => requests.map((request) => runInSavepoint(sqlite, request)));
  } catch (e) {
    // Logged once, under the first request's id, naming every request of the group.
    const requestIds = requests.map((r) => r.requestId).filter((id) => id !== undefined);
    const answer = withRequestId(requests[0].requestId, () => {
      if (requestIds.length > 1) log.warn("group commit: the whole group failed", { requestIds });
      if (isGroupFailure(e)) return errorAnswer(e);
      // The transaction was lost some other way (a request that caught SQLite's own rollback):
      // still nothing of the group was written, so every request may retry.
      log.error("group commit: the group's transaction failed", { error: String(e) });
      return errorAnswer(new AppError("service_unavailable", "The write could not be completed; retry shortly."));
    });
    return requests.map(() => answer);
  }
}

/** Queues requests for the next group: the ones queued in the same turn of the event loop. */
export function groupCommitter(sqlite: Database.Database): (request: Grouped) => void {
  const pending: Grouped[] = [];
  let scheduled = false;
  const flush = () => {
    const group = pending.splice(0, MAX_GROUP_REQUESTS);
    if (pending.length > 0) setImmediate(flush);
    else scheduled = false;
    const answers = runGroup(sqlite, group);
    for (const [i, request] of group.entries()) {
      withRequestId(request.requestId, () => {
        try {
          request.done(answers[i]);
        } catch (e) {
          // One answer that cannot be sent must not keep the rest of the group from theirs.
          log.error("group commit: sending an answer failed", { error: String(e) });
        }
      });
    }
  };
  return (request) => {
    pending.push(request);
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  };
}
