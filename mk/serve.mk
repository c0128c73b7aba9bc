# Serving layer (issue 6): the browser the dashboard test drives, the serving tests and the API
# benchmark. `make test` should depend on `browser`.
.PHONY: browser wrk test-serve bench-serve api-tools test-api bench-slow-clients
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)

browser: ## Debian's chromium for the dashboard's browser test (apt-get, only when /usr/bin/chromium is missing)
	@test -x /usr/bin/chromium || { \
	  apt-cache policy chromium 2>/dev/null | grep -q 'Candidate: [0-9]' || $(SUDO) apt-get update; \
	  $(SUDO) apt-get install -y --no-install-recommends chromium; }
	@test -x /usr/bin/chromium || { echo "make browser: /usr/bin/chromium is still missing after apt-get" >&2; exit 1; }

test-serve: build browser ## the serving layer's tests: API, hostile input, dashboard in chromium
	$(NODE) --test --test-concurrency=1 $$(find dist/test/serving -name '*.test.js' | sort)

wrk: ## Debian's wrk, one of bench-serve's load generators (apt-get, only when it is missing)
	@command -v wrk >/dev/null 2>&1 || { \
	  apt-cache policy wrk 2>/dev/null | grep -q 'Candidate: [0-9]' || $(SUDO) apt-get update; \
	  $(SUDO) apt-get install -y --no-install-recommends wrk; }

bench-serve: build wrk ## GET /api/tweets at 500 req/s (autocannon and wrk) while the pipeline runs at 5,000 tweets/s: p99 and throughput
	$(NODE) dist/bench/serve.js $(ARGS)

# The API's contract from outside (issue 14): Python tools from PyPI, pinned in
# test/api/requirements.txt, in a venv under the repository (.tools/py), installed on first use.
PY_TOOLS ?= $(CURDIR)/.tools/py
export PY_TOOLS

$(PY_TOOLS)/.installed: test/api/requirements.txt
	python3 -m venv $(PY_TOOLS)
	$(PY_TOOLS)/bin/pip install --quiet --disable-pip-version-check -r test/api/requirements.txt
	@touch $@

api-tools: $(PY_TOOLS)/.installed ## openapi-spec-validator and schemathesis (PyPI, pinned) in .tools/py

test-api: build api-tools ## validate /openapi.json and fuzz a running `cashtag serve` with schemathesis, all checks (part of `make test`)
	NODE=$(NODE) scripts/test-api.sh

bench-slow-clients: build ## slow-header clients and a live-stream flood against `cashtag serve` with the defaults: when they are dropped, RSS
	$(NODE) dist/bench/slow-clients.js $(ARGS)
