# sellerops: build, check and test.
#   make demo     build, install Chromium if missing, open the dashboard on the built-in sandbox
#   make doctor   build, install Chromium and a keyring if missing, check this machine
#   make test     gofmt check, go vet, and go test -race with a real keyring
SHELL := bash
GO ?= go
BIN := bin/sellerops
TEST_TIMEOUT ?= 30m
# Test binaries run side by side. Many packages spend their time waiting on
# Chromium and the sandbox rather than on the CPU, so four at a time on two
# cores finishes sooner than one per core; the tests wait on conditions and
# take their budgets from the test's deadline, so they hold under the load.
TEST_PACKAGES ?= 4
# Inside a package, tests that own their world run side by side, this many
# at a time (go test's own default is the core count).
TEST_PARALLEL ?= 4


.PHONY: build demo doctor test fmt-check vet bench clean

build:
	@[ -x $(BIN) ] || echo "building sellerops: the first build downloads the Go modules and takes a few minutes" >&2
	$(GO) build -o $(BIN) ./cmd/sellerops

demo: build
	@.ci/install-deps.sh run
	@$(BIN) demo

doctor: build
	@.ci/install-deps.sh run
	@.ci/with-keyring.sh $(BIN) doctor

fmt-check:
	@out=$$(gofmt -l $$(git ls-files -co --exclude-standard '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

test:
	@.ci/install-deps.sh test
	@$(MAKE) --no-print-directory fmt-check
	@$(MAKE) --no-print-directory vet
	.ci/with-keyring.sh $(GO) test -race -p $(TEST_PACKAGES) -parallel $(TEST_PARALLEL) -timeout $(TEST_TIMEOUT) ./...

# Each benchmark runs BENCH_COUNT times (6, the fewest for which benchstat
# gives a confidence interval) and benchstat prints the median of
# every figure (with its spread); the raw runs stay in bin/bench.txt.
# BENCH=regexp and PKG=./path/... narrow it.
BENCH ?= .
PKG ?= ./...
BENCH_COUNT ?= 6
BENCHSTAT := golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da

bench:
	@.ci/install-deps.sh test
	@mkdir -p bin
	set -o pipefail; $(GO) test -run '^$$' -bench '$(BENCH)' -benchmem -count $(BENCH_COUNT) -timeout 2h $(PKG) | tee bin/bench.txt
	$(GO) run $(BENCHSTAT) bin/bench.txt

clean:
	rm -rf bin
