# parquet-gateway build entry points. Every target runs on the Node pinned in
# package.json (node@24 dev dependency), reached through node_modules/.bin.
SHELL := /bin/bash
export PATH := $(CURDIR)/node_modules/.bin:$(PATH)

.PHONY: install build test lint bench demo clean proto

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

demo: build
	bash tools/demo.sh

# Regenerates the gRPC code in src/api/grpc/gen from proto/: protoc (Debian
# protobuf-compiler, installed when missing) compiles the .proto files to a
# FileDescriptorSet, and src/api/grpc/codegen/generate.ts turns it into strict
# TypeScript plus the descriptors served by reflection. The output is
# committed, so builds and tests never need protoc.
PROTO_FILES = $(shell cd proto && find . -name '*.proto' | sed 's|^\./||' | LC_ALL=C sort)

proto: node_modules/.installed
	@if ! command -v protoc >/dev/null 2>&1; then \
	  echo "installing Debian protobuf-compiler (protoc)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends protobuf-compiler >/dev/null; \
	fi
	mkdir -p .tmp
	cd proto && protoc -I . --include_imports --descriptor_set_out=../.tmp/proto.pb $(PROTO_FILES)
	node src/api/grpc/codegen/generate.ts .tmp/proto.pb src/api/grpc/gen

clean:
	rm -rf dist .tmp
