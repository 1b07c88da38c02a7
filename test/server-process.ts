// Helpers for tests that run the production bundle (or scripts/start.sh) as a child process.
import { spawnSync } from "node:child_process";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** Builds the app if build/ is missing (a clean checkout); flock keeps parallel test files from building twice. */
export function ensureBuild(): void {
  const lock = path.join(os.tmpdir(), "credit-billing-build.lock");
  const r = spawnSync(
    "flock",
    [lock, "sh", "-c", "test -f build/node/server.js && test -f build/server/index.js || npm run build"],
    { cwd: repoRoot, encoding: "utf8" },
  );
  if (r.status !== 0) throw new Error(`npm run build failed (${r.status ?? r.error}):\n${r.stdout}\n${r.stderr}`);
}

/** A TCP port that was free a moment ago (the OS picked it), for a child server to listen on. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}
