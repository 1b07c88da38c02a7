-- Shared by the benchmark's wrk scripts: prints one machine-readable line at the end of a run.
-- A script that counts its own operations (e.g. holds captured) sets `ops` in each thread and
-- lists its threads in the global `bench_threads`; their sum is reported as "ops" (else -1).
bench_threads = {}
function done(summary, latency, requests)
  local e = summary.errors
  local ops = -1
  for _, t in ipairs(bench_threads) do
    local n = t:get("ops")
    if n then ops = math.max(ops, 0) + n end
  end
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,' ..
    '"p50_us":%d,"p90_us":%d,"p99_us":%d,"p999_us":%d,"max_us":%d,"mean_us":%.1f,"ops":%d}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9),
    latency.max, latency.mean, ops))
end
