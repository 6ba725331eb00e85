# Developer shortcuts. CI does not use this file: it runs .ci/run (scripts/test).
# `make` or `make help` lists the targets.

GO       ?= go
BIN      ?= bin/hotline
VERSION  ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -X main.version=$(VERSION)
FUZZ     ?= FuzzClassify
FUZZTIME ?= 60s
FUZZPKG  ?= ./triage/

.DEFAULT_GOAL := help
.PHONY: help test demo build vet fmt bench bench-flood fuzz

help: ## list the targets
	@awk 'BEGIN { FS = ":.*## " } /^[a-zA-Z_-]+:.*## / { printf "  make %-8s %s\n", $$1, $$2 }' $(MAKEFILE_LIST)

test: ## run all tests against throwaway Postgres and Redis (scripts/test)
	scripts/test

demo: ## run `hotline demo` with Postgres and Redis kept in .demo/ (scripts/demo)
	scripts/demo

build: ## build bin/hotline, stamped with `git describe`
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/hotline

vet: ## go vet ./...
	$(GO) vet ./...

fmt: ## gofmt every Go file of the module
	$(GO) fmt ./...

bench: ## run the benchmarks (no tests, no -race) with Postgres and Redis up
	GO_TEST_FLAGS='-count=1 -timeout 60m' scripts/test -run '^$$' -bench . -benchmem ./...

bench-flood: ## P1 time-to-alert, quiet and during a flood of 10,000 messages from 50 numbers (loopback)
	GO_TEST_FLAGS='-count=1 -timeout 20m' scripts/test -run '^$$' -bench '^BenchmarkFloodP1TimeToAlert$$' -benchtime 1x ./cmd/hotline/

fuzz: ## fuzz FuzzClassify in ./triage/ for 60s (FUZZ, FUZZTIME, FUZZPKG override)
	GO_TEST_FLAGS='-count=1' scripts/test -run '^$(FUZZ)$$' -fuzz '^$(FUZZ)$$' -fuzztime $(FUZZTIME) $(FUZZPKG)
