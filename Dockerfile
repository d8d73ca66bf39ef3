# syntax=docker/dockerfile:1
# trailflow's container image: built with the pinned toolchain, run on distroless (glibc, CA
# certificates, no shell) as a non-root user. `docker build -t trailflow .`
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --bin trailflow \
 && cp target/release/trailflow /trailflow \
 && strip /trailflow \
 && mkdir -p /empty

FROM gcr.io/distroless/cc-debian12:nonroot
LABEL org.opencontainers.image.title="trailflow" \
      org.opencontainers.image.description="CloudTrail and VPC Flow Logs to operational and security metrics for EKS" \
      org.opencontainers.image.licenses="Apache-2.0"
COPY --from=build /trailflow /usr/local/bin/trailflow
COPY deploy/example.toml /etc/trailflow/trailflow.toml
# The local ledger's directory, owned by the runtime user so a fresh volume mounted there is too.
COPY --from=build --chown=65532:65532 /empty /var/lib/trailflow
USER nonroot:nonroot
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s CMD ["/usr/local/bin/trailflow", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/trailflow"]
# As a Lambda function, the command is `lambda` (deploy/terraform/lambda-example): the binary
# is its own Lambda runtime client, so no Lambda base image is needed.
CMD ["run", "--config", "/etc/trailflow/trailflow.toml"]
