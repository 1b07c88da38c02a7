// Turns the benchmark's measurements into docs/benchmarks.md (and returns the markdown).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describePinning } from "./wrk.mjs";

export const TARGETS = {
  inProcessRatio: 0.7,
  httpRatio: 0.7,
  litestreamRatio: 0.5,
  httpP99VsBare: 1.5,
  litestreamP99VsPlain: 2,
  lowConnectionP99Ms: 10,
  saturationWalMiB: 64,
  saturationThroughput: 0.8,
  saturationP99VsPlain: 2,
  batchRatio: 2,
  holdsRatio: 0.4,
  webhookRatio: 0.9,
  usageRatio: 0.9,
  usageBatchRatio: 2,
  balanceSlowdown: 2,
  soakP99Growth: 1.5,
  soakThroughput: 0.8,
  soakRssGrowth: 1.25,
  soakWalGrowth: 1.25,
  pageP50Ms: 50,
  reportsP50Ms: 200,
  ledgerRatio: 0.9,
  sweepSeconds: 5,
  rssMb: 256,
};

const int = (n) => Math.round(n).toLocaleString("en-US");
const pct = (r) => `${(r * 100).toFixed(0)} %`;
const ms = (v) => (v == null ? "n/a" : `${v < 10 ? v.toFixed(2) : v.toFixed(1)} ms`);
const mb = (bytes) => (bytes == null ? "n/a" : `${(bytes / 1024 / 1024).toFixed(bytes < 10 * 2 ** 20 ? 1 : 0)} MB`);
const times = (x) => `${x.toFixed(2)}×`;
const met = (ok) => (ok ? "✅ met" : "❌ not met");
const us = (v) => (v == null ? "n/a" : `${int(v)} µs`);

/** The deduction latencies at fewer connections (not a row: it separates queueing from slow requests). */
function byConnections(rows) {
  if (!rows?.length) return "";
  const cell = (c) => (c ? `${int(c.rps)}/s, p50 ${ms(c.p50)}, p99 ${ms(c.p99)}` : "n/a");
  return `
The same deductions at fewer connections (alternating rounds as above):

| Connections | production server | under Litestream | bare node:http |
|---:|---|---|---|
${rows.map((r) => `| ${r.connections} | ${cell(r.production)} | ${cell(r.litestream)} | ${cell(r.bare)} |`).join("\n")}
`;
}

/** Rows 2f, 2g: p99 at 1 and 4 connections, plain and under Litestream, both under 10 ms. */
function lowConnectionRows(byConnections) {
  return (byConnections ?? [])
    .filter((c) => c.connections === 1 || c.connections === 4)
    .map((c, i) => {
      const worst = Math.max(c.production.p99, c.litestream?.p99 ?? Infinity);
      return [
        i === 0 ? "2f" : "2g",
        `API deduction p99 at ${c.connections} connection${c.connections > 1 ? "s" : ""}: plain / under Litestream`,
        `${ms(c.production.p99)} / ${ms(c.litestream?.p99)}`,
        ms(c.bare.p99),
        "—",
        `both < ${TARGETS.lowConnectionP99Ms} ms`,
        met(worst < TARGETS.lowConnectionP99Ms),
      ];
    });
}

