// No Docker engine or flyctl runs here, so the deploy files are checked as text: every path they
// name exists, they agree with each other (port, database path, timeouts) and with the code.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const read = (file: string) => fs.readFileSync(path.join(root, file), "utf8");

// ---- Dockerfile -------------------------------------------------------------------------------------

interface Instruction {
  keyword: string;
  args: string;
  stage: string;
}

/** Instructions with continuation lines joined and comments dropped, each tagged with its stage. */
function dockerfile(): Instruction[] {
  const logical: string[] = [];
  let current = "";
  for (const raw of read("Dockerfile").split("\n")) {
    const line = raw.trimEnd();
    if (!current && (line.trim() === "" || line.trim().startsWith("#"))) continue;
    if (line.endsWith("\\")) {
      current += line.slice(0, -1) + " ";
      continue;
    }
    logical.push(current + line);
    current = "";
  }
  let stage = "";
  return logical.map((l) => {
    const [, keyword, args] = /^\s*(\w+)\s+([\s\S]*)$/.exec(l)!;
    if (keyword.toUpperCase() === "FROM") stage = /\bAS\s+(\S+)/i.exec(args)?.[1] ?? "";
    return { keyword: keyword.toUpperCase(), args: args.trim(), stage };
  });
}

/** COPY's flags and its sources and destination. */
function parseCopy(args: string) {
  const words = args.split(/\s+/);
  const flags = Object.fromEntries(
    words.filter((w) => w.startsWith("--")).map((w) => w.slice(2).split("=") as [string, string]),
  );
  const rest = words.filter((w) => !w.startsWith("--"));
  return { flags, sources: rest.slice(0, -1), dest: rest[rest.length - 1] };
}

/** .dockerignore patterns as regular expressions (enough of the syntax for this file: *, **, ?). */
function dockerignore(): RegExp[] {
  return read(".dockerignore")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#") && !l.startsWith("!"))
    .map((p) => {
      const body = p
        .replace(/^\/+|\/+$/g, "")
        .split("**")
        .map((part) =>
          part
            .replace(/[.+^${}()|[\]\\]/g, "\\$&")
            .replace(/\*/g, "[^/]*")
            .replace(/\?/g, "[^/]"),
        )
        .join(".*");
      return new RegExp(`^${body.replace(/^\.\*\//, "(.*/)?")}(/.*)?$`);
    });
}

const ignored = (file: string) => dockerignore().some((re) => re.test(file));

