# godwit build, test and demo entry points. Run `make help` for the list.
#
# Tests start their own throwaway MariaDB / PostgreSQL servers from the installed binaries
# (package testenv). Locally a missing binary skips those tests; with CI=true (set by .ci/run,
# never forced here) it fails them.
#
# Race detector: -race slows the database-heavy packages 5-10x on a 2-core machine and would
# blow the 9 minute budget, so `make test` runs every package once without -race and, at the
# same time, the pure, fast packages (RACE_PKGS: no database, in-memory or httptest only)
# again with -race, the lifecycle concurrency tests (RACE_E2E) with -race against real
# servers, and each fuzz target for FUZZSHORT.
# Override, e.g. `make test RACE_PKGS=./...` on a big machine.

SHELL := /bin/bash
export PATH := /usr/local/go/bin:$(PATH)
GO ?= go
BIN ?= bin/godwit
RACE_PKGS ?= ./model/... ./errs/... ./change/... ./schema/... ./client/... ./cmd/godwit/... ./api/... ./meta/... ./secret/... ./changestore/...
# RACE_E2E: the lifecycle concurrency tests, which must pass under -race against real servers.
RACE_E2E ?= ^(TestLifecycleHammer|TestStopWhileStepEnds|TestLifecycleHammerLive)$$
TEST_TIMEOUT ?= 9m
FUZZTIME ?= 15s
FUZZSHORT ?= 3s # per fuzz target in `make test`
LDFLAGS ?= -X main.version=$(shell git describe --tags --always --dirty 2>/dev/null || echo dev)

.PHONY: help build deps demo test test-all test-race test-race-e2e test-fuzz vet fuzz bench soak clean

help:
	@echo "make build   build $(BIN)"
	@echo "make deps    install missing MariaDB/PostgreSQL binaries and gcc (Debian 12, as root); go mod download"
	@echo "make demo    deps + build + ./$(BIN) demo (DEMO_EXIT=1 to exit after the summary)"
	@echo "make test    deps, go vet, all tests, -race on RACE_PKGS"
	@echo "make fuzz    run every Fuzz target for FUZZTIME ($(FUZZTIME))"
	@echo "make bench   run bench/*.sh if present"
	@echo "make soak    run soak/*.sh if present"

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/godwit

# deps installs only what is missing, so it is a no-op (and needs no root) on a ready machine.
# gcc is needed by `go test -race` (cgo). The system services the packages would start are
# kept from starting during the install: godwit never uses them (testenv starts its own).
deps:
	@need=""; \
	{ command -v mariadbd || test -x /usr/sbin/mariadbd; } >/dev/null 2>&1 || need="$$need mariadb-server"; \
	{ command -v mariadb-install-db || test -x /usr/bin/mariadb-install-db; } >/dev/null 2>&1 || need="$$need mariadb-server"; \
	command -v mariadb >/dev/null 2>&1 || need="$$need mariadb-client"; \
	compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || need="$$need postgresql"; \
	command -v gcc >/dev/null 2>&1 || need="$$need gcc libc6-dev"; \
	command -v chromium >/dev/null 2>&1 || need="$$need chromium chromium-driver"; \
	if [ -n "$$need" ]; then \
		need=$$(tr ' ' '\n' <<<"$$need" | sort -u | xargs); \
		if [ "$$(id -u)" != 0 ]; then echo "deps: missing packages: $$need — run 'make deps' as root" >&2; exit 1; fi; \
		echo "deps: installing $$need"; \
		policy=0; if [ ! -e /usr/sbin/policy-rc.d ]; then printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; policy=1; fi; \
		rc=0; DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$need || rc=$$?; \
		if [ $$policy = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi; \
		exit $$rc; \
	fi
	$(GO) mod download

demo: deps build
	./$(BIN) demo

vet:
	$(GO) vet ./...

# The four parts run at once (make -j, output grouped per part): the e2e package is the long
# pole of test-all and mostly waits on its servers, so the race and fuzz parts run beside it.
test: deps vet
	@$(MAKE) --no-print-directory -j4 --output-sync=target test-all test-race test-race-e2e test-fuzz

test-all:
	@mkdir -p _artifacts
	$(GO) test -count=1 -timeout $(TEST_TIMEOUT) -artifacts -outputdir $(CURDIR) ./... # screenshots etc. under _artifacts/

test-race:
	$(GO) test -race -count=1 -timeout $(TEST_TIMEOUT) $(RACE_PKGS)

test-race-e2e:
	$(GO) test -race -count=1 -timeout $(TEST_TIMEOUT) -run '$(RACE_E2E)' ./engine/ ./e2e/

test-fuzz:
	@$(MAKE) --no-print-directory fuzz FUZZTIME=$(FUZZSHORT)

# fuzz runs each Fuzz target on its own (go test -fuzz accepts one target per package run).
# Go 1.26's fuzz coordinator can report "context deadline exceeded" as a failure when
# -fuzztime ends while a worker is mid-input (go.dev/issue/75804, fixed in Go 1.27): such a
# run, which wrote no failing input, is reported and not counted as a failure. Any run that
# writes a failing input (testdata/fuzz/…) fails.
fuzz:
	@set -e; found=0; \
	for f in $$(grep -rl --include='*_test.go' -E '^func Fuzz[A-Z0-9_][A-Za-z0-9_]*\(' . | grep -v '/vendor/'); do \
		dir=$$(dirname "$$f"); \
		for t in $$(grep -oE '^func Fuzz[A-Za-z0-9_]*' "$$f" | cut -d' ' -f2); do \
			found=1; echo "fuzz: $$dir $$t ($(FUZZTIME))"; \
			rc=0; out=$$($(GO) test -run='^$$' -fuzz="^$$t\$$" -fuzztime=$(FUZZTIME) "./$${dir#./}" 2>&1) || rc=$$?; \
			echo "$$out"; \
			if [ $$rc != 0 ]; then \
				if echo "$$out" | grep -q 'context deadline exceeded' && ! echo "$$out" | grep -q 'Failing input written'; then \
					echo "fuzz: $$t: Go's -fuzztime deadline race (go.dev/issue/75804), no failing input: not a failure"; \
				else exit $$rc; fi; \
			fi; \
		done; \
	done; \
	[ $$found = 1 ] || echo "fuzz: no Fuzz targets found"

bench:
	@if compgen -G 'bench/*.sh' >/dev/null; then \
		set -e; for s in bench/*.sh; do echo "bench: $$s"; bash "$$s"; done; \
	else echo "bench: no bench/*.sh scripts yet"; fi

soak:
	@if compgen -G 'soak/*.sh' >/dev/null; then \
		set -e; for s in soak/*.sh; do echo "soak: $$s"; bash "$$s"; done; \
	else echo "soak: no soak/*.sh scripts yet"; fi

clean:
	rm -rf bin