/** Rows 11a–e: production as deployed (under Litestream) at saturation, vs the plain and bare servers. */
function saturationRows(sat) {
  if (!sat) return [];
  const { litestream: ls, plain, bare } = sat;
  const mib = (b) => `${(b / 2 ** 20).toFixed(1)} MiB`;
  return [
    [
      "11a",
      `Under Litestream at saturation (${int(sat.litestreamSeconds)} s, ${sat.connections} connections, no pacing): -wal file, peak of ${int(sat.wal.samples)} samples every 250 ms`,
      mib(sat.wal.filePeak),
      `plain ${mib(sat.plainWalPeak)}`,
      "—",
      `≤ ${TARGETS.saturationWalMiB} MiB`,
      met(sat.wal.filePeak <= TARGETS.saturationWalMiB * 2 ** 20),
    ],
    [
      "11b",
      "Deductions/s at saturation: under Litestream vs the plain server, alternating rounds",
      `${int(ls.rps)}/s`,
      `${int(plain.rps)}/s`,
      pct(sat.throughputRatio),
      `≥ ${pct(TARGETS.saturationThroughput)}`,
      met(sat.throughputRatio >= TARGETS.saturationThroughput),
    ],
    [
      "11c",
      "p99 at saturation: under Litestream vs the plain server",
      ms(ls.p99),
      ms(plain.p99),
      times(sat.p99Ratio),
      `≤ ${TARGETS.saturationP99VsPlain}×`,
      met(sat.p99Ratio <= TARGETS.saturationP99VsPlain),
    ],
    [
      "11d",
      "Plain server at saturation vs bare: deductions/s (p99 ratio beside)",
      `${int(plain.rps)}/s`,
      `${int(bare.rps)}/s`,
      `${pct(sat.plainVsBare)} (p99 ${times(sat.plainP99VsBare)})`,
      `≥ ${pct(TARGETS.httpRatio)}, p99 ≤ ${TARGETS.httpP99VsBare}×`,
      met(sat.plainVsBare >= TARGETS.httpRatio && sat.plainP99VsBare <= TARGETS.httpP99VsBare),
    ],
    [
      "11e",
      "Non-2xx answers at saturation under Litestream (503 storage_busy from the WAL valve is the only one allowed)",
      int(ls.non2xx),
      "—",
      "—",
      "0 but storage_busy",
      met(ls.non2xx === 0 && ls.errors === 0),
    ],
  ];
}

/** The saturation section (row 11). */
function saturationSection(sat) {
  if (!sat) return "";
  const line = (name, h) =>
    `| ${name} | ${int(h.rps)}/s | ${h.rounds.map((x) => int(x.rps)).join(" / ")} | ${ms(h.p50)} | ${ms(h.p99)} | ${ms(h.max)} | ${us(h.cpuUsPerRequest)}${h.litestreamCpuUsPerRequest != null ? ` + ${us(h.litestreamCpuUsPerRequest)} Litestream` : ""} | ${h.non2xx} | ${h.errors} |`;
  return `
**11. Saturation, as deployed.** wrk with ${sat.connections} connections and no pacing, ${sat.rounds} rounds of ${sat.roundSeconds} s each
against the server under Litestream (scripts/start.sh, file replica, litestream.yml as committed), the plain server and the
bare server, alternating; the -wal FILE of the Litestream server's database (what fills a volume) sampled every 250 ms
for the whole phase: peak ${(sat.wal.filePeak / 2 ** 20).toFixed(1)} MiB, ${int(sat.wal.restarts)} WAL restarts seen, WAL in use at most ${(sat.wal.inUsePeakBytes / 2 ** 20).toFixed(1)} MiB
(plain server's -wal file peak ${(sat.plainWalPeak / 2 ** 20).toFixed(1)} MiB; ${mb(sat.replicaBytes)} of replica written).

| Server | Requests/s (2xx) | per round | p50 | p99 | max | server CPU per request | non-2xx | errors |
|---|---:|---|---:|---:|---:|---:|---:|---:|
${line("under Litestream", sat.litestream)}
${line("plain server", sat.plain)}
${line("bare node:http", sat.bare)}
`;
}

