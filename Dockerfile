# lbsim as a container: `docker build -t lbsim .`, then
#   docker run --rm -v "$PWD/scenarios:/scenarios:ro" -v "$PWD/results:/results" \
#     lbsim run /scenarios/example.yaml --out /results
# Scenarios are read from a mounted folder, results written to a mounted folder (writable by
# uid 1000, the image's non-root user). deploy/kubernetes/ runs it as an Indexed Job
# (docs/SCALE.md). test/scale/container.test.ts checks what can be checked without a runtime.

# Build: the same install as .ci/run (npm ci runs `prepare`, i.e. `npm run build`).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY bench ./bench
RUN npm ci --no-audit --no-fund

# Production dependencies only (no compiler, test runner or linter in the image).
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist/src ./dist/src
COPY bin ./bin
COPY scenarios ./scenarios
# The base image's unprivileged user (uid 1000); nothing in /app is writable by it.
RUN install -d -o node -g node /work
USER node
WORKDIR /work
ENTRYPOINT ["node", "/app/bin/lbsim.js"]
CMD ["--help"]
