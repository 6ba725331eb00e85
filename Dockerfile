# hotline: a static binary on a minimal, non-root image.
# Build: docker build -t hotline .   (not buildable on the development machines: no Docker engine there)
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/hotline ./cmd/hotline

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/hotline /usr/local/bin/hotline
USER nonroot:nonroot
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/hotline"]
CMD ["serve"]
