import { AppError } from "../app/utils/errors";

/** The AppError `fn` throws; fails the test when it throws nothing or something else. */
export function thrownAppError(fn: () => unknown): AppError {
  try {
    fn();
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error("expected an AppError");
}

/** The AppError `promise` rejects with; fails the test otherwise. */
export async function rejectedAppError(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error("expected an AppError");
}
