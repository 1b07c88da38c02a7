/**
 * `npm run simulate -- --steps N --seed S [--max-commands M] [--workers W]`: runs the simulator for
 * at least N steps (sequences of up to M steps, default 40), split over W processes (default 1;
 * worker k starts at seed S + k × 1,000,003), and prints steps, seconds, seed and the result; on a
 * failure, the shortest sequence found and the command that reproduces it (exit 1).
 */
import { fork } from "node:child_process";
import { simulate, type SimulationResult } from "./simulate";

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i === -1) return fallback;
  const value = Number(process.argv[i + 1]);
  if (!Number.isSafeInteger(value)) {
    console.error(`--${name} needs a whole number`);
    process.exit(2);
  }
  return value;
}

const steps = option("steps", 10_000);
const seed = option("seed", Date.now() % 2 ** 31);
const maxCommands = option("max-commands", 40);
const workers = option("workers", 1);
const worker = option("worker", -1);
const WORKER_SEED_STRIDE = 1_000_003;

function report(r: SimulationResult, seeds: string): void {
  console.log(
    `${r.failure ? "FAILED" : "clean"}: ${r.steps} steps, ${r.sequences} sequences, ${r.seconds.toFixed(1)} s, seed ${seeds}`,
  );
  if (r.failure) console.log(r.failure);
}

if (worker >= 0) {
  // A worker: runs its share and hands the result to the parent.
  const result = simulate({
    steps,
    seed,
    maxCommands,
    log: (line) => console.log(`worker ${worker}: ${line}, clean so far`),
  });
  process.send!(result);
} else if (workers > 1) {
  console.log(
    `simulating ${steps} steps from seed ${seed} on ${workers} workers (sequences of up to ${maxCommands} steps)`,
  );
  const startedMs = Date.now();
  const share = Math.ceil(steps / workers);
  const runs = Array.from({ length: workers }, (_, k) => {
    const workerSeed = (seed + k * WORKER_SEED_STRIDE) | 0;
    const args = ["--steps", String(share), "--seed", String(workerSeed), "--max-commands", String(maxCommands)];
    const child = fork(process.argv[1], [...args, "--worker", String(k)], { execArgv: process.execArgv });
    return new Promise<SimulationResult>((resolve, reject) => {
      child.on("message", (m) => resolve(m as SimulationResult));
      child.on("exit", (code) => (code === 0 ? undefined : reject(new Error(`worker ${k} exited with ${code}`))));
    });
  });
  const results = await Promise.all(runs);
  const failed = results.find((r) => r.failure);
  const total: SimulationResult = {
    steps: results.reduce((sum, r) => sum + r.steps, 0),
    sequences: results.reduce((sum, r) => sum + r.sequences, 0),
    seconds: (Date.now() - startedMs) / 1000,
    seed,
    failure: failed?.failure ?? null,
  };
  report(total, `${seed} (workers from ${results.map((r) => r.seed).join(", ")})`);
  if (failed) process.exit(1);
} else {
  console.log(`simulating ${steps} steps from seed ${seed} (sequences of up to ${maxCommands} steps)`);
  const result = simulate({ steps, seed, maxCommands, log: (line) => console.log(line) });
  report(result, String(result.seed));
  if (result.failure) process.exit(1);
}
