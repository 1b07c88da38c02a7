import Database from "better-sqlite3";
import { afterEach, describe, expect, it, vi } from "vitest";
import { freshDatabasePath } from "../../test/db";
import { errorAnswer } from "./http.server";
import { log } from "./log.server";
import { isStorageError, StorageFailureLog, STORAGE_LOG_INTERVAL_MS } from "./storage-errors.server";

/** A real SQLITE_READONLY from SQLite: a write on a read-only connection. */
function readOnlyWriteError(): unknown {
  const db = new Database(freshDatabasePath(), { readonly: true });
  try {
    db.prepare("insert into users (email, created_at, updated_at) values ('x@example.com', 0, 0)").run();
  } catch (e) {
    return e;
  } finally {
    db.close();
  }
  throw new Error("the write succeeded");
}

afterEach(() => vi.restoreAllMocks());

describe("storage errors", () => {
  it("classifies full, I/O, read-only and damaged-file errors as storage trouble, and busy or constraint errors not", () => {
    const withCode = (code: string) => Object.assign(new Error(code), { code });
    for (const code of [
      "SQLITE_FULL",
      "SQLITE_IOERR",
      "SQLITE_IOERR_WRITE",
      "SQLITE_IOERR_FSYNC",
      "SQLITE_READONLY",
      "SQLITE_READONLY_DBMOVED",
      "SQLITE_CANTOPEN",
      "SQLITE_CORRUPT",
    ]) {
      expect(isStorageError(withCode(code)), code).toBe(true);
    }
    for (const code of ["SQLITE_BUSY", "SQLITE_CONSTRAINT_UNIQUE", "SQLITE_ERROR", "ENOENT"]) {
      expect(isStorageError(withCode(code)), code).toBe(false);
    }
    expect(isStorageError(readOnlyWriteError())).toBe(true);
  });

  it("answers a write that failed on storage with 503 storage_unavailable and Retry-After, not 500", () => {
    vi.spyOn(log, "error").mockImplementation(() => {});
    const answer = errorAnswer(readOnlyWriteError());
    expect(answer.status).toBe(503);
    expect(answer.headers["Retry-After"]).toMatch(/^[1-9][0-9]*$/);
    const body = JSON.parse(answer.body);
    expect(body.error.code).toBe("storage_unavailable");
    expect(body.error.message).toMatch(/read-only/);
  });

  it("logs at most once per 10 s, without a stack, counting the failures it left out", () => {
    const lines: Array<Record<string, unknown>> = [];
    vi.spyOn(log, "error").mockImplementation((msg, fields) => void lines.push({ msg, ...fields }));
    let nowMs = 1_000_000;
    const failures = new StorageFailureLog(() => nowMs);
    const e = Object.assign(new Error("database or disk is full"), { code: "SQLITE_FULL" });
    for (let i = 0; i < 1000; i++) {
      failures.note(e, "api");
      nowMs += 15; // 1000 failures over 15 s
    }
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ code: "SQLITE_FULL", problem: "full", suppressed: 0 });
    expect(lines[1].suppressed).toBe(Math.ceil(STORAGE_LOG_INTERVAL_MS / 15) - 1);
    expect(JSON.stringify(lines)).not.toMatch(/\n\s+at /);
  });
});
