# syntax=docker/dockerfile:1
# space-app: one binary that serves, generates load and checks its own health.
# The Deno version here is the one CI installs (.ci/run reads it from this line).
ARG DENO_VERSION=2.9.6

# --- build: compile main.ts with exactly the service's permission set --------
FROM denoland/deno:${DENO_VERSION} AS build
WORKDIR /src
# Dependencies first, from the lockfile only, so code edits reuse this layer.
COPY deno.json deno.lock ./
RUN deno install --frozen
# .dockerignore keeps gen/, tests/, deploy/ and docs out of the context.
COPY . .
RUN deno task compile && ./space-app --version

# --- runtime: glibc and libgcc only, no shell, non-root ----------------------
# `deno compile` targets glibc only; distroless cc has glibc and libgcc and
# nothing else. Pinned by digest so a rebuild gets the same bytes; to take
# Debian security fixes, refresh it with
#   docker buildx imagetools inspect gcr.io/distroless/cc-debian12:nonroot
FROM gcr.io/distroless/cc-debian12:nonroot@sha256:9dac0a79194e45a7da0158a9c6da57b217585af0786db3845d1f0ec1a0dd182f
WORKDIR /app
COPY --from=build /src/space-app /app/space-app
USER nonroot:nonroot
ENV PORT=8000
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
  CMD ["/app/space-app", "healthcheck"]
ENTRYPOINT ["/app/space-app"]
CMD ["serve"]
