#!/usr/bin/env node
// `npm run credits -- <command>`: runs the compiled CLI (build/node/cli.js). In a checkout with dev
// dependencies it first rebuilds that bundle from source (esbuild, ~0.2 s), so the CLI is never
// stale; in production (no esbuild) it runs the bundle the image was built with. No tsx at runtime.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const bundle = path.join(root, "build/node/cli.js");

let esbuild = null;
try {
  esbuild = await import("esbuild");
} catch {
  esbuild = null;
}
if (esbuild && fs.existsSync(path.join(root, "app/cli/main.ts"))) {
  const tmp = path.join(root, `build/node/.cli-${process.pid}.js`);
  await esbuild.build({
    entryPoints: [path.join(root, "app/cli/main.ts")],
    outfile: tmp,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    logLevel: "error",
  });
  fs.renameSync(tmp, bundle);
}
if (!fs.existsSync(bundle)) {
  process.stderr.write("credits: build/node/cli.js is missing; run `npm run build` first\n");
  process.exit(1);
}
const r = spawnSync(process.execPath, [bundle, ...process.argv.slice(2)], { stdio: "inherit" });
process.exit(r.status ?? 1);
