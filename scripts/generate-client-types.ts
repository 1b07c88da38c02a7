// The body of scripts/generate-client-types.mjs (run with tsx: it imports the app's TypeScript).
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { clientTypesSource } from "./client-types";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const file = path.join(root, "packages/client/src/schema.d.ts");
fs.writeFileSync(file, await clientTypesSource());
process.stdout.write(`wrote ${path.relative(root, file)}\n`);
