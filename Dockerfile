# syntax=docker/dockerfile:1
# mock-idp: a mock SAML 2.0 IdP, as a small static image.
#
#   docker buildx build --platform linux/amd64,linux/arm64 -t mock-idp .
#   docker run --rm -p 7000:7000 -e MOCK_IDP_BASE_URL=http://localhost:7000 mock-idp
#
# The binary is linked statically against musl and a static OpenSSL, so the final image holds
# nothing but it, the shipped users file and an empty /certs owned by the runtime user.

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
ENV OPENSSL_STATIC=1
RUN cargo build --release --locked --bin mock-idp \
    && mkdir -p /out/certs \
    && cp target/release/mock-idp /out/mock-idp
COPY users.yaml /out/users.yaml

FROM scratch
COPY --from=build /out/mock-idp /mock-idp
COPY --from=build /out/users.yaml /users.yaml
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
