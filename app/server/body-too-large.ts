import { AppError } from "../utils/errors";

/**
 * What a route's body read fails with once the body passed the server's limit
 * (app/server/remix-handler.ts). An AppError, so API routes treat it as a 413 rather than a bug;
 * nothing logs it: the client already got its 413.
 */
export class BodyTooLargeError extends AppError {
  constructor() {
    super("payload_too_large", "The request body is larger than the limit.");
    this.name = "BodyTooLargeError";
  }
}
