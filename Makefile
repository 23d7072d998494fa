GO ?= go
export PATH := /usr/local/go/bin:$(PATH)
export CGO_ENABLED := 1
BIN := bin

.PHONY: all build test unit integration bench lint check-deps docs clean

all: build

build:
	@mkdir -p $(BIN)
	$(GO) build -o $(BIN)/ ./cmd/...

# Unit tests need no root and no network; integration tests (build tag
# "integration") drive real daemons, containers, bridges and pools as root.
# `make test` runs both tiers in one pass.
test: build check-deps
	$(GO) vet -tags integration ./...
	$(GO) test -count=1 -tags integration -timeout 60m -p 1 ./...

unit:
	$(GO) vet ./...
	$(GO) test -count=1 ./...

integration: build
	$(GO) test -count=1 -tags integration -timeout 60m -p 1 ./...

check-deps:
	$(GO) run ./scripts/check-deps

# Ours against LXD 5.0.2 (~15-20 min); BENCHFLAGS=--quick for a short run.
bench: build
	$(BIN)/lxd-benchmark suite --report docs/benchmarks.md $(BENCHFLAGS)

docs:
	$(GO) run ./scripts/gendocs

clean:
	rm -rf $(BIN)
