# syntax=docker/dockerfile:1

# A Go service: built natively for the target platform, tested in its own
# stage, shipped on a small base.
ARG GO_VERSION=1.22
ARG ALPINE_VERSION=3.19

FROM --platform=$BUILDPLATFORM golang:${GO_VERSION}-alpine AS build
WORKDIR /src
ENV CGO_ENABLED=0
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG TARGETOS
ARG TARGETARCH
RUN GOOS=$TARGETOS GOARCH=$TARGETARCH \
    go build -trimpath -ldflags="-s -w" \
    -o /out/server ./cmd/server

FROM build AS test
RUN go test ./...

FROM alpine:${ALPINE_VERSION}
RUN apk add --no-cache ca-certificates \
 && adduser -D -u 10001 app
COPY --from=build --chown=app:app /out/server /usr/local/bin/server
USER app
EXPOSE 8080/tcp
HEALTHCHECK --interval=30s --timeout=3s --retries=3 \
  CMD ["/usr/local/bin/server", "-healthcheck"]
ENTRYPOINT ["/usr/local/bin/server"]
CMD ["-listen", ":8080"]
