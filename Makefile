# sellerops: build, check and test.
#   make demo     build, install Chromium if missing, open the dashboard on the built-in sandbox
#   make doctor   build, install Chromium and a keyring if missing, check this machine
#   make test     gofmt check, go vet, and go test -race with a real keyring
SHELL := bash
GO ?= go
BIN := bin/sellerops
TEST_TIMEOUT ?= 30m


.PHONY: build demo doctor test fmt-check vet bench clean

build:
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
	.ci/with-keyring.sh $(GO) test -race -timeout $(TEST_TIMEOUT) ./...

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

clean:
	rm -rf bin
