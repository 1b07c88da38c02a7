import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ensureBuildIn } from "./server-process";

/** A stand-in checkout whose `npm run build` writes the two bundle files and counts its runs. */
function standIn(): {
  root: string;
  builds: () => number;
  touch: (file: string, ageSeconds: number) => void;
  ageBundle: () => void;
} {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "ensure-build-"));
  const build =
    "mkdir -p build/node build/server && echo > build/node/server.js && echo > build/server/index.js && echo built >> builds.log";
  fs.writeFileSync(path.join(root, "package.json"), JSON.stringify({ name: "stand-in", scripts: { build } }));
  fs.mkdirSync(path.join(root, "app"));
  const touch = (file: string, ageSeconds: number) => {
    const at = new Date(Date.now() - ageSeconds * 1000);
    fs.writeFileSync(path.join(root, file), "x");
    fs.utimesSync(path.join(root, file), at, at);
  };
  touch("app/route.ts", 3 * 3600);
  // The bundle as built an hour ago: a source written since is newer.
  const ageBundle = () => {
    const at = new Date(Date.now() - 3600 * 1000);
    for (const f of ["build/node/server.js", "build/server/index.js"]) fs.utimesSync(path.join(root, f), at, at);
  };
  const builds = () =>
    fs.existsSync(path.join(root, "builds.log"))
      ? fs.readFileSync(path.join(root, "builds.log"), "utf8").split("\n").length - 1
      : 0;
  return { root, builds, touch, ageBundle };
}

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) fs.rmSync(root, { recursive: true, force: true });
});

describe("ensureBuild", () => {
  it("builds a missing bundle once, then only when a source is newer than it (a test file is not a source)", () => {
    const app = standIn();
    roots.push(app.root);
    ensureBuildIn(app.root);
    expect(app.builds()).toBe(1);
    app.ageBundle();
    ensureBuildIn(app.root);
    expect(app.builds()).toBe(1);

    app.touch("app/route.test.ts", 0); // written after the bundle, in the same folder as a source
    ensureBuildIn(app.root);
    expect(app.builds()).toBe(1);

    app.touch("app/route.ts", 0);
    ensureBuildIn(app.root);
    expect(app.builds()).toBe(2);
    ensureBuildIn(app.root);
    expect(app.builds()).toBe(2);
  });
});
