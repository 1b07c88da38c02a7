/** Times `fn`: the first call, then p50 and p90 of 40 calls after 2 warm-ups, printed after `label`. */
export function time(label: string, fn: () => unknown) {
  const t0 = performance.now();
  fn();
  const first = performance.now() - t0;
  for (let i = 0; i < 2; i++) fn();
  const times: number[] = [];
  for (let i = 0; i < 40; i++) {
    const t = performance.now();
    fn();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  console.log(`${label}: first ${first.toFixed(1)} ms, p50 ${times[20].toFixed(2)} ms, p90 ${times[36].toFixed(2)} ms`);
}
