# syntax=docker/dockerfile:1
# erp-delta's image: the package as `npm pack` makes it, installed from its tarball with the same
# commands as test/integration/packaging/tarball.test.ts (test/support/package-install.ts holds
# them; test/unit/packaging/dockerfile.test.ts checks that the RUN lines below are those). No
# Docker engine runs where erp-delta is tested, so the image itself is not built there.
#
#   docker build -t erp-delta .
#   docker run --rm -v erp-delta-data:/var/lib/erp-delta -v ./erp-delta.yaml:/etc/erp-delta/erp-delta.yaml:ro \
#     -e ERP_DELTA__KAFKA__BROKERS='["kafka-1.example:9093"]' erp-delta run --config /etc/erp-delta/erp-delta.yaml
#
# docs/installing.md ("The image") says more; docker-compose.yml runs it beside the local stack.

# The active Node LTS line, the version the whole test suite runs on (test/node-lines/package.json).
ARG NODE_VERSION=26.12.1

# The checkout's own install (dev dependencies; `prepare` builds dist/), then the package. This
# stage also installs the Node binaries the test command uses (dev dependencies too): they stay
# here, and none of it reaches the image.
FROM node:${NODE_VERSION}-slim AS pack
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/root/.npm npm ci
RUN npm pack --ignore-scripts --pack-destination /pack

FROM node:${NODE_VERSION}-slim
# The tarball is mounted, not copied, so that no layer keeps it; nor the npm cache.
RUN --mount=type=bind,from=pack,source=/pack,target=/pack \
    --mount=type=cache,target=/root/.npm \
    npm install --prefix /opt/erp-delta --no-audit --no-fund /pack/erp-delta-*.tgz

# The launcher's start-up settings (bin/erp-delta.js), set here so that it starts no second
# process; the state stores in the volume; the admin endpoint (/healthz, /readyz, /metrics, the
# status page) reachable from outside the container, on the config's port (9464).
ENV PATH=/opt/erp-delta/node_modules/.bin:$PATH \
    NODE_OPTIONS="--max-semi-space-size=32 --disable-warning=TimeoutNegativeWarning" \
    MALLOC_ARENA_MAX=2 \
    ERP_DELTA__DATADIR=/var/lib/erp-delta \
    ERP_DELTA__ADMIN__HOST=0.0.0.0

# State is a cache (its changelog restores it), but a kept volume spares the restore at each start.
RUN mkdir -p /var/lib/erp-delta && chown node:node /var/lib/erp-delta
VOLUME /var/lib/erp-delta
WORKDIR /var/lib/erp-delta
# The base image's unprivileged user.
USER node

EXPOSE 9464
# Liveness: /healthz answers while the process works (readiness, /readyz, is for traffic and
# rollouts: it waits for the tasks to restore). The slim image has no curl: Node's fetch asks.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
    CMD ["node", "-e", "fetch('http://127.0.0.1:9464/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

ENTRYPOINT ["erp-delta"]
CMD ["run"]
