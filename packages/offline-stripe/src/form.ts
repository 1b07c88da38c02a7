/**
 * Stripe's request encoding: application/x-www-form-urlencoded with qs-style brackets
 * (`line_items[0][price]=…`, `metadata[userId]=…`, `expand[]=…`). GET requests carry the
 * same encoding in the query string. Values stay strings, as on the wire; each endpoint
 * converts what it reads.
 */
export type FormValue = string | FormValue[] | { [key: string]: FormValue };
export type FormObject = { [key: string]: FormValue };

export function parseStripeForm(body: string): FormObject {
  const root: Node = {};
  if (!body) return {};
  for (const pair of body.split("&")) {
    if (!pair) continue;
    const eq = pair.indexOf("=");
    const rawKey = eq === -1 ? pair : pair.slice(0, eq);
    const rawValue = eq === -1 ? "" : pair.slice(eq + 1);
    const key = decode(rawKey);
    const value = decode(rawValue);
    const path = splitKey(key);
    if (path.length === 0) continue;
    assign(root, path, value);
  }
  return arrayify(root) as FormObject;
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, " "));
  } catch {
    return s;
  }
}

/** `a[b][0][]` → ["a", "b", "0", ""] */
function splitKey(key: string): string[] {
  const first = key.indexOf("[");
  if (first <= 0) return key ? [key] : [];
  const parts = [key.slice(0, first)];
  const re = /\[([^\]]*)\]/g;
  re.lastIndex = first;
  let m: RegExpExecArray | null;
  let end = first;
  while ((m = re.exec(key)) && m.index === end) {
    parts.push(m[1]);
    end = re.lastIndex;
  }
  // A malformed tail (`a[b`) is kept literally on the last part, as qs does.
  if (end < key.length) parts[parts.length - 1] += key.slice(end);
  return parts;
}

type Node = { [key: string]: Node | string };

function assign(target: Node, path: string[], value: string): void {
  let node = target;
  for (let i = 0; i < path.length - 1; i++) {
    let part = path[i];
    if (part === "") part = String(nextIndex(node));
    const next = node[part];
    if (typeof next !== "object") node[part] = {};
    node = node[part] as Node;
  }
  let last = path[path.length - 1];
  if (last === "") last = String(nextIndex(node));
  node[last] = value;
}

function nextIndex(node: Node): number {
  let n = 0;
  for (const k of Object.keys(node)) if (/^\d+$/.test(k)) n = Math.max(n, Number(k) + 1);
  return n;
}

/** Objects whose keys are all indices become arrays, ordered by index (gaps closed). */
function arrayify(value: Node | string): FormValue {
  if (typeof value === "string") return value;
  const keys = Object.keys(value);
  const children: Record<string, FormValue> = {};
  for (const k of keys) children[k] = arrayify(value[k]);
  if (keys.length > 0 && keys.every((k) => /^\d+$/.test(k))) {
    return keys.sort((a, b) => Number(a) - Number(b)).map((k) => children[k]);
  }
  return children;
}
