/**
 * Which addresses a webhook endpoint may reach (decision 020). A URL is checked as the
 * addresses its host resolves to, at creation and update and again on every delivery, where the
 * check is the agent's `lookup`: the address checked is the address connected to, with Host and
 * SNI still the URL's name, so DNS cannot answer one address to the check and another to connect.
 *
 * Refused unless WEBHOOK_ALLOWED_HOSTS names the host or a range holding the address: loopback,
 * private (RFC 1918, CGNAT), link-local, unique-local, multicast, unspecified and reserved ranges,
 * and the same inside IPv4-mapped, IPv4-compatible and NAT64 IPv6 addresses. Outside production
 * loopback is allowed (development receivers, the tests' receivers).
 */
import dns from "node:dns";
import { BlockList, isIP, type LookupFunction } from "node:net";
import type { AllowedHosts, Env } from "../utils/env.server";

export interface WebhookAddressPolicy {
  production: boolean;
  allowLoopback: boolean;
  allowedNames: ReadonlySet<string>;
  allowedNets: BlockList;
}

export function webhookAddressPolicy(env: { NODE_ENV: Env["NODE_ENV"]; webhookAllowedHosts?: AllowedHosts }) {
  const allowed = env.webhookAllowedHosts ?? { names: [], nets: [] };
  const allowedNets = new BlockList();
  for (const n of allowed.nets) allowedNets.addSubnet(n.address, n.prefix, n.family);
  const production = env.NODE_ENV === "production";
  return { production, allowLoopback: !production, allowedNames: new Set(allowed.names), allowedNets };
}

const V4_RANGES: [string, number, string][] = [
  ["0.0.0.0", 8, "unspecified"],
  ["10.0.0.0", 8, "private"],
  ["100.64.0.0", 10, "private"],
  ["127.0.0.0", 8, "loopback"],
  ["169.254.0.0", 16, "link-local"],
  ["172.16.0.0", 12, "private"],
  ["192.0.0.0", 24, "reserved"],
  ["192.168.0.0", 16, "private"],
  ["198.18.0.0", 15, "reserved"],
  ["224.0.0.0", 4, "multicast"],
  ["240.0.0.0", 4, "reserved"],
];
const V6_RANGES: [string, number, string][] = [
  ["::", 128, "unspecified"],
  ["::1", 128, "loopback"],
  ["fe80::", 10, "link-local"],
  ["fec0::", 10, "unique-local"],
  ["fc00::", 7, "unique-local"],
  ["ff00::", 8, "multicast"],
];
const ranges = V4_RANGES.map(([a, p, kind]) => ({ kind, list: block(a, p, "ipv4") })).concat(
  V6_RANGES.map(([a, p, kind]) => ({ kind, list: block(a, p, "ipv6") })),
);
function block(address: string, prefix: number, family: "ipv4" | "ipv6"): BlockList {
  const list = new BlockList();
  list.addSubnet(address, prefix, family);
  return list;
}

/** The eight 16-bit words of an IPv6 address (no zone), or null. */
function ipv6Words(address: string): number[] | null {
  let text = address.split("%")[0];
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const b = dotted[1].split(".").map(Number);
    text =
      text.slice(0, -dotted[1].length) + `${((b[0] << 8) | b[1]).toString(16)}:${((b[2] << 8) | b[3]).toString(16)}`;
  }
  const [head, tail] = text.split("::");
  const part = (s: string | undefined) => (s ? s.split(":").map((w) => parseInt(w, 16)) : []);
  const h = part(head);
  const t = part(tail);
  const words = tail === undefined ? h : [...h, ...Array<number>(8 - h.length - t.length).fill(0), ...t];
  return words.length === 8 && words.every((w) => Number.isInteger(w) && w >= 0 && w <= 0xffff) ? words : null;
}

