# syntax=docker/dockerfile:1
# MAG gateway image. The app is TypeScript run by tsx (a runtime dependency): no build step.
# Stage 1 installs the production dependencies (better-sqlite3 compiles from source when no
# prebuilt binary matches, hence python3/make/g++); stage 2 is the slim runtime, non-root.
ARG NODE_IMAGE=node:20.19.5-bookworm-slim

FROM ${NODE_IMAGE} AS deps
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund \
 && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    MAG_HOST=0.0.0.0 \
    MAG_DATA_DIR=/data \
    MAG_MQTT_PORT=1883 \
    MAG_HTTP_PORT=8080
WORKDIR /app
# Code and dependencies stay owned by root (read-only to the gateway); only /data is writable.
COPY --from=deps /app/node_modules ./node_modules
COPY package.json package-lock.json ./
COPY bin ./bin
COPY src ./src
COPY devices ./devices
COPY simulators ./simulators
COPY dashboards ./dashboards
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME /data
EXPOSE 1883 8080
# Slim images have no curl: node probes /healthz, over HTTPS when MAG_TLS_CERT/MAG_TLS_KEY make
# the API serve TLS (its certificate is not checked: this is the process asking itself).
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "const tls=!!(process.env.MAG_TLS_CERT&&process.env.MAG_TLS_KEY);require(tls?'https':'http').get({host:'127.0.0.1',port:process.env.MAG_HTTP_PORT||8080,path:'/healthz',rejectUnauthorized:false,timeout:4000},r=>process.exit(r.statusCode===200?0:1)).on('error',()=>process.exit(1)).on('timeout',()=>process.exit(1))"]
# A young generation of a fixed 64 MiB semi-space: garbage collection was a third of the gateway's
# time when V8 sized it itself (bench/README.md, "The young generation").
CMD ["node", "--max-semi-space-size=64", "--min-semi-space-size=64", "bin/mag.mjs", "start"]
