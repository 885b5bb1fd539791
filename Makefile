# parquet-gateway build entry points. Every target runs on the Node pinned in
# package.json (node@24 dev dependency), reached through node_modules/.bin.
SHELL := /bin/bash
export PATH := $(CURDIR)/node_modules/.bin:$(PATH)

.PHONY: install build test lint bench demo clean

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

install: node_modules/.installed
	@if ! command -v promtool >/dev/null 2>&1; then \
	  echo "installing Debian prometheus (reference promtool/prometheus 2.42)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null; \
	fi

build: install
	tsc -p tsconfig.json

lint: install
	tsc -p tsconfig.lint.json

test: build
	vitest run $(VITEST_ARGS)

bench: build
	node dist/bench/run.js

clean:
	rm -rf dist .tmp
