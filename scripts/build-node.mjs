// Bundles the Node entry points (production server, operations CLI) into build/node/,
// so production runs compiled JavaScript and needs no tsx.
import fs from "node:fs";
import path from "node:path";
import { build } from "esbuild";

// The workspace packages (packages/*, e.g. the offline Stripe) ship TypeScript source: bundle
// them, while the npm dependencies stay external.
const workspaceEntries = new Map(
  fs.readdirSync("packages").flatMap((dir) => {
    const file = path.join("packages", dir, "package.json");
    if (!fs.existsSync(file)) return [];
    const pkg = JSON.parse(fs.readFileSync(file, "utf8"));
    return [[pkg.name, path.resolve("packages", dir, pkg.exports["."])]];
  }),
);
const bundleWorkspaces = {
  name: "bundle-workspaces",
  setup(b) {
    b.onResolve({ filter: /^@credit-billing\// }, (args) => {
      const entry = workspaceEntries.get(args.path);
      return entry ? { path: entry } : undefined;
    });
  },
};

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
  plugins: [bundleWorkspaces],
});
