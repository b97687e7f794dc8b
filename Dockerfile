# ghes-mock in a container:
#
#   docker build -t ghes-mock .
#   docker run -p 8080:8080 ghes-mock
#
# Both base images are build arguments, so a mirror or a pinned image can be
# swapped in: docker build --build-arg RUST_IMAGE=... --build-arg RUNTIME_IMAGE=...
ARG RUST_IMAGE=rust:1-slim-bookworm
ARG RUNTIME_IMAGE=debian:bookworm-slim

FROM ${RUST_IMAGE} AS build
WORKDIR /src
ENV CARGO_PROFILE_RELEASE_STRIP=symbols \
    CARGO_TERM_COLOR=never
# Dependencies first, against an empty crate: this layer is rebuilt only when
# Cargo.toml or Cargo.lock change, not on every source edit.
COPY Cargo.toml Cargo.lock build.rs ./
RUN mkdir src \
 && echo 'fn main() {}' > src/main.rs \
 && touch src/lib.rs \
 && cargo build --release --locked --bin ghes-mock \
 && rm -rf src
COPY migrations migrations
COPY src src
# COPY keeps the files' own times, which may be older than the empty crate's.
RUN touch src/lib.rs src/main.rs \
 && cargo build --release --locked --bin ghes-mock \
 && mkdir -p /out/data \
 && cp target/release/ghes-mock /out/ghes-mock

FROM ${RUNTIME_IMAGE}
COPY --from=build /out/ghes-mock /usr/local/bin/ghes-mock
# Where a database file lives when state must outlive the container:
#   docker run -v ghes-mock-data:/data -e GHES_MOCK_DATABASE=/data/ghes-mock.sqlite3 ...
# (no VOLUME instruction: by default state is in memory, and an anonymous
# volume per `docker run` would only pile up).
COPY --from=build --chown=10001:10001 /out/data /data
USER 10001:10001
# Inside the container the server must listen on every interface; the port
# is published with -p.
ENV GHES_MOCK_BIND=0.0.0.0:8080
EXPOSE 8080
# No shell or curl needed: the binary checks itself over loopback.
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
  CMD ["/usr/local/bin/ghes-mock", "healthcheck"]
# The binary is PID 1 and stops gracefully on SIGTERM (docker stop).
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/ghes-mock"]
CMD ["serve"]
