import dns from "node:dns";
import { afterEach, describe, expect, it, vi } from "vitest";
import { freshDb } from "../../test/db";
import { ManualClock } from "../utils/clock";
import { parseAllowedHosts, type AllowedHosts } from "../utils/env.server";
import { AppError } from "../utils/errors";
import { insideKind } from "./addresses.server";
import { checkWebhookUrl, createWebhookEndpoint, MAX_WEBHOOK_ENDPOINTS, webhookAddressPolicy } from "./index.server";

afterEach(() => {
  vi.restoreAllMocks();
});

function allowed(text: string): AllowedHosts {
  const parsed = parseAllowedHosts(text);
  if (typeof parsed === "string") throw new Error(parsed);
  return parsed;
}

async function refusal(url: string, production: boolean, allow = ""): Promise<string | null> {
  const policy = webhookAddressPolicy({
    NODE_ENV: production ? "production" : "development",
    webhookAllowedHosts: allowed(allow),
  });
  try {
    await checkWebhookUrl(url, policy);
    return null;
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    expect((e as AppError).field).toBe("url");
    return (e as AppError).message;
  }
}

describe("which addresses are inside", () => {
  it.each([
    ["127.0.0.1", "loopback"],
    ["127.9.9.9", "loopback"],
    ["::1", "loopback"],
    ["10.0.0.5", "private"],
    ["172.16.0.1", "private"],
    ["172.31.255.255", "private"],
    ["192.168.1.1", "private"],
    ["100.64.0.1", "private"],
    ["169.254.169.254", "link-local"],
    ["fe80::1", "link-local"],
    ["fd00:ec2::254", "unique-local"],
    ["fc00::1", "unique-local"],
    ["224.0.0.1", "multicast"],
    ["ff02::1", "multicast"],
    ["0.0.0.0", "unspecified"],
    ["::", "unspecified"],
    ["255.255.255.255", "reserved"],
    // IPv4 inside IPv6: mapped (both spellings), compatible, NAT64.
    ["::ffff:169.254.169.254", "link-local"],
    ["::ffff:a9fe:a9fe", "link-local"],
    ["::ffff:127.0.0.1", "loopback"],
    ["::ffff:10.0.0.5", "private"],
    ["::10.0.0.5", "private"],
    ["::a9fe:a9fe", "link-local"],
    ["64:ff9b::192.168.1.1", "private"],
    ["0:0:0:0:0:ffff:c0a8:0101", "private"],
  ])("%s is %s", (address, kind) => {
    expect(insideKind(address)).toBe(kind);
  });

  it.each(["93.184.215.14", "8.8.8.8", "172.32.0.1", "2606:2800:220:1:248:1893:25c8:1946", "::ffff:8.8.8.8"])(
    "%s is outside",
    (address) => {
      expect(insideKind(address)).toBeNull();
    },
  );
});

