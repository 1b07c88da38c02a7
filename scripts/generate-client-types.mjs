#!/usr/bin/env node
// Regenerates packages/client/src/schema.d.ts from the OpenAPI document the server serves
// (built from app/api/openapi by tsx): `npm run generate -w @credit-billing/client`.
// packages/client/src/schema.test.ts fails when the committed file has drifted from it.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const r = spawnSync("npx", ["tsx", path.join(root, "scripts/generate-client-types.ts")], {
  cwd: root,
  stdio: "inherit",
});
process.exit(r.status ?? 1);
