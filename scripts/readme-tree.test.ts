import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../test/server-process";

/** Every file under `dir` (relative, "/"-separated), README.md left out. */
function filesUnder(dir: string, prefix = ""): string[] {
  return fs.readdirSync(path.join(dir, prefix), { withFileTypes: true }).flatMap((e) => {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) return filesUnder(dir, rel);
    return rel === "README.md" ? [] : [rel];
  });
}

/** The `code` spans of a README that name a file of its own folder (a relative path with an extension). */
function namedFiles(readme: string): string[] {
  return [...readme.matchAll(/`([\w./-]+\.(?:ts|tsx))`/g)]
    .map((m) => m[1])
    .filter((name) => !name.startsWith("app/") && !name.startsWith("packages/") && !name.startsWith("docs/"));
}

describe.each(["app/billing", "app/pages"])("%s/README.md", (folder) => {
  const dir = path.join(repoRoot, folder);
  const readme = fs.readFileSync(path.join(dir, "README.md"), "utf8");

  it("names every file in the folder", () => {
    const missing = filesUnder(dir).filter((f) => !namedFiles(readme).includes(f));
    expect(missing).toEqual([]);
  });

  it("names no file the folder does not have", () => {
    const files = new Set(filesUnder(dir));
    expect(namedFiles(readme).filter((f) => !files.has(f))).toEqual([]);
  });
});
