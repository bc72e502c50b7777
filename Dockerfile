# syntax=docker/dockerfile:1.7
# Threadline: one image for every role (APP_ROLE=api|worker|all) and for the CXone simulator.

# ── build: install with dev dependencies, compile, then drop dev dependencies ──
FROM node:20.20-bookworm-slim AS build
WORKDIR /app
ENV PRISMA_HIDE_UPDATE_MESSAGE=1
COPY package.json package-lock.json ./
COPY scripts ./scripts
COPY prisma ./prisma
COPY prisma.config.ts ./
COPY src/config/defaults.ts ./src/config/defaults.ts
# postinstall generates the Prisma client into src/infra/prisma/generated
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev --no-audit --no-fund
# Prisma's native schema engine (downloaded here, where the network is available) lets `db:migrate` run
# `prisma migrate deploy`; without it the built-in runner applies the same migrations.
RUN node node_modules/@prisma/engines/scripts/postinstall.js \
  || echo "Prisma schema engine not downloaded: db:migrate will use the built-in migration runner"

# ── runtime: production dependencies and compiled code only, as a non-root user ──
FROM node:20.20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    PRISMA_HIDE_UPDATE_MESSAGE=1 \
    HOST=0.0.0.0 \
    PORT=3000
RUN apt-get update \
  && apt-get install -y --no-install-recommends openssl ca-certificates tini \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build --chown=node:node /app/package.json /app/package-lock.json /app/prisma.config.ts ./
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
COPY --from=build --chown=node:node /app/prisma ./prisma
COPY --from=build --chown=node:node /app/public ./public
COPY --from=build --chown=node:node /app/src/config/defaults.ts ./src/config/defaults.ts
COPY --from=build --chown=node:node /app/scripts/docker-entrypoint.sh ./scripts/docker-entrypoint.sh
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["/usr/bin/tini", "--", "./scripts/docker-entrypoint.sh"]
