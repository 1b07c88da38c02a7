import { afterEach } from "vitest";
import { closeDatabase } from "../db/client";
import { testContext } from "./db";

export type TestContext = ReturnType<typeof testContext>;

/**
 * For test files where each test makes its own databases: returns `testContext` as a function
 * whose every database is closed after the test.
 */
export function useTestContexts(): (envOverrides?: Record<string, string>) => TestContext {
  const open: TestContext[] = [];
  afterEach(() => {
    for (const c of open.splice(0)) closeDatabase(c.db);
  });
  return (envOverrides) => {
    const c = testContext(envOverrides);
    open.push(c);
    return c;
  };
}