describe("Dockerfile", () => {
  const instructions = dockerfile();
  const args = Object.fromEntries(
    instructions
      .filter((i) => i.keyword === "ARG" && i.args.includes("="))
      .map((i) => i.args.split("=") as [string, string]),
  );
  const stages = instructions.filter((i) => i.keyword === "FROM");
  const inStage = (stage: string) => instructions.filter((i) => i.stage === stage);

  it("builds and runs on the same Node 20 bookworm-slim base, so better-sqlite3's addon matches", () => {
    expect(args.NODE_IMAGE).toBe("node:20-bookworm-slim");
    expect(stages.map((s) => s.args)).toEqual(["${NODE_IMAGE} AS build", "${NODE_IMAGE} AS runtime"]);
  });

  it("installs the native toolchain, then npm ci, build and prune, in that order, in the build stage", () => {
    const runs = inStage("build")
      .filter((i) => i.keyword === "RUN")
      .map((i) => i.args);
    const at = (re: RegExp) => runs.findIndex((r) => re.test(r));
    expect(runs[at(/apt-get install/)]).toMatch(/\bpython3\b.*\bmake\b.*\bg\+\+/);
    expect(at(/apt-get install/)).toBeLessThan(at(/\bnpm ci\b/));
    expect(at(/\bnpm ci\b/)).toBeLessThan(at(/\bnpm run build\b/));
    expect(at(/\bnpm run build\b/)).toBeLessThan(at(/\bnpm prune --omit=dev\b/));
  });

  it("takes Litestream from the lockfile (one pinned, integrity-checked version), not a separate download", () => {
    const pkg = JSON.parse(read("package.json"));
    expect(pkg.dependencies["@flydotio/litestream"]).toBeDefined(); // a production dependency: the prune keeps it
    const lock = JSON.parse(read("package-lock.json")).packages;
    // linux-x64 is what Fly's shared-cpu machines run. The lockfile, written on an x64 machine, holds
    // no entry for the other platforms (npm/cli#4828); see docs/decisions/001-sqlite-litestream.md.
    for (const name of ["@flydotio/litestream", "@flydotio/litestream-linux-x64"]) {
      expect(lock[`node_modules/${name}`]?.integrity, name).toMatch(/^sha512-/);
    }
    expect(read("Dockerfile")).not.toMatch(/curl|releases\/download|LITESTREAM_VERSION/);
    const runs = inStage("build")
      .filter((i) => i.keyword === "RUN")
      .map((i) => i.args);
    const prune = runs.findIndex((r) => /npm prune --omit=dev/.test(r));
    const check = runs.findIndex(
      (r) => r.includes("node_modules/@flydotio/litestream-linux-") && r.endsWith("litestream version"),
    );
    expect(check, "the build checks the binary survived the prune").toBeGreaterThan(prune);
    // start.sh runs the platform binary, never the package's Node wrapper (it drops signals and exit codes).
    expect(read("scripts/start.sh")).toContain("@flydotio/litestream-$platform/litestream");
  });

  it("copies only files that exist into the build context, and none that .dockerignore leaves out", () => {
    const copies = instructions.filter((i) => i.keyword === "COPY" && !i.args.includes("--from="));
    expect(copies.length).toBeGreaterThan(0);
    for (const c of copies) {
      for (const source of parseCopy(c.args).sources) {
        expect(fs.existsSync(path.join(root, source)), source).toBe(true);
        if (source !== ".") expect(ignored(source), source).toBe(false);
      }
    }
  });

  it("keeps out of the context local installs, builds, databases and secrets, but nothing the build needs", () => {
    for (const file of ["node_modules", "build", ".env", "data/app.db", "app.db", "nested/dir/x.db-wal", ".git"]) {
      expect(ignored(file), file).toBe(true);
    }
    const needed = [
      "package.json",
      "package-lock.json",
      "vite.config.ts",
      "tsconfig.json",
      "tailwind.config.ts",
      "postcss.config.js",
      "litestream.yml",
      "scripts/build-node.mjs",
      "scripts/start.sh",
      "scripts/credits.mjs",
      "app/root.tsx",
      "app/server/main.ts",
      "app/cli/main.ts",
      "db/schema.ts",
      "migrations/meta/_journal.json",
      "public/favicon.ico",
    ];
    for (const file of needed) {
      expect(fs.existsSync(path.join(root, file)), file).toBe(true);
      expect(ignored(file), file).toBe(false);
    }
  });

  it("copies into the runtime image only what the build stage has or produces", () => {
    const produced = new Set(["/app/node_modules", "/app/build"]); // npm ci / npm run build, inside the image
    const copies = inStage("runtime").filter((i) => i.keyword === "COPY");
    for (const c of copies) {
      const { flags, sources } = parseCopy(c.args);
      for (const source of sources) {
        expect(flags.from, c.args).toBe("build");
        expect(source.startsWith("/app/"), source).toBe(true);
        if (produced.has(source)) continue;
        const rel = source.slice("/app/".length);
        expect(fs.existsSync(path.join(root, rel)), source).toBe(true);
        expect(ignored(rel), source).toBe(false);
      }
    }
    // What the server needs at run time: ESM package.json, bundles, migrations, static files.
    const sources = copies.flatMap((c) => parseCopy(c.args).sources);
    for (const needed of [
      "/app/package.json",
      "/app/node_modules",
      "/app/build",
      "/app/migrations",
      "/app/public",
      "/app/litestream.yml",
      "/app/scripts/start.sh",
    ]) {
      expect(sources, needed).toContain(needed);
    }
    expect(JSON.parse(read("package.json")).type).toBe("module");
  });

  it("starts with scripts/start.sh, which exists, is executable and is copied executable to that path", () => {
    const cmd = instructions.filter((i) => i.keyword === "CMD").at(-1)!;
    expect(JSON.parse(cmd.args)).toEqual(["/app/scripts/start.sh"]);
    expect(instructions.find((i) => i.keyword === "WORKDIR" && i.stage === "runtime")?.args).toBe("/app");
    const stat = fs.statSync(path.join(root, "scripts/start.sh"));
    expect(stat.mode & 0o111).toBe(0o111);
    expect(read("scripts/start.sh").split("\n")[0]).toBe("#!/usr/bin/env bash");
    const copy = inStage("runtime").find((i) => i.keyword === "COPY" && i.args.includes("/app/scripts/start.sh"))!;
    expect(parseCopy(copy.args)).toMatchObject({ flags: { from: "build", chmod: "0755" }, dest: "./scripts/start.sh" });
  });

  it("sets the production environment the server and fly.toml expect", () => {
    const env = inStage("runtime")
      .filter((i) => i.keyword === "ENV")
      .flatMap((i) => i.args.split(/\s+/))
      .map((kv) => kv.split("="));
    expect(Object.fromEntries(env)).toMatchObject({
      NODE_ENV: "production",
      HOST: "0.0.0.0",
      PORT: "8080",
      DATABASE_PATH: "/data/app.db",
    });
    expect(inStage("runtime").find((i) => i.keyword === "EXPOSE")?.args).toBe("8080");
  });
});

