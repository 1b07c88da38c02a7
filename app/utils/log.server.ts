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

function write(level: LogLevel, msg: string, fields?: Record<string, unknown>): void {
  if (LEVELS[level] < threshold) return;
  const requestId = currentRequestId === undefined ? undefined : { requestId: currentRequestId };
  const line = JSON.stringify({ time: new Date().toISOString(), level, msg, ...requestId, ...fields });
  (level === "error" || level === "warn" ? process.stderr : process.stdout).write(line + "\n");
}

/** One JSON line per message, on stdout (errors and warnings on stderr). */
export const log = {
  debug: (msg: string, f?: Record<string, unknown>) => write("debug", msg, f),
  info: (msg: string, f?: Record<string, unknown>) => write("info", msg, f),
  warn: (msg: string, f?: Record<string, unknown>) => write("warn", msg, f),
  error: (msg: string, f?: Record<string, unknown>) => write("error", msg, f),
};
