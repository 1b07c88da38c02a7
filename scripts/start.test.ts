// scripts/start.sh, the image's entry point. Its decisions are tested against a fake `litestream`
// (first on PATH, recording every call) and a fake server in a copy of the app layout; one test
// uses the real Litestream binary, where it is installed.
import Database from "better-sqlite3";
import { spawn, spawnSync, type SpawnOptions } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { ensureBuild, freePort, repoRoot as root } from "../test/server-process";

const FAKE_LITESTREAM = `#!/usr/bin/env bash
# Fake litestream: appends its argv (fields separated by \\x1f) to $FAKE_LITESTREAM_CALLS.
{ printf '%s\\x1f' "$@"; printf '\\n'; } >> "$FAKE_LITESTREAM_CALLS"
case "\${1:-}" in
  restore)
    case "\${FAKE_LITESTREAM_RESTORE:-restored}" in
      fail) echo "fake litestream: cannot reach the replica" >&2; exit 1 ;;
      restored) printf 'restored from replica' > "\${!#}" ;;
      empty) ;;
    esac
    exit 0 ;;
  replicate)
    shift
    while (($#)); do
      case "$1" in -exec) cmd="$2"; shift 2 ;; *) shift ;; esac
    done
    eval "exec $cmd" ;;
  *) echo "fake litestream: unexpected command $1" >&2; exit 64 ;;
esac
`;

// CommonJS on purpose: the copied layout has no package.json saying "type": "module".
const FAKE_SERVER = `const fs = require("node:fs");
const report = {
  pid: process.pid,
  script: process.argv[1],
  cwd: process.cwd(),
  databasePath: process.env.DATABASE_PATH,
  databaseBefore: fs.existsSync(process.env.DATABASE_PATH) ? fs.readFileSync(process.env.DATABASE_PATH, "utf8") : null,
  s3Path: process.env.LITESTREAM_S3_PATH ?? null,
};
if (process.env.FAKE_SERVER_WAIT) {
  process.on("SIGTERM", () => {
    console.log("FAKE_SERVER_SIGTERM");
    process.exit(0);
  });
  setInterval(() => {}, 60_000);
}
console.log("FAKE_SERVER " + JSON.stringify(report));
`;

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  pid: number;
  stdout: string[];
  stderr: string;
  calls: string[][];
  server: null | {
    pid: number;
    script: string;
    cwd: string;
    databasePath: string;
    databaseBefore: string | null;
    s3Path: string | null;
  };
}

const tempDirs: string[] = [];
const children = new Set<ReturnType<typeof spawn>>();
/** Process groups of real start.sh runs: Litestream and the server under it. */
const groups = new Set<number>();

