import fs from "node:fs";

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 } as const;
export type LogLevel = keyof typeof LEVELS;

let threshold: number = LEVELS[(process.env.LOG_LEVEL as LogLevel) ?? "info"] ?? LEVELS.info;

export function setLogLevel(level: LogLevel): void {
  threshold = LEVELS[level];
}

// The request being handled synchronously right now (see withRequestId), or undefined.
let currentRequestId: string | undefined;

/**
 * Runs `fn` with `requestId` on every log line it writes (synchronously: an /api request's
 * handling, or its error answer). A slot rather than AsyncLocalStorage: it costs nothing per request.
 */
export function withRequestId<T>(requestId: string | undefined, fn: () => T): T {
  const outer = currentRequestId;
  currentRequestId = requestId;
  try {
    return fn();
  } finally {
    currentRequestId = outer;
  }
}

/** How long a broken output is left alone before the next line tries it again. */
const RETRY_AFTER_FAILURE_MS = 1_000;

/**
 * One of the process's outputs. A log line must never take the server down: a stream that fails
 * (ENOSPC on a full disk, EPIPE when the reader went away) emits 'error', which unhandled crashes
 * the process. A file (or device) is written with a synchronous write of its own, so each failure is
 * seen at once; a pipe or terminal goes through its stream until that stream fails, then the same
 * way. Lines that cannot be written are dropped and counted, retried at most once a second, and the
 * first line that gets through is preceded by one saying how many were dropped.
 */
class Output {
  dropped = 0;
  private failedAtMs = -Infinity;
  private cutOff = false;
  private direct: boolean;
  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly fd: number,
  ) {
    this.direct = isFileOrDevice(fd, stream);
    // Node never closes fd 1 and 2 (their streams' destroy is a no-op), so writing to them stays safe.
    stream.on("error", () => {
      this.direct = true;
      this.fail();
    });
  }

  write(line: string): void {
    if (!this.direct) {
      this.stream.write(line);
      return;
    }
    if (Date.now() - this.failedAtMs < RETRY_AFTER_FAILURE_MS) {
      this.dropped++;
      return;
    }
    try {
      if (this.dropped > 0) {
        // A line cut off by the failure is ended first, so every line of the log stays whole JSON.
        const notice = recordLine("warn", "log lines dropped: the log output failed", { dropped: this.dropped });
        this.writeAll(this.cutOff ? `\n${notice}` : notice);
        this.dropped = 0;
        this.cutOff = false;
      }
      this.writeAll(line);
    } catch {
      this.fail();
    }
  }

  private writeAll(text: string): void {
    const bytes = Buffer.from(text);
    for (let offset = 0; offset < bytes.length;) {
      try {
        offset += fs.writeSync(this.fd, bytes, offset);
      } catch (e) {
        if (offset > 0) this.cutOff = true;
        throw e;
      }
    }
  }

  private fail(): void {
    this.dropped++;
    this.failedAtMs = Date.now();
  }
}

function isFileOrDevice(fd: number, stream: NodeJS.WriteStream): boolean {
  if (stream.isTTY) return false;
  try {
    const stat = fs.fstatSync(fd);
    return stat.isFile() || stat.isCharacterDevice();
  } catch {
    return false;
  }
}

const stdout = new Output(process.stdout, 1);
const stderr = new Output(process.stderr, 2);

function recordLine(level: LogLevel, msg: string, fields?: Record<string, unknown>): string {
  const requestId = currentRequestId === undefined ? undefined : { requestId: currentRequestId };
  return JSON.stringify({ time: new Date().toISOString(), level, msg, ...requestId, ...fields }) + "\n";
}

function write(level: LogLevel, msg: string, fields?: Record<string, unknown>): void {
  if (LEVELS[level] < threshold) return;
  (level === "error" || level === "warn" ? stderr : stdout).write(recordLine(level, msg, fields));
}

/** One JSON line per message, on stdout (errors and warnings on stderr). */
export const log = {
  debug: (msg: string, f?: Record<string, unknown>) => write("debug", msg, f),
  info: (msg: string, f?: Record<string, unknown>) => write("info", msg, f),
  warn: (msg: string, f?: Record<string, unknown>) => write("warn", msg, f),
  error: (msg: string, f?: Record<string, unknown>) => write("error", msg, f),
};
