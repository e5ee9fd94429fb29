# syntax=docker/dockerfile:1
# space-app: one binary that serves, generates load and checks its own health.
# The Deno version here is the one CI installs (.ci/run reads it from this line).
ARG DENO_VERSION=2.9.6

# --- build: compile main.ts with exactly the service's permission set --------
FROM denoland/deno:${DENO_VERSION} AS build
WORKDIR /src
# Dependencies first, from the lockfile only, so code edits reuse this layer;
# only what main.ts imports (not the generator's and tests' packages).
COPY deno.json deno.lock main.ts ./
RUN deno install --frozen --entrypoint main.ts
# .dockerignore keeps gen/, tests/, deploy/ and docs out of the context.
COPY . .
RUN deno task compile && ./space-app --version

# --- runtime: glibc and libgcc only, no shell, non-root ----------------------
# `deno compile` targets glibc only; distroless cc has glibc and libgcc and
# nothing else. Debian 13 (distroless's Debian 12 images reached end of life
# in September 2026). Pinned by digest so a rebuild gets the same bytes; to
# take Debian security fixes, refresh it with
#   docker buildx imagetools inspect gcr.io/distroless/cc-debian13:nonroot
FROM gcr.io/distroless/cc-debian13:nonroot@sha256:c31ff9abcb1910f3ab25c7957bdaf0bfe12a01eb546e8df2282f1c8f682b606c
WORKDIR /app
COPY --from=build /src/space-app /app/space-app
# Numeric, so Kubernetes can verify runAsNonRoot without a runAsUser.
USER 65532:65532
# V8 sizes its heap from the container's memory limit, not the host's RAM.
ENV DENO_USE_CGROUPS=1
ENV PORT=8000
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
  CMD ["/app/space-app", "healthcheck"]
ENTRYPOINT ["/app/space-app"]
CMD ["serve"]
