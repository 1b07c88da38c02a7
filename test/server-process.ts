// Helpers for tests that run the production bundle (or scripts/start.sh) as a child process.
import { spawnSync } from "node:child_process";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** What the production bundle is built from: a file here newer than the bundle makes it stale. */
const buildInputs = [
  "app",
  "db",
  "migrations",
  "packages",
  "public",
  "scripts/build-node.mjs",
  "vite.config.ts",
  "tailwind.config.ts",
  "package-lock.json",
];

/**
 * Builds the app when build/ is missing (a clean checkout) or older than any of its sources, so a
 * test never runs against yesterday's server; flock keeps parallel test files from building twice,
 * and the check runs under the lock, so the second one finds the first one's build.
 */
export function ensureBuild(): void {
  ensureBuildIn(repoRoot);
}

/** ensureBuild for the app checked out at `root` (the test of the staleness rule uses a stand-in). */
export function ensureBuildIn(root: string): void {
  const lock = path.join(os.tmpdir(), "credit-billing-build.lock");
  const bundle = "build/node/server.js";
  const stale =
    `test -f ${bundle} && test -f build/server/index.js && ` +
    `test -z "$(find ${buildInputs.join(" ")} -newer ${bundle} -type f -not -path '*/node_modules/*' -not -name '*.test.ts' -not -name '*.test.tsx' -print -quit)"`;
  const r = spawnSync("flock", [lock, "sh", "-c", `${stale} || npm run build`], { cwd: root, encoding: "utf8" });
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
