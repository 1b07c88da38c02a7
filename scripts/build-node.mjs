// Bundles the Node entry points (production server, operations CLI) into build/node/,
// so production runs compiled JavaScript and needs no tsx.
import { build } from "esbuild";

await build({
  entryPoints: { server: "app/server/main.ts", cli: "app/cli/main.ts" },
  outdir: "build/node",
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  packages: "external",
  sourcemap: true,
  logLevel: "warning",
});