afterEach(() => {
  for (const c of children) c.kill("SIGKILL");
  children.clear();
  for (const pid of groups) {
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  groups.clear();
});

afterAll(() => {
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
});

/** A copy of the app layout start.sh expects, with a fake server, and a bin dir with a fake litestream. */
function sandbox() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "credits-start-test-"));
  tempDirs.push(dir);
  const app = path.join(dir, "app");
  fs.mkdirSync(path.join(app, "scripts"), { recursive: true });
  fs.mkdirSync(path.join(app, "build/node"), { recursive: true });
  fs.copyFileSync(path.join(root, "scripts/start.sh"), path.join(app, "scripts/start.sh"));
  fs.chmodSync(path.join(app, "scripts/start.sh"), 0o755);
  fs.copyFileSync(path.join(root, "litestream.yml"), path.join(app, "litestream.yml"));
  fs.writeFileSync(path.join(app, "build/node/server.js"), FAKE_SERVER);

  const fakeBin = path.join(dir, "fake-bin");
  fs.mkdirSync(fakeBin);
  fs.writeFileSync(path.join(fakeBin, "litestream"), FAKE_LITESTREAM, { mode: 0o755 });

  // Only what start.sh needs, so a real litestream elsewhere on this machine cannot be found.
  const plainBin = path.join(dir, "plain-bin");
  fs.mkdirSync(plainBin);
  for (const tool of ["bash", "dirname", "basename", "mkdir"]) {
    const found = spawnSync("bash", ["-c", `command -v ${tool}`], { encoding: "utf8" }).stdout.trim();
    fs.symlinkSync(found, path.join(plainBin, tool));
  }
  fs.symlinkSync(process.execPath, path.join(plainBin, "node"));

  const calls = path.join(dir, "litestream-calls");
  const data = path.join(dir, "data");
  return {
    dir,
    app,
    data,
    databasePath: path.join(data, "app.db"),
    env(
      extra: Record<string, string> = {},
      bins: "with-fake-litestream" | "without-litestream" = "with-fake-litestream",
    ): NodeJS.ProcessEnv {
      const PATH = bins === "with-fake-litestream" ? `${fakeBin}:${plainBin}` : plainBin;
      return {
        PATH,
        HOME: dir,
        NODE_ENV: "production",
        // Production needs real Stripe keys or DEMO=1 (the offline Stripe), and a long session secret.
        DEMO: "1",
        SESSION_SECRET: "start-test-session-secret-0123456789abcdef",
        FAKE_LITESTREAM_CALLS: calls,
        DATABASE_PATH: path.join(data, "app.db"),
        ...extra,
      };
    },
    calls(): string[][] {
      if (!fs.existsSync(calls)) return [];
      return fs
        .readFileSync(calls, "utf8")
        .split("\n")
        .filter(Boolean)
        .map((line) => line.split("\x1f").slice(0, -1));
    },
  };
}

type Sandbox = ReturnType<typeof sandbox>;

function runStart(box: Sandbox, env: NodeJS.ProcessEnv, options: SpawnOptions = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(path.join(box.app, "scripts/start.sh"), [], { cwd: box.dir, env, ...options, stdio: "pipe" });
    children.add(child);
    const stdout: string[] = [];
    let stderr = "";
    readline.createInterface({ input: child.stdout! }).on("line", (l) => stdout.push(l));
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("close", (code, signal) => {
      children.delete(child);
      const line = stdout.find((l) => l.startsWith("FAKE_SERVER "));
      resolve({
        code,
        signal,
        pid: child.pid!,
        stdout,
        stderr,
        calls: box.calls(),
        server: line ? JSON.parse(line.slice("FAKE_SERVER ".length)) : null,
      });
    });
  });
}