// ---- fly.toml ---------------------------------------------------------------------------------------

/** The key = value pairs of one TOML table (`[name]` or the first `[[name]]`), values as written. */
function flyTable(name: string): Record<string, string> {
  const out: Record<string, string> = {};
  let inside = name === "";
  for (const raw of read("fly.toml").split("\n")) {
    const line = raw.replace(/\s+#.*$/, "").trim();
    if (!line || line.startsWith("#")) continue;
    const header = /^\[\[?([^\]]+)\]\]?$/.exec(line);
    if (header) {
      if (inside && name !== "") break;
      inside = header[1] === name;
      if (name === "" && !inside) break;
      continue;
    }
    if (inside) {
      const [, key, value] = /^([\w.-]+)\s*=\s*(.+)$/.exec(line)!;
      out[key] = value.replace(/^"(.*)"$/, "$1").replace(/^'(.*)'$/, "$1");
    }
  }
  return out;
}

function seconds(duration: string): number {
  const m = /^(\d+)(s|m)?$/.exec(duration);
  if (!m) throw new Error(`not a duration: ${duration}`);
  return Number(m[1]) * (m[2] === "m" ? 60 : 1);
}

describe("fly.toml", () => {
  it("keeps exactly one machine running, with no autoscaling", () => {
    const service = flyTable("http_service");
    expect(service.min_machines_running).toBe("1");
    expect(service.auto_stop_machines).toBe("off");
    expect(read("fly.toml")).toContain("fly scale count 1");
    expect(read("fly.toml")).toContain("--ha=false");
  });

  it("gives the server longer to stop than its own 25 s force-exit timer", () => {
    const top = flyTable("");
    expect(top.kill_signal).toBe("SIGTERM");
    expect(seconds(top.kill_timeout)).toBeGreaterThanOrEqual(30);
    const main = read("app/server/main.ts");
    const forceExitMs = Number(/\}, (\d[\d_]*)\);\s*force\.unref\(\)/.exec(main)?.[1].replace(/_/g, ""));
    expect(forceExitMs).toBeGreaterThan(0);
    expect(forceExitMs / 1000).toBeLessThan(seconds(top.kill_timeout));
  });

  it("mounts the volume where DATABASE_PATH points and serves the Dockerfile's port over https", () => {
    const env = flyTable("env");
    const mount = flyTable("mounts");
    const service = flyTable("http_service");
    expect(env.DATABASE_PATH).toBe("/data/app.db");
    expect(path.posix.dirname(env.DATABASE_PATH)).toBe(mount.destination);
    expect(mount.source).toMatch(/^\w+$/);
    expect(service.internal_port).toBe(env.PORT);
    expect(read("Dockerfile")).toContain(`PORT=${env.PORT}`);
    expect(service.force_https).toBe("true");
    expect(env.NODE_ENV).toBe("production");
    expect(env.APP_URL).toMatch(/^https:\/\//);
    expect(flyTable("build").dockerfile).toBe("Dockerfile");
  });

  it("checks health over http on /healthz", () => {
    const check = flyTable("http_service.checks");
    expect(check).toMatchObject({ method: "GET", path: "/healthz" });
    expect(seconds(check.timeout)).toBeLessThan(seconds(check.interval));
    expect(read("app/server/main.ts")).toContain('app.get("/healthz"');
  });
});

