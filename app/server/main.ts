import type { ServerBuild } from "@remix-run/node";
import compression from "compression";
import express from "express";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { closeDatabase, openDatabase } from "../../db/client";
import { setWriteGate } from "../../db/transaction";
import { DatabaseRefused, migrateDatabase } from "../../db/migrate";
import { DEMO_LOGINS, seedDemoIfEmpty } from "./demo-seed.server";
import { getUserByEmail } from "../auth/users.server";
import { startCreditJobs } from "../credits/index.server";
import { startEventDispatcher } from "../events/dispatcher.server";
import { registerEventConsumer } from "../events/outbox.server";
import { startWebhookSender, webhookAddressPolicy, webhooksConsumer } from "../webhooks/index.server";
import { resolveClientIp } from "../auth/client-ip.server";
import { offlineEnv } from "../billing/stripe.server";
import { billingContext } from "../billing/context.server";
import { startAutoTopup } from "../billing/auto-topup-worker.server";
import { systemClock } from "../utils/clock";
import type { AppContext } from "../utils/context.server";
import { parseEnvOrExit, type Env } from "../utils/env.server";
import { log, setLogLevel, withRequestId } from "../utils/log.server";
import { isApiV1Path } from "../api/v1/router.server";
import {
  apiErrorsAsJson,
  assignRequestId,
  cspNonceOf,
  isApiPath,
  MAX_REQUEST_BODY_BYTES,
  pagesTakeFormsOnly,
  refuseCrossOriginPosts,
  refuseDeclaredLargeBodies,
  refuseMalformedApiPaths,
  requestLog,
  securityHeaders,
} from "./http";
import { remixHandler } from "./remix-handler";
import { apiV1Handler } from "./api-v1";
import { settleLitestreamBeforeExit, underLitestream } from "../backup/litestream-exit.server";
import { litestreamWriteGuard } from "../backup/litestream-write-guard.server";
import { startBackupVerifySchedule } from "../backup/schedule.server";
import { mailFromOf, registerMailConsumer, senderFor, startMailWorker } from "../mail/index.server";
import { liteFsConfig, primaryInstance, withLiteFs } from "./litefs";
import { walPressureValve } from "./wal-pressure";
import { containStorageErrors, healthzHandler, startStorageMonitor } from "./storage";

export interface RunningServer {
  server: Server;
  context: AppContext;
  close(): Promise<void>;
}

