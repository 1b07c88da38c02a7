// The WAL under sustained writes while Litestream replicates to S3 (s3rver), over minutes rather
// than the drill test's 20 s: `npx tsx scripts/restore-drill-wal.ts [seconds=180]`. Prints the
// WAL's frames and file size per 10 s window, then a SIGTERM's exit code. The result is recorded
// in docs/decisions/001-sqlite-litestream.md.
import fs from "node:fs";
import { walFrameCount } from "../app/backup/litestream-exit.server";
import {
  deployment,
  killLeftovers,
  makeCustomers,
  seedDatabase,
  startApp,
  startLoad,
  startLocalS3,
} from "./restore-drill-harness";

const seconds = Number(process.argv[2] ?? 180);
const s3 = await startLocalS3();
const d = await deployment(s3, "wal");
try {
  const key = seedDatabase(d.databasePath);
  const app = await startApp(d);
  const load = startLoad(d.port, key, await makeCustomers(d.port, key, 4));
  const startedMs = Date.now();
  let window = { frames: 0, bytes: 0, acks: 0 };
  let overall = { frames: 0, bytes: 0 };
  let nextReportMs = startedMs + 10_000;
  while (Date.now() - startedMs < seconds * 1000) {
    const frames = walFrameCount(d.databasePath) || 0;
    const bytes = fs.statSync(`${d.databasePath}-wal`).size;
    window = { ...window, frames: Math.max(window.frames, frames), bytes: Math.max(window.bytes, bytes) };
    overall = { frames: Math.max(overall.frames, frames), bytes: Math.max(overall.bytes, bytes) };
    if (Date.now() >= nextReportMs) {
      const acks = load.acks.length;
      console.log(
        `t=${Math.round((Date.now() - startedMs) / 1000)}s  ${Math.round((acks - window.acks) / 10)} deductions/s  ` +
          `WAL peak ${window.frames} frames, file ${(window.bytes / 1048576).toFixed(1)} MiB`,
      );
      window = { frames: 0, bytes: 0, acks };
      nextReportMs += 10_000;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  const exit = await app.stop();
  await load.stop();
  console.log(
    `${seconds} s, ${load.acks.length} deductions (${Math.round(load.acks.length / seconds)}/s); WAL peak ${overall.frames} frames, ` +
      `file peak ${(overall.bytes / 1048576).toFixed(1)} MiB; SIGTERM under load → exit ${JSON.stringify(exit)}`,
  );
} finally {
  killLeftovers();
  await s3.close();
  d.cleanup();
}