// ---- litestream.yml ---------------------------------------------------------------------------------

describe("litestream.yml", () => {
  const yml = read("litestream.yml");
  const content = yml
    .split("\n")
    .filter((l) => l.trim() && !l.trim().startsWith("#"))
    .join("\n");

  it("is indented with spaces only, as YAML requires", () => {
    expect(yml).not.toMatch(/\t/);
    for (const line of content.split("\n")) expect(line.match(/^ */)![0].length % 2, line).toBe(0);
  });

  it("uses the v0.3 syntax of the pinned release: dbs with a list of replicas", () => {
    expect(content).toMatch(/^dbs:\n {2}- path: "\$\{DATABASE_PATH\}"\n {4}replicas:\n {6}- type: s3$/m);
    // Database-level settings sit beside `replicas` (four spaces), not inside a replica.
    const dbLevel = Object.fromEntries([...content.matchAll(/^ {4}([\w-]+): (.+)$/gm)].map((m) => [m[1], m[2]]));
    expect(dbLevel).toEqual({
      "checkpoint-interval": "0s",
      "max-checkpoint-page-count": "1000",
      "monitor-interval": "100ms",
    });
    expect(content).not.toMatch(/^\s+replica:/m); // the v0.5 single-replica key
  });

  it("takes the database path and every replica setting from the environment", () => {
    const replica = Object.fromEntries(
      [...content.matchAll(/^ {8}([\w-]+): (.+)$/gm), ...content.matchAll(/^ {6}- ([\w-]+): (.+)$/gm)].map((m) => [
        m[1],
        m[2],
      ]),
    );
    expect(replica).toMatchObject({
      url: '"${LITESTREAM_REPLICA_URL}"',
      bucket: '"${LITESTREAM_S3_BUCKET}"',
      path: '"${LITESTREAM_S3_PATH}"',
      endpoint: '"${LITESTREAM_S3_ENDPOINT}"',
      region: '"${LITESTREAM_S3_REGION}"',
    });
    for (const key of ["sync-interval", "snapshot-interval", "retention"]) {
      expect(replica[key], key).toMatch(/^\d+(ms|s|m|h)$/);
    }
    // Litestream's own env vars hold the credentials: none may be written into the file.
    expect(content).not.toMatch(/access-key-id|secret-access-key/);
  });

  it("references only variables that scripts/start.sh and the docs know about", () => {
    const referenced = new Set([...content.matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]));
    expect([...referenced].sort()).toEqual([
      "DATABASE_PATH",
      "LITESTREAM_REPLICA_URL",
      "LITESTREAM_S3_BUCKET",
      "LITESTREAM_S3_ENDPOINT",
      "LITESTREAM_S3_PATH",
      "LITESTREAM_S3_REGION",
    ]);
    const start = read("scripts/start.sh");
    for (const v of ["DATABASE_PATH", "LITESTREAM_REPLICA_URL", "LITESTREAM_S3_BUCKET", "LITESTREAM_S3_PATH"]) {
      expect(start, v).toContain(v);
    }
    expect(read("fly.toml")).toContain("LITESTREAM_REPLICA_URL");
  });
});
