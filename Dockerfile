# Multi-stage build of the trailflow binary. The hardened, minimal image (distroless, non-root,
# healthcheck) arrives with the deployment work; this one serves docker-compose.yml meanwhile.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin trailflow

FROM debian:bookworm-slim
RUN useradd --system --uid 10001 trailflow
COPY --from=build /src/target/release/trailflow /usr/local/bin/trailflow
COPY samples /samples
USER 10001
ENTRYPOINT ["/usr/local/bin/trailflow"]
CMD ["decode", "--output", "table", "/samples"]
