// Summarises a V8 .cpuprofile (node --cpu-prof): where the busy CPU went, by function, self and
// inclusive, as shares of the non-idle samples. Samples taken while the server was starting
// (migrations, integrity check, module loading) are left out: they are not the load's cost.
import path from "node:path";

const STARTUP = new Set(["startServer", "compileSourceTextModule", "wrapSafe", "moduleEvaluation", "loadESM"]);

export function summariseProfile(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const hits = new Map();
  for (const id of profile.samples) hits.set(id, (hits.get(id) ?? 0) + 1);
  const label = (n) => {
    const f = n.callFrame;
    const where = f.url ? `${path.basename(f.url)}:${f.lineNumber + 1}` : "";
    return `${f.functionName || "(anonymous)"}${where ? ` ${where}` : ""}`;
  };
  const idle = new Set(["(idle)", "(root)"]);
  const self = new Map();
  const inclusive = new Map();
  let busy = 0;
  // Inclusive time: each sample counts once for every distinct function on its stack.
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  let startup = 0;
  const inStartup = (id) => {
    for (let cur = id; cur !== undefined; cur = parent.get(cur))
      if (STARTUP.has(byId.get(cur).callFrame.functionName)) return true;
    return false;
  };
  for (const [id, count] of hits) {
    const node = byId.get(id);
    if (idle.has(node.callFrame.functionName)) continue;
    if (inStartup(id)) {
      startup += count;
      continue;
    }
    busy += count;
    self.set(label(node), (self.get(label(node)) ?? 0) + count);
    const seen = new Set();
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const l = label(byId.get(cur));
      if (seen.has(l) || idle.has(byId.get(cur).callFrame.functionName)) continue;
      seen.add(l);
      inclusive.set(l, (inclusive.get(l) ?? 0) + count);
    }
  }
  const top = (m, n) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, count]) => ({ name, share: count / busy }));
  const totalSamples = profile.samples.length;
  return {
    busyShare: busy / (totalSamples - startup),
    samples: totalSamples - startup,
    startupSamples: startup,
    self: top(self, 15),
    inclusive: top(inclusive, 25),
  };
}