describe("scripts/start.sh", () => {
  it("runs the server directly, and never Litestream, when no replica is configured", async () => {
    const box = sandbox();
    const run = await runStart(box, box.env());
    expect(run.code, run.stderr).toBe(0);
    expect(run.calls).toEqual([]);
    expect(run.server).toMatchObject({
      script: path.join(box.app, "build/node/server.js"),
      cwd: box.app,
      databasePath: box.databasePath,
    });
    // Same pid: the script exec'd node, so the platform's stop signal lands on the server itself.
    expect(run.server!.pid).toBe(run.pid);
  });

  it("passes the stop signal straight to the server", async () => {
    const box = sandbox();
    const child = spawn(path.join(box.app, "scripts/start.sh"), [], {
      cwd: box.dir,
      env: box.env({ FAKE_SERVER_WAIT: "1" }),
      stdio: "pipe",
    });
    children.add(child);
    const lines: string[] = [];
    const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
    await new Promise<void>((resolve) =>
      readline.createInterface({ input: child.stdout! }).on("line", (l) => {
        lines.push(l);
        if (l.startsWith("FAKE_SERVER ")) resolve();
      }),
    );
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(lines).toContain("FAKE_SERVER_SIGTERM");
  });

  it("resolves a relative DATABASE_PATH against the app root, whatever the working directory", async () => {
    const box = sandbox();
    const run = await runStart(box, box.env({ DATABASE_PATH: "./data/relative.db" }));
    expect(run.code, run.stderr).toBe(0);
    expect(run.server!.databasePath).toBe(path.join(box.app, "data/relative.db"));
  });

  it("restores a missing database from the replica, then runs the server under litestream replicate -exec", async () => {
    const box = sandbox();
    const run = await runStart(box, box.env({ LITESTREAM_REPLICA_URL: `file://${box.dir}/replica` }));
    expect(run.code, run.stderr).toBe(0);
    const config = path.join(box.app, "litestream.yml");
    expect(run.calls).toEqual([
      ["restore", "-if-db-not-exists", "-if-replica-exists", "-config", config, box.databasePath],
      ["replicate", "-config", config, "-exec", "node build/node/server.js"],
    ]);
    // The server started after the restore, on the restored file.
    expect(run.server).toMatchObject({ databasePath: box.databasePath, databaseBefore: "restored from replica" });
  });

  it("starts on a new, empty database when the replica has nothing yet (first deploy)", async () => {
    const box = sandbox();
    const run = await runStart(
      box,
      box.env({ LITESTREAM_REPLICA_URL: "s3://bucket/app.db", FAKE_LITESTREAM_RESTORE: "empty" }),
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.calls.map((c) => c[0])).toEqual(["restore", "replicate"]);
    expect(run.server!.databaseBefore).toBeNull();
    expect(fs.existsSync(box.data)).toBe(true); // the folder is there for the server to create the file
  });

  it("does not restore over a database file that already exists", async () => {
    const box = sandbox();
    fs.mkdirSync(box.data);
    fs.writeFileSync(box.databasePath, "the live database");
    const run = await runStart(box, box.env({ LITESTREAM_REPLICA_URL: "s3://bucket/app.db" }));
    expect(run.code, run.stderr).toBe(0);
    expect(run.calls.map((c) => c[0])).toEqual(["replicate"]);
    expect(run.server!.databaseBefore).toBe("the live database");
  });

  it("exits non-zero and never starts the server when the restore fails", async () => {
    const box = sandbox();
    const run = await runStart(
      box,
      box.env({ LITESTREAM_REPLICA_URL: "s3://bucket/app.db", FAKE_LITESTREAM_RESTORE: "fail" }),
    );
    expect(run.code).not.toBe(0);
    expect(run.server).toBeNull();
    expect(run.calls.map((c) => c[0])).toEqual(["restore"]);
    expect(run.stderr).toContain("restoring");
    expect(run.stderr).toContain("failed");
    expect(fs.existsSync(box.databasePath)).toBe(false);
  });

  it("uses the bucket form, with the replica path defaulting to the database file's name", async () => {
    const box = sandbox();
    const run = await runStart(box, box.env({ LITESTREAM_S3_BUCKET: "backups" }));
    expect(run.code, run.stderr).toBe(0);
    expect(run.calls.map((c) => c[0])).toEqual(["restore", "replicate"]);
    expect(run.server!.s3Path).toBe("app.db");

    const explicit = await runStart(
      box,
      box.env({ LITESTREAM_S3_BUCKET: "backups", LITESTREAM_S3_PATH: "prod/credits.db" }),
    );
    expect(explicit.server!.s3Path).toBe("prod/credits.db");
  });

  it("refuses a replica URL and a bucket together", async () => {
    const box = sandbox();
    const run = await runStart(box, box.env({ LITESTREAM_REPLICA_URL: "s3://a/app.db", LITESTREAM_S3_BUCKET: "b" }));
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain("not both");
    expect(run.calls).toEqual([]);
    expect(run.server).toBeNull();
  });

  it("runs the lockfile's platform binary from node_modules, never the package's Node wrapper", async () => {
    const box = sandbox();
    const platform = `${process.platform}-${process.arch}`;
    const pkg = path.join(box.app, "node_modules/@flydotio");
    fs.mkdirSync(path.join(pkg, `litestream-${platform}`), { recursive: true });
    fs.mkdirSync(path.join(pkg, "litestream"), { recursive: true });
    fs.mkdirSync(path.join(box.app, "node_modules/.bin"), { recursive: true });
    fs.writeFileSync(path.join(pkg, `litestream-${platform}`, "litestream"), FAKE_LITESTREAM, { mode: 0o755 });
    // The wrapper drops signals and exit codes: running it would fail this test.
    fs.writeFileSync(path.join(pkg, "litestream/index.js"), "#!/usr/bin/env bash\necho wrapper >&2; exit 99\n", {
      mode: 0o755,
    });
    fs.symlinkSync("../@flydotio/litestream/index.js", path.join(box.app, "node_modules/.bin/litestream"));
    const run = await runStart(box, box.env({ LITESTREAM_REPLICA_URL: "s3://bucket/app.db" }, "without-litestream"));
    expect(run.code, run.stderr).toBe(0);
    expect(run.calls.map((c) => c[0])).toEqual(["restore", "replicate"]);
    expect(run.stderr).not.toContain("wrapper");
  });

  it("refuses to run without backups when a replica is configured but litestream is not installed", async () => {
    const box = sandbox();
    const run = await runStart(box, box.env({ LITESTREAM_REPLICA_URL: "s3://bucket/app.db" }, "without-litestream"));
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain("litestream binary is not on PATH");
    expect(run.server).toBeNull();
  });
});

