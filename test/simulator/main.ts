/**
 * `npm run simulate -- --steps N --seed S [--max-commands M]`: runs the simulator for at least N
 * steps (sequences of up to M steps, default 60) and prints steps, seconds, seed and the result; on
 * a failure, the shortest sequence found and the command that reproduces it (exit 1).
 */
import { simulate } from "./simulate";

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
const maxCommands = option("max-commands", 60);
console.log(`simulating ${steps} steps from seed ${seed} (sequences of up to ${maxCommands} steps)`);
const result = simulate({ steps, seed, maxCommands, log: (line) => console.log(line) });
console.log(
  `${result.failure ? "FAILED" : "clean"}: ${result.steps} steps, ${result.sequences} sequences, ` +
    `${result.seconds.toFixed(1)} s, seed ${result.seed}`,
);
if (result.failure) {
  console.log(result.failure);
  process.exit(1);
}
