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

# ---- litestream: the pinned release, checked against its known SHA-256 --------------------------
# litestream.yml is written for the v0.3 configuration syntax; change both together.
FROM ${NODE_IMAGE} AS litestream
ARG LITESTREAM_VERSION=0.3.13
ARG LITESTREAM_SHA256_AMD64=eb75a3de5cab03875cdae9f5f539e6aedadd66607003d9b1e7a9077948818ba0
ARG LITESTREAM_SHA256_ARM64=9585f5a508516bd66af2b2376bab4de256a5ef8e2b73ec760559e679628f2d59
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && rm -rf /var/lib/apt/lists/*
RUN set -eux; \
    arch="$(dpkg --print-architecture)"; \
    case "$arch" in \
      amd64) sha256="$LITESTREAM_SHA256_AMD64" ;; \
      arm64) sha256="$LITESTREAM_SHA256_ARM64" ;; \
      *) echo "no pinned Litestream checksum for $arch" >&2; exit 1 ;; \
    esac; \
    curl -fsSL -o /tmp/litestream.tar.gz \
      "https://github.com/benbjohnson/litestream/releases/download/v${LITESTREAM_VERSION}/litestream-v${LITESTREAM_VERSION}-linux-${arch}.tar.gz"; \
    echo "${sha256}  /tmp/litestream.tar.gz" | sha256sum -c -; \
    mkdir /tmp/litestream; \
    tar -xzf /tmp/litestream.tar.gz -C /tmp/litestream; \
    install -m 0755 /tmp/litestream/litestream /usr/local/bin/litestream; \
    litestream version

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
COPY --from=litestream /usr/local/bin/litestream /usr/local/bin/litestream
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
