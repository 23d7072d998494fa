GO ?= go
export PATH := /usr/local/go/bin:$(PATH)
export CGO_ENABLED := 1
BIN := bin

.PHONY: all build test unit integration bench lint check-deps docs clean

all: build

build:
	@mkdir -p $(BIN)
	$(GO) build -o $(BIN)/ ./cmd/...

# Unit tests need no root and no network; integration tests drive real
# daemons, containers, bridges and pools and need root.
test: build check-deps unit integration

unit:
	$(GO) vet ./...
	$(GO) test -count=1 ./...

integration: build
	$(GO) test -count=1 -tags integration -timeout 40m -p 1 ./...

check-deps:
	$(GO) run ./scripts/check-deps

bench: build
	$(BIN)/lxd-benchmark suite --report docs/benchmarks.md

docs:
	$(GO) run ./scripts/gendocs

clean:
	rm -rf $(BIN)
