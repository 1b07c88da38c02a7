// The served OpenAPI document passes the two linters integrators run, with no finding at all:
// Redocly CLI's `recommended` rules (redocly.yaml) and Spectral's `spectral:oas` (.spectral.yaml).
// Both run offline from node_modules.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../../../test/server-process";
import { openApiAnswer } from "./document.server";

let file: string;
beforeAll(() => {
  const dir = fs.mkdtempSync(path.join(process.env.TEST_TMP_DIR ?? os.tmpdir(), "openapi-lint-"));
  file = path.join(dir, "openapi.json");
  fs.writeFileSync(file, openApiAnswer("GET").body);
});

function run(bin: string, args: string[]) {
  const r = spawnSync(path.join(repoRoot, "node_modules/.bin", bin), args, {
    cwd: repoRoot,
    encoding: "utf8",
    env: { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true", NO_COLOR: "1" },
    timeout: 120_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("the OpenAPI document under the integrators' linters", () => {
  it("passes Redocly's recommended rules with no error and no warning", () => {
    const r = run("redocly", ["lint", file, "--config", "redocly.yaml", "--format", "json"]);
    const report = JSON.parse(r.stdout) as { totals: Record<string, number>; problems: { message: string }[] };
    expect(report.problems.map((p) => p.message)).toEqual([]);
    expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
    expect(r.status).toBe(0);
  }, 120_000);

  it("passes Spectral's spectral:oas with no finding of any severity", () => {
    const r = run("spectral", ["lint", file, "--ruleset", ".spectral.yaml", "--format", "json", "--quiet"]);
    const findings = JSON.parse(r.stdout || "[]") as { code: string; message: string; path: string[] }[];
    expect(findings.map((f) => `${f.code}: ${f.message} at ${f.path.join(".")}`)).toEqual([]);
    expect(r.status).toBe(0);
  }, 120_000);
});
