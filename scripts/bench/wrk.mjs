// The HTTP load generator: wrk (C, from Debian), pinned to its own core where taskset allows, so
// the numbers measure the server rather than the generator. Installed with apt-get when missing.
import { spawn, spawnSync } from "node:child_process";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const LUA = path.join(path.dirname(fileURLToPath(import.meta.url)), "lua");
export const FIXED_SCRIPT = path.join(LUA, "fixed.lua");
export const MIXED_SCRIPT = path.join(LUA, "mixed.lua");
export const HOLDS_SCRIPT = path.join(LUA, "holds.lua");
export const USAGE_BATCH_SCRIPT = path.join(LUA, "usage-batch.lua");

const has = (cmd) => spawnSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" }).status === 0;

/** Makes sure wrk is on PATH, installing Debian's package when it is not. */
export function ensureWrk(log) {
  if (has("wrk")) return;
  log("wrk is not installed: apt-get install -y wrk");
  const sudo = process.getuid?.() === 0 ? [] : ["sudo"];
  for (const args of [
    ["apt-get", "update"],
    ["apt-get", "install", "-y", "wrk"],
  ]) {
    const cmd = [...sudo, ...args];
    const r = spawnSync(cmd[0], cmd.slice(1), { stdio: ["ignore", "inherit", "inherit"] });
    if (r.status !== 0) throw new Error(`${cmd.join(" ")} failed: install wrk (Debian package "wrk") and run again`);
  }
  if (!has("wrk")) throw new Error("wrk is still not on PATH after apt-get install wrk");
}

/**
 * CPU pinning: the server (and Litestream with it) on core 0, wrk on core 1 — when taskset exists
 * and this process may use at least two cores, unless `npm run bench -- --no-pin` asks for an unpinned
 * run. Otherwise nothing is pinned (and the report says so).
 */
export const pinning = (() => {
  const cores = os.availableParallelism?.() ?? os.cpus().length;
  if (process.argv.includes("--no-pin")) return { enabled: false, cores, asked: true };
  if (cores < 2 || !has("taskset")) return { enabled: false, cores };
  return { enabled: true, cores, server: "0", generator: "1" };
})();

/** How a run was pinned, in words (the log line and the report's Machine section). */
export function describePinning(p) {
  if (p.enabled)
    return `taskset: the server (and Litestream with it) on core ${p.server}, wrk (1 thread) on core ${p.generator}`;
  return p.asked
    ? "none (--no-pin): wrk and the server share both cores"
    : "none (taskset missing or fewer than 2 cores): wrk and the server share the CPU";
}

/** [command, args] for `command args` pinned to `cpu` (or unpinned). */
export function pinned(cpu, command, args) {
  return pinning.enabled && cpu ? ["taskset", ["-c", cpu, command, ...args]] : [command, args];
}

/**
 * Runs wrk for `seconds` with one thread and `connections` connections; resolves with
 * {requests, rps, non2xx, errors, p50, p90, p99, p999, max (ms)}.
 * `script` is FIXED_SCRIPT (args: method, body|-, headers…) or MIXED_SCRIPT.
 */
export function runWrk({ url, seconds, connections, script = FIXED_SCRIPT, args = [], timeoutSeconds = 10 }) {
  const wrkArgs = [
    "-t1",
    `-c${connections}`,
    `-d${seconds}s`,
    `--timeout`,
    `${timeoutSeconds}s`,
    "-s",
    script,
    url,
    "--",
    ...args,
  ];
  const [cmd, argv] = pinned(pinning.generator, "wrk", wrkArgs);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (c) => (out += c));
    child.stderr.on("data", (c) => (out += c));
    child.on("error", reject);
    child.on("exit", (code) => {
      const line = out.split("\n").find((l) => l.startsWith("BENCH_JSON "));
      if (code !== 0 || !line) {
        reject(new Error(`wrk exited ${code}:\n${out.slice(-2000)}`));
        return;
      }
      const j = JSON.parse(line.slice("BENCH_JSON ".length));
      const ms = (us) => us / 1000;
      const errors = j.connect + j.read + j.write + j.timeout;
      resolve({
        requests: j.requests,
        seconds: j.duration_us / 1e6,
        rps: (j.requests - j.status) / (j.duration_us / 1e6),
        non2xx: j.status,
        errors,
        p50: ms(j.p50_us),
        p90: ms(j.p90_us),
        p99: ms(j.p99_us),
        p999: ms(j.p999_us),
        max: ms(j.max_us),
        // Operations a script counted itself (holds.lua: captures), per second; null when it counts none.
        opsPerSecond: j.ops >= 0 ? j.ops / (j.duration_us / 1e6) : null,
      });
    });
  });
}
