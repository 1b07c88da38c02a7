/**
 * The pinned Litestream (v0.3.13, from @flydotio/litestream in the lockfile) as the app runs it:
 * where the binary is, which configuration and environment it gets, and a runner for its commands.
 * scripts/start.sh finds the binary the same way; keep the two in step.
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

/** The replica settings scripts/start.sh and litestream.yml read, resolved the way start.sh resolves them. */
export interface LitestreamConfig {
  /** Absolute path of the live database (Litestream keys its replica by it). */
  databasePath: string;
  configPath: string;
  binary: string | null;
  /** Environment for the litestream process: litestream.yml expands ${VAR}s from it. */
  env: NodeJS.ProcessEnv;
  /** Where the replica lives, for messages (never with credentials). */
  replica: string;
}

export type LitestreamSetup = { configured: true; config: LitestreamConfig } | { configured: false; reason: string };

/** Where the app's files are: the working directory the server and CLI run from (start.sh cds there). */
function appRoot(): string {
  return process.cwd();
}

/**
 * The Litestream binary: `litestream` on PATH (an operator's own install), else the platform binary
 * of @flydotio/litestream. That package's `.bin/litestream` is a Node wrapper that neither forwards
 * signals nor passes on the exit code, so it is skipped for the binary beside it.
 */
function findLitestreamBinary(source: NodeJS.ProcessEnv = process.env, root = appRoot()): string | null {
  const platformBinary = (bin: string) =>
    path.resolve(path.dirname(bin), "..", "@flydotio", `litestream-${process.platform}-${process.arch}`, "litestream");
  const candidates = (source.PATH ?? "")
    .split(path.delimiter)
    .filter(Boolean)
    .map((dir) => path.join(dir, "litestream"));
  candidates.push(path.join(root, "node_modules/.bin/litestream"));
  for (const candidate of candidates) {
    const bin = candidate.endsWith(path.join("node_modules", ".bin", "litestream"))
      ? platformBinary(candidate)
      : candidate;
    try {
      fs.accessSync(bin, fs.constants.X_OK);
      if (fs.statSync(bin).isFile()) return bin;
    } catch {
      // not here
    }
  }
  return null;
}

/** The replica configuration from the environment (the variables of litestream.yml), or why there is none. */
export function litestreamSetup(databasePath: string, source: NodeJS.ProcessEnv = process.env): LitestreamSetup {
  const url = source.LITESTREAM_REPLICA_URL || "";
  const bucket = source.LITESTREAM_S3_BUCKET || "";
  if (!url && !bucket) {
    return { configured: false, reason: "no replica configured (LITESTREAM_REPLICA_URL / LITESTREAM_S3_BUCKET unset)" };
  }
  if (url && bucket)
    return { configured: false, reason: "set either LITESTREAM_REPLICA_URL or LITESTREAM_S3_BUCKET, not both" };
  const root = appRoot();
  const absolute = path.resolve(root, databasePath);
  const env: NodeJS.ProcessEnv = { ...source, DATABASE_PATH: absolute };
  // Same default as start.sh: one bucket may hold several apps, each under its file's name.
  if (bucket && !env.LITESTREAM_S3_PATH) env.LITESTREAM_S3_PATH = path.basename(absolute);
  const configPath = path.resolve(root, source.LITESTREAM_CONFIG || "litestream.yml");
  if (!fs.existsSync(configPath)) return { configured: false, reason: `Litestream config not found: ${configPath}` };
  const replica = url ? url.replace(/\/\/[^@/]*@/, "//") : `s3://${bucket}/${env.LITESTREAM_S3_PATH}`;
  return {
    configured: true,
    config: { databasePath: absolute, configPath, binary: findLitestreamBinary(source, root), env, replica },
  };
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `litestream <args>` with the config's environment; never throws for a non-zero exit. */
export function runLitestream(config: LitestreamConfig, args: string[], timeoutMs = 120_000): Promise<RunResult> {
  const binary = config.binary;
  if (!binary) {
    return Promise.resolve({
      code: 127,
      stdout: "",
      stderr: "the litestream binary is not on PATH nor in node_modules (npm ci installs @flydotio/litestream)",
    });
  }
  return new Promise((resolve) => {
    execFile(
      binary,
      args,
      { env: config.env, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024, encoding: "utf8" },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({ code, stdout, stderr: stderr || (error && code !== 0 && !stderr ? String(error.message) : stderr) });
      },
    );
  });
}

/** Litestream's own log lines are JSON (litestream.yml); the last error message in them, for a verdict. */
export function litestreamError(result: RunResult): string {
  const lines = `${result.stderr}\n${result.stdout}`.split("\n").filter(Boolean);
  for (const line of lines.reverse()) {
    try {
      const parsed = JSON.parse(line) as { level?: string; msg?: string; error?: string };
      if (parsed.level === "ERROR") return [parsed.msg, parsed.error].filter(Boolean).join(": ");
    } catch {
      if (line.trim()) return line.trim();
    }
  }
  return `litestream exited ${result.code}`;
}

/**
 * `litestream restore` of the replica into `outPath` (optionally as of a time). Litestream 0.3.13
 * downloads WAL segments in parallel without retrying one that fails, and its apply loop reports
 * that failure as a bare "context canceled" (replica.go; benbjohnson/litestream#585), so a restore
 * that failed that way is run once more from scratch, as an operator would.
 */
export async function restoreReplicaFile(
  config: LitestreamConfig,
  outPath: string,
  timestamp?: Date,
): Promise<RunResult & { attempts: number }> {
  const args = ["restore", "-config", config.configPath, "-o", outPath];
  if (timestamp) args.push("-timestamp", timestamp.toISOString());
  args.push(config.databasePath);
  let attempts = 0;
  for (;;) {
    attempts += 1;
    const result = await runLitestream(config, args);
    const transient = result.code !== 0 && litestreamError(result).endsWith("context canceled");
    if (!transient || attempts === 2) return { ...result, attempts };
    for (const leftover of [outPath, `${outPath}.tmp`, `${outPath}.tmp-wal`, `${outPath}.tmp-shm`]) {
      fs.rmSync(leftover, { force: true });
    }
  }
}
