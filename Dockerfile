# Multi-stage build: compile in the Rust image, run on a slim Debian with only the binary and
# its config files. Dependencies are built in their own layer so code changes rebuild fast.
FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
RUN mkdir -p src tests/api \
    && echo 'fn main() {}' > src/main.rs && touch src/lib.rs && touch tests/api/main.rs \
    && cargo build --release --locked \
    && rm -rf src tests
COPY . .
# Make sure cargo sees the real sources as newer than the placeholder build.
RUN touch src/main.rs src/lib.rs && cargo build --release --locked --bin mcn

FROM debian:bookworm-slim AS runtime
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl tzdata \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home /app mcn
WORKDIR /app
COPY --from=build /src/target/release/mcn /usr/local/bin/mcn
COPY config ./config
USER mcn
ENV MCN_ENV=production \
    MCN_ADDR=0.0.0.0:8080
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
    CMD curl -fsS http://127.0.0.1:8080/healthz || exit 1
ENTRYPOINT ["mcn"]
CMD ["serve"]