/** Starts the production (or, with a Vite dev server, the development) server. */
export async function startServer(env: Env): Promise<RunningServer> {
  setLogLevel(env.LOG_LEVEL);
  // LiteFS mode: a read replica's file is the primary's, replicated; it opens it read-only and runs
  // no migration, seed, probe or job, since every write belongs to the primary (./litefs.ts).
  const liteFs = liteFsConfig();
  const replica = liteFs !== null && primaryInstance(liteFs) !== null;
  if (!replica) migrateDatabase(env.DATABASE_PATH);
  const db = openDatabase(env.DATABASE_PATH, { readonly: replica });
  // Under Litestream, no write may overwrite WAL frames it has not copied yet (decision 026).
  const writeGuard = underLitestream() && !replica ? litestreamWriteGuard(env.DATABASE_PATH) : null;
  if (writeGuard) setWriteGate(db.$client, writeGuard);
  // No real Stripe key: the offline Stripe runs in-process and the app talks to it through the
  // SDK exactly as to Stripe. Imported dynamically, so with a real key it is never loaded.
  const offlineStripe = env.stripeOffline ? await import("./offline-stripe") : undefined;
  const offline = await offlineStripe?.startOfflineStripeForApp(env, systemClock);
  if (offline && env.NODE_ENV === "production") {
    // Only reachable with DEMO=1: parseEnv refuses production without a key otherwise.
    log.warn("DEMO=1: payments go to the offline Stripe (no real money) and an empty database gets the demo logins.");
  }
  const context: AppContext = { db, clock: systemClock, env: offline ? offlineEnv(env, offline) : env };
  // The one Stripe client (with db, clock and the app URL) every route gets as context.billing.
  const billing = billingContext(context);
  const demo = replica ? null : await seedDemoIfEmpty(context);
  // Expiry sweep and balance sync on a schedule (0 = off). Off under NODE_ENV=test: tests call
  // the jobs directly, or start them with startCreditJobs themselves.
  const stopCreditJobs = startCreditJobs(
    context,
    env.NODE_ENV === "test" || replica
      ? { sweepSeconds: 0, syncSeconds: 0 }
      : {
          sweepSeconds: env.EXPIRY_SWEEP_INTERVAL_SECONDS,
          syncSeconds: env.BALANCE_SYNC_INTERVAL_SECONDS,
          // Under Litestream, Litestream owns checkpoints (decision 001): a second checkpointer beside it
          // let the WAL grow without bound in the restore drill.
          walCheckpoints: underLitestream() ? false : undefined,
        },
  );
  // Nor does SQLite's own autocheckpoint run under Litestream (its advice for busy writers): past
  // 1,000 frames it ran a PASSIVE checkpoint inside every COMMIT, since Litestream's read lock
  // keeps the WAL from restarting until Litestream's own checkpoint does.
  if (underLitestream()) db.$client.pragma("wal_autocheckpoint = 0");

  const stopBackupVerify = replica ? () => {} : startBackupVerifySchedule(env, systemClock);

  // The event outbox (app/events/): consumers registered here, one line each, then the dispatcher
  // hands them every committed event; the webhook sender posts deliveries off the request path.
  // On a replica none of them runs: each records what it did in the database.
  const idle = { wake: () => {}, stop: async () => {} };
  const webhookSender = replica ? idle : startWebhookSender(context, { policy: webhookAddressPolicy(env) });
  registerEventConsumer(webhooksConsumer(() => webhookSender.wake()));
  const eventDispatcher = replica ? idle : startEventDispatcher(context);
  // Mail: notices from the event bus become mail_outbox rows; the worker sends them (app/mail/).
  const unregisterMail = registerMailConsumer(context.env.appUrl);
  const mailWorker = replica ? idle : startMailWorker(context, senderFor(env), { from: mailFromOf(context.env) });
  // Auto top-up: its consumer records attempts, its worker charges them after commit (app/billing/auto-topup.server.ts).
  const autoTopup = replica ? idle : startAutoTopup(billing);

  const production = env.NODE_ENV === "production";
  const vite = production
    ? undefined
    : await import("vite").then((v) => v.createServer({ server: { middlewareMode: true } }));

  const app = express();
  app.disable("x-powered-by");
  // Express's own view of the proxy (req.protocol, req.hostname) follows TRUST_PROXY too: Fly's
  // edge is one hop. Unset: no forwarded header is believed.
  const trust = env.trustProxy;
  app.set("trust proxy", trust.kind === "none" ? false : trust.kind === "fly" ? 1 : trust.hops);
  const headers = securityHeaders({ production, https: env.appUrl.startsWith("https://") });
  const logRequest = requestLog();
  app.use(headers);
  app.use(logRequest);
  app.use(refuseMalformedApiPaths());
  app.use(refuseDeclaredLargeBodies(MAX_REQUEST_BODY_BYTES));
  app.use(compression());

  // 503 while the database cannot be read or a (cached) write probe fails; see ./storage.ts.
  const storage = startStorageMonitor(db, { readOnly: replica });
  app.get("/healthz", healthzHandler(db, storage, env));

  if (vite) {
    app.use(vite.middlewares);
  } else {
    const clientDir = path.resolve(buildDir(), "client");
    app.use("/assets", express.static(path.join(clientDir, "assets"), { immutable: true, maxAge: "1y" }));
    app.use(express.static(clientDir, { maxAge: "1h" }));
  }
  app.use(express.static("public", { maxAge: "1h" }));
  app.use(refuseCrossOriginPosts(env.appUrl));
  if (offlineStripe && offline) {
    // After the cross-origin check: the offline Checkout's Pay and the portal's buttons are forms
    // on this site like any other, so another site cannot post them.
    app.use(offlineStripe.OFFLINE_PAGES_PATH, (req, res) => offline.handleHostedPage(req, res, req.baseUrl));
  }
  app.use(pagesTakeFormsOnly());
  // Remix code reads the client IP (login throttling) from X-Forwarded-For: replace the client's
  // chain with the one address we trust (see app/auth/client-ip.server.ts).
  app.use((req, _res, next) => {
    const ip = resolveClientIp(req.headers, req.socket.remoteAddress, trust);
    if (ip) req.headers["x-forwarded-for"] = ip;
    else delete req.headers["x-forwarded-for"];
    next();
  });

  const build = vite
    ? () => vite.ssrLoadModule("virtual:remix/server-build") as Promise<ServerBuild>
    : ((await import(path.resolve(buildDir(), "server/index.js"))) as ServerBuild);
  app.all(
    "*",
    remixHandler({
      build: containStorageErrors(build),
      mode: env.NODE_ENV,
      maxBodyBytes: MAX_REQUEST_BODY_BYTES,
      // The shared contexts plus this answer's CSP nonce (app/entry.server.tsx puts it on scripts).
      loadContext: (_req, res) => ({ ...context, billing, cspNonce: cspNonceOf(res) }),
    }),
  );
  app.use(apiErrorsAsJson());

  // The v1 API is answered by a Node-native handler before Express and Remix (app/server/api-v1.ts):
  // their per-request machinery cost most of an API request (docs/benchmarks.md). It gets the same
  // security headers and log line. It needs no cross-origin check: every /api/v1 request must carry
  // a Bearer key, and one without is refused before its body is read.
  const api = apiV1Handler(context);
  const noop = () => {};
  // Slow clients are cut off: 408 when the headers take over 20 s or the whole request over 30 s
  // (a body trickled byte by byte). Node checks these every connectionsCheckingInterval.
  const requestTimeoutMs = env.HTTP_REQUEST_TIMEOUT_SECONDS * 1000;
  const headersTimeoutMs = Math.min(20_000, requestTimeoutMs);
  const timeouts = {
    requestTimeout: requestTimeoutMs,
    headersTimeout: headersTimeoutMs,
    connectionsCheckingInterval: 1000,
  };
  const route = (req: IncomingMessage, res: ServerResponse) => {
    if (isApiV1Path(req.url)) {
      const requestId = assignRequestId(req, res);
      headers(req, res, noop);
      logRequest(req, res, noop);
      withRequestId(requestId, () => api(req, res));
    } else {
      if (isApiPath(req.url)) assignRequestId(req, res);
      app(req, res);
    }
  };
  // Writes wait (then get 503 storage_busy) while the WAL is past its bound (./wal-pressure.ts).
  const pressure = replica ? null : walPressureValve(env.DATABASE_PATH);
  const handle = pressure
    ? (req: IncomingMessage, res: ServerResponse) => pressure.admit(req, res, () => route(req, res))
    : route;
  // LiteFS mode (LITEFS_DIR set): a read replica replays writes to the primary (./litefs.ts).
  const server = createServer(
    timeouts,
    withLiteFs(handle, { https: env.appUrl.startsWith("https://"), config: liteFs }),
  );
  await new Promise<void>((resolve) => server.listen(env.PORT, env.HOST, () => resolve()));
  server.keepAliveTimeout = 65_000;
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : env.PORT;
  if (offlineStripe && offline && typeof address === "object" && address) {
    offline.setWebhookEndpoint(offlineStripe.loopbackWebhookUrl(address));
  }
  log.info("server listening", { url: env.APP_URL ?? `http://localhost:${port}`, headersTimeoutMs, requestTimeoutMs });
  if (offline) {
    // The demo banner: where to go, who to log in as, and where the offline Stripe's clock is.
    const url = env.APP_URL ?? `http://localhost:${port}`;
    const lines = [`Credit billing is running at ${url} (offline Stripe; no real payments)`];
    if (demo || getUserByEmail(db, DEMO_LOGINS.admin.email)) {
      lines.push(`Admin:    ${DEMO_LOGINS.admin.email} / ${DEMO_LOGINS.admin.password}`);
      lines.push(`Customer: ${DEMO_LOGINS.customer.email} / ${DEMO_LOGINS.customer.password}`);
    }
    lines.push(`Renew, fail a payment or refund (Stripe test clock): ${offline.url}/_offline`);
    process.stdout.write(`\n${lines.map((l) => `  ${l}`).join("\n")}\n\n`);
  }

  let closing: Promise<void> | undefined;
  // Keep-alive must not hold a shutdown open: a socket stays open after its answer, idle until
  // keepAliveTimeout (65 s, past the 25 s force-exit timer), and server.close() waits for it. So once
  // closing, new answers say "Connection: close" and any answer that finishes releases its socket.
  // A connection with no request in the app (silent, or a request line or headers still arriving)
  // is not in flight: on shutdown it gets a short grace to finish its headers, then is closed, so a
  // client that sends nothing cannot hold the process until the force-exit.
  const sockets = new Set<Socket>();
  const handling = new WeakSet<Socket>();
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  server.prependListener("request", (req: IncomingMessage, res: ServerResponse) => {
    handling.add(req.socket);
    res.once("close", () => handling.delete(req.socket));
    if (closing && !res.headersSent) res.setHeader("Connection", "close");
    res.on("finish", () => {
      if (closing) req.socket.destroySoon();
    });
  });
  const close = () =>
    (closing ??= (async () => {
      stopCreditJobs();
      stopBackupVerify();
      eventDispatcher.stop();
      autoTopup.stop();
      storage.stop();
      pressure?.stop();
      // Stop accepting, let in-flight requests finish, then close idle keep-alive sockets.
      const unstarted = setTimeout(() => {
        for (const socket of sockets) if (!handling.has(socket)) socket.destroy();
      }, SHUTDOWN_HEADERS_GRACE_MS);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      clearTimeout(unstarted);
      // Sends in flight finish (at most 10 s) and are recorded; pending deliveries go out on the next start.
      await webhookSender.stop();
      // Unsent mail stays pending in mail_outbox and goes out after the next start.
      await mailWorker.stop();
      unregisterMail();
      // Undelivered events stay in the offline Stripe's state file and go out on the next start.
      await offline?.close();
      await vite?.close();
      closeDatabase(db);
      writeGuard?.close();
    })());
  return { server, context, close };
}

