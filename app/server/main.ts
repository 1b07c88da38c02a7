import { createRequestHandler } from "@remix-run/express";
import type { ServerBuild } from "@remix-run/node";
import compression from "compression";
import express from "express";
import type { Server } from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { closeDatabase, openDatabase } from "../../db/client";
import { migrateDatabase } from "../../db/migrate";
import { seedDemoIfEmpty } from "../../db/seed";
import { systemClock } from "../utils/clock";
import type { AppContext } from "../utils/context.server";
import { EnvError, parseEnv, type Env } from "../utils/env.server";
import { log, setLogLevel } from "../utils/log.server";
import { refuseCrossOriginPosts, requestLog, securityHeaders } from "./http";

export interface RunningServer {
  server: Server;
  context: AppContext;
  close(): Promise<void>;
}

/** Starts the production (or, with a Vite dev server, the development) server. */
export async function startServer(env: Env): Promise<RunningServer> {
  setLogLevel(env.LOG_LEVEL);
  migrateDatabase(env.DATABASE_PATH);
  const db = openDatabase(env.DATABASE_PATH);
  const context: AppContext = { db, clock: systemClock, env };
  const demo = await seedDemoIfEmpty(context);

  const production = env.NODE_ENV === "production";
  const vite = production
    ? undefined
    : await import("vite").then((v) => v.createServer({ server: { middlewareMode: true } }));

  const app = express();
  app.disable("x-powered-by");
  app.set("trust proxy", true);
  app.use(securityHeaders({ production, https: env.appUrl.startsWith("https://") }));
  app.use(requestLog());
  app.use(compression());

  app.get("/healthz", (_req, res) => {
    try {
      db.$client.prepare("select 1 as ok from users limit 1").all();
      res.status(200).json({ ok: true });
    } catch (e) {
      res.status(503).json({ ok: false, error: String(e) });
    }
  });

  if (vite) {
    app.use(vite.middlewares);
  } else {
    const clientDir = path.resolve(buildDir(), "client");
    app.use("/assets", express.static(path.join(clientDir, "assets"), { immutable: true, maxAge: "1y" }));
    app.use(express.static(clientDir, { maxAge: "1h" }));
  }
  app.use(express.static("public", { maxAge: "1h" }));
  app.use(refuseCrossOriginPosts(env.appUrl));

  const build = vite
    ? () => vite.ssrLoadModule("virtual:remix/server-build") as Promise<ServerBuild>
    : ((await import(path.resolve(buildDir(), "server/index.js"))) as ServerBuild);
  app.all("*", createRequestHandler({ build, mode: env.NODE_ENV, getLoadContext: () => context }));

  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(env.PORT, env.HOST, () => resolve(s));
  });
  server.keepAliveTimeout = 65_000;
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : env.PORT;
  log.info("server listening", { url: env.APP_URL ?? `http://localhost:${port}` });
  if (demo) {
    const url = env.APP_URL ?? `http://localhost:${port}`;
    process.stdout.write(
      `\n  Credit billing demo is running at ${url}\n` +
        `  Admin:    ${demo.admin.email} / ${demo.admin.password}\n` +
        `  Customer: ${demo.customer.email} / ${demo.customer.password}\n\n`,
    );
  }

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      // Stop accepting, let in-flight requests finish, then close idle keep-alive sockets.
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await vite?.close();
      closeDatabase(db);
    })());
  return { server, context, close };
}

function buildDir(): string {
  // build/node/server.js → build/
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
}

async function main(): Promise<void> {
  let env: Env;
  try {
    env = parseEnv();
  } catch (e) {
    if (e instanceof EnvError) {
      process.stderr.write(e.message + "\n");
      process.exit(1);
    }
    throw e;
  }
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
    running.close().then(
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
    log.error("server failed to start", { error: e instanceof Error ? e.stack : String(e) });
    process.exit(1);
  });
}
