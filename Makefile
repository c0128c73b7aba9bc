# cashtag — every entry point a user or CI needs. `make help` lists them.
# Dependencies are installed on first use (npm ci from the lockfile); the build is incremental.
SHELL := /bin/bash
ARGS ?=
NODE ?= node
# How the project runs the CLI: the flags of src/cli.ts's first line (why: its header).
CASHTAG = $(NODE) --max-semi-space-size=8 dist/src/cli.js
export NODE_OPTIONS ?=

.DEFAULT_GOAL := help
.PHONY: help install build run run-stack test test-unit test-integration lint bench clean tools

help: ## list the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | sort | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

install: node_modules/.installed ## install npm dependencies from the lockfile

dist/.built: node_modules/.installed tsconfig.json $(shell find src test bench -name '*.ts' 2>/dev/null)
	npx tsc -p tsconfig.json
	@touch $@

build: dist/.built ## compile TypeScript to dist/

run: build ## run the speed layer on the embedded profile (ARGS="--duration 30 ..." passes flags)
	$(CASHTAG) run $(ARGS)

tools: browser ## command-line tools the tests use (promtool from Debian's prometheus package; chromium)
	@command -v promtool >/dev/null 2>&1 || deploy/local/stack.sh fetch prometheus

test-unit: build tools ## unit, runtime and golden tests (no servers needed)
	$(NODE) --test --test-force-exit --test-concurrency=1 $$(find dist/test -name '*.test.js' -not -path '*/integration/*' | sort)

STACK_DIR ?= $(CURDIR)/.stack
export STACK_DIR

test-integration: build tools ## integration tests against the real servers (starts the local stack when it is down)
	@deploy/local/stack.sh up
	set -a; . "$(STACK_DIR)/stack.env"; set +a; \
	  $(NODE) --test --test-force-exit --test-concurrency=1 $$(find dist/test/integration -name '*.test.js' | sort)

test: lint test-unit test-api test-integration ## everything CI runs: lint (types, layer rules), unit, runtime, golden, API contract and integration tests

run-stack: build ## the speed layer and both producers against `make up`'s servers (Ctrl-C stops all)
	@deploy/local/stack.sh running || { echo "the local stack is not running: make up first" >&2; exit 1; }
	@set -a; . "$(STACK_DIR)/stack.env"; set +a; \
	  trap 'kill $$P1 $$P2 2>/dev/null; wait' EXIT INT TERM; \
	  $(CASHTAG) produce tweets --producer-metrics-port 9465 $(PRODUCE_ARGS) & P1=$$!; \
	  $(CASHTAG) produce prices --producer-metrics-port 9466 $(PRODUCE_ARGS) & P2=$$!; \
	  $(CASHTAG) run $(ARGS)

lint: node_modules/.installed ## type check + eslint
	npx tsc -p tsconfig.json --noEmit
	npx eslint .

bench: build ## end-to-end throughput and latency of the embedded pipeline
	$(NODE) dist/bench/pipeline.js $(ARGS)

clean: ## remove build output
	rm -rf dist

# Feature areas add their targets in mk/*.mk (stack, sentiment benchmark, ...).
-include $(wildcard mk/*.mk)
