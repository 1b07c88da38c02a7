# syntax=docker/dockerfile:1

# One base image for every stage: better-sqlite3's native addon is compiled in `build` and loaded in
# `runtime`, so both must have the same Debian (glibc) and the same Node ABI.
ARG NODE_IMAGE=node:20-bookworm-slim

# ---- build: install everything, build, then drop the dev dependencies ----------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
# better-sqlite3 compiles from source (node-gyp) when no prebuilt binary matches this platform.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build
RUN npm prune --omit=dev
# Litestream comes from the lockfile like every other dependency: `npm ci` installed
# @flydotio/litestream (a production dependency, so the prune keeps it) with the v0.3.13 binary for
# this platform, integrity-checked against package-lock.json. One version, in one place;
# scripts/start.sh runs that binary. litestream.yml is written for the v0.3 syntax: change both together.
RUN node_modules/@flydotio/litestream-linux-$(node -p process.arch)/litestream version

# ---- runtime -------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
# ca-certificates: Litestream talks TLS to object storage. sqlite3: inspecting the live database
# from `fly ssh console`.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates sqlite3 \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    DATABASE_PATH=/data/app.db
# package.json says "type": "module", which the ESM bundles in build/node need.
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/build ./build
COPY --from=build /app/migrations ./migrations
COPY --from=build /app/public ./public
COPY --from=build /app/litestream.yml ./litestream.yml
# credits.mjs makes `npm run credits -- …` (the operations CLI) work on the machine.
COPY --from=build /app/scripts/credits.mjs ./scripts/credits.mjs
COPY --from=build --chmod=0755 /app/scripts/start.sh ./scripts/start.sh
EXPOSE 8080
# Fly.io uses the checks in fly.toml; this one is for `docker run` and other runtimes.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Runs as root: Fly mounts volumes owned by root, and the VM runs nothing else.
CMD ["/app/scripts/start.sh"]