export function writeReport(r) {
  const { inProcess, servers, soak, ledger, sweep, settings: s } = r;
  const d = servers.deductions;
  const [prod, lite, bare] = [d.production, d.litestream, d.bare];
  const bal = servers.balance;
  const v11 = servers.v11 ?? { batch: null, holds: null, webhook: null };
  const usage = servers.usage ?? { single: null, batch: null };
  const pages = servers.pages;
  const w = soak.windows;
  const first = w[0];
  const last = w.at(-1);
  const warm = w[Math.min(1, w.length - 1)];
  const soakP99 = last.p99 / first.p99;
  const soakRps = last.rps / first.rps;
  const rssGrowth = last.rss && warm.rss ? last.rss / warm.rss : null;
  const walPeak = Math.max(...w.map((x) => x.walPeak));
  // Bounded = not growing once warm: the last window's peak within 1.25× (+4 MB) of the warm-up window's.
  const walLimit = warm.walPeak * TARGETS.soakWalGrowth + 4 * 2 ** 20;
  const walOk = last.walPeak <= walLimit;
  const page = (p, target) =>
    p == null
      ? ["not built", "—", "—", `p50 < ${target} ms`, "not built"]
      : [`p50 ${ms(p.p50)}`, `p90 ${ms(p.p90)}`, "—", `p50 < ${target} ms`, met(p.p50 < target)];
  const rows = [
    [
      "1",
      "In-process deductions/s: `deductCredits` vs raw better-sqlite3 statements",
      `${int(inProcess.engine)}/s`,
      `${int(inProcess.raw)}/s`,
      pct(inProcess.ratio),
      `≥ ${pct(TARGETS.inProcessRatio)}`,
      met(inProcess.ratio >= TARGETS.inProcessRatio),
    ],
    [
      "2a",
      `API deductions/s: production server vs bare \`node:http\` + raw SQL (${s.CONNECTIONS} connections, wrk)`,
      `${int(prod.rps)}/s`,
      `${int(bare.rps)}/s`,
      pct(d.ratio),
      `≥ ${pct(TARGETS.httpRatio)}`,
      met(d.ratio >= TARGETS.httpRatio),
    ],
    [
      "2b",
      "API deduction p99 latency under that load vs the bare server's in the same rounds",
      ms(prod.p99),
      ms(bare.p99),
      times(d.p99VsBare),
      `≤ ${TARGETS.httpP99VsBare}×`,
      met(d.p99VsBare <= TARGETS.httpP99VsBare),
    ],
    [
      "2c",
      "API deductions/s under `litestream replicate` (file replica, scripts/start.sh) vs bare",
      `${int(lite.rps)}/s`,
      `${int(bare.rps)}/s`,
      pct(d.litestreamRatio),
      `≥ ${pct(TARGETS.litestreamRatio)}`,
      met(d.litestreamRatio >= TARGETS.litestreamRatio),
    ],
    [
      "2d",
      "API deduction p99 under Litestream vs the plain server's in the same rounds",
      ms(lite.p99),
      ms(prod.p99),
      times(d.litestreamP99VsPlain),
      `≤ ${TARGETS.litestreamP99VsPlain}×`,
      met(d.litestreamP99VsPlain <= TARGETS.litestreamP99VsPlain),
    ],
    [
      "2e",
      "API deductions/s with one webhook endpoint subscribed to `credits.deducted` vs none",
      v11.webhook ? `${int(v11.webhook.rps)}/s` : "endpoint not built",
      v11.webhook ? `${int(v11.webhook.plain.rps)}/s` : "—",
      v11.webhook ? pct(v11.webhook.ratio) : "—",
      `≥ ${pct(TARGETS.webhookRatio)}`,
      v11.webhook ? met(v11.webhook.ratio >= TARGETS.webhookRatio) : "endpoint not built",
    ],
    ...lowConnectionRows(servers.byConnections),
    [
      "3",
      `Batch deductions/s (${s.BATCH_ITEMS} a request) vs the bare server's single deductions/s`,
      v11.batch ? `${int(v11.batch.deductionsPerSecond)}/s` : "endpoint not built",
      `${int(v11.batch ? v11.batch.bare : bare.rps)}/s`,
      v11.batch ? times(v11.batch.ratio) : "—",
      `≥ ${TARGETS.batchRatio}×`,
      v11.batch ? met(v11.batch.ratio >= TARGETS.batchRatio) : "endpoint not built",
    ],
    [
      "4",
      "Holds + captures/s (hold 1 credit, capture it) vs the bare server's deductions/s",
      v11.holds ? `${int(v11.holds.capturesPerSecond)}/s` : "endpoint not built",
      `${int(v11.holds ? v11.holds.bare : bare.rps)}/s`,
      v11.holds ? pct(v11.holds.ratio) : "—",
      `≥ ${pct(TARGETS.holdsRatio)}`,
      v11.holds ? met(v11.holds.ratio >= TARGETS.holdsRatio) : "endpoint not built",
    ],
    [
      "12a",
      "Usage events/s through `POST /api/v1/users/:id/usage` vs plain deductions/s, same server",
      usage.single ? `${int(usage.single.rps)}/s` : "endpoint not built",
      usage.single ? `${int(usage.single.plain.rps)}/s` : "—",
      usage.single ? pct(usage.single.ratio) : "—",
      `≥ ${pct(TARGETS.usageRatio)}`,
      usage.single ? met(usage.single.ratio >= TARGETS.usageRatio) : "endpoint not built",
    ],
    [
      "12b",
      `Usage events/s through \`POST /api/v1/usage/batch\` (${s.BATCH_ITEMS} a request) vs the bare server's single deductions/s`,
      usage.batch ? `${int(usage.batch.eventsPerSecond)}/s` : "endpoint not built",
      usage.batch ? `${int(usage.batch.bare)}/s` : "—",
      usage.batch ? times(usage.batch.ratio) : "—",
      `≥ ${TARGETS.usageBatchRatio}×`,
      usage.batch ? met(usage.batch.ratio >= TARGETS.usageBatchRatio) : "endpoint not built",
    ],
    [
      "5",
      `\`GET /balance\`/s: a user with ${int(s.MANY_GRANTS)} active grants vs one grant (slowdown)`,
      `${int(bal.many.rps)}/s`,
      `${int(bal.one.rps)}/s`,
      times(bal.slowdown),
      `≤ ${TARGETS.balanceSlowdown}×`,
      met(bal.slowdown <= TARGETS.balanceSlowdown),
    ],
    [
      "6a",
      `Mixed soak under Litestream (${int(s.SOAK_SECONDS)} s): p99 in the last ${soak.windowSeconds} s vs the first`,
      ms(last.p99),
      ms(first.p99),
      times(soakP99),
      `≤ ${TARGETS.soakP99Growth}×`,
      met(soakP99 <= TARGETS.soakP99Growth),
    ],
    [
      "6b",
      "Mixed soak: requests/s in the last window vs the first",
      `${int(last.rps)}/s`,
      `${int(first.rps)}/s`,
      pct(soakRps),
      `≥ ${pct(TARGETS.soakThroughput)}`,
      met(soakRps >= TARGETS.soakThroughput),
    ],
    [
      "6c",
      "Mixed soak: server RSS at the end vs after the warm-up window",
      mb(last.rss),
      mb(warm.rss),
      rssGrowth == null ? "n/a" : times(rssGrowth),
      `≤ ${TARGETS.soakRssGrowth}×`,
      rssGrowth == null ? "n/a (no /proc)" : met(rssGrowth <= TARGETS.soakRssGrowth),
    ],
    [
      "6d",
      "Mixed soak: WAL in use (valid frames), peak in the last window vs the warm-up window (peak overall)",
      mb(last.walPeak),
      `${mb(warm.walPeak)} (overall ${mb(walPeak)})`,
      times(last.walPeak / Math.max(1, warm.walPeak)),
      `≤ ${TARGETS.soakWalGrowth}× + 4 MB (not growing)`,
      met(walOk),
    ],
    [
      "7a",
      `Customer credits page \`/credits\`, TTFB, ${int(s.PAGE_LEDGER)} ledger entries`,
      ...page(pages.credits, TARGETS.pageP50Ms),
    ],
    [
      "7b",
      `Admin customer page \`/admin/customers/:userId\`, TTFB, ${int(s.PAGE_LEDGER)} ledger entries`,
      ...page(pages.adminCustomer, TARGETS.pageP50Ms),
    ],
    [
      "7c",
      `Admin reports page \`/admin/reports\`, TTFB, ${int(s.REPORTS_LEDGER)} ledger rows`,
      ...page(pages.reports, TARGETS.reportsP50Ms),
    ],
    [
      "8",
      `In-process deductions/s with ${int(s.BIG_LEDGER)} ledger rows vs ${int(s.SMALL_LEDGER)}`,
      `${int(ledger.big)}/s`,
      `${int(ledger.small)}/s`,
      pct(ledger.ratio),
      `≥ ${pct(TARGETS.ledgerRatio)}`,
      met(ledger.ratio >= TARGETS.ledgerRatio),
    ],
    [
      "9",
      `Expiry sweep of ${int(s.SWEEP_GRANTS)} expired grants`,
      `${sweep.seconds.toFixed(2)} s`,
      "—",
      "—",
      `< ${TARGETS.sweepSeconds} s`,
      met(sweep.seconds < TARGETS.sweepSeconds),
    ],
    ...saturationRows(r.saturation),
    [
      "10",
      "Production server RSS after the deduction rounds of 2a",
      mb(d.rss.after),
      `idle ${mb(d.rss.idle)}`,
      "—",
      `< ${TARGETS.rssMb} MB`,
      d.rss.after == null ? "n/a" : met(d.rss.after / 2 ** 20 < TARGETS.rssMb),
    ],
  ];
  const table = [
    "| # | Measure | Result | Baseline | Ratio | Target | Status |",
    "|---|---|---:|---:|---:|---|---|",
    ...rows.map((row) => `| ${row.join(" | ")} |`),
  ].join("\n");
  const missed = rows.filter((row) => row[6].includes("not met")).map((row) => row[0]);

  const httpLine = (name, h) =>
    `| ${name} | ${int(h.rps)}/s | ${h.rounds.map((x) => int(x.rps)).join(" / ")} | ${ms(h.p50)} | ${ms(h.p99)} | ${ms(h.max)} | ${us(h.cpuUsPerRequest)}${h.litestreamCpuUsPerRequest != null ? ` + ${us(h.litestreamCpuUsPerRequest)} Litestream` : ""} | ${h.non2xx} | ${h.errors} |`;
  const cpus = os.cpus();
  const load = (l) => l.map((x) => x.toFixed(2)).join(", ");
  const prof = servers.profile;
  const profileText = prof
    ? `Busy ${pct(prof.busyShare)} of ${int(prof.samples)} samples (${int(prof.startupSamples)} samples of server start-up left out). Self time (share of busy samples):

| Function | Self |
|---|---:|
${prof.self.map((f) => `| \`${f.name}\` | ${pct(f.share)} |`).join("\n")}