// ---- The real Litestream --------------------------------------------------------------------------

function healthz(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: "127.0.0.1", port, path: "/healthz", agent: false }, (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode!));
      })
      .on("error", reject);
  });
}

/** Runs the real start.sh until the server listens; returns a stop function that resolves with the exit code. */
async function startReal(env: NodeJS.ProcessEnv) {
  // Detached, so a failed test can kill the server under Litestream too; the stop signal itself goes
  // to start.sh's pid only, as a platform sends it.
  const child = spawn(path.join(root, "scripts/start.sh"), [], { cwd: root, env, stdio: "pipe", detached: true });
  groups.add(child.pid!);
  let output = "";
  child.stderr!.on("data", (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    readline.createInterface({ input: child.stdout! }).on("line", (l) => {
      output += `${l}\n`;
      if (l.includes('"msg":"server listening"')) resolve();
    });
    void exited.then((code) => reject(new Error(`start.sh exited (${code}) before the server listened:\n${output}`)));
  });
  return {
    output: () => output,
    stop: async () => {
      child.kill("SIGTERM");
      return exited;
    },
  };
}

// The binary comes from the lockfile (@flydotio/litestream), so this runs wherever `npm ci` did.
describe("scripts/start.sh with the real Litestream", () => {
  it("replicates to a file replica and restores from it on the next boot", async () => {
    ensureBuild();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "credits-litestream-"));
    tempDirs.push(dir);
    const data = path.join(dir, "data");
    const databasePath = path.join(data, "app.db");
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: dir,
      NODE_ENV: "production",
      DEMO: "1",
      SESSION_SECRET: "start-test-session-secret-0123456789abcdef",
      HOST: "127.0.0.1",
      PORT: String(await freePort()),
      DATABASE_PATH: databasePath,
      LITESTREAM_REPLICA_URL: `file://${dir}/replica`,
      LOG_LEVEL: "info",
    };

    // First boot: empty replica, new database; then a write that only the replica will remember.
    const first = await startReal(env);
    expect(await healthz(Number(env.PORT))).toBe(200);
    const db = new Database(databasePath);
    db.pragma("busy_timeout = 5000");
    db.exec("create table restore_check (note text); insert into restore_check values ('kept by the replica');");
    db.close();
    // Litestream forwards SIGTERM to the server, waits for it, makes a last sync and exits 0.
    expect(await first.stop(), first.output()).toBe(0);

    // The machine (and its volume) is gone.
    fs.rmSync(data, { recursive: true, force: true });

    const second = await startReal(env);
    expect(await healthz(Number(env.PORT))).toBe(200);
    const restored = new Database(databasePath, { readonly: true });
    expect(restored.prepare("select note from restore_check").all()).toEqual([{ note: "kept by the replica" }]);
    restored.close();
    expect(await second.stop(), second.output()).toBe(0);
  }, 120_000);
});
