/**
 * What a route's body read fails with once the body passed the server's limit
 * (app/server/remix-handler.ts). Not logged as an error: the client already got its 413.
 */
export class BodyTooLargeError extends Error {
  constructor() {
    super("The request body is larger than the limit.");
    this.name = "BodyTooLargeError";
  }
}