/** How long a connection still sending its request line or headers may take to finish them once shutdown began. */
const SHUTDOWN_HEADERS_GRACE_MS = 3_000;

function buildDir(): string {
  // build/node/server.js → build/
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
}

async function main(): Promise<void> {
  // This entry point only runs as the compiled bundle (`npm start`, scripts/start.sh): it is the
  // production server unless NODE_ENV says otherwise. Without this, `npm start` with just the
  // documented variables would serve through the Vite dev server.
  process.env.NODE_ENV ||= "production";
  const env = parseEnvOrExit();
  const running = await startServer(env);
  let shuttingDown = false;
  const shutdown = (signal: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    log.info("shutting down", { signal });
    const force = setTimeout(() => {
      log.error("shutdown timed out; exiting");
      process.exit(1);
    }, 25_000);
    force.unref();
    running
      .close()
      // Under Litestream, let its last sync be a clean one (app/backup/litestream-exit.server.ts).
      .then(() => (underLitestream() ? settleLitestreamBeforeExit(env.DATABASE_PATH) : undefined))
      .then(
        () => process.exit(0),
        (e) => {
          log.error("shutdown failed", { error: String(e) });
          process.exit(1);
        },
      );
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    if (e instanceof DatabaseRefused) {
      // A clear sentence naming the path (full or read-only disk, damaged file, newer build), no stack.
      process.stderr.write(`${e.message}\n`);
      process.exit(1);
    }
    log.error("server failed to start", { error: e instanceof Error ? e.stack : String(e) });
    process.exit(1);
  });
}
