// Child processes for the benchmark: start a server, wait until it answers, sample its memory,
// and never leave one running (every child is killed when the benchmark exits, however it exits).
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";

const children = new Set();

/** Signals a child, or its whole process group when it was started as a group leader. */
function signal(child, sig) {
  try {
    if (child.group) process.kill(-child.pid, sig);
    else child.kill(sig);
  } catch {
    // already gone
  }
}

function killAll() {
  for (const child of children) {
    if (child.group || (child.exitCode === null && child.signalCode === null)) signal(child, "SIGKILL");
  }
}
process.on("exit", killAll);
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    killAll();
    process.exit(130);
  });
}

export async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Spawns a child whose stdout/stderr are kept (last 8 KB) for error messages. `group: true` makes
 * it a process-group leader, so stopping it also stops whatever it started (Litestream's server).
 */
export function startChild(command, args, { group = false, ...opts } = {}) {
  const child = spawn(command, args, { ...opts, detached: group, stdio: ["ignore", "pipe", "pipe"] });
  child.group = group;
  children.add(child);
  child.output = "";
  const keep = (chunk) => {
    child.output = (child.output + chunk.toString()).slice(-8192);
  };
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  child.on("exit", () => {
    if (!child.group) children.delete(child);
  });
  return child;
}

/** Resolves with the first stdout line that parses as JSON (how raw-server.mjs reports its port). */
export function firstJsonLine(child, timeoutMs = 15_000) {
  return new Promise((resolve, reject) => {
    let buf = "";
    const timer = setTimeout(() => reject(new Error(`no JSON line from child:\n${child.output}`)), timeoutMs);
    child.stdout.on("data", (chunk) => {
      buf += chunk.toString();
      for (const line of buf.split("\n")) {
        try {
          const value = JSON.parse(line);
          clearTimeout(timer);
          resolve(value);
          return;
        } catch {
          // not yet a whole JSON line
        }
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`child exited (${code}) before it was ready:\n${child.output}`));
    });
  });
}

/** Polls `url` until it answers 200; fails with the child's output if it exits or takes too long. */
export async function waitForHttp(url, child, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited (${child.exitCode}):\n${child.output}`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server at ${url} not ready after ${timeoutMs} ms:\n${child.output}`);
}

export async function stopChild(child) {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child.once("exit", resolve));
    signal(child, "SIGTERM");
    const timer = setTimeout(() => signal(child, "SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
  }
  if (child.group) {
    // Anything of the group still running (a grandchild that outlived its parent) goes too.
    signal(child, "SIGKILL");
    children.delete(child);
  }
}

/** Resident memory of a process in bytes (Linux /proc), or null where there is no /proc. */
export function rssBytes(pid) {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return kb ? Number(kb[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** Samples RSS every `everyMs` until stop() is called; stop() returns {peak, last, samples}. */
export function sampleRss(pid, everyMs = 200) {
  const samples = [];
  const take = () => {
    const v = rssBytes(pid);
    if (v !== null) samples.push(v);
  };
  take();
  const timer = setInterval(take, everyMs);
  return () => {
    clearInterval(timer);
    take();
    return {
      peak: samples.length ? Math.max(...samples) : null,
      last: samples.at(-1) ?? null,
      samples: samples.length,
    };
  };
}

let clockTicks;
/** CPU time (user + system) a process has used so far, in seconds (Linux /proc), or null. */
export function cpuSeconds(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may contain spaces) start at the last ")".
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    clockTicks ??= Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim()) || 100;
    return (Number(fields[11]) + Number(fields[12])) / clockTicks;
  } catch {
    return null;
  }
}

/** All descendants of `pid` (Linux /proc), each as {pid, comm, cmdline}. */
export function descendants(pid) {
  const out = [];
  const walk = (p) => {
    // Every thread's list: a Go program (Litestream) starts its children from any thread.
    const kids = [];
    try {
      for (const task of fs.readdirSync(`/proc/${p}/task`)) {
        const list = fs.readFileSync(`/proc/${p}/task/${task}/children`, "utf8").trim();
        if (list) kids.push(...list.split(/\s+/).map(Number));
      }
    } catch {
      return;
    }
    for (const k of kids) {
      let comm = "";
      let cmdline = "";
      try {
        comm = fs.readFileSync(`/proc/${k}/comm`, "utf8").trim();
        cmdline = fs.readFileSync(`/proc/${k}/cmdline`, "utf8").split("\0").join(" ");
      } catch {
        // exited meanwhile
      }
      out.push({ pid: k, comm, cmdline });
      walk(k);
    }
  };
  walk(pid);
  return out;
}

/** Polls `find()` until it returns a value; fails after `timeoutMs`. */
export async function waitFor(what, find, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = find();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}