describe("webhook endpoint URLs", () => {
  it("production refuses every inside address the issue names, as literals and as names that resolve inside", async () => {
    for (const url of [
      "https://[::ffff:169.254.169.254]/",
      "https://[fd00:ec2::254]/",
      "https://10.0.0.5/",
      "https://192.168.1.1/",
      "https://127.0.0.1:8080/x",
      "https://[::1]:3000/x",
      "https://[::]/x",
      "https://0.0.0.0/x",
      "https://localhost/x", // a name that resolves to 127.0.0.1
      "https://224.0.0.1/x",
      "https://169.254.169.254/latest/meta-data",
    ]) {
      expect(await refusal(url, true), url).toMatch(/inside address .*WEBHOOK_ALLOWED_HOSTS/);
    }
  });

  it("a name is refused when any address it resolves to is inside", async () => {
    vi.spyOn(dns, "lookup").mockImplementation(((_host: string, _o: unknown, cb: (...a: unknown[]) => void) =>
      cb(null, [
        { address: "93.184.215.14", family: 4 },
        { address: "10.1.2.3", family: 4 },
      ])) as never);
    expect(await refusal("https://mixed.example.com/x", true)).toMatch(/private/);
  });

  it("production: https to outside hosts; a name that does not resolve now is accepted (every delivery checks it)", async () => {
    expect(await refusal("https://93.184.215.14/x", true)).toBeNull();
    expect(await refusal("https://hooks.invalid/x", true)).toBeNull();
    expect(await refusal("http://93.184.215.14/x", true)).toMatch(/https/);
    expect(await refusal("http://hooks.invalid/x", true)).toMatch(/https/);
  });

  it("WEBHOOK_ALLOWED_HOSTS is the one way in: a listed name or range, and plain http only to those", async () => {
    expect(await refusal("https://10.0.0.5/x", true, "10.0.0.0/8")).toBeNull();
    expect(await refusal("http://10.0.0.5/x", true, "10.0.0.0/8")).toBeNull();
    expect(await refusal("https://10.0.0.5/x", true, "10.0.0.0/24, 192.168.0.0/16")).toBeNull();
    expect(await refusal("https://10.0.1.5/x", true, "10.0.0.0/24")).toMatch(/private/);
    expect(await refusal("http://localhost:3000/x", true, "localhost")).toBeNull();
    expect(await refusal("http://127.0.0.1:3000/x", true, "127.0.0.1")).toBeNull();
    expect(await refusal("http://localhost:3000/x", true, "127.0.0.1")).toBeNull(); // every address it resolves to is listed
    expect(await refusal("http://hooks.invalid/x", true, "127.0.0.1")).toMatch(/https/);
    expect(await refusal("https://[::ffff:127.0.0.1]/x", true, "127.0.0.1")).toBeNull();
    expect(await refusal("https://[::1]/x", true, "127.0.0.1")).toMatch(/loopback/);
    expect(await refusal("http://[fd00::1]/x", true, "fd00::/8")).toBeNull();
  });

  it("development and tests allow loopback, nothing else inside", async () => {
    expect(await refusal("http://127.0.0.1:8080/x", false)).toBeNull();
    expect(await refusal("http://localhost:3000/x", false)).toBeNull();
    expect(await refusal("http://[::1]:3000/x", false)).toBeNull();
    expect(await refusal("http://hooks.invalid/x", false)).toBeNull();
    expect(await refusal("http://10.0.0.5/x", false)).toMatch(/private/);
    expect(await refusal("http://[::ffff:169.254.169.254]/x", false)).toMatch(/link-local/);
  });

  it("never other schemes, credentials or fragments", async () => {
    for (const production of [true, false]) {
      expect(await refusal("ftp://example.com/x", production)).toMatch(/http/);
      expect(await refusal("javascript:alert(1)", production)).toMatch(/http/);
      expect(await refusal("/relative", production)).toMatch(/absolute/);
      expect(await refusal("https://u:p@example.com/x", production)).toMatch(/user name/);
      expect(await refusal("https://example.com/x#frag", production)).toMatch(/fragment/);
    }
  });

  it("WEBHOOK_ALLOWED_HOSTS entries are host names, IPs or CIDRs; anything else is named", () => {
    expect(parseAllowedHosts(" hooks.internal , 10.0.0.0/8,fd00::/8, [::1], 127.0.0.1 ")).toEqual({
      names: ["hooks.internal"],
      nets: [
        { address: "10.0.0.0", prefix: 8, family: "ipv4" },
        { address: "fd00::", prefix: 8, family: "ipv6" },
        { address: "::1", prefix: 128, family: "ipv6" },
        { address: "127.0.0.1", prefix: 32, family: "ipv4" },
      ],
    });
    expect(parseAllowedHosts("")).toEqual({ names: [], nets: [] });
    expect(parseAllowedHosts("10.0.0.0/33")).toMatch(/10\.0\.0\.0\/33/);
    expect(parseAllowedHosts("10.0.0.0/")).toMatch(/prefix/);
    expect(parseAllowedHosts("hooks.internal/8")).toMatch(/neither/);
    expect(parseAllowedHosts("http://hooks.internal")).toMatch(/neither/);
  });

  it(`refuses a ${MAX_WEBHOOK_ENDPOINTS + 1}st endpoint with 409 and writes nothing`, async () => {
    const { db } = freshDb();
    const ctx = { db, clock: new ManualClock() };
    const opts = { policy: webhookAddressPolicy({ NODE_ENV: "test" }), actor: "test" };
    for (let i = 0; i < MAX_WEBHOOK_ENDPOINTS; i++) {
      await createWebhookEndpoint(ctx, { url: `https://93.184.215.${i}/` }, opts);
    }
    await expect(createWebhookEndpoint(ctx, { url: "https://93.184.216.1/" }, opts)).rejects.toEqual(
      expect.objectContaining({ code: "conflict" }),
    );
    expect(db.$client.prepare("select count(*) as n from webhook_endpoints").get()).toEqual({
      n: MAX_WEBHOOK_ENDPOINTS,
    });
  });
});
