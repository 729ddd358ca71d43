# syntax=docker/dockerfile:1
# mock-idp: a mock SAML 2.0 IdP, as a small static image.
#
#   docker buildx build --platform linux/amd64,linux/arm64 -t mock-idp .
#   docker run --rm -p 7000:7000 -e MOCK_IDP_BASE_URL=http://localhost:7000 mock-idp
#
# The binary is linked statically (here against musl) with a static OpenSSL, so the final image
# holds nothing but it, the shipped users file and an empty /certs owned by the runtime user.
#
# The runtime stage takes the binary from the stage named `build`. A named build context of
# that name replaces the stage, so a static binary built elsewhere goes into the same runtime
# stage without rust:1-alpine (tests/image does this; README, "Use in CI"):
#
#   mkdir -p prebuilt/out/certs && cp path/to/static/mock-idp prebuilt/out/
#   podman build --format docker --build-context build=prebuilt -t mock-idp .
#   docker buildx build --build-context build=prebuilt -t mock-idp .

FROM rust:1-alpine AS build
# Not pinned: rust:1-alpine moves to new Alpine releases and Alpine drops superseded package
# versions from its index, so pins would break the build; this stage is not shipped.
# hadolint ignore=DL3018
RUN apk add --no-cache musl-dev openssl-dev openssl-libs-static pkgconf
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src src
COPY templates templates
COPY benches benches
COPY tests tests
# Symbols stripped: nearly a fifth of the binary's size, and nothing in the image reads them.
ENV OPENSSL_STATIC=1 \
    CARGO_PROFILE_RELEASE_STRIP=symbols
RUN cargo build --release --locked --bin mock-idp \
    && mkdir -p /out/certs \
    && cp target/release/mock-idp /out/mock-idp

FROM scratch
COPY --from=build /out/mock-idp /mock-idp
COPY users.yaml /users.yaml
COPY --from=build --chown=65532:65532 /out/certs /certs
USER 65532:65532
# MIMALLOC_ALLOW_THP=0: no transparent huge pages for the allocator's arenas, even on hosts
# whose THP setting is `always` (they would double the idle memory).
ENV MOCK_IDP_BIND=0.0.0.0:7000 \
    MOCK_IDP_USERS=/users.yaml \
    MOCK_IDP_CERTS=/certs \
    MIMALLOC_ALLOW_THP=0
EXPOSE 7000
VOLUME ["/certs"]
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 CMD ["/mock-idp", "healthcheck"]
ENTRYPOINT ["/mock-idp"]
