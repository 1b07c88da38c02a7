import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from "node:crypto";

/**
 * Password hashing with scrypt at OWASP's current recommendation (N=2^17, r=8, p=1). The stored
 * string carries its parameters — `scrypt$<log2 N>$<r>$<p>$<salt>$<hash>` (base64url) — so hashes
 * made today still verify after the cost is raised.
 *
 * A hash takes ~150–300 ms and 128 MiB, so it runs on the async scrypt (libuv's thread pool) and
 * never blocks the event loop.
 */
export const PASSWORD_HASH_PARAMS = { log2N: 17, r: 8, p: 1, saltBytes: 16, keyBytes: 32 } as const;

export interface HashOptions {
  /**
   * Test-only: a cheaper cost (log2 of N) for suites that need many users. Refused outside
   * NODE_ENV=test so production (and the e2e server, which runs as production) always pays 2^17.
   */
  log2N?: number;
}

function scryptAsync(password: string, salt: Buffer, keyBytes: number, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, keyBytes, opts, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

function scryptOptions(log2N: number, r: number, p: number): ScryptOptions {
  const N = 2 ** log2N;
  // Node's default maxmem (32 MiB) is below what N=2^17 needs (128·N·r bytes); allow twice that.
  return { N, r, p, maxmem: 128 * N * r * 2 };
}

/** The cost a new hash gets; below the default only in tests and only when asked for explicitly. */
function costFor(opts: HashOptions): number {
  const log2N = opts.log2N ?? PASSWORD_HASH_PARAMS.log2N;
  if (!Number.isInteger(log2N) || log2N < 1 || log2N > 20) throw new Error(`invalid scrypt cost 2^${log2N}`);
  if (log2N < PASSWORD_HASH_PARAMS.log2N && process.env.NODE_ENV !== "test") {
    throw new Error("a password hash cost below 2^17 is only allowed in tests");
  }
  return log2N;
}

export async function hashPassword(password: string, opts: HashOptions = {}): Promise<string> {
  const log2N = costFor(opts);
  const { r, p, saltBytes, keyBytes } = PASSWORD_HASH_PARAMS;
  const salt = randomBytes(saltBytes);
  const key = await scryptAsync(password, salt, keyBytes, scryptOptions(log2N, r, p));
  return ["scrypt", log2N, r, p, salt.toString("base64url"), key.toString("base64url")].join("$");
}

interface ParsedHash {
  log2N: number;
  r: number;
  p: number;
  salt: Buffer;
  key: Buffer;
}

function parseHash(encoded: string): ParsedHash | null {
  const parts = encoded.split("$");
  if (parts.length !== 6 || parts[0] !== "scrypt") return null;
  const [log2N, r, p] = parts.slice(1, 4).map(Number);
  // Bounds keep a corrupted row from asking for gigabytes of memory.
  if (![log2N, r, p].every(Number.isInteger) || log2N < 1 || log2N > 20 || r < 1 || r > 32 || p < 1 || p > 16) {
    return null;
  }
  const salt = Buffer.from(parts[4], "base64url");
  const key = Buffer.from(parts[5], "base64url");
  if (salt.length < 8 || key.length < 16 || key.length > 64) return null;
  return { log2N, r, p, salt, key };
}

/**
 * Stands in for the hash of an account that does not exist, so "no such email" costs the same
 * scrypt run as "wrong password" and response times do not reveal which emails have accounts.
 */
function dummyHash(): ParsedHash {
  const { log2N, r, p, saltBytes, keyBytes } = PASSWORD_HASH_PARAMS;
  return { log2N, r, p, salt: Buffer.alloc(saltBytes, 7), key: Buffer.alloc(keyBytes, 0) };
}

/**
 * Checks a password against a stored hash in constant time. A missing or malformed hash (unknown
 * email, API-created user without a password) still runs a full-cost scrypt and answers false.
 */
export async function verifyPassword(password: string, encoded: string | null | undefined): Promise<boolean> {
  const parsed = encoded ? parseHash(encoded) : null;
  const target = parsed ?? dummyHash();
  const key = await scryptAsync(
    password,
    target.salt,
    target.key.length,
    scryptOptions(target.log2N, target.r, target.p),
  );
  const same = timingSafeEqual(key, target.key);
  return parsed !== null && same;
}

/** True when a stored hash was made with weaker parameters than today's (rehash on next login). */
export function needsRehash(encoded: string): boolean {
  const parsed = parseHash(encoded);
  if (!parsed) return true;
  const { log2N, r, p } = PASSWORD_HASH_PARAMS;
  return parsed.log2N < log2N || parsed.r < r || parsed.p < p;
}
