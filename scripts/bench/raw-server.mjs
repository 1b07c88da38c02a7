#!/usr/bin/env node
// The HTTP baseline: a bare node:http server doing the same raw-SQL deduction as raw-sql.mjs
// for POST /api/v1/users/:id/deductions. Prints {"port": N} on stdout once it listens.
import Database from "better-sqlite3";
import http from "node:http";
import { applyAppPragmas, rawDeducter } from "./raw-sql.mjs";

const sqlite = new Database(process.env.DATABASE_PATH);
applyAppPragmas(sqlite);
const deduct = rawDeducter(sqlite);
const ROUTE = /^\/api\/v1\/users\/(\d+)\/deductions$/;

const server = http.createServer((req, res) => {
  const match = req.method === "POST" ? ROUTE.exec(req.url ?? "") : null;
  if (!match) {
    res.writeHead(404).end();
    return;
  }
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    let status = 201;
    let body;
    try {
      body = deduct(Number(match[1]), JSON.parse(Buffer.concat(chunks).toString("utf8")).amount);
    } catch (e) {
      status = 400;
      body = { error: { code: "invalid_request", message: String(e) } };
    }
    const text = JSON.stringify(body);
    res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) });
    res.end(text);
  });
});
server.keepAliveTimeout = 65_000;
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});
const stop = () => server.close(() => process.exit(0));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