Inclusive time (the function and everything it called):

| Function | Inclusive |
|---|---:|
${prof.inclusive.map((f) => `| \`${f.name}\` | ${pct(f.share)} |`).join("\n")}`
    : "(not taken in this run: --no-profile)";

  const md = `# Benchmarks

Produced by \`npm run bench\` (scripts/bench.mjs)${r.quick ? " in QUICK mode (--quick: short phases, numbers only a smoke test)" : ""}.
Run: ${r.startedAt.toISOString()}, took ${int(r.seconds)} s. Command: \`${r.command}\`.

${table}

${missed.length ? `Not met in this run: ${missed.join(", ")} — see the note at the end.` : "Every target that can be measured was met in this run."}

## Machine

- CPU: ${cpus[0]?.model ?? "unknown"} × ${cpus.length} (available parallelism ${os.availableParallelism?.() ?? cpus.length}); shared with other people's work
- Load average (1, 5, 15 min) before the run: ${load(r.loadBefore)}; at the end: ${load(os.loadavg())}
- Memory: ${(os.totalmem() / 1024 ** 3).toFixed(1)} GB; OS: ${os.type()} ${os.release()} (${os.arch()})
- Node ${process.version}, SQLite ${r.sqliteVersion} (better-sqlite3), WAL, synchronous=NORMAL; ${r.wrkVersion}; Litestream ${r.litestreamVersion}
- Pinning: ${describePinning(r.pinning)}

## Details

**2. Deductions over HTTP.** wrk sends \`POST /api/v1/users/:id/deductions\` \`{"amount":1}\` (a usage API key;
no Idempotency-Key, like the bare server) over ${s.CONNECTIONS} keep-alive connections. Three servers run side by side,
each on its own database prepared the same way (one user, three large grants): the production server
(\`node build/node/server.js\`, NODE_ENV=production, LOG_LEVEL=warn), the same server started by
\`scripts/start.sh\` with \`LITESTREAM_REPLICA_URL=file://…\`, i.e. under \`litestream replicate -exec\`
replicating to a local directory (${mb(d.replicaBytes)} of replica written), and a bare \`node:http\` server doing the
raw-SQL deduction with no authentication, validation, idempotency or allocation rows
(scripts/bench/raw-server.mjs). After a ${s.ROUND_SECONDS < 5 ? 1 : 2} s warm-up of each, ${s.ROUNDS} rounds of ${s.ROUND_SECONDS} s alternate between them; requests/s
and latencies are the median round, ratios the median of the per-round ratios.

| Server | Requests/s (2xx) | per round | p50 | p99 | max | server CPU per request | non-2xx | errors |
|---|---:|---|---:|---:|---:|---:|---:|---:|
${httpLine("production server", prod)}
${httpLine("under Litestream", lite)}
${httpLine("bare node:http", bare)}

Server CPU per request is the server process's user + system time (/proc/<pid>/stat) over the
measured rounds divided by the requests wrk completed; it depends much less than requests/s on what
else the machine does. With ${s.CONNECTIONS} connections kept busy, latency ≈ connections ÷ throughput,
so a p99 under 10 ms needs well over ${int(s.CONNECTIONS * 100)} requests/s and an even service time.
${byConnections(servers.byConnections)}${saturationSection(r.saturation)}
**5. Balance.** \`GET /api/v1/users/:id/balance\` for a user with one grant and one with
${int(s.MANY_GRANTS)} active grants (mixed types and expiries), ${s.CONNECTIONS} connections, alternating rounds as above:
p50 ${ms(bal.one.p50)} vs ${ms(bal.many.p50)}, p99 ${ms(bal.one.p99)} vs ${ms(bal.many.p99)}; answers of ${int(bal.bytes.one)} and ${int(bal.bytes.many)} bytes.

**6. Soak.** Under Litestream (scripts/start.sh, file replica), wrk with ${s.CONNECTIONS} connections runs
scripts/bench/lua/mixed.lua for ${soak.windows.length} back-to-back windows of ${soak.windowSeconds} s: 78 % deductions with a unique
Idempotency-Key (a quarter of them for one hot user), 10 % balance reads, 10 % ledger pages, 2 % grants of
5 subscription credits expiring in 30 days to the hot user — they burn first and are used up about as fast as
they arrive (${int(soak.hotGrants)} of the hot user's grants active at the end; ${int(soak.ledgerRows)} ledger rows in all).
RSS is sampled at the end of each window; the WAL in use every 250 ms: the valid frames SQLite's WAL index
(the -shm file's header) counts, read without a connection. The -wal file's size is shown too; it is a
high-water mark (a restarted WAL is overwritten from its start, and the file never shrinks).

| Window | Requests/s | p50 | p99 | max | server CPU per request | RSS | WAL in use, peak | WAL in use at end | WAL file at end |
|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|
${w.map((x, i) => `| ${i + 1} | ${int(x.rps)}/s | ${ms(x.p50)} | ${ms(x.p99)} | ${ms(x.max)} | ${us(x.cpuSeconds == null ? null : (x.cpuSeconds / x.requests) * 1e6)} | ${mb(x.rss)} | ${mb(x.walPeak)} | ${mb(x.walEnd)} | ${mb(x.walFile)} |`).join("\n")}

**7. Pages.** Time to first byte (response headers) of ${s.TTFB_SAMPLES} sequential GETs after 3 warm-ups, logged in by
session cookie, on the production server whose database holds the user's ${int(s.PAGE_LEDGER)} ledger entries
(real deductions through the engine, with allocation rows). "not built" means the route answered 404.

**1, 8, 9. In-process.** As before: the engine vs four raw prepared statements in one IMMEDIATE transaction
(${s.IN_PROCESS_ROUNDS} rounds of ${s.IN_PROCESS_ROUND_MS} ms alternating; engine ${inProcess.rounds.engine.map(int).join(" / ")}, raw ${inProcess.rounds.raw.map(int).join(" / ")});
the ledger-size pair (prefill of ${int(s.BIG_LEDGER)} raw rows took ${ledger.prefillSeconds.toFixed(1)} s; big ${ledger.rounds.big.map(int).join(" / ")},
small ${ledger.rounds.small.map(int).join(" / ")}); the expiry sweep in ${sweep.batches} transactions.

## CPU profile of the production server under the deduction load

\`node --cpu-prof\`, ${s.CONNECTIONS} connections for ${s.ROUND_SECONDS * 2} s, same request as row 2 (the profile is kept in
.tmp/bench/deductions.cpuprofile; open it in Chrome DevTools).

${profileText}

## Note

NOTE_PLACEHOLDER
`;
  fs.mkdirSync(path.join(r.root, "docs"), { recursive: true });
  const file = path.join(r.root, "docs/benchmarks.md");
  // The note is written by hand after a run (what is not met and why); keep it across runs.
  const previous = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
  const note = previous.split("\n## Note\n")[1]?.trim() || "(no note yet)";
  const out = md.replace("NOTE_PLACEHOLDER", () => note);
  fs.writeFileSync(file, out);
  return out;
}