/** The IPv4 address an IPv6 address carries (mapped ::ffff:a.b.c.d, compatible ::a.b.c.d, NAT64 64:ff9b::/96). */
export function embeddedIpv4(address: string): string | null {
  const w = ipv6Words(address);
  if (!w) return null;
  const zeros = (n: number) => w.slice(0, n).every((x) => x === 0);
  const mapped = zeros(5) && w[5] === 0xffff;
  const compatible = zeros(6) && (w[6] !== 0 || w[7] > 1);
  const nat64 = w[0] === 0x64 && w[1] === 0xff9b && w.slice(2, 6).every((x) => x === 0);
  if (!mapped && !compatible && !nat64) return null;
  return [w[6] >> 8, w[6] & 0xff, w[7] >> 8, w[7] & 0xff].join(".");
}

/** What kind of inside address this is ("loopback", "private", …), or null for a public one. */
export function insideKind(address: string): string | null {
  const version = isIP(address.split("%")[0]);
  if (version === 0) return "invalid";
  if (version === 6) {
    const v4 = embeddedIpv4(address);
    if (v4 !== null) return insideKind(v4);
  }
  const family = version === 4 ? "ipv4" : "ipv6";
  const plain = address.split("%")[0];
  return ranges.find((r) => r.list.check(plain, family))?.kind ?? null;
}

/** Why `host` may not be reached at `address` (the kind of inside address), or null when it may. */
export function addressRefusal(policy: WebhookAddressPolicy, host: string, address: string): string | null {
  if (policy.allowedNames.has(normalHost(host))) return null;
  const plain = address.split("%")[0];
  const family = isIP(plain) === 6 ? "ipv6" : "ipv4";
  if (isIP(plain) && policy.allowedNets.check(plain, family)) return null;
  const v4 = family === "ipv6" ? embeddedIpv4(plain) : null;
  if (v4 !== null && policy.allowedNets.check(v4, "ipv4")) return null;
  const kind = insideKind(plain);
  if (kind === null || (kind === "loopback" && policy.allowLoopback)) return null;
  return kind;
}

/** Is the host itself named in WEBHOOK_ALLOWED_HOSTS (by name, or an IP literal inside an allowed range)? */
export function hostAllowedExplicitly(policy: WebhookAddressPolicy, host: string): boolean {
  const h = normalHost(host);
  if (policy.allowedNames.has(h)) return true;
  const version = isIP(h);
  return version !== 0 && policy.allowedNets.check(h, version === 4 ? "ipv4" : "ipv6");
}

/** URL.hostname without IPv6 brackets or a trailing dot, lower case. */
export function normalHost(hostname: string): string {
  return hostname
    .toLowerCase()
    .replace(/^\[(.*)\]$/, "$1")
    .replace(/\.$/, "");
}

export class RefusedAddressError extends Error {
  readonly code = "EWEBHOOKADDRESS";
  constructor(
    host: string,
    readonly kind: string,
  ) {
    super(`${host} resolves to an inside address (${kind}); allowed only through WEBHOOK_ALLOWED_HOSTS`);
  }
}

/**
 * Every address `host` resolves to, each checked; rejects with RefusedAddressError when any is
 * refused (a name answering one inside address among outside ones is refused as a whole).
 */
export function resolveChecked(
  policy: WebhookAddressPolicy,
  host: string,
  family: number = 0,
): Promise<dns.LookupAddress[]> {
  const h = normalHost(host);
  return new Promise((resolve, reject) => {
    const check = (addresses: dns.LookupAddress[]) => {
      for (const a of addresses) {
        const reason = addressRefusal(policy, h, a.address);
        if (reason) return reject(new RefusedAddressError(h, reason));
      }
      resolve(addresses);
    };
    if (isIP(h)) return check([{ address: h, family: isIP(h) }]);
    dns.lookup(h, { all: true, family }, (err, addresses) => (err ? reject(err) : check(addresses)));
  });
}

/** The `lookup` for a webhook agent: the connection goes only to an address that passed the check. */
export function checkedLookup(policy: WebhookAddressPolicy): LookupFunction {
  return (hostname, options, callback) => {
    const family = options.family === "IPv4" ? 4 : options.family === "IPv6" ? 6 : Number(options.family) || 0;
    resolveChecked(policy, hostname, family).then(
      (addresses) => {
        if (options.all) (callback as (e: null, a: dns.LookupAddress[]) => void)(null, addresses);
        else callback(null, addresses[0].address, addresses[0].family);
      },
      (e: NodeJS.ErrnoException) => callback(e, "", 0),
    );
  };
}
